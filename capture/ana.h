/* ana.h - the analyzer's private state, shared by ana.c (connections, XID
 * tables, statistics), stream.c (TCP followed by sequence numbers) and the
 * reports. Everything here is bounded: connections, XIDs per connection,
 * queued out-of-order segments, clients, time-series bins. */
#ifndef NFSCAP_ANA_H
#define NFSCAP_ANA_H

#include "cap.h"

#define NS_PER_S 1000000000ull
#define CAP_HDRMAX 512            /* first bytes of a record we decode */
#define CAP_DEF_MAX_CONNS 16384
#define CAP_DEF_MAX_XIDS 4096     /* per connection */
#define CAP_MAX_XIDS_TOTAL (1u << 19)
#define CAP_MAX_PEND 64           /* queued segments per direction */
#define CAP_PEND_BUDGET (16u << 20)
#define CAP_PEND_WAIT_NS 200000000ull
#define CAP_MAX_CLIENTS 256
#define CAP_MAX_CONN_HISTS 512
#define CAP_MAX_BINS (1u << 17)   /* 36 hours of seconds */
#define CAP_NFRAG 64
#define CAP_CONN_CACHE 64
#define CAP_NOTRPC_BYTES (1u << 20)

struct cap_seg {                  /* a segment queued behind a hole */
	struct cap_seg *next;
	uint64_t seq, ts;
	uint32_t len, cap;
	uint8_t data[];
};

/* One direction of a TCP connection: the bytes one endpoint sends. All
 * sequence numbers are unwrapped to 64 bits. */
struct cap_half {
	uint64_t hi;          /* bytes below hi have been processed */
	uint64_t maxend;      /* highest end seen, queued segments included */
	uint64_t mark;        /* synced: where the next fragment header starts */
	uint64_t rec_first;   /* time of the packet with the record's first byte */
	uint64_t rec_bytes;   /* record length so far, fragment headers included */
	uint64_t mb_ts;       /* time of the first part of a split header */
	uint64_t pend_since;
	uint64_t scanned;     /* bytes looked at while not synced */
	uint32_t isn, last_ack, last_win, rec_xid;
	uint16_t hb_len, hb_want, npend;
	uint8_t seen, syn_seen, synced, in_rec, frag_open, last_frag, rec_kind;
	uint8_t mb_len, hb_on, ack_seen, wscale, fin;
	uint8_t mb[4];
	uint8_t *hb;          /* header gathering buffer, allocated on first need */
	struct cap_seg *pend; /* sorted by seq */
	struct cap_tcpstat st;
};

struct cap_xent {                 /* an RPC waiting for its reply */
	uint32_t xid;
	uint8_t used, dir, call_done, reply_hdr;
	uint8_t has_status, reply_stat, accept_stat, has_offset;
	uint8_t flavor6, gss_service, gss_ctl, nops, ops_known, has_rdata, call_lost;
	uint16_t op, pop;     /* op; v4: the compound's principal op */
	uint32_t data_at;     /* where the call's WRITE data starts in its message, 0 unknown */
	uint32_t rdata_at;    /* where the reply's READ data starts, 0 unknown */
	uint32_t older, newer;/* insertion order (slot indexes, CAP_XNONE at the ends) */
	uint32_t prog, vers, proc, status, count;
	uint64_t call_first, call_last, reply_first, call_bytes, offset, rdata;
	uint8_t ops[CAP_V4_MAXOPS];
};

struct cap_client {
	uint8_t fam, used;
	uint8_t addr[16];
	uint64_t rpcs, errors, bytes, conns;
	struct hist *exch, *srt;
};

#define CAP_XNONE UINT32_MAX

