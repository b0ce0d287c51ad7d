/* ana.c - the analyzer: connections, calls matched with replies by XID per
 * connection, and the statistics every report is built from.
 *
 * The per-packet path allocates nothing in the common case: a connection is
 * allocated once (in chunks), its XID table grows by doubling up to a bound,
 * statistics live in fixed histograms (lib/hist.h). Memory is bounded by the
 * number of connections, clients and XIDs in flight, never by file size.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "ana.h"
#include "mem.h"

#define NS 1000000000ull

/* ---- connections ---------------------------------------------------------- */

static uint32_t hash_bytes(uint32_t h, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 16777619u; /* FNV-1a */
	}
	return h;
}

/* murmur3's finaliser: every input bit moves every output bit. Over a
 * seeded input, no capture can aim many keys at one slot: a table probe
 * stays O(1) whatever the XIDs, addresses and ports (it was a plain
 * multiplication, and 4096 XIDs chosen to share a slot made every lookup
 * walk them all). */
static inline uint32_t mix32(uint32_t h)
{
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	return h ^ h >> 16;
}

static bool port_pinned(const struct cap_ana *a, uint16_t sp, uint16_t dp)
{
	for (unsigned i = 0; i < a->o.nports; i++)
		if (a->o.ports[i] == sp || a->o.ports[i] == dp)
			return true;
	return false;
}

static void conn_release(struct cap_ana *a, struct cap_conn *c)
{
	cap_half_free(a, &c->h[0]);
	cap_half_free(a, &c->h[1]);
	a->xids_total -= c->xcap;
	free(c->xt);
	if (c->exch) {
		free(c->exch);
		a->conn_hists--;
	}
}

static void infl_change(struct cap_ana *a, struct cap_conn *c, int delta, uint64_t ts);

static void tcpstat_add(struct cap_tcpstat *t, const struct cap_tcpstat *s)
{
	t->segs += s->segs, t->data_segs += s->data_segs, t->retrans += s->retrans;
	t->retrans_bytes += s->retrans_bytes, t->ooo += s->ooo, t->gaps += s->gaps;
	t->gap_bytes += s->gap_bytes, t->zero_win += s->zero_win, t->win_full += s->win_full;
	t->dup_acks += s->dup_acks, t->hidden += s->hidden, t->resyncs += s->resyncs;
	t->skipped_bytes += s->skipped_bytes, t->desyncs += s->desyncs;
}

static inline struct cap_conn *conn_at(const struct cap_ana *a, uint32_t i)
{
	return &a->chunks[i / 256][i % 256];
}

/* ---- LRU queues: unlink and push in O(1) ---- */

static void lru_unlink(struct cap_ana *a, struct cap_conn *c)
{
	unsigned q = c->lru_q;
	if (c->lru_prev)
		c->lru_prev->lru_next = c->lru_next;
	else
		a->lru_new[q] = c->lru_next;
	if (c->lru_next)
		c->lru_next->lru_prev = c->lru_prev;
	else
		a->lru_old[q] = c->lru_prev;
	c->lru_prev = c->lru_next = NULL;
}

static void lru_push(struct cap_ana *a, struct cap_conn *c)
{
	unsigned q = c->rpc_seen ? 1 : 0;
	c->lru_q = (uint8_t)q;
	c->lru_prev = NULL;
	c->lru_next = a->lru_new[q];
	if (c->lru_next)
		c->lru_next->lru_prev = c;
	else
		a->lru_old[q] = c;
	a->lru_new[q] = c;
}

static inline void lru_touch(struct cap_ana *a, struct cap_conn *c)
{
	if (a->lru_new[c->lru_q] == c && c->lru_q == (c->rpc_seen ? 1 : 0))
		return;
	lru_unlink(a, c);
	lru_push(a, c);
}

/* The pointer in c's hash chain that points at c. */
static struct cap_conn **chain_ref(struct cap_ana *a, const struct cap_conn *c)
{
	struct cap_conn **pp = &a->htab[c->hash & a->hmask];
	while (*pp != c)
		pp = &(*pp)->hnext;
	return pp;
}

/* The table is full: the least recently used connection leaves, one that
 * never carried RPC first. A closed or idle one with nothing in flight is
 * retired; a live one is evicted (counted), its waiting calls counted
 * unanswered. Its totals stay in the summary. O(1): the last connection of
 * the dense array moves into the freed slot. */
static void conn_retire_one(struct cap_ana *a, uint64_t now)
{
	struct cap_conn *c = a->lru_old[0] ? a->lru_old[0] : a->lru_old[1];
	if (!c)
		return;
	bool idle = c->inflight == 0 && (c->closed || now - c->last_ts > 60 * NS);
	memset(a->cache, 0, sizeof(a->cache)); /* conns move or go away below */
	if (!c->unlinked)
		*chain_ref(a, c) = c->hnext;
	cap_tcp_flush(a, c);
	tcpstat_add(&a->s.tcp, &c->h[0].st);
	tcpstat_add(&a->s.tcp, &c->h[1].st);
	a->s.unanswered += c->xn;
	if (c->inflight)
		infl_change(a, c, -(int)c->inflight, c->last_ts);
	for (unsigned f = 0; f < CAP_NFRAG; f++)
		if (a->frag[f].conn == c)
			a->frag[f].used = 0;
	lru_unlink(a, c);
	conn_release(a, c);
	if (idle)
		a->s.conns_retired++;
	else
		a->s.conns_evicted++;
	struct cap_conn *last = conn_at(a, a->nconns - 1);
	if (last != c) {
		/* move the last connection into the freed slot, fixing what points at it */
		if (!last->unlinked)
			*chain_ref(a, last) = c;
		if (last->lru_prev)
			last->lru_prev->lru_next = c;
		else
			a->lru_new[last->lru_q] = c;
		if (last->lru_next)
			last->lru_next->lru_prev = c;
		else
			a->lru_old[last->lru_q] = c;
		*c = *last;
		for (unsigned f = 0; f < CAP_NFRAG; f++)
			if (a->frag[f].conn == last)
				a->frag[f].conn = c;
	}
	a->nconns--;
}

