/* mountdiag.c - why a mount failed. libnfs 4.0's nfs_mount() reports most
 * failures as "nfs_service failed", which names neither the step nor what to
 * check. After it failed, the steps are taken again one by one with
 * libtirpc: TCP to the portmapper, MOUNT and NFS registered with it, the NFS
 * port reachable, the export mountable (RFC 1813 MOUNTPROC3_MNT) - and the
 * first that fails is named with what to check. Only runs after a failure,
 * never on the measured path. */
#include "mountdiag.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <rpc/rpc.h>
#include <rpc/pmap_clnt.h>

enum { PROG_NFS = 100003, PROG_MOUNT = 100005, MOUNTPROC3_MNT = 1, PMAP_PORT = 111, NFS_PORT = 2049 };
#define DIAG_TIMEOUT_MS 3000

/* TCP connect to addr:port within the timeout: 0 or an errno value. */
static int tcp_probe(const struct sockaddr_in *addr, unsigned port)
{
	struct sockaddr_in a = *addr;
	a.sin_port = htons((uint16_t)port);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errno;
	int rc = 0;
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
		rc = errno;
		if (rc == EINPROGRESS) {
			struct pollfd p = { fd, POLLOUT, 0 };
			int n = poll(&p, 1, DIAG_TIMEOUT_MS);
			socklen_t len = sizeof(rc);
			if (n == 0)
				rc = ETIMEDOUT;
			else if (n < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &rc, &len))
				rc = errno;
		}
	}
	close(fd);
	return rc;
}

/* MNT's argument: the path as an XDR string (dirpath, at most 1024). */
static bool_t xdr_dirpath(XDR *x, char **path)
{
	return xdr_string(x, path, 1024);
}

/* MNT's result, its status only (mountstat3): the handle is not needed. */
static bool_t xdr_mntstat(XDR *x, enum_t *st)
{
	return xdr_enum(x, st);
}

static const char *mnt_status_name(int st)
{
	switch (st) {
	case 1: return "MNT3ERR_PERM";
	case 2: return "MNT3ERR_NOENT";
	case 5: return "MNT3ERR_IO";
	case 13: return "MNT3ERR_ACCES";
	case 20: return "MNT3ERR_NOTDIR";
	case 22: return "MNT3ERR_INVAL";
	case 63: return "MNT3ERR_NAMETOOLONG";
	case 10004: return "MNT3ERR_NOTSUPP";
	case 10006: return "MNT3ERR_SERVERFAULT";
	default: return "an unknown status";
	}
}

void mountdiag(const char *server, const char *export, bool v4, char *out, size_t len)
{
	struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM }, *ai = NULL;
	int g = getaddrinfo(server, NULL, &hints, &ai);
	if (g) {
		snprintf(out, len, "cannot resolve %s (%s): check the server's name", server, gai_strerror(g));
		return;
	}
	struct sockaddr_in addr;
	memcpy(&addr, ai->ai_addr, sizeof(addr));
	freeaddrinfo(ai);
	int e;
	if (v4) {
		if ((e = tcp_probe(&addr, NFS_PORT)))
			snprintf(out, len, "the NFS port (TCP %d) of %s: %s; check that the NFS server runs there and that a "
				 "firewall lets the port through", NFS_PORT, server, strerror(e));
		else
			snprintf(out, len, "the NFS port of %s answers: check that %s exists in the server's NFSv4 "
				 "pseudo filesystem (and that NFSv4 is enabled)", server, export);
		return;
	}
	if ((e = tcp_probe(&addr, PMAP_PORT))) {
		snprintf(out, len, "the portmapper (rpcbind, TCP %d) of %s: %s; check that rpcbind runs there and that a "
			 "firewall lets port %d through", PMAP_PORT, server, strerror(e), PMAP_PORT);
		return;
	}
	u_short mport = pmap_getport(&addr, PROG_MOUNT, 3, IPPROTO_TCP);
	if (!mport) {
		snprintf(out, len, "MOUNT v3 over TCP is not registered with the portmapper of %s (%s): check that the "
			 "NFS server runs there with NFSv3 enabled", server, clnt_sperrno(rpc_createerr.cf_stat));
		return;
	}
	u_short nport = pmap_getport(&addr, PROG_NFS, 3, IPPROTO_TCP);
	if (!nport) {
		snprintf(out, len, "NFS v3 over TCP is not registered with the portmapper of %s (%s): check that the NFS "
			 "server runs there with NFSv3 enabled", server, clnt_sperrno(rpc_createerr.cf_stat));
		return;
	}
	if ((e = tcp_probe(&addr, nport))) {
		snprintf(out, len, "the NFS port (TCP %u, from the portmapper) of %s: %s; check that a firewall lets it "
			 "through", nport, server, strerror(e));
		return;
	}
	if ((e = tcp_probe(&addr, mport))) {
		snprintf(out, len, "the MOUNT port (TCP %u, from the portmapper) of %s: %s; check that a firewall lets "
			 "it through", mport, server, strerror(e));
		return;
	}
	struct sockaddr_in ma = addr;
	ma.sin_port = htons(mport);
	int sock = RPC_ANYSOCK;
	CLIENT *c = clnttcp_create(&ma, PROG_MOUNT, 3, &sock, 0, 0);
	if (!c) {
		snprintf(out, len, "MOUNT at %s:%u: %s", server, mport, clnt_spcreateerror("connect"));
		return;
	}
	c->cl_auth = authunix_create_default();
	char *path = (char *)export;
	enum_t st = -1;
	struct timeval tv = { DIAG_TIMEOUT_MS / 1000, 0 };
	enum clnt_stat cs = clnt_call(c, MOUNTPROC3_MNT, (xdrproc_t)xdr_dirpath, (caddr_t)&path, (xdrproc_t)xdr_mntstat,
				      (caddr_t)&st, tv);
	if (cs != RPC_SUCCESS)
		snprintf(out, len, "MOUNT of %s at %s: %s", export, server, clnt_sperrno(cs));
	else if (st != 0)
		snprintf(out, len, "the server refuses to mount %s: %s; check the export path (showmount -e %s) and that "
			 "the export allows this client (some servers, ganesha among them, answer MNT3ERR_ACCES for a "
			 "path they do not export)", export, mnt_status_name(st), server);
	else
		snprintf(out, len, "portmapper, MOUNT and the NFS port of %s answer and %s mounts: the failure came "
			 "later (the NFS FSINFO/GETATTR of the export's root)", server, export);
	if (c->cl_auth)
		auth_destroy(c->cl_auth);
	clnt_destroy(c);
}
