/* attr.c - `nfscap attribute`: match every RPC across the vantage points
 * (client and server address and port plus XID), estimate the clock offsets
 * between neighbouring points, and split each RPC's latency into guest,
 * host, wire and server shares (docs/design.md, "Attribution: differences
 * of neighbouring exchanges"). The report, CSV and HTML are in attr_out.c.
 *
 * Clocks: the app trace shares the guest's clock (CLOCK_REALTIME in the
 * guest); every capture may have its own. Offsets are estimated between
 * neighbouring points and chained from the guest's clock outward.
 *
 * Streaming (attr_int.h): pass 0 reads each file alone (time ranges), passes
 * 1 and 2 read them side by side and join each RPC's points in a table of
 * the RPCs still waiting, so memory follows the RPCs within the join window,
 * not the length of the capture.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ana.h"
#include "attr_int.h"
#include "cfg.h"
#include "cli.h"
#include "err.h"
#include "mem.h"
#include "out.h"

const char *const at_point_names[AT_NPT] = {"app", "guest", "host-in", "host-out", "storage"};
const char *const at_share_names[AT_NSH] = {"guest", "host", "wire", "server"};
const char *const at_off_method_names[] = {"none", "same clock", "min delays", "lower hull (drift)", "user"};

/* Position of each point on the path, in half shares: share k lies between
 * positions 2k and 2k + 2; host-in sits inside the host share. */
static const int at_pos[AT_NPT] = {0, 2, 3, 4, 6};

int at_point_index(const char *name)
{
	for (int p = 0; p < AT_NPT; p++)
		if (!strcmp(name, at_point_names[p]))
			return p;
	return -1;
}

/* ---- the offset estimator ---------------------------------------------------- */

int at_est_init(struct at_est *e, int64_t t0, int64_t t1)
{
	memset(e, 0, sizeof(*e));
	if (t1 < t0)
		t1 = t0;
	e->t0 = t0;
	e->win = AT_EST_WIN_NS;
	if ((t1 - t0) / e->win + 1 > AT_EST_MAXWIN)
		e->win = (t1 - t0) / AT_EST_MAXWIN + 1;
	e->nwin = (uint32_t)((t1 - t0) / e->win + 1);
	e->minf = malloc(e->nwin * sizeof(int64_t));
	e->minr = malloc(e->nwin * sizeof(int64_t));
	e->tf = malloc(e->nwin * sizeof(int64_t));
	e->tr = malloc(e->nwin * sizeof(int64_t));
	if (!e->minf || !e->minr || !e->tf || !e->tr) {
		at_est_free(e);
		return ENOMEM;
	}
	for (uint32_t i = 0; i < e->nwin; i++)
		e->minf[i] = e->minr[i] = INT64_MAX;
	e->gminf = e->gminr = INT64_MAX;
	return 0;
}

void at_est_add(struct at_est *e, int64_t t, int64_t fwd, int64_t rev)
{
	int64_t i = (t - e->t0) / e->win;
	if (i < 0)
		i = 0;
	if (i >= (int64_t)e->nwin)
		i = e->nwin - 1;
	if (fwd < e->minf[i]) {
		e->minf[i] = fwd;
		e->tf[i] = t;
	}
	if (rev < e->minr[i]) {
		e->minr[i] = rev;
		e->tr[i] = t;
	}
	if (fwd < e->gminf)
		e->gminf = fwd;
	if (rev < e->gminr)
		e->gminr = rev;
	e->n++;
}

void at_est_free(struct at_est *e)
{
	free(e->minf);
	free(e->minr);
	free(e->tf);
	free(e->tr);
	e->minf = e->minr = e->tf = e->tr = NULL;
}

struct pt2 {
	double x, y;
};

/* The line under all points that is closest to them on average: the edge
 * of their lower convex hull above the points' mean x. Points sorted by x. */
static void lower_line(const struct pt2 *p, unsigned n, struct pt2 *h, double *slope, double *icpt, double *xm)
{
	unsigned k = 0;
	double sx = 0;
	for (unsigned i = 0; i < n; i++) {
		sx += p[i].x;
		while (k >= 2) {
			double cr = (h[k - 1].x - h[k - 2].x) * (p[i].y - h[k - 2].y) -
				    (h[k - 1].y - h[k - 2].y) * (p[i].x - h[k - 2].x);
			if (cr > 0)
				break;
			k--;
		}
		h[k++] = p[i];
	}
	*xm = sx / n;
	*slope = 0;
	*icpt = h[0].y;
	for (unsigned i = 0; i + 1 < k; i++) {
		if (h[i + 1].x >= *xm || i + 2 == k) {
			double dx = h[i + 1].x - h[i].x;
			*slope = dx > 0 ? (h[i + 1].y - h[i].y) / dx : 0;
			*icpt = h[i].y - *slope * h[i].x;
			return;
		}
	}
}

int at_est_fit(const struct at_est *e, struct at_clock *c)
{
	memset(c, 0, sizeof(*c));
	if (!e->n)
		return ENOENT;
	c->samples = e->n;
	c->method = AT_OFF_MIN;
	c->tref = e->t0;
	c->theta_ns = (e->gminf - e->gminr) / 2;
	c->unc_ns = (e->gminf + e->gminr) / 2;
	if (c->unc_ns < 0)
		c->unc_ns = -c->unc_ns;
	unsigned nf = 0, nr = 0;
	for (uint32_t i = 0; i < e->nwin; i++) {
		nf += e->minf[i] != INT64_MAX;
		nr += e->minr[i] != INT64_MAX;
	}
	if (nf < AT_EST_MIN_HULL_WIN || nr < AT_EST_MIN_HULL_WIN)
		return 0;
	struct pt2 *p = malloc(2 * (size_t)e->nwin * sizeof(*p));
	if (!p)
		return 0; /* the global minima stand */
	struct pt2 *h = p + e->nwin;
	double sf, cf, xf, sr, cr, xr;
	/* x relative to t0 keeps the doubles exact to the nanosecond */
	nf = 0;
	for (uint32_t i = 0; i < e->nwin; i++)
		if (e->minf[i] != INT64_MAX)
			p[nf++] = (struct pt2){(double)(e->tf[i] - e->t0), (double)e->minf[i]};
	lower_line(p, nf, h, &sf, &cf, &xf);
	nr = 0;
	for (uint32_t i = 0; i < e->nwin; i++)
		if (e->minr[i] != INT64_MAX)
			p[nr++] = (struct pt2){(double)(e->tr[i] - e->t0), (double)e->minr[i]};
	lower_line(p, nr, h, &sr, &cr, &xr);
	free(p);
	double drift = (sf - sr) / 2;
	if (fabs(drift) > AT_EST_MAX_DRIFT)
		return 0; /* queueing, not a clock: keep the global minima */
	double xm = (xf + xr) / 2, fv = cf + sf * xm, rv = cr + sr * xm;
	c->method = AT_OFF_HULL;
	c->drift = drift;
	c->tref = e->t0 + (int64_t)llround(xm);
	c->theta_ns = (int64_t)llround((fv - rv) / 2);
	c->unc_ns = (int64_t)llround(fabs(fv + rv) / 2);
	return 0;
}

