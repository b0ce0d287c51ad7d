/* nfsio.c - every libnfs call of nfsbench (see nfsio.h): setup, the event
 * loop glue, and NFSv3 per RFC 1813. NFSv4 calls go to nfsio4.c. */
#include "nfsio.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>

#include <nfsc/libnfs.h>
#include <nfsc/libnfs-raw.h>
#include <nfsc/libnfs-raw-mount.h>
#include <nfsc/libnfs-raw-nfs.h>

#include "mountdiag.h"
#include "tm.h"

#define MOUNT_PROG 100005
#define MOUNT_V3 3
#ifndef NFS_V4
#define NFS_V4 4 /* what nfs_set_version() takes; libnfs 4.0's headers lack it */
#endif

struct nfsio_conn {
	struct nfs_context *nfs;
	struct rpc_context *rpc;
	struct nfsio4 *v4; /* NULL on NFSv3 connections */
	uint32_t next_xid; /* libnfs takes one XID per queued call, in order */
};

/* Set once by main before any connection exists; read-only afterwards. */
static unsigned nfs_version = 3;

int nfsio_set_version(unsigned v)
{
	if (v != 3 && v != 4)
		return EINVAL;
	nfs_version = v;
	return 0;
}

unsigned nfsio_version(void)
{
	return nfs_version;
}

static const char *const op_names[NB_OP_MAX] = {
	[NB_OP_READ] = "read",       [NB_OP_WRITE] = "write",   [NB_OP_COMMIT] = "commit",
	[NB_OP_GETATTR] = "getattr", [NB_OP_LOOKUP] = "lookup", [NB_OP_CREATE] = "create",
	[NB_OP_REMOVE] = "remove",   [NB_OP_SETATTR] = "setattr", [NB_OP_FSINFO] = "fsinfo",
	[NB_OP_NULL] = "null",	     [NB_OP_ACCESS] = "access", [NB_OP_READDIRPLUS] = "readdirplus",
	[NB_OP_RENAME] = "rename",   [NB_OP_MKDIR] = "mkdir",   [NB_OP_RMDIR] = "rmdir",
};

const char *nb_op_name(unsigned op)
{
	return op < NB_OP_MAX ? op_names[op] : "unknown";
}

static void fh_to3(const struct nfsio_fh *fh, struct nfs_fh3 *out)
{
	out->data.data_len = fh->len;
	out->data.data_val = (char *)fh->data;
}

static void fh_from(struct nfsio_fh *fh, u_int len, const char *val)
{
	if (len > NFSIO_FHSIZE || !val) {
		fh->len = 0;
		return;
	}
	fh->len = len;
	memcpy(fh->data, val, len);
}

static void attr_from(struct nfsio_result *r, const struct post_op_attr *a)
{
	if (a->attributes_follow) {
		r->has_size = 1;
		r->size = a->post_op_attr_u.attributes.size;
		r->mtime_s = a->post_op_attr_u.attributes.mtime.seconds;
		r->ftype = a->post_op_attr_u.attributes.type;
	}
}

/* Fill the transport part of a result; returns 1 when a reply body follows. */
static int result_init(struct nfsio_result *r, int status, void *data)
{
	/* field by field: the 64-byte handle is only filled by LOOKUP/CREATE */
	r->nfs = 0;
	r->count = 0;
	r->eof = 0;
	r->has_size = 0;
	r->size = 0;
	r->mtime_s = 0;
	r->ftype = 0;
	r->fh.len = 0;
	r->entries = 0;
	r->cookie = 0;
	r->data = NULL;
	r->err = NULL;
	switch (status) {
	case RPC_STATUS_SUCCESS:
		r->rpc = NFSIO_REPLY;
		return data != NULL;
	case RPC_STATUS_TIMEOUT:
		r->rpc = NFSIO_TIMEOUT;
		r->err = "timeout";
		return 0;
	case RPC_STATUS_CANCEL:
		r->rpc = NFSIO_CANCEL;
		r->err = "cancelled";
		return 0;
	default:
		r->rpc = NFSIO_ERROR;
		r->err = data ? (const char *)data : "RPC error";
		return 0;
	}
}