static inline bool addr_eq(const uint8_t *x, const uint8_t *y, uint8_t fam)
{
	if (fam == 4) {
		uint32_t u, v;
		memcpy(&u, x, 4);
		memcpy(&v, y, 4);
		return u == v;
	}
	return !memcmp(x, y, 16);
}

/* Symmetric in direction: the two ports of a packet index a small cache of
 * recent connections, so most packets skip hashing the 5-tuple. */
static inline unsigned cache_slot(const struct cap_pkt *p)
{
	unsigned x = (unsigned)(p->sport ^ p->dport);
	return (x ^ x >> 6) & (CAP_CONN_CACHE - 1);
}

static struct cap_conn *conn_get_slow(struct cap_ana *a, const struct cap_pkt *p, int *dir);

static inline struct cap_conn *conn_get(struct cap_ana *a, const struct cap_pkt *p, int *dir)
{
	struct cap_conn *c = a->cache[cache_slot(p)];
	if (c && c->proto == p->proto && c->fam == p->fam) {
		if (p->sport == c->port[0] && p->dport == c->port[1] && addr_eq(c->addr[0], p->src, p->fam) &&
		    addr_eq(c->addr[1], p->dst, p->fam)) {
			*dir = 0;
			return c;
		}
		if (p->sport == c->port[1] && p->dport == c->port[0] && addr_eq(c->addr[1], p->src, p->fam) &&
		    addr_eq(c->addr[0], p->dst, p->fam)) {
			*dir = 1;
			return c;
		}
	}
	c = conn_get_slow(a, p, dir);
	if (c)
		a->cache[cache_slot(p)] = c;
	return c;
}

static struct cap_conn *conn_get_slow(struct cap_ana *a, const struct cap_pkt *p, int *dir)
{
	size_t alen = p->fam == 4 ? 4 : 16;
	int cmp = memcmp(p->src, p->dst, alen);
	if (!cmp)
		cmp = (p->sport > p->dport) - (p->sport < p->dport);
	const uint8_t *lo = cmp <= 0 ? p->src : p->dst, *hi = cmp <= 0 ? p->dst : p->src;
	uint16_t plo = cmp <= 0 ? p->sport : p->dport, phi = cmp <= 0 ? p->dport : p->sport;
	uint32_t h = 2166136261u ^ a->seed;
	uint8_t tail[5] = {(uint8_t)(plo >> 8), (uint8_t)plo, (uint8_t)(phi >> 8), (uint8_t)phi, p->proto};

	*dir = cmp <= 0 ? 0 : 1;
	h = hash_bytes(h, lo, alen);
	h = hash_bytes(h, hi, alen);
	h = mix32(hash_bytes(h, tail, sizeof(tail)));
	for (struct cap_conn *c = a->htab[h & a->hmask]; c; c = c->hnext) {
		if (c->hash == h && c->port[0] == plo && c->port[1] == phi && c->proto == p->proto &&
		    c->fam == p->fam && !memcmp(c->addr[0], lo, alen) && !memcmp(c->addr[1], hi, alen))
			return c;
	}
	if (a->o.nports && !port_pinned(a, p->sport, p->dport))
		return NULL;
	if (a->nconns == a->max_conns)
		conn_retire_one(a, p->ts);
	uint32_t ci = a->nconns / 256;
	if (!a->chunks[ci] && !(a->chunks[ci] = calloc(256, sizeof(struct cap_conn)))) {
		a->s.conns_untracked++;
		return NULL;
	}
	struct cap_conn *c = &a->chunks[ci][a->nconns % 256];
	memset(c, 0, sizeof(*c));
	c->id = (uint32_t)a->s.conns++;
	a->nconns++;
	memcpy(c->addr[0], lo, alen);
	memcpy(c->addr[1], hi, alen);
	c->port[0] = plo;
	c->port[1] = phi;
	c->fam = p->fam;
	c->proto = p->proto;
	c->hash = h;
	c->client = -1;
	c->pinned = a->o.nports > 0;
	c->h[0].wscale = c->h[1].wscale = 0xff;
	c->first_ts = p->ts;
	c->xoldest = c->xnewest = CAP_XNONE;
	c->xseed = a->seed;
	c->hnext = a->htab[h & a->hmask];
	a->htab[h & a->hmask] = c;
	lru_push(a, c);
	return c;
}

/* ---- XID table per connection -------------------------------------------- */

static inline uint32_t xslot(const struct cap_conn *c, uint32_t xid, uint32_t mask)
{
	return mix32(xid ^ c->xseed) & mask;
}

static struct cap_xent *x_find(struct cap_conn *c, uint32_t xid, int dir)
{
	if (!c->xcap)
		return NULL;
	uint32_t m = c->xcap - 1;
	for (uint32_t i = xslot(c, xid, m);; i = (i + 1) & m) {
		struct cap_xent *e = &c->xt[i];
		if (!e->used)
			return NULL;
		if (e->xid == xid && e->dir == dir)
			return e;
	}
}

