/* engine.c - nfsbench's load engine.
 *
 * Thread groups of a profile (profile.h) run as threads, each driving its
 * share of the group's connections from one poll loop with up to S RPCs in
 * flight per connection. A slot runs one operation at a time; an operation
 * is a short sequence of RPCs (a READ per read_bs, LOOKUP+ACCESS+GETATTR for
 * open_close, ...). After fio and libnfs: callbacks record a completion and
 * queue the operation's next RPC or the next operation (never blocking,
 * never closing anything); the loop owns polling, timers, connection loss
 * and phases. Nothing blocks on the server without a deadline, and nothing
 * exits: errors end the run with partial results.
 *
 * Phases: layout (files created and filled, not counted), then ramp and the
 * timed phase (or a fixed amount of work), then a bounded drain.
 */
#include <errno.h>
#include <math.h>
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
#include "filelock.h"
#include "mem.h"
#include "nfsbench.h"
#include "out.h"
#include "pattern.h"
#include "tm.h"
#include "trace.h"

volatile int nb_stop;

#define NB_K_LAYOUT NB_K_MAX /* internal: create and fill a file before the run */
#define LAYOUT_BS (1u << 20)
#define MAX_VERIFY_MSGS 10
/* The per-RPC path is a chain of small steps; inlining them saves the
 * calls' register saves, which callgrind shows as a tenth of the client's
 * own instructions per 4 KiB READ. */
#define HOT static inline __attribute__((always_inline))

struct nb_thread;

struct nb_file {
	struct nfsio_fh fh;
	uint64_t size;      /* bytes that hold data (what reads may cover) */
	uint64_t target;    /* size wanted at layout */
	uint64_t cursor;    /* next offset of sequential operations */
	uint64_t lo, hi;    /* this thread's region (the shared quick-mode file) */
	uint32_t id;        /* in traces and verify headers */
	uint32_t dir;       /* index into the run's directories */
	uint32_t gen;       /* bumped by every write */
	struct fl_file lk;  /* operations in flight on it, and waiting for it */
	uint8_t exists;
	uint8_t laid;       /* layout done */
	/* verify: every block in [0, size) is a verify block of this seed
	 * (laid out, or found with the mark), and this run wrote to it: such
	 * files get the mark at the end (see nb_verify_mark) */
	uint8_t whole, written;
	char name[32];
};

struct nb_conn {
	struct nfsio_conn *io;
	unsigned idx;
	unsigned inflight;
	uint32_t next_xid; /* where a reconnect continues the XIDs */
	int dead;          /* lost; the loop reconnects it */
	int broken;        /* an RPC could not be queued: close it from the loop */
	uint64_t retry_at;
};

struct nb_slot {
	struct nfsio_req req; /* first: the callback gets it back */
	struct nb_thread *t;
	struct nb_conn *c;
	/* the RPC in flight */
	uint64_t issue;
	uint64_t roff;
	uint32_t rlen;
	uint32_t xid;
	/* the operation */
	uint8_t kind, step;
	bool counted;   /* started inside the timed phase */
	uint32_t file;  /* index into the thread's files (or directories) */
	uint64_t off, end;
	uint64_t start; /* scheduled start: latency is measured from here */
	uint64_t bytes;
	unsigned rpcs;
	uint64_t cookie;
	unsigned char verf[8];
	char name[32];
	unsigned char *vbuf; /* verify: the blocks of one WRITE */
	uint64_t ready_at;   /* op_delay */
	uint64_t seq_next;   /* the file's cursor once this operation starts */
	struct fl_hold hold; /* on its file, while in flight or waiting */
	bool waiting;        /* its operation, planned, waits for s->file (on the wait list) */
	bool waited;         /* ... and did so before it started */
	struct nb_slot *next;
};

struct nb_shared;

struct nb_thread {
	pthread_t tid;
	unsigned idx, gi; /* global thread index, group index */
	const struct nb_group *g;
	struct nb_shared *sh;
	struct nb_conn *conns;
	unsigned nconns;
	struct nb_slot *slots;
	struct nb_slot *fhead, *ftail; /* free slots, FIFO (op_delay keeps order) */
	struct nb_slot *whead, *wtail; /* slots whose operation waits for its file, FIFO */
	struct pollfd *pfd;
	uint64_t inflight;
	/* workload */
	struct nb_file *files;
	unsigned nfiles, capfiles, nlive;
	unsigned layout_next;
	char (*mdirs)[32]; /* directories made by mkdir, LIFO */
	unsigned nmdirs, capmdirs;
	unsigned ncreated;
	uint64_t quota, issued; /* counted operations to start (ops_limit) */
	uint64_t rng;
	double rate_gap_ns, rate_bps; /* per thread; 0 = closed loop */
	uint64_t next_arrival;
	uint64_t last_progress;
	bool issuing;
	bool in_layout;
	bool rated;    /* rate_iops or rate_bytes: open-loop arrivals */
	bool verify;
	bool quick;    /* the one shared quick-mode file */
	bool stuck;    /* no operation of the mix could run: wait for a completion */
	bool exhausted; /* ... and none ever will: stop issuing */
	int only_kind; /* the group's one operation kind, or -1 */
	/* no kind of the mix writes or changes a name, so no two operations
	 * can clash (filelock.h) and none takes a hold: a read-only mix's
	 * RPCs skip the bookkeeping */
	bool clash_free;
	/* results */
	struct nb_stats st;
	struct nb_stats *sw; /* stonewall snapshot */
	struct trace_buf *tb;
	unsigned verify_msgs;
	unsigned relaid; /* verify: files found without the mark, laid out again */
	/* published for the main thread */
	pthread_mutex_t pub_lock;
	uint64_t pub_ops, pub_bytes;
	struct hist pub_lat;
	uint64_t last_pub;
	bool publish;
	uint64_t finished_at;
	uint64_t layout_bytes;
	bool layout_done;
	int failed;
	char error[256];
};

struct nb_shared {
	struct nb_config *cfg;
	const struct nb_profile *prof;
	struct nfsio_fh base;     /* the fileset's directory */
	struct nfsio_fh *dirs;    /* its subdirectories (or just base) */
	unsigned ndirs;
	const unsigned char *pattern;
	uint64_t t0, ramp_end, end; /* end = UINT64_MAX without a time */
	int64_t m2r;                /* CLOCK_MONOTONIC -> CLOCK_REALTIME */
	struct trace_file *tf;
	struct nb_thread *threads;
	unsigned nthreads;
	uint32_t rtmax, wtmax;
	uint64_t mark; /* verify: nb_verify_mark(seed) */
	atomic_int go_layout, go_run;
	atomic_int stonewall; /* set by main when the first group finished */
	unsigned salt;        /* in names the run makes: differs from run to run */
};

/* splitmix64: small, fast, good enough to pick operations and offsets. */
HOT uint64_t rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static inline double rng_unit(uint64_t *s)
{
	return (double)(rng_next(s) >> 11) * (1.0 / 9007199254740992.0);
}

static inline uint64_t min64(uint64_t a, uint64_t b) { return a < b ? a : b; }

static inline void iv_add(struct nb_stats *s, unsigned sec, uint64_t bytes)
{
	if (sec < s->niv) {
		s->iv_ops[sec]++;
		s->iv_bytes[sec] += bytes;
	} else {
		nb_stats_iv_add(s, sec, bytes); /* grows the series */
	}
}

/* Append s to a FIFO of slots (the free ones, or those waiting). */
static void slot_push(struct nb_slot **head, struct nb_slot **tail, struct nb_slot *s)
{
	s->next = NULL;
	if (*tail)
		(*tail)->next = s;
	else
		*head = s;
	*tail = s;
}

static void slot_free(struct nb_thread *t, struct nb_slot *s)
{
	slot_push(&t->fhead, &t->ftail, s);
}

static struct nb_slot *slot_take(struct nb_thread *t)
{
	struct nb_slot *s = t->fhead;
	t->fhead = s->next;
	if (!t->fhead)
		t->ftail = NULL;
	return s;
}

/* ---- trace --------------------------------------------------------------- */

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

/* ---- operations ---------------------------------------------------------- */

static const struct nfsio_fh *dir_fh(struct nb_thread *t, const struct nb_file *f)
{
	return &t->sh->dirs[f->dir];
}

/* Issue the operation's next RPC. Returns 0, or -1 when it could not be
 * queued (the connection is broken). */
static int op_issue(struct nb_thread *t, struct nb_slot *s, uint64_t now)
{
	struct nb_shared *sh = t->sh;
	struct nfsio_conn *io = s->c->io;
	/* directory operations leave s->file meaning a directory (or nothing) */
	struct nb_file *f = &t->files[s->kind == NB_K_READDIR || s->kind == NB_K_MKDIR || s->kind == NB_K_RMDIR
					      ? 0 : s->file];
	int rc = -1;
	s->xid = nfsio_next_xid(io);
	s->issue = now;
	switch (s->kind) {
	case NB_K_READ:
	case NB_K_READALL:
		s->roff = s->off;
		s->rlen = (uint32_t)min64(t->g->read_bs, s->end - s->off);
		if (!s->rlen)
			s->rlen = (uint32_t)t->g->read_bs; /* empty file: one READ that sees EOF */
		rc = nfsio_read(io, &s->req, &f->fh, s->roff, s->rlen);
		break;
	case NB_K_CREATE:
	case NB_K_LAYOUT:
		if (s->step == 0 && s->kind == NB_K_LAYOUT) {
			rc = nfsio_lookup(io, &s->req, dir_fh(t, f), f->name);
			break;
		}
		if (s->step == 1 || (s->step == 0 && s->kind == NB_K_CREATE)) {
			rc = nfsio_create(io, &s->req, dir_fh(t, f), f->name, 0644);
			break;
		}
		if (s->step == 3) {
			f->written = 1;
			rc = nfsio_truncate(io, &s->req, &f->fh, s->end);
			break;
		}
		if (s->step == 4) { /* verify: who wrote the file found? */
			rc = nfsio_read(io, &s->req, &f->fh, 0, NB_VERIFY_BLOCK);
			break;
		}
		/* step 2 writes the data, as a WRITE operation does */
		__attribute__((fallthrough));
	case NB_K_WRITE:
	case NB_K_WRITEALL:
	case NB_K_APPEND: {
		uint64_t bs = s->kind == NB_K_LAYOUT ? min64(LAYOUT_BS, sh->wtmax ? sh->wtmax : LAYOUT_BS)
						     : t->g->write_bs;
		s->roff = s->off;
		s->rlen = (uint32_t)min64(bs, s->end - s->off);
		const void *data = sh->pattern + s->roff % PATTERN_PERIOD;
		if (t->verify) {
			f->written = 1;
			if (s->roff > f->size)
				f->whole = 0; /* a hole: zeros, not verify blocks */
			nb_verify_fill(s->vbuf, s->rlen, f->id, s->roff, f->gen, sh->cfg->seed);
			data = s->vbuf;
		}
		rc = nfsio_write(io, &s->req, &f->fh, s->roff, s->rlen, data,
				 s->kind == NB_K_LAYOUT ? 0 : t->g->stable);
		break;
	}
	case NB_K_DELETE:
		s->roff = s->rlen = 0;
		rc = nfsio_remove(io, &s->req, dir_fh(t, f), f->name);
		break;
	case NB_K_STAT:
		rc = nfsio_getattr(io, &s->req, &f->fh);
		break;
	case NB_K_LOOKUP:
		rc = nfsio_lookup(io, &s->req, dir_fh(t, f), f->name);
		break;
	case NB_K_OPEN_CLOSE:
		rc = s->step == 0   ? nfsio_lookup(io, &s->req, dir_fh(t, f), f->name)
		     : s->step == 1 ? nfsio_access(io, &s->req, &f->fh)
				    : nfsio_getattr(io, &s->req, &f->fh);
		break;
	case NB_K_RENAME:
		rc = s->step == 0 ? nfsio_lookup(io, &s->req, dir_fh(t, f), f->name)
				  : nfsio_rename(io, &s->req, dir_fh(t, f), f->name, dir_fh(t, f), s->name);
		break;
	case NB_K_COMMIT:
		rc = nfsio_commit(io, &s->req, &f->fh, 0, 0);
		break;
	case NB_K_READDIR:
		rc = nfsio_readdirplus(io, &s->req, &sh->dirs[s->file], s->cookie, s->verf, 32768);
		break;
	case NB_K_MKDIR:
		rc = nfsio_mkdir(io, &s->req, &sh->base, s->name, 0755);
		break;
	case NB_K_RMDIR:
		rc = nfsio_rmdir(io, &s->req, &sh->base, s->name);
		break;
	}
	if (rc)
		return -1;
	s->rpcs++;
	s->c->inflight++;
	t->inflight++;
	t->st.rpcs_issued++;
	return 0;
}