static void finish(void *private_data, struct nfsio_result *r, int body_ok)
{
	struct nfsio_req *req = private_data;
	if (r->rpc == NFSIO_REPLY && !body_ok) {
		r->rpc = NFSIO_ERROR;
		r->err = "reply without body";
	}
	req->cb(req, r);
}

static void read_cb(struct rpc_context *rpc, int status, void *data, void *pd)
{
	struct nfsio_result r;
	int ok = result_init(&r, status, data);
	(void)rpc;
	if (ok) {
		READ3res *res = data;
		r.nfs = res->status;
		if (res->status == NFS3_OK) {
			r.count = res->READ3res_u.resok.count;
			r.eof = res->READ3res_u.resok.eof;
			r.data = (const unsigned char *)res->READ3res_u.resok.data.data_val;
			if (res->READ3res_u.resok.data.data_len < r.count)
				r.count = res->READ3res_u.resok.data.data_len;
			attr_from(&r, &res->READ3res_u.resok.file_attributes);
		}
	}
	finish(pd, &r, ok);
}

static void write_cb(struct rpc_context *rpc, int status, void *data, void *pd)
{
	struct nfsio_result r;
	int ok = result_init(&r, status, data);
	(void)rpc;
	if (ok) {
		WRITE3res *res = data;
		r.nfs = res->status;
		if (res->status == NFS3_OK) {
			r.count = res->WRITE3res_u.resok.count;
			attr_from(&r, &res->WRITE3res_u.resok.file_wcc.after);
		}
	}
	finish(pd, &r, ok);
}

static void commit_cb(struct rpc_context *rpc, int status, void *data, void *pd)
{
	struct nfsio_result r;
	int ok = result_init(&r, status, data);
	(void)rpc;
	if (ok)
		r.nfs = ((COMMIT3res *)data)->status;
	finish(pd, &r, ok);
}

static void getattr_cb(struct rpc_context *rpc, int status, void *data, void *pd)
{
	struct nfsio_result r;
	int ok = result_init(&r, status, data);
	(void)rpc;
	if (ok) {
		GETATTR3res *res = data;
		r.nfs = res->status;
		if (res->status == NFS3_OK) {
			r.has_size = 1;
			r.size = res->GETATTR3res_u.resok.obj_attributes.size;
			r.mtime_s = res->GETATTR3res_u.resok.obj_attributes.mtime.seconds;
			r.ftype = res->GETATTR3res_u.resok.obj_attributes.type;
		}
	}
	finish(pd, &r, ok);
}

static void lookup_cb(struct rpc_context *rpc, int status, void *data, void *pd)
{
	struct nfsio_result r;
	int ok = result_init(&r, status, data);
	(void)rpc;
	if (ok) {
		LOOKUP3res *res = data;
		r.nfs = res->status;
		if (res->status == NFS3_OK) {
			LOOKUP3resok *o = &res->LOOKUP3res_u.resok;
			fh_from(&r.fh, o->object.data.data_len, o->object.data.data_val);
			attr_from(&r, &o->obj_attributes);
		}
	}
	finish(pd, &r, ok);
}

static void create_cb(struct rpc_context *rpc, int status, void *data, void *pd)
{
	struct nfsio_result r;
	int ok = result_init(&r, status, data);
	(void)rpc;
	if (ok) {
		CREATE3res *res = data;
		r.nfs = res->status;
		if (res->status == NFS3_OK) {
			CREATE3resok *o = &res->CREATE3res_u.resok;
			if (o->obj.handle_follows)
				fh_from(&r.fh, o->obj.post_op_fh3_u.handle.data.data_len,
					o->obj.post_op_fh3_u.handle.data.data_val);
			attr_from(&r, &o->obj_attributes);
		}
	}
	finish(pd, &r, ok);
}

static void remove_cb(struct rpc_context *rpc, int status, void *data, void *pd)
{
	struct nfsio_result r;
	int ok = result_init(&r, status, data);
	(void)rpc;
	if (ok)
		r.nfs = ((REMOVE3res *)data)->status;
	finish(pd, &r, ok);
}

static void setattr_cb(struct rpc_context *rpc, int status, void *data, void *pd)
{
	struct nfsio_result r;
	int ok = result_init(&r, status, data);
	(void)rpc;
	if (ok) {
		SETATTR3res *res = data;
		r.nfs = res->status;
		if (res->status == NFS3_OK)
			attr_from(&r, &res->SETATTR3res_u.resok.obj_wcc.after);
	}
	finish(pd, &r, ok);
}

