/* nfsio4.c - nfsio over NFSv4.0 (RFC 7530) through libnfs 4.0's high-level
 * async API (see nfsio.h for what each call becomes, and what is refused).
 *
 * libnfs 4.0 resolves paths, not handles, and has no raw NFSv4 READ/WRITE,
 * so this file keeps two things the NFSv3 half gets from the server:
 * - a process-wide object table: a struct nfsio_fh is (object number,
 *   generation); the table maps it to the object's current path under the
 *   mount root. A RENAME through nfsio moves the path, so handles the engine
 *   keeps stay valid as NFSv3 handles do; a REMOVE retires the number, so
 *   old handles go stale instead of naming whatever is created there next.
 * - per connection, the files it holds open (NFSv4 READ/WRITE/COMMIT/
 *   SETATTR need open state), keyed by object number.
 * Each connection is its own single-threaded libnfs context, driven by one
 * engine thread; only the object table is shared, behind a mutex.
 */
#include "nfsio.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nfsc/libnfs.h>

#include "mem.h"
#include "tm.h"

/* nfsstat3 numbers the engine understands (RFC 1813) */
enum {
	ST_PERM = 1, ST_NOENT = 2, ST_IO = 5, ST_ACCES = 13, ST_EXIST = 17, ST_XDEV = 18,
	ST_NOTDIR = 20, ST_ISDIR = 21, ST_INVAL = 22, ST_FBIG = 27, ST_NOSPC = 28, ST_ROFS = 30,
	ST_MLINK = 31, ST_NAMETOOLONG = 63, ST_NOTEMPTY = 66, ST_DQUOT = 69, ST_STALE = 70,
	ST_NOTSUPP = 10004,
};

/* request steps (req->step) */
enum { STEP_CALL, STEP_OPEN, STEP_FSYNC, STEP_CHMOD, STEP_STAT };

/* ---- the object table ----------------------------------------------------- */

struct obj {
	char *path;     /* NULL when the number is free */
	uint32_t gen;   /* bumped when the number is retired */
	uint32_t hnext; /* hash chain (object numbers, 0 ends) */
	uint8_t isdir;
};

static struct {
	pthread_mutex_t mu;
	struct obj *v; /* v[0] unused: number 0 is "none" */
	uint32_t n, cap, free_head;
	uint32_t *bucket;
	uint32_t nbucket; /* power of two */
	atomic_uint_fast64_t retired; /* numbers retired so far */
} T = { .mu = PTHREAD_MUTEX_INITIALIZER };

static uint32_t path_hash(const char *p)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	while (*p)
		h = (h ^ (unsigned char)*p++) * 16777619u;
	return h;
}

static void bucket_add(uint32_t id)
{
	uint32_t b = path_hash(T.v[id].path) & (T.nbucket - 1);
	T.v[id].hnext = T.bucket[b];
	T.bucket[b] = id;
}

static void bucket_del(uint32_t id)
{
	uint32_t *p = &T.bucket[path_hash(T.v[id].path) & (T.nbucket - 1)];
	while (*p && *p != id)
		p = &T.v[*p].hnext;
	if (*p)
		*p = T.v[id].hnext;
}

static uint32_t obj_find(const char *path)
{
	if (!T.nbucket)
		return 0;
	for (uint32_t id = T.bucket[path_hash(path) & (T.nbucket - 1)]; id; id = T.v[id].hnext)
		if (!strcmp(T.v[id].path, path))
			return id;
	return 0;
}

static int obj_grow(void)
{
	if (T.n + 1 >= T.cap) {
		uint32_t had = T.cap;
		if (MEM_GROW(&T.v, &T.cap, T.n + 2, 1024))
			return -1;
		memset(T.v + had, 0, (T.cap - had) * sizeof(*T.v));
	}
	if (T.n >= T.nbucket) {
		uint32_t nb = T.nbucket ? T.nbucket * 2 : 1024;
		uint32_t *b = calloc(nb, sizeof(*b));
		if (!b)
			return -1;
		free(T.bucket);
		T.bucket = b;
		T.nbucket = nb;
		for (uint32_t id = 1; id < T.cap; id++)
			if (T.v[id].path)
				bucket_add(id);
	}
	return 0;
}

/* Find or enter path; under T.mu. Returns the number or 0 (no memory). */
static uint32_t obj_get(const char *path, int isdir)
{
	uint32_t id = obj_find(path);
	if (id) {
		T.v[id].isdir = (uint8_t)isdir;
		return id;
	}
	char *p = strdup(path);
	if (!p || obj_grow()) {
		free(p);
		return 0;
	}
	if (T.free_head) {
		id = T.free_head;
		T.free_head = T.v[id].hnext;
	} else {
		id = ++T.n;
		T.v[id].gen = 1;
	}
	T.v[id].path = p;
	T.v[id].isdir = (uint8_t)isdir;
	bucket_add(id);
	return id;
}

static void obj_retire(uint32_t id)
{
	bucket_del(id);
	free(T.v[id].path);
	T.v[id].path = NULL;
	T.v[id].gen++;
	T.v[id].hnext = T.free_head;
	T.free_head = id;
	atomic_fetch_add(&T.retired, 1);
}

static void fh_make(struct nfsio_fh *fh, uint32_t id, uint32_t gen)
{
	memcpy(fh->data, &id, 4);
	memcpy(fh->data + 4, &gen, 4);
	fh->len = 8;
}

