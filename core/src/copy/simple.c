/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * The plain strategies: libc's memcpy, byte-wise and word-wise volatile
 * loops, and the reference's scheme (S10 for small copies, then memcpy).
 */
#include "strategy.h"

void *vmb__copy_libc(void *dst, const void *src, size_t n)
{
	if (n <= VMB_SINGLE_ACCESS_MAX) {
		vmb_copy_small(dst, src, n);
		return dst;
	}
	return memcpy(dst, src, n);
}

void *vmb__copy_bytes(void *dst, const void *src, size_t n)
{
	volatile uint8_t *d = dst;
	const volatile uint8_t *s = src;

	if (n <= VMB_SINGLE_ACCESS_MAX) {
		vmb_copy_small(dst, src, n);
		return dst;
	}
	/* At this point: every byte is one volatile load and one store. */
	for (size_t i = 0; i < n; i++)
		d[i] = s[i];
	return dst;
}

void *vmb__copy_words(void *dst, const void *src, size_t n)
{
	uint8_t *d = dst;
	const uint8_t *s = src;

	if (n <= VMB_SINGLE_ACCESS_MAX) {
		vmb_copy_small(dst, src, n);
		return dst;
	}
	/* Head: bytes until the destination is 8-aligned. */
	while (((uintptr_t)d & 7) != 0) {
		*(volatile uint8_t *)d++ = *(const volatile uint8_t *)s++;
		n--;
	}
	/* At this point: d is 8-aligned; each word is one volatile store. */
	for (; n >= 8; d += 8, s += 8, n -= 8)
		*(volatile uint64_t *)(void *)d = vmb__load64(s);
	/* Tail; not `while (n-- > 0)`, whose last test takes n below zero. */
	for (; n > 0; n--)
		*(volatile uint8_t *)d++ = *(const volatile uint8_t *)s++;
	return dst;
}

void *vmb__copy_reference(void *dst, const void *src, size_t n)
{
	/* vm-memory: naturally aligned units up to 8 bytes, memcpy above. */
	return vmb__copy_libc(dst, src, n);
}
