/* profile.c - loading and checking nfsbench workload profiles (profile.h),
 * through the toolkit's one config loader (lib/cfg.h). */
#include "profile.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "cfg.h"
#include "nbclient.h"

static const char *const kind_names[NB_K_MAX] = {
	"read",	  "readall", "write",	"writeall", "append", "create",	    "delete", "stat",
	"lookup", "readdir", "rename", "mkdir",	   "rmdir",  "open_close", "commit",
};

const char *nb_kind_name(unsigned k)
{
	return k < NB_K_MAX ? kind_names[k] : "?";
}

static int kind_by_name(const char *n)
{
	if (!strcmp(n, "fsync"))
		return NB_K_COMMIT;
	for (int k = 0; k < NB_K_MAX; k++)
		if (!strcmp(n, kind_names[k]))
			return k;
	return -1;
}

/* ENOENT (absent) is not an error for optional members. */
#define OPT(call)                              \
	do {                                   \
		int rc_ = (call);              \
		if (rc_ && rc_ != ENOENT)      \
			return rc_;            \
	} while (0)

static int get_uint(struct cfg *c, struct json_object *o, const char *kp, const char *key, unsigned lo,
		    unsigned hi, unsigned *out)
{
	uint64_t v;
	int rc = cfg_get_u64(c, o, kp, key, &v);
	if (rc)
		return rc;
	if (v < lo || v > hi) {
		char p[256];
		return cfg_error(c, cfg_path_key(p, sizeof(p), kp, key), "%llu is out of range %u..%u",
				 (unsigned long long)v, lo, hi);
	}
	*out = (unsigned)v;
	return 0;
}

/* A rate: a JSON number, or a string in the human forms of lib/cfg.h. */
static int get_rate(struct cfg *c, struct json_object *o, const char *kp, const char *key, bool bytes,
		    double *out)
{
	struct json_object *v;
	char p[256], err[256];
	if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
		return ENOENT;
	cfg_path_key(p, sizeof(p), kp, key);
	if (json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double)) {
		double d = json_object_get_double(v);
		if (!(d > 0))
			return cfg_error(c, p, "a rate must be above 0");
		*out = d;
		return 0;
	}
	if (!json_object_is_type(v, json_type_string))
		return cfg_error(c, p, "expected a number or a string such as %s", bytes ? "\"100MiB/s\"" : "\"5k\"");
	int rc = bytes ? parse_rate_bytes(json_object_get_string(v), out, err, sizeof(err))
		       : parse_rate_ops(json_object_get_string(v), out, err, sizeof(err));
	if (rc || !(*out > 0))
		return cfg_error(c, p, "%s", rc ? err : "a rate must be above 0");
	return 0;
}