/* The current path of a handle into buf. Returns 0 or an nfsstat3. */
static uint32_t fh_path(const struct nfsio_fh *fh, char *buf, size_t len, uint32_t *id_out, uint32_t *gen_out)
{
	uint32_t id, gen, st = 0;
	if (fh->len != 8)
		return ST_STALE; /* not one of ours (an NFSv3 handle?) */
	memcpy(&id, fh->data, 4);
	memcpy(&gen, fh->data + 4, 4);
	pthread_mutex_lock(&T.mu);
	if (!id || id > T.n || !T.v[id].path || T.v[id].gen != gen)
		st = ST_STALE;
	else if (snprintf(buf, len, "%s", T.v[id].path) >= (int)len)
		st = ST_NAMETOOLONG;
	pthread_mutex_unlock(&T.mu);
	if (id_out)
		*id_out = id;
	if (gen_out)
		*gen_out = gen;
	return st;
}

/* dir's path + "/" + name into buf. Returns 0 or an nfsstat3. */
static uint32_t child_path(const struct nfsio_fh *dir, const char *name, char *buf, size_t len)
{
	uint32_t st = fh_path(dir, buf, len, NULL, NULL);
	if (st)
		return st;
	if (!*name || strchr(name, '/'))
		return ST_INVAL;
	size_t n = strlen(buf);
	if (snprintf(buf + n, len - n, "%s%s", n > 1 ? "/" : "", name) >= (int)(len - n))
		return ST_NAMETOOLONG;
	return 0;
}

void nfsio4_root(struct nfsio_fh *root)
{
	pthread_mutex_lock(&T.mu);
	uint32_t id = obj_get("/", 1);
	uint32_t gen = id ? T.v[id].gen : 0;
	pthread_mutex_unlock(&T.mu);
	fh_make(root, id, gen); /* id 0 (no memory) makes a stale handle */
}

/* ---- per connection: open files and refused requests ----------------------- */

struct ofile {
	uint32_t id, gen; /* id 0: empty slot */
	uint32_t refs;    /* requests using fh right now */
	struct nfsfh *fh;
};

/* A call that uses the connection's NFSv4 open-owner: OPEN (with its
 * OPEN_CONFIRM) for req, or CLOSE of fh when req is NULL. */
struct owner_op {
	struct nfsio_req *req;
	struct nfsfh *fh;
};

struct nfsio4 {
	struct nfs_context *nfs;
	/* libnfs 4.0 gives all OPENs and CLOSEs of a context one open-owner
	 * and does not order their seqids: two in flight at once get
	 * NFS4ERR_BAD_SEQID from the server. So they go one at a time. */
	struct owner_op *oq; /* OPENs waiting, a ring */
	uint32_t oqhead, oqn, oqcap;
	/* CLOSEs waiting: libnfs 4.0's CLOSE is COMMIT+CLOSE, an fsync on the
	 * server, so they only go when no OPEN waits (or too many piled up) */
	struct nfsfh **cq;
	uint32_t cqn, cqcap;
	int owner_busy;
	int owner_lost; /* libnfs's open-owner seqid is off: the connection is dead */
	struct ofile *of; /* open addressing, linear probing */
	uint32_t ofcap, nof; /* ofcap: power of two */
	uint64_t seen_retired, swept_at;
	struct nfsio_req *pend_head, *pend_tail; /* refused, to complete */
	int closing;
};

/* Files one connection keeps open; past this the idle ones are closed. */
#define OPEN_MAX 1024

static void open_cb(int err, struct nfs_context *nfs, void *data, void *pd);
static char *path_keep(struct nfsio_req *req, const char *a, const char *b);
static void create_cb(int err, struct nfs_context *nfs, void *data, void *pd);
static void owner_next(struct nfsio4 *v);

static void close_cb(int err, struct nfs_context *nfs, void *data, void *pd)
{
	(void)err, (void)nfs, (void)data; /* nobody waits for a CLOSE */
	if (pd)
		owner_next(pd);
}

/* Queue op's libnfs call. Returns 0, or -1 when libnfs refused it. */
static int owner_start(struct nfsio4 *v, struct owner_op op)
{
	/* libnfs frees fh when the CLOSE completes (or is cancelled) */
	if (!op.req)
		return nfs_close_async(v->nfs, op.fh, close_cb, v);
	if (op.req->op == NB_OP_CREATE)
		return nfs_stat64_async(v->nfs, op.req->aux, create_cb, op.req);
	return nfs_open_async(v->nfs, op.req->aux, O_RDWR, open_cb, op.req);
}

#define CLOSES_PENDING_MAX 256

static int owner_submit(struct nfsio4 *v, struct owner_op op)
{
	if (!op.req && (v->owner_busy || v->oqn)) {
		if (MEM_GROW(&v->cq, &v->cqcap, v->cqn + 1, 16))
			return -1;
		v->cq[v->cqn++] = op.fh;
		return 0;
	}
	if (!v->owner_busy) {
		v->owner_busy = 1;
		if (owner_start(v, op) == 0)
			return 0;
		v->owner_busy = 0;
		return -1;
	}
	if (v->oqn == v->oqcap) {
		uint32_t cap = v->oqcap ? v->oqcap * 2 : 16;
		struct owner_op *q = malloc(cap * sizeof(*q));
		if (!q)
			return -1;
		for (uint32_t i = 0; i < v->oqn; i++)
			q[i] = v->oq[(v->oqhead + i) % v->oqcap];
		free(v->oq);
		v->oq = q;
		v->oqcap = cap;
		v->oqhead = 0;
	}
	v->oq[(v->oqhead + v->oqn++) % v->oqcap] = op;
	return 0;
}

