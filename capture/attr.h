/* attr.h - `nfscap attribute`: the same RPC matched across captures taken at
 * several vantage points (and nfsbench's per-RPC trace), the clock offsets
 * between them, and every RPC's latency split into guest, host, wire and
 * server shares (docs/design.md, "Attribution: differences of neighbouring exchanges").
 *
 * The pure parts (offset estimator, share arithmetic) are here so the unit
 * tests can drive them with synthetic numbers; attr.c holds the matching
 * table and the command, attr_out.c the report, CSV and HTML.
 */
#ifndef NFSCAP_ATTR_H
#define NFSCAP_ATTR_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "hist.h"

/* Vantage points from the application outward. */
enum { AT_APP, AT_GUEST, AT_HIN, AT_HOUT, AT_STOR, AT_NPT };
/* Shares, in the same order. */
enum { AT_S_GUEST, AT_S_HOST, AT_S_WIRE, AT_S_SERVER, AT_NSH };
/* The times kept per point: the call's first byte, the reply's first and
 * last byte, the call's last byte (the app: issue, completion, completion,
 * issue). */
enum { AT_CF, AT_RF, AT_RL, AT_CL, AT_NT };

extern const char *const at_point_names[AT_NPT];
extern const char *const at_share_names[AT_NSH];
int at_point_index(const char *name); /* -1 if unknown */

/* ---- clock offsets ---------------------------------------------------------
 * Clock of point B relative to the reference (the guest's clock):
 * clock_B(t) = clock_ref(t) + theta(t), theta(t) = theta_ns + drift * (t - tref),
 * so a time read at B is corrected by subtracting theta. */
struct at_clock {
	int64_t theta_ns;
	double drift;          /* ns per ns (1e-6 is 1 ppm) */
	int64_t tref;
	int64_t unc_ns;        /* |error of theta| is at most this, if delays >= 0 */
	uint64_t samples;      /* forward/reverse sample pairs used */
	uint8_t method;        /* AT_OFF_* */
};
enum { AT_OFF_NONE, AT_OFF_SAME, AT_OFF_MIN, AT_OFF_HULL, AT_OFF_USER };
extern const char *const at_off_method_names[];

static inline int64_t at_clock_at(const struct at_clock *c, int64_t t)
{
	return c->theta_ns + (int64_t)(c->drift * (double)(t - c->tref));
}

/* Offset of B from A out of the minimum one-way delays. Forward samples
 * fwd = call_first(B) - call_first(A) = delay + theta, reverse samples
 * rev = reply_first(A) - reply_first(B) = delay - theta. Samples fall in
 * time windows; each window keeps its minima. theta lies in
 * [-min rev, min fwd]: the estimate is the middle, the uncertainty half the
 * width. With enough windows a drift is fitted on the lower hull of the
 * window minima, which queueing (delay that only ever adds) cannot pull
 * down. Memory: two minima per window, at most AT_EST_MAXWIN windows. */
#define AT_EST_WIN_NS 1000000000ll
#define AT_EST_MAXWIN 4096
#define AT_EST_MIN_HULL_WIN 4       /* fewer windows: no drift, global minima */
#define AT_EST_MAX_DRIFT 200e-6     /* more than 200 ppm is no clock: refuse it */
struct at_est {
	int64_t t0, win;
	uint32_t nwin;
	int64_t *minf, *minr, *tf, *tr; /* per window: minimum and its time */
	int64_t gminf, gminr;
	uint64_t n;
};
int at_est_init(struct at_est *e, int64_t t0, int64_t t1);
void at_est_add(struct at_est *e, int64_t t, int64_t fwd, int64_t rev);
/* Returns 0, or ENOENT when no sample was added. */
int at_est_fit(const struct at_est *e, struct at_clock *c);
void at_est_free(struct at_est *e);

/* ---- shares -----------------------------------------------------------------
 * t[p][] for the points in mask (bit p), read on each point's clock; clk[p]
 * corrects them to the reference clock. exchange(p) = rl - cf after
 * correction. The innermost point's exchange is the total; each pair of
 * neighbours present adds v(inner) - v(outer) to the shares between them,
 * and a segment that spans more than one share merges them (grp). Integer
 * arithmetic: the shares add up to the total exactly.
 *
 * by_last false: v = exchange at every point, DESIGN.md's formula, whose
 * forward part follows the call's first byte. by_last true: v = rl - cl
 * (srt) at every point but the innermost, so the forward part follows the
 * call's last byte. They differ when a link slows a long call down: the
 * call's bytes then spread out behind the bottleneck, and with the first
 * byte that spreading lands in every share further out (the server's share
 * grows by the time the call takes to trickle in); with the last byte it
 * stays in the share where the bottleneck is. A call whose last byte was not
 * seen has cl = cf there and falls back to exchange. */
struct at_split {
	int64_t total;
	int64_t v[AT_NSH];     /* group value, at the group's first share */
	int8_t grp[AT_NSH];    /* first share of this share's group; -1: not measured */
	int64_t host_vnet;     /* host, guest to vnet (host-in present) */
	int64_t host_bridge;   /* host, vnet to uplink */
	uint8_t has_sub;
	int8_t inner;          /* innermost point */
};
int at_split(const int64_t t[AT_NPT][AT_NT], unsigned mask, const struct at_clock clk[AT_NPT], bool by_last,
	     struct at_split *s);
/* The merge pattern a set of points gives (grp as in at_split). */
void at_groups(unsigned mask, int8_t grp[AT_NSH]);
/* "guest", "wire+server"... for the group starting at share k. */
const char *at_group_name(const int8_t grp[AT_NSH], unsigned k, char *buf, size_t len);

/* ---- the command ------------------------------------------------------------ */
/* `nfscap attribute ...`: returns the exit status (0, 1 failure, 2 usage). */
int at_command(int argc, char **argv);

#endif
