/* tune_sweep.h - nfstune sweep: closed-loop tuning against a benchmark.
 *
 * A sweep profile names a search space (dimensions, each a list or range of
 * values set at one or more places: a knob of a host profile, by JSON
 * pointer, in a scope = a network namespace with an optional base profile;
 * or an option of the benchmark's command line), the benchmark as an argv,
 * the metric (a path into the benchmark's JSON output) and its goal, and
 * constraints. Every point is applied with "nfstune apply" (all or
 * nothing, journaled) in a child process that enters the scope's network
 * namespace, measured `repeats` times, and compared with the baseline (the
 * state the sweep started from, the benchmark's command line unchanged).
 * See configs/sweep-lab-read.json for the format. */
#ifndef NFSTUNE_SWEEP_H
#define NFSTUNE_SWEEP_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cfg.h"

#define SW_MAX_DIMS 16
#define SW_MAX_VALS 64
#define SW_MAX_SETS 32
#define SW_MAX_SCOPES 8
#define SW_MAX_CONS 8
#define SW_MAX_ARGV 128
#define SW_MAX_GRID 100000
#define SW_MAX_FILE (4u << 20) /* bytes of a sweep profile */

struct json_object;
struct out;

/* Where a dimension's value goes: a host knob (scope >= 0, target is a JSON
 * pointer into that scope's generated profile) or a benchmark option
 * (scope < 0, target is the option, the value follows it). */
struct sw_set {
	int scope;
	char target[256];
};

struct sw_dim {
	const char *name;
	struct json_object *vals[SW_MAX_VALS]; /* owned references */
	size_t nvals;
	struct sw_set sets[SW_MAX_SETS];
	size_t nsets;
	size_t start; /* where coordinate descent starts */
};

struct sw_scope {
	const char *name;
	char netns[128]; /* "" = nfstune's own namespace */
	char base[PATH_MAX]; /* base profile (absolute), "" = none */
	bool used;
};

struct sw_cons {
	const char *metric;
	bool has_growth, has_max, has_min;
	double growth; /* fraction: 0.10 = may grow by 10% over the baseline */
	double max, min;
};

enum sw_strategy { SW_AUTO, SW_GRID, SW_DESCENT };

struct sweep {
	struct cfg cfg;
	char dir[PATH_MAX]; /* the profile's directory, for relative paths */
	struct sw_scope scopes[SW_MAX_SCOPES];
	size_t nscopes;
	const char *argv[SW_MAX_ARGV];
	size_t argc;
	const char *metric;
	bool minimize;
	struct sw_cons cons[SW_MAX_CONS];
	size_t ncons;
	struct sw_dim dims[SW_MAX_DIMS];
	size_t ndims;
	enum sw_strategy strategy;
	unsigned repeats;
	uint64_t budget_runs; /* 0: none */
	uint64_t budget_ns;   /* 0: none */
	uint64_t settle_ns, timeout_ns;
	double conf;
	unsigned confirm; /* best points re-measured, interleaved with the baseline */
};

/* Parse a loaded sweep profile (c is moved into s on success and failure:
 * free with sw_free). 0, or EINVAL with s->cfg.err naming file:line:col
 * and the key. */
int sw_parse(struct sweep *s, struct cfg *c, const char *path);
void sw_free(struct sweep *s);
/* Number of grid points (product of the value counts), capped at
 * SW_MAX_GRID + 1. */
size_t sw_grid_size(const struct sweep *s);

/* Value of a dotted path ("ops.read.bytes_per_sec", "ops.read.lat_ns.p99.9":
 * a key may itself contain dots) in a JSON document; 0 or ENOENT/EINVAL. */
int sw_metric_get(struct json_object *doc, const char *path, double *v);
/* The text a value is written as (on a command line, in the report). */
const char *sw_val_text(struct json_object *v, char *buf, size_t len);

/* The profile of scope sc at the point idx (one value index per
 * dimension): {"include": base, ...every host setting of sc}. NULL on
 * allocation failure. Caller puts it. */
struct json_object *sw_scope_profile(const struct sweep *s, size_t sc, const unsigned *idx);
/* Set *v (a reference is taken) at JSON pointer ptr in doc, creating
 * objects on the way. 0 or EINVAL (not a pointer, a member on the way is
 * not an object). */
int sw_ptr_set(struct json_object *doc, const char *ptr, struct json_object *v);

/* Do constraint values (means over the runs) hold against the baseline's? */
bool sw_cons_ok(const struct sw_cons *c, double val, double base, char *why, size_t len);

struct sweep_opts {
	const char *self;      /* nfstune itself, run for plan/apply/revert */
	const char *state_dir; /* the sweep's directory goes under it */
	const char *root;      /* --root passed on, "" for none */
	bool ethtool_ioctl;
	unsigned delay_ms;
	bool dry;              /* revert everything at the end */
	const char *html;      /* write the HTML report here */
	bool host_global;      /* pass --host-global to the applies */
};

/* Run the sweep and report through o. Returns an exit code: 0 done (a
 * winner kept, or none found), 1 a benchmark or a revert failed (the start
 * state restored where possible), 2 the profile is bad (nothing changed),
 * 130 interrupted (the start state restored). */
int tune_sweep(struct out *o, const struct sweep_opts *so, const char *profile);

#endif
