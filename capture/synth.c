/* synth.c - writes the synthetic captures of tests/pcaps with libpcap's
 * pcap_dump (`nfscap synth DIR`): small, deterministic files that each hold
 * one hard case with a known answer (a record split over many segments, many
 * records in one super-frame, retransmissions, reordering, a capture gap,
 * VLAN/QinQ, Linux cooked v1/v2, raw IP, BSD loopback, IPv6, RPC over UDP in
 * IP fragments, NFSv4.1 compounds, a connection taken mid-stream, a
 * non-standard port, a headers-only capture of packed records), plus broken
 * files (truncated, garbage, empty, not a capture).
 *
 * The RPC and NFS encodings follow RFC 5531, RFC 1813 and RFC 8881; they are
 * written here independently of the decoder in rpc.c, so the tests check
 * one against the other. Timestamps are nanoseconds, files are written with
 * nanosecond precision, so every expected time is exact.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "cap.h"
#include "mem.h"

#define US 1000ull
#define T0 1764000000000000000ull /* 2025-11-24, a round start */

struct syn {
	pcap_t *dead;
	pcap_dumper_t *d;
	int dlt, vlan, fam;
	uint32_t snaplen;
	uint64_t ts;
	uint16_t ipid;
	uint8_t frame[140000];
};

struct ep {
	uint8_t addr[16];
	uint16_t port;
};

struct flow {
	struct syn *s;
	struct ep e[2];      /* 0 client, 1 server */
	uint32_t isn[2];
	uint8_t proto;
};

/* ---- byte writer ----------------------------------------------------------------- */

struct xw {
	uint8_t *p;
	size_t n, cap;
	int oom;
};

static void xw_put(struct xw *w, const void *src, size_t n)
{
	if (MEM_GROW(&w->p, &w->cap, w->n + n, 4096)) {
		w->oom = 1;
		return;
	}
	if (src)
		memcpy(w->p + w->n, src, n);
	else
		memset(w->p + w->n, 0, n);
	w->n += n;
}
static void u32(struct xw *w, uint32_t v)
{
	uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
	xw_put(w, b, 4);
}
static void u64(struct xw *w, uint64_t v)
{
	u32(w, (uint32_t)(v >> 32));
	u32(w, (uint32_t)v);
}
static void opaque(struct xw *w, const void *data, uint32_t len)
{
	u32(w, len);
	xw_put(w, data, len);
	xw_put(w, NULL, (4 - (len & 3)) & 3);
}
static void fill(struct xw *w, uint32_t len, uint8_t seed)
{
	size_t at = w->n;
	xw_put(w, NULL, len);
	for (uint32_t i = 0; i < len && !w->oom; i++)
		w->p[at + i] = (uint8_t)(seed + i * 7);
}
static void data_opaque(struct xw *w, uint32_t len, uint8_t seed)
{
	u32(w, len);
	fill(w, len, seed);
	xw_put(w, NULL, (4 - (len & 3)) & 3);
}
static void set32(struct xw *w, size_t at, uint32_t v)
{
	if (w->oom)
		return;
	w->p[at] = (uint8_t)(v >> 24), w->p[at + 1] = (uint8_t)(v >> 16);
	w->p[at + 2] = (uint8_t)(v >> 8), w->p[at + 3] = (uint8_t)v;
}

/* Record marking (RFC 5531 11): a record is one or more fragments. */
static size_t rec_begin(struct xw *w)
{
	size_t at = w->n;
	u32(w, 0);
	return at;
}
static void rec_end(struct xw *w, size_t at, bool last)
{
	set32(w, at, (last ? 0x80000000u : 0) | (uint32_t)(w->n - at - 4));
}

static const uint8_t FH[28] = {1, 0, 0, 0, 0x4e, 0x46, 0x53, 0x43, 0x41, 0x50, 9, 9, 7, 7};

/* RFC 5531 9: call body with AUTH_SYS (RFC 5531 appendix A) */
static void call_hdr(struct xw *w, uint32_t xid, uint32_t prog, uint32_t vers, uint32_t proc)
{
	u32(w, xid);
	u32(w, 0);
	u32(w, 2);
	u32(w, prog);
	u32(w, vers);
	u32(w, proc);
	u32(w, 1);             /* AUTH_SYS */
	u32(w, 4 + (4 + 8) + 4 + 4 + 4 + 4); /* stamp, name, uid, gid, 1 gid */
	u32(w, 12345);         /* stamp */
	opaque(w, "synth", 5); /* machinename */
	u32(w, 0);             /* uid */
	u32(w, 0);             /* gid */
	u32(w, 1);             /* gids */
	u32(w, 0);
	u32(w, 0);             /* verifier AUTH_NONE */
	u32(w, 0);
}
static void reply_hdr(struct xw *w, uint32_t xid)
{
	u32(w, xid);
	u32(w, 1);
	u32(w, 0); /* MSG_ACCEPTED */
	u32(w, 0); /* verifier */
	u32(w, 0);
	u32(w, 0); /* SUCCESS */
}

/* NFSv3 calls and replies used by the scenarios (RFC 1813 3.3) */
enum { P_NULL = 0, P_GETATTR = 1, P_LOOKUP = 3, P_READ = 6, P_WRITE = 7, P_COMMIT = 21 };

static void v3_call(struct xw *w, uint32_t xid, int proc, uint64_t off, uint32_t count)
{
	size_t m = rec_begin(w);
	call_hdr(w, xid, 100003, 3, (uint32_t)proc);
	switch (proc) {
	case P_GETATTR:
		opaque(w, FH, sizeof(FH));
		break;
	case P_LOOKUP:
		opaque(w, FH, sizeof(FH));
		opaque(w, "missing.txt", 11);
		break;
	case P_READ:
	case P_COMMIT:
		opaque(w, FH, sizeof(FH));
		u64(w, off);
		u32(w, count);
		break;
	case P_WRITE:
		opaque(w, FH, sizeof(FH));
		u64(w, off);
		u32(w, count);
		u32(w, 0); /* UNSTABLE */
		data_opaque(w, count, (uint8_t)xid);
		break;
	}
	rec_end(w, m, true);
}

static void v3_reply(struct xw *w, uint32_t xid, int proc, uint32_t status, uint32_t count)
{
	size_t m = rec_begin(w);
	reply_hdr(w, xid);
	switch (proc) {
	case P_NULL:
		break;
	case P_GETATTR:
		u32(w, status);
		if (!status)
			xw_put(w, NULL, 84); /* fattr3 */
		break;
	case P_LOOKUP:
		u32(w, status);
		if (status) {
			u32(w, 0); /* dir_attributes absent */
		} else {
			opaque(w, FH, sizeof(FH));
			u32(w, 0);
			u32(w, 0);
		}
		break;
	case P_READ:
		u32(w, status);
		u32(w, 1); /* post_op_attr present */
		xw_put(w, NULL, 84);
		if (!status) {
			u32(w, count);
			u32(w, 0); /* eof */
			data_opaque(w, count, (uint8_t)(xid * 3));
		}
		break;
	case P_WRITE:
		u32(w, status);
		u32(w, 0); /* pre_op_attr absent */
		u32(w, 1); /* post_op_attr present */
		xw_put(w, NULL, 84);
		if (!status) {
			u32(w, count);
			u32(w, 0); /* committed UNSTABLE */
			u64(w, 0x1122334455667788ull);
		}
		break;
	case P_COMMIT:
		u32(w, status);
		u32(w, 0);
		u32(w, 0);
		u64(w, 0x1122334455667788ull);
		break;
	}
	rec_end(w, m, true);
}

