/* nfsio.h - nfsbench's only door to libnfs (Debian 12: libnfs 4.0.0).
 *
 * Every libnfs call of nfsbench lives in nfsio.c (NFSv3) and nfsio4.c
 * (NFSv4.0), so a port to another libnfs version stays in two files.
 * Connections are set up with nfs_mount().
 *
 * NFSv3 (default): libnfs's raw async NFSv3 calls, so that nfsbench decides
 * the size of every RPC. Requests carry a caller-owned struct nfsio_req (no
 * allocation per RPC); completions are decoded into a struct nfsio_result
 * and handed to the request's callback.
 *
 * NFSv4.0 (nfsio_set_version(4)): libnfs 4.0 has no raw NFSv4 calls for
 * READ/WRITE, only its high-level path-based API (nfs_*_async), so:
 * - a struct nfsio_fh is a client-side handle: an object number and its
 *   generation in a process-wide table that maps it to the object's path
 *   under the mount root. Like a real file handle it survives a RENAME made
 *   through nfsio, and goes stale (NFS3ERR_STALE) once the object was
 *   removed through nfsio. Paths longer than NFSIO_V4_PATHMAX are refused
 *   with NFS3ERR_NAMETOOLONG.
 * - READ, WRITE, COMMIT and truncate need NFSv4 open state: each connection
 *   keeps the files it opened open (nfs_open, O_RDWR) and opens a file
 *   first when it has no open for it; the caller still gets one callback,
 *   and sees one RPC in its counts where two went on the wire.
 * - statuses are libnfs's errno values mapped back to nfsstat3 numbers
 *   (ENOENT -> NFS3ERR_NOENT and so on, anything unknown -> NFS3ERR_IO).
 * - libnfs picks the XIDs, so nfsio_next_xid() is 0 and traces carry 0.
 * See each call below for what it does over v4, and what is refused.
 */
#ifndef NFSBENCH_NFSIO_H
#define NFSBENCH_NFSIO_H

#include <stddef.h>
#include <stdint.h>

/* Operation types, shared by the engine, the results and the trace. The
 * order is part of the trace format: append only. */
enum nb_op {
	NB_OP_READ,
	NB_OP_WRITE,
	NB_OP_COMMIT,
	NB_OP_GETATTR,
	NB_OP_LOOKUP,
	NB_OP_CREATE,
	NB_OP_REMOVE,
	NB_OP_SETATTR,
	NB_OP_FSINFO,
	NB_OP_NULL,
	NB_OP_ACCESS,
	NB_OP_READDIRPLUS,
	NB_OP_RENAME,
	NB_OP_MKDIR,
	NB_OP_RMDIR,
	NB_OP_MAX
};
const char *nb_op_name(unsigned op);

#define NFSIO_FHSIZE 64 /* NFS3_FHSIZE, RFC 1813 */
struct nfsio_fh {
	uint32_t len;
	unsigned char data[NFSIO_FHSIZE];
};

/* Transport outcome of one RPC. */
enum nfsio_rpc {
	NFSIO_REPLY = 0, /* a reply arrived; look at nfs for the NFS status */
	NFSIO_ERROR,     /* transport error (connection lost, decode error) */
	NFSIO_TIMEOUT,   /* no reply within the context's timeout */
	NFSIO_CANCEL     /* cancelled (context destroyed) */
};

struct nfsio_result {
	enum nfsio_rpc rpc;
	uint32_t nfs;      /* nfsstat3 when rpc == NFSIO_REPLY */
	uint32_t count;    /* READ/WRITE: bytes transferred */
	uint32_t eof;      /* READ */
	int has_size;      /* size (and mtime_s) are the file's after the call */
	uint64_t size;
	uint64_t mtime_s;  /* seconds of the last modification (verify's mark) */
	uint32_t ftype;    /* GETATTR/LOOKUP: NF3REG=1, NF3DIR=2 ... (0 unknown) */
	struct nfsio_fh fh;/* LOOKUP/CREATE/MKDIR: the object's handle (len 0 if none) */
	const unsigned char *data; /* READ: the bytes, valid during the callback */
	uint32_t entries;  /* READDIRPLUS: entries in this reply */
	uint64_t cookie;   /* READDIRPLUS: cookie of the last entry */
	unsigned char verf[8]; /* READDIRPLUS: cookie verifier */
	const char *err;   /* libnfs's message for transport errors */
};

