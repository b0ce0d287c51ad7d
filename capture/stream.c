/* stream.c - TCP followed by sequence numbers, and RPC record marks located
 * by arithmetic (RFC 5531 section 11: each fragment starts with a 4-byte
 * header, top bit = last fragment, 31 bits = length).
 *
 * Why arithmetic and not reassembly: a headers-only capture (tcpdump -s 200)
 * holds the first bytes of each segment but the IP and TCP headers still say
 * how long every segment was, so knowing where a record starts and how long
 * it is tells where the next one starts, whatever was captured in between.
 * Nothing is buffered in the common case; a record's first CAP_HDRMAX bytes
 * are copied only when they straddle segments, and segments that arrive
 * ahead of a hole are queued (bounded) until the hole fills or is given up.
 *
 * Per direction: bytes below h->hi are done. When synced, h->mark is the
 * sequence number of the next fragment header, and h->frag_open says the
 * bytes before it belong to an open fragment. A header whose bytes were not
 * captured (snaplen cut, or a super-frame holding many records) cannot be
 * read: the direction then loses sync and finds the next recognisable RPC
 * header (counted as hidden / resyncs / skipped bytes).
 */
#include <stdlib.h>
#include <string.h>

#include "ana.h"

static inline uint64_t unwrap(const struct cap_half *h, uint32_t s)
{
	return h->hi + (uint64_t)(int64_t)(int32_t)(s - (uint32_t)h->hi);
}

static bool pinned(const struct cap_ana *a, const struct cap_conn *c)
{
	return c->pinned || (a->o.nports == 0 && (c->port[0] == 2049 || c->port[1] == 2049));
}

/* ---- TCP health (after Wireshark's tcp.analysis flags) -------------------- */

static void health(struct cap_conn *c, int dir, const struct cap_pkt *p)
{
	struct cap_half *h = &c->h[dir], *o = &c->h[!dir];

	h->st.segs++;
	if (p->pl_len)
		h->st.data_segs++;
	if (p->flags & CAP_TH_SYN) {
		if (h->syn_seen && p->seq == h->isn)
			h->st.retrans++;
		h->syn_seen = 1;
		h->isn = p->seq;
		h->wscale = p->wscale;
		if (!(p->flags & CAP_TH_ACK)) {
			if (!c->syn_ts)
				c->syn_ts = p->ts;
		} else if (!c->synack_ts) {
			c->synack_ts = p->ts;
		}
	} else if ((p->flags & CAP_TH_ACK) && c->syn_ts && c->synack_ts && !c->irtt &&
		   o->syn_seen && h->syn_seen && p->ts >= c->syn_ts) {
		/* the handshake's third segment: initial RTT as seen here */
		c->irtt = p->ts - c->syn_ts;
		if (!c->irtt)
			c->irtt = 1;
	}
	if (p->flags & CAP_TH_RST)
		c->closed = 1;
	if (p->flags & CAP_TH_FIN) {
		h->fin = 1;
		if (o->fin)
			c->closed = 1;
	}
	if (p->win == 0 && !(p->flags & (CAP_TH_SYN | CAP_TH_FIN | CAP_TH_RST)))
		h->st.zero_win++;
	bool scaled = h->syn_seen && o->syn_seen && h->wscale != 0xff && o->wscale != 0xff;
	if (p->flags & CAP_TH_ACK) {
		uint32_t win = p->win;
		if (scaled && !(p->flags & CAP_TH_SYN))
			win <<= h->wscale; /* RFC 7323 2.2: never scaled in SYNs */
		if (!p->pl_len && !(p->flags & (CAP_TH_SYN | CAP_TH_FIN | CAP_TH_RST)) && h->ack_seen &&
		    p->ack == h->last_ack && win == h->last_win && o->seen &&
		    (int32_t)((uint32_t)o->maxend - p->ack) > 0)
			h->st.dup_acks++;
		h->last_ack = p->ack;
		h->last_win = win;
		h->ack_seen = 1;
	}
	/* the segment fills the window the other side advertised */
	if (p->pl_len && o->ack_seen && h->syn_seen && o->syn_seen && o->last_win &&
	    (uint32_t)(p->seq + p->pl_len) == o->last_ack + o->last_win)
		h->st.win_full++;
}

/* ---- record headers -------------------------------------------------------- */

/* The direction no longer knows where its records are. A record in
 * progress then has no known end: say so, rather than guess a time. */
static void lose_sync(struct cap_ana *a, struct cap_conn *c, int dir)
{
	struct cap_half *h = &c->h[dir];
	if (h->in_rec && h->rec_kind)
		cap_ana_rec_lost(a, c, dir);
	h->synced = 0;
	h->in_rec = 0;
	h->frag_open = 0;
	h->hb_on = 0;
	h->mb_len = 0;
	h->rec_kind = 0;
	h->st.desyncs++;
}