static int owner_pop(struct nfsio4 *v, struct owner_op *op)
{
	if (v->cqn && (!v->oqn || v->cqn > CLOSES_PENDING_MAX)) {
		*op = (struct owner_op){ .fh = v->cq[--v->cqn] };
		return 1;
	}
	if (!v->oqn)
		return 0;
	*op = v->oq[v->oqhead];
	v->oqhead = (v->oqhead + 1) % v->oqcap;
	v->oqn--;
	return 1;
}

static int data_step(struct nfsio4 *v, struct nfsio_req *req, struct nfsfh *fh);
static struct ofile *of_find(struct nfsio4 *v, uint32_t id);

/* A data request waited for the open-owner while an earlier one opened its
 * file: use that open. A second OPEN by the same owner would bump the open
 * stateid under the first one's feet (NFS4ERR_OLD_STATEID). Returns 1 when
 * req needs no OPEN (its data step is queued, or it was completed). */
static int open_done(struct nfsio4 *v, struct nfsio_req *req)
{
	struct ofile *e = of_find(v, req->id);
	if (!e || e->gen != req->gen)
		return 0;
	free(req->aux);
	req->aux = NULL;
	req->step = STEP_CALL;
	if (data_step(v, req, e->fh) == 0) {
		e->refs++;
		return 1;
	}
	struct nfsio_result r;
	memset(&r, 0, sizeof(r));
	r.rpc = NFSIO_ERROR;
	r.err = nfs_get_error(v->nfs);
	req->cb(req, &r); /* we are in a libnfs callback */
	return 1;
}

/* The open-owner's call completed: start the next one waiting. */
static void owner_next(struct nfsio4 *v)
{
	struct owner_op op;
	v->owner_busy = 0;
	while (!v->closing && owner_pop(v, &op)) {
		if (op.req && op.req->op != NB_OP_CREATE && open_done(v, op.req))
			continue;
		v->owner_busy = 1;
		if (owner_start(v, op) == 0)
			return;
		v->owner_busy = 0;
		if (op.req) { /* we are in a libnfs callback: complete it now */
			struct nfsio_result r;
			memset(&r, 0, sizeof(r));
			r.rpc = NFSIO_ERROR;
			r.err = nfs_get_error(v->nfs);
			free(op.req->aux);
			op.req->aux = NULL;
			op.req->cb(op.req, &r);
		}
	}
}

static void fh_close(struct nfsio4 *v, struct nfsfh *fh)
{
	if (v->closing) {
		nfs_close_async(v->nfs, fh, close_cb, NULL);
		return;
	}
	/* not queued: the open stays on the server until the lease ends */
	owner_submit(v, (struct owner_op){ .fh = fh });
}

static struct ofile *of_find(struct nfsio4 *v, uint32_t id)
{
	if (!v->ofcap)
		return NULL;
	for (uint32_t i = id & (v->ofcap - 1);; i = (i + 1) & (v->ofcap - 1)) {
		if (v->of[i].id == id)
			return &v->of[i];
		if (!v->of[i].id)
			return NULL;
	}
}

/* Remove slot e by shifting later members of its run back (no tombstones). */
static void of_del(struct nfsio4 *v, struct ofile *e)
{
	uint32_t m = v->ofcap - 1, i = (uint32_t)(e - v->of), j = i;
	v->of[i].id = 0;
	v->nof--;
	for (;;) {
		j = (j + 1) & m;
		if (!v->of[j].id)
			return;
		uint32_t home = v->of[j].id & m;
		/* can j's entry move to the hole at i? only if home is not in (i, j] */
		if ((j > i && (home <= i || home > j)) || (j < i && (home <= i && home > j))) {
			v->of[i] = v->of[j];
			v->of[j].id = 0;
			i = j;
		}
	}
}

static struct ofile *of_add(struct nfsio4 *v, uint32_t id, uint32_t gen, struct nfsfh *fh)
{
	if ((v->nof + 1) * 2 > v->ofcap) {
		uint32_t cap = v->ofcap ? v->ofcap * 2 : 64;
		struct ofile *n = calloc(cap, sizeof(*n)), *old = v->of;
		if (!n)
			return NULL;
		uint32_t oldcap = v->ofcap;
		v->of = n;
		v->ofcap = cap;
		v->nof = 0;
		for (uint32_t i = 0; i < oldcap; i++)
			if (old[i].id)
				of_add(v, old[i].id, old[i].gen, old[i].fh)->refs = old[i].refs;
		free(old);
	}
	uint32_t i = id & (v->ofcap - 1);
	while (v->of[i].id)
		i = (i + 1) & (v->ofcap - 1);
	v->of[i] = (struct ofile){ .id = id, .gen = gen, .fh = fh };
	v->nof++;
	return &v->of[i];
}

/* A second open of a file by this connection's owner: the server keeps one
 * open state and the newest stateid is the valid one. Never CLOSE either
 * (that would close the state both share): keep the newer handle unless the
 * older is in use, and leave the other's few bytes to libnfs (libnfs 4.0
 * has no way to free a handle without a CLOSE). Returns the kept handle. */
static struct nfsfh *of_dup(struct ofile *e, struct nfsfh *fh)
{
	if (!e->refs)
		e->fh = fh;
	return e->fh;
}

/* Close what this connection holds of retired objects, and idle files past
 * OPEN_MAX. Sweeping is O(open files), so at most every 100 ms. */
