/* hist.h - the one latency histogram of the toolkit (nfsbench, nfscap, nfstune).
 *
 * Executive summary of the bucketing (after fio's stat.h):
 *   - values are nanoseconds, uint64_t;
 *   - values below 64 ns have a bucket each (exact);
 *   - every power-of-two group [2^k, 2^(k+1)), k >= 6, is split into
 *     HIST_SUB = 64 linear sub-buckets of width 2^(k-6);
 *   - a bucket is reported by its midpoint, so the relative error of any
 *     reported value is at most half a bucket width over the bucket's lower
 *     bound: 2^(k-7) / 2^k = 1/128 = 0.78 %;
 *   - the largest value recorded is HIST_MAX_NS = 2^42 - 1 ns (73 minutes);
 *     larger values are counted in `overflow`, never clamped into a bucket;
 *   - memory is fixed: HIST_NBUCKETS counters of 8 bytes (about 19 KiB).
 * Recording is O(1): a count-leading-zeros, a shift and an add.
 * Merging adds buckets, so merged percentiles are exact to bucket precision.
 *
 * Concurrency: a struct hist has no locks. Give each thread (connection,
 * rank, capture file) its own and hist_merge() them when reporting.
 */
#ifndef NFSTK_HIST_H
#define NFSTK_HIST_H

#include <stddef.h>
#include <stdint.h>

struct json_object;

#define HIST_SUB_BITS 6
#define HIST_SUB (1u << HIST_SUB_BITS)
#define HIST_MAX_BITS 42
#define HIST_MAX_NS ((UINT64_C(1) << HIST_MAX_BITS) - 1)
/* 64 exact buckets, then one group of 64 per power of two from 2^6 to 2^41 */
#define HIST_NBUCKETS (HIST_SUB + (HIST_MAX_BITS - HIST_SUB_BITS) * HIST_SUB)

struct hist {
	uint64_t count;    /* values placed in buckets */
	uint64_t overflow; /* values above HIST_MAX_NS, not in buckets */
	uint64_t min;      /* exact minimum of placed values (UINT64_MAX if none) */
	uint64_t max;      /* exact maximum of placed values (0 if none) */
	uint64_t sum;      /* exact sum of placed values, for the mean */
	uint64_t buckets[HIST_NBUCKETS];
};

/* Empty the histogram: all counts 0, min = UINT64_MAX, max = 0. Must be
 * called before first use; a zeroed struct is not empty (its min is 0). */
void hist_init(struct hist *h);

/* Index of the bucket holding v, in [0, HIST_NBUCKETS). v must be
 * <= HIST_MAX_NS (hist_record checks; callers of this do not get a check).
 * Indexes are monotone in v: v1 <= v2 implies index(v1) <= index(v2). */
static inline unsigned hist_index(uint64_t v)
{
	if (v < HIST_SUB)
		return (unsigned)v;
	unsigned k = 63u - (unsigned)__builtin_clzll(v); /* k >= 6 */
	unsigned shift = k - HIST_SUB_BITS;
	return HIST_SUB + shift * HIST_SUB + (unsigned)((v >> shift) - HIST_SUB);
}

/* Record one value (nanoseconds). Returns 0, or ERANGE when
 * v > HIST_MAX_NS: the value is then counted in h->overflow only, and does
 * not take part in count, sum, min, max or percentiles. 0 is a valid value. */
static inline int hist_record(struct hist *h, uint64_t v)
{
	if (v > HIST_MAX_NS) {
		h->overflow++;
		return 34; /* ERANGE, without pulling errno.h into every user */
	}
	h->buckets[hist_index(v)]++;
	h->count++;
	h->sum += v;
	if (v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
	return 0;
}

/* Bucket i holds the values [hist_bucket_lo(i), hist_bucket_hi(i)).
 * Buckets tile the range without gaps: hi(i) == lo(i + 1), lo(0) == 0 and
 * hi(HIST_NBUCKETS - 1) == HIST_MAX_NS + 1. For i >= HIST_NBUCKETS both
 * return HIST_MAX_NS + 1 (the start of the overflow range). */
uint64_t hist_bucket_lo(unsigned i);
uint64_t hist_bucket_hi(unsigned i);

/* Add src into dst: buckets, count, sum and overflow add up; min and max
 * combine. The result equals recording both value sets into one histogram.
 * Returns how many of src's values could not be placed (src's overflow
 * count, carried into dst->overflow), so callers can report them. */
uint64_t hist_merge(struct hist *dst, const struct hist *src);

/* Value at percentile p (0 < p <= 100): the midpoint of the bucket holding
 * the ceil(p/100 * count)-th smallest value, clamped to [min, max], so the
 * result is within 1/128 of the exact percentile (exact below 64 ns).
 * p <= 0 (or NaN) gives min, p >= 100 gives max exactly. Overflowed values
 * are not ranked. Returns 0 for an empty histogram. O(HIST_NBUCKETS). */
uint64_t hist_percentile(const struct hist *h, double p);

/* Mean of placed values, from the exact sum (not from buckets); 0 when
 * empty. Overflowed values are not included. */
double hist_mean(const struct hist *h);

/* JSON form: {"count":N,"overflow":N,"min":N,"max":N,"sum":N,
 * "buckets":[[lo_ns,count],...]} listing only non-empty buckets, in
 * increasing lo. An empty histogram writes min and max as 0.
 * Returns a new object (caller owns it) or NULL on allocation failure. */
struct json_object *hist_to_json(const struct hist *h);

/* Inverse of hist_to_json: hist_from_json(hist_to_json(h)) reproduces h
 * exactly. Validates every field: the five counters must be non-negative
 * JSON integers; each bucket is a [lo, count] pair of them, lo a bucket
 * boundary, in strictly increasing order; counts add up to "count"; min and
 * max fall in the first and last non-empty buckets. Unknown members are
 * ignored. On error returns EINVAL and writes a one-line reason to err (may
 * be NULL); h is only changed on success. h need not be initialised. */
int hist_from_json(struct hist *h, struct json_object *o, char *err, size_t errlen);

#endif