struct nfsio_req;
typedef void (*nfsio_cb)(struct nfsio_req *req, const struct nfsio_result *r);

/* Embed in whatever the caller tracks per RPC; must stay valid until the
 * callback ran. Everything after op is private to nfsio: the state an
 * NFSv4 call keeps between its steps (NFSv3 never touches it). */
struct nfsio_req {
	nfsio_cb cb;
	uint8_t op; /* enum nb_op, set by the issuing call */
	uint8_t step, stable;
	uint32_t id, gen, len;
	uint64_t off;
	const void *buf;
	void *conn, *aux;
};

struct nfsio_conn;

/* Process-wide NFS version of the connections made from now on: 3 (the
 * default) or 4 (NFSv4.0). Returns 0, or EINVAL for any other value. */
int nfsio_set_version(unsigned v);
unsigned nfsio_version(void);

/* Ask the server's mountd for the export's root handle (MOUNT3 MNT through
 * the portmapper), waiting at most timeout_ms. Returns 0 or an errno value
 * with a one-line reason in err. NFSv4 has no MOUNT protocol: the handle of
 * the mount root ("/" under the export's pseudo path) is returned at once. */
int nfsio_mount_root(const char *server, const char *export, int timeout_ms,
		     struct nfsio_fh *root, char *err, size_t errlen);

/* Open one TCP connection with nfs_mount(), RPC timeout timeout_ms (whole
 * seconds, libnfs 4.0), the next XIDs starting at xid_base (NFSv3; NFSv4:
 * the export is the server's pseudo path, e.g. /export, and each connection
 * is its own NFSv4 client, with its own client id). */
int nfsio_connect(struct nfsio_conn **c, const char *server, const char *export,
		  int timeout_ms, uint32_t xid_base, char *err, size_t errlen);
/* Drop the connection without waiting for anything (no UMNT: teardown must
 * never block results). Requests in flight complete with NFSIO_CANCEL or
 * ERROR. NFSv4: the CLOSEs of the files it holds open are handed to the
 * socket without waiting for replies; the server forgets the rest when the
 * client's lease runs out. */
void nfsio_close(struct nfsio_conn *c);

/* The largest READ/WRITE (NFSv3: the server's FSINFO; NFSv4: the limits of
 * libnfs 4.0, see NFSIO_V4_WRITEMAX). */
uint32_t nfsio_readmax(struct nfsio_conn *c);
uint32_t nfsio_writemax(struct nfsio_conn *c);
const char *nfsio_error(struct nfsio_conn *c);
/* The local TCP port of the connection (0 if unknown), for traces. */
uint16_t nfsio_local_port(struct nfsio_conn *c);

/* Event loop glue: poll nfsio_fd() for nfsio_events(), then call
 * nfsio_service() with the revents (and with 0 now and then so timeouts
 * fire). nfsio_service() returns -1 when the connection is dead. */
int nfsio_fd(struct nfsio_conn *c);
int nfsio_events(struct nfsio_conn *c);
int nfsio_service(struct nfsio_conn *c, int revents);
int nfsio_queue_length(struct nfsio_conn *c);

/* The XID the next RPC queued on c will carry (set at connect, then one per
 * call queued through this module, as libnfs assigns them). Always 0 over
 * NFSv4: libnfs's high-level API picks its XIDs itself and one call may be
 * several RPCs, so traces of v4 runs cannot be joined with captures on XID. */
uint32_t nfsio_next_xid(struct nfsio_conn *c);

/* Issue one RPC. Return 0 when queued (the callback will run from a later
 * nfsio_service()), or -1 when it could not be queued (no callback).
 * NFSv4: a request refused before anything is sent (stale handle, path too
 * long, something libnfs 4.0 cannot do) is queued too, and completes from
 * the next nfsio_service() with its NFS status and a message in err. */
/* NFSv4: nfs_pread on the connection's open of the file; eof is inferred
 * from a short read (libnfs 4.0 does not pass the reply's eof on). */
