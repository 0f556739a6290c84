/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * The peers: what a user would call instead of vmbytes, measured paired
 * with vmbytes in one process (bench/pairs.c). Names peer/<family>/...;
 * time_ratio = vmbytes time / peer time.
 */
#ifndef VMBYTES_BENCH_PEERS_H
#define VMBYTES_BENCH_PEERS_H

#include "bench.h"

void register_peer_copy(const struct bench_mode *m);
void register_peer_atomic(const struct bench_mode *m);
void register_peer_dist(const struct bench_mode *m);

#endif /* VMBYTES_BENCH_PEERS_H */