static void access_cb(struct rpc_context *rpc, int status, void *data, void *pd)
{
	struct nfsio_result r;
	int ok = result_init(&r, status, data);
	(void)rpc;
	if (ok) {
		ACCESS3res *res = data;
		r.nfs = res->status;
		if (res->status == NFS3_OK)
			attr_from(&r, &res->ACCESS3res_u.resok.obj_attributes);
	}
	finish(pd, &r, ok);
}

static void readdirplus_cb(struct rpc_context *rpc, int status, void *data, void *pd)
{
	struct nfsio_result r;
	int ok = result_init(&r, status, data);
	(void)rpc;
	if (ok) {
		READDIRPLUS3res *res = data;
		r.nfs = res->status;
		if (res->status == NFS3_OK) {
			READDIRPLUS3resok *o = &res->READDIRPLUS3res_u.resok;
			/* libnfs 4.0 decodes entries into a buffer without regard to
			 * alignment (UBSan: misaligned entryplus3): read each field
			 * by bytes */
			const char *e = (const char *)o->reply.entries;
			while (e) {
				r.entries++;
				memcpy(&r.cookie, e + offsetof(entryplus3, cookie), sizeof(r.cookie));
				memcpy(&e, e + offsetof(entryplus3, nextentry), sizeof(e));
			}
			r.eof = o->reply.eof;
			memcpy(r.verf, o->cookieverf, sizeof(r.verf));
		}
	}
	finish(pd, &r, ok);
}

static void rename_cb(struct rpc_context *rpc, int status, void *data, void *pd)
{
	struct nfsio_result r;
	int ok = result_init(&r, status, data);
	(void)rpc;
	if (ok)
		r.nfs = ((RENAME3res *)data)->status;
	finish(pd, &r, ok);
}

static void mkdir_cb(struct rpc_context *rpc, int status, void *data, void *pd)
{
	struct nfsio_result r;
	int ok = result_init(&r, status, data);
	(void)rpc;
	if (ok) {
		MKDIR3res *res = data;
		r.nfs = res->status;
		if (res->status == NFS3_OK && res->MKDIR3res_u.resok.obj.handle_follows)
			fh_from(&r.fh, res->MKDIR3res_u.resok.obj.post_op_fh3_u.handle.data.data_len,
				res->MKDIR3res_u.resok.obj.post_op_fh3_u.handle.data.data_val);
	}
	finish(pd, &r, ok);
}

static void rmdir_cb(struct rpc_context *rpc, int status, void *data, void *pd)
{
	struct nfsio_result r;
	int ok = result_init(&r, status, data);
	(void)rpc;
	if (ok)
		r.nfs = ((RMDIR3res *)data)->status;
	finish(pd, &r, ok);
}

/* ---- setup --------------------------------------------------------------- */

struct mnt_state {
	int done;
	int failed;
	struct nfsio_fh *root;
	const char *export;
	char *err;
	size_t errlen;
};

static void mnt_fail(struct mnt_state *st, const char *what, int status, void *data)
{
	snprintf(st->err, st->errlen, "%s: %s", what,
		 status == RPC_STATUS_ERROR && data ? (const char *)data
		 : status == RPC_STATUS_TIMEOUT	   ? "timeout"
						   : "cancelled");
	st->failed = 1;
	st->done = 1;
}

static void mnt_cb(struct rpc_context *rpc, int status, void *data, void *pd)
{
	struct mnt_state *st = pd;
	(void)rpc;
	if (status != RPC_STATUS_SUCCESS) {
		mnt_fail(st, "MOUNT3 MNT", status, data);
		return;
	}
	mountres3 *res = data;
	if (res->fhs_status != MNT3_OK) {
		snprintf(st->err, st->errlen, "server refused to mount %s (MOUNT3 status %d%s)",
			 st->export, (int)res->fhs_status,
			 res->fhs_status == MNT3ERR_NOENT    ? ": no such export"
			 : res->fhs_status == MNT3ERR_ACCES ? ": access denied"
							    : "");
		st->failed = 1;
	} else {
		fhandle3 *fh = &res->mountres3_u.mountinfo.fhandle;
		fh_from(st->root, fh->fhandle3_len, fh->fhandle3_val);
		if (!st->root->len) {
			snprintf(st->err, st->errlen, "MOUNT3 MNT returned a bad handle");
			st->failed = 1;
		}
	}
	st->done = 1;
}