/* ---- shares ------------------------------------------------------------------ */

static void spans_to_groups(const bool meas[AT_NSH], const bool join[AT_NSH], int8_t grp[AT_NSH])
{
	for (int k = 0; k < AT_NSH; k++) {
		if (!meas[k])
			grp[k] = -1;
		else if (k > 0 && meas[k - 1] && join[k - 1])
			grp[k] = grp[k - 1];
		else
			grp[k] = (int8_t)k;
	}
}

/* Shares from position lo to position hi (hi 8: the end of the path). */
static void span(int lo, int hi, bool meas[AT_NSH], bool join[AT_NSH], int *first)
{
	int s0 = lo / 2, s1 = (hi - 1) / 2;
	if (s1 >= AT_NSH)
		s1 = AT_NSH - 1;
	for (int k = s0; k <= s1; k++) {
		meas[k] = true;
		if (k < s1)
			join[k] = true;
	}
	*first = s0;
}

void at_groups(unsigned mask, int8_t grp[AT_NSH])
{
	bool meas[AT_NSH] = {0}, join[AT_NSH] = {0};
	int prev = -1, f;
	for (int p = 0; p < AT_NPT; p++) {
		if (!(mask & 1u << p))
			continue;
		if (prev >= 0 && at_pos[p] > at_pos[prev])
			span(at_pos[prev], at_pos[p], meas, join, &f);
		prev = p;
	}
	if (prev >= 0)
		span(at_pos[prev], 8, meas, join, &f);
	spans_to_groups(meas, join, grp);
}

const char *at_group_name(const int8_t grp[AT_NSH], unsigned k, char *buf, size_t len)
{
	size_t n = 0;
	buf[0] = 0;
	for (unsigned j = 0; j < AT_NSH; j++)
		if (grp[j] >= 0 && (unsigned)grp[j] == k && n < len)
			n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? "+" : "", at_share_names[j]);
	return buf;
}

static int64_t exch(const int64_t t[AT_NT], const struct at_clock *c)
{
	return (t[AT_RL] - at_clock_at(c, t[AT_RL])) - (t[AT_CF] - at_clock_at(c, t[AT_CF]));
}

/* What a point contributes: exchange, or from the call's last byte. */
static int64_t vval(const int64_t t[AT_NT], const struct at_clock *c, bool by_last)
{
	if (!by_last)
		return exch(t, c);
	return (t[AT_RL] - at_clock_at(c, t[AT_RL])) - (t[AT_CL] - at_clock_at(c, t[AT_CL]));
}

int at_split(const int64_t t[AT_NPT][AT_NT], unsigned mask, const struct at_clock clk[AT_NPT], bool by_last,
	     struct at_split *s)
{
	bool meas[AT_NSH] = {0}, join[AT_NSH] = {0};
	int64_t seg[AT_NPT + 1], pv = 0;
	int first[AT_NPT + 1], prev = -1, nseg = 0;

	memset(s, 0, sizeof(*s));
	s->inner = -1;
	for (int p = 0; p < AT_NPT; p++) {
		if (!(mask & 1u << p))
			continue;
		if (prev < 0) {
			s->inner = (int8_t)p;
			s->total = pv = exch(t[p], &clk[p]);
		} else {
			int64_t v = vval(t[p], &clk[p], by_last);
			seg[nseg] = pv - v;
			span(at_pos[prev], at_pos[p], meas, join, &first[nseg]);
			nseg++;
			pv = v;
		}
		prev = p;
	}
	if (prev < 0)
		return ENOENT;
	seg[nseg] = pv;
	span(at_pos[prev], 8, meas, join, &first[nseg]);
	nseg++;
	spans_to_groups(meas, join, s->grp);
	for (int i = 0; i < nseg; i++)
		s->v[s->grp[first[i]]] += seg[i];
	if ((mask & 1u << AT_GUEST) && (mask & 1u << AT_HIN) && (mask & 1u << AT_HOUT)) {
		int64_t g = s->inner == AT_GUEST ? exch(t[AT_GUEST], &clk[AT_GUEST])
						 : vval(t[AT_GUEST], &clk[AT_GUEST], by_last);
		int64_t hi = vval(t[AT_HIN], &clk[AT_HIN], by_last);
		s->has_sub = 1;
		s->host_vnet = g - hi;
		s->host_bridge = hi - vval(t[AT_HOUT], &clk[AT_HOUT], by_last);
	}
	return 0;
}

/* ---- matching ---------------------------------------------------------------- */

static uint32_t fnv(uint32_t h, const void *v, size_t n)
{
	const uint8_t *p = v;
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 16777619u;
	}
	return h;
}

static uint32_t conn_hash(uint8_t fam, const uint8_t *ca, uint16_t cp, const uint8_t *sa, uint16_t sp)
{
	uint32_t h = fnv(2166136261u, &fam, 1);
	h = fnv(h, ca, 16);
	h = fnv(h, &cp, 2);
	h = fnv(h, sa, 16);
	return fnv(h, &sp, 2);
}

/* Connection id of a 5-tuple, created on first sight; -1 out of memory. */
static int64_t conn_get(struct at_ctx *x, uint8_t fam, const uint8_t *ca, uint16_t cp, const uint8_t *sa, uint16_t sp)
{
	uint8_t c16[16] = {0}, s16[16] = {0};
	size_t alen = fam == 6 ? 16 : 4;
	memcpy(c16, ca, alen);
	memcpy(s16, sa, alen);
	if (!x->chash) {
		x->chmask = 4095;
		if (!(x->chash = calloc(x->chmask + 1, sizeof(*x->chash))))
			return -1;
	}
	uint32_t h = conn_hash(fam, c16, cp, s16, sp) & x->chmask;
	for (uint32_t i = x->chash[h]; i; i = x->conns[i - 1].hnext) {
		struct at_conn *c = &x->conns[i - 1];
		if (c->fam == fam && c->cport == cp && c->sport == sp && !memcmp(c->caddr, c16, 16) &&
		    !memcmp(c->saddr, s16, 16))
			return i - 1;
	}
	if (MEM_GROW(&x->conns, &x->conns_cap, x->nconns + 1, 64))
		return -1;
	if (x->nconns > x->chmask) {
		/* keep chains short: rehash into a table twice as big */
		uint32_t nm = x->chmask * 2 + 1, *nh = calloc(nm + 1, sizeof(*nh));
		if (!nh)
			return -1;
		for (uint32_t i = 0; i < x->nconns; i++) {
			struct at_conn *c = &x->conns[i];
			uint32_t k = conn_hash(c->fam, c->caddr, c->cport, c->saddr, c->sport) & nm;
			c->hnext = nh[k];
			nh[k] = i + 1;
		}
		free(x->chash);
		x->chash = nh;
		x->chmask = nm;
		h = conn_hash(fam, c16, cp, s16, sp) & x->chmask;
	}
	struct at_conn *c = &x->conns[x->nconns];
	memset(c, 0, sizeof(*c));
	c->fam = fam;
	memcpy(c->caddr, c16, 16);
	memcpy(c->saddr, s16, 16);
	c->cport = cp;
	c->sport = sp;
	c->app_idx = -1;
	c->hnext = x->chash[h];
	x->chash[h] = ++x->nconns;
	return x->nconns - 1;
}

