/* rpccap.c - `nfscap capture`: read whole packets, write only what names
 * and times every RPC.
 *
 * Why: with TSO/GSO/GRO a 64 KiB segment holds many RPC records, and their
 * headers lie beyond any headers-only snaplen; a full capture writes the
 * whole transfer. This follows every TCP direction's record marks (RFC 5531
 * section 11) by sequence arithmetic, as stream.c does, and keeps exactly
 * the bytes that matter.
 *
 * File format: a classic pcap file (nanosecond magic a1b23c4d, the input's
 * link type, snaplen 262144) that tshark and tcpdump open as they open any
 * capture. Every packet read is written, with its own timestamp, so the
 * packet holding a record's first or last byte is always there. A TCP
 * packet whose payload holds nothing worth keeping is written as its
 * headers only (caplen = headers, orig_len = wire length), like a
 * headers-only capture. A TCP packet whose payload holds record headers is
 * cut at the bytes to keep: each piece is a pcap record with the packet's
 * timestamp and its true link, IP and TCP headers, where the TCP sequence
 * number is that of the piece's first byte, the IP length (IPv4 total
 * length, with its checksum, or IPv6 payload length) and orig_len are the
 * piece's true lengths, SYN stays on the first piece and FIN on the last;
 * the piece's captured bytes are its first ones (caplen < orig_len: the
 * rest is "not captured"). The pieces of a packet cover its payload exactly
 * and in order, so sequence numbers and lengths stay truthful. Kept bytes:
 * for every fragment header, the 4-byte mark and the RC_KEEP - 4 bytes
 * after it (the RPC and NFS header: xid, program, procedure, status,
 * offsets, counts), even across packets; while a direction does not know
 * where its records are (taken mid-stream, after a capture drop) the first
 * RC_KEEP bytes of each packet, so the analyzer can find them too. UDP:
 * the first RC_KEEP payload bytes. Anything else: the first 128 bytes.
 * So `nfscap report` and `nfscap attribute` read the file as any other
 * capture and find every record where the full capture has it; the packet
 * and TCP segment counts of a report count pieces.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "cfg.h"
#include "cli.h"
#include "err.h"
#include "rpccap.h"
#include "tm.h"

#define RC_SNAP 262144
#define RC_OTHER 128                  /* bytes kept of packets we do not follow */
#define RC_NBUCKETS (1u << 16)
#define RC_MAX_DIRS (1u << 18)
#define RC_GIVEUP (1u << 20)          /* bytes scanned for a header before giving up */
#define RC_MAXPIECES 1024

/* One direction of a TCP connection. Sequence numbers are unwrapped to 64
 * bits from the first one seen. */
struct rc_dir {
	struct rc_dir *next;
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
	uint8_t fam, synced, in_rec, mb_len, giveup, any_prog, seen, ever;
	uint8_t mb[4];
	uint64_t hi;        /* bytes below were walked */
	uint64_t mark;      /* synced: where the next fragment header starts */
	uint64_t keep;      /* bytes below are to be kept */
	uint64_t scanned;
	uint64_t hole_lo, hole_hi; /* the last hole, [lo, hi) still to come */
	uint64_t hole_keep;        /* bytes of it to keep when they come */
};

struct rc_piece {
	uint64_t start, kend; /* the piece starts at start; [start, kend) is kept */
};

struct rc {
	pcap_dumper_t *out;
	int dlt;
	struct rc_opts o;
	struct rc_dir **tab;
	uint32_t ndirs;
	struct rc_stats st;
	struct rc_piece pc[RC_MAXPIECES];
	unsigned npc;
	uint8_t *buf;       /* a piece being written */
};

int rc_new(struct rc **rp, pcap_dumper_t *out, int dlt, const struct rc_opts *o)
{
	struct rc *r = calloc(1, sizeof(*r));
	if (!r)
		return ENOMEM;
	r->tab = calloc(RC_NBUCKETS, sizeof(*r->tab));
	r->buf = malloc(RC_SNAP);
	if (!r->tab || !r->buf) {
		rc_free(r);
		return ENOMEM;
	}
	r->out = out;
	r->dlt = dlt;
	if (o)
		r->o = *o;
	*rp = r;
	return 0;
}

