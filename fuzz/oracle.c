/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * The oracle: every op runs through the library (the op-script engine over
 * the generic interface) and through the shadow model; the two results
 * must say the same, field by field (vmbo_result_matches()). Lines are
 * printed only to report a difference. The check stays on in every build.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

/* The script being checked, for the failure report. */
static const struct vmbo_script *current;
static size_t current_ops;

static void print_script(FILE *f, const struct vmbo_script *s, size_t nops)
{
	struct vmbo_text t = { 0 };

	for (size_t i = 0; i < s->nsetup; i++) {
		vmbo_text_clear(&t);
		vmbo_format_setup(&t, &s->setup[i]);
		fprintf(f, "%s\n", t.s);
	}
	for (size_t i = 0; i < nops && i < s->nops; i++) {
		vmbo_text_clear(&t);
		vmbo_format_op(&t, &s->ops[i]);
		fprintf(f, "%s\n", t.s);
	}
	vmbo_text_free(&t);
}

/* The target's own account of a failure (vmbf_set_fail_check()), or NULL. */
static const char *(*fail_check)(void);

void vmbf_set_fail_check(const char *(*check)(void))
{
	fail_check = check;
}

void vmbf_fail(const char *rule, const char *fmt, ...)
{
	const char *harness = fail_check ? fail_check() : NULL;
	va_list ap;

	/* As the harness's own failures print ("rule harness"): no verdict on @rule. */
	if (harness)
		fprintf(stderr, "\n==vmbytes oracle== SPEC rule harness violated\n%s; so this is no "
				"verdict on rule %s:\n", harness, rule);
	else
		fprintf(stderr, "\n==vmbytes oracle== SPEC rule %s violated\n", rule);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (current) {
		fprintf(stderr, "---- op script so far ----\n");
		print_script(stderr, current, current_ops);
		fprintf(stderr, "----\n");
	}
	fflush(stderr);
	abort();
}

/* A mismatch: both results as lines, the op, and the script so far. */
__attribute__((noreturn)) static void report(const char *rule, const char *what,
					     const struct vmbo_result *exp, const char *got)
{
	struct vmbo_text want = { 0 };

	vmbo_format_result(&want, exp);
	vmbf_fail(rule, "%s\n  expected: %.300s\n  actual:   %.300s", what, want.s, got);
}

void vmbf_check_script(const struct vmbo_script *s, vmbf_env_open_fn open_fn,
		       vmbf_env_close_fn close_fn)
{
	/* The set-up's err line, its buffer kept for the next script. */
	static struct vmbo_text setup;
	struct vmbf_expect exp = { .rule = "?" };
	struct vmbo_result got;
	struct vmbo_env env;
	struct vmbf_model *m;
	int rc;

	current = s;
	current_ops = 0;
	vmbo_text_clear(&setup);
	m = vmbf_model_open(s, &exp);
	rc = (open_fn ? open_fn : vmbo_env_open)(&env, s, &setup);
	if (rc == -2)
		vmbf_fail("decoder", "the decoder made a set-up the engine refuses: %s", setup.s);
	if (m == NULL || rc != 0) {
		/*
		 * A failed set-up prints one err line (the engine gives it as
		 * text, once per script): both must agree on it.
		 */
		struct vmbo_text want = { 0 };

		if (m == NULL)
			vmbo_format_result(&want, &exp.res);
		if (m != NULL || rc == 0 || strcmp(want.s, setup.s) != 0)
			vmbf_fail(m ? "set-up" : exp.rule, "set-up\n  expected: %s\n  actual:   %s",
				  m ? "ok" : want.s, rc == 0 ? "ok" : setup.s);
		vmbo_text_free(&want);
		if (rc == 0)
			(close_fn ? close_fn : vmbo_env_close)(&env);
		vmbf_model_free(m);
		goto out;
	}
	for (size_t i = 0; i < s->nops; i++) {
		current_ops = i + 1;
		vmbo_run(&env, &s->ops[i], &got);
		exp.rule = NULL;
		vmbf_model_step(m, &s->ops[i], &exp);
		if (exp.rule == NULL)
			vmbf_fail("model", "the model has no prediction for op %zu", i + 1);
		/* Every result is compared, field by field: nothing is left to elide. */
		if (!vmbo_result_matches(&exp.res, &got)) {
			struct vmbo_text op = { 0 }, line = { 0 };

			vmbo_format_op(&op, &s->ops[i]);
			vmbo_format_result(&line, &got);
			report(exp.rule, op.s, &exp.res, line.s);
		}
	}
	(close_fn ? close_fn : vmbo_env_close)(&env);
	vmbf_model_free(m);
out:
	current = NULL;
}

int vmbf_run_profile(const struct vmbf_profile *prof, const uint8_t *data, size_t size)
{
	struct vmbo_script s;

	vmbf_decode(prof, data, size, &s);
	if (prof->container == VMBO_SETUP_REGION || prof->container == VMBO_SETUP_FILE)
		vmbf_check_script(&s, vmbf_pool_open, vmbf_pool_close);
	else
		vmbf_check_script(&s, NULL, NULL);
	vmbo_script_free(&s);
	return 0;
}

void vmbf_print_profile(const struct vmbf_profile *prof, const uint8_t *data, size_t size,
			struct vmbo_text *out)
{
	struct vmbo_script s;
	size_t complete = vmbf_decode(prof, data, size, &s);

	for (size_t i = 0; i < s.nsetup; i++) {
		if (i == complete)
			vmbo_text_printf(out, VMBF_RAN_OUT_LINE);
		vmbo_format_setup(out, &s.setup[i]);
		vmbo_text_printf(out, "\n");
	}
	for (size_t i = 0; i < s.nops; i++) {
		if (s.nsetup + i == complete)
			vmbo_text_printf(out, VMBF_RAN_OUT_LINE);
		vmbo_format_op(out, &s.ops[i]);
		vmbo_text_printf(out, "\n");
	}
	vmbo_script_free(&s);
}
