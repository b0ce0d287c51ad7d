/* mountdiag.h - which step of an NFS mount failed, and what to check. */
#ifndef NFSBENCH_MOUNTDIAG_H
#define NFSBENCH_MOUNTDIAG_H

#include <stdbool.h>
#include <stddef.h>

/* After nfs_mount() failed: take the steps again (portmapper, MOUNT and NFS
 * registered, their ports reachable, MNT of export; v4: the NFS port) and
 * write one line naming the first that fails and what to check. IPv4 only
 * for the portmapper steps (libtirpc's pmap_getport). */
void mountdiag(const char *server, const char *export, bool v4, char *out, size_t len);

#endif
