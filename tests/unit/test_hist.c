/* test_hist.c - the latency histogram against exact answers: bucket
 * geometry, percentiles of a million samples from several distributions
 * compared with sorting, merging, and the JSON form. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "hist.h"

#define NSAMPLES 1000000

/* splitmix64: tiny, fast, and the same sequence everywhere (unlike rand()) */
struct rng {
	uint64_t s;
};

static uint64_t rng_next(struct rng *r)
{
	uint64_t z = (r->s += UINT64_C(0x9e3779b97f4a7c15));
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* uniform in (0, 1]: never 0, so log() is safe */
static double rng_unit(struct rng *r)
{
	return ((double)(rng_next(r) >> 11) + 1.0) * 0x1.0p-53;
}

static double rng_normal(struct rng *r)
{
	return sqrt(-2.0 * log(rng_unit(r))) * cos(2.0 * M_PI * rng_unit(r));
}

static uint64_t to_ns(double x)
{
	if (x < 1)
		return 1;
	if (x > (double)HIST_MAX_NS)
		return HIST_MAX_NS;
	return (uint64_t)x;
}

/* log-uniform from 10 ns to 100 s: nine decades, every bucket group used */
static uint64_t gen_decades(struct rng *r)
{
	return to_ns(pow(10.0, 1.0 + 10.0 * rng_unit(r)));
}

static uint64_t gen_exponential(struct rng *r)
{
	return to_ns(-log(rng_unit(r)) * 1e6); /* mean 1 ms */
}

static uint64_t gen_lognormal(struct rng *r)
{
	return to_ns(exp(log(250e3) + 1.2 * rng_normal(r))); /* median 250 us */
}

/* fast path around 200 us, a tenth of requests around 40 ms */
static uint64_t gen_bimodal(struct rng *r)
{
	if (rng_next(r) % 10 == 0)
		return to_ns(40e6 + 4e6 * rng_normal(r));
	return to_ns(200e3 + 20e3 * rng_normal(r));
}

static uint64_t gen_constant(struct rng *r)
{
	(void)r;
	return 123456789;
}

/* small values land in exact buckets, or in the narrowest ones */
static uint64_t gen_small(struct rng *r)
{
	return 1 + rng_next(r) % 200;
}

struct dist {
	const char *name;
	uint64_t (*gen)(struct rng *r);
};

static const struct dist dists[] = {
	{"decades", gen_decades},
	{"exponential", gen_exponential},
	{"lognormal", gen_lognormal},
	{"bimodal", gen_bimodal},
	{"constant", gen_constant},
	{"small", gen_small},
};

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

/* The same rank rule as hist_percentile: the ceil(p/100 * n)-th smallest. */
static uint64_t exact_percentile(const uint64_t *sorted, size_t n, double p)
{
	double r = p * (double)n / 100.0;
	size_t rank = (size_t)ceil(r - r * 1e-15);
	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return sorted[rank - 1];
}

static void test_distribution(void **state)
{
	const struct dist *d = *state;
	static const double ps[] = {50, 90, 99, 99.9, 99.99, 100};
	uint64_t *v = malloc(NSAMPLES * sizeof(*v));
	struct hist *h = malloc(sizeof(*h));
	struct rng r = {42 + (uint64_t)(d - dists)}; /* fixed seed per distribution */
	uint64_t sum = 0;

	assert_non_null(v);
	assert_non_null(h);
	hist_init(h);
	for (size_t i = 0; i < NSAMPLES; i++) {
		v[i] = d->gen(&r);
		sum += v[i];
		assert_int_equal(hist_record(h, v[i]), 0);
	}
	qsort(v, NSAMPLES, sizeof(*v), cmp_u64);

	assert_int_equal(h->count, NSAMPLES);
	assert_int_equal(h->overflow, 0);
	assert_int_equal(h->min, v[0]);
	assert_int_equal(h->max, v[NSAMPLES - 1]);
	assert_int_equal(h->sum, sum);
	assert_true(fabs(hist_mean(h) - (double)sum / NSAMPLES) < 1e-6 * hist_mean(h) + 1e-9);

	for (size_t k = 0; k < sizeof(ps) / sizeof(ps[0]); k++) {
		uint64_t want = exact_percentile(v, NSAMPLES, ps[k]);
		uint64_t got = hist_percentile(h, ps[k]);
		double rel = fabs((double)got - (double)want) / (double)want;
		if (rel >= 0.01)
			fail_msg("%s p%g: got %llu, exact %llu, error %.3f%%", d->name, ps[k],
				 (unsigned long long)got, (unsigned long long)want, rel * 100);
		/* the design's bound is half a bucket: 1/128 */
		assert_true(rel <= 1.0 / 128 + 1e-12);
	}
	assert_int_equal(hist_percentile(h, 100), v[NSAMPLES - 1]);
	free(v);
	free(h);
}

static void test_bucket_geometry(void **state)
{
	(void)state;
	assert_int_equal(hist_bucket_lo(0), 0);
	assert_int_equal(hist_bucket_hi(HIST_NBUCKETS - 1), HIST_MAX_NS + 1);
	for (unsigned i = 0; i < HIST_NBUCKETS; i++) {
		uint64_t lo = hist_bucket_lo(i), hi = hist_bucket_hi(i);
		assert_true(lo < hi);
		if (i + 1 < HIST_NBUCKETS)
			assert_int_equal(hi, hist_bucket_lo(i + 1)); /* no gaps */
		assert_int_equal(hist_index(lo), i);
		assert_int_equal(hist_index(hi - 1), i);
		if (i > 0)
			assert_int_equal(hist_index(lo - 1), i - 1);
		if (i < HIST_SUB) {
			assert_int_equal(hi - lo, 1);
		} else {
			/* width over lower bound never exceeds 1/64 */
			assert_true((hi - lo) * 64 <= lo);
		}
	}
	/* monotone over a sweep that crosses every boundary */
	unsigned prev = 0;
	for (uint64_t v = 0; v <= HIST_MAX_NS; v = v < 1000 ? v + 1 : v + v / 97) {
		unsigned i = hist_index(v);
		assert_true(i >= prev);
		assert_true(i < HIST_NBUCKETS);
		prev = i;
	}
	assert_int_equal(hist_index(HIST_MAX_NS), HIST_NBUCKETS - 1);
}

static void test_extremes(void **state)
{
	struct hist *h = malloc(sizeof(*h));
	(void)state;

	assert_non_null(h);
	hist_init(h);
	assert_int_equal(hist_percentile(h, 50), 0);
	assert_true(hist_mean(h) == 0);
	assert_int_equal(hist_record(h, 1), 0);
	assert_int_equal(hist_record(h, HIST_MAX_NS), 0);
	assert_int_equal(hist_record(h, HIST_MAX_NS + 1), ERANGE);
	assert_int_equal(hist_record(h, UINT64_MAX), ERANGE);
	assert_int_equal(h->count, 2);
	assert_int_equal(h->overflow, 2);
	assert_int_equal(h->buckets[1], 1);
	assert_int_equal(h->buckets[HIST_NBUCKETS - 1], 1);
	assert_int_equal(h->min, 1);
	assert_int_equal(h->max, HIST_MAX_NS);
	assert_int_equal(h->sum, HIST_MAX_NS + 1);
	assert_int_equal(hist_percentile(h, 50), 1);
	assert_int_equal(hist_percentile(h, 100), HIST_MAX_NS);
	/* a midpoint above max is clamped to max */
	assert_true(hist_percentile(h, 99) <= HIST_MAX_NS);

	hist_init(h);
	assert_int_equal(hist_record(h, 0), 0);
	assert_int_equal(hist_percentile(h, 99.99), 0);
	free(h);
}

static void test_percentile_ranks(void **state)
{
	struct hist *h = malloc(sizeof(*h));
	(void)state;

	assert_non_null(h);
	hist_init(h);
	for (uint64_t v = 1; v <= 10; v++)
		hist_record(h, v);
	/* exact buckets: the ceil(p/100 * n)-th smallest exactly */
	assert_int_equal(hist_percentile(h, 10), 1);
	assert_int_equal(hist_percentile(h, 10.1), 2);
	assert_int_equal(hist_percentile(h, 50), 5);
	assert_int_equal(hist_percentile(h, 90), 9);
	assert_int_equal(hist_percentile(h, 99.9), 10);
	assert_int_equal(hist_percentile(h, 100), 10);
	assert_int_equal(hist_percentile(h, 0.001), 1);
	free(h);
}

static void fill(struct hist *h, struct rng *r, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t v = gen_decades(r);
		if (i % 1000 == 7)
			v = HIST_MAX_NS + 1 + i; /* some overflow too */
		hist_record(h, v);
	}
}