/* How an operation of kind k holds its file while in flight (filelock.h). */
static enum fl_mode kind_mode(unsigned k)
{
	switch (k) {
	case NB_K_READ:
	case NB_K_READALL:
		return FL_READ;
	case NB_K_WRITE:
	case NB_K_WRITEALL:
	case NB_K_APPEND:
		return FL_WRITE;
	case NB_K_DELETE:
	case NB_K_RENAME:
	case NB_K_CREATE:
	case NB_K_LAYOUT:
		return FL_EXCL;
	default:
		return FL_META;
	}
}

/* Operations on one of the thread's files, by name or handle (not a
 * directory, not a new file). */
static bool kind_on_file(unsigned k)
{
	return k < NB_K_MAX && k != NB_K_CREATE && k != NB_K_READDIR && k != NB_K_MKDIR && k != NB_K_RMDIR;
}

/* Could an operation of kind k run at all now, whatever is in flight? */
static bool kind_possible(const struct nb_thread *t, unsigned k)
{
	if (k == NB_K_RMDIR)
		return t->nmdirs > 0;
	if ((k == NB_K_DELETE || k == NB_K_RENAME) && t->quick)
		return false; /* the shared quick-mode file stays */
	return !kind_on_file(k) || t->nlive > 0;
}

static uint64_t pick_size(struct nb_thread *t)
{
	const struct nb_fileset *fs = &t->sh->prof->fs;
	unsigned w = 0;
	for (unsigned i = 0; i < fs->nsizes; i++)
		w += fs->sizes[i].weight;
	unsigned x = (unsigned)(rng_next(&t->rng) % w);
	for (unsigned i = 0; i < fs->nsizes; i++) {
		if (x < fs->sizes[i].weight)
			return fs->sizes[i].size;
		x -= fs->sizes[i].weight;
	}
	return fs->sizes[0].size;
}

/* A byte range of len bytes inside [lo, hi), aligned to align: random or
 * from the file's sequential cursor (wrapping). The cursor moves only when
 * the operation starts (to *next). */
HOT void pick_range(struct nb_thread *t, const struct nb_file *f, uint64_t lo, uint64_t hi, uint64_t len,
		    uint64_t align, uint64_t *off, uint64_t *end, uint64_t *next)
{
	*next = f->cursor;
	if (hi <= lo) {
		*off = *end = lo;
		return;
	}
	if (len > hi - lo)
		len = hi - lo;
	if (t->g->random) {
		uint64_t span = (hi - lo - len) / align + 1;
		*off = lo + (rng_next(&t->rng) % span) * align;
	} else {
		/* wrap: sequential runs restart */
		*off = f->cursor < lo || f->cursor + len > hi ? lo : f->cursor;
		*next = *off + len;
	}
	*end = *off + len;
}

/* The bytes of file f that an operation of kind k would touch, in
 * s->off, s->end (and s->seq_next). */
HOT void plan_range(struct nb_thread *t, struct nb_slot *s, const struct nb_file *f, unsigned k)
{
	const struct nb_group *g = t->g;
	/* quick mode aligns to its --bs, profiles to the block sizes */
	uint64_t align_r = t->verify ? NB_VERIFY_BLOCK : t->quick ? g->read_size : g->read_bs;
	uint64_t align_w = t->verify ? NB_VERIFY_BLOCK : t->quick ? g->write_size : g->write_bs;
	s->off = s->end = 0;
	switch (k) {
	case NB_K_READ:
		pick_range(t, f, f->lo, min64(f->hi, f->size), g->read_size, align_r, &s->off, &s->end, &s->seq_next);
		break;
	case NB_K_READALL:
		s->off = f->lo;
		s->end = min64(f->hi, f->size);
		break;
	case NB_K_WRITE:
		pick_range(t, f, f->lo, min64(f->hi, f->size ? f->size : f->hi), g->write_size, align_w, &s->off,
			   &s->end, &s->seq_next);
		if (s->end == s->off) { /* an empty file: write at its start */
			s->off = f->lo;
			s->end = f->lo + g->write_size;
		}
		break;
	case NB_K_WRITEALL:
		s->off = f->lo;
		s->end = min64(f->hi, f->size);
		if (s->end == s->off)
			s->end = s->off + g->write_size;
		break;
	case NB_K_APPEND:
		s->off = t->verify ? (f->size + NB_VERIFY_BLOCK - 1) / NB_VERIFY_BLOCK * NB_VERIFY_BLOCK : f->size;
		s->end = s->off + g->write_size;
		break;
	default:
		break;
	}
}

/* The range an operation holds: what its RPCs touch (a read of nothing
 * still sends one READ of read_bs, which sees EOF or a new write). An
 * append holds from its offset on: appends to a file go one at a time,
 * and one waiting is not overtaken by a later one at the new end. */
static uint64_t hold_end(const struct nb_thread *t, const struct nb_slot *s)
{
	if (s->kind == NB_K_APPEND)
		return UINT64_MAX;
	return kind_mode(s->kind) == FL_READ && s->end == s->off ? s->off + t->g->read_bs : s->end;
}

/* May a new operation of kind k on slot s run on file i now (its range
 * planned into s)? */
HOT bool try_file(struct nb_thread *t, struct nb_slot *s, unsigned k, unsigned i)
{
	const struct nb_file *f = &t->files[i];
	if (!f->exists || f->lk.excl)
		return false;
	plan_range(t, s, f, k);
	return t->clash_free || fl_may(&f->lk, kind_mode(k), s->off, hold_end(t, s), NULL);
}

/* A file free for an operation of kind k on slot s: random ones first,
 * then a scan. Returns its index, or -1 when every file is busy. */
HOT int pick_file(struct nb_thread *t, struct nb_slot *s, unsigned k)
{
	for (int tries = 0; tries < 8; tries++) {
		unsigned i = (unsigned)(rng_next(&t->rng) % t->nfiles);
		if (try_file(t, s, k, i))
			return (int)i;
	}
	unsigned start = (unsigned)(rng_next(&t->rng) % t->nfiles);
	for (unsigned n = 0; n < t->nfiles; n++)
		if (try_file(t, s, k, (start + n) % t->nfiles))
			return (int)((start + n) % t->nfiles);
	return -1;
}

static int new_file_slot(struct nb_thread *t)
{
	for (unsigned i = 0; i < t->nfiles; i++) {
		const struct nb_file *f = &t->files[i];
		if (!f->exists && !f->lk.excl && !f->lk.users && !f->lk.waiters && f->laid)
			return (int)i;
	}
	if (MEM_GROW(&t->files, &t->capfiles, t->nfiles + 1, 16))
		return -1;
	memset(&t->files[t->nfiles], 0, sizeof(t->files[0]));
	return (int)t->nfiles++;
}

static void wait_add(struct nb_thread *t, struct nb_slot *s)
{
	slot_push(&t->whead, &t->wtail, s);
}

static void wait_stop(struct nb_thread *t, struct nb_slot *s)
{
	if (s->waiting)
		fl_unwait(&t->files[s->file].lk, &s->hold);
	s->waiting = false;
}

enum plan { PLAN_OK, PLAN_WAIT, PLAN_SKIP };

/* Plan an operation of kind k on slot s. PLAN_WAIT: every file is busy
 * for it; it waits, planned, in its file's queue (s->waiting), where
 * nothing that clashes with it overtakes it, so the mix stays what the
 * profile asks. PLAN_SKIP: it cannot run at all (no file left, nothing to
 * rmdir, no memory). */
