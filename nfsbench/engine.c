/* engine.c - nfsbench's load engine: T threads, each driving its share of C
 * connections from one poll loop with up to S RPCs in flight per connection.
 *
 * After fio and libnfs: callbacks record a completion, free the slot and
 * queue the next RPC (never blocking, never closing anything); the loop
 * owns polling, connection loss and phases. Nothing blocks on the server without
 * a deadline, and nothing exits: errors end the run with partial results.
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "err.h"
#include "nfsbench.h"
#include "out.h"
#include "pattern.h"
#include "tm.h"
#include "trace.h"

int nb_stats_iv_add(struct nb_stats *s, unsigned sec, uint64_t bytes);

static inline void iv_add(struct nb_stats *s, unsigned sec, uint64_t bytes)
{
	if (sec < s->niv) {
		s->iv_ops[sec]++;
		s->iv_bytes[sec] += bytes;
	} else {
		nb_stats_iv_add(s, sec, bytes); /* grows the series */
	}
}

volatile int nb_stop;

struct nb_thread;

struct nb_conn {
	struct nfsio_conn *io;
	unsigned idx;
	unsigned inflight;
	uint32_t next_xid; /* where a reconnect continues the XIDs */
	int dead;   /* lost; the loop reconnects it */
	int broken; /* an RPC could not be queued: close it from the loop */
	uint64_t retry_at;
};

struct nb_slot {
	struct nfsio_req req; /* first: the callback gets it back */
	struct nb_thread *t;
	struct nb_conn *c;
	uint64_t issue;
	uint64_t off;
	uint32_t len;
	uint32_t xid;
	struct nb_slot *next;
};

struct nb_shared;

struct nb_thread {
	pthread_t tid;
	unsigned idx;
	struct nb_shared *sh;
	struct nb_conn *conns;
	unsigned nconns;
	struct nb_slot *slots, *free;
	struct pollfd *pfd;
	uint64_t inflight;
	uint64_t quota, issued; /* counted operations to issue (ops limit) */
	/* the workload's constants, copied here to keep the hot path short */
	enum nb_rw rw;
	bool random;
	unsigned mix, depth;
	uint32_t rsz, wsz;
	uint64_t bs, nblk;
	uint64_t seq_lo, seq_hi, seq_off;
	uint64_t blk_off, blk_left;
	uint64_t rng;
	uint64_t last_progress;
	uint64_t finished_at;
	struct nb_stats st;
	struct trace_buf *tb;
	/* published once a second for the progress line */
	pthread_mutex_t pub_lock;
	uint64_t pub_ops, pub_bytes;
	struct hist pub_lat;
	uint64_t last_pub;
	bool issuing;  /* new RPCs may be started */
	bool publish;  /* a progress line wants numbers */
	int failed;
	char error[256];
};

struct nb_shared {
	struct nb_config *cfg;
	struct nfsio_fh fh;
	const unsigned char *pattern; /* PATTERN_PERIOD + wsize bytes */
	uint64_t t0, ramp_end, end; /* end = UINT64_MAX without --time */
	int64_t m2r;                /* CLOCK_MONOTONIC -> CLOCK_REALTIME */
	struct trace_file *tf;
	struct nb_thread *threads;
	unsigned nthreads;
	atomic_int go;
};

/* splitmix64: small, fast, good enough to pick offsets and mixes. */
static inline uint64_t rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static bool rw_random(enum nb_rw rw)
{
	return rw == NB_RW_RANDREAD || rw == NB_RW_RANDWRITE || rw == NB_RW_RANDRW;
}

static bool rw_reads(enum nb_rw rw)
{
	return rw == NB_RW_READ || rw == NB_RW_RANDREAD || rw == NB_RW_RANDRW || rw == NB_RW_RW;
}

static int issue_one(struct nb_thread *t, struct nb_conn *c, uint64_t now);

/* Start RPCs on c until its slots are full or the workload says stop. */
static void refill(struct nb_thread *t, struct nb_conn *c, uint64_t now)
{
	while (t->issuing && !c->dead && !c->broken && c->inflight < t->depth && t->free &&
	       t->issued < t->quota) {
		if (issue_one(t, c, now)) {
			c->broken = 1; /* maybe inside libnfs's callback: not closed here */
			break;
		}
	}
}

/* ---- completions --------------------------------------------------------- */