static void test_merge(void **state)
{
	struct hist *all = malloc(sizeof(*all)), *part = malloc(sizeof(*part));
	struct hist *sum = malloc(sizeof(*sum));
	struct rng ra = {7}, rb = {7};
	(void)state;

	assert_non_null(all);
	assert_non_null(part);
	assert_non_null(sum);
	hist_init(all);
	fill(all, &ra, 30000);

	/* the same values recorded in three unequal parts */
	hist_init(sum);
	static const size_t parts[] = {1, 9999, 20000};
	uint64_t overflow = 0;
	for (size_t k = 0; k < 3; k++) {
		hist_init(part);
		for (size_t i = 0; i < parts[k]; i++) {
			uint64_t v = gen_decades(&rb);
			size_t gi = (k == 0 ? 0 : k == 1 ? 1 : 10000) + i;
			if (gi % 1000 == 7)
				v = HIST_MAX_NS + 1 + gi;
			hist_record(part, v);
		}
		assert_int_equal(hist_merge(sum, part), part->overflow);
		overflow += part->overflow;
	}
	assert_int_equal(overflow, 30);
	assert_memory_equal(sum, all, sizeof(*all));

	/* merging an empty histogram changes nothing */
	hist_init(part);
	assert_int_equal(hist_merge(sum, part), 0);
	assert_memory_equal(sum, all, sizeof(*all));
	free(all);
	free(part);
	free(sum);
}