static void mnt_connect_cb(struct rpc_context *rpc, int status, void *data, void *pd)
{
	struct mnt_state *st = pd;
	if (status != RPC_STATUS_SUCCESS) {
		mnt_fail(st, "connecting to mountd", status, data);
		return;
	}
	if (rpc_mount3_mnt_async(rpc, mnt_cb, (char *)st->export, st) != 0) {
		snprintf(st->err, st->errlen, "MOUNT3 MNT: %s", rpc_get_error(rpc));
		st->failed = 1;
		st->done = 1;
	}
}

/* Poll one raw context until *done or the deadline. */
static int rpc_wait(struct rpc_context *rpc, volatile int *done, uint64_t deadline)
{
	while (!*done) {
		uint64_t now = tm_mono_ns();
		if (now >= deadline)
			return ETIMEDOUT;
		uint64_t left = (deadline - now) / 1000000 + 1;
		struct pollfd p = { .fd = rpc_get_fd(rpc), .events = (short)rpc_which_events(rpc) };
		int n = poll(&p, 1, left > 100 ? 100 : (int)left);
		if (n < 0 && errno != EINTR)
			return errno;
		if (rpc_service(rpc, n > 0 ? p.revents : 0) < 0)
			return *done ? 0 : EPIPE;
	}
	return 0;
}

int nfsio_mount_root(const char *server, const char *export, int timeout_ms,
		     struct nfsio_fh *root, char *err, size_t errlen)
{
	if (nfsio_version() == 4) {
		nfsio4_root(root);
		return 0;
	}
	struct mnt_state st = { .root = root, .export = export, .err = err, .errlen = errlen };
	struct rpc_context *rpc = rpc_init_context();
	if (!rpc) {
		snprintf(err, errlen, "cannot create an RPC context");
		return ENOMEM;
	}
	int rc = 0;
	if (rpc_connect_program_async(rpc, server, MOUNT_PROG, MOUNT_V3, mnt_connect_cb, &st) != 0) {
		snprintf(err, errlen, "connecting to mountd on %s: %s", server, rpc_get_error(rpc));
		rc = ECONNREFUSED;
	} else {
		rc = rpc_wait(rpc, &st.done, tm_mono_ns() + (uint64_t)timeout_ms * 1000000);
		if (rc == ETIMEDOUT)
			snprintf(err, errlen, "no answer from mountd on %s within %d ms", server, timeout_ms);
		else if (rc)
			snprintf(err, errlen, "mountd on %s: %s", server, rpc_get_error(rpc));
		else if (st.failed)
			rc = EIO;
	}
	rpc_destroy_context(rpc);
	return rc;
}

int nfsio_connect(struct nfsio_conn **out, const char *server, const char *export,
		  int timeout_ms, uint32_t xid_base, char *err, size_t errlen)
{
	struct nfsio_conn *c = calloc(1, sizeof(*c));
	if (!c || !(c->nfs = nfs_init_context())) {
		free(c);
		snprintf(err, errlen, "cannot create an NFS context");
		return ENOMEM;
	}
	/* Before any synchronous call: libnfs 4.0 waits forever by default. */
	nfs_set_timeout(c->nfs, timeout_ms < 1000 ? 1000 : timeout_ms);
	int v4 = nfsio_version() == 4;
	if (v4 && (nfs_set_version(c->nfs, NFS_V4) != 0 || !(c->v4 = nfsio4_new(c->nfs)))) {
		snprintf(err, errlen, "NFSv4: %s", nfs_get_error(c->nfs));
		nfs_destroy_context(c->nfs);
		free(c);
		return ENOMEM;
	}
	if (!v4)
		nfs_set_version(c->nfs, NFS_V3);
	if (nfs_mount(c->nfs, server, export) != 0) {
		/* libnfs often says only "nfs_service failed": find the step */
		char why[768];
		mountdiag(server, export, v4, why, sizeof(why));
		snprintf(err, errlen, "mounting %s:%s%s failed (libnfs: %s): %s", server, export, v4 ? " (NFSv4)" : "",
			 nfs_get_error(c->nfs), why);
		nfs_destroy_context(c->nfs);
		nfsio4_free(c->v4);
		free(c);
		return EIO;
	}
	/* From here on the engine watches for progress itself. A libnfs
	 * timeout would make every rpc_service() scan all of libnfs 4.0's
	 * 1024 reply hash buckets: about 1,300 instructions per call. */
	nfs_set_timeout(c->nfs, -1);
	c->rpc = nfs_get_rpc_context(c->nfs);
	if (!v4) {
		rpc_set_next_xid(c->rpc, xid_base);
		c->next_xid = xid_base;
	}
	*out = c;
	return 0;
}