HOT enum plan op_plan(struct nb_thread *t, struct nb_slot *s, unsigned k)
{
	const bool verify = t->verify;
	int fi = -1;
	struct nb_file *f = NULL;
	s->kind = (uint8_t)k;
	s->step = 0;
	s->bytes = 0;
	s->rpcs = 0;
	s->roff = s->rlen = 0;
	if (!kind_possible(t, k)) {
		wait_stop(t, s);
		return PLAN_SKIP;
	}
	switch (k) {
	case NB_K_CREATE:
		fi = new_file_slot(t);
		if (fi < 0)
			return PLAN_SKIP;
		break;
	case NB_K_READDIR:
		s->file = (unsigned)(rng_next(&t->rng) % t->sh->ndirs);
		s->cookie = 0;
		memset(s->verf, 0, sizeof(s->verf));
		return PLAN_OK;
	case NB_K_MKDIR:
		/* the run's salt keeps names of a later run over the same
		 * directory from colliding with what this one left */
		snprintf(s->name, sizeof(s->name), "m%x.%u.%u", t->sh->salt, t->idx, t->ncreated++);
		return PLAN_OK;
	case NB_K_RMDIR:
		memcpy(s->name, t->mdirs[t->nmdirs - 1], sizeof(s->name));
		t->nmdirs--;
		return PLAN_OK;
	default:
		if (s->waiting) {
			struct nb_file *w = &t->files[s->file];
			if (w->exists) {
				if (k == NB_K_APPEND) /* at the end as it is now */
					plan_range(t, s, w, k);
				if (!fl_may(&w->lk, kind_mode(k), s->off, hold_end(t, s), &s->hold))
					return PLAN_WAIT;
				fi = (int)s->file;
			}
			wait_stop(t, s); /* it goes, or its file is gone (plan anew) */
		}
		if (fi < 0)
			fi = pick_file(t, s, k);
		if (fi < 0) {
			unsigned i = (unsigned)(rng_next(&t->rng) % t->nfiles);
			while (!t->files[i].exists) /* kind_possible: one exists */
				i = (i + 1) % t->nfiles;
			plan_range(t, s, &t->files[i], k);
			s->file = i;
			s->waiting = s->waited = true;
			fl_wait(&t->files[i].lk, &s->hold, kind_mode(k), s->off, hold_end(t, s));
			return PLAN_WAIT;
		}
		break;
	}
	s->file = (unsigned)fi;
	f = &t->files[fi];
	switch (k) {
	case NB_K_READ:
	case NB_K_WRITE:
		if (!t->g->random)
			f->cursor = s->seq_next;
		break;
	case NB_K_RENAME:
		snprintf(s->name, sizeof(s->name), "r%x.%u.%u", t->sh->salt, t->idx, t->ncreated++);
		break;
	case NB_K_CREATE: {
		memset(f, 0, sizeof(*f));
		f->id = 0x80000000u | (t->idx << 20) | (t->ncreated & 0xfffff);
		f->dir = (unsigned)(rng_next(&t->rng) % t->sh->ndirs);
		snprintf(f->name, sizeof(f->name), "c%x.%u.%u", t->sh->salt, t->idx, t->ncreated++);
		f->hi = UINT64_MAX;
		f->laid = 1;
		s->off = 0;
		s->end = pick_size(t);
		if (verify)
			s->end = (s->end + NB_VERIFY_BLOCK - 1) / NB_VERIFY_BLOCK * NB_VERIFY_BLOCK;
		break;
	}
	default:
		break;
	}
	if (k == NB_K_WRITE || k == NB_K_WRITEALL || k == NB_K_APPEND || k == NB_K_CREATE)
		f->gen++;
	if (!t->clash_free)
		fl_take(&f->lk, &s->hold, kind_mode(k), s->off, hold_end(t, s));
	return PLAN_OK;
}

HOT void op_release(struct nb_thread *t, struct nb_slot *s)
{
	if (t->clash_free || s->kind == NB_K_MKDIR || s->kind == NB_K_RMDIR || s->kind == NB_K_READDIR)
		return;
	fl_drop(&t->files[s->file].lk, &s->hold);
}

/* A kind drawn by the group's weights. */
HOT unsigned draw_kind(struct nb_thread *t)
{
	const struct nb_group *g = t->g;
	if (t->only_kind >= 0)
		return (unsigned)t->only_kind;
	unsigned x = (unsigned)(rng_next(&t->rng) % g->wsum), k = 0;
	for (; k < NB_K_MAX; k++) {
		if (x < g->weight[k])
			break;
		x -= g->weight[k];
	}
	return k;
}

/* Can any kind of the group's mix run now? */
static bool mix_possible(const struct nb_thread *t)
{
	for (unsigned k = 0; k < NB_K_MAX; k++)
		if (t->g->weight[k] && kind_possible(t, k))
			return true;
	return false;
}

enum { START_BROKEN = -1, START_NONE, START_ISSUED, START_WAIT };

/* Choose and start the next operation on slot s (or the one it waits
 * with). Returns START_ISSUED when an RPC was issued, START_WAIT when the
 * operation waits for its file (the caller puts s on the wait list),
 * START_NONE when nothing may start now (the slot stays free),
 * START_BROKEN when the connection broke. */
static int op_start(struct nb_thread *t, struct nb_slot *s, uint64_t now)
{
	const struct nb_group *g = t->g;
	if (t->in_layout) {
		/* files needing layout, one per slot */
		while (t->layout_next < t->nfiles && t->files[t->layout_next].laid)
			t->layout_next++;
		if (t->layout_next >= t->nfiles)
			return START_NONE;
		struct nb_file *f = &t->files[t->layout_next++];
		s->kind = NB_K_LAYOUT;
		s->file = (unsigned)(f - t->files);
		s->counted = false;
		s->rpcs = 0;
		s->bytes = 0;
		s->start = now;
		/* the shared quick-mode file was looked up by main: go to the writes */
		s->step = t->sh->prof->fs.single[0] ? 2 : 0;
		s->off = f->lo + (f->size > f->lo ? min64(f->size, f->hi) - f->lo : 0);
		s->end = f->target;
		fl_take(&f->lk, &s->hold, FL_EXCL, 0, 0);
		if (s->step == 2 && s->off >= s->end) {
			fl_drop(&f->lk, &s->hold);
			f->laid = 1;
			return op_start(t, s, now);
		}
		return op_issue(t, s, now) ? START_BROKEN : START_ISSUED;
	}
	if (!t->issuing || t->exhausted || t->issued >= t->quota)
		return START_NONE;
	const bool waited = s->waiting; /* its arrival is already scheduled */
	if (!waited) {
		s->waited = false;
		if (t->rated && t->next_arrival > now)
			return START_NONE;
	}
	enum plan p;
	unsigned k;
	for (int tries = 0;; tries++) {
		k = s->waiting ? s->kind : draw_kind(t);
		if ((p = op_plan(t, s, k)) != PLAN_SKIP)
			break;
		/* the mix asked for it and got none: say so in the results */
		if (now >= t->sh->ramp_end)
			t->st.op[k].skipped++;
		s->waited = false; /* what is drawn next has not waited */
		if (!mix_possible(t) || tries >= 64) {
			/* with nothing in flight nothing can change */
			if (!t->inflight && !t->whead && !mix_possible(t))
				t->exhausted = true;
			t->stuck = true;
			return START_NONE;
		}
	}
	if (t->rated && !waited) {
		double gap = t->rate_gap_ns;
		if (t->rate_bps > 0)
			gap = (double)(s->end > s->off ? s->end - s->off : 0) * 1e9 / t->rate_bps;
		if (g->poisson)
			gap *= -log(1.0 - rng_unit(&t->rng));
		s->start = t->next_arrival; /* coordinated omission: from the schedule */
		t->next_arrival += (uint64_t)gap;
	}
	if (p == PLAN_WAIT)
		return START_WAIT;
	if (!t->rated)
		s->start = now; /* closed loop: from when it could start */
	s->counted = s->start >= t->sh->ramp_end;
	if (s->counted) {
		t->issued++;
		if (s->waited)
			t->st.op[k].deferred++;
	}
	if (op_issue(t, s, now)) {
		op_release(t, s);
		return START_BROKEN;
	}
	return START_ISSUED;
}

/* Verify blocks are 4 KiB and libnfs 4.0's NFSv4 WRITEs at most 2: a verify
 * layout over v4 would write no verify block at all. True (t failed, with a
 * message) when f would have to be laid out so. */
static bool verify_v4_refused(struct nb_thread *t, const struct nb_file *f)
{
	if (!t->verify || nfsio_version() != 4)
		return false;
	if (!t->failed) {
		t->failed = 1;
		snprintf(t->error, sizeof(t->error),
			 "%s is missing or was not written by a verify run with seed %llu: lay the files out "
			 "with --verify over NFSv3 first", f->name, (unsigned long long)t->sh->cfg->seed);
	}
	return true;
}

static void verify_report(struct nb_thread *t, const char *msg)
{
	t->st.verify_errors++;
	if (t->verify_msgs++ < MAX_VERIFY_MSGS)
		err_msg("%s", msg);
}

/* The RPC of slot s completed with r: record it, then advance the
 * operation. Returns 1 when the operation issued another RPC, 0 when it is
 * finished (status in *st: 0 or the failing status), -1 when an RPC could
 * not be queued. */