static void roundtrip(const struct hist *h)
{
	struct json_object *o = hist_to_json(h);
	struct hist *back = malloc(sizeof(*back));
	char err[256] = "";

	assert_non_null(o);
	assert_non_null(back);
	/* through text, as between programs */
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	struct json_object *p = json_tokener_parse(s);
	assert_non_null(p);
	memset(back, 0xa5, sizeof(*back));
	assert_int_equal(hist_from_json(back, p, err, sizeof(err)), 0);
	assert_memory_equal(back, h, sizeof(*h));
	json_object_put(o);
	json_object_put(p);
	free(back);
}

static void test_json_roundtrip(void **state)
{
	struct hist *h = malloc(sizeof(*h));
	struct rng r = {99};
	(void)state;

	assert_non_null(h);
	hist_init(h);
	roundtrip(h);
	hist_record(h, 0);
	roundtrip(h);
	fill(h, &r, 50000);
	hist_record(h, HIST_MAX_NS);
	roundtrip(h);

	struct json_object *o = hist_to_json(h), *b;
	assert_true(json_object_object_get_ex(o, "buckets", &b));
	size_t nonempty = 0;
	for (unsigned i = 0; i < HIST_NBUCKETS; i++)
		nonempty += h->buckets[i] != 0;
	assert_int_equal(json_object_array_length(b), nonempty);
	json_object_put(o);
	free(h);
}