/* The entry now at slot i came from another slot: its neighbours in the
 * insertion order must point at i. */
static void x_relink(struct cap_conn *c, uint32_t i)
{
	struct cap_xent *e = &c->xt[i];
	if (e->older != CAP_XNONE)
		c->xt[e->older].newer = i;
	else
		c->xoldest = i;
	if (e->newer != CAP_XNONE)
		c->xt[e->newer].older = i;
	else
		c->xnewest = i;
}

static void x_append(struct cap_conn *c, uint32_t i)
{
	struct cap_xent *e = &c->xt[i];
	e->older = c->xnewest;
	e->newer = CAP_XNONE;
	if (c->xnewest != CAP_XNONE)
		c->xt[c->xnewest].newer = i;
	else
		c->xoldest = i;
	c->xnewest = i;
}

/* Backward-shift deletion keeps probe chains intact without tombstones. */
static void x_delete(struct cap_conn *c, struct cap_xent *e)
{
	uint32_t m = c->xcap - 1, i = (uint32_t)(e - c->xt), j = i;
	if (e->older != CAP_XNONE)
		c->xt[e->older].newer = e->newer;
	else
		c->xoldest = e->newer;
	if (e->newer != CAP_XNONE)
		c->xt[e->newer].older = e->older;
	else
		c->xnewest = e->older;
	for (;;) {
		j = (j + 1) & m;
		if (!c->xt[j].used)
			break;
		uint32_t k = xslot(c, c->xt[j].xid, m);
		/* move j to i unless its home k lies cyclically in (i, j] */
		if ((j > i && (k <= i || k > j)) || (j < i && k <= i && k > j)) {
			c->xt[i] = c->xt[j];
			x_relink(c, i);
			i = j;
		}
	}
	c->xt[i].used = 0;
	c->xn--;
}

static void infl_change(struct cap_ana *a, struct cap_conn *c, int delta, uint64_t ts);

static bool x_grow(struct cap_ana *a, struct cap_conn *c)
{
	uint32_t ncap = c->xcap ? c->xcap * 2 : 16;
	uint32_t lim = a->o.max_xids ? a->o.max_xids : CAP_DEF_MAX_XIDS;
	if (ncap > lim * 2 || a->xids_total + ncap - c->xcap > CAP_MAX_XIDS_TOTAL)
		return false;
	struct cap_xent *n = calloc(ncap, sizeof(*n)), *old = c->xt;
	if (!n)
		return false;
	uint32_t from = c->xoldest;
	c->xt = n;
	c->xoldest = c->xnewest = CAP_XNONE;
	c->xseed = a->seed;
	/* rehash in insertion order, which the new links keep */
	while (from != CAP_XNONE) {
		uint32_t j = xslot(c, old[from].xid, ncap - 1);
		while (n[j].used)
			j = (j + 1) & (ncap - 1);
		n[j] = old[from];
		from = old[from].newer;
		x_append(c, j);
	}
	free(old);
	a->xids_total += ncap - c->xcap;
	c->xcap = ncap;
	return true;
}

static struct cap_xent *x_insert(struct cap_ana *a, struct cap_conn *c, uint32_t xid, int dir, uint64_t ts)
{
	uint32_t lim = a->o.max_xids ? a->o.max_xids : CAP_DEF_MAX_XIDS;
	if ((c->xn + 1 > c->xcap / 2 || c->xn >= lim) && (c->xn >= lim || !x_grow(a, c))) {
		if (!c->xcap || c->xoldest == CAP_XNONE)
			return NULL;
		/* full: the oldest call waiting gives way (counted) */
		x_delete(c, &c->xt[c->xoldest]);
		a->s.evicted++;
		c->evicted++;
		infl_change(a, c, -1, ts);
	}
	uint32_t m = c->xcap - 1, i = xslot(c, xid, m);
	while (c->xt[i].used)
		i = (i + 1) & m;
	struct cap_xent *e = &c->xt[i];
	memset(e, 0, sizeof(*e));
	e->used = 1;
	e->xid = xid;
	e->dir = (uint8_t)dir;
	x_append(c, i);
	c->xn++;
	return e;
}

bool cap_ana_has_call(struct cap_ana *a, struct cap_conn *c, int dir, uint32_t xid)
{
	(void)a;
	return x_find(c, xid, !dir) != NULL;
}

/* ---- time series and RPCs in flight -------------------------------------- */

static struct cap_bin *bin_at(struct cap_ana *a, uint64_t idx)
{
	if (idx >= CAP_MAX_BINS) {
		a->bins_full = 1;
		return NULL;
	}
	if (idx >= a->bins_cap) {
		uint32_t had = a->bins_cap;
		if (MEM_GROW(&a->bins, &a->bins_cap, idx + 1, 64))
			return NULL;
		memset(a->bins + had, 0, (a->bins_cap - had) * sizeof(*a->bins));
	}
	if (idx >= a->nbins)
		a->nbins = (uint32_t)idx + 1;
	return &a->bins[idx];
}

static uint64_t bin_idx(const struct cap_ana *a, uint64_t ts)
{
	return ts > a->t0 ? (ts - a->t0) / NS : 0;
}