/* ---- frames ------------------------------------------------------------------------- */

static size_t link_hdr(struct syn *s, uint8_t *f, bool v6, bool to_server)
{
	uint16_t et = v6 ? 0x86dd : 0x0800;
	size_t n = 0;
	switch (s->dlt) {
	case DLT_EN10MB: {
		static const uint8_t mc[6] = {2, 0, 0, 0, 0, 1}, ms[6] = {2, 0, 0, 0, 0, 2};
		memcpy(f, to_server ? ms : mc, 6);
		memcpy(f + 6, to_server ? mc : ms, 6);
		n = 12;
		if (s->vlan == 2) {
			f[n++] = 0x88, f[n++] = 0xa8, f[n++] = 0x00, f[n++] = 100;
		}
		if (s->vlan >= 1) {
			f[n++] = 0x81, f[n++] = 0x00, f[n++] = 0x00, f[n++] = 42;
		}
		f[n++] = (uint8_t)(et >> 8), f[n++] = (uint8_t)et;
		return n;
	}
	case DLT_LINUX_SLL:
		memset(f, 0, 16);
		f[1] = to_server ? 4 : 0; /* outgoing / to us */
		f[3] = 1;                 /* ARPHRD_ETHER */
		f[5] = 6;
		f[14] = (uint8_t)(et >> 8), f[15] = (uint8_t)et;
		return 16;
	case DLT_LINUX_SLL2:
		memset(f, 0, 20);
		f[0] = (uint8_t)(et >> 8), f[1] = (uint8_t)et;
		f[7] = 3;  /* ifindex */
		f[9] = 1;  /* ARPHRD_ETHER */
		f[10] = to_server ? 4 : 0;
		f[11] = 6;
		return 20;
	case DLT_NULL: { /* host byte order, as the capturing machine wrote it */
		uint32_t af = v6 ? 30 : 2;
		memcpy(f, &af, 4);
		return 4;
	}
	}
	return 0; /* DLT_RAW */
}

struct l4 {
	uint8_t proto, flags;
	uint32_t seq, ack;
	uint16_t win;
	bool opts;            /* SYN options: MSS, window scale 7 */
	/* IP fragmentation (UDP): */
	bool frag, more;
	uint32_t frag_off;    /* bytes */
	uint16_t id;
	uint32_t udp_total;   /* UDP payload length of the whole datagram */
	bool no_l4;           /* a later fragment */
	bool zero_totlen;     /* IPv4 total length 0, as GSO super-frames > 64 KiB */
	bool hbh;             /* IPv6 hop-by-hop header */
};

static int put_frame(struct syn *s, const struct ep *src, const struct ep *dst, bool to_server, const struct l4 *t,
		     const uint8_t *pl, uint32_t plen)
{
	uint8_t *f = s->frame;
	bool v6 = s->fam == 6;
	size_t n = link_hdr(s, f, v6, to_server), ip = n;
	size_t l4len = t->no_l4 ? 0 : t->proto == 6 ? (t->opts ? 28 : 20) : 8;
	size_t iphl = v6 ? 40 + (t->hbh ? 8 : 0) + (t->frag ? 8 : 0) : 20;

	if (ip + iphl + l4len + plen > sizeof(s->frame))
		return EINVAL;
	if (!v6) {
		uint32_t tot = (uint32_t)(iphl + l4len + plen);
		f[n] = 0x45, f[n + 1] = 0;
		f[n + 2] = t->zero_totlen || tot > 65535 ? 0 : (uint8_t)(tot >> 8);
		f[n + 3] = t->zero_totlen || tot > 65535 ? 0 : (uint8_t)tot;
		uint16_t id = t->frag ? t->id : ++s->ipid;
		f[n + 4] = (uint8_t)(id >> 8), f[n + 5] = (uint8_t)id;
		uint16_t fo = t->frag ? (uint16_t)((t->more ? 0x2000 : 0) | (t->frag_off / 8)) : 0x4000;
		f[n + 6] = (uint8_t)(fo >> 8), f[n + 7] = (uint8_t)fo;
		f[n + 8] = 64, f[n + 9] = t->proto;
		f[n + 10] = f[n + 11] = 0;
		memcpy(f + n + 12, src->addr, 4);
		memcpy(f + n + 16, dst->addr, 4);
		uint16_t c = cap_inet_csum(f + n, 20);
		f[n + 10] = (uint8_t)(c >> 8), f[n + 11] = (uint8_t)c;
		n += 20;
	} else {
		uint32_t pl6 = (uint32_t)(iphl - 40 + l4len + plen);
		f[n] = 0x60, f[n + 1] = f[n + 2] = f[n + 3] = 0;
		f[n + 4] = (uint8_t)(pl6 >> 8), f[n + 5] = (uint8_t)pl6;
		f[n + 6] = t->hbh ? 0 : t->frag ? 44 : t->proto;
		f[n + 7] = 64;
		memcpy(f + n + 8, src->addr, 16);
		memcpy(f + n + 24, dst->addr, 16);
		n += 40;
		if (t->hbh) { /* hop-by-hop with a PadN option */
			f[n] = t->frag ? 44 : t->proto, f[n + 1] = 0, f[n + 2] = 1, f[n + 3] = 4;
			memset(f + n + 4, 0, 4);
			n += 8;
		}
		if (t->frag) {
			uint16_t om = (uint16_t)(t->frag_off | (t->more ? 1 : 0));
			f[n] = t->proto, f[n + 1] = 0;
			f[n + 2] = (uint8_t)(om >> 8), f[n + 3] = (uint8_t)om;
			f[n + 4] = 0, f[n + 5] = 0, f[n + 6] = (uint8_t)(t->id >> 8), f[n + 7] = (uint8_t)t->id;
			n += 8;
		}
	}
	if (!t->no_l4 && t->proto == 6) {
		f[n] = (uint8_t)(src->port >> 8), f[n + 1] = (uint8_t)src->port;
		f[n + 2] = (uint8_t)(dst->port >> 8), f[n + 3] = (uint8_t)dst->port;
		for (int i = 0; i < 4; i++) {
			f[n + 4 + i] = (uint8_t)(t->seq >> (24 - 8 * i));
			f[n + 8 + i] = (uint8_t)(t->ack >> (24 - 8 * i));
		}
		f[n + 12] = (uint8_t)((l4len / 4) << 4);
		f[n + 13] = t->flags;
		f[n + 14] = (uint8_t)(t->win >> 8), f[n + 15] = (uint8_t)t->win;
		memset(f + n + 16, 0, 4);
		if (t->opts) {
			static const uint8_t o[8] = {2, 4, 0x05, 0xb4, 1, 3, 3, 7};
			memcpy(f + n + 20, o, 8);
		}
		n += l4len;
	} else if (!t->no_l4 && t->proto == 17) {
		uint32_t ul = 8 + (t->frag ? t->udp_total : plen);
		f[n] = (uint8_t)(src->port >> 8), f[n + 1] = (uint8_t)src->port;
		f[n + 2] = (uint8_t)(dst->port >> 8), f[n + 3] = (uint8_t)dst->port;
		f[n + 4] = (uint8_t)(ul >> 8), f[n + 5] = (uint8_t)ul;
		f[n + 6] = f[n + 7] = 0;
		n += 8;
	}
	if (plen)
		memcpy(f + n, pl, plen);
	n += plen;
	struct pcap_pkthdr h;
	h.ts.tv_sec = (time_t)(s->ts / 1000000000ull);
	h.ts.tv_usec = (suseconds_t)(s->ts % 1000000000ull); /* nanoseconds in a nano file */
	h.len = (uint32_t)n;
	h.caplen = (uint32_t)(n < s->snaplen ? n : s->snaplen);
	pcap_dump((u_char *)s->d, &h, f);
	return 0;
}