static void of_sweep(struct nfsio4 *v)
{
	uint64_t retired = atomic_load(&T.retired);
	if (retired == v->seen_retired && v->nof < OPEN_MAX)
		return;
	uint64_t now = tm_mono_ns();
	if (now - v->swept_at < 100000000u && v->nof < OPEN_MAX)
		return;
	v->swept_at = now;
	v->seen_retired = retired;
	uint32_t idle_to_close = v->nof >= OPEN_MAX ? v->nof - OPEN_MAX * 3 / 4 : 0;
	for (uint32_t i = 0; i < v->ofcap; i++) {
		struct ofile *e = &v->of[i];
		if (!e->id || e->refs)
			continue;
		pthread_mutex_lock(&T.mu);
		int dead = e->id > T.n || !T.v[e->id].path || T.v[e->id].gen != e->gen;
		pthread_mutex_unlock(&T.mu);
		if (!dead && !idle_to_close)
			continue;
		if (!dead)
			idle_to_close--;
		fh_close(v, e->fh);
		of_del(v, e);
		i--; /* of_del may have moved a later entry here */
	}
}

struct nfsio4 *nfsio4_new(struct nfs_context *nfs)
{
	struct nfsio4 *v = calloc(1, sizeof(*v));
	if (!v)
		return NULL;
	v->nfs = nfs;
	/* Every connection must be its own NFSv4 client: libnfs 4.0 names its
	 * client after the pid and the second, so two connections opened in
	 * the same second would be one client "rebooting" on the server, each
	 * SETCLIENTID wiping the other's open state. */
	static atomic_uint seq;
	char name[64], verf[8];
	unsigned n = atomic_fetch_add(&seq, 1);
	uint64_t t = tm_mono_ns();
	snprintf(name, sizeof(name), "nfsbench pid:%d conn:%u t:%llu", (int)getpid(), n, (unsigned long long)t);
	nfs4_set_client_name(nfs, name);
	uint64_t x = t ^ ((uint64_t)n << 48) ^ (uint64_t)getpid() << 24;
	memcpy(verf, &x, sizeof(verf));
	nfs4_set_verifier(nfs, verf);
	/* a benchmark must not answer opendir from libnfs's cache */
	nfs_set_dircache(nfs, 0);
	return v;
}

/* Complete a request that was refused before anything was sent, from the
 * next nfsio_service() (never from inside the issuing call). */
static int refuse(struct nfsio4 *v, struct nfsio_req *req, uint32_t status, const char *msg)
{
	req->len = status;
	req->buf = msg;
	req->aux = NULL;
	if (v->pend_tail)
		v->pend_tail->aux = req;
	else
		v->pend_head = req;
	v->pend_tail = req;
	return 0;
}

static void result_clear(struct nfsio_result *r)
{
	/* field by field past fh, as nfsio.c does: its 64 bytes are rarely used */
	memset(r, 0, offsetof(struct nfsio_result, fh));
	r->fh.len = 0;
	r->data = NULL;
	r->entries = 0;
	r->cookie = 0;
	memset(r->verf, 0, sizeof(r->verf));
	r->err = NULL;
}

static void deliver_pending(struct nfsio4 *v, int cancel)
{
	while (v->pend_head) {
		struct nfsio_req *req = v->pend_head;
		v->pend_head = req->aux;
		if (!v->pend_head)
			v->pend_tail = NULL;
		struct nfsio_result r;
		result_clear(&r);
		r.rpc = cancel ? NFSIO_CANCEL : NFSIO_REPLY;
		r.nfs = cancel ? 0 : req->len;
		r.err = cancel ? "cancelled" : req->buf;
		req->cb(req, &r);
	}
}

int nfsio4_events(struct nfsio4 *v)
{
	/* a writable socket makes the caller's poll return at once */
	return v->pend_head ? POLLOUT : 0;
}

int nfsio4_service(struct nfsio4 *v, int rc)
{
	if (v->pend_head && !v->closing)
		deliver_pending(v, 0);
	return v->owner_lost ? -1 : rc;
}

/* libnfs 4.0 does not advance its open-owner seqid when an OPEN fails at
 * the server, which does: every later OPEN and CLOSE of the context gets
 * NFS4ERR_BAD_SEQID. Only a new context (a new client) recovers, so the
 * connection reports itself dead and the caller reconnects. OPENs here are
 * made not to fail (CREATE looks first), so this is the exception. */
static void owner_check(struct nfsio4 *v, struct nfsio_result *r)
{
	if (r->rpc == NFSIO_REPLY && r->nfs && r->err && strstr(r->err, "NFS4ERR_BAD_SEQID")) {
		v->owner_lost = 1;
		r->rpc = NFSIO_ERROR;
		r->err = "libnfs 4.0 lost its NFSv4 open-owner sequence after a failed OPEN";
	}
}

void nfsio4_close(struct nfsio4 *v)
{
	v->closing = 1;
	deliver_pending(v, 1);
	struct owner_op op;
	while (owner_pop(v, &op)) {
		if (!op.req) {
			nfs_close_async(v->nfs, op.fh, close_cb, NULL);
			continue;
		}
		struct nfsio_result r;
		memset(&r, 0, sizeof(r));
		r.rpc = NFSIO_CANCEL;
		r.err = "cancelled";
		free(op.req->aux);
		op.req->aux = NULL;
		op.req->cb(op.req, &r);
	}
	for (uint32_t i = 0; i < v->ofcap; i++)
		if (v->of[i].id)
			fh_close(v, v->of[i].fh);
	/* hand the CLOSEs to the socket if it takes them now; never wait */
	if (nfs_which_events(v->nfs) & POLLOUT)
		nfs_service(v->nfs, POLLOUT);
	v->ofcap = v->nof = 0;
	free(v->of);
	v->of = NULL;
}

void nfsio4_free(struct nfsio4 *v)
{
	if (!v)
		return;
	free(v->cq);
	free(v->oq);
	free(v->of);
	free(v);
}

