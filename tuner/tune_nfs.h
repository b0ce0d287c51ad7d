/* nfs.h - NFS client mounts: their options (rsize, wsize, nconnect: fixed
 * at mount time, so class remount: nfstune unmounts and mounts again, and
 * refuses while the mount is in use) and the read-ahead of their backing
 * device info (live). */
#ifndef NFSTUNE_NFS_H
#define NFSTUNE_NFS_H

#include <stdbool.h>
#include <stddef.h>

#include "tune.h"

struct nfs_mount {
	char dev[256];   /* server:/export */
	char dir[256];   /* mount point, unescaped */
	char type[16];   /* nfs or nfs4 */
	char opts[1024];
	unsigned major, minor; /* from mountinfo; BDI "major:minor" */
	bool has_devno;
};

/* One line of /proc/mounts (fields unescaped: "\040" is a space). 0, or
 * EINVAL for a line that is not "dev dir type opts freq pass". */
int tune_nfs_parse_mounts_line(const char *line, struct nfs_mount *m);
/* One line of /proc/self/mountinfo: its mount point and device numbers. */
int tune_nfs_parse_mountinfo_line(const char *line, char *dir, size_t len, unsigned *major, unsigned *minor);
/* The NFS mounts of the (possibly fake) machine; caller frees *out. */
int tune_nfs_mounts(const struct tune *t, struct nfs_mount **out, size_t *n);
/* Value of option key in a comma-separated list (a flag gives ""). */
bool tune_nfs_opt(const char *opts, const char *key, char *val, size_t len);
/* A mount's options (/proc/mounts style) with changes
 * ("rsize=1048576,nconnect=4") put in place of the same keys; all: drop
 * every rsize, wsize and nconnect first (a revert's full list). 0 or
 * ENOSPC. */
int tune_nfs_new_opts(const char *opts, const char *changes, bool all, char *out, size_t len);
/* "umount DIR && mount -i -t TYPE -o OPTS DEV DIR": what apply does, by
 * hand, with the mount's own options and changes applied over them. */
void tune_nfs_mount_command(const struct nfs_mount *m, const char *changes, char *buf, size_t len);

extern const struct knob_type knob_nfs_opt, knob_readahead;
/* Fill a read_ahead_kb knob's file (the mount's BDI). 0 or errno, err set. */
int tune_nfs_bdi_path(const struct tune *t, const char *dir, char *path, size_t len, char *err, size_t errlen);
int tune_nfs_show(struct tune *t, struct knobs *ks);

#endif