/* ---- TCP flows ----------------------------------------------------------------------- */

static void flow_init(struct flow *fl, struct syn *s, uint16_t cport, uint16_t sport)
{
	memset(fl, 0, sizeof(*fl));
	fl->s = s;
	fl->proto = 6;
	if (s->fam == 6) {
		static const uint8_t c6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x11};
		static const uint8_t s6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x03};
		memcpy(fl->e[0].addr, c6, 16);
		memcpy(fl->e[1].addr, s6, 16);
	} else {
		static const uint8_t c4[4] = {198, 18, 0, 11}, s4[4] = {198, 18, 0, 3};
		memcpy(fl->e[0].addr, c4, 4);
		memcpy(fl->e[1].addr, s4, 4);
	}
	fl->e[0].port = cport;
	fl->e[1].port = sport;
	fl->isn[0] = 1000000u + cport;
	fl->isn[1] = 4294000000u; /* wraps past 2^32 within the first megabytes */
}

static void tcp_send(struct flow *fl, int dir, uint8_t flags, uint32_t seq, uint32_t ack, const uint8_t *pl,
		     uint32_t len, bool zero_totlen)
{
	struct l4 t = {0};
	t.proto = 6;
	t.flags = flags;
	t.seq = seq;
	t.ack = ack;
	t.win = 512;
	t.opts = (flags & CAP_TH_SYN) != 0;
	t.zero_totlen = zero_totlen;
	t.hbh = fl->s->fam == 6 && (flags & CAP_TH_SYN);
	put_frame(fl->s, &fl->e[dir], &fl->e[!dir], dir == 0, &t, pl, len);
}

static void handshake(struct flow *fl)
{
	tcp_send(fl, 0, CAP_TH_SYN, fl->isn[0], 0, NULL, 0, false);
	fl->s->ts += 25 * US;
	tcp_send(fl, 1, CAP_TH_SYN | CAP_TH_ACK, fl->isn[1], fl->isn[0] + 1, NULL, 0, false);
	fl->s->ts += 5 * US;
	tcp_send(fl, 0, CAP_TH_ACK, fl->isn[0] + 1, fl->isn[1] + 1, NULL, 0, false);
	fl->s->ts += 10 * US;
}

/* Send stream bytes [off, off+len) of direction dir (offsets from the
 * first data byte). */
static void seg(struct flow *fl, int dir, const struct xw *st, size_t off, size_t len)
{
	tcp_send(fl, dir, CAP_TH_ACK | CAP_TH_PSH, fl->isn[dir] + 1 + (uint32_t)off, fl->isn[!dir] + 1,
		 st->p + off, (uint32_t)len, false);
}

static void ack(struct flow *fl, int dir, size_t acked_of_other)
{
	tcp_send(fl, dir, CAP_TH_ACK, fl->isn[dir] + 1, fl->isn[!dir] + 1 + (uint32_t)acked_of_other, NULL, 0,
		 false);
}

/* ---- files ------------------------------------------------------------------------------- */

static int open_file(struct syn *s, const char *dir, const char *name, int dlt, uint32_t snaplen, char *err,
		     size_t errlen)
{
	char path[4096];
	memset(s, 0, offsetof(struct syn, frame));
	s->dlt = dlt;
	s->fam = 4;
	s->snaplen = snaplen;
	s->ts = T0;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	s->dead = pcap_open_dead_with_tstamp_precision(dlt, (int)snaplen, PCAP_TSTAMP_PRECISION_NANO);
	if (!s->dead) {
		snprintf(err, errlen, "%s: pcap_open_dead failed", path);
		return ENOMEM;
	}
	s->d = pcap_dump_open(s->dead, path);
	if (!s->d) {
		snprintf(err, errlen, "%s: %s", path, pcap_geterr(s->dead));
		pcap_close(s->dead);
		return EIO;
	}
	return 0;
}

static void close_file(struct syn *s)
{
	pcap_dump_close(s->d);
	pcap_close(s->dead);
}

/* The basic exchange: one RPC of each kind, each record in its own segment,
 * 100 us apart, replies 40 us (+ 10 us per KiB) after their calls. Written
 * in every framing. */
static void scen_basic(struct syn *s, uint16_t sport)
{
	static const struct { int proc; uint32_t status, count; uint64_t off; } rpcs[] = {
		{P_NULL, 0, 0, 0}, {P_GETATTR, 0, 0, 0}, {P_LOOKUP, 2, 0, 0},
		{P_READ, 0, 4096, 8192}, {P_WRITE, 0, 4096, 65536}, {P_COMMIT, 0, 0, 0},
	};
	struct flow fl;
	struct xw c = {0}, r = {0};
	flow_init(&fl, s, 801, sport);
	handshake(&fl);
	for (unsigned i = 0; i < sizeof(rpcs) / sizeof(rpcs[0]); i++) {
		size_t c0 = c.n, r0 = r.n;
		v3_call(&c, 0x100 + i, rpcs[i].proc, rpcs[i].off, rpcs[i].count);
		v3_reply(&r, 0x100 + i, rpcs[i].proc, rpcs[i].status, rpcs[i].count);
		seg(&fl, 0, &c, c0, c.n - c0);
		s->ts += 40 * US + (c.n - c0) / 1024 * 10 * US;
		seg(&fl, 1, &r, r0, r.n - r0);
		s->ts += 5 * US;
		ack(&fl, 0, r.n);
		s->ts += 55 * US;
	}
	free(c.p);
	free(r.p);
}

