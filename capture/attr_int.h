/* attr_int.h - the state of one `nfscap attribute` run, shared by attr.c
 * (matching, offsets, shares) and attr_out.c (report, CSV, HTML).
 *
 * Memory does not grow with the number of RPCs: the captures are read
 * three times, each through its own analyzer, which hands over completed
 * RPCs. Pass 0 reads them one after the other for each point's time range;
 * passes 1 and 2 read them side by side in time order and join each RPC's
 * points in a table of the RPCs still waiting for a point (an at_rec, about
 * 200 bytes with its index slot, each), which lets an RPC go as soon as
 * every point has seen it, or when the join window has passed without the
 * rest (then it is missing there). Pass 1 counts matches and coverage and
 * feeds the clock offset estimators (two minima per 1 s window); pass 2
 * splits, writes the CSV, fills the histograms and keeps, per op, the RPCs
 * from the exact p99 up (a bounded heap of 1 % of the op's RPCs, 56 bytes
 * each). Plus one at_conn per connection and a fixed set of histograms
 * per NFS op.
 */
#ifndef NFSCAP_ATTR_INT_H
#define NFSCAP_ATTR_INT_H

#include "attr.h"
#include "ana.h"
#include "cap.h"

struct out;

struct at_conn {
	uint8_t fam;
	uint8_t caddr[16], saddr[16];
	uint16_t cport, sport;
	int32_t app_idx;      /* the trace's connection index, -1 none */
	uint32_t hnext;       /* chain in the connection hash, index + 1 */
};

/* Times are kept relative to the first one read (at_ctx.base), and only
 * within AT_TLIM of it (about 9 years); one RPC's times at one point span at
 * most AT_RPC_SPAN (about 4.9 hours). Then every difference, clock offset
 * and share fits 64 bits with room to spare, whatever the files say: an RPC
 * outside is counted (bad_time) and left out. Sums over RPCs saturate. */
#define AT_TLIM (INT64_C(1) << 58)
#define AT_RPC_SPAN (INT64_C(1) << 44)

struct at_rec {
	uint32_t conn, xid;
	uint16_t op;          /* CAP_OP_* */
	uint8_t mask;         /* points that saw it (bit AT_*) */
	uint8_t app_op;       /* op known from the trace only */
	uint32_t prev, next;  /* in the join's list by age (index + 1) */
	int64_t born;         /* the join's clock when it was first seen */
	int64_t t[AT_NPT][AT_NT];
};

/* Join window: how long an RPC seen at some points waits for the others,
 * on the clock of the file read slowest. It must cover the clock offsets
 * left after --offset and the longest exchange. */
#define AT_WINDOW_NS INT64_C(10000000000)
/* At most this many RPCs wait (about 100 MiB with their index): past it
 * the oldest leaves early, as if its window had passed. */
#define AT_MAX_WAITING (1u << 19)

/* One candidate for an op's tail: its total and shares (tail_add). */
struct at_cand {
	int64_t tot, v[AT_NSH], sub[2];
};

/* The largest totals of an op, a min-heap of at most cap: with cap the
 * number of RPCs from the ceil(0.99 n)-th smallest up, its least is the
 * exact p99 and the rest above it the tail. */
struct at_heap {
	struct at_cand *v;
	uint64_t n, cap;
};

/* attr_cov.c's counts, per op, of the reference's RPCs */
struct at_cov {
	uint64_t ref[CAP_NOPS + 1], found[AT_NPT][CAP_NOPS + 1], all[CAP_NOPS + 1];
};
#define AT_ALL CAP_NOPS   /* ops[AT_ALL]: every op together */

struct at_opst {
	uint64_t n;
	struct hist *tot, *sh[AT_NSH];
	int64_t sum_tot, sum[AT_NSH], min[AT_NSH], sub[2];
	uint64_t neg[AT_NSH];
	uint64_t p99;         /* exact p99 of the total: the tail is above it */
	uint64_t tail_n;
	int64_t tail_tot, tail_sum[AT_NSH], tail_sub[2];
};

/* A time bin of the attributed RPCs: their sums, the slowest, and their
 * totals in half-octave rows (ana.h's heatmap rows) for p50 and p99 per
 * bin: a few hundred bytes a bin, however many RPCs. */
struct at_bin {
	uint64_t n;
	int64_t tot, sum[AT_NSH], max;
	uint32_t heat[CAP_HEAT_ROWS];
};