HOT int op_advance(struct nb_thread *t, struct nb_slot *s, const struct nfsio_result *r, uint64_t now,
		      uint32_t *st)
{
	struct nb_file *f = s->kind == NB_K_MKDIR || s->kind == NB_K_RMDIR || s->kind == NB_K_READDIR
				    ? NULL
				    : &t->files[s->file];
	uint32_t status = r->rpc == NFSIO_REPLY ? r->nfs : NB_ST_TRANSPORT | (uint32_t)r->rpc;
	*st = 0;
	/* a LOOKUP that finds nothing is how layout learns to create */
	if (s->kind == NB_K_LAYOUT && s->step == 0 && status == 2 /* NFS3ERR_NOENT */) {
		if (verify_v4_refused(t, f)) {
			*st = NB_ST_VERIFY;
			return 0;
		}
		s->step = 1;
		return op_issue(t, s, now) ? -1 : 1;
	}
	/* Entries created or removed while a listing goes on can make the
	 * server drop its cookie, or (Ganesha's READDIRPLUS) fail with NOENT
	 * or STALE for an entry gone between listing and attributes (STALE:
	 * a directory that rmdir removed meanwhile; seen once in ten 5 s runs
	 * of metadata-storm): start the listing over, as clients do (a busy
	 * directory may need several tries). */
	if (s->kind == NB_K_READDIR &&
	    (status == 10003 /* NFS3ERR_BAD_COOKIE */ || status == 2 /* NOENT */ || status == 70 /* STALE */) &&
	    s->step < 16) {
		s->step++;
		s->cookie = 0;
		memset(s->verf, 0, sizeof(s->verf));
		return op_issue(t, s, now) ? -1 : 1;
	}
	/* JUKEBOX: the server asks to be asked again (RFC 1813 2.6); Ganesha
	 * says it of a directory busy with creates and removes (seen once in
	 * ten 5 s runs of metadata-storm). The same page of the listing again;
	 * its time counts in the op's latency, as with any client. */
	if (s->kind == NB_K_READDIR && status == 10008 /* NFS3ERR_JUKEBOX */ && s->step < 16) {
		s->step++;
		return op_issue(t, s, now) ? -1 : 1;
	}
	if (status) {
		*st = status;
		return 0;
	}
	switch (s->kind) {
	case NB_K_READ:
	case NB_K_READALL:
		if (t->verify && r->data && r->count) {
			char msg[256];
			uint64_t a = (s->roff + NB_VERIFY_BLOCK - 1) / NB_VERIFY_BLOCK * NB_VERIFY_BLOCK;
			uint64_t b = min64(s->roff + r->count, f->size) / NB_VERIFY_BLOCK * NB_VERIFY_BLOCK;
			if (b > a &&
			    nb_verify_check(r->data + (a - s->roff), b - a, f->id, f->name, a, t->sh->cfg->seed, f->whole,
					    &t->st.verify_unjudged, msg, sizeof(msg))) {
				verify_report(t, msg);
				*st = NB_ST_VERIFY;
				return 0;
			}
		}
		s->bytes += r->count;
		s->off += s->rlen;
		if (r->eof || r->count == 0 || s->off >= s->end)
			return 0;
		break;
	case NB_K_LAYOUT:
	case NB_K_CREATE:
		if (s->step == 4) {
			/* a file of this verify run's seed, written to since it
			 * was laid out: judge the verify blocks only (whole
			 * stays 0); anything else is laid out again */
			if (r->count >= NB_VERIFY_BLOCK && r->data &&
			    nb_verify_owned(r->data, f->id, 0, t->sh->cfg->seed))
				return 0;
			if (verify_v4_refused(t, f)) {
				*st = NB_ST_VERIFY;
				return 0;
			}
			t->relaid++;
			s->step = 2;
			s->off = 0;
			f->size = 0;
			break;
		}
		if (s->step <= 1 && !(s->kind == NB_K_CREATE && s->step == 1)) {
			if (s->step == 0 && s->kind == NB_K_LAYOUT) {
				/* found: reuse when its size is right and, for
				 * verify, its blocks are known to be verify blocks */
				f->fh = r->fh;
				uint64_t have = r->has_size ? r->size : 0;
				bool known = !t->verify || (r->has_size && r->mtime_s == t->sh->mark);
				if (t->sh->prof->fs.reuse && have == s->end) {
					f->size = have;
					if (known) {
						f->whole = t->verify;
						return 0;
					}
					s->step = 4; /* ask block 0 who wrote the file */
					break;
				}
				if (verify_v4_refused(t, f)) {
					*st = NB_ST_VERIFY;
					return 0;
				}
				s->step = 2;
				s->off = 0;
			} else {
				if (!r->fh.len) {
					*st = NB_ST_TRANSPORT | NFSIO_ERROR;
					return 0;
				}
				f->fh = r->fh;
				f->size = 0;
				s->step = 2;
				s->off = 0;
			}
			if (s->off >= s->end) {
				if (s->kind == NB_K_LAYOUT) {
					s->step = 3; /* exact size */
					break;
				}
				return 0;
			}
			break;
		}
		if (s->step == 3) { /* SETATTR: the file is exactly this long now */
			f->size = s->end;
			f->whole = t->verify; /* written from 0 to the end */
			return 0;
		}
		/* data step */
		f->size = s->off + s->rlen > f->size ? s->off + s->rlen : f->size;
		s->bytes += s->rlen;
		s->off += s->rlen;
		if (s->off >= s->end) {
			if (s->kind == NB_K_LAYOUT && !t->sh->prof->fs.single[0]) {
				s->step = 3; /* trim a longer file left by an earlier run */
				break;
			}
			return 0;
		}
		break;
	case NB_K_WRITE:
	case NB_K_WRITEALL:
	case NB_K_APPEND:
		s->bytes += s->rlen;
		if (s->off + s->rlen > f->size)
			f->size = s->off + s->rlen;
		s->off += s->rlen;
		if (s->off >= s->end)
			return 0;
		break;
	case NB_K_OPEN_CLOSE:
		if (++s->step >= 3)
			return 0;
		break;
	case NB_K_RENAME:
		if (s->step++ == 0)
			break;
		memcpy(f->name, s->name, sizeof(f->name));
		return 0;
	case NB_K_READDIR:
		if (r->eof || !r->entries || s->rpcs >= 1000)
			return 0;
		s->cookie = r->cookie;
		memcpy(s->verf, r->verf, sizeof(s->verf));
		break;
	case NB_K_DELETE:
		f->exists = 0;
		t->nlive--;
		return 0;
	case NB_K_MKDIR:
		if (MEM_GROW(&t->mdirs, &t->capmdirs, t->nmdirs + 1, 16))
			return 0; /* forgotten: never removed, not an error */
		memcpy(t->mdirs[t->nmdirs++], s->name, 32);
		return 0;
	default: /* single-RPC operations */
		return 0;
	}
	return op_issue(t, s, now) ? -1 : 1;
}

HOT void op_finished(struct nb_thread *t, struct nb_slot *s, uint32_t status, uint64_t now)
{
	struct nb_shared *sh = t->sh;
	if (s->kind == NB_K_LAYOUT) {
		struct nb_file *f = &t->files[s->file];
		fl_drop(&f->lk, &s->hold);
		t->layout_bytes += s->bytes;
		if (!status) {
			f->laid = 1;
			f->exists = 1;
		} else if (!t->failed) {
			char b[32];
			t->failed = 1;
			snprintf(t->error, sizeof(t->error), "laying out %s: %s", f->name,
				 status & NB_ST_TRANSPORT ? "transport error"
							  : nfsio_status_name(status, b, sizeof(b)));
		}
		return;
	}
	if (s->kind == NB_K_CREATE && !status) {
		t->files[s->file].exists = 1;
		t->nlive++;
	}
	if (s->kind == NB_K_RMDIR && status) {
		/* still there: keep it for a later rmdir */
		if (t->nmdirs < t->capmdirs)
			memcpy(t->mdirs[t->nmdirs++], s->name, 32);
	}
	op_release(t, s);
	if (!s->counted || now > sh->end)
		return;
	struct nb_opstat *o = &t->st.op[s->kind];
	if (status) {
		nb_opstat_error(o, status);
		return;
	}
	o->count++;
	o->bytes += s->bytes;
	hist_record(&o->lat, now - s->start);
	iv_add(&t->st, (unsigned)((now - sh->ramp_end) / 1000000000u), s->bytes);
}

/* ---- completions ---------------------------------------------------------- */

static void on_done(struct nfsio_req *req, const struct nfsio_result *r)
{
	struct nb_slot *s = (struct nb_slot *)req;
	struct nb_thread *t = s->t;
	struct nb_shared *sh = t->sh;
	struct nb_conn *c = s->c;
	uint64_t now = tm_mono_ns();
	uint32_t status = r->rpc == NFSIO_REPLY ? r->nfs : NB_ST_TRANSPORT | (uint32_t)r->rpc;
	if (r->rpc == NFSIO_REPLY)
		t->last_progress = now;
	c->inflight--;
	t->inflight--;
	t->stuck = false; /* what could not run may now */

	bool counted = s->counted && s->issue >= sh->ramp_end && now <= sh->end;
	if (counted) {
		struct nb_opstat *o = &t->st.rpc[req->op];
		if (status == 0) {
			o->count++;
			o->bytes += r->count; /* 0 but for READ and WRITE */
			hist_record(&o->lat, now - s->issue);
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
			.offset = s->roff, .length = s->rlen, .status = status,
			.file = s->kind == NB_K_READDIR || s->kind == NB_K_MKDIR || s->kind == NB_K_RMDIR
					? 0 : t->files[s->file].id,
			.conn = (uint16_t)c->idx,
		};
		trace_add_rpc(t->tb, &tr);
	}
	if (r->rpc == NFSIO_CANCEL || c->dead) {
		op_finished(t, s, status ? status : NB_ST_TRANSPORT | NFSIO_CANCEL, now);
		slot_free(t, s);
		return;
	}
	uint32_t st;
	int more = op_advance(t, s, r, now, &st);
	if (more > 0)
		return;
	if (more < 0) {
		c->broken = 1; /* inside libnfs's callback: the loop closes it */
		op_finished(t, s, NB_ST_TRANSPORT | NFSIO_ERROR, now);
		slot_free(t, s);
		return;
	}
	op_finished(t, s, st, now);
	/* The next operation starts right here: libnfs writes its first RPC in
	 * the same rpc_service() call that delivered this reply (the loop passes
	 * POLLOUT along with POLLIN), which halves the rpc_service() calls; each
	 * of those scans all of libnfs 4.0's 1024 reply buckets. */
	if (!t->g->op_delay_ns && !c->broken && !t->fhead) {
		int rc = op_start(t, s, now);
		if (rc == START_ISSUED)
			return;
		if (rc == START_WAIT) {
			wait_add(t, s);
			return;
		}
		if (rc == START_BROKEN)
			c->broken = 1;
	}
	s->ready_at = now + t->g->op_delay_ns;
	slot_free(t, s);
}

/* ---- connections ------------------------------------------------------------ */

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

/* ---- the loop ----------------------------------------------------------------- */

static void publish(struct nb_thread *t, uint64_t now)
{
	t->last_pub = now;
	pthread_mutex_lock(&t->pub_lock);
	t->pub_ops = t->pub_bytes = 0;
	hist_init(&t->pub_lat);
	for (unsigned i = 0; i < NB_K_MAX; i++) {
		t->pub_ops += t->st.op[i].count;
		t->pub_bytes += t->st.op[i].bytes;
		hist_merge(&t->pub_lat, &t->st.op[i].lat);
	}
	pthread_mutex_unlock(&t->pub_lock);
}

static void snapshot_stonewall(struct nb_thread *t)
{
	if (t->sw)
		return;
	t->sw = malloc(sizeof(*t->sw));
	if (!t->sw)
		return;
	*t->sw = t->st;
	t->sw->iv_ops = t->sw->iv_bytes = NULL; /* the series is not part of it */
	t->sw->niv = 0;
}

/* Start operations while allowed: first those waiting for their file,
 * oldest first, then new ones on free connections' slots. */
