# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
"""The one-sided sign test the bench verdicts use (bench/verdict.py, the
vm-memory peer): scipy.stats.binomtest (Debian python3-scipy, which every
bench command installs), imported on first use so that parsing arguments
needs no scipy."""


def at_least_p(k, n):
    """P(at least @k of @n fair coin flips come up heads): the p-value of
    "@k of @n repetitions fell on one side" if each side were as likely.
    1.0 for n == 0 (no evidence)."""
    if n == 0:
        return 1.0
    from scipy.stats import binomtest
    return float(binomtest(k, n, 0.5, alternative="greater").pvalue)