void rc_free(struct rc *r)
{
	if (!r)
		return;
	for (uint32_t i = 0; r->tab && i < RC_NBUCKETS; i++) {
		struct rc_dir *d = r->tab[i], *n;
		for (; d; d = n) {
			n = d->next;
			free(d);
		}
	}
	free(r->tab);
	free(r->buf);
	free(r);
}

void rc_get_stats(const struct rc *r, struct rc_stats *s)
{
	*s = r->st;
}

static bool port_listed(const struct rc *r, uint16_t port)
{
	for (unsigned i = 0; i < r->o.nports; i++)
		if (r->o.ports[i] == port)
			return true;
	return false;
}

static uint32_t dir_hash(const struct cap_pkt *p)
{
	uint32_t h = 2166136261u;
	for (int i = 0; i < 16; i++)
		h = (h ^ p->src[i] ^ (uint32_t)p->dst[i] << 8) * 16777619u;
	h = (h ^ p->sport ^ (uint32_t)p->dport << 16) * 16777619u;
	return (h ^ h >> 16) & (RC_NBUCKETS - 1);
}

/* The direction's state; NULL when not followed (other ports, table full). */
static struct rc_dir *dir_get(struct rc *r, const struct cap_pkt *p)
{
	bool listed = port_listed(r, p->sport) || port_listed(r, p->dport);
	if (r->o.nports && !listed)
		return NULL;
	struct rc_dir **b = &r->tab[dir_hash(p)], *d;
	for (d = *b; d; d = d->next)
		if (d->sport == p->sport && d->dport == p->dport && d->fam == p->fam &&
		    !memcmp(d->src, p->src, 16) && !memcmp(d->dst, p->dst, 16))
			return d;
	if (r->ndirs >= RC_MAX_DIRS || !(d = calloc(1, sizeof(*d))))
		return NULL;
	memcpy(d->src, p->src, 16);
	memcpy(d->dst, p->dst, 16);
	d->sport = p->sport;
	d->dport = p->dport;
	d->fam = p->fam;
	/* as stream.c: a listed port or 2049 carries RPC of any program */
	d->any_prog = listed || (!r->o.nports && (p->sport == 2049 || p->dport == 2049));
	d->next = *b;
	*b = d;
	r->ndirs++;
	return d;
}

/* Ask for bytes [a, b) of the segment to be kept: extend the current
 * piece's kept prefix, or start a piece at a. */
static void need(struct rc *r, uint64_t a, uint64_t b)
{
	struct rc_piece *c = &r->pc[r->npc - 1];
	if (b <= a || b <= c->kend)
		return;
	if (a <= c->kend) {
		c->kend = b;
		return;
	}
	if (r->npc == RC_MAXPIECES) {
		c->kend = b; /* cannot happen with RC_KEEP-sized needs; keep, do not lose */
		return;
	}
	r->pc[r->npc++] = (struct rc_piece){a, b};
}

static void lose_sync(struct rc *r, struct rc_dir *d)
{
	d->synced = 0;
	d->in_rec = 0;
	d->mb_len = 0;
	r->st.desyncs++;
}

/* Not synced: find a plausible record header in the captured bytes
 * [pos, S + cap) (as stream.c's resync, without its XID check). */
static void scan(struct rc *r, struct rc_dir *d, uint64_t S, uint64_t pos, const uint8_t *pl, uint32_t cap)
{
	if (d->giveup)
		return;
	for (uint64_t o = pos - S; o + 16 <= cap; o++) {
		const uint8_t *q = pl + o;
		if (q[8] | q[9] | q[10] | (q[11] & 0xfe))
			continue;
		if (!cap_rpc_plausible(q, cap - o, d->any_prog))
			continue;
		d->synced = d->ever = 1;
		d->in_rec = 0;
		d->mark = S + o;
		r->st.resyncs++;
		return;
	}
	d->scanned += cap;
	if (d->scanned > RC_GIVEUP && !d->any_prog && !d->ever)
		d->giveup = 1; /* not RPC: stop spending time on it */
}