/* ---- the join: RPCs waiting for their other points ------------------------------ */

static inline uint64_t rec_slot(uint32_t conn, uint32_t xid, uint64_t mask)
{
	uint64_t k = ((uint64_t)conn << 32 | xid) * 0x9e3779b97f4a7c15ull;
	return (k ^ k >> 29) & mask;
}

static bool rec_grow(struct at_ctx *x)
{
	uint64_t ncap = x->rhcap ? x->rhcap * 2 : 1u << 8;
	uint32_t *n = calloc(ncap, sizeof(*n));
	if (!n)
		return false;
	for (uint32_t i = x->old_head; i; i = x->pool[i - 1].next) {
		const struct at_rec *r = &x->pool[i - 1];
		uint64_t j = rec_slot(r->conn, r->xid, ncap - 1);
		while (n[j])
			j = (j + 1) & (ncap - 1);
		n[j] = i;
	}
	free(x->rhash);
	x->rhash = n;
	x->rhcap = ncap;
	return true;
}

/* The index slot of (conn, xid): its record's, or the empty one it would take. */
static uint64_t rec_find(const struct at_ctx *x, uint32_t conn, uint32_t xid)
{
	uint64_t m = x->rhcap - 1, j = rec_slot(conn, xid, m);
	for (; x->rhash[j]; j = (j + 1) & m) {
		const struct at_rec *r = &x->pool[x->rhash[j] - 1];
		if (r->conn == conn && r->xid == xid)
			break;
	}
	return j;
}

static void rec_done(struct at_ctx *x, struct at_rec *r);

/* The waiting record of (conn, xid), created on first sight (the youngest
 * of the age list); NULL out of memory. */
static struct at_rec *rec_get(struct at_ctx *x, uint32_t conn, uint32_t xid)
{
	if ((x->npend + 1) * 2 > x->rhcap && (x->npend >= UINT32_MAX / 4 || !rec_grow(x)))
		return NULL;
	uint64_t j = rec_find(x, conn, xid);
	if (x->rhash[j])
		return &x->pool[x->rhash[j] - 1];
	if (x->npend >= AT_MAX_WAITING) {
		/* a point that matches nothing at a high rate: the oldest goes early */
		x->expired += x->pass == 1;
		rec_done(x, &x->pool[x->old_head - 1]);
		j = rec_find(x, conn, xid); /* the deletion may have moved the free slot */
	}
	uint32_t i = x->pool_free;
	if (i) {
		x->pool_free = x->pool[i - 1].next;
	} else {
		if (MEM_GROW(&x->pool, &x->pool_cap, x->pool_n + 1, 128))
			return NULL;
		i = ++x->pool_n;
	}
	struct at_rec *r = &x->pool[i - 1];
	memset(r, 0, sizeof(*r));
	r->conn = conn;
	r->xid = xid;
	r->op = CAP_OP_NONE;
	r->born = x->wm;
	r->prev = x->old_tail;
	if (x->old_tail)
		x->pool[x->old_tail - 1].next = i;
	else
		x->old_head = i;
	x->old_tail = i;
	x->rhash[j] = i;
	if (++x->npend > x->max_pend)
		x->max_pend = x->npend;
	return r;
}

/* Out of the index (backward-shift deletion: no tombstones, probe chains
 * stay whole) and the age list, back to the free list. */
static void rec_drop(struct at_ctx *x, struct at_rec *r)
{
	uint32_t i = (uint32_t)(r - x->pool) + 1;
	uint64_t m = x->rhcap - 1, j = rec_find(x, r->conn, r->xid);
	for (uint64_t k = (j + 1) & m; x->rhash[k]; k = (k + 1) & m) {
		const struct at_rec *o = &x->pool[x->rhash[k] - 1];
		uint64_t h = rec_slot(o->conn, o->xid, m);
		/* o may fill the hole at j unless its home lies cyclically in (j, k] */
		if ((k > j && (h <= j || h > k)) || (k < j && h <= j && h > k)) {
			x->rhash[j] = x->rhash[k];
			j = k;
		}
	}
	x->rhash[j] = 0;
	if (r->prev)
		x->pool[r->prev - 1].next = r->next;
	else
		x->old_head = r->next;
	if (r->next)
		x->pool[r->next - 1].prev = r->prev;
	else
		x->old_tail = r->prev;
	r->next = x->pool_free;
	x->pool_free = i;
	x->npend--;
}

static void count_one(struct at_ctx *x, const struct at_rec *r);
/* The AT_SLOWEST slowest complete RPCs, by insertion, slowest first. */
static void slow_keep(struct at_ctx *x, const struct at_rec *r, const struct at_split *sp, int64_t t)
{
	unsigned n = x->nslow;
	if (n == AT_SLOWEST && sp->total <= x->slow[n - 1].sp.total)
		return;
	unsigned j = n < AT_SLOWEST ? x->nslow++ : n - 1;
	while (j > 0 && x->slow[j - 1].sp.total < sp->total) {
		x->slow[j] = x->slow[j - 1];
		j--;
	}
	x->slow[j] = (struct at_slow){r->xid, (uint16_t)r->op, t, *sp};
}

static int attribute_one(struct at_ctx *x, const struct at_rec *r);

/* An RPC leaves the join: seen at every point, or its window is over. */
static void rec_done(struct at_ctx *x, struct at_rec *r)
{
	if (x->pass == 1)
		count_one(x, r);
	else if (attribute_one(x, r))
		x->nomem = 1;
	rec_drop(x, r);
}

/* Let go the RPCs older than the window (all: the end of the files). */
static void join_expire(struct at_ctx *x, bool all)
{
	while (x->old_head) {
		struct at_rec *r = &x->pool[x->old_head - 1];
		if (!all && !(x->wm > r->born && (uint64_t)x->wm - (uint64_t)r->born > (uint64_t)x->window))
			break;
		x->expired += !all && x->pass == 1;
		rec_done(x, r);
	}
}

