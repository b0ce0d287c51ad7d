/* sig.h - is one set of measurements better than another? The small-sample
 * statistics behind nfstune sweep: a t confidence interval of a mean, a
 * percentile bootstrap confidence interval of the relative difference of two
 * means (over the first mean: a relative difference), and the exact one-sided Mann-Whitney U test.
 *
 * With 3 repeats against 3 the Mann-Whitney test reaches p = 0.05 only when
 * every B is above every A (1 arrangement of C(6,3) = 20), so "better with
 * 95% confidence" by both tests is a demanding criterion, as it should be
 * with so few runs. */
#ifndef NFSTK_SIG_H
#define NFSTK_SIG_H

#include <stddef.h>
#include <stdint.h>

double sig_mean(const double *x, size_t n);
/* Sample standard deviation (n - 1); 0 for n < 2. */
double sig_sd(const double *x, size_t n);
/* Two-sided 95% t interval of the mean; lo = hi = mean for n < 2. */
void sig_mean_ci95(const double *x, size_t n, double *lo, double *hi);
/* Student's t quantile for a two-sided 95% interval with df degrees of
 * freedom (df >= 1). */
double sig_t95(size_t df);

/* Exact one-sided Mann-Whitney p value that B is stochastically greater
 * than A: P(U >= u) under the null, with U counting pairs b > a (ties count
 * half, rounded down: conservative). Exact for na, nb <= 40, the normal
 * approximation with continuity correction above. 1.0 when either is empty. */
double sig_mw_greater(const double *a, size_t na, const double *b, size_t nb);

struct sig_cmp {
	double mean_a, mean_b;
	double rel;          /* mean_b / mean_a - 1 */
	double rel_lo, rel_hi; /* bootstrap interval of mean_b - mean_a, over mean_a */
	double p_greater;    /* Mann-Whitney: B greater than A */
	double p_less;       /* Mann-Whitney: B less than A */
};

/* Compare B with A: conf is e.g. 0.95, resamples e.g. 10000, seed makes the
 * bootstrap repeatable. Returns 0, or EINVAL (an empty set, mean_a == 0,
 * conf outside (0,1)) or ENOMEM. */
int sig_compare(const double *a, size_t na, const double *b, size_t nb, double conf, unsigned resamples,
		uint64_t seed, struct sig_cmp *r);

#endif