/* Walk the new bytes [pos, E) of a segment from S (cap bytes captured):
 * read every fragment header, and ask for what to keep. */
static void walk(struct rc *r, struct rc_dir *d, uint64_t S, uint64_t E, uint64_t pos, const uint8_t *pl, uint32_t cap)
{
	uint64_t C = S + cap; /* captured end */

	if (d->keep > pos)
		need(r, pos, d->keep < C ? d->keep : C);
	if (!d->synced) {
		need(r, pos, pos + RC_KEEP < C ? pos + RC_KEEP : C);
		scan(r, d, S, pos, pl, cap);
	}
	while (d->synced && d->mark < E) {
		uint64_t m = d->mark;
		if (m < pos) { /* a split mark: its first bytes were in earlier segments */
			if (pos + (4u - d->mb_len) > C && C < E) {
				lose_sync(r, d);
				break;
			}
		} else {
			d->keep = m + RC_KEEP;
			need(r, m, d->keep < C ? d->keep : C);
			d->mb_len = 0;
		}
		uint64_t from = m + d->mb_len;
		uint64_t to = m + 4 < E ? m + 4 : E;
		if (to > C) {
			/* the header was not captured (the input was cut) */
			lose_sync(r, d);
			need(r, pos, pos + RC_KEEP < C ? pos + RC_KEEP : C);
			scan(r, d, S, m + 1 > pos ? m + 1 : pos, pl, cap);
			continue;
		}
		memcpy(d->mb + d->mb_len, pl + (from - S), (size_t)(to - from));
		d->mb_len = (uint8_t)(d->mb_len + (to - from));
		if (d->mb_len < 4)
			break; /* goes on in the next segment */
		d->mb_len = 0;
		uint32_t v = cap_be32(d->mb), len = v & 0x7fffffffu;
		if (!d->in_rec && (len < 8 || len > (1u << 26))) {
			lose_sync(r, d);
			scan(r, d, S, m + 1 > pos ? m + 1 : pos, pl, cap);
			continue;
		}
		r->st.marks++;
		d->in_rec = !(v >> 31);
		d->mark = m + 4 + len;
	}
}

/* Old bytes [S, E) that fall in the last hole: keep them whole. */
static void fill(struct rc *r, struct rc_dir *d, uint64_t S, uint64_t E, uint32_t cap)
{
	uint64_t a = S > d->hole_lo ? S : d->hole_lo, b = E < d->hole_hi ? E : d->hole_hi;
	uint64_t k = b < d->hole_keep ? b : d->hole_keep;
	need(r, a, k < S + cap ? k : S + cap);
	if (a == d->hole_lo)
		d->hole_lo = b;
	else if (b == d->hole_hi)
		d->hole_hi = a;
}

static void put(struct rc *r, const struct pcap_pkthdr *h, const uint8_t *data)
{
	pcap_dump((u_char *)r->out, h, data);
	r->st.recs++;
	r->st.rec_bytes += h->caplen;
}

