/* profile.h - tuning profiles: JSON with comments, "include" for
 * inheritance, every value validated and turned into knobs with a wanted
 * value before anything is read from or written to the kernel. */
#ifndef NFSTUNE_PROFILE_H
#define NFSTUNE_PROFILE_H

#include <limits.h>
#include <stdbool.h>

#include "cfg.h"
#include "nbclient.h"
#include "tune.h"

#define PROF_MAX_FILES 16
#define PROF_MAX_DEPTH 8
#define PROF_MAX_BYTES (4u << 20) /* of one file */

struct prof_origin {
	char *path;    /* key path in the merged document */
	unsigned file; /* which file set it */
};

struct prof {
	struct cfg files[PROF_MAX_FILES];
	char real[PROF_MAX_FILES][PATH_MAX];
	unsigned nfiles;
	struct json_object *doc; /* all files merged, includes first */
	struct prof_origin *orig;
	size_t norig, origcap;
	bool has_nfsbench;
	struct nfsbench_cfg nfsbench;
};

/* Load path and its includes, each a trusted file (trust.h: root's, or
 * the caller's own when not root, with every directory on its path; never
 * a symbolic link, FIFO or device). Errors are collected in t; returns 0
 * or an errno value. */
int tune_prof_load(struct tune *t, struct prof *p, const char *path);
/* Validate the merged profile and append one knob per wanted value, each
 * remembering where in which file it was set. Errors collected in t;
 * returns the number of errors found. */
size_t tune_prof_build(struct tune *t, struct prof *p, struct knobs *ks);
void tune_prof_free(struct prof *p);

/* The checked getters behind tune_prof_build, for sections built elsewhere
 * (virtio.c). Each reports its own error into t with file:line:col. */
struct json_object;
int tune_prof_get_u64(struct tune *t, struct prof *p, struct json_object *obj, const char *path, const char *key,
		 uint64_t min, uint64_t max, uint64_t *out);
int tune_prof_get_str(struct tune *t, struct prof *p, struct json_object *obj, const char *path, const char *key,
		 const char **out);
int tune_prof_get_cpus(struct tune *t, struct prof *p, struct json_object *v, const char *path, const char *key,
		  char *out, size_t len);
size_t tune_prof_check_keys(struct tune *t, struct prof *p, struct json_object *obj, const char *path,
		       const char *const *allowed);
struct knob *tune_prof_want(struct tune *t, struct prof *p, struct knobs *ks, const struct knob_type *ty,
		       const char *obj, const char *name, const char *path, const char *key, const char *val);
int tune_prof_error(struct tune *t, struct prof *p, const char *parent, const char *key, const char *msg);

#endif