void nfsio_close(struct nfsio_conn *c)
{
	if (!c)
		return;
	if (c->v4)
		nfsio4_close(c->v4);
	nfs_destroy_context(c->nfs); /* cancels what is in flight */
	nfsio4_free(c->v4);
	free(c);
}

uint32_t nfsio_readmax(struct nfsio_conn *c)
{
	/* libnfs 4.0 learns no limits over NFSv4 (nfs_get_readmax() is 0) */
	return c->v4 ? NFSIO_V4_READMAX : (uint32_t)nfs_get_readmax(c->nfs);
}

uint32_t nfsio_writemax(struct nfsio_conn *c)
{
	return c->v4 ? NFSIO_V4_WRITEMAX : (uint32_t)nfs_get_writemax(c->nfs);
}

const char *nfsio_error(struct nfsio_conn *c)
{
	const char *e = rpc_get_error(c->rpc);
	return e && *e ? e : "unknown error";
}

uint16_t nfsio_local_port(struct nfsio_conn *c)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	if (getsockname(rpc_get_fd(c->rpc), (struct sockaddr *)&ss, &len) != 0)
		return 0;
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return 0;
}

/* nfs_get_fd() and friends of libnfs 4.0 only forward to the connection's
 * rpc context, for v3 and v4 alike: call that directly. */
int nfsio_fd(struct nfsio_conn *c) { return rpc_get_fd(c->rpc); }

int nfsio_events(struct nfsio_conn *c)
{
	int ev = rpc_which_events(c->rpc);
	return c->v4 ? ev | nfsio4_events(c->v4) : ev;
}

int nfsio_service(struct nfsio_conn *c, int revents)
{
	int rc = rpc_service(c->rpc, revents);
	return c->v4 ? nfsio4_service(c->v4, rc) : rc;
}

int nfsio_queue_length(struct nfsio_conn *c) { return rpc_queue_length(c->rpc); }

/* ---- RPCs ---------------------------------------------------------------- */

uint32_t nfsio_next_xid(struct nfsio_conn *c)
{
	return c->next_xid;
}

static inline int queued(struct nfsio_conn *c, int rc)
{
	if (rc)
		return -1;
	c->next_xid++;
	return 0;
}

int nfsio_read(struct nfsio_conn *c, struct nfsio_req *req, const struct nfsio_fh *fh,
	       uint64_t off, uint32_t len)
{
	if (c->v4)
		return nfsio4_read(c->v4, req, fh, off, len);
	READ3args a;
	fh_to3(fh, &a.file);
	a.offset = off;
	a.count = len;
	req->op = NB_OP_READ;
	return queued(c, rpc_nfs3_read_async(c->rpc, read_cb, &a, req));
}

int nfsio_write(struct nfsio_conn *c, struct nfsio_req *req, const struct nfsio_fh *fh,
		uint64_t off, uint32_t len, const void *buf, int stable)
{
	if (c->v4)
		return nfsio4_write(c->v4, req, fh, off, len, buf, stable);
	WRITE3args a;
	fh_to3(fh, &a.file);
	a.offset = off;
	a.count = len;
	a.stable = stable == 2 ? FILE_SYNC : stable == 1 ? DATA_SYNC : UNSTABLE;
	a.data.data_len = len;
	a.data.data_val = (char *)buf;
	req->op = NB_OP_WRITE;
	return queued(c, rpc_nfs3_write_async(c->rpc, write_cb, &a, req));
}