struct cap_conn {
	uint8_t unlinked; /* a newer connection took its 5-tuple (port reuse) */
	uint8_t lru_q;    /* the LRU queue it is in: its rpc_seen when last touched */
	struct cap_conn *hnext;
	struct cap_conn *lru_prev, *lru_next; /* towards the most / least recently used */
	uint8_t addr[2][16];
	uint16_t port[2];
	uint8_t fam, proto;
	int8_t client;        /* endpoint that sends calls; -1 unknown */
	uint8_t ignore, rpc_seen, closed, pinned, unblocking;
	uint32_t hash, id;
	uint64_t first_ts, last_ts;
	uint64_t syn_ts, synack_ts, irtt;
	struct cap_half h[2];
	/* XID table: open addressing, linear probing, backward-shift deletion;
	 * the entries are also linked in insertion order, so the oldest call
	 * gives way in O(1) when the table is full */
	struct cap_xent *xt;
	uint32_t xcap, xn, xseed;
	uint32_t xoldest, xnewest;
	/* statistics */
	uint64_t rpcs, errors, bytes, exch_sum, srt_sum, exch_max, orphans, evicted;
	uint32_t inflight, inflight_max;
	uint64_t infl_area, infl_t, infl_t0;
	struct hist *exch;
	struct cap_client *cl;
};

/* Heatmap rows of a bin: exchange times in half octaves (2^k, 1.5 * 2^k)
 * from 2^7 ns (128 ns; below: the first row) to 2^37 ns (137 s; above: the
 * last row). A shift and a mask per RPC, no logarithm. */
#define CAP_HEAT_MIN_BITS 7
#define CAP_HEAT_ROWS 60

struct cap_bin {
	uint64_t ops, bytes, p50, p99, p999, infl_area;
	uint32_t infl_max, has_p99;
	uint32_t heat[CAP_HEAT_ROWS];
};

/* ana.c: the row of exchange time ns, and a row's lower bound */
unsigned cap_heat_row(uint64_t ns);
uint64_t cap_heat_lo(unsigned row);

struct cap_frag {                 /* an RPC over UDP split in IP fragments */
	uint8_t used, have_last, waiting, fam, dir, kind;
	uint32_t id, xid;
	uint8_t src[16], dst[16];
	uint64_t ts_last;
	struct cap_conn *conn;
};

struct cap_ana {
	struct cap_opts o;
	uint32_t seed;                 /* of every hash: random, so no input picks the slots */
	struct cap_summary s;
	struct cap_opstat ops[CAP_NOPS];
	uint64_t st_rpc_err[8];        /* not accepted: by accept/reject kind */
	/* connections */
	struct cap_conn **htab;
	uint32_t hmask, nconns, max_conns;
	struct cap_conn **chunks;      /* conns allocated in chunks of 256, dense */
	uint32_t nchunks;
	/* least recently used first out when the table is full: connections
	 * that never carried RPC (queue 0) before those that did (queue 1) */
	struct cap_conn *lru_new[2], *lru_old[2];
	uint64_t xids_total, pend_bytes;
	uint32_t conn_hists;
	struct cap_conn *cache[CAP_CONN_CACHE];
	/* clients */
	struct cap_client clients[CAP_MAX_CLIENTS];
	struct cap_client other_clients;
	uint32_t nclients;
	uint16_t client_idx[2 * CAP_MAX_CLIENTS]; /* hash of clients[]: index + 1 */
	/* time series */
	uint64_t t0;
	struct cap_bin *bins;
	uint32_t nbins, bins_cap, cur_bin;
	uint8_t bins_full, finished;
	struct hist *cur_hist;
	uint64_t inflight, infl_t;     /* global RPCs in flight */
	uint64_t late;
	struct cap_frag frag[CAP_NFRAG];
	/* per-RPC CSV */
	uint8_t csv_header_done;
};

/* ana.c, used by stream.c */
void cap_ana_header(struct cap_ana *a, struct cap_conn *c, int dir, const uint8_t *p, size_t n, bool trunc);
void cap_ana_rec_end(struct cap_ana *a, struct cap_conn *c, int dir, uint64_t ts);
/* The record in progress in dir will never show its end (sync lost). */
void cap_ana_rec_lost(struct cap_ana *a, struct cap_conn *c, int dir);
bool cap_ana_has_call(struct cap_ana *a, struct cap_conn *c, int dir, uint32_t xid);
/* stream.c */
void cap_tcp_segment(struct cap_ana *a, struct cap_conn *c, int dir, const struct cap_pkt *p);
void cap_tcp_flush(struct cap_ana *a, struct cap_conn *c);
/* Give up the holes of direction dir now (a reply proved its call was sent). */
void cap_tcp_unblock(struct cap_ana *a, struct cap_conn *c, int dir);
void cap_half_free(struct cap_ana *a, struct cap_half *h);

#endif