/* A 96 KiB WRITE in three fragments, sent in 1000-byte segments; then its
 * reply; then a READ whose 96 KiB reply comes in 1448-byte segments. */
static void scen_split(struct syn *s)
{
	struct flow fl;
	struct xw c = {0}, r = {0};
	flow_init(&fl, s, 802, 2049);
	handshake(&fl);
	/* WRITE call: fragment 1 = header + args + 1000 bytes of data, fragment
	 * 2 = 50000 bytes, fragment 3 = the rest (RFC 5531 11 allows any split) */
	size_t m = rec_begin(&c);
	call_hdr(&c, 0x200, 100003, 3, P_WRITE);
	opaque(&c, FH, sizeof(FH));
	u64(&c, 0);
	u32(&c, 98304);
	u32(&c, 2);
	u32(&c, 98304);
	fill(&c, 1000, 1);
	rec_end(&c, m, false);
	m = rec_begin(&c);
	fill(&c, 50000, 2);
	rec_end(&c, m, false);
	m = rec_begin(&c);
	fill(&c, 98304 - 51000, 3);
	rec_end(&c, m, true);
	for (size_t off = 0; off < c.n; off += 1000) {
		seg(&fl, 0, &c, off, c.n - off < 1000 ? c.n - off : 1000);
		s->ts += 2 * US;
	}
	s->ts += 100 * US;
	v3_reply(&r, 0x200, P_WRITE, 0, 98304);
	seg(&fl, 1, &r, 0, r.n);
	s->ts += 50 * US;
	size_t c0 = c.n, r0 = r.n;
	v3_call(&c, 0x201, P_READ, 0, 98304);
	seg(&fl, 0, &c, c0, c.n - c0);
	s->ts += 30 * US;
	v3_reply(&r, 0x201, P_READ, 0, 98304);
	for (size_t off = r0; off < r.n; off += 1448) {
		seg(&fl, 1, &r, off, r.n - off < 1448 ? r.n - off : 1448);
		s->ts += 1 * US;
	}
	s->ts += 10 * US;
	ack(&fl, 0, r.n);
	free(c.p);
	free(r.p);
}

/* 40 READ calls in one segment (a TSO super-frame); their 4 KiB replies in
 * super-frames of 10, the last one larger than 64 KiB with IPv4 total
 * length 0 (as GSO/BIG TCP frames are captured). */
static void scen_many(struct syn *s)
{
	struct flow fl;
	struct xw c = {0}, r = {0};
	flow_init(&fl, s, 803, 2049);
	handshake(&fl);
	for (unsigned i = 0; i < 40; i++)
		v3_call(&c, 0x300 + i, P_READ, (uint64_t)i * 8192, 8192);
	seg(&fl, 0, &c, 0, c.n);
	s->ts += 200 * US;
	size_t starts[41];
	for (unsigned i = 0; i < 40; i++) {
		starts[i] = r.n;
		v3_reply(&r, 0x300 + (i * 7) % 40, P_READ, 0, i < 24 ? 4096 : 8192); /* out of order */
	}
	starts[40] = r.n;
	for (unsigned g = 0; g < 4; g++) {
		unsigned a = g * 10, b = g == 3 ? 40 : a + 10;
		tcp_send(&fl, 1, CAP_TH_ACK | CAP_TH_PSH, fl.isn[1] + 1 + (uint32_t)starts[a], fl.isn[0] + 1 + (uint32_t)c.n,
			 r.p + starts[a], (uint32_t)(starts[b] - starts[a]), g == 3);
		s->ts += 30 * US;
	}
	ack(&fl, 0, r.n);
	free(c.p);
	free(r.p);
}

/* Retransmissions: whole segments again, and a segment overlapping the
 * previous one; reordering: a call's middle segment after its last, and two
 * replies swapped. Counts and times must be as if none of it happened. */
static void scen_retrans_reorder(struct syn *s, bool reorder)
{
	struct flow fl;
	struct xw c = {0}, r = {0};
	flow_init(&fl, s, reorder ? 805 : 804, 2049);
	handshake(&fl);
	for (unsigned i = 0; i < 4; i++)
		v3_call(&c, 0x400 + i, P_WRITE, (uint64_t)i * 4096, 4096);
	/* each WRITE call is 4236 bytes: send in 1448-byte segments */
	size_t segs[16][2], ns = 0;
	for (size_t off = 0; off < c.n; off += 1448, ns++) {
		segs[ns][0] = off;
		segs[ns][1] = c.n - off < 1448 ? c.n - off : 1448;
	}
	for (size_t i = 0; i < ns; i++) {
		size_t k = i;
		if (reorder && (i == 1 || i == 2))
			k = i == 1 ? 2 : 1; /* the 2nd segment arrives after the 3rd */
		seg(&fl, 0, &c, segs[k][0], segs[k][1]);
		s->ts += 3 * US;
		if (!reorder && i == 3) {
			seg(&fl, 0, &c, segs[2][0], segs[2][1]); /* whole segment again */
			s->ts += 3 * US;
			seg(&fl, 0, &c, segs[4][0] - 100, 600);  /* 100 old bytes, 500 new */
			s->ts += 3 * US;
		}
	}
	s->ts += 100 * US;
	size_t st[5];
	for (unsigned i = 0; i < 4; i++) {
		st[i] = r.n;
		v3_reply(&r, 0x400 + i, P_WRITE, 0, 4096);
	}
	st[4] = r.n;
	for (unsigned i = 0; i < 4; i++) {
		unsigned k = i;
		if (reorder && (i == 1 || i == 2))
			k = i == 1 ? 2 : 1;
		seg(&fl, 1, &r, st[k], st[k + 1] - st[k]);
		s->ts += 10 * US;
		if (!reorder && i == 2) {
			seg(&fl, 1, &r, st[2], st[3] - st[2]); /* a reply sent again */
			s->ts += 10 * US;
		}
	}
	ack(&fl, 0, r.n);
	free(c.p);
	free(r.p);
}

/* A capture gap: the segment holding the 3rd call's header is missing, as
 * is a middle segment of the 5th reply (no header in it). The 3rd RPC is
 * lost; everything else is timed exactly. */
static void scen_gap(struct syn *s)
{
	struct flow fl;
	struct xw c = {0}, r = {0};
	flow_init(&fl, s, 806, 2049);
	handshake(&fl);
	for (unsigned i = 0; i < 6; i++) {
		size_t c0 = c.n, r0 = r.n;
		v3_call(&c, 0x500 + i, P_READ, (uint64_t)i * 8192, 8192);
		v3_reply(&r, 0x500 + i, P_READ, 0, 8192);
		if (i != 2)
			seg(&fl, 0, &c, c0, c.n - c0);
		s->ts += 50 * US;
		for (size_t off = r0, k = 0; off < r.n; off += 1448, k++) {
			if (!(i == 4 && k == 2))
				seg(&fl, 1, &r, off, r.n - off < 1448 ? r.n - off : 1448);
			s->ts += 2 * US;
		}
		ack(&fl, 0, r.n);
		s->ts += 1100 * US; /* long enough for a hole to be given up */
	}
	free(c.p);
	free(r.p);
}