static void refill(struct nb_thread *t, uint64_t now)
{
	struct nb_slot *w = t->whead;
	bool none = false;
	t->whead = t->wtail = NULL;
	while (w) {
		struct nb_slot *s = w;
		w = s->next;
		if (s->c->dead || s->c->broken) {
			/* its connection is down: free the file for the others */
			wait_stop(t, s);
			slot_free(t, s);
			continue;
		}
		int rc = none ? START_NONE : op_start(t, s, now);
		if (rc == START_WAIT || rc == START_NONE) {
			none = none || rc == START_NONE;
			if (s->waiting) {
				wait_add(t, s);
				continue;
			}
		}
		if (rc == START_BROKEN)
			s->c->broken = 1;
		if (rc != START_ISSUED)
			slot_free(t, s);
	}
	if (none)
		return;
	unsigned guard = 0;
	while (t->fhead && t->fhead->ready_at <= now && guard++ < 4 * NB_MAX_SLOTS) {
		struct nb_slot *s = t->fhead;
		if (s->c->dead || s->c->broken) {
			/* its connection is down: try another free slot later */
			slot_take(t);
			slot_free(t, s);
			if (t->fhead == s)
				break;
			continue;
		}
		slot_take(t);
		int rc = op_start(t, s, now);
		if (rc == START_WAIT) {
			wait_add(t, s);
			continue;
		}
		if (rc != START_ISSUED) {
			slot_free(t, s);
			if (rc == START_BROKEN)
				s->c->broken = 1;
			break;
		}
	}
}

/* Run one phase: layout (until every file is laid out) or the workload
 * (until the time, the work or a stop ends it, then drain). */
static void run_phase(struct nb_thread *t, bool layout)
{
	struct nb_shared *sh = t->sh;
	const struct nb_config *cfg = sh->cfg;
	uint64_t now = tm_mono_ns();
	t->last_progress = now;
	t->in_layout = layout;
	t->issuing = true;
	uint64_t last_service = now;
	uint64_t drain_until = UINT64_MAX;
	if (!layout)
		t->next_arrival = sh->t0;

	for (;;) {
		now = tm_mono_ns();
		if (!layout && t->issuing && (nb_stop || now >= sh->end || t->issued >= t->quota || t->exhausted)) {
			t->issuing = false;
			drain_until = now + cfg->timeout_ns;
		}
		if (layout && nb_stop)
			t->issuing = false;
		if (layout && t->inflight == 0 && (t->layout_next >= t->nfiles || nb_stop || t->failed))
			break;
		if (!layout && !t->issuing && (t->inflight == 0 || now >= drain_until))
			break;
		if (!layout && atomic_load_explicit(&sh->stonewall, memory_order_relaxed))
			snapshot_stonewall(t);
		if (now - t->last_progress > cfg->timeout_ns && (t->inflight || !t->issuing || layout)) {
			char d[32];
			t->failed = 1;
			snprintf(t->error + strlen(t->error), sizeof(t->error) - strlen(t->error),
				 "%sno reply from %s for %s", t->error[0] ? "; " : "", cfg->server,
				 out_fmt_ns(d, sizeof(d), now - t->last_progress));
			break;
		}
		if (t->issuing && !(layout && t->failed))
			refill(t, now);
		int n = 0;
		for (unsigned i = 0; i < t->nconns; i++) {
			struct nb_conn *c = &t->conns[i];
			if (c->broken)
				conn_lost(t, c, now);
			if (c->dead) {
				conn_retry(t, c, now);
				if (c->dead) {
					t->pfd[i].fd = -1;
					continue;
				}
			}
			t->pfd[i].fd = nfsio_fd(c->io);
			t->pfd[i].events = (short)nfsio_events(c->io);
			t->pfd[i].revents = 0;
			n++;
		}
		/* sleep until a reply, the end, the next arrival or a delayed slot */
		uint64_t wake = now + 100000000u;
		if (t->issuing && !layout) {
			if (t->exhausted)
				wake = now; /* stop at once */
			if (sh->end != UINT64_MAX && sh->end < wake)
				wake = sh->end;
			if (t->fhead && !t->stuck) {
				uint64_t at = t->fhead->ready_at;
				if (t->rated && t->next_arrival > at)
					at = t->next_arrival;
				if (at < wake)
					wake = at > now ? at : now;
			}
		}
		if (!n) {
			tm_sleep_until(min64(wake, now + 20000000u), NULL);
			continue;
		}
		struct timespec ts = { .tv_sec = (time_t)((wake - now) / 1000000000u),
				       .tv_nsec = (long)((wake - now) % 1000000000u) };
		int rc = ppoll(t->pfd, t->nconns, &ts, NULL);
		if (rc < 0 && errno != EINTR) {
			snprintf(t->error, sizeof(t->error), "poll: %s", strerror(errno));
			t->failed = 1;
			break;
		}
		now = tm_mono_ns();
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
	if (!layout && t->inflight && !t->failed) {
		t->failed = 1;
		snprintf(t->error, sizeof(t->error), "%llu RPCs still in flight after the drain timeout",
			 (unsigned long long)t->inflight);
	}
}

static void thread_layout(struct nb_thread *t)
{
	run_phase(t, true);
	pthread_mutex_lock(&t->pub_lock);
	t->layout_done = true;
	pthread_mutex_unlock(&t->pub_lock);
}

static void thread_run(struct nb_thread *t)
{
	if (!t->failed && !nb_stop) {
		tm_sleep_until(t->sh->t0, NULL); /* nothing issued before the clock starts */
		run_phase(t, false);
	}
	uint64_t now = tm_mono_ns();
	publish(t, now);
	pthread_mutex_lock(&t->pub_lock);
	t->finished_at = now;
	pthread_mutex_unlock(&t->pub_lock);
}

static void *thread_main(void *arg)
{
	struct nb_thread *t = arg;
	struct nb_shared *sh = t->sh;
	while (!atomic_load(&sh->go_layout))
		usleep(200);
	thread_layout(t);
	while (!atomic_load(&sh->go_run) && !nb_stop)
		usleep(200);
	thread_run(t);
	return NULL;
}

/* ---- setup: the fileset's directories and files ------------------------------ */

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
	s->r.data = NULL;
	s->done = 1;
}