/* Write the pieces of a TCP packet (see the top comment). */
static void write_pieces(struct rc *r, const struct pcap_pkthdr *h, const uint8_t *data, const struct cap_pkt *p,
			 uint64_t S, uint64_t E, uint32_t hdrlen)
{
	struct pcap_pkthdr ph = *h;
	if (r->npc == 1) {
		/* one piece: the packet itself, cut after what is kept */
		ph.caplen = hdrlen + (uint32_t)(r->pc[0].kend - S);
		put(r, &ph, data);
		return;
	}
	uint32_t l3 = (uint32_t)(p->l3 - data), l4 = (uint32_t)(p->l4 - data);
	uint32_t s0 = p->seq;
	for (unsigned i = 0; i < r->npc; i++) {
		const struct rc_piece *c = &r->pc[i];
		uint64_t end = i + 1 < r->npc ? r->pc[i + 1].start : E;
		uint32_t plen = (uint32_t)(end - c->start), klen = (uint32_t)(c->kend - c->start);
		uint8_t *b = r->buf;
		memcpy(b, data, hdrlen);
		memcpy(b + hdrlen, p->pl + (c->start - S), klen);
		if (p->fam == 4) {
			uint32_t ihl = (uint32_t)(b[l3] & 15) * 4, tot = hdrlen - l3 + plen;
			if (tot > 0xffff)
				tot = 0; /* as BIG TCP super-frames are captured: the frame length rules */
			b[l3 + 2] = (uint8_t)(tot >> 8);
			b[l3 + 3] = (uint8_t)tot;
			b[l3 + 10] = b[l3 + 11] = 0;
			uint16_t sum = cap_inet_csum(b + l3, ihl);
			b[l3 + 10] = (uint8_t)(sum >> 8);
			b[l3 + 11] = (uint8_t)sum;
		} else {
			uint32_t pl6 = hdrlen - l3 - 40 + plen;
			if (pl6 > 0xffff)
				pl6 = 0;
			b[l3 + 4] = (uint8_t)(pl6 >> 8);
			b[l3 + 5] = (uint8_t)pl6;
		}
		if (i) {
			/* the piece's own first byte; a SYN's sequence number is its own */
			uint32_t seq = s0 + (uint32_t)(c->start - S) + ((p->flags & CAP_TH_SYN) ? 1u : 0u);
			b[l4 + 4] = (uint8_t)(seq >> 24);
			b[l4 + 5] = (uint8_t)(seq >> 16);
			b[l4 + 6] = (uint8_t)(seq >> 8);
			b[l4 + 7] = (uint8_t)seq;
			b[l4 + 13] &= (uint8_t)~CAP_TH_SYN;
		}
		if (i + 1 < r->npc)
			b[l4 + 13] &= (uint8_t)~CAP_TH_FIN;
		ph.caplen = hdrlen + klen;
		ph.len = hdrlen + plen;
		put(r, &ph, b);
	}
}

void rc_packet(struct rc *r, const struct pcap_pkthdr *h, const uint8_t *data)
{
	struct cap_pkt p;
	struct pcap_pkthdr ph = *h;
	int layer;

	r->st.pkts++;
	r->st.bytes += h->len;
	if (ph.caplen > RC_SNAP) /* a file written with a larger snaplen: our buffer's size */
		ph.caplen = RC_SNAP;
	if (cap_decode(r->dlt, data, ph.caplen, h->len, &p, &layer) != CAP_OK || (!p.proto && !p.frag)) {
		if (ph.caplen > RC_OTHER)
			ph.caplen = RC_OTHER;
		put(r, &ph, data);
		return;
	}
	uint32_t hdrlen = (uint32_t)(p.pl - data);
	if (p.proto != 6 || p.frag || !p.l3 || !p.l4) {
		/* UDP (the RPC header leads each datagram), IP fragments, others */
		if (ph.caplen > hdrlen + RC_KEEP)
			ph.caplen = hdrlen + RC_KEEP;
		put(r, &ph, data);
		return;
	}
	struct rc_dir *d = dir_get(r, &p);
	if (!d) {
		r->st.untracked++;
		if (ph.caplen > hdrlen + RC_KEEP)
			ph.caplen = hdrlen + RC_KEEP;
		put(r, &ph, data);
		return;
	}
	uint32_t seq = p.seq;
	if (p.flags & CAP_TH_SYN) {
		/* a new connection: its first byte starts a record */
		seq++;
		d->seen = 1;
		d->hi = (1ull << 32) + seq;
		d->synced = d->ever = 1;
		d->mark = d->keep = d->hi;
		d->in_rec = d->mb_len = 0;
		d->giveup = 0;
		d->scanned = 0;
	}
	if (!d->seen) {
		d->seen = 1;
		d->hi = (1ull << 32) + seq; /* taken mid-stream */
		d->synced = 0;
	}
	uint64_t S = d->hi + (uint64_t)(int64_t)(int32_t)(seq - (uint32_t)d->hi), E = S + p.pl_len;
	r->npc = 1;
	r->pc[0] = (struct rc_piece){S, S};
	if (S < d->hi && S < d->hole_hi && E > d->hole_lo)
		fill(r, d, S, E < d->hi ? E : d->hi, p.pl_cap);
	if (E > d->hi && p.pl_len) {
		uint64_t pos = S;
		if (S > d->hi) {
			/* a hole: reordered, or a drop before us. A header in it is
			 * lost to the walk; if the bytes come later they are kept whole,
			 * for the analyzer, which waits for them. */
			d->hole_lo = d->hi;
			d->hole_hi = S;
			/* synced past the hole: no header in it, only the end of the
			 * last one's kept bytes; else it may hold any number */
			d->hole_keep = d->synced && d->mark >= S && !d->mb_len ? d->keep : S;
			if (d->synced && (d->mark < S || d->mb_len))
				lose_sync(r, d);
		} else {
			pos = d->hi; /* partly old bytes */
		}
		walk(r, d, S, E, pos, p.pl, p.pl_cap);
		d->hi = E;
	}
	write_pieces(r, &ph, data, &p, S, E, hdrlen);
}