/* Taken mid-stream: no handshake, the first segment starts inside a WRITE
 * call whose header came before the capture; its reply is an orphan. */
static void scen_midstream(struct syn *s)
{
	struct flow fl;
	struct xw c = {0}, r = {0};
	flow_init(&fl, s, 807, 2049);
	v3_call(&c, 0x600, P_WRITE, 0, 4096);
	v3_reply(&r, 0x600, P_WRITE, 0, 4096);
	size_t split = c.n;
	for (unsigned i = 1; i <= 3; i++) {
		v3_call(&c, 0x600 + i, P_GETATTR, 0, 0);
		v3_reply(&r, 0x600 + i, P_GETATTR, 0, 0);
	}
	seg(&fl, 0, &c, 3000, split - 3000);
	s->ts += 20 * US;
	size_t r1 = 0;
	{
		struct xw t = {0};
		v3_reply(&t, 0x600, P_WRITE, 0, 4096);
		r1 = t.n;
		free(t.p);
	}
	seg(&fl, 1, &r, 0, r1);
	s->ts += 20 * US;
	size_t co = split;
	for (unsigned i = 1; i <= 3; i++) {
		struct xw t = {0};
		v3_call(&t, 0x600 + i, P_GETATTR, 0, 0);
		seg(&fl, 0, &c, co, t.n);
		co += t.n;
		s->ts += 30 * US;
		struct xw u = {0};
		v3_reply(&u, 0x600 + i, P_GETATTR, 0, 0);
		seg(&fl, 1, &r, r1, u.n);
		r1 += u.n;
		s->ts += 30 * US;
		free(t.p);
		free(u.p);
	}
	free(c.p);
	free(r.p);
}

/* NFS on a non-standard port, next to a TCP flow that is not RPC at all. */
static void scen_port(struct syn *s)
{
	struct flow web;
	struct xw h = {0};
	flow_init(&web, s, 40000, 80);
	handshake(&web);
	const char *get = "GET / HTTP/1.1\r\nHost: example\r\n\r\n";
	xw_put(&h, get, strlen(get));
	seg(&web, 0, &h, 0, h.n);
	s->ts += 20 * US;
	free(h.p);
	scen_basic(s, 20490);
}

/* Headers only, records packed: 12 GETATTR calls in one segment at snaplen
 * 200 can only show the first header; the others are counted as hidden. */
static void scen_packed_snap(struct syn *s)
{
	struct flow fl;
	struct xw c = {0}, r = {0};
	flow_init(&fl, s, 808, 2049);
	handshake(&fl);
	for (unsigned i = 0; i < 12; i++)
		v3_call(&c, 0x700 + i, P_GETATTR, 0, 0);
	seg(&fl, 0, &c, 0, c.n);
	s->ts += 60 * US;
	for (unsigned i = 0; i < 12; i++) {
		size_t r0 = r.n;
		v3_reply(&r, 0x700 + i, P_GETATTR, 0, 0);
		seg(&fl, 1, &r, r0, r.n - r0);
		s->ts += 7 * US;
	}
	free(c.p);
	free(r.p);
}

/* NFSv4.1: EXCHANGE_ID, SEQUENCE+PUTFH+READ, SEQUENCE+PUTFH+WRITE+GETATTR,
 * SEQUENCE+PUTFH+LOOKUP failing with NFS4ERR_NOENT, SEQUENCE alone. */
static void v4_seq_args(struct xw *w)
{
	u32(w, 53); /* SEQUENCE */
	fill(w, 16, 9);
	u32(w, 7);
	u32(w, 0);
	u32(w, 0);
	u32(w, 0);
}
static void v4_seq_res(struct xw *w)
{
	u32(w, 53);
	u32(w, 0);
	fill(w, 16, 9);
	u32(w, 7);
	u32(w, 0);
	u32(w, 0);
	u32(w, 0);
	u32(w, 0);
}

static void scen_v4(struct syn *s)
{
	struct flow fl;
	struct xw c = {0}, r = {0};
	flow_init(&fl, s, 809, 2049);
	handshake(&fl);
	for (unsigned i = 0; i < 5; i++) {
		size_t c0 = c.n, r0 = r.n, m = rec_begin(&c), mr = rec_begin(&r);
		uint32_t xid = 0x800 + i;
		call_hdr(&c, xid, 100003, 4, 1);
		opaque(&c, "", 0);
		u32(&c, 1); /* minorversion */
		reply_hdr(&r, xid);
		switch (i) {
		case 0: /* EXCHANGE_ID */
			u32(&c, 1);
			u32(&c, 42);
			fill(&c, 8, 1);
			opaque(&c, "synth-client", 12);
			u32(&c, 0);
			u32(&c, 0); /* SP4_NONE */
			u32(&c, 0); /* no impl id */
			u32(&r, 0);
			opaque(&r, "", 0);
			u32(&r, 1);
			u32(&r, 42);
			u32(&r, 0);
			u64(&r, 0x55);
			u32(&r, 1);
			u32(&r, 0);
			u32(&r, 0); /* SP4_NONE */
			u64(&r, 0);
			opaque(&r, "srv", 3);
			opaque(&r, "scope", 5);
			u32(&r, 0);
			break;
		case 1: /* READ */
			u32(&c, 3);
			v4_seq_args(&c);
			u32(&c, 22);
			opaque(&c, FH, sizeof(FH));
			u32(&c, 25);
			fill(&c, 16, 4);
			u64(&c, 0);
			u32(&c, 8192);
			u32(&r, 0);
			opaque(&r, "", 0);
			u32(&r, 3);
			v4_seq_res(&r);
			u32(&r, 22);
			u32(&r, 0);
			u32(&r, 25);
			u32(&r, 0);
			u32(&r, 0);
			data_opaque(&r, 8192, 5);
			break;
		case 2: /* WRITE + GETATTR */
			u32(&c, 4);
			v4_seq_args(&c);
			u32(&c, 22);
			opaque(&c, FH, sizeof(FH));
			u32(&c, 38);
			fill(&c, 16, 4);
			u64(&c, 8192);
			u32(&c, 2);
			data_opaque(&c, 4096, 6);
			u32(&c, 9);
			u32(&c, 1);
			u32(&c, 0x18);
			u32(&r, 0);
			opaque(&r, "", 0);
			u32(&r, 4);
			v4_seq_res(&r);
			u32(&r, 22);
			u32(&r, 0);
			u32(&r, 38);
			u32(&r, 0);
			u32(&r, 4096);
			u32(&r, 2);
			u64(&r, 7);
			u32(&r, 9);
			u32(&r, 0);
			u32(&r, 1);
			u32(&r, 0x18);
			opaque(&r, "12345678abcdefgh", 16);
			break;
		case 3: /* LOOKUP fails */
			u32(&c, 3);
			v4_seq_args(&c);
			u32(&c, 22);
			opaque(&c, FH, sizeof(FH));
			u32(&c, 15);
			opaque(&c, "nothere", 7);
			u32(&r, 2);
			opaque(&r, "", 0);
			u32(&r, 3);
			v4_seq_res(&r);
			u32(&r, 22);
			u32(&r, 0);
			u32(&r, 15);
			u32(&r, 2); /* NFS4ERR_NOENT */
			break;
		case 4: /* SEQUENCE alone (a lease renewal) */
			u32(&c, 1);
			v4_seq_args(&c);
			u32(&r, 0);
			opaque(&r, "", 0);
			u32(&r, 1);
			v4_seq_res(&r);
			break;
		}
		rec_end(&c, m, true);
		rec_end(&r, mr, true);
		seg(&fl, 0, &c, c0, c.n - c0);
		s->ts += 70 * US;
		seg(&fl, 1, &r, r0, r.n - r0);
		s->ts += 30 * US;
	}
	free(c.p);
	free(r.p);
}