static void test_json_reject(void **state)
{
	static const char *const bad[] = {
		"[]",
		"{}",
		"{\"count\":1,\"overflow\":0,\"min\":5,\"max\":5,\"sum\":5}",
		"{\"count\":1,\"overflow\":0,\"min\":5,\"max\":5,\"sum\":5,\"buckets\":{}}",
		/* lo not a bucket boundary */
		"{\"count\":1,\"overflow\":0,\"min\":65,\"max\":65,\"sum\":65,\"buckets\":[[130,1]]}",
		/* lo beyond the last bucket */
		"{\"count\":1,\"overflow\":0,\"min\":5,\"max\":5,\"sum\":5,\"buckets\":[[4398046511104,1]]}",
		/* negative, absent, wrong-typed counts */
		"{\"count\":1,\"overflow\":0,\"min\":5,\"max\":5,\"sum\":5,\"buckets\":[[5,-1]]}",
		"{\"count\":1,\"overflow\":0,\"min\":5,\"max\":5,\"sum\":5,\"buckets\":[[5]]}",
		"{\"count\":1,\"overflow\":0,\"min\":5,\"max\":5,\"sum\":5,\"buckets\":[[5,\"1\"]]}",
		"{\"count\":1,\"overflow\":0,\"min\":5,\"max\":5,\"sum\":5,\"buckets\":[[5,1.0]]}",
		"{\"count\":1,\"overflow\":0,\"min\":5,\"max\":5,\"sum\":5,\"buckets\":[[5,1,2]]}",
		"{\"count\":1,\"overflow\":0,\"min\":5,\"max\":5,\"sum\":5,\"buckets\":[5]}",
		"{\"count\":1,\"overflow\":0,\"min\":5,\"max\":5,\"sum\":5,\"buckets\":[[-5,1]]}",
		"{\"count\":-1,\"overflow\":0,\"min\":5,\"max\":5,\"sum\":5,\"buckets\":[[5,1]]}",
		"{\"count\":\"1\",\"overflow\":0,\"min\":5,\"max\":5,\"sum\":5,\"buckets\":[[5,1]]}",
		"{\"overflow\":0,\"min\":5,\"max\":5,\"sum\":5,\"buckets\":[[5,1]]}",
		"{\"count\":1,\"overflow\":null,\"min\":5,\"max\":5,\"sum\":5,\"buckets\":[[5,1]]}",
		/* counts that do not add up */
		"{\"count\":2,\"overflow\":0,\"min\":5,\"max\":5,\"sum\":10,\"buckets\":[[5,1]]}",
		"{\"count\":1,\"overflow\":0,\"min\":5,\"max\":6,\"sum\":11,\"buckets\":[[5,1],[6,1]]}",
		("{\"count\":18446744073709551615,\"overflow\":0,\"min\":5,\"max\":6,\"sum\":11,"
		 "\"buckets\":[[5,18446744073709551615],[6,1]]}"),
		/* duplicates and disorder */
		"{\"count\":2,\"overflow\":0,\"min\":5,\"max\":5,\"sum\":10,\"buckets\":[[5,1],[5,1]]}",
		"{\"count\":2,\"overflow\":0,\"min\":5,\"max\":6,\"sum\":11,\"buckets\":[[6,1],[5,1]]}",
		/* min/max outside the non-empty buckets */
		"{\"count\":1,\"overflow\":0,\"min\":4,\"max\":5,\"sum\":5,\"buckets\":[[5,1]]}",
		"{\"count\":1,\"overflow\":0,\"min\":5,\"max\":9,\"sum\":5,\"buckets\":[[5,1]]}",
		"{\"count\":0,\"overflow\":0,\"min\":0,\"max\":0,\"sum\":3,\"buckets\":[]}",
	};
	struct hist *h = malloc(sizeof(*h)), *before = malloc(sizeof(*before));
	struct rng r = {3};
	(void)state;

	assert_non_null(h);
	assert_non_null(before);
	hist_init(h);
	fill(h, &r, 1000);
	memcpy(before, h, sizeof(*h));
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		char err[256] = "";
		struct json_object *o = json_tokener_parse(bad[k]);
		assert_non_null(o);
		if (hist_from_json(h, o, err, sizeof(err)) != EINVAL)
			fail_msg("accepted: %s", bad[k]);
		assert_true(err[0] != '\0');
		assert_memory_equal(h, before, sizeof(*h));
		json_object_put(o);
	}
	/* NULL object too */
	char err[64];
	assert_int_equal(hist_from_json(h, NULL, err, sizeof(err)), EINVAL);
	assert_memory_equal(h, before, sizeof(*h));

	/* and a good one with zero-count entries and unknown members is fine */
	struct json_object *o = json_tokener_parse(
		"{\"count\":2,\"overflow\":1,\"min\":64,\"max\":66,\"sum\":130,\"unit\":\"ns\","
		"\"buckets\":[[64,1],[65,0],[66,1]]}");
	assert_int_equal(hist_from_json(h, o, err, sizeof(err)), 0);
	assert_int_equal(h->count, 2);
	assert_int_equal(h->overflow, 1);
	assert_int_equal(hist_percentile(h, 100), 66);
	json_object_put(o);
	free(h);
	free(before);
}

/* one test per distribution, named after it */
#define DIST_TEST(i) { dists[i].name, test_distribution, NULL, NULL, (void *)&dists[i] }

int main(void)
{
	struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bucket_geometry),
		cmocka_unit_test(test_extremes),
		cmocka_unit_test(test_percentile_ranks),
		DIST_TEST(0), DIST_TEST(1), DIST_TEST(2), DIST_TEST(3), DIST_TEST(4), DIST_TEST(5),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_json_roundtrip),
		cmocka_unit_test(test_json_reject),
	};
	_Static_assert(sizeof(dists) / sizeof(dists[0]) == 6, "one DIST_TEST per distribution");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