/* One of the AT_SLOWEST slowest RPCs, kept as it leaves the join. */
#define AT_SLOWEST 20
struct at_slow {
	uint32_t xid;
	uint16_t op;
	int64_t t;                /* its call, from the first bin's start */
	struct at_split sp;
};

struct at_point {
	const char *file;
	uint64_t rpcs;        /* NFS RPCs timed here */
	uint64_t dups;        /* a second RPC with the same key: the first counts */
	uint64_t other;       /* RPCs of other programs (MOUNT, portmap): ignored */
	uint64_t matched, missing, extra;
	uint64_t packets;
	uint64_t bad_time;    /* RPCs left out: times out of range (AT_TLIM, AT_RPC_SPAN) */
	uint64_t hidden, skipped, unanswered, gap_bytes; /* what the capture could not see (attr_cov.c) */
	int64_t tmin, tmax;   /* call_first range, own clock */
};

struct at_pair {
	int a, b;             /* inner and outer point */
	struct at_clock c;    /* offset of b's clock from a's */
};

struct at_ctx {
	struct at_point pt[AT_NPT];
	unsigned given;       /* mask of points given */
	int ref;              /* innermost point given: the matching reference */
	struct at_clock clk[AT_NPT];   /* each point from the reference clock */
	bool user[AT_NPT];
	int64_t user_theta[AT_NPT];
	int64_t base;         /* the first time read: at_rec times are from it */
	bool have_base;
	struct at_pair pairs[AT_NPT];
	unsigned npairs;
	/* connections */
	struct at_conn *conns;
	uint32_t nconns, conns_cap;
	uint32_t *chash;      /* head index + 1 */
	uint32_t chmask;
	int32_t app_conn[65536];       /* trace connection index -> conn */
	/* the join: RPCs waiting for a point, oldest first */
	int pass;             /* 0 time ranges, 1 matches and offsets, 2 shares */
	struct at_rec *pool;
	uint32_t pool_n, pool_cap, pool_free;
	uint32_t *rhash;      /* pool index + 1, 0 empty */
	uint64_t rhcap, npend, max_pend;
	uint32_t old_head, old_tail;
	int64_t wm;           /* the join's clock: the time of the file read slowest */
	int64_t window;       /* --window */
	uint64_t expired;     /* RPCs that left the join incomplete before the end */
	struct at_est est[AT_NPT];     /* pass 1: per pair of x->pairs */
	uint64_t ncomplete[CAP_NOPS + 1]; /* pass 1: complete RPCs per op */
	struct at_heap tails[CAP_NOPS + 1]; /* pass 2 */
	struct at_cov cov;
	/* results */
	int8_t grp[AT_NSH];
	struct at_opst ops[CAP_NOPS + 1];
	uint64_t complete, incomplete;
	struct at_bin *bins;
	uint32_t nbins;
	struct at_slow slow[AT_SLOWEST]; /* slowest first */
	unsigned nslow;
	int64_t bin0, binw;
	bool by_last;         /* --split-at last */
	int cur;              /* point being read */
	int nomem;
	uint64_t app_transport, app_noconn, app_records;
	FILE *csv;
};

static inline void at_sadd(int64_t *acc, int64_t v)
{
	if (__builtin_add_overflow(*acc, v, acc))
		*acc = v > 0 ? INT64_MAX : INT64_MIN;
}

/* attr_cov.c: the share of the reference's RPCs found at each point and
 * attributed, per op, and why the rest were not: at_cov_add counts one RPC
 * as it leaves the join, at_coverage reports */
void at_cov_add(struct at_ctx *x, const struct at_rec *r);
void at_coverage(const struct at_ctx *x, struct out *o);
/* attr_out.c */
void at_report(struct at_ctx *x, struct out *o);
int at_html(struct at_ctx *x, FILE *f);
void at_csv_header(FILE *f);
void at_csv_row(FILE *f, const struct at_ctx *x, const struct at_rec *r, const struct at_split *s);
const char *at_op_name(const struct at_rec *r);
/* Plain words for what a share (or the host's sub-part) holds. */
const char *at_share_words(const struct at_ctx *x, const struct at_opst *s, unsigned k, bool tail);
/* "WRITE tail: 71% host (...)" into buf. */
const char *at_verdict(const struct at_ctx *x, unsigned op, char *buf, size_t len);

#endif