static int parse_fileset(struct cfg *c, struct json_object *o, struct nb_fileset *fs)
{
	static const char *const keys[] = { "directory", "dirs", "files", "size", "size_weight", "fill", "reuse",
					    "shared", NULL };
	const char *kp = "fileset";
	char p[256];
	int rc;
	if (!json_object_is_type(o, json_type_object))
		return cfg_error(c, kp, "expected an object");
	if ((rc = cfg_check_keys(c, o, kp, keys)))
		return rc;
	const char *dir = NULL;
	OPT(cfg_get_str(c, o, kp, "directory", &dir));
	if (dir) {
		while (*dir == '/')
			dir++;
		if (strlen(dir) >= sizeof(fs->dir) || strstr(dir, ".."))
			return cfg_error(c, cfg_path_key(p, sizeof(p), kp, "directory"),
					 "must be a relative path without '..', under 255 bytes");
		snprintf(fs->dir, sizeof(fs->dir), "%s", dir);
		size_t n = strlen(fs->dir);
		while (n && fs->dir[n - 1] == '/')
			fs->dir[--n] = 0;
	}
	OPT(get_uint(c, o, kp, "dirs", 0, 100000, &fs->ndirs));
	OPT(get_uint(c, o, kp, "files", 1, 10000000, &fs->nfiles));
	uint64_t one;
	rc = cfg_get_size(c, o, kp, "size", &one);
	if (rc == 0) {
		fs->sizes[0] = (struct nb_sizew){ one, 1 };
		fs->nsizes = 1;
	} else if (rc != ENOENT) {
		return rc;
	}
	struct json_object *sw;
	if (json_object_object_get_ex(o, "size_weight", &sw)) {
		cfg_path_key(p, sizeof(p), kp, "size_weight");
		if (fs->nsizes)
			return cfg_error(c, p, "give either size or size_weight, not both");
		if (!json_object_is_type(sw, json_type_array) || json_object_array_length(sw) == 0)
			return cfg_error(c, p, "expected a list of [size, weight] pairs");
		size_t n = json_object_array_length(sw);
		if (n > NB_MAX_SIZES)
			return cfg_error(c, p, "at most %d sizes", NB_MAX_SIZES);
		for (size_t i = 0; i < n; i++) {
			struct json_object *e = json_object_array_get_idx(sw, i);
			char ep[256], err[256];
			cfg_path_idx(ep, sizeof(ep), p, i);
			if (!json_object_is_type(e, json_type_array) || json_object_array_length(e) != 2)
				return cfg_error(c, ep, "expected [size, weight], e.g. [\"64k\", 10]");
			struct json_object *sz = json_object_array_get_idx(e, 0), *w = json_object_array_get_idx(e, 1);
			uint64_t size;
			int64_t si;
			if (json_object_is_type(sz, json_type_int) && cfg_json_int64(sz, &si, err, sizeof(err)))
				return cfg_error(c, ep, "size: %s", err);
			if (json_object_is_type(sz, json_type_int) && si >= 0)
				size = (uint64_t)si;
			else if (!json_object_is_type(sz, json_type_string) ||
				 parse_size(json_object_get_string(sz), &size, err, sizeof(err)))
				return cfg_error(c, ep, "%s", json_object_is_type(sz, json_type_string) ? err
										 : "size must be a number or a string such as \"64k\"");
			if (!json_object_is_type(w, json_type_int) || json_object_get_int64(w) < 0 ||
			    json_object_get_int64(w) > 1000000)
				return cfg_error(c, ep, "weight must be an integer 0..1000000");
			fs->sizes[i] = (struct nb_sizew){ size, (unsigned)json_object_get_int64(w) };
		}
		fs->nsizes = (unsigned)n;
	}
	OPT(get_uint(c, o, kp, "fill", 0, 100, &fs->fill_pct));
	OPT(cfg_get_bool(c, o, kp, "reuse", &fs->reuse));
	OPT(cfg_get_bool(c, o, kp, "shared", &fs->shared));
	return 0;
}

static int parse_group(struct cfg *c, struct json_object *o, const char *kp, struct nb_group *g)
{
	static const char *const keys[] = { "name",	  "threads",   "connections", "slots",	    "ops",
					    "read_size",  "read_bs",   "write_size",  "write_bs",   "random",
					    "op_delay",	  "rate_iops", "rate_bytes",  "arrivals",   "ops_limit",
					    "stable",	  NULL };
	char p[256];
	int rc;
	if (!json_object_is_type(o, json_type_object))
		return cfg_error(c, kp, "expected an object");
	if ((rc = cfg_check_keys(c, o, kp, keys)))
		return rc;
	const char *name = NULL;
	OPT(cfg_get_str(c, o, kp, "name", &name));
	if (name)
		snprintf(g->name, sizeof(g->name), "%s", name);
	OPT(get_uint(c, o, kp, "threads", 1, 1024, &g->threads));
	OPT(get_uint(c, o, kp, "connections", 1, 256, &g->connections));
	OPT(get_uint(c, o, kp, "slots", 1, 4096, &g->slots));
	struct json_object *ops;
	cfg_path_key(p, sizeof(p), kp, "ops");
	if (!json_object_object_get_ex(o, "ops", &ops) || !json_object_is_type(ops, json_type_object))
		return cfg_error(c, json_object_object_get_ex(o, "ops", &ops) ? p : kp,
				 "needs \"ops\": an object of operation weights, e.g. {\"read\": 4, \"stat\": 1}");
	json_object_object_foreach(ops, key, val)
	{
		char op[256];
		cfg_path_key(op, sizeof(op), p, key);
		int k = kind_by_name(key);
		if (k < 0)
			return cfg_error(c, op, "unknown operation '%s' (read, readall, write, writeall, append, create, "
						"delete, stat, lookup, readdir, rename, mkdir, rmdir, open_close, commit)", key);
		if (!json_object_is_type(val, json_type_int) || json_object_get_int64(val) < 0 ||
		    json_object_get_int64(val) > 1000000)
			return cfg_error(c, op, "weight must be an integer 0..1000000");
		g->weight[k] = (unsigned)json_object_get_int64(val);
	}
	OPT(cfg_get_size(c, o, kp, "read_size", &g->read_size));
	OPT(cfg_get_size(c, o, kp, "read_bs", &g->read_bs));
	OPT(cfg_get_size(c, o, kp, "write_size", &g->write_size));
	OPT(cfg_get_size(c, o, kp, "write_bs", &g->write_bs));
	OPT(cfg_get_bool(c, o, kp, "random", &g->random));
	OPT(cfg_get_duration(c, o, kp, "op_delay", &g->op_delay_ns));
	OPT(get_rate(c, o, kp, "rate_iops", false, &g->rate_iops));
	OPT(get_rate(c, o, kp, "rate_bytes", true, &g->rate_bytes));
	const char *arr = NULL;
	OPT(cfg_get_str(c, o, kp, "arrivals", &arr));
	if (arr) {
		if (!strcmp(arr, "poisson"))
			g->poisson = true;
		else if (!strcmp(arr, "fixed"))
			g->poisson = false;
		else
			return cfg_error(c, cfg_path_key(p, sizeof(p), kp, "arrivals"),
					 "'%s' is not poisson or fixed", arr);
	}
	uint64_t lim;
	rc = cfg_get_u64(c, o, kp, "ops_limit", &lim);
	if (rc == 0)
		g->ops_limit = lim;
	else if (rc != ENOENT)
		return rc;
	const char *st = NULL;
	OPT(cfg_get_str(c, o, kp, "stable", &st));
	if (st) {
		if (!strcmp(st, "unstable"))
			g->stable = 0;
		else if (!strcmp(st, "data"))
			g->stable = 1;
		else if (!strcmp(st, "file"))
			g->stable = 2;
		else
			return cfg_error(c, cfg_path_key(p, sizeof(p), kp, "stable"),
					 "'%s' is not unstable, data or file", st);
	}
	return 0;
}

