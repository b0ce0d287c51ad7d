/* nfsio.h - nfsbench's only door to libnfs (Debian 12: libnfs 4.0.0).
 *
 * Every libnfs call of nfsbench lives in nfsio.c, so a port to another
 * libnfs version stays in one file. Connections are set up with nfs_mount()
 * and then driven with libnfs's raw async NFSv3 calls, so that nfsbench
 * decides the size of every RPC. Requests carry a caller-owned struct
 * nfsio_req (no allocation per RPC here); completions are decoded into a
 * struct nfsio_result and handed to the request's callback.
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
	int has_size;      /* size is the file's size after the call */
	uint64_t size;
	uint32_t ftype;    /* GETATTR/LOOKUP: NF3REG=1, NF3DIR=2 ... (0 unknown) */
	struct nfsio_fh fh;/* LOOKUP/CREATE: the object's handle (len 0 if none) */
	const char *err;   /* libnfs's message for transport errors */
};

struct nfsio_req;
typedef void (*nfsio_cb)(struct nfsio_req *req, const struct nfsio_result *r);

/* Embed in whatever the caller tracks per RPC; must stay valid until the
 * callback ran. */
struct nfsio_req {
	nfsio_cb cb;
	uint8_t op; /* enum nb_op, set by the issuing call */
};

struct nfsio_conn;

/* Ask the server's mountd for the export's root handle (MOUNT3 MNT through
 * the portmapper), waiting at most timeout_ms. Returns 0 or an errno value
 * with a one-line reason in err. */
int nfsio_mount_root(const char *server, const char *export, int timeout_ms,
		     struct nfsio_fh *root, char *err, size_t errlen);

/* Open one TCP connection with nfs_mount() (NFSv3), RPC timeout timeout_ms
 * (whole seconds, libnfs 4.0), the next XIDs starting at xid_base. */
int nfsio_connect(struct nfsio_conn **c, const char *server, const char *export,
		  int timeout_ms, uint32_t xid_base, char *err, size_t errlen);
/* Drop the connection without any further RPC (no UMNT: teardown must never
 * block results). Requests in flight complete with NFSIO_CANCEL or ERROR. */
void nfsio_close(struct nfsio_conn *c);

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
 * call queued through this module, as libnfs assigns them). */
uint32_t nfsio_next_xid(struct nfsio_conn *c);

/* Issue one RPC. Return 0 when queued (the callback will run from a later
 * nfsio_service()), or -1 when it could not be queued (no callback). */
int nfsio_read(struct nfsio_conn *c, struct nfsio_req *req, const struct nfsio_fh *fh,
	       uint64_t off, uint32_t len);
/* stable: 0 UNSTABLE, 1 DATA_SYNC, 2 FILE_SYNC. buf must hold len bytes. */
int nfsio_write(struct nfsio_conn *c, struct nfsio_req *req, const struct nfsio_fh *fh,
		uint64_t off, uint32_t len, const void *buf, int stable);
int nfsio_commit(struct nfsio_conn *c, struct nfsio_req *req, const struct nfsio_fh *fh,
		 uint64_t off, uint32_t len);
int nfsio_getattr(struct nfsio_conn *c, struct nfsio_req *req, const struct nfsio_fh *fh);
int nfsio_lookup(struct nfsio_conn *c, struct nfsio_req *req, const struct nfsio_fh *dir,
		 const char *name);
/* UNCHECKED create with the given mode. */
int nfsio_create(struct nfsio_conn *c, struct nfsio_req *req, const struct nfsio_fh *dir,
		 const char *name, uint32_t mode);
int nfsio_remove(struct nfsio_conn *c, struct nfsio_req *req, const struct nfsio_fh *dir,
		 const char *name);
int nfsio_truncate(struct nfsio_conn *c, struct nfsio_req *req, const struct nfsio_fh *fh,
		   uint64_t size);

/* Drive c until *done becomes non-zero or deadline (CLOCK_MONOTONIC ns)
 * passes. Returns 0, ETIMEDOUT, or EPIPE when the connection died. For setup
 * steps only; the engine runs its own loop. */
int nfsio_wait(struct nfsio_conn *c, volatile int *done, uint64_t deadline_ns);

/* "NFS3ERR_NOENT" etc.; "NFS3_OK" for 0; "NFS3ERR_<n>" for unknown. */
const char *nfsio_status_name(uint32_t nfsstat, char *buf, size_t len);

#endif