static void trace_conn_open(struct nb_thread *t, struct nb_conn *c)
{
	if (!t->tb)
		return;
	struct trace_conn tc = { .conn = (uint16_t)c->idx, .time_ns = tm_real_ns() };
	struct sockaddr_storage l, r;
	socklen_t ll = sizeof(l), rl = sizeof(r);
	int fd = nfsio_fd(c->io);
	if (getsockname(fd, (struct sockaddr *)&l, &ll) || getpeername(fd, (struct sockaddr *)&r, &rl))
		return;
	if (l.ss_family == AF_INET) {
		struct sockaddr_in *a = (void *)&l, *b = (void *)&r;
		tc.family = 4;
		memcpy(tc.laddr, &a->sin_addr, 4);
		memcpy(tc.raddr, &b->sin_addr, 4);
		tc.lport = ntohs(a->sin_port);
		tc.rport = ntohs(b->sin_port);
	} else if (l.ss_family == AF_INET6) {
		struct sockaddr_in6 *a = (void *)&l, *b = (void *)&r;
		tc.family = 6;
		memcpy(tc.laddr, &a->sin6_addr, 16);
		memcpy(tc.raddr, &b->sin6_addr, 16);
		tc.lport = ntohs(a->sin6_port);
		tc.rport = ntohs(b->sin6_port);
	}
	trace_add_conn(t->tb, &tc);
}

static void on_done(struct nfsio_req *req, const struct nfsio_result *r)
{
	struct nb_slot *s = (struct nb_slot *)req;
	struct nb_thread *t = s->t;
	struct nb_shared *sh = t->sh;
	uint64_t now = tm_mono_ns();
	uint32_t status;

	if (r->rpc == NFSIO_REPLY) {
		status = r->nfs;
		t->last_progress = now;
	} else {
		status = NB_ST_TRANSPORT | (uint32_t)r->rpc;
	}
	bool counted = s->issue >= sh->ramp_end && now <= sh->end;
	if (counted) {
		struct nb_opstat *o = &t->st.op[req->op];
		if (status == 0) {
			uint64_t bytes = req->op == NB_OP_READ || req->op == NB_OP_WRITE ? r->count : 0;
			o->count++;
			o->bytes += bytes;
			hist_record(&o->lat, now - s->issue);
			iv_add(&t->st, (unsigned)((now - sh->ramp_end) / 1000000000u), bytes);
		} else {
			nb_opstat_error(o, status);
		}
	} else {
		t->st.rpcs_uncounted++;
	}
	if (t->tb) {
		struct trace_rpc tr = {
			.op = req->op, .flags = counted ? TRACE_F_COUNTED : 0, .xid = s->xid,
			.issue_ns = (uint64_t)((int64_t)s->issue + sh->m2r),
			.complete_ns = (uint64_t)((int64_t)now + sh->m2r),
			.offset = s->off, .length = s->len, .status = status, .file = 0,
			.conn = (uint16_t)s->c->idx,
		};
		trace_add_rpc(t->tb, &tr);
	}
	struct nb_conn *c = s->c;
	c->inflight--;
	t->inflight--;
	s->next = t->free;
	t->free = s;
	/* Start the replacement right here: libnfs writes it out in the same
	 * rpc_service() call that delivered this reply (the loop passes
	 * POLLOUT along with POLLIN), which halves the rpc_service() calls,
	 * and each of those scans all of libnfs 4.0's 1024 reply buckets. */
	/* one completion frees one slot: one replacement, no loop */
	if (r->rpc == NFSIO_REPLY && t->issuing && now < sh->end && t->issued < t->quota && !c->broken &&
	    issue_one(t, c, now))
		c->broken = 1; /* inside libnfs's callback: the loop closes it */
}

/* ---- issuing ------------------------------------------------------------- */

/* Choose the next operation's kind and byte range. */
static inline void next_io(struct nb_thread *t, uint8_t *op, uint64_t *off, uint32_t *len)
{
	bool read = t->rw == NB_RW_READ || t->rw == NB_RW_RANDREAD ||
		    ((t->rw == NB_RW_RANDRW || t->rw == NB_RW_RW) && rng_next(&t->rng) % 100 < t->mix);
	uint32_t rpc = read ? t->rsz : t->wsz;
	if (t->random) {
		/* a block of bs bytes at a random bs-aligned offset, issued as
		 * RPCs of at most rsize/wsize bytes */
		if (!t->blk_left) {
			t->blk_off = (t->nblk ? rng_next(&t->rng) % t->nblk : 0) * t->bs;
			t->blk_left = t->bs;
		}
		uint64_t n = t->blk_left < rpc ? t->blk_left : rpc;
		*off = t->blk_off + (t->bs - t->blk_left);
		*len = (uint32_t)n;
		t->blk_left -= n;
	} else {
		if (t->seq_off >= t->seq_hi)
			t->seq_off = t->seq_lo; /* wrap: sequential runs restart */
		uint64_t n = t->seq_hi - t->seq_off;
		if (n > rpc)
			n = rpc;
		*off = t->seq_off;
		*len = (uint32_t)n;
		t->seq_off += n;
	}
	*op = read ? NB_OP_READ : NB_OP_WRITE;
}