/* One RPC's times (relative, rel_times) at the point being read. */
static void add_times(struct at_ctx *x, uint32_t conn, uint32_t xid, const int64_t t[AT_NT], uint16_t op, bool app)
{
	struct at_rec *a = rec_get(x, conn, xid);
	unsigned bit = 1u << x->cur;
	if (!a) {
		x->nomem = 1;
		return;
	}
	if (a->mask & bit) {
		x->pt[x->cur].dups += x->pass == 1;
		return;
	}
	a->mask |= (uint8_t)bit;
	memcpy(a->t[x->cur], t, sizeof(a->t[0]));
	if (app) {
		/* the trace's op stands until a capture decodes it */
		if (a->op == CAP_OP_NONE && op != CAP_OP_NONE) {
			a->op = op;
			a->app_op = 1;
		}
	} else if (op != CAP_OP_NONE && (a->op == CAP_OP_NONE || a->app_op)) {
		a->op = op;
		a->app_op = 0;
	}
	if (a->mask == x->given)
		rec_done(x, a);
}

static void point_time(struct at_point *pt, int64_t cf)
{
	if (!pt->rpcs || cf < pt->tmin)
		pt->tmin = cf;
	if (!pt->rpcs || cf > pt->tmax)
		pt->tmax = cf;
	pt->rpcs++;
}

/* An RPC's times at one point, from the first time read (the base); false
 * when they lie outside the range at_rec keeps (attr_int.h). The first RPC
 * that fits sets the base. */
static bool rel_times(struct at_ctx *x, const int64_t in[AT_NT], int64_t out[AT_NT])
{
	int64_t lo = INT64_MAX, hi = INT64_MIN;
	for (int k = 0; k < AT_NT; k++) {
		if (in[k] < 0)
			return false;
		lo = in[k] < lo ? in[k] : lo;
		hi = in[k] > hi ? in[k] : hi;
	}
	int64_t base = x->have_base ? x->base : lo;
	/* all >= 0: the differences cannot overflow */
	if (hi - lo > AT_RPC_SPAN || hi - base > AT_TLIM || base - lo > AT_TLIM)
		return false;
	for (int k = 0; k < AT_NT; k++)
		out[k] = in[k] - base;
	x->base = base;
	x->have_base = true;
	return true;
}

/* Pass 0 keeps each point's time range (and counts what is left out);
 * passes 1 and 2 join. */
static void on_rpc(void *arg, const struct cap_rpc *r)
{
	struct at_ctx *x = arg;
	struct at_point *pt = &x->pt[x->cur];
	const struct cap_conn *c = r->conn;
	int ci = r->dir;

	if (r->prog != CAP_NFS_PROG) {
		pt->other += x->pass == 0;
		return;
	}
	/* ana.c sets call_last = call_first when the call's end was not seen */
	const int64_t in[AT_NT] = {
		[AT_CF] = r->call_first > INT64_MAX ? -1 : (int64_t)r->call_first,
		[AT_RF] = r->reply_first > INT64_MAX ? -1 : (int64_t)r->reply_first,
		[AT_RL] = r->reply_last > INT64_MAX ? -1 : (int64_t)r->reply_last,
		[AT_CL] = r->call_last > INT64_MAX ? -1 : (int64_t)r->call_last,
	};
	int64_t t[AT_NT];
	if (!rel_times(x, in, t)) {
		pt->bad_time += x->pass == 0;
		return;
	}
	/* connections are numbered in pass 0's order (the CSV's conn column) */
	int64_t id = conn_get(x, c->fam, c->addr[ci], c->port[ci], c->addr[!ci], c->port[!ci]);
	if (id < 0) {
		x->nomem = 1;
		return;
	}
	if (x->pass == 0) {
		point_time(pt, t[AT_CF]);
		return;
	}
	add_times(x, (uint32_t)id, r->xid, t, r->op, false);
}

/* Pass 0: one capture from start to end. */
static int read_capture(struct at_ctx *x, int p, char *err, size_t errlen)
{
	struct cap_opts o;
	struct cap_ana *a;
	struct cap_input_opts io = {false, NULL};
	const char *files[1] = {x->pt[p].file};

	memset(&o, 0, sizeof(o));
	o.on_rpc = on_rpc;
	o.on_rpc_arg = x;
	if (cap_ana_new(&a, &o)) {
		snprintf(err, errlen, "out of memory");
		return ENOMEM;
	}
	x->cur = p;
	int rc = cap_read_files(a, files, 1, &io, err, errlen);
	cap_ana_finish(a);
	struct cap_summary s;
	cap_ana_summary(a, &s);
	x->pt[p].packets = s.packets;
	x->pt[p].hidden = s.tcp.hidden;
	x->pt[p].skipped = s.tcp.skipped_bytes;
	x->pt[p].unanswered = s.unanswered;
	x->pt[p].gap_bytes = s.tcp.gap_bytes;
	cap_ana_free(a);
	if (!rc && x->nomem) {
		snprintf(err, errlen, "%s: out of memory", x->pt[p].file);
		rc = ENOMEM;
	}
	return rc;
}

/* ---- the app trace (nfsbench/trace.h, read here with no code of nfsbench) --- */

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}
static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t le64(const uint8_t *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

/* nfsbench's enum nb_op to NFSv3 procedure numbers (RFC 1813). */
static const uint16_t nb_to_v3[] = {6, 7, 21, 1, 3, 8, 12, 2, 19, 0, 4, 17, 14, 9, 13};

static int trace_open(struct at_ctx *x, FILE **fp, char *err, size_t errlen)
{
	const char *path = x->pt[AT_APP].file;
	uint8_t b[48];
	FILE *f = fopen(path, "rb");

	*fp = NULL;
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return errno;
	}
	if (fread(b, 1, 48, f) != 48 || memcmp(b, "NFSBTRC1", 8) || le32(b + 8) != 1 || le32(b + 12) != 48) {
		snprintf(err, errlen, "%s: not an nfsbench trace (version 1, 48-byte records)", path);
		fclose(f);
		return EINVAL;
	}
	for (int i = 0; i < 65536; i++)
		x->app_conn[i] = -1;
	*fp = f;
	return 0;
}

/* A CONN record: later RPC records of its index use this 5-tuple. */
static int trace_conn(struct at_ctx *x, const uint8_t *b)
{
	uint8_t fam = b[1] == 6 ? 6 : 4;
	int64_t id = conn_get(x, fam, b + 16, le16(b + 2), b + 32, le16(b + 4));
	if (id < 0)
		return ENOMEM;
	x->app_conn[le16(b + 6)] = (int32_t)id;
	x->conns[id].app_idx = le16(b + 6);
	return 0;
}