static void group_defaults(struct nb_group *g, unsigned i)
{
	snprintf(g->name, sizeof(g->name), "group%u", i);
	g->threads = 1;
	g->connections = 1;
	g->slots = 16;
	g->read_size = g->write_size = 64 * 1024;
	g->read_bs = g->write_bs = 64 * 1024;
	g->poisson = true;
}

static int parse_root(struct cfg *c, struct nb_profile *p)
{
	static const char *const keys[] = {
		"url", "time", "ramp", "stonewall", "seed", "timeout", "verify", "nfs_version", "fileset",
		"threadgroups", "nfsbench",
		/* nfstune's sections of a shared file */
		"include", "interfaces", "sysctl", "sunrpc", "nfs", "irq", "virtio", "vhost", "sweep", NULL
	};
	struct json_object *root = c->root;
	int rc;
	if (!json_object_is_type(root, json_type_object))
		return cfg_error(c, "", "a profile is a JSON object");
	if ((rc = cfg_check_keys(c, root, "", keys)))
		return rc;
	const char *url = NULL;
	OPT(cfg_get_str(c, root, "", "url", &url));
	if (url)
		snprintf(p->url, sizeof(p->url), "%s", url);
	OPT(cfg_get_duration(c, root, "", "time", &p->time_ns));
	OPT(cfg_get_duration(c, root, "", "ramp", &p->ramp_ns));
	OPT(cfg_get_bool(c, root, "", "stonewall", &p->stonewall));
	OPT(cfg_get_u64(c, root, "", "seed", &p->seed));
	OPT(cfg_get_duration(c, root, "", "timeout", &p->timeout_ns));
	OPT(cfg_get_bool(c, root, "", "verify", &p->verify));
	OPT(get_uint(c, root, "", "nfs_version", 3, 4, &p->nfs_version));

	struct json_object *fs;
	if (!json_object_object_get_ex(root, "fileset", &fs))
		return cfg_error(c, "", "needs a \"fileset\" section");
	if ((rc = parse_fileset(c, fs, &p->fs)))
		return rc;
	struct json_object *tg;
	if (!json_object_object_get_ex(root, "threadgroups", &tg) || !json_object_is_type(tg, json_type_array) ||
	    json_object_array_length(tg) == 0)
		return cfg_error(c, json_object_object_get_ex(root, "threadgroups", &tg) ? "threadgroups" : "",
				 "needs \"threadgroups\": a list of at least one group");
	size_t n = json_object_array_length(tg);
	if (n > NB_MAX_GROUPS)
		return cfg_error(c, "threadgroups", "at most %d groups", NB_MAX_GROUPS);
	for (size_t i = 0; i < n; i++) {
		char kp[64];
		cfg_path_idx(kp, sizeof(kp), "threadgroups", i);
		group_defaults(&p->groups[i], (unsigned)i);
		if ((rc = parse_group(c, json_object_array_get_idx(tg, i), kp, &p->groups[i])))
			return rc;
	}
	p->ngroups = (unsigned)n;
	struct json_object *cl;
	if (json_object_object_get_ex(root, "nfsbench", &cl)) {
		struct nfsbench_cfg cli = { 0 };
		if ((rc = nfsbench_cfg_parse(c, cl, "nfsbench", &cli)))
			return rc;
		for (unsigned i = 0; i < p->ngroups; i++) {
			struct nb_group *g = &p->groups[i];
			if (cli.has_connections)
				g->connections = cli.connections;
			if (cli.has_slots)
				g->slots = cli.slots;
			if (cli.has_rsize)
				g->read_bs = cli.rsize;
			if (cli.has_wsize)
				g->write_bs = cli.wsize;
		}
	}
	return 0;
}