static void decode_now(struct cap_ana *a, struct cap_conn *c, int dir, const uint8_t *p, size_t n, bool trunc)
{
	struct cap_half *h = &c->h[dir];
	h->hb_on = 0;
	cap_ana_header(a, c, dir, p, n, trunc);
}

/* Finish a header gathered in h->hb (capture cut, gap, or enough bytes). */
static void gather_done(struct cap_ana *a, struct cap_conn *c, int dir, bool trunc)
{
	struct cap_half *h = &c->h[dir];
	if (h->hb_on)
		decode_now(a, c, dir, h->hb, h->hb_len, trunc);
}

/* Append record bytes [pos, lim) of the current segment to the header
 * buffer; d/cap describe the segment from S. */
static void gather(struct cap_ana *a, struct cap_conn *c, int dir, uint64_t S, const uint8_t *d, uint32_t cap,
		   uint64_t pos, uint64_t lim)
{
	struct cap_half *h = &c->h[dir];
	uint64_t off = pos - S;
	uint64_t have = cap > off ? cap - off : 0;
	uint64_t want = (uint64_t)h->hb_want - h->hb_len;
	uint64_t span = lim - pos;
	uint64_t take = span < want ? span : want;

	if (take > have)
		take = have;
	memcpy(h->hb + h->hb_len, d + off, (size_t)take);
	h->hb_len = (uint16_t)(h->hb_len + take);
	if (h->hb_len == h->hb_want)
		gather_done(a, c, dir, h->hb_want < h->rec_bytes - 4 || !h->last_frag);
	else if (have < span && have < want)
		gather_done(a, c, dir, true); /* the capture stopped short */
}

/* A fragment header v was read; its first byte was at `at`. d/cap/S describe
 * the segment holding the bytes after it (pos = at + 4). Returns false when
 * the header makes no sense (the direction loses sync). */
static bool take_header(struct cap_ana *a, struct cap_conn *c, int dir, uint32_t v, uint64_t at, uint64_t first_ts,
			uint64_t S, uint64_t E, const uint8_t *d, uint32_t cap)
{
	struct cap_half *h = &c->h[dir];
	uint32_t len = v & 0x7fffffffu;
	uint64_t pos = at + 4;

	if (!h->in_rec) {
		/* a record starts: it must hold at least an XID and a message type */
		if (len < 8 || len > (1u << 26)) {
			a->s.layer[CAP_L_RPC][CAP_INVALID]++;
			lose_sync(a, c, dir);
			return false;
		}
		h->in_rec = 1;
		h->rec_first = first_ts;
		h->rec_bytes = 0;
		h->rec_kind = 0;
		h->hb_want = (uint16_t)(len < CAP_HDRMAX ? len : CAP_HDRMAX);
		h->hb_len = 0;
		h->hb_on = 1;
		h->last_frag = (uint8_t)(v >> 31);
		h->rec_bytes = 4 + (uint64_t)len;
		uint64_t off = pos - S;
		if (pos >= S && off + h->hb_want <= cap) {
			/* the common case: decode in place, no copy */
			decode_now(a, c, dir, d + off, h->hb_want,
				   h->hb_want < len || !h->last_frag);
		} else if (pos >= E || (pos >= S && cap - (off < cap ? off : cap) == E - pos)) {
			/* the header goes on in the next segment(s): gather */
			/* (process() appends the bytes as it walks the segments) */
			if (!h->hb && !(h->hb = malloc(CAP_HDRMAX)))
				h->hb_on = 0;
		} else {
			/* cut by the snaplen: decode what we have */
			uint64_t have = pos >= S && cap > off ? cap - off : 0;
			decode_now(a, c, dir, d + (pos >= S ? off : 0), (size_t)have, true);
		}
	} else {
		h->rec_bytes += 4 + (uint64_t)len;
		h->last_frag = (uint8_t)(v >> 31);
	}
	h->frag_open = 1;
	h->mark = pos + len;
	return true;
}

/* Look for a recognisable record header in the captured bytes of a segment
 * of a direction that lost (or never had) sync. Replies must answer a call
 * we saw, which keeps file data that happens to look like a header out. */
static bool resync(struct cap_ana *a, struct cap_conn *c, int dir, uint64_t S, const uint8_t *d, uint32_t cap)
{
	struct cap_half *h = &c->h[dir];
	bool any = pinned(a, c);

	for (uint32_t o = 0; o + 16 <= cap; o++) {
		/* quick reject: the message type word must be 0 or 1 */
		if (d[o + 8] | d[o + 9] | d[o + 10] | (d[o + 11] & 0xfe))
			continue;
		int k = cap_rpc_plausible(d + o, cap - o, any);
		if (!k)
			continue;
		if (k == 2 && !cap_ana_has_call(a, c, dir, cap_be32(d + o + 4)))
			continue;
		h->synced = 1;
		h->mark = S + o;
		h->frag_open = 0;
		h->in_rec = 0;
		h->st.resyncs++;
		h->st.skipped_bytes += o;
		return true;
	}
	h->scanned += cap;
	return false;
}

