/* hist.c - the log-linear latency histogram: bucket geometry, merging,
 * percentiles and the JSON form that carries histograms between programs
 * (nfsbench ranks, nfscap captures) without losing precision. */
#include "hist.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

void hist_init(struct hist *h)
{
	memset(h, 0, sizeof(*h));
	h->min = UINT64_MAX;
}

uint64_t hist_bucket_lo(unsigned i)
{
	if (i < HIST_SUB)
		return i;
	if (i >= HIST_NBUCKETS)
		return HIST_MAX_NS + 1;
	unsigned shift = (i - HIST_SUB) / HIST_SUB;
	unsigned sub = (i - HIST_SUB) % HIST_SUB;
	return (uint64_t)(HIST_SUB + sub) << shift;
}

uint64_t hist_bucket_hi(unsigned i)
{
	if (i < HIST_SUB)
		return (uint64_t)i + 1;
	if (i >= HIST_NBUCKETS)
		return HIST_MAX_NS + 1;
	unsigned shift = (i - HIST_SUB) / HIST_SUB;
	return hist_bucket_lo(i) + (UINT64_C(1) << shift);
}

uint64_t hist_merge(struct hist *dst, const struct hist *src)
{
	for (unsigned i = 0; i < HIST_NBUCKETS; i++)
		dst->buckets[i] += src->buckets[i];
	dst->count += src->count;
	dst->sum += src->sum;
	dst->overflow += src->overflow;
	if (src->count) {
		if (src->min < dst->min)
			dst->min = src->min;
		if (src->max > dst->max)
			dst->max = src->max;
	}
	return src->overflow;
}

uint64_t hist_percentile(const struct hist *h, double p)
{
	if (h->count == 0)
		return 0;
	if (!(p > 0)) /* also NaN */
		return h->min;
	if (p >= 100)
		return h->max;

	/* p * count / 100 rather than p / 100 * count: 99.9 * 10^6 rounds to
	 * an exact integer, 0.999 * 10^6 does not, and ceil() would then
	 * step one rank too far. */
	double r = p * (double)h->count / 100.0;
	double c = ceil(r - r * 1e-15);
	uint64_t rank = c < 1 ? 1 : (uint64_t)c;
	if (rank > h->count)
		rank = h->count;

	uint64_t seen = 0;
	for (unsigned i = 0; i < HIST_NBUCKETS; i++) {
		seen += h->buckets[i];
		if (seen >= rank) {
			uint64_t lo = hist_bucket_lo(i);
			uint64_t v = lo + (hist_bucket_hi(i) - lo) / 2;
			if (v < h->min)
				v = h->min;
			if (v > h->max)
				v = h->max;
			return v;
		}
	}
	return h->max; /* buckets disagree with count: stay within range */
}

double hist_mean(const struct hist *h)
{
	if (h->count == 0)
		return 0;
	return (double)h->sum / (double)h->count;
}

static int add_u64(struct json_object *o, const char *key, uint64_t v)
{
	struct json_object *n = json_object_new_uint64(v);
	if (!n)
		return -1;
	if (json_object_object_add(o, key, n)) {
		json_object_put(n);
		return -1;
	}
	return 0;
}

static int add_elem(struct json_object *a, uint64_t v)
{
	struct json_object *n = json_object_new_uint64(v);
	if (!n)
		return -1;
	if (json_object_array_add(a, n)) {
		json_object_put(n);
		return -1;
	}
	return 0;
}

struct json_object *hist_to_json(const struct hist *h)
{
	struct json_object *o = json_object_new_object();
	struct json_object *b = json_object_new_array();
	if (!o || !b)
		goto fail;

	/* An empty histogram's min is UINT64_MAX internally; 0 is kinder to
	 * readers whose numbers are doubles, and hist_from_json restores it. */
	if (add_u64(o, "count", h->count) ||
	    add_u64(o, "overflow", h->overflow) ||
	    add_u64(o, "min", h->count ? h->min : 0) ||
	    add_u64(o, "max", h->count ? h->max : 0) ||
	    add_u64(o, "sum", h->sum))
		goto fail;

	for (unsigned i = 0; i < HIST_NBUCKETS; i++) {
		if (!h->buckets[i])
			continue;
		struct json_object *pair = json_object_new_array();
		if (!pair || json_object_array_add(b, pair)) {
			json_object_put(pair);
			goto fail;
		}
		/* pair now belongs to b, and b is released on failure */
		if (add_elem(pair, hist_bucket_lo(i)) || add_elem(pair, h->buckets[i]))
			goto fail;
	}
	if (json_object_object_add(o, "buckets", b))
		goto fail;
	return o;
fail:
	json_object_put(b);
	json_object_put(o);
	return NULL;
}

