/* cap.h - nfscap internals shared by its modules, its unit tests and its
 * fuzz target: the per-packet parse context and decoders (pkt.c), ONC RPC
 * and NFS decoding (rpc.c), the analyzer that follows TCP by sequence
 * numbers and matches calls with replies (ana.c, stream.c), the reports
 * (report.c, html.c), the input readers (input.c) and the synthetic capture
 * writer used by the tests (synth.c).
 *
 * Vocabulary (docs/design.md, "Times of one RPC"): for every RPC, call_first/call_last and
 * reply_first/reply_last are the capture times of the packets holding the
 * first and last byte of the call and reply records; exchange =
 * reply_last - call_first, srt = reply_last - call_last (tshark's rpc,srt).
 */
#ifndef NFSCAP_CAP_H
#define NFSCAP_CAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "hist.h"

struct out;

/* ---- results of a parse, counted per layer (after tcpdump's "[|nfs]") ---- */
enum cap_res { CAP_OK = 0, CAP_TRUNC = 1, CAP_INVALID = 2 };
enum cap_layer { CAP_L_LINK, CAP_L_NET, CAP_L_TRANS, CAP_L_RPC, CAP_L_NFS, CAP_NLAYERS };
extern const char *const cap_layer_names[CAP_NLAYERS];

/* ---- pkt.c: one parse context per packet ---------------------------------
 * cur..end is what was captured (never the wire length); every field is read
 * through the checked accessors below, which fail instead of reading past
 * end. */
struct cap_buf {
	const uint8_t *cur, *end;
};

static inline size_t cap_left(const struct cap_buf *b)
{
	return (size_t)(b->end - b->cur);
}
static inline bool cap_get_u8(struct cap_buf *b, uint8_t *v)
{
	if (b->end - b->cur < 1)
		return false;
	*v = b->cur[0];
	b->cur += 1;
	return true;
}
static inline bool cap_get_be16(struct cap_buf *b, uint16_t *v)
{
	if (b->end - b->cur < 2)
		return false;
	*v = (uint16_t)(b->cur[0] << 8 | b->cur[1]);
	b->cur += 2;
	return true;
}
static inline uint32_t cap_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline bool cap_get_be32(struct cap_buf *b, uint32_t *v)
{
	if (b->end - b->cur < 4)
		return false;
	*v = cap_be32(b->cur);
	b->cur += 4;
	return true;
}
static inline bool cap_skip(struct cap_buf *b, size_t n)
{
	if (cap_left(b) < n)
		return false;
	b->cur += n;
	return true;
}

/* Link types we decode (pcap DLT_ values, as pcap_datalink() returns them). */
#define CAP_DLT_NULL 0
#define CAP_DLT_EN10MB 1
#define CAP_DLT_RAW 12        /* LINKTYPE_RAW (101) on Linux */
#define CAP_DLT_RAW_BSD 14    /* DLT_RAW on OpenBSD */
#define CAP_DLT_LOOP 108
#define CAP_DLT_LINUX_SLL 113
#define CAP_DLT_IPV4 228
#define CAP_DLT_IPV6 229
#define CAP_DLT_LINUX_SLL2 276
bool cap_dlt_supported(int dlt);

#define CAP_TH_FIN 0x01
#define CAP_TH_SYN 0x02
#define CAP_TH_RST 0x04
#define CAP_TH_PSH 0x08
#define CAP_TH_ACK 0x10

/* One decoded packet. Addresses are 16 bytes; IPv4 ones sit in the first 4. */
struct cap_pkt {
	uint64_t ts;          /* capture time, ns since the epoch */
	uint64_t num;         /* packet number in its file, from 1 */
	const uint8_t *pl;    /* transport payload, captured part */
	const uint8_t *l3, *l4; /* IP and TCP/UDP headers (rpccap.c rewrites them) */
	uint32_t pl_cap;      /* payload bytes captured (<= pl_len) */
	uint32_t pl_len;      /* payload bytes on the wire (this fragment's) */
	uint32_t dgram_len;   /* UDP: the whole datagram's payload length */
	uint8_t fam;          /* 4 or 6 */
	uint8_t proto;        /* 6 TCP, 17 UDP; 0 for a non-first IP fragment */
	uint8_t flags;        /* TCP flags */
	uint8_t wscale;       /* TCP window scale option (SYN), 0xff if absent */
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint32_t win;         /* raw window field */
	uint8_t src[16], dst[16];
	/* IP fragments (RPC over UDP): */
	uint8_t frag;         /* 1: part of a fragmented datagram */
	uint8_t frag_more;    /* more fragments follow */
	uint32_t frag_off;    /* byte offset of this fragment */
	uint32_t frag_id;     /* IPv4 id / IPv6 fragment id */
	uint8_t frag_proto;   /* upper protocol of the fragmented datagram */
};