/* An RPC record, of connection id (-1: no CONN record before it). */
static void trace_rpc(struct at_ctx *x, const uint8_t *b, int32_t id)
{
	if (le32(b + 36) & 0x80000000u) {
		x->app_transport += x->pass == 0; /* no reply: nothing to attribute */
		return;
	}
	if (id < 0) {
		x->app_noconn += x->pass == 0;
		return;
	}
	/* the app sees no reply's first byte: its completion stands in */
	int64_t is = (int64_t)le64(b + 8), co = (int64_t)le64(b + 16), t[AT_NT];
	const int64_t in[AT_NT] = {[AT_CF] = is, [AT_RF] = co, [AT_RL] = co, [AT_CL] = is};
	if (!rel_times(x, in, t)) {
		x->pt[AT_APP].bad_time += x->pass == 0;
		return;
	}
	if (x->pass == 0) {
		point_time(&x->pt[AT_APP], t[AT_CF]);
		return;
	}
	uint16_t op = b[1] < sizeof(nb_to_v3) / sizeof(nb_to_v3[0]) ? nb_to_v3[b[1]] : CAP_OP_NONE;
	add_times(x, (uint32_t)id, le32(b + 4), t, op, true);
}

/* Pass 0: the whole trace. */
static int read_trace(struct at_ctx *x, char *err, size_t errlen)
{
	const char *path = x->pt[AT_APP].file;
	uint8_t b[48];
	FILE *f;
	int rc = trace_open(x, &f, err, errlen);

	if (rc)
		return rc;
	x->cur = AT_APP;
	for (uint64_t off = 48;; off += 48) {
		size_t n = fread(b, 1, 48, f);
		if (n == 0)
			break;
		if (n != 48) {
			snprintf(err, errlen, "%s: truncated record at byte %" PRIu64, path, off);
			rc = EINVAL;
			break;
		}
		x->app_records++;
		if (b[0] == 2 && (rc = trace_conn(x, b)))
			break;
		if (b[0] == 1)
			trace_rpc(x, b, x->app_conn[le16(b + 44)]);
	}
	if (rc == ENOMEM)
		snprintf(err, errlen, "%s: out of memory", path);
	fclose(f);
	return rc;
}

/* ---- passes 1 and 2: every point side by side ---------------------------------- */

/* nfsbench writes each thread's records in completion order, the threads'
 * in blocks of 4096 (nfsbench/trace.h): the join reads the trace through a
 * reorder buffer of up to AT_REORDER records, a min-heap by completion
 * time, which puts the blocks of up to 64 threads back in order. A CONN
 * record is applied as it is read, and an RPC record takes its connection
 * then, as pass 0 did. */
#define AT_REORDER (1u << 18)
struct at_trec {
	int64_t ts;
	int32_t conn;
	uint8_t b[48];
};

struct at_in {
	struct cap_src *src;  /* a capture */
	struct cap_ana *ana;
	FILE *f;              /* the trace */
	struct at_trec *h;    /* its reorder buffer */
	uint32_t n, cap;
	bool eof;
	int64_t ts;           /* the next packet's or record's time */
	bool done;
};

static void trec_down(struct at_in *in, uint32_t i)
{
	struct at_trec e = in->h[i];
	for (;;) {
		uint32_t k = 2 * i + 1;
		if (k >= in->n)
			break;
		if (k + 1 < in->n && in->h[k + 1].ts < in->h[k].ts)
			k++;
		if (in->h[k].ts >= e.ts)
			break;
		in->h[i] = in->h[k];
		i = k;
	}
	in->h[i] = e;
}

/* Fill the reorder buffer from the file; ENOMEM or 0. */
static int trace_fill(struct at_ctx *x, struct at_in *in)
{
	uint8_t b[48];
	while (!in->eof && in->n < AT_REORDER) {
		if (fread(b, 1, 48, in->f) != 48) {
			in->eof = true;
			break;
		}
		if (b[0] == 2 && trace_conn(x, b))
			return ENOMEM;
		if (b[0] != 1)
			continue;
		if (MEM_GROW(&in->h, &in->cap, in->n + 1, 128))
			return ENOMEM;
		uint32_t i = in->n++;
		struct at_trec e = {(int64_t)le64(b + 16), x->app_conn[le16(b + 44)], {0}};
		memcpy(e.b, b, 48);
		for (; i && in->h[(i - 1) / 2].ts > e.ts; i = (i - 1) / 2)
			in->h[i] = in->h[(i - 1) / 2];
		in->h[i] = e;
	}
	return 0;
}

/* Read ahead: the next record's time, on the guest's clock where the user
 * gave the point's offset. A trace record is timed by its completion, when
 * the guest saw the reply. */
static int in_next(struct at_ctx *x, struct at_in *in, int p)
{
	uint64_t ts;
	if (in->f) {
		if (trace_fill(x, in))
			return ENOMEM;
		in->done = !in->n;
		in->ts = in->n ? in->h[0].ts : 0;
	} else {
		in->done = !cap_src_peek(in->src, &ts);
		in->ts = (int64_t)ts; /* input.c: below 2^63 */
	}
	if (x->user[p] && __builtin_sub_overflow(in->ts, x->user_theta[p], &in->ts))
		in->ts = x->user_theta[p] > 0 ? INT64_MIN : INT64_MAX;
	return 0;
}

/* The next record of a point into the join. */
static int in_feed(struct at_ctx *x, struct at_in *in, char *err, size_t errlen)
{
	if (!in->f)
		return cap_src_feed(in->src, in->ana, err, errlen);
	struct at_trec e = in->h[0];
	in->h[0] = in->h[--in->n];
	if (in->n)
		trec_down(in, 0);
	trace_rpc(x, e.b, e.conn);
	return x->nomem ? ENOMEM : 0;
}

/* Read every point at once, always the one whose next time is earliest, so
 * the same RPC arrives from each within the clock offsets and its exchange;
 * each RPC goes to rec_done as soon as every point has it, or once the
 * window has passed on the slowest point's clock. */
static int join(struct at_ctx *x, char *err, size_t errlen)
{
	struct at_in in[AT_NPT];
	int rc = 0;

	memset(in, 0, sizeof(in));
	x->wm = INT64_MIN;
	for (int p = 0; p < AT_NPT; p++) {
		in[p].done = true;
		if (!(x->given & 1u << p) || rc)
			continue;
		if (p == AT_APP) {
			rc = trace_open(x, &in[p].f, err, errlen);
		} else {
			struct cap_opts o;
			memset(&o, 0, sizeof(o));
			o.on_rpc = on_rpc;
			o.on_rpc_arg = x;
			if (cap_ana_new(&in[p].ana, &o)) {
				snprintf(err, errlen, "out of memory");
				rc = ENOMEM;
			} else {
				rc = cap_src_open(&in[p].src, x->pt[p].file, err, errlen);
			}
		}
		if (!rc)
			rc = in_next(x, &in[p], p);
	}
	while (!rc) {
		int p = -1;
		for (int q = 0; q < AT_NPT; q++)
			if (!in[q].done && (p < 0 || in[q].ts < in[p].ts))
				p = q;
		if (p < 0)
			break;
		if (in[p].ts > x->wm) {
			x->wm = in[p].ts;
			join_expire(x, false);
		}
		x->cur = p;
		rc = in_feed(x, &in[p], err, errlen);
		if (!rc)
			rc = in_next(x, &in[p], p);
		if (!rc && in[p].done && in[p].ana)
			cap_ana_finish(in[p].ana); /* the RPCs it still held, at this point */
		if (!rc && x->nomem)
			rc = ENOMEM;
	}
	if (!rc)
		join_expire(x, true);
	if (!rc && x->nomem)
		rc = ENOMEM;
	for (int p = 0; p < AT_NPT; p++) {
		if (in[p].f)
			fclose(in[p].f);
		free(in[p].h);
		cap_src_close(in[p].src);
		cap_ana_free(in[p].ana);
	}
	if (rc == ENOMEM)
		snprintf(err, errlen, "out of memory");
	return rc;
}