int nfsio_commit(struct nfsio_conn *c, struct nfsio_req *req, const struct nfsio_fh *fh,
		 uint64_t off, uint32_t len)
{
	if (c->v4)
		return nfsio4_commit(c->v4, req, fh);
	COMMIT3args a;
	fh_to3(fh, &a.file);
	a.offset = off;
	a.count = len;
	req->op = NB_OP_COMMIT;
	return queued(c, rpc_nfs3_commit_async(c->rpc, commit_cb, &a, req));
}

int nfsio_getattr(struct nfsio_conn *c, struct nfsio_req *req, const struct nfsio_fh *fh)
{
	if (c->v4)
		return nfsio4_getattr(c->v4, req, fh);
	GETATTR3args a;
	fh_to3(fh, &a.object);
	req->op = NB_OP_GETATTR;
	return queued(c, rpc_nfs3_getattr_async(c->rpc, getattr_cb, &a, req));
}

int nfsio_lookup(struct nfsio_conn *c, struct nfsio_req *req, const struct nfsio_fh *dir,
		 const char *name)
{
	if (c->v4)
		return nfsio4_lookup(c->v4, req, dir, name);
	LOOKUP3args a;
	fh_to3(dir, &a.what.dir);
	a.what.name = (char *)name;
	req->op = NB_OP_LOOKUP;
	return queued(c, rpc_nfs3_lookup_async(c->rpc, lookup_cb, &a, req));
}

int nfsio_create(struct nfsio_conn *c, struct nfsio_req *req, const struct nfsio_fh *dir,
		 const char *name, uint32_t mode)
{
	if (c->v4)
		return nfsio4_create(c->v4, req, dir, name, mode);
	CREATE3args a;
	memset(&a, 0, sizeof(a));
	fh_to3(dir, &a.where.dir);
	a.where.name = (char *)name;
	a.how.mode = UNCHECKED;
	a.how.createhow3_u.obj_attributes.mode.set_it = 1;
	a.how.createhow3_u.obj_attributes.mode.set_mode3_u.mode = mode;
	req->op = NB_OP_CREATE;
	return queued(c, rpc_nfs3_create_async(c->rpc, create_cb, &a, req));
}

int nfsio_remove(struct nfsio_conn *c, struct nfsio_req *req, const struct nfsio_fh *dir,
		 const char *name)
{
	if (c->v4)
		return nfsio4_remove(c->v4, req, dir, name, 0);
	REMOVE3args a;
	fh_to3(dir, &a.object.dir);
	a.object.name = (char *)name;
	req->op = NB_OP_REMOVE;
	return queued(c, rpc_nfs3_remove_async(c->rpc, remove_cb, &a, req));
}

int nfsio_truncate(struct nfsio_conn *c, struct nfsio_req *req, const struct nfsio_fh *fh,
		   uint64_t size)
{
	if (c->v4)
		return nfsio4_truncate(c->v4, req, fh, size);
	SETATTR3args a;
	memset(&a, 0, sizeof(a));
	fh_to3(fh, &a.object);
	a.new_attributes.size.set_it = 1;
	a.new_attributes.size.set_size3_u.size = size;
	req->op = NB_OP_SETATTR;
	return queued(c, rpc_nfs3_setattr_async(c->rpc, setattr_cb, &a, req));
}

int nfsio_set_mtime(struct nfsio_conn *c, struct nfsio_req *req, const struct nfsio_fh *fh, uint64_t sec)
{
	if (c->v4)
		return nfsio4_set_mtime(c->v4, req);
	SETATTR3args a;
	memset(&a, 0, sizeof(a));
	fh_to3(fh, &a.object);
	a.new_attributes.mtime.set_it = SET_TO_CLIENT_TIME;
	a.new_attributes.mtime.set_mtime_u.mtime.seconds = (uint32_t)sec;
	req->op = NB_OP_SETATTR;
	return queued(c, rpc_nfs3_setattr_async(c->rpc, setattr_cb, &a, req));
}

