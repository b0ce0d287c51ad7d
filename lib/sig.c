/* sig.c - small-sample comparisons (see sig.h). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sig.h"

double sig_mean(const double *x, size_t n)
{
	double s = 0;
	for (size_t i = 0; i < n; i++)
		s += x[i];
	return n ? s / (double)n : 0;
}

double sig_sd(const double *x, size_t n)
{
	if (n < 2)
		return 0;
	double m = sig_mean(x, n), s = 0;
	for (size_t i = 0; i < n; i++)
		s += (x[i] - m) * (x[i] - m);
	return sqrt(s / (double)(n - 1));
}

double sig_t95(size_t df)
{
	/* t(0.975, df), df = 1..30 (any statistics table, e.g. NIST/SEMATECH
	 * e-Handbook 1.3.6.7.2), then the normal limit approached as 1/df */
	static const double t[30] = {
		12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
		2.201,	2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
		2.080,	2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
	};
	if (df == 0)
		return INFINITY;
	if (df <= 30)
		return t[df - 1];
	return 1.960 + (2.042 - 1.960) * 30.0 / (double)df;
}

void sig_mean_ci95(const double *x, size_t n, double *lo, double *hi)
{
	double m = sig_mean(x, n);
	if (n < 2) {
		*lo = *hi = m;
		return;
	}
	double h = sig_t95(n - 1) * sig_sd(x, n) / sqrt((double)n);
	*lo = m - h;
	*hi = m + h;
}

/* U statistic of B over A, doubled to stay whole with ties */
static unsigned long u2_of(const double *a, size_t na, const double *b, size_t nb)
{
	unsigned long u2 = 0;
	for (size_t i = 0; i < nb; i++)
		for (size_t j = 0; j < na; j++)
			u2 += b[i] > a[j] ? 2 : b[i] == a[j] ? 1 : 0;
	return u2;
}

#define MW_EXACT_MAX 40

/* P(U >= u) for sizes m, n under the null: counts of arrangements by U,
 * c(m, n, u) = c(m - 1, n, u - n) + c(m, n - 1, u), built up over m with a
 * rolling table over n (doubles: C(80, 40) ~ 1e23 is exact enough). */
static double mw_tail(size_t m, size_t n, unsigned long u)
{
	size_t umax = m * n;
	if (u == 0)
		return 1.0;
	if (u > umax)
		return 0.0;
	/* cnt[j][v] for the current i, j = 0..n */
	double *cnt = calloc((n + 1) * (umax + 1), sizeof(double));
	double *prev = calloc((n + 1) * (umax + 1), sizeof(double));
	if (!cnt || !prev) {
		free(cnt);
		free(prev);
		return NAN;
	}
#define C(tab, j, v) (tab)[(j) * (umax + 1) + (v)]
	for (size_t j = 0; j <= n; j++)
		C(prev, j, 0) = 1; /* i = 0: one arrangement, U = 0 */
	for (size_t i = 1; i <= m; i++) {
		memset(cnt, 0, (n + 1) * (umax + 1) * sizeof(double));
		C(cnt, 0, 0) = 1;
		for (size_t j = 1; j <= n; j++)
			for (size_t v = 0; v <= i * j; v++)
				C(cnt, j, v) = (v >= j ? C(prev, j, v - j) : 0) + C(cnt, j - 1, v);
		double *sw = prev;
		prev = cnt;
		cnt = sw;
	}
	double tail = 0, all = 0;
	for (size_t v = 0; v <= umax; v++) {
		all += C(prev, n, v);
		if (v >= u)
			tail += C(prev, n, v);
	}
#undef C
	free(cnt);
	free(prev);
	return tail / all;
}

double sig_mw_greater(const double *a, size_t na, const double *b, size_t nb)
{
	if (!na || !nb)
		return 1.0;
	unsigned long u = u2_of(a, na, b, nb) / 2; /* half-pairs rounded down */
	if (na <= MW_EXACT_MAX && nb <= MW_EXACT_MAX)
		return mw_tail(nb, na, u);
	double mu = (double)na * (double)nb / 2;
	double sd = sqrt((double)na * (double)nb * (double)(na + nb + 1) / 12);
	double z = ((double)u - 0.5 - mu) / sd;
	return 0.5 * erfc(z / sqrt(2.0));
}

/* splitmix64: a small, good, repeatable generator for the resampling */
static uint64_t next_rand(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double resample_mean(const double *x, size_t n, uint64_t *s)
{
	double sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += x[next_rand(s) % n];
	return sum / (double)n;
}

static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int sig_compare(const double *a, size_t na, const double *b, size_t nb, double conf, unsigned resamples,
		uint64_t seed, struct sig_cmp *r)
{
	memset(r, 0, sizeof(*r));
	if (!na || !nb || !(conf > 0 && conf < 1) || resamples < 2)
		return EINVAL;
	r->mean_a = sig_mean(a, na);
	r->mean_b = sig_mean(b, nb);
	if (r->mean_a == 0)
		return EINVAL;
	r->rel = r->mean_b / r->mean_a - 1;
	r->p_greater = sig_mw_greater(a, na, b, nb);
	r->p_less = sig_mw_greater(b, nb, a, na);
	/* the interval of the difference of means, over A's mean: defined
	 * even when a resample of A averages to zero */
	double *rel = malloc(resamples * sizeof(double));
	if (!rel)
		return ENOMEM;
	uint64_t s = seed;
	for (unsigned i = 0; i < resamples; i++) {
		double ma = resample_mean(a, na, &s), mb = resample_mean(b, nb, &s);
		rel[i] = (mb - ma) / r->mean_a;
	}
	qsort(rel, resamples, sizeof(double), cmp_dbl);
	double tail = (1 - conf) / 2;
	size_t lo = (size_t)floor(tail * (resamples - 1));
	size_t hi = (size_t)ceil((1 - tail) * (resamples - 1));
	r->rel_lo = rel[lo];
	r->rel_hi = rel[hi < resamples ? hi : resamples - 1];
	free(rel);
	return 0;
}