/* ---- pass 1: matches, coverage, clock offsets ------------------------------------ */

static void count_one(struct at_ctx *x, const struct at_rec *r)
{
	unsigned refbit = 1u << x->ref;
	bool inref = r->mask & refbit;
	for (int p = 0; p < AT_NPT; p++) {
		if (!(x->given & 1u << p))
			continue;
		bool here = r->mask & 1u << p;
		if (p == x->ref) {
			/* the reference itself: matched when seen anywhere else too */
			if (here && (r->mask & ~refbit))
				x->pt[p].matched++;
			else if (here && x->given != refbit)
				x->pt[p].extra++;
			else if (here)
				x->pt[p].matched++;
			continue;
		}
		if (here && inref)
			x->pt[p].matched++;
		else if (here)
			x->pt[p].extra++;
		else if (inref)
			x->pt[p].missing++;
	}
	at_cov_add(x, r);
	for (unsigned i = 0; i < x->npairs; i++) {
		const struct at_pair *pr = &x->pairs[i];
		unsigned both = 1u << pr->a | 1u << pr->b;
		if ((r->mask & both) != both)
			continue;
		const int64_t *ta = r->t[pr->a], *tb = r->t[pr->b];
		at_est_add(&x->est[i], ta[AT_CF], tb[AT_CF] - ta[AT_CF], ta[AT_RF] - tb[AT_RF]);
	}
	if (r->mask == x->given) {
		x->ncomplete[r->op]++;
		x->ncomplete[AT_ALL]++;
	}
}

/* The pairs of neighbouring capture points whose offsets are estimated
 * (the app trace reads the guest's clock and needs none), each estimator
 * over its inner point's time range. */
static int pairs_init(struct at_ctx *x)
{
	int prev = -1;
	for (int p = 0; p < AT_NPT; p++) {
		if (!(x->given & 1u << p))
			continue;
		if (prev >= 0 && !(prev == AT_APP && p == AT_GUEST)) {
			struct at_pair *pr = &x->pairs[x->npairs];
			pr->a = prev;
			pr->b = p;
			if (at_est_init(&x->est[x->npairs], x->pt[prev].tmin, x->pt[prev].tmax))
				return ENOMEM;
			x->npairs++;
		}
		prev = p;
	}
	return 0;
}

/* Offsets: one estimate per pair, chained outward from the innermost
 * capture. Each pair's estimate is independent, so a capture whose clock
 * alone was shifted shows up as such. */
static void estimate_offsets(struct at_ctx *x)
{
	int64_t theta = 0, unc = 0, tref = 0;
	double drift = 0;

	for (int p = 0; p < AT_NPT; p++) {
		memset(&x->clk[p], 0, sizeof(x->clk[p]));
		x->clk[p].method = AT_OFF_SAME;
	}
	for (unsigned i = 0; i < x->npairs; i++) {
		struct at_pair *pr = &x->pairs[i];
		int p = pr->b;
		struct at_clock *c = &x->clk[p];
		if (at_est_fit(&x->est[i], &pr->c))
			pr->c.method = AT_OFF_NONE;
		at_est_free(&x->est[i]);
		if (x->user[p]) {
			/* the user's offset is from the guest's clock: make it this pair's */
			pr->c.theta_ns = x->user_theta[p] - theta;
			pr->c.drift = -drift;
			pr->c.tref = tref;
			pr->c.unc_ns = 0;
			pr->c.method = AT_OFF_USER;
		}
		/* chain: theta_p(t) = theta_prev(t) + pair(t), kept linear */
		int64_t t0 = pr->c.tref;
		theta = theta + (int64_t)(drift * (double)(t0 - tref)) + pr->c.theta_ns;
		drift += pr->c.drift;
		tref = t0;
		unc += pr->c.unc_ns;
		c->theta_ns = theta;
		c->drift = drift;
		c->tref = tref;
		c->unc_ns = unc;
		c->samples = pr->c.samples;
		c->method = pr->c.method;
	}
}

/* ---- pass 2: shares ---------------------------------------------------------------- */

static struct hist *hnew(void)
{
	struct hist *h = malloc(sizeof(*h));
	if (h)
		hist_init(h);
	return h;
}

static int opst_add(struct at_opst *s, const struct at_split *sp)
{
	if (!s->tot) {
		if (!(s->tot = hnew()))
			return ENOMEM;
		for (int k = 0; k < AT_NSH; k++) {
			if (!(s->sh[k] = hnew()))
				return ENOMEM;
			s->min[k] = INT64_MAX;
		}
	}
	s->n++;
	hist_record(s->tot, sp->total > 0 ? (uint64_t)sp->total : 0);
	at_sadd(&s->sum_tot, sp->total);
	for (int k = 0; k < AT_NSH; k++) {
		if (sp->grp[k] != k)
			continue;
		int64_t v = sp->v[k];
		/* the histogram holds no negatives: count them, keep the exact min */
		if (v < 0)
			s->neg[k]++;
		hist_record(s->sh[k], v > 0 ? (uint64_t)v : 0);
		at_sadd(&s->sum[k], v);
		if (v < s->min[k])
			s->min[k] = v;
	}
	if (sp->has_sub) {
		at_sadd(&s->sub[0], sp->host_vnet);
		at_sadd(&s->sub[1], sp->host_bridge);
	}
	return 0;
}

/* Keep sp if it is among the heap's cap largest totals. */
static void tail_keep(struct at_heap *h, const struct at_split *sp)
{
	struct at_cand c = {sp->total, {0}, {sp->host_vnet, sp->host_bridge}};
	uint64_t i = 0;
	for (int k = 0; k < AT_NSH; k++)
		if (sp->grp[k] == k)
			c.v[k] = sp->v[k];
	if (h->n < h->cap) {
		for (i = h->n++; i && h->v[(i - 1) / 2].tot > c.tot; i = (i - 1) / 2)
			h->v[i] = h->v[(i - 1) / 2];
	} else if (h->cap && c.tot > h->v[0].tot) {
		for (;;) {
			uint64_t k = 2 * i + 1;
			if (k >= h->n)
				break;
			if (k + 1 < h->n && h->v[k + 1].tot < h->v[k].tot)
				k++;
			if (h->v[k].tot >= c.tot)
				break;
			h->v[i] = h->v[k];
			i = k;
		}
	} else {
		return;
	}
	h->v[i] = c;
}