/* Process bytes [S, E) of one direction, in order: d holds cap captured
 * bytes from S. */
static void process(struct cap_ana *a, struct cap_conn *c, int dir, uint64_t S, uint64_t E, const uint8_t *d,
		    uint32_t cap, uint64_t ts)
{
	struct cap_half *h = &c->h[dir];
	uint64_t pos = S;

	if (cap > E - S)
		cap = (uint32_t)(E - S);
	if (h->synced && h->mb_len) {
		/* finish a fragment header split over segments */
		uint32_t need = 4u - h->mb_len;
		if (cap >= need || (E - S < need && cap == E - S)) {
			uint32_t take = cap < need ? cap : need;
			memcpy(h->mb + h->mb_len, d, take);
			h->mb_len = (uint8_t)(h->mb_len + take);
			pos = S + take;
			if (h->mb_len == 4) {
				h->mb_len = 0;
				uint64_t at = h->mark;
				if (!take_header(a, c, dir, cap_be32(h->mb), at, h->mb_ts, S, E, d, cap))
					goto unsynced;
			} else {
				h->hi = E;
				return;
			}
		} else {
			h->st.hidden++;
			lose_sync(a, c, dir);
		}
	}
unsynced:
	if (!h->synced) {
		if (c->ignore || (!pinned(a, c) && !c->rpc_seen && h->scanned > CAP_NOTRPC_BYTES &&
				  c->h[!dir].scanned > CAP_NOTRPC_BYTES)) {
			c->ignore = 1;
			h->hi = E;
			return;
		}
		if (!resync(a, c, dir, S, d, cap)) {
			h->st.skipped_bytes += E - S;
			h->hi = E;
			return;
		}
		pos = h->mark;
	}
	while (h->synced) {
		uint64_t lim = h->mark < E ? h->mark : E;
		if (h->hb_on && h->frag_open && lim > pos)
			gather(a, c, dir, S, d, cap, pos, lim);
		if (h->mark > E)
			break; /* the open fragment goes on */
		if (h->frag_open) {
			h->frag_open = 0;
			if (h->last_frag) {
				if (h->hb_on)
					gather_done(a, c, dir, false);
				cap_ana_rec_end(a, c, dir, ts);
				h->in_rec = 0;
			}
		}
		if (h->mark == E)
			break; /* the next header starts in the next segment */
		uint64_t at = h->mark, off = at - S;
		if (off + 4 <= cap) {
			if (!take_header(a, c, dir, cap_be32(d + off), at, ts, S, E, d, cap))
				goto unsynced2;
			pos = at + 4;
			continue;
		}
		if (off + 4 > E - S && cap == E - S) {
			/* split header: keep its first bytes */
			h->mb_len = (uint8_t)(E - at);
			memcpy(h->mb, d + off, h->mb_len);
			h->mb_ts = ts;
			break;
		}
		/* the header was not captured: nothing after it in this segment was */
		h->st.hidden++;
		lose_sync(a, c, dir);
		break;
	unsynced2:
		/* bad header: look for the next good one after it in this segment */
		if (off + 1 < cap && resync(a, c, dir, at + 1, d + off + 1, cap - (uint32_t)off - 1)) {
			pos = h->mark;
			continue;
		}
		break;
	}
	h->hi = E;
}

/* ---- out-of-order segments -------------------------------------------------- */

static void pend_free(struct cap_ana *a, struct cap_half *h, struct cap_seg *s)
{
	a->pend_bytes -= s->cap;
	h->npend--;
	free(s);
}

/* Give up the hole before the first queued segment: count the gap, keep
 * what sequence arithmetic still knows, and move on. */
static void give_up_hole(struct cap_ana *a, struct cap_conn *c, int dir)
{
	struct cap_half *h = &c->h[dir];
	struct cap_seg *s = h->pend;
	uint64_t to = s->seq;

	h->st.gaps++;
	h->st.gap_bytes += to - h->hi;
	if (h->synced) {
		if (h->mb_len || h->mark < to) {
			/* a header fell in the hole: its record (if it ended there)
			 * ends at the first byte we see again */
			if (h->hb_on)
				gather_done(a, c, dir, true);
			lose_sync(a, c, dir);
		} else if (h->hb_on) {
			gather_done(a, c, dir, true);
		}
	}
	h->hi = to;
}