/* Decode link, network and transport headers. Returns CAP_OK, or CAP_TRUNC /
 * CAP_INVALID with *layer set to the layer that failed. Packets that are
 * well formed but of no interest (ARP, ICMP, ...) return CAP_OK with
 * p->proto 0 and p->frag 0. */
int cap_decode(int dlt, const uint8_t *data, uint32_t caplen, uint32_t wirelen, struct cap_pkt *p, int *layer);
/* The Internet checksum (RFC 1071) of n bytes, for headers a writer rebuilds. */
uint16_t cap_inet_csum(const uint8_t *p, size_t n);

/* ---- rpc.c: ONC RPC (RFC 5531), NFSv3 (RFC 1813), NFSv4.x (RFC 7530, 8881,
 * 7862, 8276) -------------------------------------------------------------- */
/* XDR context over one record's first bytes: end is what we hold; `trunc`
 * says the record goes on beyond end (not captured or not gathered), so
 * running out is TRUNCATED, not INVALID. */
struct cap_xdr {
	const uint8_t *p, *end;
	uint8_t trunc;
	uint8_t res; /* first failure */
	const uint8_t *msg; /* the message's first byte, for offsets (NULL: none kept) */
};

#define CAP_NFS_PROG 100003u
#define CAP_V4_MAXOPS 24
#define CAP_V4_NOPS 76          /* opcodes 0..75 have names */
#define CAP_V4_ILLEGAL 10044u

/* Unified NFS operation index. */
enum {
	CAP_OP_V3_FIRST = 0,          /* NFSv3 procedures 0..21 */
	CAP_OP_V3_N = 22,
	CAP_OP_V4_NULL = 22,
	CAP_OP_V4_COMPOUND = 23,
	CAP_OP_V4_FIRST = 24,         /* + NFSv4 opcode 0..75 */
	CAP_OP_V4_ILLEGAL = CAP_OP_V4_FIRST + CAP_V4_NOPS,
	CAP_OP_NONE,                  /* not NFS, or not known */
	CAP_NOPS
};
const char *cap_op_name(unsigned op);  /* "READ", "COMPOUND", ... */
unsigned cap_op_vers(unsigned op);     /* 3 or 4; 0 for CAP_OP_NONE */
const char *cap_nfs3_status_name(uint32_t st);
const char *cap_nfs4_status_name(uint32_t st);

struct cap_msg {
	uint32_t xid, mtype;       /* 0 call, 1 reply */
	uint8_t rpc_res, nfs_res;  /* CAP_OK, CAP_TRUNC, CAP_INVALID */
	/* call */
	uint32_t prog, vers, proc;
	uint32_t flavor;           /* credential flavor */
	uint8_t gss_service;       /* RPCSEC_GSS: 1 none, 2 integrity, 3 privacy */
	uint8_t gss_ctl;           /* RPCSEC_GSS control message, not data */
	uint8_t have_proc;         /* prog, vers and proc were captured */
	uint16_t op;               /* CAP_OP_* */
	/* reply */
	uint8_t reply_stat;        /* 0 MSG_ACCEPTED, 1 MSG_DENIED */
	uint8_t accept_stat;       /* 0 SUCCESS .. 5 SYSTEM_ERR */
	uint8_t reject_stat;       /* 0 RPC_MISMATCH, 1 AUTH_ERROR */
	uint8_t has_status;
	uint32_t status;           /* nfsstat3 / nfsstat4 (compound status) */
	/* READ/WRITE/COMMIT arguments and results */
	uint8_t has_offset, has_count, has_rcount;
	uint64_t offset;
	uint32_t count;            /* call: asked (WRITE: data length) */
	uint32_t rcount;           /* reply: READ data / WRITE written */
	uint32_t data_at;          /* where the WRITE (call) or READ (reply) data
	                            * starts in the message; 0 unknown */
	/* NFSv4 compound */
	uint32_t minor;
	uint8_t nops;              /* ops decoded (<= CAP_V4_MAXOPS) */
	uint8_t ops_total_known;   /* 1: ops[] is the whole list */
	uint32_t ops_total;        /* numops as the message says */
	uint8_t ops[CAP_V4_MAXOPS];/* opcodes; 255 = ILLEGAL or unnamed */
	size_t body;               /* offset of the procedure's body */
};