/* ---- results ------------------------------------------------------------------ */

static uint32_t errno_to_nfs3(int e)
{
	switch (e) {
	case EPERM: return ST_PERM;
	case ENOENT: return ST_NOENT;
	case EIO: return ST_IO;
	case EACCES: return ST_ACCES;
	case EEXIST: return ST_EXIST;
	case EXDEV: return ST_XDEV;
	case ENOTDIR: return ST_NOTDIR;
	case EISDIR: return ST_ISDIR;
	case EINVAL: return ST_INVAL;
	case EFBIG: return ST_FBIG;
	case ENOSPC: return ST_NOSPC;
	case EROFS: return ST_ROFS;
	case EMLINK: return ST_MLINK;
	case ENAMETOOLONG: return ST_NAMETOOLONG;
	case ENOTEMPTY: return ST_NOTEMPTY;
	case EDQUOT: return ST_DQUOT;
	default: return ST_IO;
	}
}

/* Fill r from a libnfs callback's err/data. Returns 1 on success. */
static int result_from(struct nfsio_result *r, int err, void *data)
{
	result_clear(r);
	r->rpc = NFSIO_REPLY;
	if (err >= 0)
		return 1;
	const char *msg = data ? (const char *)data : "libnfs error";
	/* libnfs 4.0 reports RPC outcomes as errno values: EFAULT for a
	 * transport error (data is rpc's message), EINTR for a cancelled or
	 * timed-out call; NFS4 statuses come through nfsstat3_to_errno(). */
	if (err == -EFAULT) {
		r->rpc = NFSIO_ERROR;
	} else if (err == -EINTR) {
		r->rpc = strstr(msg, "timed out") ? NFSIO_TIMEOUT : NFSIO_CANCEL;
	} else {
		r->nfs = errno_to_nfs3(-err);
	}
	r->err = msg;
	return 0;
}

static void finish(struct nfsio_req *req, struct nfsio_result *r)
{
	req->aux = NULL;
	req->cb(req, r);
}

/* The open file a data step runs on: this connection's entry for req's
 * object (whose refs the caller holds). */
static struct ofile *req_file(struct nfsio_req *req)
{
	struct ofile *e = of_find(req->conn, req->id);
	return e && e->gen == req->gen ? e : NULL;
}

static void release(struct nfsio_req *req)
{
	struct ofile *e = req_file(req);
	if (e && e->refs)
		e->refs--;
}

/* ---- data calls: READ, WRITE, COMMIT, SETATTR(size) ------------------------------ */

static void data_cb(int err, struct nfs_context *nfs, void *data, void *pd);

/* Queue req's data step on its open file e (refs already held). */
static int data_step(struct nfsio4 *v, struct nfsio_req *req, struct nfsfh *fh)
{
	switch (req->op) {
	case NB_OP_READ:
		return nfs_pread_async(v->nfs, fh, req->off, req->len, data_cb, req);
	case NB_OP_WRITE:
		if (req->step == STEP_FSYNC)
			return nfs_fsync_async(v->nfs, fh, data_cb, req);
		return nfs_pwrite_async(v->nfs, fh, req->off, req->len, req->buf, data_cb, req);
	case NB_OP_COMMIT:
		return nfs_fsync_async(v->nfs, fh, data_cb, req);
	case NB_OP_SETATTR:
		return nfs_ftruncate_async(v->nfs, fh, req->off, data_cb, req);
	}
	return -1;
}

static void data_cb(int err, struct nfs_context *nfs, void *data, void *pd)
{
	struct nfsio_req *req = pd;
	struct nfsio4 *v = req->conn;
	struct nfsio_result r;
	(void)nfs;
	int ok = result_from(&r, err, data);
	if (ok && req->op == NB_OP_WRITE && req->step != STEP_FSYNC && req->stable && !v->closing) {
		/* DATA_SYNC/FILE_SYNC asked for: COMMIT before the callback */
		struct ofile *e = req_file(req);
		req->step = STEP_FSYNC;
		req->len = (uint32_t)err; /* the WRITE's count, for the result */
		if (e && data_step(v, req, e->fh) == 0)
			return;
		result_clear(&r);
		r.rpc = NFSIO_ERROR;
		r.err = e ? nfs_get_error(v->nfs) : "open file lost";
		ok = 0;
	}
	release(req);
	if (ok) {
		switch (req->op) {
		case NB_OP_READ:
			r.count = (uint32_t)err;
			r.data = data;
			/* libnfs 4.0 drops READ4's eof, and a short read may be
			 * the server's rtmax: only an empty read is surely the end */
			r.eof = r.count == 0;
			break;
		case NB_OP_WRITE:
			r.count = req->step == STEP_FSYNC ? req->len : (uint32_t)err;
			break;
		}
	}
	finish(req, &r);
}

static void open_stage(int err, void *data, struct nfsio_req *req, struct nfsio4 *v)
{
	struct nfsio_result r;
	if (!result_from(&r, err, data)) {
		owner_check(v, &r);
		finish(req, &r);
		return;
	}
	struct nfsfh *fh = data;
	if (v->closing) {
		fh_close(v, fh);
		r.rpc = NFSIO_CANCEL;
		r.err = "cancelled";
		finish(req, &r);
		return;
	}
	/* another request of this connection may have opened it meanwhile */
	struct ofile *e = of_find(v, req->id);
	if (e && e->gen != req->gen && !e->refs) {
		fh_close(v, e->fh); /* the open of a removed object */
		of_del(v, e);
		e = NULL;
	}
	if (e && e->gen == req->gen) {
		of_dup(e, fh);
	} else if (!e) {
		e = of_add(v, req->id, req->gen, fh);
		if (!e)
			r.err = "out of memory for open files";
	} else {
		/* the number's previous object is still in use here (removed and
		 * its number reused within one request's time): rare, so refuse */
		e = NULL;
		r.err = "file handle reused while the old file is still in use";
	}
	if (!e) {
		r.rpc = NFSIO_ERROR;
		fh_close(v, fh);
		finish(req, &r);
		return;
	}
	e->refs++;
	req->step = STEP_CALL;
	if (data_step(v, req, e->fh) != 0) {
		e->refs--;
		r.rpc = NFSIO_ERROR;
		r.err = nfs_get_error(v->nfs);
		finish(req, &r);
	}
}