/* Process queued segments the frontier has reached. */
static void drain(struct cap_ana *a, struct cap_conn *c, int dir)
{
	struct cap_half *h = &c->h[dir];
	struct cap_seg *s;

	while ((s = h->pend) && s->seq <= h->hi) {
		h->pend = s->next;
		uint64_t e = s->seq + s->len;
		if (e > h->hi) {
			uint64_t skip = h->hi - s->seq;
			uint32_t cap = s->cap > skip ? (uint32_t)(s->cap - skip) : 0;
			process(a, c, dir, h->hi, e, s->data + (s->cap > skip ? skip : 0), cap, s->ts);
		}
		pend_free(a, h, s);
	}
}

static void queue(struct cap_ana *a, struct cap_conn *c, int dir, uint64_t S, const struct cap_pkt *p)
{
	struct cap_half *h = &c->h[dir];
	struct cap_seg **pp = &h->pend, *s;

	while (*pp && (*pp)->seq < S)
		pp = &(*pp)->next;
	if (*pp && (*pp)->seq == S && (*pp)->len >= p->pl_len) {
		h->st.retrans++; /* the same early segment again */
		h->st.retrans_bytes += p->pl_len;
		return;
	}
	s = malloc(sizeof(*s) + p->pl_cap);
	if (!s)
		return; /* treated like a capture drop */
	s->seq = S;
	s->ts = p->ts;
	s->len = p->pl_len;
	s->cap = p->pl_cap;
	memcpy(s->data, p->pl, p->pl_cap);
	s->next = *pp;
	*pp = s;
	if (!h->npend++)
		h->pend_since = p->ts;
	a->pend_bytes += s->cap;
}

void cap_tcp_flush(struct cap_ana *a, struct cap_conn *c)
{
	for (int dir = 0; dir < 2; dir++) {
		struct cap_half *h = &c->h[dir];
		while (h->pend) {
			give_up_hole(a, c, dir);
			drain(a, c, dir);
		}
		if (h->synced && h->hb_on)
			gather_done(a, c, dir, true);
	}
}

void cap_tcp_unblock(struct cap_ana *a, struct cap_conn *c, int dir)
{
	struct cap_half *h = &c->h[dir];
	if (c->unblocking || !h->pend)
		return;
	c->unblocking = 1;
	while (h->pend) {
		give_up_hole(a, c, dir);
		drain(a, c, dir);
	}
	c->unblocking = 0;
}

void cap_half_free(struct cap_ana *a, struct cap_half *h)
{
	while (h->pend) {
		struct cap_seg *s = h->pend;
		h->pend = s->next;
		pend_free(a, h, s);
	}
	free(h->hb);
	h->hb = NULL;
}

void cap_tcp_segment(struct cap_ana *a, struct cap_conn *c, int dir, const struct cap_pkt *p)
{
	struct cap_half *h = &c->h[dir];

	health(c, dir, p);
	if (!p->pl_len || c->ignore)
		return;
	uint32_t seq = p->seq + ((p->flags & CAP_TH_SYN) ? 1u : 0u);
	if (!h->seen) {
		h->seen = 1;
		if (h->syn_seen) {
			/* the stream's first byte is a record's first byte */
			h->hi = (1ull << 32) + (uint32_t)(h->isn + 1);
			h->synced = 1;
			h->mark = h->hi;
			h->frag_open = 0;
		} else {
			h->hi = (1ull << 32) + seq; /* taken mid-stream: find a header */
		}
		h->maxend = h->hi;
	}
	uint64_t S = unwrap(h, seq), E = S + p->pl_len;
	if (E > h->maxend)
		h->maxend = E;
	if (E <= h->hi) {
		h->st.retrans++;
		h->st.retrans_bytes += p->pl_len;
		return;
	}
	if (S > h->hi) {
		queue(a, c, dir, S, p);
		/* a hole that does not fill in time is a capture drop */
		while (h->pend && (h->npend > CAP_MAX_PEND || a->pend_bytes > CAP_PEND_BUDGET ||
				   p->ts - h->pend_since > CAP_PEND_WAIT_NS)) {
			give_up_hole(a, c, dir);
			drain(a, c, dir);
			if (h->pend)
				h->pend_since = h->pend->ts;
		}
		return;
	}
	uint64_t skip = h->hi - S;
	if (skip) {
		h->st.retrans++; /* partly old bytes */
		h->st.retrans_bytes += skip;
	} else if (h->pend) {
		h->st.ooo++; /* fills a hole behind segments already seen */
	}
	process(a, c, dir, h->hi, E, p->pl + (p->pl_cap > skip ? skip : 0),
		p->pl_cap > skip ? (uint32_t)(p->pl_cap - skip) : 0, p->ts);
	if (h->pend) {
		drain(a, c, dir);
		if (h->pend)
			h->pend_since = h->pend->ts;
	}
}