int nfsio_read(struct nfsio_conn *c, struct nfsio_req *req, const struct nfsio_fh *fh,
	       uint64_t off, uint32_t len);
/* stable: 0 UNSTABLE, 1 DATA_SYNC, 2 FILE_SYNC. buf must hold len bytes
 * and stay valid until the callback (NFSv4 sends it later, maybe after an
 * OPEN). NFSv4: libnfs 4.0 always writes UNSTABLE4, so DATA_SYNC and
 * FILE_SYNC are honoured with a COMMIT (nfs_fsync) after the WRITE, before
 * the callback; count is the WRITE's. */
int nfsio_write(struct nfsio_conn *c, struct nfsio_req *req, const struct nfsio_fh *fh,
		uint64_t off, uint32_t len, const void *buf, int stable);
/* NFSv4: nfs_fsync, which commits the whole file (a superset of any range). */
int nfsio_commit(struct nfsio_conn *c, struct nfsio_req *req, const struct nfsio_fh *fh,
		 uint64_t off, uint32_t len);
/* NFSv4 GETATTR and LOOKUP: nfs_stat64 of the path (one COMPOUND that walks
 * the path from the mount root). */
int nfsio_getattr(struct nfsio_conn *c, struct nfsio_req *req, const struct nfsio_fh *fh);
int nfsio_lookup(struct nfsio_conn *c, struct nfsio_req *req, const struct nfsio_fh *dir,
		 const char *name);
/* UNCHECKED create with the given mode. NFSv4: libnfs 4.0 creates with
 * EXCLUSIVE4 and sets no attributes, and an OPEN that fails breaks its
 * open-owner sequence, so this is GETATTR of the path, then OPEN (existing
 * file) or OPEN with create plus a SETATTR of the mode; the open is kept
 * for the file's READ/WRITE. */
int nfsio_create(struct nfsio_conn *c, struct nfsio_req *req, const struct nfsio_fh *dir,
		 const char *name, uint32_t mode);
int nfsio_remove(struct nfsio_conn *c, struct nfsio_req *req, const struct nfsio_fh *dir,
		 const char *name);
/* ACCESS asking for read, lookup, modify, extend, delete, execute. NFSv4:
 * nfs_access2 of the path, which asks for read, modify and execute only. */
int nfsio_access(struct nfsio_conn *c, struct nfsio_req *req, const struct nfsio_fh *fh);
/* One READDIRPLUS reply's worth starting at cookie/verf (0/zeros first).
 * NFSv4: nfs_opendir reads the whole directory (READDIR with attributes,
 * as many RPCs as it takes) and the result counts all entries with eof set;
 * maxcount is libnfs's, and a cookie other than 0 is refused
 * (NFS3ERR_NOTSUPP: libnfs 4.0 cannot resume a listing). */
int nfsio_readdirplus(struct nfsio_conn *c, struct nfsio_req *req, const struct nfsio_fh *dir,
		      uint64_t cookie, const unsigned char verf[8], uint32_t maxcount);
int nfsio_rename(struct nfsio_conn *c, struct nfsio_req *req, const struct nfsio_fh *fromdir,
		 const char *from, const struct nfsio_fh *todir, const char *to);
int nfsio_mkdir(struct nfsio_conn *c, struct nfsio_req *req, const struct nfsio_fh *dir,
		const char *name, uint32_t mode);
int nfsio_rmdir(struct nfsio_conn *c, struct nfsio_req *req, const struct nfsio_fh *dir,
		const char *name);
int nfsio_truncate(struct nfsio_conn *c, struct nfsio_req *req, const struct nfsio_fh *fh,
		   uint64_t size);
/* SETATTR of the modification time to sec seconds (and 0 ns), as the client
 * says. NFSv4: refused (NFS3ERR_NOTSUPP); nfsbench never writes verify
 * blocks over v4. */
int nfsio_set_mtime(struct nfsio_conn *c, struct nfsio_req *req, const struct nfsio_fh *fh, uint64_t sec);