/* Parse an RPC message (no record mark) from p[0..n). trunc: the message
 * continues beyond n. Fills xid, mtype and the call or reply header, and
 * m->body. Returns m->rpc_res. */
int cap_rpc_parse(const uint8_t *p, size_t n, bool trunc, struct cap_msg *m);
/* Decode the NFS arguments of a call parsed by cap_rpc_parse: op, READ/WRITE
 * offset and count, the v4 op list. Sets and returns m->nfs_res. */
int cap_nfs_call(const uint8_t *p, size_t n, bool trunc, struct cap_msg *m);
/* Decode an NFS reply body given its call's prog/vers/proc/op: status, READ
 * and WRITE counts, the v4 result op list. */
int cap_nfs_reply(const uint8_t *p, size_t n, bool trunc, const struct cap_msg *call, struct cap_msg *m);
/* Does p[0..n) start like an RPC record (mark + call or reply header)?
 * For calls the program must be one we know (NFS, MOUNT, portmap, NLM, NSM,
 * NFS_ACL) or `any_prog`. Returns 1 call, 2 reply, 0 no. Used to find the
 * record boundary again after a gap or in a connection taken mid-stream. */
int cap_rpc_plausible(const uint8_t *p, size_t n, bool any_prog);
/* Principal op of a compound: the first op that is not SEQUENCE, PUTFH,
 * PUTROOTFH, PUTPUBFH, SAVEFH, RESTOREFH, GETFH or GETATTR; else GETATTR or
 * the last op. Returns a CAP_OP_* index. */
unsigned cap_v4_principal(const uint8_t *ops, unsigned n);

/* The exit codes every nfscap command's --help lists (main.c). */
#define CAP_EXITS                                                                        \
	"  0   done\n"                                                                  \
	"  1   a capture could not be read, or an output could not be written\n"         \
	"  2   usage error (nothing done)\n"                                              \
	"  3   report, live: no RPC found (the report is still printed; --allow-empty: 0)\n"

/* ---- ana.c: the analyzer ---------------------------------------------------- */
#define CAP_MAX_PORTS 16
struct cap_rpc;
struct cap_opts {
	uint16_t ports[CAP_MAX_PORTS];  /* --port: only these are RPC */
	unsigned nports;
	FILE *per_rpc;                  /* CSV sink or NULL */
	uint32_t max_conns;             /* 0: default */
	uint32_t max_xids;              /* per connection, 0: default */
	/* called for every completed RPC (nfscap attribute collects them) */
	void (*on_rpc)(void *arg, const struct cap_rpc *r);
	void *on_rpc_arg;
};

/* Per-status counts of an op, fixed size. */
#define CAP_NSTATUS 8
struct cap_opstat {
	uint64_t count, errors, bytes;
	uint64_t in_compounds;      /* v4 ops: times seen inside compounds */
	uint32_t st[CAP_NSTATUS];   /* status codes seen (errors only) */
	uint64_t st_n[CAP_NSTATUS];
	uint64_t st_other;
	struct hist *exch, *srt;    /* allocated on first RPC */
};

struct cap_tcpstat {
	uint64_t segs, data_segs, retrans, retrans_bytes, ooo, gaps, gap_bytes;
	uint64_t zero_win, win_full, dup_acks;
	uint64_t hidden;            /* record marks beyond the captured bytes */
	uint64_t resyncs, skipped_bytes, desyncs;
};

/* What one completed RPC looks like (handed to the stats and the CSV). */
struct cap_rpc {
	const struct cap_conn *conn;
	uint32_t xid;
	uint16_t op;
	uint8_t vers, has_status, udp, dir;
	uint32_t prog, proc, status;
	uint8_t reply_stat, accept_stat;
	uint64_t call_first, call_last, reply_first, reply_last;
	uint64_t call_bytes, reply_bytes;   /* record sizes on the wire */
	uint64_t offset;
	uint32_t count;                     /* bytes asked (READ/WRITE) */
	uint64_t data;                      /* bytes moved (READ/WRITE) */
	uint8_t has_offset;
	uint8_t call_lost;                  /* call_last unknown: no srt */
};