static int issue_one(struct nb_thread *t, struct nb_conn *c, uint64_t now)
{
	struct nb_shared *sh = t->sh;
	struct nb_slot *s = t->free;
	uint8_t op;
	uint64_t off;
	uint32_t len;
	next_io(t, &op, &off, &len);
	s->c = c;
	s->off = off;
	s->len = len;
	s->xid = nfsio_next_xid(c->io);
	s->issue = now;
	int rc;
	if (op == NB_OP_READ)
		rc = nfsio_read(c->io, &s->req, &sh->fh, off, len);
	else
		rc = nfsio_write(c->io, &s->req, &sh->fh, off, len, sh->pattern + off % PATTERN_PERIOD,
				 sh->cfg->stable);
	if (rc)
		return -1;
	t->free = s->next;
	c->inflight++;
	t->inflight++;
	t->st.rpcs_issued++;
	if (now >= sh->ramp_end)
		t->issued++;
	return 0;
}

/* ---- connections --------------------------------------------------------- */

static void conn_lost(struct nb_thread *t, struct nb_conn *c, uint64_t now)
{
	if (c->dead)
		return;
	c->broken = 0;
	if (!t->error[0])
		snprintf(t->error, sizeof(t->error), "connection %u lost: %s", c->idx, nfsio_error(c->io));
	t->st.conn_errors++;
	c->dead = 1;
	c->retry_at = now;
	c->next_xid = nfsio_next_xid(c->io);
	/* requests in flight complete now, as cancelled */
	nfsio_close(c->io);
	c->io = NULL;
}

static void conn_retry(struct nb_thread *t, struct nb_conn *c, uint64_t now)
{
	const struct nb_config *cfg = t->sh->cfg;
	char err[256];
	if (now < c->retry_at)
		return;
	uint64_t left = t->last_progress + cfg->timeout_ns > now ? t->last_progress + cfg->timeout_ns - now : 0;
	int tmo = (int)(left / 1000000);
	if (tmo < 1000)
		tmo = 1000;
	if (nfsio_connect(&c->io, cfg->server, cfg->export, tmo, c->next_xid, err, sizeof(err)) == 0) {
		c->dead = 0;
		t->st.reconnects++;
		trace_conn_open(t, c);
	} else {
		snprintf(t->error, sizeof(t->error), "connection %u: reconnect failed: %s", c->idx, err);
		c->retry_at = tm_mono_ns() + 1000000000u;
	}
}

/* ---- the loop ------------------------------------------------------------ */

static void publish(struct nb_thread *t, uint64_t now)
{
	t->last_pub = now;
	pthread_mutex_lock(&t->pub_lock);
	t->pub_ops = t->pub_bytes = 0;
	hist_init(&t->pub_lat);
	for (unsigned i = 0; i < NB_OP_MAX; i++) {
		t->pub_ops += t->st.op[i].count;
		t->pub_bytes += t->st.op[i].bytes;
		hist_merge(&t->pub_lat, &t->st.op[i].lat);
	}
	pthread_mutex_unlock(&t->pub_lock);
}