int nfsio_access(struct nfsio_conn *c, struct nfsio_req *req, const struct nfsio_fh *fh)
{
	if (c->v4)
		return nfsio4_access(c->v4, req, fh);
	ACCESS3args a;
	fh_to3(fh, &a.object);
	a.access = ACCESS3_READ | ACCESS3_LOOKUP | ACCESS3_MODIFY | ACCESS3_EXTEND | ACCESS3_DELETE |
		   ACCESS3_EXECUTE;
	req->op = NB_OP_ACCESS;
	return queued(c, rpc_nfs3_access_async(c->rpc, access_cb, &a, req));
}

int nfsio_readdirplus(struct nfsio_conn *c, struct nfsio_req *req, const struct nfsio_fh *dir,
		      uint64_t cookie, const unsigned char verf[8], uint32_t maxcount)
{
	if (c->v4)
		return nfsio4_readdir(c->v4, req, dir, cookie);
	READDIRPLUS3args a;
	fh_to3(dir, &a.dir);
	a.cookie = cookie;
	memcpy(a.cookieverf, verf, sizeof(a.cookieverf));
	a.dircount = maxcount / 4;
	a.maxcount = maxcount;
	req->op = NB_OP_READDIRPLUS;
	return queued(c, rpc_nfs3_readdirplus_async(c->rpc, readdirplus_cb, &a, req));
}

int nfsio_rename(struct nfsio_conn *c, struct nfsio_req *req, const struct nfsio_fh *fromdir,
		 const char *from, const struct nfsio_fh *todir, const char *to)
{
	if (c->v4)
		return nfsio4_rename(c->v4, req, fromdir, from, todir, to);
	RENAME3args a;
	fh_to3(fromdir, &a.from.dir);
	a.from.name = (char *)from;
	fh_to3(todir, &a.to.dir);
	a.to.name = (char *)to;
	req->op = NB_OP_RENAME;
	return queued(c, rpc_nfs3_rename_async(c->rpc, rename_cb, &a, req));
}

int nfsio_mkdir(struct nfsio_conn *c, struct nfsio_req *req, const struct nfsio_fh *dir,
		const char *name, uint32_t mode)
{
	if (c->v4)
		return nfsio4_mkdir(c->v4, req, dir, name, mode);
	MKDIR3args a;
	memset(&a, 0, sizeof(a));
	fh_to3(dir, &a.where.dir);
	a.where.name = (char *)name;
	a.attributes.mode.set_it = 1;
	a.attributes.mode.set_mode3_u.mode = mode;
	req->op = NB_OP_MKDIR;
	return queued(c, rpc_nfs3_mkdir_async(c->rpc, mkdir_cb, &a, req));
}

int nfsio_rmdir(struct nfsio_conn *c, struct nfsio_req *req, const struct nfsio_fh *dir,
		const char *name)
{
	if (c->v4)
		return nfsio4_remove(c->v4, req, dir, name, 1);
	RMDIR3args a;
	fh_to3(dir, &a.object.dir);
	a.object.name = (char *)name;
	req->op = NB_OP_RMDIR;
	return queued(c, rpc_nfs3_rmdir_async(c->rpc, rmdir_cb, &a, req));
}

int nfsio_wait(struct nfsio_conn *c, volatile int *done, uint64_t deadline_ns)
{
	if (!c->v4)
		return rpc_wait(c->rpc, done, deadline_ns);
	/* the same loop through nfsio_service(), which also hands out NFSv4
	 * requests refused before they were sent */
	while (!*done) {
		uint64_t now = tm_mono_ns();
		if (now >= deadline_ns)
			return ETIMEDOUT;
		uint64_t left = (deadline_ns - now) / 1000000 + 1;
		struct pollfd p = { .fd = nfsio_fd(c), .events = (short)nfsio_events(c) };
		int n = poll(&p, 1, left > 100 ? 100 : (int)left);
		if (n < 0 && errno != EINTR)
			return errno;
		if (nfsio_service(c, n > 0 ? p.revents : 0) < 0)
			return *done ? 0 : EPIPE;
	}
	return 0;
}