static void tail_add(struct at_opst *s, const struct at_cand *c)
{
	if (c->tot <= (int64_t)s->p99)
		return;
	s->tail_n++;
	at_sadd(&s->tail_tot, c->tot);
	for (int k = 0; k < AT_NSH; k++)
		at_sadd(&s->tail_sum[k], c->v[k]);
	at_sadd(&s->tail_sub[0], c->sub[0]);
	at_sadd(&s->tail_sub[1], c->sub[1]);
}

static int attribute_begin(struct at_ctx *x)
{
	at_groups(x->given, x->grp);
	/* time series on the reference clock, about 1 s bins, at most 2000 */
	const struct at_point *rp = &x->pt[x->ref];
	int64_t span = rp->tmax - rp->tmin;
	x->bin0 = rp->tmin - at_clock_at(&x->clk[x->ref], rp->tmin);
	x->binw = 1000000000;
	if (span / x->binw + 1 > 2000)
		x->binw = span / 2000 + 1;
	x->nbins = (uint32_t)(span / x->binw + 1);
	if (!(x->bins = calloc(x->nbins, sizeof(*x->bins))))
		return ENOMEM;
	/* the tail starts at the exact p99, the ceil(0.99 n)-th smallest total
	 * (the histogram's bucket midpoint can lie above every RPC of a tightly
	 * bunched tail): keep the RPCs from there up */
	for (unsigned op = 0; op <= AT_ALL; op++) {
		uint64_t n = x->ncomplete[op];
		struct at_heap *h = &x->tails[op];
		if (!n)
			continue;
		h->cap = n - (n * 99 + 99) / 100 + 1;
		if (!(h->v = malloc(h->cap * sizeof(*h->v))))
			return ENOMEM;
	}
	if (x->csv)
		at_csv_header(x->csv);
	return 0;
}

static int attribute_one(struct at_ctx *x, const struct at_rec *r)
{
	struct at_split sp;
	unsigned m = r->mask & x->given;
	if (!m || at_split(r->t, m, x->clk, x->by_last, &sp))
		return 0;
	if (x->csv)
		at_csv_row(x->csv, x, r, &sp);
	if (m != x->given) {
		x->incomplete++;
		return 0;
	}
	x->complete++;
	if (opst_add(&x->ops[r->op], &sp) || opst_add(&x->ops[AT_ALL], &sp))
		return ENOMEM;
	int64_t t = r->t[sp.inner][AT_CF] - at_clock_at(&x->clk[sp.inner], r->t[sp.inner][AT_CF]);
	int64_t b = (t - x->bin0) / x->binw;
	if (b >= 0 && b < x->nbins) {
		struct at_bin *bn = &x->bins[b];
		bn->n++;
		at_sadd(&bn->tot, sp.total);
		bn->max = sp.total > bn->max ? sp.total : bn->max;
		bn->heat[cap_heat_row(sp.total > 0 ? (uint64_t)sp.total : 0)]++;
		for (int k = 0; k < AT_NSH; k++)
			if (sp.grp[k] == k)
				at_sadd(&bn->sum[k], sp.v[k]);
	}
	tail_keep(&x->tails[r->op], &sp);
	tail_keep(&x->tails[AT_ALL], &sp);
	slow_keep(x, r, &sp, t - x->bin0);
	return 0;
}

static void attribute_end(struct at_ctx *x)
{
	for (unsigned op = 0; op <= AT_ALL; op++) {
		const struct at_heap *h = &x->tails[op];
		if (!h->n)
			continue;
		x->ops[op].p99 = h->v[0].tot > 0 ? (uint64_t)h->v[0].tot : 0;
		for (uint64_t i = 0; i < h->n; i++)
			tail_add(&x->ops[op], &h->v[i]);
	}
}

static void ctx_free(struct at_ctx *x)
{
	free(x->pool);
	free(x->rhash);
	free(x->conns);
	free(x->chash);
	free(x->bins);
	for (unsigned i = 0; i < AT_NPT; i++)
		at_est_free(&x->est[i]);
	for (unsigned op = 0; op <= AT_ALL; op++) {
		free(x->ops[op].tot);
		for (int k = 0; k < AT_NSH; k++)
			free(x->ops[op].sh[k]);
		free(x->tails[op].v);
	}
	free(x);
}

/* ---- the command --------------------------------------------------------------- */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: nfscap attribute [--app TRACE] --vantage POINT=FILE... [--offset POINT=[+-]DUR]...\n"
		"                        [--json] [--html OUT.html] [--per-rpc OUT.csv]\n"
		"\n"
		"Matches every NFS RPC across captures taken at several points and nfsbench's trace,\n"
		"estimates the clock offsets between them and splits each RPC's latency into\n"
		"guest, host, wire and server shares. POINT is guest, host-in, host-out or storage;\n"
		"any subset works (a missing point merges its neighbours' shares).\n"
		"  --app TRACE        nfsbench --trace file (same clock as the guest capture)\n"
		"  --vantage P=FILE   the capture at point P (full payload is best)\n"
		"  --offset P=DUR     P's clock minus the guest's, e.g. storage=+13.7ms: overrides\n"
		"                     the estimate\n"
		"  --json             the report as JSON (schema nfscap/1)\n"
		"  --html F           a self-contained HTML report (inline SVG)\n"
		"  --per-rpc F        one CSV line per RPC with its shares\n"
		"  --split-at last|first  forward delays follow the call's last byte (default:\n"
		"                     a bottleneck's serialisation stays in its own share) or its\n"
		"                     first byte (docs/design.md)\n"
		"  --window DUR       how long an RPC seen at some points waits for the others\n"
		"                     (default 10s): more than the clock offsets left (after\n"
		"                     --offset) plus the longest exchange\n");
	cli_help_tail(f, CAP_EXITS);
}

static int parse_signed_duration(const char *s, int64_t *v)
{
	uint64_t ns;
	char e[128];
	int neg = *s == '-';
	if (*s == '-' || *s == '+')
		s++;
	if (parse_duration(s, &ns, e, sizeof(e)) || ns > (uint64_t)AT_TLIM)
		return EINVAL; /* (more than 9 years is no clock offset) */
	*v = neg ? -(int64_t)ns : (int64_t)ns;
	return 0;
}

enum { A_APP = 300, A_VANTAGE, A_OFFSET, A_JSON, A_HTML, A_PERRPC, A_SPLIT, A_WINDOW };
static const struct option at_lopts[] = {
	{"app", required_argument, NULL, A_APP},
	{"vantage", required_argument, NULL, A_VANTAGE},
	{"offset", required_argument, NULL, A_OFFSET},
	{"json", no_argument, NULL, A_JSON},
	{"html", required_argument, NULL, A_HTML},
	{"per-rpc", required_argument, NULL, A_PERRPC},
	{"split-at", required_argument, NULL, A_SPLIT},
	{"window", required_argument, NULL, A_WINDOW},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, 'V'},
	{NULL, 0, NULL, 0},
};