/* ---- reading ------------------------------------------------------------- */

struct run_ctx {
	struct rc *r;
	uint64_t t_end;
	volatile int *stop;
};

static void on_pkt(u_char *u, const struct pcap_pkthdr *h, const u_char *d)
{
	struct run_ctx *c = (struct run_ctx *)u;
	if (c->r->out) {
		rc_packet(c->r, h, d);
	} else {
		/* --bare: the benchmark's anchor, a libpcap read loop that only counts */
		c->r->st.pkts++;
		c->r->st.bytes += h->len;
	}
}

int rc_run(pcap_t *in, struct rc *r, uint64_t duration_ns, volatile int *stop, char *err, size_t errlen)
{
	struct run_ctx c = {r, duration_ns ? tm_ns(CLOCK_MONOTONIC) + duration_ns : 0, stop};
	bool live = pcap_file(in) == NULL;
	int fd = live ? pcap_get_selectable_fd(in) : -1;

	if (live && fd >= 0 && pcap_setnonblock(in, 1, err) < 0)
		return EIO;
	while (!(stop && *stop)) {
		if (live && fd >= 0) {
			/* poll with a timeout: an idle link still ends on --duration or a signal */
			struct pollfd pf = {fd, POLLIN, 0};
			int t = 100;
			if (c.t_end) {
				uint64_t now = tm_ns(CLOCK_MONOTONIC);
				if (now >= c.t_end)
					break;
				if ((c.t_end - now) / 1000000 < 100)
					t = (int)((c.t_end - now) / 1000000) + 1;
			}
			if (poll(&pf, 1, t) < 0 && errno != EINTR) {
				snprintf(err, errlen, "poll: %s", strerror(errno));
				return EIO;
			}
		}
		int n = pcap_dispatch(in, live ? -1 : 4096, on_pkt, (u_char *)&c);
		if (n == PCAP_ERROR_BREAK)
			break;
		if (n < 0) {
			snprintf(err, errlen, "%s", pcap_geterr(in));
			return EIO;
		}
		if (!live && n == 0)
			break;
		if (c.t_end && tm_ns(CLOCK_MONOTONIC) >= c.t_end)
			break;
	}
	return 0;
}

/* ---- the command ---------------------------------------------------------- */

static volatile int rc_stop;
static pcap_t *rc_live;

static void on_signal(int sig)
{
	(void)sig;
	rc_stop = 1;
	if (rc_live)
		pcap_breakloop(rc_live);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: nfscap capture -i IFACE -w FILE [--filter BPF] [--duration D] [--port N]...\n"
		   "       nfscap capture -r IN.pcap -w FILE [--filter BPF] [--port N]...\n"
		   "       nfscap capture -i IFACE --bare ...   only read (the benchmark's anchor)\n"
		   "Reads whole packets and writes a pcap that keeps every RPC record's mark and\n"
		   "RPC/NFS header, with each packet's timestamp, and drops the payload\n"
		   "(format: README, 'nfscap capture'). -r converts a full capture offline.\n"
		   "  -i, --interface IFACE   capture live on IFACE (needs CAP_NET_RAW)\n"
		   "  -r, --read FILE     convert a full capture instead\n"
		   "  -w, --write FILE    the RPC-aware capture ('-': standard output)\n"
		   "  --filter BPF        a libpcap filter applied before anything else\n"
		   "  --duration D        stop after D (e.g. 30s; default: at Ctrl-C or end of -r)\n"
		   "  --port N            only these ports carry RPC (default: 2049 and any port\n"
		   "                      where RPC headers are recognised)\n");
	cli_help_tail(f, CAP_EXITS);
}