/* RPC over UDP: a GETATTR, and a READ whose 8 KiB reply is split in IP
 * fragments (the last one 20 us after the first). */
static void scen_udp(struct syn *s)
{
	struct flow fl;
	flow_init(&fl, s, 810, 2049);
	for (unsigned i = 0; i < 2; i++) {
		struct xw c = {0}, r = {0};
		int proc = i ? P_READ : P_GETATTR;
		v3_call(&c, 0x900 + i, proc, 0, 8192);
		v3_reply(&r, 0x900 + i, proc, 0, 8192);
		/* UDP carries no record mark: skip the 4 bytes */
		struct l4 t = {0};
		t.proto = 17;
		put_frame(s, &fl.e[0], &fl.e[1], true, &t, c.p + 4, (uint32_t)(c.n - 4));
		s->ts += 60 * US;
		uint32_t total = (uint32_t)(r.n - 4);
		if (!i) {
			put_frame(s, &fl.e[1], &fl.e[0], false, &t, r.p + 4, total);
		} else {
			/* fragments of 1480 bytes of IP payload; UDP header in the first */
			uint8_t buf[9000];
			memcpy(buf, r.p + 4, total);
			uint32_t ip_total = 8 + total, off = 0;
			while (off < ip_total) {
				uint32_t n = ip_total - off > 1480 ? 1480 : ip_total - off;
				struct l4 f = {0};
				f.proto = 17;
				f.frag = true;
				f.more = off + n < ip_total;
				f.frag_off = off;
				f.id = 0x4242;
				f.udp_total = total;
				if (off == 0) {
					put_frame(s, &fl.e[1], &fl.e[0], false, &f, buf, n - 8);
				} else {
					f.no_l4 = true;
					put_frame(s, &fl.e[1], &fl.e[0], false, &f, buf + off - 8, n);
				}
				off += n;
				s->ts += 4 * US;
			}
		}
		s->ts += 50 * US;
		free(c.p);
		free(r.p);
	}
}

/* ---- load captures for the benchmark (`nfscap synth --load KIND N FILE`) ----
 * clean:   N packets of GETATTR calls and replies on one connection, the anchor;
 * syn:     N SYNs, each on its own 5-tuple (a scan or a SYN flood);
 * conns:   N connections of one GETATTR each: SYN, call, reply;
 * noreply: N GETATTR calls on one connection, never answered;
 * collide: like noreply, but 4096 XIDs again and again, chosen so that an
 *          unseeded multiplicative hash (x * 0x9e3779b1, folded) puts them
 *          all in one slot of an 8192-slot table: what an attacker who
 *          knows the hash sends.
 * Client addresses run through 198.18.128.0/17 and all ports, so no two
 * connections share a 5-tuple. */
static void load_flow(struct flow *fl, struct syn *s, uint64_t i)
{
	flow_init(fl, s, (uint16_t)(1024 + i % 60000), 2049);
	uint64_t host = i / 60000;
	fl->e[0].addr[1] = (uint8_t)(18 + (host >> 15 & 1));
	fl->e[0].addr[2] = (uint8_t)(128 | (host >> 8 & 0x7f));
	fl->e[0].addr[3] = (uint8_t)host;
	fl->isn[0] = (uint32_t)(i * 2654435761u);
}

/* One GETATTR call from the client's next byte (and its reply). */
static void load_rpc(struct flow *fl, struct xw *w, uint32_t xid, uint32_t *cseq, uint32_t *rseq, bool reply)
{
	w->n = 0;
	v3_call(w, xid, P_GETATTR, 0, 0);
	tcp_send(fl, 0, CAP_TH_ACK | CAP_TH_PSH, *cseq, *rseq, w->p, (uint32_t)w->n, false);
	*cseq += (uint32_t)w->n;
	fl->s->ts += 20 * US;
	if (!reply)
		return;
	w->n = 0;
	v3_reply(w, xid, P_GETATTR, 0, 0);
	tcp_send(fl, 1, CAP_TH_ACK | CAP_TH_PSH, *rseq, *cseq, w->p, (uint32_t)w->n, false);
	*rseq += (uint32_t)w->n;
	fl->s->ts += 20 * US;
}

int cap_synth_load(const char *path, const char *kind, uint64_t n, char *err, size_t errlen)
{
	static struct syn s;
	static uint32_t xids[4096];
	uint32_t xid = 0;
	struct flow fl;
	struct xw w = {0};
	int k = !strcmp(kind, "clean") ? 0 : !strcmp(kind, "syn") ? 1 : !strcmp(kind, "conns") ? 2
		: !strcmp(kind, "noreply") ? 3 : !strcmp(kind, "collide") ? 4 : -1;
	char dir[4096];
	const char *slash = strrchr(path, '/');

	if (k < 0) {
		snprintf(err, errlen, "--load: '%s' is not clean, syn, conns, noreply or collide", kind);
		return EINVAL;
	}
	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path) : 1, slash ? path : ".");
	int rc = open_file(&s, dir, slash ? slash + 1 : path, DLT_EN10MB, 262144, err, errlen);
	if (rc)
		return rc;
	load_flow(&fl, &s, 0);
	if (k == 0 || k >= 3)
		handshake(&fl);
	uint32_t cseq = fl.isn[0] + 1, rseq = fl.isn[1] + 1;
	for (uint64_t i = 0; i < n && !w.oom; i++) {
		switch (k) {
		case 0: /* two packets per RPC */
			load_rpc(&fl, &w, (uint32_t)(0x1000 + i), &cseq, &rseq, true);
			i++;
			break;
		case 3:
			load_rpc(&fl, &w, (uint32_t)(0x1000 + i), &cseq, &rseq, false);
			break;
		case 4:
			if (i < 4096) {
				do {
					uint32_t h = ++xid * 0x9e3779b1u;
					if (!((h ^ h >> 15) & 8191))
						break;
				} while (1);
				xids[i] = xid;
			}
			load_rpc(&fl, &w, xids[i % 4096], &cseq, &rseq, false);
			break;
		case 1:
			load_flow(&fl, &s, i);
			tcp_send(&fl, 0, CAP_TH_SYN, fl.isn[0], 0, NULL, 0, false);
			s.ts += 2 * US;
			break;
		case 2: /* three packets per connection */
			load_flow(&fl, &s, i);
			tcp_send(&fl, 0, CAP_TH_SYN, fl.isn[0], 0, NULL, 0, false);
			s.ts += 10 * US;
			cseq = fl.isn[0] + 1, rseq = fl.isn[1] + 1;
			load_rpc(&fl, &w, 0x77, &cseq, &rseq, true);
			break;
		}
	}
	free(w.p);
	close_file(&s);
	if (w.oom) {
		snprintf(err, errlen, "%s: out of memory", path);
		return ENOMEM;
	}
	return 0;
}