static void open_cb(int err, struct nfs_context *nfs, void *data, void *pd)
{
	struct nfsio_req *req = pd;
	struct nfsio4 *v = req->conn;
	(void)nfs;
	free(req->aux); /* the path */
	req->aux = NULL;
	open_stage(err, data, req, v);
	owner_next(v); /* after: the CLOSEs it queued go first */
}

static int data_call(struct nfsio4 *v, struct nfsio_req *req, const struct nfsio_fh *fh, uint8_t op)
{
	char path[NFSIO_V4_PATHMAX];
	req->op = op;
	req->conn = v;
	req->step = STEP_CALL;
	of_sweep(v);
	uint32_t st = fh_path(fh, path, sizeof(path), &req->id, &req->gen);
	if (st)
		return refuse(v, req, st, st == ST_STALE ? "stale handle: the object was removed" : "path too long");
	struct ofile *e = of_find(v, req->id);
	if (e && e->gen == req->gen) {
		if (data_step(v, req, e->fh) != 0)
			return -1;
		e->refs++;
		return 0;
	}
	req->step = STEP_OPEN;
	if (!path_keep(req, path, NULL))
		return -1;
	if (owner_submit(v, (struct owner_op){ .req = req })) {
		free(req->aux);
		req->aux = NULL;
		return -1;
	}
	return 0;
}

int nfsio4_read(struct nfsio4 *v, struct nfsio_req *req, const struct nfsio_fh *fh, uint64_t off,
		uint32_t len)
{
	req->off = off;
	req->len = len;
	return data_call(v, req, fh, NB_OP_READ);
}

int nfsio4_write(struct nfsio4 *v, struct nfsio_req *req, const struct nfsio_fh *fh, uint64_t off,
		 uint32_t len, const void *buf, int stable)
{
	if (len > NFSIO_V4_WRITEMAX) {
		req->op = NB_OP_WRITE;
		return refuse(v, req, ST_INVAL,
			      "NFSv4 WRITE larger than 2 KiB: libnfs 4.0 encodes each NFSv4 call in a 4 KiB buffer");
	}
	req->off = off;
	req->len = len;
	req->buf = buf;
	req->stable = (uint8_t)(stable != 0);
	return data_call(v, req, fh, NB_OP_WRITE);
}

int nfsio4_commit(struct nfsio4 *v, struct nfsio_req *req, const struct nfsio_fh *fh)
{
	return data_call(v, req, fh, NB_OP_COMMIT);
}

int nfsio4_truncate(struct nfsio4 *v, struct nfsio_req *req, const struct nfsio_fh *fh, uint64_t size)
{
	req->off = size;
	return data_call(v, req, fh, NB_OP_SETATTR);
}

int nfsio4_set_mtime(struct nfsio4 *v, struct nfsio_req *req)
{
	req->op = NB_OP_SETATTR;
	return refuse(v, req, ST_NOTSUPP, "setting the modification time is not done over NFSv4");
}

/* ---- path calls ------------------------------------------------------------------ */

static uint32_t ftype_of(uint64_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG: return 1;
	case S_IFDIR: return 2;
	case S_IFBLK: return 3;
	case S_IFCHR: return 4;
	case S_IFLNK: return 5;
	case S_IFSOCK: return 6;
	case S_IFIFO: return 7;
	}
	return 0;
}

/* A path call keeps its path (and a rename's second path) in req->aux. */
static char *path_keep(struct nfsio_req *req, const char *a, const char *b)
{
	size_t la = strlen(a) + 1, lb = b ? strlen(b) + 1 : 0;
	char *p = malloc(la + lb);
	if (p) {
		memcpy(p, a, la);
		if (b)
			memcpy(p + la, b, lb);
	}
	req->aux = p;
	return p;
}

/* Enter path in the table and make r's handle; out of memory is an error. */
static void result_fh(struct nfsio_result *r, const char *path, int isdir)
{
	pthread_mutex_lock(&T.mu);
	uint32_t id = obj_get(path, isdir);
	uint32_t gen = id ? T.v[id].gen : 0;
	pthread_mutex_unlock(&T.mu);
	if (!id) {
		r->rpc = NFSIO_ERROR;
		r->err = "out of memory for the object table";
		return;
	}
	fh_make(&r->fh, id, gen);
}