static int set_filter(pcap_t *p, const char *filter)
{
	struct bpf_program prog;
	if (!filter)
		return 0;
	if (pcap_compile(p, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) < 0) {
		err_msg("capture: bad filter '%s': %s", filter, pcap_geterr(p));
		return 2;
	}
	int k = pcap_setfilter(p, &prog);
	pcap_freecode(&prog);
	if (k < 0) {
		err_msg("capture: cannot set the filter: %s", pcap_geterr(p));
		return 1;
	}
	return 0;
}

static pcap_t *open_live(const char *iface)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	pcap_t *p = pcap_create(iface, ebuf);
	if (!p) {
		err_msg("capture: %s: %s", iface, ebuf);
		return NULL;
	}
	pcap_set_snaplen(p, RC_SNAP);
	pcap_set_promisc(p, 0);
	pcap_set_timeout(p, 100);
	/* whole 64 KiB frames at 10 Gbit/s: 200 ms of slack for a capture that
	 * waits for a core on a loaded machine */
	pcap_set_buffer_size(p, 256 << 20);
	pcap_set_tstamp_precision(p, PCAP_TSTAMP_PRECISION_NANO);
	int k = pcap_activate(p);
	if (k < 0) {
		err_msg("capture: %s: cannot capture: %s", iface, pcap_geterr(p));
		pcap_close(p);
		return NULL;
	}
	return p;
}

enum { O_FILTER = 256, O_DURATION, O_PORT, O_BARE, O_VERSION };