static int sync_wait(struct nfsio_conn *c, struct sync_req *s, int queued, uint64_t timeout_ns, char *err,
		     size_t errlen, const char *what)
{
	if (queued) {
		snprintf(err, errlen, "%s: %s", what, nfsio_error(c));
		return EIO;
	}
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

/* READ of block 0 of file id, deciding in the callback (the data does
 * not outlive it) whether a verify run with seed wrote it. */
struct probe_req {
	struct sync_req s;
	uint64_t seed;
	bool owned;
};

static void probe_cb(struct nfsio_req *req, const struct nfsio_result *r)
{
	struct probe_req *p = (struct probe_req *)req;
	p->owned = r->rpc == NFSIO_REPLY && !r->nfs && r->data && r->count >= NB_VERIFY_BLOCK &&
		   nb_verify_owned(r->data, 0, 0, p->seed);
	sync_cb(req, r);
}

/* LOOKUP name in dir; create it (a directory when mkdir) if missing. *size
 * and *mtime (seconds) are the file's, 0 for a new one. */
static int lookup_or_make(struct nfsio_conn *c, const struct nfsio_fh *dir, const char *name, bool mkdir,
			  uint64_t tmo, struct nfsio_fh *out, uint64_t *size, uint64_t *mtime, char *err,
			  size_t errlen)
{
	char sb[32];
	struct sync_req s = { .req.cb = sync_cb };
	int rc = sync_wait(c, &s, nfsio_lookup(c, &s.req, dir, name), tmo, err, errlen, "LOOKUP");
	if (rc)
		return rc;
	if (s.r.nfs == 0) {
		if (mkdir && s.r.ftype != 2) {
			snprintf(err, errlen, "%s exists and is not a directory", name);
			return ENOTDIR;
		}
		if (!mkdir && s.r.ftype && s.r.ftype != 1) {
			snprintf(err, errlen, "%s exists and is not a regular file", name);
			return EINVAL;
		}
		*out = s.r.fh;
		if (size)
			*size = s.r.has_size ? s.r.size : 0;
		if (mtime)
			*mtime = s.r.has_size ? s.r.mtime_s : 0;
		return 0;
	}
	if (s.r.nfs != 2) {
		snprintf(err, errlen, "LOOKUP %s: %s", name, nfsio_status_name(s.r.nfs, sb, sizeof(sb)));
		return EIO;
	}
	memset(&s, 0, sizeof(s));
	s.req.cb = sync_cb;
	rc = sync_wait(c, &s, mkdir ? nfsio_mkdir(c, &s.req, dir, name, 0755) : nfsio_create(c, &s.req, dir, name, 0644),
		       tmo, err, errlen, mkdir ? "MKDIR" : "CREATE");
	if (rc)
		return rc;
	if (s.r.nfs || !s.r.fh.len) {
		snprintf(err, errlen, "%s %s: %s", mkdir ? "MKDIR" : "CREATE", name,
			 s.r.nfs ? nfsio_status_name(s.r.nfs, sb, sizeof(sb)) : "no file handle returned");
		return EIO;
	}
	*out = s.r.fh;
	if (size)
		*size = 0;
	if (mtime)
		*mtime = 0;
	return 0;
}

/* `nfsbench bare-read`: nfsio_bare_reads on one connection over file in
 * the export's root, the anchor of the engine's instructions per READ. */
int nb_bare_read(const char *server, const char *export, const char *file, unsigned slots, uint64_t n,
		 char *err, size_t errlen)
{
	const uint64_t tmo = 15000000000ull;
	struct nfsio_fh root, fh;
	struct nfsio_conn *c;
	uint64_t size;
	int rc = nfsio_mount_root(server, export, (int)(tmo / 1000000), &root, err, errlen);
	if (rc || (rc = nfsio_connect(&c, server, export, (int)(tmo / 1000000), 1, err, errlen)))
		return rc;
	rc = lookup_or_make(c, &root, file, false, tmo, &fh, &size, NULL, err, errlen);
	if (!rc)
		rc = nfsio_bare_reads(c, &fh, size, 4096, slots, n, tmo, err, errlen);
	nfsio_close(c);
	return rc;
}

static int setup_dirs(struct nb_shared *sh, struct nfsio_conn *c, struct nb_result *res)
{
	const struct nb_fileset *fs = &sh->prof->fs;
	struct nb_config *cfg = sh->cfg;
	struct nfsio_fh root;
	char err[256];
	int rc = nfsio_mount_root(cfg->server, cfg->export, (int)(cfg->timeout_ns / 1000000), &root, err,
				  sizeof(err));
	if (rc) {
		snprintf(res->error, sizeof(res->error), "%s", err);
		return rc;
	}
	sh->base = root;
	char path[256];
	snprintf(path, sizeof(path), "%s", fs->dir);
	for (char *save = NULL, *part = strtok_r(path, "/", &save); part; part = strtok_r(NULL, "/", &save)) {
		if ((rc = lookup_or_make(c, &sh->base, part, true, cfg->timeout_ns, &sh->base, NULL, NULL, res->error,
					 sizeof(res->error))))
			return rc;
	}
	sh->ndirs = fs->ndirs ? fs->ndirs : 1;
	sh->dirs = calloc(sh->ndirs, sizeof(*sh->dirs));
	if (!sh->dirs) {
		snprintf(res->error, sizeof(res->error), "out of memory");
		return ENOMEM;
	}
	if (!fs->ndirs) {
		sh->dirs[0] = sh->base;
		return 0;
	}
	for (unsigned i = 0; i < fs->ndirs; i++) {
		char name[32];
		snprintf(name, sizeof(name), "d%04u", i);
		if ((rc = lookup_or_make(c, &sh->base, name, true, cfg->timeout_ns, &sh->dirs[i], NULL, NULL,
					 res->error, sizeof(res->error))))
			return rc;
	}
	return 0;
}

/* Give each thread its files: file i belongs to thread i % T (so no two
 * threads ever touch one file), except quick mode's one file, which every
 * thread shares, each in its own region. */
static int setup_files(struct nb_shared *sh, struct nfsio_conn *c, struct nb_result *res)
{
	const struct nb_fileset *fs = &sh->prof->fs;
	struct nb_config *cfg = sh->cfg;
	uint64_t rng = cfg->seed * 0x2545f4914f6cdd1dull + 7;
	if (fs->single[0]) {
		struct nfsio_fh fh;
		uint64_t have = 0, mtime = 0;
		int rc = lookup_or_make(c, &sh->base, fs->single, false, cfg->timeout_ns, &fh, &have, &mtime,
					res->error, sizeof(res->error));
		if (rc)
			return rc;
		uint64_t size = fs->sizes[0].size, bs = sh->prof->groups[0].read_size;
		uint64_t want = size * fs->fill_pct / 100;
		/* verify judges only blocks it knows. Without the mark (some run
		 * wrote the file since), block 0 tells who laid it out: a verify
		 * run of this seed (then its verify blocks are judged, others
		 * counted as unjudged), or not (then it is laid out again). */
		bool marked = have && mtime == sh->mark, lenient = false;
		if (cfg->verify && have && !marked && want) {
			struct probe_req p = { .s.req.cb = probe_cb, .seed = cfg->seed };
			if ((rc = sync_wait(c, &p.s, nfsio_read(c, &p.s.req, &fh, 0, NB_VERIFY_BLOCK), cfg->timeout_ns,
					    res->error, sizeof(res->error), "READ")))
				return rc;
			if (p.owned) {
				lenient = true;
			} else {
				have = 0;
				sh->threads[0].relaid++;
			}
		}
		if (cfg->verify && want && have < want && nfsio_version() == 4) {
			/* verify blocks are 4 KiB, NFSv4 WRITEs at most 2 */
			snprintf(res->error, sizeof(res->error),
				 "%s is missing, short, or not written by a verify run with seed %llu: lay it out with "
				 "--verify over NFSv3 first", fs->single, (unsigned long long)cfg->seed);
			return EINVAL;
		}
		for (unsigned i = 0; i < sh->nthreads; i++) {
			struct nb_thread *t = &sh->threads[i];
			t->files = calloc(1, sizeof(*t->files));
			if (!t->files)
				return ENOMEM;
			t->nfiles = t->capfiles = t->nlive = 1;
			struct nb_file *f = &t->files[0];
			f->fh = fh;
			f->id = 0;
			snprintf(f->name, sizeof(f->name), "%s", fs->single);
			uint64_t nblk = size / bs, per = nblk / sh->nthreads;
			f->lo = per ? i * per * bs : 0;
			f->hi = per ? (i + 1 == sh->nthreads ? size : (i + 1) * per * bs) : size;
			f->cursor = f->lo;
			f->size = have;
			f->target = want < f->hi ? (want > f->lo ? want : f->lo) : f->hi;
			f->exists = 1;
			f->laid = !want || have >= f->target;
			/* known whole: marked, or laid out now from the start;
			 * write-only runs (nothing laid out) leave holes */
			f->whole = cfg->verify && !lenient && want && (marked || !have);
			if (have < want)
				f->size = have; /* layout raises it */
			else
				f->size = size;
		}
		if (have < want) {
			char b1[32], b2[32];
			if (!cfg->json || isatty(STDERR_FILENO))
				fprintf(stderr, "nfsbench: laying out %s: %s of %s\n", fs->single,
					out_fmt_bytes(b1, sizeof(b1), (double)have), out_fmt_bytes(b2, sizeof(b2), (double)want));
		}
		return 0;
	}
	for (unsigned i = 0; i < sh->nthreads; i++) {
		struct nb_thread *t = &sh->threads[i];
		unsigned n = fs->nfiles / sh->nthreads + (i < fs->nfiles % sh->nthreads);
		t->files = calloc(n ? n : 1, sizeof(*t->files));
		if (!t->files)
			return ENOMEM;
		t->capfiles = n ? n : 1;
	}
	unsigned wsum = 0;
	for (unsigned k = 0; k < fs->nsizes; k++)
		wsum += fs->sizes[k].weight;
	for (unsigned id = 0; id < fs->nfiles; id++) {
		struct nb_thread *t = &sh->threads[id % sh->nthreads];
		struct nb_file *f = &t->files[t->nfiles++];
		f->id = id;
		f->dir = id % sh->ndirs;
		snprintf(f->name, sizeof(f->name), "f%07u", id);
		unsigned x = (unsigned)(rng_next(&rng) % wsum), k = 0;
		for (; k + 1 < fs->nsizes && x >= fs->sizes[k].weight; k++)
			x -= fs->sizes[k].weight;
		uint64_t size = fs->sizes[k].size * fs->fill_pct / 100;
		if (cfg->verify)
			size = size / NB_VERIFY_BLOCK * NB_VERIFY_BLOCK;
		f->target = size;
		f->hi = UINT64_MAX;
	}
	for (unsigned i = 0; i < sh->nthreads; i++)
		sh->threads[i].nlive = sh->threads[i].nfiles;
	if (!cfg->json || isatty(STDERR_FILENO))
		fprintf(stderr, "nfsbench: laying out %u files in %u directories under /%s\n", fs->nfiles, sh->ndirs,
			fs->dir);
	return 0;
}

/* ---- COMMIT at the end of unstable quick-mode writes ------------------------ */

/* A connection of t still up, for the synchronous calls after the run. */
static struct nb_conn *live_conn(struct nb_thread *t)
{
	for (unsigned i = 0; i < t->nconns; i++)
		if (!t->conns[i].dead)
			return &t->conns[i];
	return NULL;
}

static void final_commit(struct nb_shared *sh, struct nb_thread *t)
{
	struct nb_conn *c = live_conn(t);
	if (!c || !t->nfiles)
		return;
	struct sync_req s = { .req.cb = sync_cb };
	uint64_t start = tm_mono_ns();
	char err[256];
	struct nb_opstat *o = &t->st.op[NB_K_COMMIT], *ro = &t->st.rpc[NB_OP_COMMIT];
	t->st.rpcs_issued++;
	uint32_t xid = nfsio_next_xid(c->io);
	if (sync_wait(c->io, &s, nfsio_commit(c->io, &s.req, &t->files[0].fh, 0, 0), sh->cfg->timeout_ns, err,
		      sizeof(err), "COMMIT")) {
		nb_opstat_error(o, NB_ST_TRANSPORT | NFSIO_ERROR);
		nb_opstat_error(ro, NB_ST_TRANSPORT | NFSIO_ERROR);
		return;
	}
	if (s.r.nfs) {
		nb_opstat_error(o, s.r.nfs);
		nb_opstat_error(ro, s.r.nfs);
		return;
	}
	uint64_t now = tm_mono_ns();
	o->count++;
	ro->count++;
	hist_record(&o->lat, now - start);
	hist_record(&ro->lat, now - start);
	if (t->tb) {
		struct trace_rpc tr = { .op = NB_OP_COMMIT, .flags = TRACE_F_COUNTED, .xid = xid,
					.issue_ns = (uint64_t)((int64_t)start + sh->m2r),
					.complete_ns = (uint64_t)((int64_t)now + sh->m2r), .conn = (uint16_t)c->idx };
		trace_add_rpc(t->tb, &tr);
	}
}

/* ---- verify: mark the files a later verify run may judge ------------------------ */

/* Give every file this run wrote, and knows to hold verify blocks only, the
 * mark of nb_verify_mark (a SETATTR of its mtime). The quick-mode file is
 * one file in every thread's regions: marked once, when all are whole. A
 * file left unmarked is just laid out again by the next verify run. Returns
 * how many files could not be marked. */
static unsigned mark_files(struct nb_shared *sh)
{
	bool single = sh->prof->fs.single[0], all_whole = true, any_written = false;
	unsigned failed = 0;
	for (unsigned i = 0; single && i < sh->nthreads; i++) {
		all_whole = all_whole && sh->threads[i].files[0].whole;
		any_written = any_written || sh->threads[i].files[0].written;
	}
	for (unsigned i = 0; i < sh->nthreads; i++) {
		struct nb_thread *t = &sh->threads[i];
		struct nb_conn *c = live_conn(t);
		for (unsigned k = 0; k < t->nfiles; k++) {
			const struct nb_file *f = &t->files[k];
			if (single ? i || !all_whole || !any_written : !f->exists || !f->whole || !f->written)
				continue;
			struct sync_req s = { .req.cb = sync_cb };
			char err[256];
			if (!c || sync_wait(c->io, &s, nfsio_set_mtime(c->io, &s.req, &f->fh, sh->mark),
					    sh->cfg->timeout_ns, err, sizeof(err), "SETATTR") || s.r.nfs)
				failed++;
		}
	}
	return failed;
}

/* ---- the run ------------------------------------------------------------------ */

/* What the threads published so far (operations, bytes, latency since the
 * timed phase began, or of the ramp while it runs), and its rates since the
 * previous look. */
struct nb_look {
	uint64_t ops, bytes, t;
};

static struct hist *look(struct nb_shared *sh, uint64_t now, struct nb_look *prev, double *iops, double *bps,
			 uint64_t *ops)
{
	uint64_t o = 0, bytes = 0;
	struct hist *h = malloc(sizeof(*h));
	if (!h)
		return NULL;
	hist_init(h);
	for (unsigned i = 0; i < sh->nthreads; i++) {
		struct nb_thread *t = &sh->threads[i];
		pthread_mutex_lock(&t->pub_lock);
		o += t->pub_ops;
		bytes += t->pub_bytes;
		hist_merge(h, &t->pub_lat);
		pthread_mutex_unlock(&t->pub_lock);
	}
	if (o < prev->ops || bytes < prev->bytes) /* counts restart when the ramp ends */
		prev->ops = prev->bytes = 0;
	double dt = (double)(now - prev->t) / 1e9;
	*iops = dt > 0 ? (double)(o - prev->ops) / dt : 0;
	*bps = dt > 0 ? (double)(bytes - prev->bytes) / dt : 0;
	*ops = o;
	*prev = (struct nb_look){ o, bytes, now };
	return h;
}

static void progress_line(struct nb_shared *sh, uint64_t now, struct nb_look *prev)
{
	double iops, bps;
	uint64_t ops;
	struct hist *h = look(sh, now, prev, &iops, &bps, &ops);
	if (!h)
		return;
	char p99[32], rate[32];
	double el = now > sh->ramp_end ? (double)(now - sh->ramp_end) / 1e9 : -(double)(sh->ramp_end - now) / 1e9;
	char left[32] = "";
	if (sh->end != UINT64_MAX)
		snprintf(left, sizeof(left), ", %.0fs left", now < sh->end ? (double)(sh->end - now) / 1e9 : 0.0);
	fprintf(stderr, "\r\033[K[%s %.0fs%s] %s/s, %.0f IOPS, p99 %s", el < 0 ? "ramp" : "run", el < 0 ? -el : el,
		left, out_fmt_bytes(rate, sizeof(rate), bps), iops, out_fmt_ns(p99, sizeof(p99), hist_percentile(h, 99)));
	free(h);
}

/* --status-interval: one line of interval results with the results' own
 * output, text or a JSON object per line (fio's --status-interval). */
static void status_line(struct nb_shared *sh, uint64_t now, struct nb_look *prev)
{
	const struct nb_config *cfg = sh->cfg;
	FILE *f = cfg->out ? cfg->out : stdout;
	double iops, bps;
	uint64_t ops;
	struct hist *h = look(sh, now, prev, &iops, &bps, &ops);
	if (!h)
		return;
	bool ramp = now < sh->ramp_end || sh->ramp_end == UINT64_MAX;
	double el = ramp ? 0 : (double)(now - sh->ramp_end) / 1e9;
	uint64_t p50 = hist_percentile(h, 50), p99 = hist_percentile(h, 99);
	if (cfg->json) {
		fprintf(f,
			"{\"schema\": \"%s\", \"interval\": {\"phase\": \"%s\", \"elapsed_s\": %.3f, \"ops\": %llu, "
			"\"iops\": %.1f, \"bytes_per_s\": %.0f, \"lat_p50_ns\": %llu, \"lat_p99_ns\": %llu}}\n",
			NB_SCHEMA, ramp ? "ramp" : "run", el, (unsigned long long)ops, iops, bps, (unsigned long long)p50,
			(unsigned long long)p99);
	} else {
		char a[32], b[32], r[32];
		fprintf(f, "interval [%s %.1fs] %llu ops, %.0f IOPS, %s/s, latency p50 %s p99 %s\n", ramp ? "ramp" : "run",
			el, (unsigned long long)ops, iops, out_fmt_bytes(r, sizeof(r), bps), out_fmt_ns(a, sizeof(a), p50),
			out_fmt_ns(b, sizeof(b), p99));
	}
	fflush(f);
	free(h);
}

/* Never silently: operations of the mix that could not run, and threads
 * that found nothing left to do, are told on stderr (and counted in the
 * results). */
static void warn_skipped(const struct nb_profile *prof, const struct nb_result *res,
			 const struct nb_thread *threads, unsigned nthreads)
{
	for (unsigned g = 0; g < prof->ngroups; g++)
		for (unsigned k = 0; k < NB_K_MAX; k++) {
			uint64_t n = res->groups[g].st.op[k].skipped;
			if (n)
				fprintf(stderr, "nfsbench: group %s: %llu %s operation(s) of the mix skipped: %s\n",
					prof->groups[g].name, (unsigned long long)n, nb_kind_name(k),
					k == NB_K_RMDIR	   ? "no directory made by mkdir was left to remove"
					: k == NB_K_CREATE ? "out of memory for the file table"
							   : "no file of the thread's fileset was left");
		}
	for (unsigned i = 0; i < nthreads; i++)
		if (threads[i].exhausted)
			fprintf(stderr, "nfsbench: thread %u (group %s) stopped early: no operation of its mix can run "
				"any more\n", i, threads[i].g->name);
}

static double tv_s(struct timeval tv) { return (double)tv.tv_sec + (double)tv.tv_usec / 1e6; }

static bool thread_flag(struct nb_thread *t, bool layout)
{
	pthread_mutex_lock(&t->pub_lock);
	bool v = layout ? t->layout_done : t->finished_at != 0;
	pthread_mutex_unlock(&t->pub_lock);
	return v;
}

int nb_run(struct nb_config *cfg, struct nb_result *res)
{
	memset(res, 0, sizeof(*res));
	nb_stats_init(&res->total);
	nb_stats_init(&res->stonewall);
	for (unsigned g = 0; g < NB_MAX_GROUPS; g++)
		nb_stats_init(&res->groups[g].st);
	const struct nb_profile *prof = &cfg->prof;
	struct nb_shared sh = { .cfg = cfg, .prof = prof, .mark = nb_verify_mark(cfg->seed) };
	sh.salt = (unsigned)((tm_real_ns() / 1000000u) ^ ((uint64_t)getpid() << 16)) & 0xfffffu;
	for (unsigned g = 0; g < prof->ngroups; g++) {
		struct nb_group *gr = &cfg->prof.groups[g];
		gr->wsum = 0;
		for (unsigned k = 0; k < NB_K_MAX; k++)
			gr->wsum += gr->weight[k];
	}
	unsigned nthreads = 0, nconns = 0;
	for (unsigned g = 0; g < prof->ngroups; g++) {
		nthreads += prof->groups[g].threads;
		nconns += prof->groups[g].connections;
	}
	if (nconns > NB_MAX_CONNS) {
		snprintf(res->error, sizeof(res->error), "%u connections in all; at most %d", nconns, NB_MAX_CONNS);
		if (cfg->hooks && cfg->hooks->barrier)
			cfg->hooks->barrier(cfg->hooks->arg);
		return EINVAL;
	}
	int rc = 0;
	bool barrier_done = false;
	struct nb_conn *conns = calloc(nconns, sizeof(*conns));
	struct nb_thread *threads = calloc(nthreads, sizeof(*threads));
	if (!conns || !threads) {
		free(conns);
		free(threads);
		snprintf(res->error, sizeof(res->error), "out of memory");
		if (cfg->hooks && cfg->hooks->barrier)
			cfg->hooks->barrier(cfg->hooks->arg);
		return ENOMEM;
	}
	sh.threads = threads;
	sh.nthreads = nthreads;
	for (unsigned i = 0; i < nthreads; i++) {
		nb_stats_init(&threads[i].st);
		hist_init(&threads[i].pub_lat);
		pthread_mutex_init(&threads[i].pub_lock, NULL);
		threads[i].sh = &sh;
		threads[i].idx = i;
	}

	/* connections: XIDs of connection i start at i << 24 + 1 */
	int tmo_ms = (int)(cfg->timeout_ns / 1000000);
	for (unsigned i = 0; i < nconns; i++) {
		conns[i].idx = i;
		conns[i].next_xid = (i << 24) + 1;
		rc = nfsio_connect(&conns[i].io, cfg->server, cfg->export, tmo_ms, conns[i].next_xid, res->error,
				   sizeof(res->error));
		if (rc)
			goto out;
	}
	sh.rtmax = cfg->rtmax = nfsio_readmax(conns[0].io);
	sh.wtmax = cfg->wtmax = nfsio_writemax(conns[0].io);
	/* RPC sizes are capped by the server's FSINFO maximum */
	for (unsigned g = 0; g < prof->ngroups; g++) {
		struct nb_group *gr = &cfg->prof.groups[g];
		if (cfg->rtmax && gr->read_bs > cfg->rtmax)
			gr->read_bs = cfg->rtmax;
		if (cfg->wtmax && gr->write_bs > cfg->wtmax)
			gr->write_bs = cfg->wtmax;
	}
	uint64_t maxw = 0;
	for (unsigned g = 0; g < prof->ngroups; g++)
		maxw = prof->groups[g].write_bs > maxw ? prof->groups[g].write_bs : maxw;
	maxw = maxw > LAYOUT_BS ? maxw : LAYOUT_BS;
	sh.pattern = pattern_buffer(cfg->seed, (uint32_t)maxw);
	if (!sh.pattern) {
		snprintf(res->error, sizeof(res->error), "out of memory for the write pattern");
		rc = ENOMEM;
		goto out;
	}

	/* threads of group g take its connections round robin */
	unsigned ti = 0, ci = 0;
	for (unsigned g = 0; g < prof->ngroups; g++) {
		const struct nb_group *gr = &prof->groups[g];
		for (unsigned k = 0; k < gr->threads; k++) {
			struct nb_thread *t = &threads[ti + k];
			t->g = gr;
			t->gi = g;
			t->rng = cfg->seed * 0x9e3779b97f4a7c15ull + ti + k + 1;
			unsigned nc = gr->connections / gr->threads + (k < gr->connections % gr->threads);
			t->conns = calloc(nc, sizeof(*t->conns));
			t->pfd = calloc(nc, sizeof(*t->pfd));
			t->slots = calloc((size_t)nc * gr->slots, sizeof(*t->slots));
			if (!t->conns || !t->pfd || !t->slots) {
				snprintf(res->error, sizeof(res->error), "out of memory");
				rc = ENOMEM;
				goto out;
			}
			for (unsigned j = k, m = 0; j < gr->connections; j += gr->threads, m++) {
				t->conns[m] = conns[ci + j];
				conns[ci + j].io = NULL; /* owned by the thread now */
			}
			t->nconns = nc;
			for (unsigned m = 0; m < nc; m++) {
				for (unsigned q = 0; q < gr->slots; q++) {
					struct nb_slot *s = &t->slots[(size_t)m * gr->slots + q];
					s->t = t;
					s->c = &t->conns[m];
					s->req.cb = on_done;
					if (cfg->verify && !(s->vbuf = malloc(maxw))) {
						snprintf(res->error, sizeof(res->error), "out of memory");
						rc = ENOMEM;
						goto out;
					}
				}
			}
			/* interleave connections in the free list so load spreads */
			for (unsigned q = 0; q < gr->slots; q++)
				for (unsigned m = 0; m < nc; m++)
					slot_free(t, &t->slots[(size_t)m * gr->slots + q]);
			t->quota = gr->ops_limit ? gr->ops_limit / gr->threads + (k < gr->ops_limit % gr->threads)
						 : UINT64_MAX;
			if (gr->rate_iops > 0)
				t->rate_gap_ns = 1e9 * gr->threads / gr->rate_iops;
			if (gr->rate_bytes > 0)
				t->rate_bps = gr->rate_bytes / gr->threads;
			t->rated = t->rate_gap_ns > 0 || t->rate_bps > 0;
			t->verify = cfg->verify;
			t->quick = prof->fs.single[0] != 0;
			t->only_kind = -1;
			for (unsigned q = 0, nk = 0; q < NB_K_MAX; q++)
				if (gr->weight[q] && nk++ == 0)
					t->only_kind = (int)q;
				else if (gr->weight[q])
					t->only_kind = -1;
			t->clash_free = true;
			for (unsigned q = 0; q < NB_K_MAX; q++)
				if (gr->weight[q] && kind_mode(q) != FL_READ && kind_mode(q) != FL_META)
					t->clash_free = false;
		}
		ti += gr->threads;
		ci += gr->connections;
	}

	/* Quick mode's connection 0 serves setup while still in main's hands. */
	struct nfsio_conn *setup = threads[0].conns[0].io;
	if ((rc = setup_dirs(&sh, setup, res)) || (rc = setup_files(&sh, setup, res))) {
		if (rc == ENOMEM && !res->error[0])
			snprintf(res->error, sizeof(res->error), "out of memory");
		goto out;
	}
	sh.m2r = tm_mono_to_real_offset();
	if (cfg->trace_path &&
	    (rc = trace_open(&sh.tf, cfg->trace_path, tm_real_ns(), res->error, sizeof(res->error))))
		goto out;
	for (unsigned i = 0; i < nthreads; i++) {
		struct nb_thread *t = &threads[i];
		if (sh.tf) {
			if ((rc = trace_buf_new(&t->tb, sh.tf))) {
				snprintf(res->error, sizeof(res->error), "out of memory");
				goto out;
			}
			for (unsigned k = 0; k < t->nconns; k++)
				trace_conn_open(t, &t->conns[k]);
		}
	}

	bool progress = cfg->progress > 0 || (cfg->progress < 0 && !cfg->json && isatty(STDERR_FILENO));
	for (unsigned i = 0; i < nthreads; i++)
		threads[i].publish = progress || cfg->status_ns;
	sh.ramp_end = sh.end = UINT64_MAX; /* layout is never counted */
	/* One thread with nothing to watch while it runs (no progress or status
	 * lines, no stonewall, no ranks, no ramp whose end main would mark): it
	 * runs on main's own thread. A process that never started a thread
	 * keeps glibc's single-threaded paths (malloc without atomics, cheaper
	 * system call wrappers): fewer instructions per RPC (README). */
	const bool on_main = nthreads == 1 && !progress && !cfg->status_ns && !prof->stonewall && !cfg->hooks &&
			     !prof->ramp_ns;
	unsigned started = 0;
	if (on_main) {
		started = 1;
		thread_layout(&threads[0]);
	}
	for (; started < nthreads; started++) {
		if ((rc = pthread_create(&threads[started].tid, NULL, thread_main, &threads[started]))) {
			snprintf(res->error, sizeof(res->error), "pthread_create: %s", strerror(rc));
			nb_stop = 1;
			break;
		}
	}
	atomic_store(&sh.go_layout, 1);
	for (;;) { /* layout */
		bool all = true;
		for (unsigned i = 0; i < started; i++)
			all = all && thread_flag(&threads[i], true);
		if (all)
			break;
		tm_sleep_until(tm_mono_ns() + 20000000u, NULL);
	}
	for (unsigned i = 0; i < started; i++) {
		res->laid_out_bytes += threads[i].layout_bytes;
		res->relaid_files += threads[i].relaid;
	}
	if (res->relaid_files && (!cfg->json || isatty(STDERR_FILENO)))
		fprintf(stderr, "nfsbench: verify: laid out %u file(s) again: written without --verify or with "
			"another seed, so their blocks could not be judged\n", res->relaid_files);
	bool layout_failed = false;
	for (unsigned i = 0; i < started; i++)
		if (threads[i].failed && !layout_failed) {
			layout_failed = true;
			snprintf(res->error, sizeof(res->error), "%s", threads[i].error);
		}
	/* every thread's file size after layout, for reads in quick mode */
	if (prof->fs.single[0] && !layout_failed) {
		for (unsigned i = 0; i < started; i++)
			threads[i].files[0].size = prof->fs.sizes[0].size * prof->fs.fill_pct / 100 > 0
							   ? prof->fs.sizes[0].size * prof->fs.fill_pct / 100
							   : threads[i].files[0].size;
	}
	if (cfg->hooks && cfg->hooks->barrier) {
		cfg->hooks->barrier(cfg->hooks->arg); /* every rank laid out */
		barrier_done = true;
	}
	sh.t0 = tm_mono_ns() + 1000000; /* a moment for the threads to wake */
	sh.ramp_end = sh.t0 + prof->ramp_ns;
	sh.end = prof->time_ns ? sh.ramp_end + prof->time_ns : UINT64_MAX;
	if (layout_failed)
		nb_stop = 1;
	atomic_store(&sh.go_run, 1);

	struct rusage ru0, ru1;
	bool have_ru0 = false;
	if (on_main) {
		getrusage(RUSAGE_SELF, &ru0); /* the clock starts (no ramp) in a moment */
		have_ru0 = true;
		thread_run(&threads[0]);
	}
	uint64_t last_line = tm_mono_ns(), last_status = last_line;
	struct nb_look prev_line = { 0, 0, last_line }, prev_status = prev_line;
	for (;;) {
		bool all = true;
		uint64_t now = tm_mono_ns();
		for (unsigned i = 0; i < started; i++)
			all = all && thread_flag(&threads[i], false);
		if (!have_ru0 && now >= sh.ramp_end) {
			getrusage(RUSAGE_SELF, &ru0);
			have_ru0 = true;
		}
		/* stonewall: the first group whose threads all finished */
		if (prof->stonewall && !res->have_stonewall && have_ru0) {
			unsigned at = 0;
			for (unsigned g = 0; g < prof->ngroups; g++) {
				bool done = true;
				for (unsigned k = 0; k < prof->groups[g].threads; k++)
					done = done && thread_flag(&threads[at + k], false);
				at += prof->groups[g].threads;
				if (done) {
					res->have_stonewall = true;
					res->stonewall_group = g;
					res->stonewall_ns = now - sh.ramp_end;
					atomic_store(&sh.stonewall, 1);
					break;
				}
			}
		}
		if (all)
			break;
		if (progress && now - last_line >= 1000000000u) {
			last_line = now;
			progress_line(&sh, now, &prev_line);
		}
		if (cfg->status_ns && now - last_status >= cfg->status_ns) {
			last_status = now;
			status_line(&sh, now, &prev_status);
		}
		uint64_t until = now + 20000000u;
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
		if (!on_main)
			pthread_join(threads[i].tid, NULL);
		if (threads[i].finished_at > last)
			last = threads[i].finished_at;
	}
	uint64_t stop_at = sh.end != UINT64_MAX && last > sh.end ? sh.end : last;
	res->elapsed_ns = stop_at > sh.ramp_end ? stop_at - sh.ramp_end : 0;
	res->start_real_ns = (uint64_t)((int64_t)sh.ramp_end + sh.m2r);
	res->end_real_ns = res->start_real_ns + res->elapsed_ns;
	res->user_s = tv_s(ru1.ru_utime) - tv_s(ru0.ru_utime);
	res->sys_s = tv_s(ru1.ru_stime) - tv_s(ru0.ru_stime);
	res->interrupted = nb_stop && !layout_failed;
	if (layout_failed)
		res->failed = 1;
	for (unsigned i = 0; i < started; i++) {
		struct nb_thread *t = &threads[i];
		if (prof->fs.single[0] && i == 0 && !t->failed && !nb_stop && t->g->stable == 0 &&
		    t->g->weight[NB_K_WRITE])
			final_commit(&sh, t);
		if (t->failed && !res->failed) {
			res->failed = 1;
			snprintf(res->error, sizeof(res->error), "thread %u: %s", i, t->error);
		}
		struct nb_group_result *gr = &res->groups[t->gi];
		nb_stats_merge(&gr->st, &t->st);
		uint64_t el = (t->finished_at < stop_at ? t->finished_at : stop_at);
		el = el > sh.ramp_end ? el - sh.ramp_end : 0;
		if (el > gr->elapsed_ns)
			gr->elapsed_ns = el;
		nb_stats_merge(&res->total, &t->st);
		if (res->have_stonewall)
			nb_stats_merge(&res->stonewall, t->sw ? t->sw : &t->st);
	}
	warn_skipped(prof, res, threads, started);
	if (cfg->verify && !layout_failed) {
		unsigned unmarked = mark_files(&sh);
		if (unmarked && (!cfg->json || isatty(STDERR_FILENO)))
			fprintf(stderr, "nfsbench: verify: could not mark %u file(s) as verify-written; the next "
				"verify run lays them out again\n", unmarked);
	}
	rc = 0;
out:
	if (!barrier_done && cfg->hooks && cfg->hooks->barrier)
		cfg->hooks->barrier(cfg->hooks->arg); /* the others must not wait for us */
	for (unsigned i = 0; i < nthreads; i++) {
		struct nb_thread *t = &threads[i];
		if (t->tb)
			trace_buf_free(t->tb);
		for (unsigned k = 0; k < t->nconns; k++)
			nfsio_close(t->conns[k].io);
		if (t->slots && cfg->verify)
			for (unsigned k = 0; t->g && k < t->nconns * t->g->slots; k++)
				free(t->slots[k].vbuf);
		nb_stats_free(&t->st);
		free(t->sw);
		free(t->conns);
		free(t->pfd);
		free(t->slots);
		free(t->files);
		free(t->mdirs);
		pthread_mutex_destroy(&t->pub_lock);
	}
	for (unsigned i = 0; i < nconns; i++)
		nfsio_close(conns[i].io);
	if (sh.tf) {
		int e = trace_close(sh.tf);
		if (e && !rc && !res->failed) {
			res->failed = 1;
			snprintf(res->error, sizeof(res->error), "writing trace %s: %s", cfg->trace_path, strerror(e));
		}
	}
	free(sh.dirs);
	free(conns);
	free(threads);
	free((void *)sh.pattern);
	return rc;
}

void nb_result_free(struct nb_result *res)
{
	nb_stats_free(&res->total);
	nb_stats_free(&res->stonewall);
	for (unsigned g = 0; g < NB_MAX_GROUPS; g++)
		nb_stats_free(&res->groups[g].st);
}