static void path_cb(int err, struct nfs_context *nfs, void *data, void *pd)
{
	struct nfsio_req *req = pd;
	struct nfsio4 *v = req->conn;
	char *path = req->aux;
	struct nfsio_result r;
	(void)nfs;
	int ok = result_from(&r, err, data);
	if (ok) {
		switch (req->op) {
		case NB_OP_LOOKUP:
		case NB_OP_GETATTR: {
			const struct nfs_stat_64 *st = data;
			r.has_size = 1;
			r.size = st->nfs_size;
			r.mtime_s = st->nfs_mtime;
			r.ftype = ftype_of(st->nfs_mode);
			if (req->op == NB_OP_LOOKUP)
				result_fh(&r, path, r.ftype == 2);
			break;
		}
		case NB_OP_CREATE:
			result_fh(&r, path, 0); /* the open was kept by create_cb */
			r.ftype = 1; /* libnfs passes no attributes on: no size */
			break;
		case NB_OP_MKDIR:
			result_fh(&r, path, 1);
			break;
		case NB_OP_REMOVE:
		case NB_OP_RMDIR: {
			pthread_mutex_lock(&T.mu);
			uint32_t id = obj_find(path);
			if (id)
				obj_retire(id);
			pthread_mutex_unlock(&T.mu);
			struct ofile *e = id ? of_find(v, id) : NULL;
			if (e && !e->refs) {
				fh_close(v, e->fh);
				of_del(v, e);
			}
			break;
		}
		case NB_OP_RENAME: {
			const char *to = path + strlen(path) + 1;
			size_t lf = strlen(path);
			pthread_mutex_lock(&T.mu);
			uint32_t old = obj_find(to), id = obj_find(path);
			if (old && old != id)
				obj_retire(old); /* replaced by the rename */
			if (id) {
				int isdir = T.v[id].isdir;
				char *np = strdup(to);
				if (np) {
					bucket_del(id);
					free(T.v[id].path);
					T.v[id].path = np;
					bucket_add(id);
				}
				/* a directory takes what is below it along */
				for (uint32_t k = 1; isdir && np && k <= T.n; k++) {
					char *p = T.v[k].path;
					if (!p || k == id || strncmp(p, path, lf) || p[lf] != '/')
						continue;
					char *q = malloc(strlen(to) + strlen(p + lf) + 1);
					if (!q)
						continue;
					sprintf(q, "%s%s", to, p + lf);
					bucket_del(k);
					free(p);
					T.v[k].path = q;
					bucket_add(k);
				}
			}
			pthread_mutex_unlock(&T.mu);
			break;
		}
		case NB_OP_ACCESS:
			break;
		case NB_OP_READDIRPLUS: {
			struct nfsdir *d = data;
			for (struct nfsdirent *de = nfs_readdir(v->nfs, d); de; de = nfs_readdir(v->nfs, d))
				r.entries++;
			nfs_closedir(v->nfs, d);
			r.cookie = r.entries;
			r.eof = 1;
			break;
		}
		}
	}
	free(req->aux);
	finish(req, &r);
}

/* CREATE: libnfs 4.0 creates with EXCLUSIVE4 and sets no attributes, so
 * an existing file is NFS4ERR_EXIST and a new one gets the server's default
 * mode (0600 on ganesha). For NFSv3 UNCHECKED semantics, an existing file
 * is opened instead, and the mode is set with a SETATTR after the create,
 * as RFC 7530 (9.1.11) asks clients to do after an exclusive create. */
/* The OPEN part of a CREATE; returns 1 while it still holds the owner. */
static int create_stage(int err, struct nfs_context *nfs, void *data, void *pd)
{
	struct nfsio_req *req = pd;
	struct nfsio4 *v = req->conn;
	const char *path = req->aux;
	struct nfsio_result r;
	if (req->step == STEP_STAT && !v->closing && (err >= 0 || err == -ENOENT)) {
		/* an OPEN that fails breaks libnfs's seqid (owner_check): open
		 * what exists, create what does not */
		req->step = err >= 0 ? STEP_OPEN : STEP_CALL;
		if (err >= 0 ? nfs_open_async(v->nfs, path, O_RDWR, create_cb, req) == 0
			     : nfs_create_async(v->nfs, path, O_RDWR, (int)req->len, create_cb, req) == 0)
			return 1;
		err = -EIO;
		data = nfs_get_error(v->nfs);
	}
	if (!result_from(&r, err, data)) {
		owner_check(v, &r);
		free(req->aux);
		finish(req, &r);
		return 0;
	}
	struct nfsfh *fh = data;
	if (v->closing) {
		fh_close(v, fh);
		path_cb(-EINTR, nfs, "Command was cancelled", pd);
		return 0;
	}
	/* keep the open for the data that follows */
	pthread_mutex_lock(&T.mu);
	uint32_t id = obj_get(path, 0);
	uint32_t gen = id ? T.v[id].gen : 0;
	pthread_mutex_unlock(&T.mu);
	struct ofile *e = id ? of_find(v, id) : NULL;
	if (e && e->gen != gen && !e->refs) {
		fh_close(v, e->fh);
		of_del(v, e);
		e = NULL;
	}
	struct nfsfh *use = fh;
	if (e && e->gen == gen) {
		use = of_dup(e, fh);
	} else if (!e && id && of_add(v, id, gen, fh)) {
		/* kept */
	} else {
		fh_close(v, fh);
		path_cb(-ENOMEM, nfs, "out of memory for open files", pd);
		return 0;
	}
	if (req->step == STEP_OPEN) { /* it existed: UNCHECKED leaves it be */
		path_cb(0, nfs, NULL, pd);
		return 0;
	}
	req->step = STEP_CHMOD;
	if (nfs_fchmod_async(v->nfs, use, (int)req->len, create_cb, req) != 0)
		path_cb(-EIO, nfs, nfs_get_error(v->nfs), pd);
	return 0;
}

static void create_cb(int err, struct nfs_context *nfs, void *data, void *pd)
{
	struct nfsio_req *req = pd;
	struct nfsio4 *v = req->conn;
	if (req->step == STEP_CHMOD) {
		path_cb(err, nfs, data, pd);
		return;
	}
	if (!create_stage(err, nfs, data, pd))
		owner_next(v);
}