static void *thread_main(void *arg)
{
	struct nb_thread *t = arg;
	struct nb_shared *sh = t->sh;
	const struct nb_config *cfg = sh->cfg;

	while (!atomic_load(&sh->go))
		usleep(100);
	tm_sleep_until(sh->t0, NULL); /* nothing issued before the clock starts */
	uint64_t now = tm_mono_ns();
	t->last_progress = now;
	uint64_t last_service = now;
	bool issuing = t->issuing = true;
	uint64_t drain_until = UINT64_MAX;

	for (;;) {
		now = tm_mono_ns();
		if (issuing && (nb_stop || now >= sh->end || t->issued >= t->quota)) {
			issuing = t->issuing = false;
			drain_until = now + cfg->timeout_ns;
		}
		if (!issuing && (t->inflight == 0 || now >= drain_until))
			break;
		if (now - t->last_progress > cfg->timeout_ns) {
			t->failed = 1;
			char d[32];
			snprintf(t->error + strlen(t->error), sizeof(t->error) - strlen(t->error),
				 "%sno reply from %s for %s", t->error[0] ? "; " : "", cfg->server,
				 out_fmt_ns(d, sizeof(d), now - t->last_progress));
			break;
		}
		int n = 0;
		for (unsigned i = 0; i < t->nconns; i++) {
			struct nb_conn *c = &t->conns[i];
			if (c->dead) {
				conn_retry(t, c, now);
				if (c->dead) {
					t->pfd[i].fd = -1;
					continue;
				}
			}
			refill(t, c, now);
			if (c->broken)
				conn_lost(t, c, now);
			if (c->dead) {
				t->pfd[i].fd = -1;
				continue;
			}
			t->pfd[i].fd = nfsio_fd(c->io);
			t->pfd[i].events = (short)nfsio_events(c->io);
			t->pfd[i].revents = 0;
			n++;
		}
		int wait_ms = 100;
		if (issuing && sh->end != UINT64_MAX && sh->end > now && (sh->end - now) / 1000000 < 100)
			wait_ms = (int)((sh->end - now) / 1000000) + 1;
		if (!n) {
			usleep(20000);
			continue;
		}
		int rc = poll(t->pfd, t->nconns, wait_ms);
		if (rc < 0 && errno != EINTR) {
			snprintf(t->error, sizeof(t->error), "poll: %s", strerror(errno));
			t->failed = 1;
			break;
		}
		now = tm_mono_ns();
		/* service with revents 0 now and then so libnfs's timeouts fire */
		bool tick = now - last_service > 100000000u;
		if (tick)
			last_service = now;
		for (unsigned i = 0; i < t->nconns; i++) {
			struct nb_conn *c = &t->conns[i];
			short rev = t->pfd[i].revents;
			if (c->dead || (!rev && !tick))
				continue;
			/* replies may start new RPCs (see on_done): let them out */
			if (rev & POLLIN)
				rev |= POLLOUT;
			if (nfsio_service(c->io, rev) < 0 || c->broken)
				conn_lost(t, c, now);
		}
		if (t->publish && now - t->last_pub > 500000000u)
			publish(t, now);
	}
	if (t->inflight && !t->failed) {
		t->failed = 1;
		snprintf(t->error, sizeof(t->error), "%llu RPCs still in flight after the drain timeout",
			 (unsigned long long)t->inflight);
	}
	now = tm_mono_ns();
	publish(t, now);
	pthread_mutex_lock(&t->pub_lock);
	t->finished_at = now;
	pthread_mutex_unlock(&t->pub_lock);
	return NULL;
}

/* ---- setup: lookup or create the file, lay it out ------------------------ */

struct sync_req {
	struct nfsio_req req;
	int done;
	struct nfsio_result r;
};

static void sync_cb(struct nfsio_req *req, const struct nfsio_result *r)
{
	struct sync_req *s = (struct sync_req *)req;
	s->r = *r;
	s->r.err = NULL; /* libnfs's string may not outlive the callback */
	s->done = 1;
}

static int sync_call(struct nfsio_conn *c, struct sync_req *s, uint64_t timeout_ns, char *err, size_t errlen,
		     const char *what)
{
	int rc = nfsio_wait(c, &s->done, tm_mono_ns() + timeout_ns);
	if (rc == ETIMEDOUT) {
		snprintf(err, errlen, "%s: no reply within the timeout", what);
		return rc;
	}
	if (rc || s->r.rpc != NFSIO_REPLY) {
		snprintf(err, errlen, "%s: %s", what, nfsio_error(c));
		return EIO;
	}
	return 0;
}

struct layout_req {
	struct nfsio_req req;
	int *inflight;
	int *failed;
	uint32_t *status;
};

static void layout_cb(struct nfsio_req *req, const struct nfsio_result *r)
{
	struct layout_req *l = (struct layout_req *)req;
	(*l->inflight)--;
	if (r->rpc != NFSIO_REPLY || r->nfs) {
		*l->failed = 1;
		*l->status = r->rpc != NFSIO_REPLY ? NB_ST_TRANSPORT | r->rpc : r->nfs;
	}
}