static int parse(int argc, char **argv, struct at_ctx *x, bool *json, const char **html, const char **csv)
{
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", at_lopts, NULL)) != -1) {
		char *eq = optarg ? strchr(optarg, '=') : NULL;
		char name[32];
		int p = -1;
		if ((c == A_VANTAGE || c == A_OFFSET)) {
			if (!eq || eq == optarg || (size_t)(eq - optarg) >= sizeof(name)) {
				cli_usage_error("attribute", "--%s: '%s' is not POINT=VALUE", c == A_VANTAGE ? "vantage" : "offset", optarg);
				return 2;
			}
			memcpy(name, optarg, (size_t)(eq - optarg));
			name[eq - optarg] = 0;
			if ((p = at_point_index(name)) <= AT_APP) {
				cli_usage_error("attribute", "'%s': the points are guest, host-in, host-out and storage", name);
				return 2;
			}
		}
		switch (c) {
		case A_APP:
			x->pt[AT_APP].file = optarg;
			x->given |= 1u;
			break;
		case A_VANTAGE:
			if (x->given & 1u << p) {
				cli_usage_error("attribute", "--vantage %s given twice", name);
				return 2;
			}
			x->pt[p].file = eq + 1;
			x->given |= 1u << p;
			break;
		case A_OFFSET:
			if (parse_signed_duration(eq + 1, &x->user_theta[p])) {
				cli_usage_error("attribute", "--offset: '%s' is not a duration such as +13.7ms or -4200us", eq + 1);
				return 2;
			}
			x->user[p] = true;
			break;
		case A_JSON: *json = true; break;
		case A_HTML: *html = optarg; break;
		case A_PERRPC: *csv = optarg; break;
		case A_SPLIT:
			if (strcmp(optarg, "first") && strcmp(optarg, "last")) {
				cli_usage_error("attribute", "--split-at: 'first' or 'last' (the call's byte the forward delays follow)");
				return 2;
			}
			x->by_last = !strcmp(optarg, "last");
			break;
		case A_WINDOW:
			if (parse_signed_duration(optarg, &x->window) || x->window <= 0) {
				cli_usage_error("attribute", "--window: '%s' is not a positive duration such as 10s or 500ms", optarg);
				return 2;
			}
			break;
		case 'h': usage(stdout); return -1;
		case 'V': cli_version(); return -1;
		default: return cli_bad_option("attribute", argv, c);
		}
	}
	if (optind < argc) {
		cli_usage_error("attribute", "unexpected argument '%s' (captures go with --vantage POINT=FILE)", argv[optind]);
		return 2;
	}
	if (!(x->given & ~1u)) {
		cli_usage_error("attribute", "give at least one capture with --vantage POINT=FILE");
		return 2;
	}
	for (int p = AT_GUEST; p < AT_NPT; p++) {
		if (x->user[p] && !(x->given & 1u << p)) {
			cli_usage_error("attribute", "--offset %s: no capture given for %s", at_point_names[p], at_point_names[p]);
			return 2;
		}
		if (x->user[p] && p == AT_GUEST) {
			cli_usage_error("attribute", "--offset guest: offsets are from the guest's clock");
			return 2;
		}
	}
	return 0;
}

int at_command(int argc, char **argv)
{
	struct at_ctx *x = calloc(1, sizeof(*x));
	bool json = false;
	const char *html = NULL, *csv = NULL;
	char e[1024] = "";
	int rc, status = 0;

	if (!x) {
		err_msg("out of memory");
		return 1;
	}
	x->by_last = true;
	x->window = AT_WINDOW_NS;
	if ((rc = parse(argc, argv, x, &json, &html, &csv))) {
		ctx_free(x);
		return rc < 0 ? 0 : rc;
	}
	if (csv && html && !strcmp(csv, "-") && !strcmp(html, "-")) {
		ctx_free(x);
		return cli_usage_error("attribute", "--per-rpc - and --html - cannot both have standard output");
	}
	/* outputs first: a typo in a path fails before the captures are read */
	FILE *hf = NULL;
	if ((csv && !(x->csv = cli_open_out("--per-rpc", csv))) || (html && !(hf = cli_open_out("--html", html)))) {
		if (x->csv && x->csv != stdout)
			fclose(x->csv);
		ctx_free(x);
		return 1;
	}
	for (x->ref = 0; !(x->given & 1u << x->ref); x->ref++)
		;
	if (x->given & 1u)
		rc = read_trace(x, e, sizeof(e));
	for (int p = AT_GUEST; !rc && p < AT_NPT; p++)
		if (x->given & 1u << p)
			rc = read_capture(x, p, e, sizeof(e));
	/* pass 0 read the inputs; pass 1 joins them for the clock offsets, pass 2 attributes */
	x->pass = 1;
	if (!rc && pairs_init(x))
		snprintf(e, sizeof(e), "out of memory"), rc = ENOMEM;
	if (!rc)
		rc = join(x, e, sizeof(e));
	for (int p = 0; !rc && p < AT_NPT; p++)
		x->pt[p].rpcs -= x->pt[p].dups; /* pass 0 counted them too */
	if (!rc) {
		estimate_offsets(x);
		x->pass = 2;
		if (attribute_begin(x))
			snprintf(e, sizeof(e), "out of memory"), rc = ENOMEM;
	}
	if (!rc && !(rc = join(x, e, sizeof(e))))
		attribute_end(x);
	if (rc) {
		err_msg("%s", e);
		status = 1;
	}
	if (x->csv && (x->csv == stdout ? fflush(x->csv) : fclose(x->csv)) && !status) {
		err_msg("%s: %s", csv, strerror(errno));
		status = 1;
	}
	bool csv_stdout = x->csv == stdout;
	x->csv = NULL;
	struct out *o;
	/* '-' for --per-rpc or --html: standard output is theirs, no report there */
	if (!status && !csv_stdout && hf != stdout && out_new(&o, json ? OUT_JSON : OUT_TEXT, stdout, "nfscap/1") == 0) {
		at_report(x, o);
		if (out_finish(o)) {
			err_msg("writing the report: %s", strerror(errno));
			status = 1;
		}
	}
	if (!status && hf) {
		int hr = at_html(x, hf);
		if ((hf == stdout ? fflush(hf) : fclose(hf)) && !hr)
			hr = errno;
		hf = NULL;
		if (hr) {
			err_msg("%s: cannot write the HTML report: %s", html, strerror(hr));
			status = 1;
		}
	}
	if (hf && hf != stdout)
		fclose(hf);
	ctx_free(x);
	return status;
}