/* ---- a multi-point attribution load (make bench) ------------------------------
 * `nfscap synth --attr N DIR`: N RPCs seen by nfsbench's trace (DIR/app.trace)
 * and at the guest, host-in, host-out and storage points (DIR/POINT.pcap), as
 * `nfscap attribute` reads them: 32 connections, an RPC every 20 us (50 k/s),
 * three GETATTRs to one 4 KiB READ (snaplen 256: headers only), each hop a
 * few microseconds plus jitter, now and then a host queue (0.5 %) or a slow
 * server (1 %), host-out's clock 1.2 ms behind, storage's 3.7 ms ahead. Each
 * point's packets are written in time order through a small heap of the
 * RPCs in flight. Deterministic. */
#define ATT_CONNS 32
#define ATT_NPT 4
#define ATT_GAP (20 * US)

struct att_ev {
	uint64_t ts;
	uint32_t xid;
	uint8_t conn, dir, proc;
};

struct att_pt {
	struct syn s;
	struct flow fl[ATT_CONNS];
	uint32_t seq[ATT_CONNS][2];
	struct att_ev *h;
	size_t n, cap;
};

static bool att_push(struct att_pt *p, struct att_ev e)
{
	if (MEM_GROW(&p->h, &p->cap, p->n + 1, 256))
		return false;
	size_t i = p->n++;
	for (; i && p->h[(i - 1) / 2].ts > e.ts; i = (i - 1) / 2)
		p->h[i] = p->h[(i - 1) / 2];
	p->h[i] = e;
	return true;
}

static struct att_ev att_pop(struct att_pt *p)
{
	struct att_ev top = p->h[0], last = p->h[--p->n];
	size_t i = 0;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= p->n)
			break;
		if (c + 1 < p->n && p->h[c + 1].ts < p->h[c].ts)
			c++;
		if (p->h[c].ts >= last.ts)
			break;
		p->h[i] = p->h[c];
		i = c;
	}
	if (p->n)
		p->h[i] = last;
	return top;
}

/* Write the point's packets up to time t. */
static void att_flush(struct att_pt *p, uint64_t t, struct xw *w)
{
	while (p->n && p->h[0].ts <= t) {
		struct att_ev e = att_pop(p);
		uint32_t *sq = p->seq[e.conn];
		w->n = 0;
		if (e.dir == 0)
			v3_call(w, e.xid, e.proc, (uint64_t)e.xid * 4096, 4096);
		else
			v3_reply(w, e.xid, e.proc, 0, 4096);
		p->s.ts = e.ts;
		tcp_send(&p->fl[e.conn], e.dir, CAP_TH_ACK | CAP_TH_PSH, sq[e.dir], sq[!e.dir], w->p, (uint32_t)w->n,
			 false);
		sq[e.dir] += (uint32_t)w->n;
	}
}

static void att_le(uint8_t *b, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		b[i] = (uint8_t)(v >> (8 * i));
}

int cap_synth_attr(const char *dir, uint64_t n, char *err, size_t errlen)
{
	static const char *const names[ATT_NPT] = {"guest.pcap", "host-in.pcap", "host-out.pcap", "storage.pcap"};
	static const int64_t shift[ATT_NPT] = {0, 0, -1200 * (int64_t)US, 3700 * (int64_t)US};
	struct att_pt *pt = calloc(ATT_NPT, sizeof(*pt));
	struct xw w = {0};
	char path[4096];
	uint8_t b[48] = {0};
	uint64_t rnd = 88172645463325252ull;
	int rc = 0, np = 0;

	if (!pt) {
		snprintf(err, errlen, "out of memory");
		return ENOMEM;
	}
	snprintf(path, sizeof(path), "%s/app.trace", dir);
	FILE *tf = fopen(path, "wb");
	if (!tf) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		free(pt);
		return EIO;
	}
	memcpy(b, "NFSBTRC1", 8);
	att_le(b + 8, 1, 4);
	att_le(b + 12, 48, 4);
	fwrite(b, 1, 48, tf);
	for (; np < ATT_NPT && !rc; np++) {
		struct att_pt *p = &pt[np];
		if ((rc = open_file(&p->s, dir, names[np], DLT_EN10MB, 256, err, errlen)))
			break;
		for (unsigned c = 0; c < ATT_CONNS; c++) {
			load_flow(&p->fl[c], &p->s, c);
			p->s.ts = (uint64_t)((int64_t)T0 + shift[np]) + c * 100 * US;
			handshake(&p->fl[c]);
			p->seq[c][0] = p->fl[c].isn[0] + 1;
			p->seq[c][1] = p->fl[c].isn[1] + 1;
		}
	}
	for (unsigned c = 0; c < ATT_CONNS && !rc; c++) {
		const struct flow *f = &pt[0].fl[c];
		memset(b, 0, sizeof(b));
		b[0] = 2, b[1] = 4;
		att_le(b + 2, f->e[0].port, 2);
		att_le(b + 4, f->e[1].port, 2);
		att_le(b + 6, c, 2);
		memcpy(b + 16, f->e[0].addr, 4);
		memcpy(b + 32, f->e[1].addr, 4);
		fwrite(b, 1, 48, tf);
	}
	for (uint64_t i = 0; i < n && !rc && !w.oom; i++) {
		uint64_t r[12];
		for (int k = 0; k < 12; k++) {
			rnd ^= rnd << 13, rnd ^= rnd >> 7, rnd ^= rnd << 17;
			r[k] = rnd;
		}
		uint64_t issue = T0 + 1000000000ull + i * ATT_GAP;
		/* call: app, guest, host-in, host-out, storage; the reply back out */
		uint64_t tc[ATT_NPT], tr[ATT_NPT];
		tc[0] = issue + 8 * US + r[0] % (4 * US);
		tc[1] = tc[0] + 3 * US + r[1] % (2 * US);
		tc[2] = tc[1] + 4 * US + r[2] % (3 * US) + (r[3] % 200 == 0 ? 500 * US : 0);
		tc[3] = tc[2] + 10 * US + r[4] % (5 * US);
		tr[3] = tc[3] + 40 * US + r[5] % (60 * US) + (r[6] % 100 == 0 ? 3000 * US : 0);
		tr[2] = tr[3] + 10 * US + r[7] % (5 * US);
		tr[1] = tr[2] + 4 * US + r[8] % (3 * US);
		tr[0] = tr[1] + 3 * US + r[9] % (2 * US);
		uint64_t done = tr[0] + 8 * US + r[10] % (4 * US);
		uint8_t conn = (uint8_t)(i % ATT_CONNS), proc = i % 4 ? P_GETATTR : P_READ;
		uint32_t xid = (uint32_t)(0x10000 + i);
		for (int p = 0; p < ATT_NPT && !rc; p++) {
			att_flush(&pt[p], (uint64_t)((int64_t)issue + shift[p]), &w);
			if (!att_push(&pt[p], (struct att_ev){(uint64_t)((int64_t)tc[p] + shift[p]), xid, conn, 0, proc}) ||
			    !att_push(&pt[p], (struct att_ev){(uint64_t)((int64_t)tr[p] + shift[p]), xid, conn, 1, proc}))
				rc = ENOMEM;
		}
		memset(b, 0, sizeof(b));
		b[0] = 1, b[1] = proc == P_READ ? 0 : 3; /* nfsbench's enum nb_op */
		att_le(b + 4, xid, 4);
		att_le(b + 8, issue, 8);
		att_le(b + 16, done, 8);
		att_le(b + 44, conn, 2);
		fwrite(b, 1, 48, tf);
	}
	for (int p = 0; p < np; p++) {
		att_flush(&pt[p], UINT64_MAX, &w);
		close_file(&pt[p].s);
		free(pt[p].h);
	}
	free(w.p);
	free(pt);
	if (fclose(tf) && !rc) {
		snprintf(err, errlen, "%s/app.trace: %s", dir, strerror(errno));
		rc = EIO;
	}
	if (!rc && w.oom)
		rc = ENOMEM;
	if (rc == ENOMEM)
		snprintf(err, errlen, "%s: out of memory", dir);
	return rc;
}