static int bad(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int bad(char *err, size_t errlen, const char *fmt, ...)
{
	if (err && errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return EINVAL;
}

/* A JSON integer >= 0. json-c keeps integers above INT64_MAX as uint64,
 * and negative ones as int64, so the sign decides which getter is exact. */
static int json_u64(struct json_object *v, uint64_t *out)
{
	if (!v || !json_object_is_type(v, json_type_int))
		return -1;
	if (json_object_get_int64(v) < 0)
		return -1;
	*out = json_object_get_uint64(v);
	return 0;
}

static int get_field(struct json_object *o, const char *key, uint64_t *out,
		     char *err, size_t errlen)
{
	struct json_object *v;
	if (!json_object_object_get_ex(o, key, &v) || !v)
		return bad(err, errlen, "histogram: missing '%s'", key);
	if (json_u64(v, out))
		return bad(err, errlen, "histogram: '%s' is not a non-negative integer", key);
	return 0;
}

int hist_from_json(struct hist *h, struct json_object *o, char *err, size_t errlen)
{
	struct hist t; /* built aside so h only changes on success */
	struct json_object *b;
	uint64_t total = 0;
	int first = -1, last = -1;
	int rc;

	if (!o || !json_object_is_type(o, json_type_object))
		return bad(err, errlen, "histogram: not an object");
	hist_init(&t);
	if ((rc = get_field(o, "count", &t.count, err, errlen)) ||
	    (rc = get_field(o, "overflow", &t.overflow, err, errlen)) ||
	    (rc = get_field(o, "min", &t.min, err, errlen)) ||
	    (rc = get_field(o, "max", &t.max, err, errlen)) ||
	    (rc = get_field(o, "sum", &t.sum, err, errlen)))
		return rc;
	if (!json_object_object_get_ex(o, "buckets", &b) || !b)
		return bad(err, errlen, "histogram: missing 'buckets'");
	if (!json_object_is_type(b, json_type_array))
		return bad(err, errlen, "histogram: 'buckets' is not an array");

	size_t n = json_object_array_length(b);
	for (size_t k = 0; k < n; k++) {
		struct json_object *pair = json_object_array_get_idx(b, k);
		uint64_t lo, cnt;
		if (!pair || !json_object_is_type(pair, json_type_array) ||
		    json_object_array_length(pair) != 2)
			return bad(err, errlen, "histogram: buckets[%zu] is not a [lo, count] pair", k);
		if (json_u64(json_object_array_get_idx(pair, 0), &lo))
			return bad(err, errlen, "histogram: buckets[%zu]: lo is not a non-negative integer", k);
		if (json_u64(json_object_array_get_idx(pair, 1), &cnt))
			return bad(err, errlen, "histogram: buckets[%zu]: count is not a non-negative integer", k);
		if (lo > HIST_MAX_NS)
			return bad(err, errlen, "histogram: buckets[%zu]: lo %llu above the largest bucket",
				   k, (unsigned long long)lo);
		unsigned i = hist_index(lo);
		if (hist_bucket_lo(i) != lo)
			return bad(err, errlen, "histogram: buckets[%zu]: lo %llu is not a bucket boundary",
				   k, (unsigned long long)lo);
		/* increasing order rules out duplicates, which would otherwise
		 * double-count silently */
		if ((int)i <= last)
			return bad(err, errlen, "histogram: buckets[%zu]: lo %llu out of order",
				   k, (unsigned long long)lo);
		if (__builtin_add_overflow(total, cnt, &total))
			return bad(err, errlen, "histogram: bucket counts overflow");
		t.buckets[i] = cnt;
		if (cnt) {
			if (first < 0)
				first = (int)i;
		}
		last = (int)i;
	}
	if (total != t.count)
		return bad(err, errlen, "histogram: bucket counts add up to %llu, count is %llu",
			   (unsigned long long)total, (unsigned long long)t.count);

	if (t.count == 0) {
		if (t.sum)
			return bad(err, errlen, "histogram: sum %llu with no values",
				   (unsigned long long)t.sum);
		t.min = UINT64_MAX;
		t.max = 0;
	} else {
		/* last non-empty bucket: last may be a trailing zero entry */
		int hi_i = -1;
		for (int i = HIST_NBUCKETS - 1; i >= 0; i--)
			if (t.buckets[i]) {
				hi_i = i;
				break;
			}
		if (t.min > t.max || t.max > HIST_MAX_NS)
			return bad(err, errlen, "histogram: bad min/max %llu/%llu",
				   (unsigned long long)t.min, (unsigned long long)t.max);
		if ((int)hist_index(t.min) != first)
			return bad(err, errlen, "histogram: min %llu is not in the first non-empty bucket",
				   (unsigned long long)t.min);
		if ((int)hist_index(t.max) != hi_i)
			return bad(err, errlen, "histogram: max %llu is not in the last non-empty bucket",
				   (unsigned long long)t.max);
	}
	memcpy(h, &t, sizeof(t));
	return 0;
}