/* Integrate the global number of RPCs in flight over time, bin by bin. */
static void series_advance(struct cap_ana *a, uint64_t ts)
{
	if (!a->infl_t || ts <= a->infl_t) {
		if (!a->infl_t)
			a->infl_t = ts;
		return;
	}
	if (!a->inflight) {
		a->infl_t = ts; /* nothing in flight: no area to add, whatever the jump */
		return;
	}
	while (a->infl_t < ts) {
		uint64_t idx = bin_idx(a, a->infl_t);
		uint64_t end = a->t0 + (idx + 1) * NS;
		uint64_t seg = end < ts ? end : ts;
		struct cap_bin *b = bin_at(a, idx);
		if (!b) {
			a->infl_t = ts;
			break;
		}
		b->infl_area += a->inflight * (seg - a->infl_t);
		if (a->inflight > b->infl_max)
			b->infl_max = (uint32_t)a->inflight;
		a->infl_t = seg;
	}
}

static void infl_change(struct cap_ana *a, struct cap_conn *c, int delta, uint64_t ts)
{
	if (c->infl_t0 == 0) {
		c->infl_t0 = c->infl_t = ts;
	} else if (ts > c->infl_t) {
		c->infl_area += (uint64_t)c->inflight * (ts - c->infl_t);
		c->infl_t = ts;
	}
	if (delta < 0 && c->inflight == 0)
		return;
	c->inflight = (uint32_t)((int64_t)c->inflight + delta);
	if (c->inflight > c->inflight_max)
		c->inflight_max = c->inflight;
	series_advance(a, ts);
	a->inflight = (uint64_t)((int64_t)a->inflight + delta);
	struct cap_bin *b = bin_at(a, bin_idx(a, ts));
	if (b && a->inflight > b->infl_max)
		b->infl_max = (uint32_t)a->inflight;
}

unsigned cap_heat_row(uint64_t ns)
{
	if (ns < UINT64_C(1) << CAP_HEAT_MIN_BITS)
		return 0;
	unsigned msb = 63u - (unsigned)__builtin_clzll(ns);
	unsigned row = (msb - CAP_HEAT_MIN_BITS) * 2 + (unsigned)(ns >> (msb - 1) & 1);
	return row < CAP_HEAT_ROWS ? row : CAP_HEAT_ROWS - 1;
}

uint64_t cap_heat_lo(unsigned row)
{
	uint64_t p = UINT64_C(1) << (CAP_HEAT_MIN_BITS + row / 2);
	return row & 1 ? p + p / 2 : p;
}

static void bin_close(struct cap_ana *a)
{
	if (a->cur_hist && a->cur_hist->count && a->cur_bin < a->nbins) {
		struct cap_bin *b = &a->bins[a->cur_bin];
		b->p50 = hist_percentile(a->cur_hist, 50.0);
		b->p99 = hist_percentile(a->cur_hist, 99.0);
		b->p999 = hist_percentile(a->cur_hist, 99.9);
		b->has_p99 = 1;
	}
	if (a->cur_hist)
		hist_init(a->cur_hist);
}

static void series_rpc(struct cap_ana *a, uint64_t ts, uint64_t exch, uint64_t bytes)
{
	uint64_t idx = bin_idx(a, ts);
	struct cap_bin *b = bin_at(a, idx);
	if (!b)
		return;
	b->ops++;
	b->bytes += bytes;
	b->heat[cap_heat_row(exch)]++;
	if (!a->cur_hist) {
		if (!(a->cur_hist = malloc(sizeof(*a->cur_hist))))
			return;
		hist_init(a->cur_hist);
		a->cur_bin = (uint32_t)idx;
	}
	if (idx > a->cur_bin) {
		bin_close(a);
		a->cur_bin = (uint32_t)idx;
	} else if (idx < a->cur_bin) {
		a->late++; /* timestamps out of order: counted in the current second */
	}
	hist_record(a->cur_hist, exch);
}

/* ---- statistics ---------------------------------------------------------------- */

static struct hist *hist_new(void)
{
	struct hist *h = malloc(sizeof(*h));
	if (h)
		hist_init(h);
	return h;
}

static void op_add(struct cap_opstat *s, bool err, uint32_t stkey, uint64_t bytes, uint64_t exch, uint64_t srt,
		   bool has_srt)
{
	s->count++;
	s->bytes += bytes;
	if (err) {
		s->errors++;
		unsigned i;
		for (i = 0; i < CAP_NSTATUS && s->st_n[i]; i++)
			if (s->st[i] == stkey)
				break;
		if (i < CAP_NSTATUS) {
			s->st[i] = stkey;
			s->st_n[i]++;
		} else {
			s->st_other++;
		}
	}
	if (!s->exch)
		s->exch = hist_new();
	if (!s->srt)
		s->srt = hist_new();
	if (s->exch)
		hist_record(s->exch, exch);
	if (s->srt && has_srt)
		hist_record(s->srt, srt);
}

static struct cap_client *client_of(struct cap_ana *a, struct cap_conn *c)
{
	const uint8_t *addr = c->addr[c->client < 0 ? 0 : c->client];
	const unsigned mask = 2 * CAP_MAX_CLIENTS - 1;
	unsigned i = mix32(hash_bytes(2166136261u ^ a->seed ^ c->fam, addr, 16)) & mask;
	/* a hash over clients[] (half full at most): no scan per new connection */
	for (; a->client_idx[i]; i = (i + 1) & mask) {
		struct cap_client *k = &a->clients[a->client_idx[i] - 1];
		if (k->fam == c->fam && !memcmp(k->addr, addr, 16))
			return k;
	}
	if (a->nclients == CAP_MAX_CLIENTS)
		return &a->other_clients;
	struct cap_client *k = &a->clients[a->nclients++];
	a->client_idx[i] = (uint16_t)a->nclients;
	k->used = 1;
	k->fam = c->fam;
	memcpy(k->addr, addr, 16);
	return k;
}