/* Queue one path call; path is req->aux. */
static int path_call(struct nfsio4 *v, struct nfsio_req *req, const char *path, const char *path2, uint32_t mode)
{
	int rc = -1;
	switch (req->op) {
	case NB_OP_LOOKUP:
	case NB_OP_GETATTR:
		rc = nfs_stat64_async(v->nfs, path, path_cb, req);
		break;
	case NB_OP_ACCESS:
		rc = nfs_access2_async(v->nfs, path, path_cb, req);
		break;
	case NB_OP_CREATE:
		req->len = mode;
		req->step = STEP_STAT;
		rc = owner_submit(v, (struct owner_op){ .req = req });
		break;
	case NB_OP_MKDIR:
		rc = nfs_mkdir2_async(v->nfs, path, (int)mode, path_cb, req);
		break;
	case NB_OP_REMOVE:
		rc = nfs_unlink_async(v->nfs, path, path_cb, req);
		break;
	case NB_OP_RMDIR:
		rc = nfs_rmdir_async(v->nfs, path, path_cb, req);
		break;
	case NB_OP_RENAME:
		rc = nfs_rename_async(v->nfs, path, path2, path_cb, req);
		break;
	case NB_OP_READDIRPLUS:
		rc = nfs_opendir_async(v->nfs, path, path_cb, req);
		break;
	}
	if (rc) {
		free(req->aux);
		req->aux = NULL;
		return -1;
	}
	return 0;
}

/* Start a call on an object named by a handle (GETATTR, ACCESS, READDIR). */
static int fh_call(struct nfsio4 *v, struct nfsio_req *req, const struct nfsio_fh *fh, uint8_t op)
{
	char path[NFSIO_V4_PATHMAX];
	req->op = op;
	req->conn = v;
	req->step = STEP_CALL;
	uint32_t st = fh_path(fh, path, sizeof(path), NULL, NULL);
	if (st)
		return refuse(v, req, st, st == ST_STALE ? "stale handle: the object was removed" : "path too long");
	if (!path_keep(req, path, NULL))
		return -1;
	return path_call(v, req, req->aux, NULL, 0);
}

/* Start a call on dir/name (LOOKUP, CREATE, MKDIR, REMOVE, RMDIR). */
static int name_call(struct nfsio4 *v, struct nfsio_req *req, const struct nfsio_fh *dir, const char *name,
		     uint8_t op, uint32_t mode)
{
	char path[NFSIO_V4_PATHMAX];
	req->op = op;
	req->conn = v;
	req->step = STEP_CALL;
	of_sweep(v);
	uint32_t st = child_path(dir, name, path, sizeof(path));
	if (st)
		return refuse(v, req, st, st == ST_STALE ? "stale directory handle" : "bad name or path too long");
	if (!path_keep(req, path, NULL))
		return -1;
	return path_call(v, req, req->aux, NULL, mode);
}

int nfsio4_getattr(struct nfsio4 *v, struct nfsio_req *req, const struct nfsio_fh *fh)
{
	return fh_call(v, req, fh, NB_OP_GETATTR);
}

int nfsio4_access(struct nfsio4 *v, struct nfsio_req *req, const struct nfsio_fh *fh)
{
	return fh_call(v, req, fh, NB_OP_ACCESS);
}

int nfsio4_readdir(struct nfsio4 *v, struct nfsio_req *req, const struct nfsio_fh *dir, uint64_t cookie)
{
	if (cookie) {
		req->op = NB_OP_READDIRPLUS;
		return refuse(v, req, ST_NOTSUPP,
			      "NFSv4 through libnfs 4.0 cannot resume a directory listing at a cookie");
	}
	return fh_call(v, req, dir, NB_OP_READDIRPLUS);
}

int nfsio4_lookup(struct nfsio4 *v, struct nfsio_req *req, const struct nfsio_fh *dir, const char *name)
{
	return name_call(v, req, dir, name, NB_OP_LOOKUP, 0);
}

int nfsio4_create(struct nfsio4 *v, struct nfsio_req *req, const struct nfsio_fh *dir, const char *name,
		  uint32_t mode)
{
	return name_call(v, req, dir, name, NB_OP_CREATE, mode);
}

int nfsio4_mkdir(struct nfsio4 *v, struct nfsio_req *req, const struct nfsio_fh *dir, const char *name,
		 uint32_t mode)
{
	return name_call(v, req, dir, name, NB_OP_MKDIR, mode);
}

int nfsio4_remove(struct nfsio4 *v, struct nfsio_req *req, const struct nfsio_fh *dir, const char *name,
		  int isdir)
{
	return name_call(v, req, dir, name, isdir ? NB_OP_RMDIR : NB_OP_REMOVE, 0);
}

int nfsio4_rename(struct nfsio4 *v, struct nfsio_req *req, const struct nfsio_fh *fromdir, const char *from,
		  const struct nfsio_fh *todir, const char *to)
{
	char a[NFSIO_V4_PATHMAX], b[NFSIO_V4_PATHMAX];
	req->op = NB_OP_RENAME;
	req->conn = v;
	req->step = STEP_CALL;
	uint32_t st = child_path(fromdir, from, a, sizeof(a));
	if (!st)
		st = child_path(todir, to, b, sizeof(b));
	if (st)
		return refuse(v, req, st, st == ST_STALE ? "stale directory handle" : "bad name or path too long");
	char *p = path_keep(req, a, b);
	if (!p)
		return -1;
	return path_call(v, req, p, p + strlen(p) + 1, 0);
}