int nb_profile_load(struct nb_profile *p, const char *path, char *err, size_t errlen)
{
	memset(p, 0, sizeof(*p));
	p->fs.nfiles = 1;
	p->fs.fill_pct = 100;
	p->fs.reuse = true;
	struct cfg c;
	int rc = cfg_load(&c, path);
	if (!rc)
		rc = parse_root(&c, p);
	if (rc)
		snprintf(err, errlen, "%s", c.err);
	cfg_free(&c);
	if (!rc && !p->fs.nsizes) {
		p->fs.sizes[0] = (struct nb_sizew){ 1 << 20, 1 };
		p->fs.nsizes = 1;
	}
	return rc;
}

int nb_profile_check(const struct nb_profile *p, char *err, size_t errlen)
{
	unsigned total_threads = 0, wsum = 0;
	for (unsigned i = 0; i < p->fs.nsizes; i++)
		wsum += p->fs.sizes[i].weight;
	if (!wsum) {
		snprintf(err, errlen, "fileset.size_weight: all weights are 0");
		return EINVAL;
	}
	for (unsigned i = 0; i < p->ngroups; i++) {
		const struct nb_group *g = &p->groups[i];
		unsigned s = 0;
		for (unsigned k = 0; k < NB_K_MAX; k++)
			s += g->weight[k];
		if (!s) {
			snprintf(err, errlen, "threadgroups[%u] (%s): every operation weight is 0", i, g->name);
			return EINVAL;
		}
		if (g->connections < g->threads) {
			snprintf(err, errlen, "threadgroups[%u] (%s): %u threads need at least as many connections (%u)",
				 i, g->name, g->threads, g->connections);
			return EINVAL;
		}
		if (!g->read_bs || !g->write_bs || !g->read_size || !g->write_size || g->read_bs > (64u << 20) ||
		    g->write_bs > (64u << 20)) {
			snprintf(err, errlen, "threadgroups[%u] (%s): read/write sizes and block sizes must be 1 byte to 64m",
				 i, g->name);
			return EINVAL;
		}
		if (g->rate_iops && g->rate_bytes) {
			snprintf(err, errlen, "threadgroups[%u] (%s): give rate_iops or rate_bytes, not both", i, g->name);
			return EINVAL;
		}
		if (!p->time_ns && !g->ops_limit) {
			snprintf(err, errlen, "threadgroups[%u] (%s): needs ops_limit when the profile has no time", i,
				 g->name);
			return EINVAL;
		}
		total_threads += g->threads;
	}
	if (p->fs.single[0]) {
		for (unsigned i = 0; i < p->ngroups; i++)
			for (unsigned k = 0; k < NB_K_MAX; k++)
				if (p->groups[i].weight[k] && k != NB_K_READ && k != NB_K_WRITE) {
					snprintf(err, errlen, "quick mode runs read and write only");
					return EINVAL;
				}
	} else if (p->fs.nfiles < total_threads) {
		snprintf(err, errlen, "fileset.files (%u) must be at least the number of threads (%u): each thread owns its files",
			 p->fs.nfiles, total_threads);
		return EINVAL;
	}
	if (p->ramp_ns && !p->time_ns) {
		snprintf(err, errlen, "ramp needs time");
		return EINVAL;
	}
	return 0;
}