static void count_prog(struct cap_ana *a, uint32_t prog, uint32_t vers)
{
	unsigned i;
	for (i = 0; i < a->s.nprogs; i++)
		if (a->s.progs[i].prog == prog && a->s.progs[i].vers == vers)
			break;
	if (i == a->s.nprogs) {
		if (i == 16)
			return;
		a->s.nprogs++;
		a->s.progs[i].prog = prog;
		a->s.progs[i].vers = vers;
	}
	a->s.progs[i].n++;
}

static bool v4_nontrivial(const uint8_t *ops, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		switch (ops[i]) {
		case 53: case 22: case 24: case 23: case 32: case 31: case 10: case 9:
			continue; /* SEQUENCE PUTFH PUTROOTFH PUTPUBFH SAVEFH RESTOREFH GETFH GETATTR */
		default:
			return true;
		}
	return false;
}

/* Bytes a READ or WRITE moved: what the message claims, but no more than
 * its record (rec_bytes on the wire, record marks included over TCP) holds
 * after the data's offset. A claim beyond that is counted when it is the
 * message's own (claimed), not the call's request standing in for a reply
 * that did not say. */
static uint64_t data_moved(struct cap_ana *a, uint64_t want, uint64_t rec_bytes, bool udp, uint32_t data_at,
			   bool claimed)
{
	uint64_t hdr = (udp ? 0 : 4) + (uint64_t)data_at;
	uint64_t room = rec_bytes > hdr ? rec_bytes - hdr : 0;
	if (want <= room)
		return want;
	if (claimed)
		a->s.bad_counts++;
	return room;
}

/* One RPC is complete: record it everywhere. */
static void complete(struct cap_ana *a, struct cap_conn *c, struct cap_xent *e, uint64_t reply_last,
		     uint64_t reply_bytes, bool udp)
{
	struct cap_rpc r;

	memset(&r, 0, sizeof(r));
	if (!e->call_done)
		e->call_lost = 1; /* the reply came before the call's end was seen */
	if (e->call_lost)
		e->call_last = e->call_first; /* not used for srt */
	r.conn = c;
	r.xid = e->xid;
	r.dir = e->dir;
	r.udp = udp;
	r.prog = e->prog;
	r.proc = e->proc;
	r.vers = (uint8_t)e->vers;
	r.op = e->op == CAP_OP_V4_COMPOUND ? e->pop : e->op;
	r.has_status = e->has_status;
	r.status = e->status;
	r.reply_stat = e->reply_stat;
	r.accept_stat = e->accept_stat;
	r.call_first = e->call_first;
	r.call_last = e->call_last;
	r.reply_first = e->reply_first;
	r.reply_last = reply_last;
	r.call_bytes = e->call_bytes;
	r.reply_bytes = reply_bytes;
	r.offset = e->offset;
	r.has_offset = e->has_offset;
	r.call_lost = e->call_lost;
	r.count = e->count;
	a->s.matched++;

	uint64_t exch = 0, srt = 0;
	if (reply_last >= e->call_first)
		exch = reply_last - e->call_first;
	else
		a->s.negative++;
	if (reply_last >= e->call_last)
		srt = reply_last - e->call_last;
	if (e->call_lost) {
		srt = 0;
		a->s.call_end_lost++;
	}
	bool rpc_ok = e->reply_stat == 0 && e->accept_stat == 0;
	bool err = !rpc_ok || (e->has_status && e->status != 0);
	uint32_t stkey = rpc_ok ? e->status : 0x80000000u | (uint32_t)e->reply_stat << 8 | e->accept_stat;
	if (!rpc_ok) {
		a->st_rpc_err[e->reply_stat ? 6 : e->accept_stat & 7]++;
	}

	if (e->prog == CAP_NFS_PROG && e->op != CAP_OP_NONE) {
		unsigned op = r.op;
		/* bytes moved: READ what came back, WRITE what was sent */
		bool is_read = op == 6 || op == CAP_OP_V4_FIRST + 25;
		bool is_write = op == 7 || op == CAP_OP_V4_FIRST + 38;
		if (is_read)
			r.data = data_moved(a, e->has_rdata ? e->rdata : e->count, reply_bytes, udp, e->rdata_at,
					    e->has_rdata);
		else if (is_write)
			r.data = data_moved(a, e->count ? e->count : e->rdata, e->call_lost ? UINT64_MAX : e->call_bytes,
					    udp, e->data_at, e->count != 0);
		op_add(&a->ops[op], err, stkey, r.data, exch, srt, !e->call_lost);
		if (e->op == CAP_OP_V4_COMPOUND) {
			if (op != CAP_OP_V4_COMPOUND)
				op_add(&a->ops[CAP_OP_V4_COMPOUND], err, stkey, r.data, exch, srt, !e->call_lost);
			for (unsigned i = 0; i < e->nops; i++)
				a->ops[e->ops[i] == 255 ? CAP_OP_V4_ILLEGAL : CAP_OP_V4_FIRST + e->ops[i]].in_compounds++;
		}
	}
	count_prog(a, e->prog, e->vers);

	c->rpcs++;
	c->bytes += r.data;
	c->errors += err;
	c->exch_sum += exch;
	c->srt_sum += srt; /* (0 when unknown: the mean is over exchange counts) */
	if (exch > c->exch_max)
		c->exch_max = exch;
	if (!c->exch && c->rpcs >= 2 && a->conn_hists < CAP_MAX_CONN_HISTS && (c->exch = hist_new())) {
		/* from the second RPC on: a histogram is 19 KB to clear, and a
		 * connection of one RPC needs none (its max is its p99); the first
		 * RPC's exchange is the sum so far */
		a->conn_hists++;
		hist_record(c->exch, c->exch_sum - exch);
	}
	if (c->exch)
		hist_record(c->exch, exch);
	if (!c->cl)
		c->cl = client_of(a, c);
	struct cap_client *k = c->cl;
	if (c->rpcs == 1) /* this connection's first RPC: one more of the client's */
		k->conns++;
	k->rpcs++;
	k->errors += err;
	k->bytes += r.data;
	if (!k->exch)
		k->exch = hist_new();
	if (!k->srt)
		k->srt = hist_new();
	if (k->exch)
		hist_record(k->exch, exch);
	if (k->srt && !e->call_lost)
		hist_record(k->srt, srt);
	series_rpc(a, reply_last, exch, r.data);
	infl_change(a, c, -1, reply_last);
	if (a->o.on_rpc)
		a->o.on_rpc(a->o.on_rpc_arg, &r);
	if (a->o.per_rpc) {
		if (!a->csv_header_done) {
			cap_csv_header(a->o.per_rpc);
			a->csv_header_done = 1;
		}
		cap_csv_row(a->o.per_rpc, &r);
	}
}

