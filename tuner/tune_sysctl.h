/* sysctl.h - sysctl knobs (/proc/sys), and the plain-file knob that sysctl,
 * sunrpc, read_ahead_kb and the per-queue masks are built on. */
#ifndef NFSTUNE_SYSCTL_H
#define NFSTUNE_SYSCTL_H

#include <stddef.h>

#include "tune.h"

struct json_object;

/* A knob whose value is a file's content: k->arg is the file (root
 * included). Blanks are squashed so "4096\t87380" compares equal to
 * "4096 87380". */
int knob_file_read(struct tune *t, struct knob *k);
int knob_file_apply(struct tune *t, struct knob *k, const char *v);
bool knob_file_same(const struct knob *k, const char *cur, const char *want);
/* 0 when k->want equals k->cur or the file can be written; else EROFS
 * (or the errno) with k->err saying why. */
int knob_file_writable(struct knob *k);

/* "net.core.rmem_max" -> root/proc/sys/net/core/rmem_max, refusing names
 * outside net., vm., sunrpc. and fs.nfs., names with "..", and (once
 * symlinks are resolved) anything outside /proc/sys. 0, ENOENT (no such
 * sysctl here) or EINVAL, with err set. */
int tune_sysctl_path(const struct tune *t, const char *name, char *path, size_t len, char *err, size_t errlen);
/* A profile value (number, size string, array of numbers, or string) in
 * canonical form, validated against what is known of the sysctl (ranges,
 * min <= default <= max triples). 0 or EINVAL with err set. */
int tune_sysctl_value(const char *name, struct json_object *v, char *out, size_t len, char *err, size_t errlen);

/* Does the kernel keep sysctl name per network namespace? net.* ones are
 * (those it keeps host-wide are absent or read-only outside the initial
 * namespace, and refused as such); vm.*, fs.nfs.* and sunrpc.* are one
 * value for the whole host. */
bool tune_sysctl_per_netns(const char *name);
/* 0, or EPERM with err set when t works in another network namespace, name
 * is host-wide and --host-global was not given. */
int tune_sysctl_netns_check(const struct tune *t, const char *name, char *err, size_t errlen);

extern const struct knob_type knob_sysctl;
/* The sysctls that matter to NFS over 10 GbE, those present (show). */
int tune_sysctl_show(struct tune *t, struct knobs *ks);

#endif