static int write_raw(const char *dir, const char *name, const void *p, size_t n, char *err, size_t errlen)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(p, 1, n, f) != n || fclose(f)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		if (f)
			fclose(f);
		return EIO;
	}
	return 0;
}

int cap_synth_all(const char *dir, char *err, size_t errlen)
{
	static struct syn s; /* the frame buffer is large: not on the stack */
	static const struct { const char *name; int dlt, vlan, fam; } framings[] = {
		{"v3_basic.pcap", DLT_EN10MB, 0, 4}, {"vlan.pcap", DLT_EN10MB, 1, 4},
		{"qinq.pcap", DLT_EN10MB, 2, 4}, {"sll.pcap", DLT_LINUX_SLL, 0, 4},
		{"sll2.pcap", DLT_LINUX_SLL2, 0, 4}, {"raw.pcap", DLT_RAW, 0, 4},
		{"null.pcap", DLT_NULL, 0, 4}, {"ipv6.pcap", DLT_EN10MB, 0, 6},
		{"sll2_ipv6.pcap", DLT_LINUX_SLL2, 0, 6},
	};
	int rc;

	for (unsigned i = 0; i < sizeof(framings) / sizeof(framings[0]); i++) {
		if ((rc = open_file(&s, dir, framings[i].name, framings[i].dlt, 262144, err, errlen)))
			return rc;
		s.vlan = framings[i].vlan;
		s.fam = framings[i].fam;
		scen_basic(&s, 2049);
		close_file(&s);
	}
	struct { const char *name; void (*fn)(struct syn *); uint32_t snap; } scen[] = {
		{"split_record.pcap", scen_split, 262144},
		{"many_records.pcap", scen_many, 262144},
		{"gap.pcap", scen_gap, 262144},
		{"midstream.pcap", scen_midstream, 262144},
		{"port.pcap", scen_port, 262144},
		{"packed_snap200.pcap", scen_packed_snap, 200},
		{"v4.pcap", scen_v4, 262144},
		{"udp.pcap", scen_udp, 262144},
		{"v3_snap96.pcap", NULL, 96},
	};
	for (unsigned i = 0; i < sizeof(scen) / sizeof(scen[0]); i++) {
		if ((rc = open_file(&s, dir, scen[i].name, DLT_EN10MB, scen[i].snap, err, errlen)))
			return rc;
		if (scen[i].fn)
			scen[i].fn(&s);
		else
			scen_basic(&s, 2049); /* headers only: the same answers as v3_basic */
		close_file(&s);
	}
	if ((rc = open_file(&s, dir, "retrans.pcap", DLT_EN10MB, 262144, err, errlen)))
		return rc;
	scen_retrans_reorder(&s, false);
	close_file(&s);
	if ((rc = open_file(&s, dir, "reorder.pcap", DLT_EN10MB, 262144, err, errlen)))
		return rc;
	scen_retrans_reorder(&s, true);
	close_file(&s);

	/* broken files: cut v3_basic in its last packet; garbage; empty; text */
	char path[4096];
	snprintf(path, sizeof(path), "%s/v3_basic.pcap", dir);
	FILE *f = fopen(path, "rb");
	uint8_t buf[8192];
	size_t n = f ? fread(buf, 1, sizeof(buf), f) : 0;
	if (f)
		fclose(f);
	if (n < 200) {
		snprintf(err, errlen, "%s: could not read back", path);
		return EIO;
	}
	if ((rc = write_raw(dir, "truncated.pcap", buf, n - 30, err, errlen)))
		return rc;
	uint32_t x = 2463534242u;
	for (size_t i = 0; i < 3000; i++) {
		x ^= x << 13, x ^= x >> 17, x ^= x << 5; /* xorshift: the same garbage each time */
		buf[i] = (uint8_t)x;
	}
	if ((rc = write_raw(dir, "garbage.bin", buf, 3000, err, errlen)))
		return rc;
	if ((rc = write_raw(dir, "empty.pcap", "", 0, err, errlen)))
		return rc;
	const char *txt = "This is not a capture file.\n";
	if ((rc = write_raw(dir, "notpcap.txt", txt, strlen(txt), err, errlen)))
		return rc;
	/* a valid capture with no packets */
	if ((rc = open_file(&s, dir, "nopackets.pcap", DLT_EN10MB, 262144, err, errlen)))
		return rc;
	close_file(&s);
	return 0;
}