/* ---- record events from stream.c (and UDP datagrams) -------------------- */

void cap_ana_header(struct cap_ana *a, struct cap_conn *c, int dir, const uint8_t *p, size_t n, bool trunc)
{
	struct cap_half *h = &c->h[dir];
	struct cap_msg m;
	int r = cap_rpc_parse(p, n, trunc, &m);

	a->s.layer[CAP_L_RPC][r]++;
	h->rec_kind = 0;
	if (m.body < 8 || r == CAP_INVALID)
		return;
	h->rec_xid = m.xid;
	if (m.mtype == 0) {
		c->rpc_seen = 1;
		if (c->client < 0)
			c->client = (int8_t)dir;
		a->s.calls++;
		if (m.gss_ctl)
			a->s.gss_ctl++;
		if (m.prog == CAP_NFS_PROG && m.have_proc) {
			cap_nfs_call(p, n, trunc, &m);
			a->s.layer[CAP_L_NFS][m.nfs_res]++;
		}
		if (x_find(c, m.xid, dir)) {
			a->s.dup_calls++; /* an RPC-level retransmission: keep the first */
			return;
		}
		struct cap_xent *e = x_insert(a, c, m.xid, dir, h->rec_first);
		if (!e)
			return;
		e->call_first = h->rec_first;
		e->call_bytes = h->rec_bytes;
		e->op = m.op;
		e->prog = m.prog;
		e->vers = m.vers;
		e->proc = m.proc;
		e->flavor6 = m.flavor == 6;
		e->gss_service = m.gss_service;
		e->gss_ctl = m.gss_ctl;
		e->has_offset = m.has_offset;
		e->offset = m.offset;
		e->count = m.has_count ? m.count : 0;
		e->data_at = m.data_at;
		e->nops = m.nops;
		e->ops_known = m.ops_total_known;
		memcpy(e->ops, m.ops, m.nops);
		h->rec_kind = 1;
		infl_change(a, c, +1, h->rec_first);
	} else if (m.mtype == 1) {
		a->s.replies++;
		if (m.reply_stat == 0)
			a->s.accept[m.accept_stat]++;
		else
			a->s.denied[m.reject_stat]++;
		struct cap_xent *e = x_find(c, m.xid, !dir);
		if (!e && c->h[!dir].pend) {
			/* the call may sit behind a hole the capture will never fill */
			cap_tcp_unblock(a, c, !dir);
			e = x_find(c, m.xid, !dir);
		}
		if (!e) {
			a->s.orphans++;
			c->orphans++;
			return;
		}
		if (e->reply_hdr)
			return; /* a second reply to one call: the first one counts */
		c->rpc_seen = 1;
		e->reply_hdr = 1;
		e->reply_first = h->rec_first;
		e->reply_stat = m.reply_stat;
		e->accept_stat = m.accept_stat;
		struct cap_msg call;
		memset(&call, 0, sizeof(call));
		call.prog = e->prog;
		call.vers = e->vers;
		call.proc = e->proc;
		call.op = e->op;
		call.flavor = e->flavor6 ? 6 : 1;
		call.gss_service = e->gss_service;
		call.gss_ctl = e->gss_ctl;
		if (e->prog == CAP_NFS_PROG && r == CAP_OK) {
			cap_nfs_reply(p, n, trunc, &call, &m);
			a->s.layer[CAP_L_NFS][m.nfs_res]++;
		}
		e->has_status = m.has_status;
		e->status = m.status;
		if (m.has_rcount) {
			e->has_rdata = 1;
			e->rdata = m.rcount;
			e->rdata_at = m.data_at;
		}
		if (e->op == CAP_OP_V4_COMPOUND) {
			/* the call names the intent; in a headers-only capture its op list
			 * may stop early, and the reply's (shorter results) says more */
			if (!(e->ops_known || v4_nontrivial(e->ops, e->nops)) && m.nops > e->nops) {
				e->nops = m.nops;
				memcpy(e->ops, m.ops, m.nops);
			}
			e->pop = (uint16_t)cap_v4_principal(e->ops, e->nops);
		}
		h->rec_kind = 2;
	}
}