static int layout(struct nb_shared *sh, struct nfsio_conn *c, struct nb_result *res)
{
	struct nb_config *cfg = sh->cfg;
	struct nfsio_fh root;
	char err[256], sb[32];
	int rc = nfsio_mount_root(cfg->server, cfg->export, (int)(cfg->timeout_ns / 1000000), &root, err,
				  sizeof(err));
	if (rc) {
		snprintf(res->error, sizeof(res->error), "%s", err);
		return rc;
	}
	struct sync_req s = { .req.cb = sync_cb };
	if (nfsio_lookup(c, &s.req, &root, cfg->file)) {
		snprintf(res->error, sizeof(res->error), "LOOKUP %s: %s", cfg->file, nfsio_error(c));
		return EIO;
	}
	if ((rc = sync_call(c, &s, cfg->timeout_ns, res->error, sizeof(res->error), "LOOKUP")))
		return rc;
	uint64_t have = 0;
	if (s.r.nfs == 2 /* NFS3ERR_NOENT */) {
		memset(&s, 0, sizeof(s));
		s.req.cb = sync_cb;
		if (nfsio_create(c, &s.req, &root, cfg->file, 0644) ||
		    (rc = sync_call(c, &s, cfg->timeout_ns, res->error, sizeof(res->error), "CREATE")))
			return rc ? rc : EIO;
		if (s.r.nfs || !s.r.fh.len) {
			snprintf(res->error, sizeof(res->error), "CREATE %s in %s: %s", cfg->file, cfg->export,
				 s.r.nfs ? nfsio_status_name(s.r.nfs, sb, sizeof(sb)) : "no file handle returned");
			return EIO;
		}
	} else if (s.r.nfs) {
		snprintf(res->error, sizeof(res->error), "LOOKUP %s in %s: %s", cfg->file, cfg->export,
			 nfsio_status_name(s.r.nfs, sb, sizeof(sb)));
		return EIO;
	} else if (s.r.ftype && s.r.ftype != 1) {
		snprintf(res->error, sizeof(res->error), "%s in %s is not a regular file", cfg->file, cfg->export);
		return EINVAL;
	}
	sh->fh = s.r.fh;
	have = s.r.has_size ? s.r.size : 0;
	if (!s.r.has_size) {
		memset(&s, 0, sizeof(s));
		s.req.cb = sync_cb;
		if (nfsio_getattr(c, &s.req, &sh->fh) ||
		    (rc = sync_call(c, &s, cfg->timeout_ns, res->error, sizeof(res->error), "GETATTR")))
			return rc ? rc : EIO;
		have = s.r.size;
	}
	if (!rw_reads(cfg->rw) || have >= cfg->size)
		return 0;

	/* Fill [have, size) with the pattern, 16 WRITEs in flight, then COMMIT. */
	bool tty = isatty(STDERR_FILENO);
	char b1[32], b2[32];
	if (!cfg->json || tty)
		fprintf(stderr, "nfsbench: laying out %s: %s of %s\n", cfg->file,
			out_fmt_bytes(b1, sizeof(b1), (double)have), out_fmt_bytes(b2, sizeof(b2), (double)cfg->size));
	struct layout_req lr[16];
	int inflight = 0, failed = 0;
	uint32_t status = 0;
	uint64_t off = have - have % cfg->wsize_used, last_print = tm_mono_ns();
	uint64_t last_step = last_print;
	for (unsigned i = 0; i < 16; i++)
		lr[i] = (struct layout_req){ .req.cb = layout_cb, .inflight = &inflight, .failed = &failed,
					     .status = &status };
	unsigned next = 0;
	while ((off < cfg->size || inflight) && !failed && !nb_stop) {
		while (off < cfg->size && inflight < 16) {
			uint32_t n = cfg->size - off < cfg->wsize_used ? (uint32_t)(cfg->size - off) : cfg->wsize_used;
			if (nfsio_write(c, &lr[next].req, &sh->fh, off, n, sh->pattern + off % PATTERN_PERIOD, 0)) {
				failed = 1;
				break;
			}
			next = (next + 1) % 16;
			inflight++;
			off += n;
			res->laid_out_bytes += n;
		}
		int before = inflight;
		int w = nfsio_wait(c, &(int){ 0 }, tm_mono_ns() + 50000000u);
		uint64_t now = tm_mono_ns();
		if (w == EPIPE) {
			failed = 1;
			break;
		}
		if (inflight < before)
			last_step = now;
		else if (now - last_step > cfg->timeout_ns) {
			snprintf(res->error, sizeof(res->error), "laying out %s: no reply for %s", cfg->file,
				 out_fmt_ns(b1, sizeof(b1), now - last_step));
			return ETIMEDOUT;
		}
		if (tty && now - last_print > 1000000000u) {
			last_print = now;
			fprintf(stderr, "\rnfsbench: laying out %s: %s of %s ", cfg->file,
				out_fmt_bytes(b1, sizeof(b1), (double)off), out_fmt_bytes(b2, sizeof(b2), (double)cfg->size));
		}
	}
	if (tty)
		fprintf(stderr, "\r\033[K");
	if (nb_stop) {
		snprintf(res->error, sizeof(res->error), "interrupted while laying out %s", cfg->file);
		return EINTR;
	}
	if (failed) {
		snprintf(res->error, sizeof(res->error), "laying out %s at offset %llu: %s", cfg->file,
			 (unsigned long long)off,
			 status & NB_ST_TRANSPORT ? nfsio_error(c) : nfsio_status_name(status, sb, sizeof(sb)));
		return EIO;
	}
	memset(&s, 0, sizeof(s));
	s.req.cb = sync_cb;
	if (nfsio_commit(c, &s.req, &sh->fh, 0, 0) ||
	    (rc = sync_call(c, &s, cfg->timeout_ns, res->error, sizeof(res->error), "COMMIT")))
		return rc ? rc : EIO;
	return 0;
}