const char *nfsio_status_name(uint32_t s, char *buf, size_t len)
{
	static const struct {
		uint32_t v;
		const char *n;
	} names[] = {
		{ 0, "NFS3_OK" },	       { 1, "NFS3ERR_PERM" },	      { 2, "NFS3ERR_NOENT" },
		{ 5, "NFS3ERR_IO" },	       { 6, "NFS3ERR_NXIO" },	      { 13, "NFS3ERR_ACCES" },
		{ 17, "NFS3ERR_EXIST" },      { 18, "NFS3ERR_XDEV" },	      { 19, "NFS3ERR_NODEV" },
		{ 20, "NFS3ERR_NOTDIR" },     { 21, "NFS3ERR_ISDIR" },	      { 22, "NFS3ERR_INVAL" },
		{ 27, "NFS3ERR_FBIG" },	       { 28, "NFS3ERR_NOSPC" },	      { 30, "NFS3ERR_ROFS" },
		{ 31, "NFS3ERR_MLINK" },      { 63, "NFS3ERR_NAMETOOLONG" }, { 66, "NFS3ERR_NOTEMPTY" },
		{ 69, "NFS3ERR_DQUOT" },      { 70, "NFS3ERR_STALE" },	      { 71, "NFS3ERR_REMOTE" },
		{ 10001, "NFS3ERR_BADHANDLE" }, { 10002, "NFS3ERR_NOT_SYNC" }, { 10003, "NFS3ERR_BAD_COOKIE" },
		{ 10004, "NFS3ERR_NOTSUPP" }, { 10005, "NFS3ERR_TOOSMALL" }, { 10006, "NFS3ERR_SERVERFAULT" },
		{ 10007, "NFS3ERR_BADTYPE" }, { 10008, "NFS3ERR_JUKEBOX" },
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].v == s)
			return names[i].n;
	snprintf(buf, len, "NFS3ERR_%u", s);
	return buf;
}

/* ---- the anchor of the engine's cost per READ ---------------------------- */

struct bare {
	struct rpc_context *rpc;
	struct nfs_fh3 fh;
	uint64_t blocks, rng, issued, done, n;
	uint32_t len;
	int failed;
};

static void bare_issue(struct bare *b);

static void bare_cb(struct rpc_context *rpc, int status, void *data, void *pd)
{
	struct bare *b = pd;
	(void)rpc;
	b->done++;
	if (status != RPC_STATUS_SUCCESS || ((READ3res *)data)->status != NFS3_OK)
		b->failed = 1;
	else if (b->issued < b->n)
		bare_issue(b);
}

static void bare_issue(struct bare *b)
{
	b->rng = b->rng * 6364136223846793005ull + 1442695040888963407ull; /* Knuth's MMIX LCG */
	READ3args a = { .file = b->fh, .offset = ((b->rng >> 20) % b->blocks) * b->len, .count = b->len };
	if (rpc_nfs3_read_async(b->rpc, bare_cb, &a, b))
		b->failed = 1;
	else
		b->issued++;
}

int nfsio_bare_reads(struct nfsio_conn *c, const struct nfsio_fh *fh, uint64_t size, uint32_t len,
		     unsigned slots, uint64_t n, uint64_t timeout_ns, char *err, size_t errlen)
{
	if (c->v4 || !len || size < len) {
		snprintf(err, errlen, "bare READs need NFSv3 and a file of at least %u bytes", len);
		return EINVAL;
	}
	struct bare b = { .rpc = c->rpc, .blocks = size / len, .rng = 1, .n = n, .len = len };
	fh_to3(fh, &b.fh);
	while (b.issued < slots && b.issued < n && !b.failed)
		bare_issue(&b);
	uint64_t last = tm_mono_ns();
	while (b.done < b.issued && !b.failed) {
		struct pollfd p = { .fd = rpc_get_fd(c->rpc), .events = (short)rpc_which_events(c->rpc) };
		int k = poll(&p, 1, 100);
		if (k < 0 && errno != EINTR)
			break;
		uint64_t now = tm_mono_ns();
		if (k > 0)
			last = now;
		else if (now - last > timeout_ns)
			break;
		/* as the engine does: replies start new calls, let them out */
		if (rpc_service(c->rpc, k > 0 ? p.revents | (p.revents & POLLIN ? POLLOUT : 0) : 0) < 0)
			break;
	}
	if (b.failed || b.done < n) {
		snprintf(err, errlen, "%llu of %llu READs done: %s", (unsigned long long)b.done,
			 (unsigned long long)n, b.failed ? "a READ failed" : rpc_get_error(c->rpc));
		return EIO;
	}
	return 0;
}