void cap_ana_rec_lost(struct cap_ana *a, struct cap_conn *c, int dir)
{
	struct cap_half *h = &c->h[dir];
	struct cap_xent *e;

	if (h->rec_kind == 1) {
		if ((e = x_find(c, h->rec_xid, dir)) && !e->call_done) {
			e->call_done = 1;
			e->call_lost = 1;
		}
	} else if (h->rec_kind == 2) {
		if ((e = x_find(c, h->rec_xid, !dir)) && e->reply_hdr) {
			x_delete(c, e);
			a->s.reply_end_lost++;
			infl_change(a, c, -1, h->rec_first);
		}
	}
	h->rec_kind = 0;
}

void cap_ana_rec_end(struct cap_ana *a, struct cap_conn *c, int dir, uint64_t ts)
{
	struct cap_half *h = &c->h[dir];
	struct cap_xent *e;

	if (h->rec_kind == 1) {
		if ((e = x_find(c, h->rec_xid, dir)) && !e->call_done) {
			e->call_last = ts;
			e->call_done = 1;
			e->call_bytes = h->rec_bytes;
		}
	} else if (h->rec_kind == 2) {
		if ((e = x_find(c, h->rec_xid, !dir)) && e->reply_hdr) {
			complete(a, c, e, ts, h->rec_bytes, c->proto == 17);
			x_delete(c, e);
		}
	}
	h->rec_kind = 0;
}

/* ---- UDP ----------------------------------------------------------------------- */

static struct cap_frag *frag_slot(struct cap_ana *a, const struct cap_pkt *p)
{
	uint32_t h = hash_bytes(2166136261u, p->src, 16);
	h = hash_bytes(h, p->dst, 16);
	h ^= p->frag_id * 0x9e3779b1u;
	return &a->frag[(h ^ h >> 16) % CAP_NFRAG];
}

static bool frag_match(const struct cap_frag *f, const struct cap_pkt *p)
{
	return f->used && f->id == p->frag_id && f->fam == p->fam && !memcmp(f->src, p->src, 16) &&
	       !memcmp(f->dst, p->dst, 16);
}

static void udp_datagram(struct cap_ana *a, struct cap_conn *c, int dir, const struct cap_pkt *p)
{
	struct cap_half *h = &c->h[dir];
	bool more = p->frag && p->frag_more;
	uint32_t len = p->frag ? p->dgram_len : p->pl_len;

	if (c->ignore)
		return;
	if (!c->pinned && !c->rpc_seen && !(c->port[0] == 2049 || c->port[1] == 2049)) {
		/* recognise the message as RPC: borrow the TCP check with a made-up mark */
		uint8_t tmp[64];
		uint32_t n = p->pl_cap < 60 ? p->pl_cap : 60;
		uint32_t mark = 0x80000000u | (len < (1u << 24) ? len : (1u << 24));
		tmp[0] = (uint8_t)(mark >> 24), tmp[1] = (uint8_t)(mark >> 16);
		tmp[2] = (uint8_t)(mark >> 8), tmp[3] = (uint8_t)mark;
		memcpy(tmp + 4, p->pl, n);
		int k = cap_rpc_plausible(tmp, n + 4, false);
		if (!k || (k == 2 && !x_find(c, cap_be32(p->pl + 0), !dir))) {
			a->s.udp_not_rpc++;
			if (++h->scanned > 64 && c->h[!dir].scanned > 64)
				c->ignore = 1;
			return;
		}
	}
	a->s.udp_msgs++;
	h->rec_first = p->ts;
	h->rec_bytes = len;
	h->last_frag = 1;
	cap_ana_header(a, c, dir, p->pl, p->pl_cap, p->pl_cap < len);
	if (!more) {
		cap_ana_rec_end(a, c, dir, p->ts);
		return;
	}
	/* the datagram ends with its last IP fragment */
	struct cap_frag *f = frag_slot(a, p);
	if (frag_match(f, p) && f->have_last) {
		cap_ana_rec_end(a, c, dir, f->ts_last);
		f->used = 0;
		return;
	}
	f->used = 1;
	f->have_last = 0;
	f->waiting = 1;
	f->fam = p->fam;
	f->id = p->frag_id;
	memcpy(f->src, p->src, 16);
	memcpy(f->dst, p->dst, 16);
	f->conn = c;
	f->dir = (uint8_t)dir;
	f->kind = h->rec_kind;
	f->xid = h->rec_xid;
	h->rec_kind = 0;
}

static void udp_frag_later(struct cap_ana *a, const struct cap_pkt *p)
{
	struct cap_frag *f = frag_slot(a, p);

	if (p->frag_more)
		return; /* a middle fragment */
	if (frag_match(f, p) && f->waiting) {
		struct cap_half *h = &f->conn->h[f->dir];
		h->rec_kind = f->kind;
		h->rec_xid = f->xid;
		cap_ana_rec_end(a, f->conn, f->dir, p->ts);
		f->used = 0;
		return;
	}
	/* the last fragment came first: remember when */
	f->used = 1;
	f->waiting = 0;
	f->have_last = 1;
	f->ts_last = p->ts;
	f->fam = p->fam;
	f->id = p->frag_id;
	memcpy(f->src, p->src, 16);
	memcpy(f->dst, p->dst, 16);
	f->conn = NULL;
}

/* ---- the packet entry point ---------------------------------------------- */