struct cap_ana;

int cap_ana_new(struct cap_ana **a, const struct cap_opts *o);
void cap_ana_free(struct cap_ana *a);
/* Feed one captured packet. ts in ns. */
void cap_ana_packet(struct cap_ana *a, int dlt, uint64_t ts, const uint8_t *data, uint32_t caplen, uint32_t wirelen);
/* End of input: give up holes, close the time series. Idempotent. */
void cap_ana_finish(struct cap_ana *a);

/* Read access for reports and tests. */
struct cap_summary {
	uint64_t packets, bytes, first_ts, last_ts;
	uint64_t layer[CAP_NLAYERS][3];     /* [layer][CAP_OK/TRUNC/INVALID] */
	uint64_t not_ip, not_tcpudp, ip_frags;
	uint64_t calls, replies, matched, orphans, unanswered, evicted, dup_calls;
	uint64_t conns, conns_untracked, udp_msgs;
	uint64_t accept[6], denied[2], gss_ctl, other_prog;
	uint64_t negative;                  /* times that ran backwards */
	uint64_t call_end_lost;             /* calls timed without their last byte */
	uint64_t reply_end_lost;            /* replies whose end was never seen */
	uint64_t conns_retired, udp_not_rpc, late_samples;
	uint64_t conns_evicted;             /* live connections pushed out (table full) */
	uint64_t bad_counts;                /* READ/WRITE counts beyond their record */
	struct { uint32_t prog, vers; uint64_t n; } progs[16]; /* RPCs by program */
	unsigned nprogs;
	struct cap_tcpstat tcp;             /* all connections */
};
void cap_ana_summary(const struct cap_ana *a, struct cap_summary *s);
const struct cap_opstat *cap_ana_op(const struct cap_ana *a, unsigned op);

/* report.c */
int cap_report(struct cap_ana *a, struct out *o, const char *const *files, unsigned nfiles);
void cap_csv_header(FILE *f);
void cap_csv_row(FILE *f, const struct cap_rpc *r);
/* html.c */
/* readerr: why reading stopped early (shown as a warning), or NULL */
int cap_html(struct cap_ana *a, FILE *f, const char *const *files, unsigned nfiles, const char *readerr);

/* input.c: read files (or "-") merged by time, or a live interface. Errors
 * are written to err as one line naming the file and packet. */
struct cap_input_opts {
	bool progress;               /* on a terminal, for files over 100 MB */
	const char *filter;          /* BPF, applied to files and live alike */
};
int cap_read_files(struct cap_ana *a, const char *const *files, unsigned n, const struct cap_input_opts *io, char *err, size_t errlen);
/* One file read a packet at a time into an analyzer of the caller's:
 * open reads the first packet ahead, peek gives its time (false at the
 * end), feed hands it over and reads the next (0, or an errno with err set). */
struct cap_src;
int cap_src_open(struct cap_src **s, const char *file, char *err, size_t errlen);
bool cap_src_peek(const struct cap_src *s, uint64_t *ts);
int cap_src_feed(struct cap_src *s, struct cap_ana *a, char *err, size_t errlen);
void cap_src_close(struct cap_src *s);
int cap_read_live(struct cap_ana *a, const char *iface, const char *filter, uint64_t duration_ns, int snaplen, volatile int *stop, char *err, size_t errlen);

/* synth.c: write the synthetic test captures of tests/pcaps. */
int cap_synth_all(const char *dir, char *err, size_t errlen);
/* A load capture for the benchmark: kind clean, syn, conns, noreply or collide, n
 * packets (clean), SYNs, connections or calls (synth.c says which). */
int cap_synth_load(const char *path, const char *kind, uint64_t n, char *err, size_t errlen);
/* A multi-point attribution load for the benchmark: N RPCs in DIR/app.trace and
 * DIR/{guest,host-in,host-out,storage}.pcap (synth.c says how they look). */
int cap_synth_attr(const char *dir, uint64_t n, char *err, size_t errlen);

#endif