/* ---- COMMIT at the end of unstable writes -------------------------------- */

static void final_commit(struct nb_shared *sh, struct nb_thread *t)
{
	struct nb_conn *c = NULL;
	for (unsigned i = 0; i < t->nconns && !c; i++)
		if (!t->conns[i].dead)
			c = &t->conns[i];
	if (!c)
		return;
	struct sync_req s = { .req.cb = sync_cb };
	uint64_t start = tm_mono_ns();
	char err[256];
	struct nb_opstat *o = &t->st.op[NB_OP_COMMIT];
	t->st.rpcs_issued++;
	uint32_t xid = nfsio_next_xid(c->io);
	if (nfsio_commit(c->io, &s.req, &sh->fh, 0, 0) ||
	    sync_call(c->io, &s, sh->cfg->timeout_ns, err, sizeof(err), "COMMIT")) {
		nb_opstat_error(o, NB_ST_TRANSPORT | NFSIO_ERROR);
		return;
	}
	if (s.r.nfs) {
		nb_opstat_error(o, s.r.nfs);
		return;
	}
	uint64_t now = tm_mono_ns();
	o->count++;
	hist_record(&o->lat, now - start);
	if (t->tb) {
		struct trace_rpc tr = { .op = NB_OP_COMMIT, .flags = TRACE_F_COUNTED, .xid = xid,
					.issue_ns = (uint64_t)((int64_t)start + sh->m2r),
					.complete_ns = (uint64_t)((int64_t)now + sh->m2r), .conn = (uint16_t)c->idx };
		trace_add_rpc(t->tb, &tr);
	}
}

/* ---- the run ------------------------------------------------------------- */

static void progress_line(struct nb_shared *sh, uint64_t now, uint64_t *prev_ops, uint64_t *prev_bytes,
			  uint64_t *prev_t)
{
	uint64_t ops = 0, bytes = 0;
	struct hist *h = malloc(sizeof(*h));
	if (!h)
		return;
	hist_init(h);
	for (unsigned i = 0; i < sh->nthreads; i++) {
		struct nb_thread *t = &sh->threads[i];
		pthread_mutex_lock(&t->pub_lock);
		ops += t->pub_ops;
		bytes += t->pub_bytes;
		hist_merge(h, &t->pub_lat);
		pthread_mutex_unlock(&t->pub_lock);
	}
	double dt = (double)(now - *prev_t) / 1e9;
	char p99[32], rate[32];
	double el = now > sh->ramp_end ? (double)(now - sh->ramp_end) / 1e9 : -(double)(sh->ramp_end - now) / 1e9;
	char left[32] = "";
	if (sh->end != UINT64_MAX)
		snprintf(left, sizeof(left), ", %.0fs left", now < sh->end ? (double)(sh->end - now) / 1e9 : 0.0);
	fprintf(stderr, "\r\033[K[%s %.0fs%s] %s/s, %.0f IOPS, p99 %s", el < 0 ? "ramp" : "run", el < 0 ? -el : el,
		left, out_fmt_bytes(rate, sizeof(rate), dt > 0 ? (double)(bytes - *prev_bytes) / dt : 0),
		dt > 0 ? (double)(ops - *prev_ops) / dt : 0, out_fmt_ns(p99, sizeof(p99), hist_percentile(h, 99)));
	*prev_ops = ops;
	*prev_bytes = bytes;
	*prev_t = now;
	free(h);
}

static double tv_s(struct timeval tv) { return (double)tv.tv_sec + (double)tv.tv_usec / 1e6; }