void cap_ana_packet(struct cap_ana *a, int dlt, uint64_t ts, const uint8_t *data, uint32_t caplen, uint32_t wirelen)
{
	struct cap_pkt p;
	int layer = CAP_L_LINK, dir;

	if (!a->s.packets++) {
		a->s.first_ts = a->t0 = ts;
	}
	if (ts > a->s.last_ts)
		a->s.last_ts = ts;
	if (ts < a->s.first_ts)
		a->s.first_ts = ts;
	a->s.bytes += wirelen;
	int r = cap_decode(dlt, data, caplen, wirelen, &p, &layer);
	if (r != CAP_OK) {
		a->s.layer[layer][r]++;
		return;
	}
	p.ts = ts;
	a->s.layer[CAP_L_LINK][CAP_OK]++;
	if (!p.fam) {
		a->s.not_ip++;
		return;
	}
	a->s.layer[CAP_L_NET][CAP_OK]++;
	if (p.frag) {
		a->s.ip_frags++;
		if (p.frag_off != 0) {
			if (p.frag_proto == 17)
				udp_frag_later(a, &p);
			return;
		}
	}
	if (p.proto != 6 && p.proto != 17) {
		a->s.not_tcpudp++;
		return;
	}
	a->s.layer[CAP_L_TRANS][CAP_OK]++;
	struct cap_conn *c = conn_get(a, &p, &dir);
	if (!c)
		return;
	/* A SYN with a new initial sequence number on a known 5-tuple is a new
	 * connection reusing the ports (libnfs binds the same low ports again
	 * and again): keep the old one's results, start afresh. */
	if (p.proto == 6 && (p.flags & CAP_TH_SYN) && !(p.flags & CAP_TH_ACK) &&
	    ((c->h[dir].syn_seen && p.seq != c->h[dir].isn) || (!c->h[dir].syn_seen && c->h[dir].seen) ||
	     c->closed)) {
		cap_tcp_flush(a, c);
		struct cap_conn **pp = &a->htab[c->hash & a->hmask];
		while (*pp && *pp != c)
			pp = &(*pp)->hnext;
		if (*pp)
			*pp = c->hnext;
		c->unlinked = 1;
		c->closed = 1;
		memset(a->cache, 0, sizeof(a->cache));
		c = conn_get(a, &p, &dir);
		if (!c)
			return;
	}
	c->last_ts = ts;
	lru_touch(a, c);
	if (p.proto == 6)
		cap_tcp_segment(a, c, dir, &p);
	else if (p.pl_len)
		udp_datagram(a, c, dir, &p);
}

/* ---- life cycle ------------------------------------------------------------------ */

int cap_ana_new(struct cap_ana **ap, const struct cap_opts *o)
{
	struct cap_ana *a = calloc(1, sizeof(*a));
	*ap = NULL;
	if (!a)
		return 12; /* ENOMEM */
	a->o = *o;
	if (getrandom(&a->seed, sizeof(a->seed), GRND_NONBLOCK) != sizeof(a->seed))
		a->seed = (uint32_t)time(NULL) ^ (uint32_t)(uintptr_t)a; /* still no input's choice */
	a->max_conns = o->max_conns ? o->max_conns : CAP_DEF_MAX_CONNS;
	uint32_t hs = 1024;
	while (hs < a->max_conns * 2u)
		hs *= 2;
	a->hmask = hs - 1;
	a->htab = calloc(hs, sizeof(*a->htab));
	a->chunks = calloc(a->max_conns / 256 + 1, sizeof(*a->chunks));
	a->nchunks = a->max_conns / 256 + 1;
	if (!a->htab || !a->chunks) {
		free(a->htab);
		free(a->chunks);
		free(a);
		return 12;
	}
	*ap = a;
	return 0;
}

void cap_ana_finish(struct cap_ana *a)
{
	if (a->finished)
		return;
	a->finished = 1;
	for (uint32_t i = 0; i < a->nconns; i++) {
		struct cap_conn *c = conn_at(a, i);
		cap_tcp_flush(a, c);
		a->s.unanswered += c->xn;
		if (c->infl_t0 && c->last_ts > c->infl_t) {
			c->infl_area += (uint64_t)c->inflight * (c->last_ts - c->infl_t);
			c->infl_t = c->last_ts;
		}
	}
	if (a->s.packets)
		series_advance(a, a->s.last_ts);
	bin_close(a);
	a->s.late_samples = a->late;
}

void cap_ana_free(struct cap_ana *a)
{
	if (!a)
		return;
	for (uint32_t i = 0; i < a->nconns; i++)
		conn_release(a, conn_at(a, i));
	for (uint32_t i = 0; i < a->nchunks; i++)
		free(a->chunks[i]);
	for (unsigned i = 0; i < CAP_NOPS; i++) {
		free(a->ops[i].exch);
		free(a->ops[i].srt);
	}
	for (uint32_t i = 0; i < a->nclients; i++) {
		free(a->clients[i].exch);
		free(a->clients[i].srt);
	}
	free(a->other_clients.exch);
	free(a->other_clients.srt);
	free(a->chunks);
	free(a->htab);
	free(a->bins);
	free(a->cur_hist);
	free(a);
}

void cap_ana_summary(const struct cap_ana *a, struct cap_summary *s)
{
	*s = a->s;
	for (uint32_t i = 0; i < a->nconns; i++) {
		const struct cap_conn *c = conn_at(a, i);
		tcpstat_add(&s->tcp, &c->h[0].st);
		tcpstat_add(&s->tcp, &c->h[1].st);
	}
}

const struct cap_opstat *cap_ana_op(const struct cap_ana *a, unsigned op)
{
	return op < CAP_NOPS ? &a->ops[op] : NULL;
}