int rc_command(int argc, char **argv)
{
	static const struct option lo[] = {
		{"interface", required_argument, NULL, 'i'},
		{"read", required_argument, NULL, 'r'},
		{"write", required_argument, NULL, 'w'},
		{"filter", required_argument, NULL, O_FILTER},
		{"duration", required_argument, NULL, O_DURATION},
		{"port", required_argument, NULL, O_PORT},
		{"bare", no_argument, NULL, O_BARE},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, O_VERSION},
		{NULL, 0, NULL, 0},
	};
	const char *iface = NULL, *rfile = NULL, *wfile = NULL, *filter = NULL;
	uint64_t dur = 0;
	struct rc_opts o = {0};
	char e[512] = "";
	int c;
	bool bare = false;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":hi:r:w:", lo, NULL)) != -1) {
		switch (c) {
		case 'i': iface = optarg; break;
		case 'r': rfile = optarg; break;
		case 'w': wfile = optarg; break;
		case O_FILTER: filter = optarg; break;
		case O_BARE: bare = true; wfile = "/dev/null"; break;
		case 'h': usage(stdout); return 0;
		case O_VERSION: return cli_version();
		case O_DURATION:
			if (parse_duration(optarg, &dur, e, sizeof(e)))
				return cli_usage_error("capture", "--duration: %s", e);
			break;
		case O_PORT: {
			char *end;
			unsigned long v = strtoul(optarg, &end, 10);
			if (*end || !*optarg || v == 0 || v > 65535 || o.nports == CAP_MAX_PORTS)
				return cli_usage_error("capture", "--port: '%s' is not a port number (1..65535, at most %d)",
						       optarg, CAP_MAX_PORTS);
			o.ports[o.nports++] = (uint16_t)v;
			break;
		}
		default: return cli_bad_option("capture", argv, c);
		}
	}
	if (optind < argc)
		return cli_usage_error("capture", "unexpected argument '%s'", argv[optind]);
	if (!wfile || !iface == !rfile)
		return cli_usage_error("capture", "give -i IFACE or -r FILE, and -w FILE");
	/* the output first: a path that cannot be written fails before the capture */
	FILE *fp = strcmp(wfile, "-") ? fopen(wfile, "wb") : stdout;
	if (!fp) {
		err_msg("capture: %s: %s", wfile, strerror(errno));
		return 1;
	}
	pcap_t *in;
	if (iface) {
		in = open_live(iface);
	} else {
		char ebuf[PCAP_ERRBUF_SIZE] = "";
		in = pcap_open_offline_with_tstamp_precision(rfile, PCAP_TSTAMP_PRECISION_NANO, ebuf);
		if (!in)
			err_msg("capture: %s: %s", rfile, ebuf);
	}
	int dlt = in ? pcap_datalink(in) : 0, rc = 1;
	if (in && !cap_dlt_supported(dlt))
		err_msg("capture: %s: link type %d is not supported", iface ? iface : rfile, dlt);
	else if (in)
		rc = set_filter(in, filter);
	if (!in || rc) {
		if (in)
			pcap_close(in);
		if (fp != stdout)
			fclose(fp);
		return rc;
	}
	pcap_t *dead = pcap_open_dead_with_tstamp_precision(dlt, RC_SNAP, PCAP_TSTAMP_PRECISION_NANO);
	setvbuf(fp, NULL, _IOFBF, 1 << 20); /* fewer, larger writes */
	pcap_dumper_t *out = dead ? pcap_dump_fopen(dead, fp) : NULL;
	struct rc *r = NULL;
	if (!out || rc_new(&r, bare ? NULL : out, dlt, &o)) {
		err_msg("capture: %s: %s", wfile, dead ? pcap_geterr(dead) : "out of memory");
		if (!out)
			fclose(fp);
		if (out)
			pcap_dump_close(out);
		if (dead)
			pcap_close(dead);
		pcap_close(in);
		return 1;
	}
	if (iface) {
		struct sigaction sa;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_signal;
		rc_live = in;
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
		fprintf(stderr, "nfscap: listening on %s, link-type %s, snapshot length %d bytes\n", iface,
			pcap_datalink_val_to_name(dlt) ? pcap_datalink_val_to_name(dlt) : "?", RC_SNAP);
	}
	int status = 0;
	uint64_t t0 = tm_ns(CLOCK_MONOTONIC);
	if (rc_run(in, r, dur, &rc_stop, e, sizeof(e))) {
		err_msg("capture: %s: %s", iface ? iface : rfile, e);
		status = 1;
	}
	double secs = (double)(tm_ns(CLOCK_MONOTONIC) - t0) / 1e9;
	rc_live = NULL;
	struct rc_stats s;
	rc_get_stats(r, &s);
	if (pcap_dump_flush(out) < 0) {
		err_msg("capture: %s: write error", wfile);
		status = 1;
	}
	pcap_dump_close(out);
	pcap_close(dead);
	/* tcpdump's closing lines, which scripts (tests/testbed/lab) parse */
	fprintf(stderr, "%" PRIu64 " packets captured\n", s.pkts);
	struct pcap_stat ps;
	if (iface && pcap_stats(in, &ps) == 0) {
		fprintf(stderr, "%u packets received by filter\n", ps.ps_recv);
		fprintf(stderr, "%u packets dropped by kernel\n", ps.ps_drop);
	}
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	double cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec +
		     ((double)ru.ru_utime.tv_usec + (double)ru.ru_stime.tv_usec) / 1e6;
	fprintf(stderr, "nfscap: %.3f s CPU, %.0f packets per CPU second\n", cpu, cpu > 0 ? (double)s.pkts / cpu : 0.0);
	fprintf(stderr,
		"nfscap: %" PRIu64 " record marks, %" PRIu64 " pcap records, %" PRIu64
		" bytes kept of %" PRIu64 " (%.2f%%), %.0f packets/s\n",
		s.marks, s.recs, s.rec_bytes, s.bytes, s.bytes ? 100.0 * (double)s.rec_bytes / (double)s.bytes : 0.0,
		secs > 0 ? (double)s.pkts / secs : 0.0);
	pcap_close(in);
	rc_free(r);
	return status;
}