/* Internal: NFSv4 half of nfsio (nfsio4.c), called by nfsio.c only. */
struct nfs_context;
struct nfsio4;
#define NFSIO_V4_PATHMAX 1024
/* libnfs 4.0 encodes every NFSv4 call into a 4 KiB buffer (the COMPOUND
 * gets no size hint), so an NFSv4 WRITE carries at most 3944 bytes with
 * ganesha's 23-byte handles and 3840 with the largest (128-byte) ones:
 * nfsio_writemax() is this power of two on v4 connections, and longer
 * WRITEs are refused (NFS3ERR_INVAL). READ replies are not bound by it;
 * libnfs 4.0 fails past 1 MiB. */
#define NFSIO_V4_WRITEMAX 2048u
#define NFSIO_V4_READMAX (1u << 20)
struct nfsio4 *nfsio4_new(struct nfs_context *nfs);
void nfsio4_close(struct nfsio4 *v); /* before nfs_destroy_context */
void nfsio4_free(struct nfsio4 *v);  /* after it */
int nfsio4_events(struct nfsio4 *v);
int nfsio4_service(struct nfsio4 *v, int rc);
void nfsio4_root(struct nfsio_fh *root);
int nfsio4_read(struct nfsio4 *v, struct nfsio_req *req, const struct nfsio_fh *fh, uint64_t off,
		uint32_t len);
int nfsio4_write(struct nfsio4 *v, struct nfsio_req *req, const struct nfsio_fh *fh, uint64_t off,
		 uint32_t len, const void *buf, int stable);
int nfsio4_commit(struct nfsio4 *v, struct nfsio_req *req, const struct nfsio_fh *fh);
int nfsio4_truncate(struct nfsio4 *v, struct nfsio_req *req, const struct nfsio_fh *fh, uint64_t size);
int nfsio4_set_mtime(struct nfsio4 *v, struct nfsio_req *req);
int nfsio4_getattr(struct nfsio4 *v, struct nfsio_req *req, const struct nfsio_fh *fh);
int nfsio4_access(struct nfsio4 *v, struct nfsio_req *req, const struct nfsio_fh *fh);
int nfsio4_lookup(struct nfsio4 *v, struct nfsio_req *req, const struct nfsio_fh *dir, const char *name);
int nfsio4_create(struct nfsio4 *v, struct nfsio_req *req, const struct nfsio_fh *dir, const char *name,
		  uint32_t mode);
int nfsio4_mkdir(struct nfsio4 *v, struct nfsio_req *req, const struct nfsio_fh *dir, const char *name,
		 uint32_t mode);
int nfsio4_remove(struct nfsio4 *v, struct nfsio_req *req, const struct nfsio_fh *dir, const char *name,
		  int isdir);
int nfsio4_rename(struct nfsio4 *v, struct nfsio_req *req, const struct nfsio_fh *fromdir, const char *from,
		  const struct nfsio_fh *todir, const char *to);
int nfsio4_readdir(struct nfsio4 *v, struct nfsio_req *req, const struct nfsio_fh *dir, uint64_t cookie);

/* Drive c until *done becomes non-zero or deadline (CLOCK_MONOTONIC ns)
 * passes. Returns 0, ETIMEDOUT, or EPIPE when the connection died. For setup
 * steps only; the engine runs its own loop. */
int nfsio_wait(struct nfsio_conn *c, volatile int *done, uint64_t deadline_ns);

/* "NFS3ERR_NOENT" etc.; "NFS3_OK" for 0; "NFS3ERR_<n>" for unknown. */
const char *nfsio_status_name(uint32_t nfsstat, char *buf, size_t len);

/* The floor of any READ loop on libnfs, the anchor of the engine's cost per
 * RPC: n READs of len bytes at random len-aligned offsets below size, slots
 * of them in flight, each reply's callback issuing the next; polled as the
 * engine polls, nothing recorded. NFSv3 only. Returns 0, or an errno value
 * with a one-line reason in err (a READ failed, or no reply for timeout_ns). */
int nfsio_bare_reads(struct nfsio_conn *c, const struct nfsio_fh *fh, uint64_t size, uint32_t len,
		     unsigned slots, uint64_t n, uint64_t timeout_ns, char *err, size_t errlen);

#endif