int nb_run(struct nb_config *cfg, struct nb_result *res)
{
	memset(res, 0, sizeof(*res));
	nb_stats_init(&res->total);
	struct nb_shared sh = { .cfg = cfg };
	unsigned nthreads = cfg->threads > cfg->connections ? cfg->connections : cfg->threads;
	int rc = 0;
	struct nb_conn *conns = calloc(cfg->connections, sizeof(*conns));
	struct nb_thread *threads = calloc(nthreads, sizeof(*threads));
	if (!conns || !threads) {
		free(conns);
		free(threads);
		snprintf(res->error, sizeof(res->error), "out of memory");
		return ENOMEM;
	}
	sh.threads = threads;
	sh.nthreads = nthreads;

	/* connections: XIDs of connection i start at i << 24 + 1 */
	int tmo_ms = (int)(cfg->timeout_ns / 1000000);
	for (unsigned i = 0; i < cfg->connections; i++) {
		conns[i].idx = i;
		conns[i].next_xid = (i << 24) + 1;
		rc = nfsio_connect(&conns[i].io, cfg->server, cfg->export, tmo_ms, conns[i].next_xid, res->error,
				   sizeof(res->error));
		if (rc)
			goto out;
	}
	cfg->rtmax = nfsio_readmax(conns[0].io);
	cfg->wtmax = nfsio_writemax(conns[0].io);
	uint64_t rs = cfg->rsize ? cfg->rsize : cfg->bs, ws = cfg->wsize ? cfg->wsize : cfg->bs;
	cfg->rsize_used = (uint32_t)(cfg->rtmax && rs > cfg->rtmax ? cfg->rtmax : rs);
	cfg->wsize_used = (uint32_t)(cfg->wtmax && ws > cfg->wtmax ? cfg->wtmax : ws);
	if (!cfg->json && (cfg->rsize_used < rs || cfg->wsize_used < ws) && rw_reads(cfg->rw) != (cfg->rw == NB_RW_WRITE))
		err_warn("server's FSINFO maximum caps RPCs at read %u / write %u bytes", cfg->rtmax, cfg->wtmax);

	if (!cfg->ops_limit && !cfg->time_ns) {
		/* neither --time nor --ops: one pass over the file */
		uint32_t rpc = cfg->rw == NB_RW_READ || cfg->rw == NB_RW_RANDREAD	 ? cfg->rsize_used
			       : cfg->rw == NB_RW_WRITE || cfg->rw == NB_RW_RANDWRITE ? cfg->wsize_used
			       : cfg->rsize_used < cfg->wsize_used		       ? cfg->rsize_used
										       : cfg->wsize_used;
		cfg->ops_limit = (cfg->size / cfg->bs) * ((cfg->bs + rpc - 1) / rpc);
		if (!cfg->ops_limit)
			cfg->ops_limit = 1;
	}
	sh.pattern = pattern_buffer(cfg->seed, cfg->wsize_used);
	if (!sh.pattern) {
		snprintf(res->error, sizeof(res->error), "out of memory for the write pattern");
		rc = ENOMEM;
		goto out;
	}
	if ((rc = layout(&sh, conns[0].io, res)))
		goto out;
	sh.m2r = tm_mono_to_real_offset();
	if (cfg->trace_path &&
	    (rc = trace_open(&sh.tf, cfg->trace_path, tm_real_ns(), res->error, sizeof(res->error))))
		goto out;

	/* threads: connection i belongs to thread i % T */
	for (unsigned i = 0; i < nthreads; i++) {
		struct nb_thread *t = &threads[i];
		t->idx = i;
		t->sh = &sh;
		nb_stats_init(&t->st);
		hist_init(&t->pub_lat);
		pthread_mutex_init(&t->pub_lock, NULL);
		t->rng = cfg->seed * 0x9e3779b97f4a7c15ull + i + 1;
		unsigned nc = cfg->connections / nthreads + (i < cfg->connections % nthreads);
		t->conns = calloc(nc, sizeof(*t->conns));
		t->pfd = calloc(nc, sizeof(*t->pfd));
		t->slots = calloc((size_t)nc * cfg->slots, sizeof(*t->slots));
		if (!t->conns || !t->pfd || !t->slots) {
			snprintf(res->error, sizeof(res->error), "out of memory");
			rc = ENOMEM;
			goto out;
		}
		for (unsigned k = 0, j = i; j < cfg->connections; j += nthreads, k++) {
			t->conns[k] = conns[j];
			conns[j].io = NULL; /* owned by the thread now */
		}
		t->nconns = nc;
		for (size_t k = 0; k < (size_t)nc * cfg->slots; k++) {
			t->slots[k].t = t;
			t->slots[k].req.cb = on_done;
			t->slots[k].next = t->free;
			t->free = &t->slots[k];
		}
		/* sequential region: the file split in T bs-aligned parts */
		uint64_t nblk = cfg->size / cfg->bs, per = nblk / nthreads;
		if (per == 0) {
			t->seq_lo = 0;
			t->seq_hi = cfg->size;
		} else {
			t->seq_lo = i * per * cfg->bs;
			t->seq_hi = i + 1 == nthreads ? cfg->size : (i + 1) * per * cfg->bs;
		}
		t->seq_off = t->seq_lo;
		t->quota = cfg->ops_limit ? cfg->ops_limit / nthreads + (i < cfg->ops_limit % nthreads) : UINT64_MAX;
		t->rw = cfg->rw;
		t->random = rw_random(cfg->rw);
		t->mix = cfg->rwmixread;
		t->depth = cfg->slots;
		t->rsz = cfg->rsize_used;
		t->wsz = cfg->wsize_used;
		t->bs = cfg->bs;
		t->nblk = cfg->size / cfg->bs;
		if (sh.tf) {
			if ((rc = trace_buf_new(&t->tb, sh.tf))) {
				snprintf(res->error, sizeof(res->error), "out of memory");
				goto out;
			}
			for (unsigned k = 0; k < nc; k++)
				trace_conn_open(t, &t->conns[k]);
		}
	}

	/* ops are counted in units of RPCs: a --bs larger than the RPC size
	 * makes several RPCs per block, each counted */
	sh.t0 = tm_mono_ns() + 1000000; /* a moment for the threads to start */
	sh.ramp_end = sh.t0 + cfg->ramp_ns;
	sh.end = cfg->time_ns ? sh.ramp_end + cfg->time_ns : UINT64_MAX;
	bool progress = cfg->progress > 0 || (cfg->progress < 0 && !cfg->json && isatty(STDERR_FILENO));
	for (unsigned i = 0; i < nthreads; i++)
		threads[i].publish = progress;
	unsigned started = 0;
	for (; started < nthreads; started++) {
		if ((rc = pthread_create(&threads[started].tid, NULL, thread_main, &threads[started]))) {
			snprintf(res->error, sizeof(res->error), "pthread_create: %s", strerror(rc));
			nb_stop = 1;
			break;
		}
	}
	atomic_store(&sh.go, 1);


	struct rusage ru0, ru1;
	bool have_ru0 = false;
	uint64_t prev_ops = 0, prev_bytes = 0, prev_t = tm_mono_ns(), last_line = prev_t;
	for (;;) {
		bool all = true;
		for (unsigned i = 0; i < started; i++) {
			pthread_mutex_lock(&threads[i].pub_lock);
			bool done = threads[i].finished_at != 0;
			pthread_mutex_unlock(&threads[i].pub_lock);
			all = all && done;
		}
		uint64_t now = tm_mono_ns();
		if (!have_ru0 && now >= sh.ramp_end) {
			getrusage(RUSAGE_SELF, &ru0);
			have_ru0 = true;
		}
		if (all)
			break;
		if (progress && now - last_line >= 1000000000u) {
			last_line = now;
			progress_line(&sh, now, &prev_ops, &prev_bytes, &prev_t);
		}
		uint64_t until = now + 50000000u;
		if (!have_ru0 && sh.ramp_end < until)
			until = sh.ramp_end;
		tm_sleep_until(until, NULL);
	}
	getrusage(RUSAGE_SELF, &ru1);
	if (!have_ru0)
		ru0 = ru1;
	if (progress)
		fprintf(stderr, "\r\033[K");
	uint64_t last = 0;
	for (unsigned i = 0; i < started; i++) {
		pthread_join(threads[i].tid, NULL);
		if (threads[i].finished_at > last)
			last = threads[i].finished_at;
	}
	uint64_t stop_at = sh.end != UINT64_MAX && last > sh.end ? sh.end : last;
	res->elapsed_ns = stop_at > sh.ramp_end ? stop_at - sh.ramp_end : 0;
	res->user_s = tv_s(ru1.ru_utime) - tv_s(ru0.ru_utime);
	res->sys_s = tv_s(ru1.ru_stime) - tv_s(ru0.ru_stime);
	res->interrupted = nb_stop;
	for (unsigned i = 0; i < started; i++) {
		struct nb_thread *t = &threads[i];
		if (!t->failed && cfg->stable == 0 && cfg->rw != NB_RW_READ && cfg->rw != NB_RW_RANDREAD &&
		    !nb_stop && i == 0)
			final_commit(&sh, t);
		if (t->failed && !res->failed) {
			res->failed = 1;
			snprintf(res->error, sizeof(res->error), "thread %u: %s", i, t->error);
		}
		nb_stats_merge(&res->total, &t->st);
	}
	rc = 0;
out:
	for (unsigned i = 0; i < nthreads; i++) {
		struct nb_thread *t = &threads[i];
		if (t->tb)
			trace_buf_free(t->tb);
		for (unsigned k = 0; k < t->nconns; k++)
			nfsio_close(t->conns[k].io);
		nb_stats_free(&t->st);
		free(t->conns);
		free(t->pfd);
		free(t->slots);
		if (t->sh)
			pthread_mutex_destroy(&t->pub_lock);
	}
	for (unsigned i = 0; i < cfg->connections; i++)
		nfsio_close(conns[i].io);
	if (sh.tf) {
		int e = trace_close(sh.tf);
		if (e && !rc && !res->failed) {
			res->failed = 1;
			snprintf(res->error, sizeof(res->error), "writing trace %s: %s", cfg->trace_path, strerror(e));
		}
	}
	free(conns);
	free(threads);
	free((void *)sh.pattern);
	return rc;
}

void nb_result_free(struct nb_result *res)
{
	nb_stats_free(&res->total);
}
