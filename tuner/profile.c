/* profile.c - load, merge and validate tuning profiles.
 *
 * A profile may include others ("include": "base.json" or a list, paths
 * relative to the including file); included files come first and the
 * including file overrides them key by key. The merged document remembers
 * which file set each key, so an error in an inherited value still points
 * at its own file, line and column. Everything a profile says is checked
 * here (names, ranges, CPU lists, that interfaces and mounts exist) before
 * a single kernel value is read for the plan. */
#include "tune_profile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "mem.h"
#include "tune_ethtool.h"
#include "tune_irq.h"
#include "tune_link.h"
#include "tune_nfs.h"
#include "tune_qdisc.h"
#include "tune_queue.h"
#include "tune_sunrpc.h"
#include "tune_sysctl.h"
#include "tune_virtio.h"
#include "trust.h"

/* ------------------------------------------------------------------ */
/* Origins and positions                                                */

static void path_join(char *buf, size_t len, const char *parent, const char *key)
{
	cfg_path_key(buf, len, parent, key);
}

static bool under(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);
	return !strncmp(path, prefix, n) && (path[n] == '\0' || path[n] == '.' || path[n] == '[');
}

static int set_origin(struct prof *p, const char *path, unsigned file)
{
	/* a replaced value's inner keys belong to the new file now */
	size_t w = 0;
	for (size_t i = 0; i < p->norig; i++) {
		if (under(p->orig[i].path, path)) {
			free(p->orig[i].path);
			continue;
		}
		p->orig[w++] = p->orig[i];
	}
	p->norig = w;
	if (MEM_GROW(&p->orig, &p->origcap, p->norig + 1, 16))
		return ENOMEM;
	p->orig[p->norig].path = strdup(path);
	if (!p->orig[p->norig].path)
		return ENOMEM;
	p->orig[p->norig++].file = file;
	return 0;
}

/* The file that set path (its deepest recorded ancestor). */
static unsigned origin(const struct prof *p, const char *path)
{
	size_t best = 0;
	unsigned file = p->nfiles ? p->nfiles - 1 : 0;
	for (size_t i = 0; i < p->norig; i++) {
		size_t n = strlen(p->orig[i].path);
		if (n >= best && under(path, p->orig[i].path)) {
			best = n;
			file = p->orig[i].file;
		}
	}
	return file;
}

static struct cfg *cfg_of(struct prof *p, const char *parent, const char *key)
{
	char path[512];
	path_join(path, sizeof(path), parent, key);
	return &p->files[origin(p, path)];
}

/* Line and column of parent.key. cfg_where splits paths at dots, so a
 * key that holds dots itself (sysctl names) is found by searching for it
 * after its parent's position. */
static void where(struct prof *p, const char *parent, const char *key, const char **file, unsigned *line,
		  unsigned *col)
{
	char path[512];
	path_join(path, sizeof(path), parent, key);
	const struct cfg *c = &p->files[origin(p, path)];
	*file = c->path;
	cfg_where(c, path, line, col);
	if (*line || !key || !*key || !c->text)
		return;
	unsigned pl, pc;
	cfg_where(c, parent, &pl, &pc);
	if (!pl)
		return;
	size_t off = 0;
	for (unsigned l = 1; l < pl && off < c->len; off++)
		if (c->text[off] == '\n')
			l++;
	off += pc - 1;
	char quoted[300];
	snprintf(quoted, sizeof(quoted), "\"%s\"", key);
	const char *hit = off < c->len ? strstr(c->text + off, quoted) : NULL;
	if (!hit)
		return;
	unsigned l = 1, cl = 1;
	for (const char *s = c->text; s < hit; s++) {
		if (*s == '\n') {
			l++;
			cl = 1;
		} else {
			cl++;
		}
	}
	*line = l;
	*col = cl;
}

/* Where the member's name starts (for "unknown knob"): the quoted key
 * just before its value. */
static void where_name(struct prof *p, const char *parent, const char *key, const char **file, unsigned *line,
		       unsigned *col)
{
	char path[512], quoted[300];
	where(p, parent, key, file, line, col);
	path_join(path, sizeof(path), parent, key);
	const struct cfg *c = &p->files[origin(p, path)];
	if (!*line || !c->text)
		return;
	size_t off = 0;
	for (unsigned l = 1; l < *line && off < c->len; off++)
		if (c->text[off] == '\n')
			l++;
	off += *col - 1;
	snprintf(quoted, sizeof(quoted), "\"%s\"", key);
	size_t ql = strlen(quoted);
	for (size_t o = off; o-- > 0;) {
		if (o + ql <= c->len && !memcmp(c->text + o, quoted, ql)) {
			unsigned l = 1, cl = 1;
			for (size_t i = 0; i < o; i++) {
				if (c->text[i] == '\n') {
					l++;
					cl = 1;
				} else {
					cl++;
				}
			}
			*line = l;
			*col = cl;
			return;
		}
	}
}

static int vperr(struct tune *t, struct prof *p, const char *parent, const char *key, bool at_name,
		 const char *fmt, va_list ap)
{
	char msg[TUNE_ERRLEN], path[512];
	const char *file;
	unsigned line, col;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	path_join(path, sizeof(path), parent, key);
	if (at_name)
		where_name(p, parent, key, &file, &line, &col);
	else
		where(p, parent, key, &file, &line, &col);
	if (line)
		tune_error(t, "%s:%u:%u: %s: %s", file, line, col, path, msg);
	else if (*path)
		tune_error(t, "%s: %s: %s", file, path, msg);
	else
		tune_error(t, "%s: %s", file, msg);
	return EINVAL;
}

static int perr(struct tune *t, struct prof *p, const char *parent, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static int perr(struct tune *t, struct prof *p, const char *parent, const char *key, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = vperr(t, p, parent, key, false, fmt, ap);
	va_end(ap);
	return rc;
}

/* The same, pointing at the member's name rather than its value. */
static int perr_name(struct tune *t, struct prof *p, const char *parent, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static int perr_name(struct tune *t, struct prof *p, const char *parent, const char *key, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = vperr(t, p, parent, key, true, fmt, ap);
	va_end(ap);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Loading                                                              */

static int merge(struct prof *p, struct json_object *dst, struct json_object *src, const char *path, unsigned file)
{
	json_object_object_foreach(src, key, val) {
		char sub[512];
		if (!*path && !strcmp(key, "include"))
			continue;
		path_join(sub, sizeof(sub), path, key);
		struct json_object *old;
		if (json_object_object_get_ex(dst, key, &old) && json_object_is_type(old, json_type_object) &&
		    json_object_is_type(val, json_type_object)) {
			int rc = merge(p, old, val, sub, file);
			if (rc)
				return rc;
			continue;
		}
		struct json_object *copy = NULL;
		if (json_object_deep_copy(val, &copy, NULL) < 0)
			return ENOMEM;
		json_object_object_add(dst, key, copy);
		int rc = set_origin(p, sub, file);
		if (rc)
			return rc;
	}
	return 0;
}

static int load_file(struct tune *t, struct prof *p, const char *path, unsigned depth, const char *from)
{
	char real[PATH_MAX];

	if (p->nfiles >= PROF_MAX_FILES) {
		tune_error(t, "%s: more than %d profile files (includes)", path, PROF_MAX_FILES);
		return EINVAL;
	}
	if (!realpath(path, real))
		snprintf(real, sizeof(real), "%s", path);
	for (unsigned i = 0; i < p->nfiles; i++)
		if (!strcmp(p->real[i], real) && depth > 0) {
			tune_error(t, "%s: included twice or in a cycle (from %s)", path, from ? from : "?");
			return ELOOP;
		}
	/* every file root reads must be root's, along with its directories;
	 * checked on the opened descriptor, not on the name afterwards */
	char err[TUNE_ERRLEN], *text;
	size_t got;
	int e = trust_read(path, PROF_MAX_BYTES, &text, &got, err, sizeof(err));
	if (e) {
		tune_error(t, "%s%s%s", err, from ? " (included from " : "", from ? from : "");
		if (from)
			tune_error(t, "%s", ")");
		return e;
	}
	unsigned me = p->nfiles++;
	snprintf(p->real[me], sizeof(p->real[me]), "%s", real);
	int rc = cfg_load_mem(&p->files[me], path, text, got);
	free(text);
	if (rc) {
		tune_error(t, "%s", p->files[me].err);
		return rc;
	}
	struct json_object *root = p->files[me].root;
	if (!json_object_is_type(root, json_type_object)) {
		tune_error(t, "%s: a profile is a JSON object ({...})", path);
		return EINVAL;
	}
	struct json_object *inc;
	if (json_object_object_get_ex(root, "include", &inc) && inc) {
		if (depth >= PROF_MAX_DEPTH) {
			perr(t, p, "", "include", "includes nested deeper than %d", PROF_MAX_DEPTH);
			return ELOOP;
		}
		size_t n = json_object_is_type(inc, json_type_array) ? json_object_array_length(inc) : 1;
		for (size_t i = 0; i < n; i++) {
			struct json_object *e = json_object_is_type(inc, json_type_array) ? json_object_array_get_idx(inc, i) : inc;
			if (!json_object_is_type(e, json_type_string) || !*json_object_get_string(e)) {
				unsigned l, cl;
				cfg_where(&p->files[me], "include", &l, &cl);
				tune_error(t, "%s:%u:%u: include: expected a file name or a list of them", path, l, cl);
				return EINVAL;
			}
			const char *name = json_object_get_string(e);
			char full[PATH_MAX];
			if (name[0] == '/') {
				snprintf(full, sizeof(full), "%s", name);
			} else {
				const char *slash = strrchr(path, '/');
				if (slash)
					snprintf(full, sizeof(full), "%.*s/%s", (int)(slash - path), path, name);
				else
					snprintf(full, sizeof(full), "%s", name);
			}
			rc = load_file(t, p, full, depth + 1, path);
			if (rc)
				return rc;
		}
	}
	rc = merge(p, p->doc, root, "", me);
	if (rc)
		tune_error(t, "%s: out of memory", path);
	return rc;
}

int tune_prof_load(struct tune *t, struct prof *p, const char *path)
{
	memset(p, 0, sizeof(*p));
	p->doc = json_object_new_object();
	if (!p->doc)
		return ENOMEM;
	return load_file(t, p, path, 0, NULL) ? EINVAL : 0;
}

void tune_prof_free(struct prof *p)
{
	for (unsigned i = 0; i < p->nfiles; i++)
		cfg_free(&p->files[i]);
	for (size_t i = 0; i < p->norig; i++)
		free(p->orig[i].path);
	free(p->orig);
	json_object_put(p->doc);
	memset(p, 0, sizeof(*p));
}

/* ------------------------------------------------------------------ */
/* Typed values                                                         */

static unsigned edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned row[64];
	if (la >= 63 || lb >= 63)
		return 99;
	for (size_t j = 0; j <= lb; j++)
		row[j] = (unsigned)j;
	for (size_t i = 1; i <= la; i++) {
		unsigned prev = row[0];
		row[0] = (unsigned)i;
		for (size_t j = 1; j <= lb; j++) {
			unsigned cur = row[j];
			unsigned sub = prev + (a[i - 1] != b[j - 1]);
			unsigned del = row[j] + 1, ins = row[j - 1] + 1;
			row[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
			prev = cur;
		}
	}
	return row[lb];
}

/* Unknown members are errors (a typo must not be a silently ignored knob),
 * each reported at its own place. */
static size_t check_keys(struct tune *t, struct prof *p, struct json_object *obj, const char *path,
			 const char *const *allowed)
{
	size_t bad = 0;
	json_object_object_foreach(obj, key, val) {
		(void)val;
		const char *best = NULL;
		unsigned bd = 3;
		bool ok = false;
		for (const char *const *a = allowed; *a; a++) {
			if (!strcmp(*a, key)) {
				ok = true;
				break;
			}
			unsigned d = edit_distance(key, *a);
			if (d < bd) {
				bd = d;
				best = *a;
			}
		}
		if (ok)
			continue;
		bad++;
		if (best)
			perr_name(t, p, path, key, "unknown knob '%s' (did you mean '%s'?)", key, best);
		else
			perr_name(t, p, path, key, "unknown knob '%s'", key);
	}
	return bad;
}

static struct json_object *member(struct json_object *obj, const char *key)
{
	struct json_object *v = NULL;
	if (!json_object_object_get_ex(obj, key, &v))
		return NULL;
	return v;
}

/* An object member, or NULL (absent or null); an error if not an object. */
static struct json_object *object(struct tune *t, struct prof *p, struct json_object *obj, const char *path,
				  const char *key, size_t *errs)
{
	struct json_object *v = member(obj, key);
	if (!v)
		return NULL;
	if (!json_object_is_type(v, json_type_object)) {
		perr(t, p, path, key, "expected an object {...}");
		(*errs)++;
		return NULL;
	}
	return v;
}

/* A whole number in [min, max]: 0, ENOENT (absent or null) or EINVAL. */
static int get_u64(struct tune *t, struct prof *p, struct json_object *obj, const char *path, const char *key,
		   uint64_t min, uint64_t max, uint64_t *out)
{
	struct cfg *c = cfg_of(p, path, key);
	int rc = cfg_get_u64(c, obj, path, key, out);
	if (rc == ENOENT)
		return ENOENT;
	if (rc) {
		tune_error(t, "%s", c->err);
		return EINVAL;
	}
	if (*out < min || *out > max)
		return perr(t, p, path, key, "%llu is outside %llu..%llu", (unsigned long long)*out,
			    (unsigned long long)min, (unsigned long long)max);
	return 0;
}

static int get_bool(struct tune *t, struct prof *p, struct json_object *obj, const char *path, const char *key,
		    bool *out)
{
	struct cfg *c = cfg_of(p, path, key);
	int rc = cfg_get_bool(c, obj, path, key, out);
	if (rc && rc != ENOENT) {
		tune_error(t, "%s", c->err);
		return EINVAL;
	}
	return rc;
}

static int get_str(struct tune *t, struct prof *p, struct json_object *obj, const char *path, const char *key,
		   const char **out)
{
	struct cfg *c = cfg_of(p, path, key);
	int rc = cfg_get_str(c, obj, path, key, out);
	if (rc && rc != ENOENT) {
		tune_error(t, "%s", c->err);
		return EINVAL;
	}
	return rc;
}

/* A CPU list string ("0-3,8"; "none" when allow_none), canonical in out. */
static int get_cpus(struct tune *t, struct prof *p, struct json_object *v, const char *path, const char *key,
		    bool allow_none, char *out, size_t len)
{
	struct cpulist set;
	char err[256];
	if (!json_object_is_type(v, json_type_string) && !json_object_is_type(v, json_type_int))
		return perr(t, p, path, key, "expected a CPU list such as \"0-3,8\"");
	const char *s = json_object_get_string(v);
	if (allow_none && !strcmp(s, "none")) {
		snprintf(out, len, "none");
		return 0;
	}
	if (parse_cpulist(s, &set, err, sizeof(err)))
		return perr(t, p, path, key, "%s", err);
	cpulist_format(&set, out, len);
	return 0;
}

/* Append a knob with a wanted value, remembering where it was set. */
static struct knob *want(struct tune *t, struct prof *p, struct knobs *ks, const struct knob_type *ty,
			 const char *obj, const char *name, const char *path, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 9, 10)));
static struct knob *want(struct tune *t, struct prof *p, struct knobs *ks, const struct knob_type *ty,
			 const char *obj, const char *name, const char *path, const char *key, const char *fmt, ...)
{
	struct knob *k = knobs_add(ks, ty, obj, name);
	va_list ap;
	if (!k) {
		tune_error(t, "out of memory");
		return NULL;
	}
	path_join(k->path, sizeof(k->path), path, key);
	where(p, path, key, &k->file, &k->line, &k->col);
	k->has_want = true;
	va_start(ap, fmt);
	vsnprintf(k->want, sizeof(k->want), fmt, ap);
	va_end(ap);
	return k;
}

/* ------------------------------------------------------------------ */
/* interfaces                                                           */

static size_t build_group(struct tune *t, struct prof *p, struct knobs *ks, const char *ifname, bool exists,
			  struct json_object *ifobj, const char *ifpath, enum eth_group g,
			  const struct knob_type *ty)
{
	size_t errs = 0;
	char path[512], name[96];
	struct json_object *o = object(t, p, ifobj, ifpath, tune_eth_group_name(g), &errs);
	if (!o)
		return errs;
	path_join(path, sizeof(path), ifpath, tune_eth_group_name(g));
	/* "adaptive" sets both directions, as ethtool's adaptive-rx/-tx pair */
	const char *allowed[ETH_MAXF + 2];
	unsigned na = 0;
	for (unsigned f = 0; f < tune_eth_nfields(g); f++)
		allowed[na++] = tune_eth_field_name(g, f);
	if (g == ETH_COALESCE)
		allowed[na++] = "adaptive";
	allowed[na] = NULL;
	errs += check_keys(t, p, o, path, allowed);
	json_object_object_foreach(o, key, val) {
		(void)val;
		int f = tune_eth_field(g, key);
		bool both = g == ETH_COALESCE && !strcmp(key, "adaptive");
		if (f < 0 && !both)
			continue;
		char v[32];
		if ((f >= 0 && tune_eth_field_is_bool(g, (unsigned)f)) || both) {
			bool b;
			int rc = get_bool(t, p, o, path, key, &b);
			if (rc == ENOENT)
				continue;
			if (rc) {
				errs++;
				continue;
			}
			snprintf(v, sizeof(v), "%s", b ? "on" : "off");
		} else {
			uint64_t n;
			int rc = get_u64(t, p, o, path, key, g == ETH_CHANNELS && !strcmp(key, "combined") ? 1 : 0,
					 g == ETH_COALESCE ? 1000000 : 65536, &n);
			if (rc == ENOENT)
				continue;
			if (rc) {
				errs++;
				continue;
			}
			snprintf(v, sizeof(v), "%llu", (unsigned long long)n);
		}
		if (!exists)
			continue;
		for (int d = 0; d < (both ? 2 : 1); d++) {
			unsigned fi = both ? (unsigned)tune_eth_field(g, d ? "adaptive-tx" : "adaptive-rx") : (unsigned)f;
			snprintf(name, sizeof(name), "%s.%s", tune_eth_group_name(g), tune_eth_field_name(g, fi));
			struct knob *k = want(t, p, ks, ty, ifname, name, path, key, "%s", v);
			if (k)
				k->idx = fi;
		}
	}
	return errs;
}

static size_t build_features(struct tune *t, struct prof *p, struct knobs *ks, const char *ifname, bool exists,
			     struct json_object *ifobj, const char *ifpath)
{
	size_t errs = 0;
	char path[512], name[96];
	struct json_object *o = object(t, p, ifobj, ifpath, "features", &errs);
	if (!o)
		return errs;
	path_join(path, sizeof(path), ifpath, "features");
	json_object_object_foreach(o, key, val) {
		(void)val;
		bool ok = *key && strlen(key) < 32;
		for (const char *s = key; *s; s++)
			if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-' || *s == '_'))
				ok = false;
		if (!ok) {
			perr(t, p, path, key, "'%s' is not a feature name (ethtool -k names, or tso, gso, gro, lro, sg, rx, tx, ...)",
			     key);
			errs++;
			continue;
		}
		bool b;
		int rc = get_bool(t, p, o, path, key, &b);
		if (rc == ENOENT)
			continue;
		if (rc) {
			errs++;
			continue;
		}
		if (!exists)
			continue;
		snprintf(name, sizeof(name), "features.%s", key);
		struct knob *k = want(t, p, ks, &knob_feature, ifname, name, path, key, "%s", b ? "on" : "off");
		if (k)
			snprintf(k->arg, sizeof(k->arg), "%s", key);
	}
	return errs;
}

static size_t build_qdisc(struct tune *t, struct prof *p, struct knobs *ks, const char *ifname, bool exists,
			  struct json_object *ifobj, const char *ifpath)
{
	struct json_object *v = member(ifobj, "qdisc");
	char path[512];
	struct qdisc_val q;

	if (!v)
		return 0;
	memset(&q, 0, sizeof(q));
	path_join(path, sizeof(path), ifpath, "qdisc");
	if (json_object_is_type(v, json_type_string)) {
		snprintf(q.kind, sizeof(q.kind), "%s", json_object_get_string(v));
		if (!strcmp(q.kind, "tbf"))
			return (size_t)!!perr(t, p, ifpath, "qdisc", "tbf needs a rate: {\"kind\": \"tbf\", \"rate\": \"10gbit\", "
					     "\"burst\": \"256k\", \"latency\": \"10ms\"}");
	} else if (json_object_is_type(v, json_type_object)) {
		static const char *const keys[] = {"kind", "rate", "burst", "latency", "limit", NULL};
		size_t errs = check_keys(t, p, v, path, keys);
		const char *kind = NULL;
		if (get_str(t, p, v, path, "kind", &kind))
			return errs + (size_t)!!perr(t, p, ifpath, "qdisc", "needs a kind (fq, fq_codel, pfifo_fast, tbf, default)");
		snprintf(q.kind, sizeof(q.kind), "%s", kind);
		if (!strcmp(kind, "tbf")) {
			struct cfg *c;
			const char *rs = NULL;
			double rate = 0;
			char err[256];
			struct json_object *r = member(v, "rate");
			int64_t ri;
			if (r && json_object_is_type(r, json_type_int) && cfg_json_int64(r, &ri, err, sizeof(err))) {
				return errs + (size_t)!!perr(t, p, path, "rate", "%s", err);
			} else if (r && json_object_is_type(r, json_type_int) && ri > 0) {
				rate = (double)ri;
			} else if (!get_str(t, p, v, path, "rate", &rs)) {
				if (parse_rate_bytes(rs, &rate, err, sizeof(err)))
					return errs + (size_t)!!perr(t, p, path, "rate", "%s", err);
			} else {
				return errs + (size_t)!!perr(t, p, ifpath, "qdisc", "tbf needs a rate (\"10gbit\", \"1250MB/s\", or bytes per second)");
			}
			if (rate < 1000 || rate > (double)INT32_MAX)
				return errs + (size_t)!!perr(t, p, path, "rate", "%.0f bytes/s is outside 1000..%d (libnl 3.7 sends 32-bit rates: at most ~17 Gbit/s)",
							     rate, INT32_MAX);
			q.rate = (uint64_t)rate;
			c = cfg_of(p, path, "burst");
			int rc = cfg_get_size(c, v, path, "burst", &q.burst);
			if (rc == ENOENT)
				return errs + (size_t)!!perr(t, p, ifpath, "qdisc", "tbf needs a burst (bytes the bucket holds, at least the MTU: e.g. \"256k\")");
			if (rc) {
				tune_error(t, "%s", c->err);
				return errs + 1;
			}
			uint64_t lat_ns = 0, limit = 0;
			c = cfg_of(p, path, "latency");
			int rl = cfg_get_duration(c, v, path, "latency", &lat_ns);
			if (rl && rl != ENOENT) {
				tune_error(t, "%s", c->err);
				return errs + 1;
			}
			c = cfg_of(p, path, "limit");
			int rm = cfg_get_size(c, v, path, "limit", &limit);
			if (rm && rm != ENOENT) {
				tune_error(t, "%s", c->err);
				return errs + 1;
			}
			if ((rl == ENOENT) == (rm == ENOENT))
				return errs + (size_t)!!perr(t, p, ifpath, "qdisc", "tbf needs either latency or limit (as tc does)");
			/* tc's rule: limit = rate * latency + burst */
			q.limit = rl == 0 ? (uint64_t)((double)q.rate * (double)lat_ns / 1e9) + q.burst : limit;
			if (q.burst > INT32_MAX || q.limit > INT32_MAX)
				return errs + (size_t)!!perr(t, p, ifpath, "qdisc", "burst and limit must stay below 2 GiB");
		} else {
			for (const char *const *k = keys + 1; *k; k++)
				if (member(v, *k))
					return errs + (size_t)!!perr(t, p, path, *k, "only tbf takes %s", *k);
		}
		if (errs)
			return errs;
	} else {
		return (size_t)!!perr(t, p, ifpath, "qdisc", "expected a qdisc name or {\"kind\": ...}");
	}
	static const char *const kinds[] = {"fq", "fq_codel", "pfifo_fast", "tbf", "default", NULL};
	bool ok = false;
	for (const char *const *k = kinds; *k; k++)
		ok |= !strcmp(*k, q.kind);
	if (!ok)
		return (size_t)!!perr(t, p, ifpath, "qdisc", "'%s' is not a root qdisc nfstune sets (fq, fq_codel, pfifo_fast, tbf, default)",
				      q.kind);
	if (exists) {
		char v2[TUNE_VAL];
		tune_qdisc_format(&q, v2, sizeof(v2));
		want(t, p, ks, &knob_qdisc, ifname, "qdisc", ifpath, "qdisc", "%s", v2);
	}
	return 0;
}

static size_t build_masks(struct tune *t, struct prof *p, struct knobs *ks, const char *ifname, bool exists,
			  struct json_object *ifobj, const char *ifpath, bool rps)
{
	const char *key = rps ? "rps_cpus" : "xps_cpus", *pre = rps ? "rx-" : "tx-";
	const struct knob_type *ty = rps ? &knob_rps : &knob_xps;
	struct json_object *v = member(ifobj, key);
	char path[512], val[TUNE_VAL], name[96];
	size_t errs = 0;

	if (!v)
		return 0;
	path_join(path, sizeof(path), ifpath, key);
	if (json_object_is_type(v, json_type_string)) {
		if (get_cpus(t, p, v, ifpath, key, true, val, sizeof(val)))
			return 1;
		if (exists)
			want(t, p, ks, ty, ifname, key, ifpath, key, "%s", val);
		return 0;
	}
	if (json_object_is_type(v, json_type_array)) {
		size_t n = json_object_array_length(v);
		for (size_t i = 0; i < n; i++) {
			char ik[32];
			snprintf(ik, sizeof(ik), "[%zu]", i);
			char ipath[512];
			snprintf(ipath, sizeof(ipath), "%s[%zu]", path, i);
			if (get_cpus(t, p, json_object_array_get_idx(v, i), path, ik, true, val, sizeof(val))) {
				errs++;
				continue;
			}
			if (!exists)
				continue;
			snprintf(name, sizeof(name), "%s.%s%zu", key, pre, i);
			struct knob *k = knobs_add(ks, ty, ifname, name);
			if (!k)
				return errs + 1;
			snprintf(k->path, sizeof(k->path), "%s", ipath);
			where(p, path, "", &k->file, &k->line, &k->col);
			k->has_want = true;
			snprintf(k->want, sizeof(k->want), "%s", val);
			snprintf(k->arg, sizeof(k->arg), "%s%zu", pre, i);
		}
		return errs;
	}
	if (json_object_is_type(v, json_type_object)) {
		json_object_object_foreach(v, q, qv) {
			uint64_t n;
			if (strncmp(q, pre, 3) || tune_parse_u64(q + 3, 0, 65535, &n)) {
				perr(t, p, path, q, "expected a queue name like %s0", pre);
				errs++;
				continue;
			}
			if (get_cpus(t, p, qv, path, q, true, val, sizeof(val))) {
				errs++;
				continue;
			}
			if (!exists)
				continue;
			snprintf(name, sizeof(name), "%s.%s", key, q);
			struct knob *k = want(t, p, ks, ty, ifname, name, path, q, "%s", val);
			if (k)
				snprintf(k->arg, sizeof(k->arg), "%s", q);
		}
		return errs;
	}
	return (size_t)!!perr(t, p, ifpath, key, "expected a CPU list for every queue, a list per queue, or {\"%s0\": ...}",
			      pre);
}

static size_t build_irq(struct tune *t, struct prof *p, struct knobs *ks, const char *ifname, bool exists,
			struct json_object *ifobj, const char *ifpath)
{
	size_t errs = 0;
	char path[512], err[512], name[64], val[TUNE_VAL];
	struct json_object *o = object(t, p, ifobj, ifpath, "irq", &errs);
	struct irq_cfg cfg;
	const char *s;

	if (!o)
		return errs;
	memset(&cfg, 0, sizeof(cfg));
	path_join(path, sizeof(path), ifpath, "irq");
	static const char *const keys[] = {"strategy", "cpus", "queues", NULL};
	errs += check_keys(t, p, o, path, keys);
	int rc = get_str(t, p, o, path, "strategy", &s);
	if (rc == ENOENT)
		return errs + (size_t)!!perr(t, p, ifpath, "irq", "needs a strategy: explicit, spread-local or round-robin");
	if (rc)
		return errs + 1;
	int st = tune_irq_strategy_parse(s);
	if (st < 0)
		return errs + (size_t)!!perr(t, p, path, "strategy", "'%s' is not a strategy (explicit, spread-local, round-robin)", s);
	cfg.strategy = (enum irq_strategy)st;
	struct json_object *cpus = member(o, "cpus");
	if (cpus) {
		if (get_cpus(t, p, cpus, path, "cpus", false, val, sizeof(val)))
			return errs + 1;
		parse_cpulist(val, &cfg.cpus, NULL, 0);
		cfg.has_cpus = true;
	}
	struct json_object *qs = member(o, "queues");
	if ((qs != NULL) != (cfg.strategy == IRQ_EXPLICIT))
		return errs + (size_t)!!perr(t, p, path, qs ? "queues" : "strategy",
					     qs ? "queues go with strategy explicit" : "explicit needs queues: {\"0\": \"0\", \"1\": \"2\"} or [\"0\", \"2\"]");
	if (qs) {
		cfg.nqueues = 256;
		cfg.queue_cpus = calloc(cfg.nqueues, sizeof(*cfg.queue_cpus));
		cfg.queue_set = calloc(cfg.nqueues, sizeof(bool));
		if (!cfg.queue_cpus || !cfg.queue_set) {
			free(cfg.queue_cpus);
			free(cfg.queue_set);
			return errs + 1;
		}
		char qpath[512];
		path_join(qpath, sizeof(qpath), path, "queues");
		if (json_object_is_type(qs, json_type_array)) {
			size_t n = json_object_array_length(qs);
			for (size_t i = 0; i < n && i < cfg.nqueues; i++) {
				char ik[32];
				snprintf(ik, sizeof(ik), "[%zu]", i);
				if (get_cpus(t, p, json_object_array_get_idx(qs, i), qpath, ik, false, val, sizeof(val))) {
					errs++;
					continue;
				}
				parse_cpulist(val, &cfg.queue_cpus[i], NULL, 0);
				cfg.queue_set[i] = true;
			}
		} else if (json_object_is_type(qs, json_type_object)) {
			json_object_object_foreach(qs, q, qv) {
				uint64_t n;
				if (tune_parse_u64(q, 0, cfg.nqueues - 1, &n)) {
					perr(t, p, qpath, q, "expected a queue number 0..%zu", cfg.nqueues - 1);
					errs++;
					continue;
				}
				if (get_cpus(t, p, qv, qpath, q, false, val, sizeof(val))) {
					errs++;
					continue;
				}
				parse_cpulist(val, &cfg.queue_cpus[n], NULL, 0);
				cfg.queue_set[n] = true;
			}
		} else {
			perr(t, p, path, "queues", "expected {\"0\": \"0-1\", ...} or [\"0-1\", ...]");
			errs++;
		}
	}
	if (!errs && exists) {
		struct irq_q *q = NULL;
		size_t n = 0;
		rc = tune_irq_discover(t, ifname, &q, &n, err, sizeof(err));
		if (rc) {
			perr(t, p, ifpath, "irq", "%s", err);
			errs++;
		} else {
			struct cpulist *out = calloc(n, sizeof(*out));
			if (!out || tune_irq_assign(t, ifname, &cfg, q, n, out, err, sizeof(err))) {
				perr(t, p, ifpath, "irq", "%s", out ? err : "out of memory");
				errs++;
			} else {
				for (size_t i = 0; i < n; i++) {
					snprintf(name, sizeof(name), "irq.%u", q[i].irq);
					cpulist_format(&out[i], val, sizeof(val));
					struct knob *k = want(t, p, ks, &knob_irq, ifname, name, ifpath, "irq", "%s", val);
					if (k)
						tune_irq_knob_init(t, k, q[i].irq, q[i].name);
				}
			}
			free(out);
			free(q);
		}
	}
	free(cfg.queue_cpus);
	free(cfg.queue_set);
	return errs;
}

/* The plain numbers of an interface: key, kernel range, knob. */
static const struct {
	const char *key;
	uint64_t min, max;
	const struct knob_type *type;
} if_nums[] = {
	{"mtu", 68, 65536, &knob_mtu},
	{"txqueuelen", 0, UINT32_MAX, &knob_txqlen},
};

static size_t build_interfaces(struct tune *t, struct prof *p, struct knobs *ks, struct json_object *ifs)
{
	static const char *const keys[] = {"mtu", "txqueuelen", "channels", "rings", "coalesce", "features", "qdisc",
					   "rps_cpus", "xps_cpus", "irq", NULL};
	size_t errs = 0;
	json_object_object_foreach(ifs, ifname, ifobj) {
		char ifpath[512];
		path_join(ifpath, sizeof(ifpath), "interfaces", ifname);
		if (!tune_ifname_ok(ifname)) {
			perr(t, p, "interfaces", ifname, "'%s' is not a valid interface name", ifname);
			errs++;
			continue;
		}
		if (!json_object_is_type(ifobj, json_type_object)) {
			perr(t, p, "interfaces", ifname, "expected an object of knobs");
			errs++;
			continue;
		}
		bool exists = tune_link_exists(t, ifname);
		if (!exists) {
			perr_name(t, p, "interfaces", ifname, "no interface %s %s", ifname,
			     t->root[0] ? "under --root (sys/class/net)" : "in this network namespace");
			errs++;
		}
		errs += check_keys(t, p, ifobj, ifpath, keys);
		for (size_t i = 0; i < sizeof(if_nums) / sizeof(if_nums[0]); i++) {
			uint64_t v;
			int rc = get_u64(t, p, ifobj, ifpath, if_nums[i].key, if_nums[i].min, if_nums[i].max, &v);
			if (!rc && exists)
				want(t, p, ks, if_nums[i].type, ifname, if_nums[i].key, ifpath, if_nums[i].key, "%llu",
				     (unsigned long long)v);
			errs += rc == EINVAL;
		}
		errs += build_features(t, p, ks, ifname, exists, ifobj, ifpath);
		errs += build_group(t, p, ks, ifname, exists, ifobj, ifpath, ETH_RINGS, &knob_rings);
		errs += build_group(t, p, ks, ifname, exists, ifobj, ifpath, ETH_COALESCE, &knob_coalesce);
		errs += build_group(t, p, ks, ifname, exists, ifobj, ifpath, ETH_CHANNELS, &knob_channels);
		errs += build_qdisc(t, p, ks, ifname, exists, ifobj, ifpath);
		errs += build_masks(t, p, ks, ifname, exists, ifobj, ifpath, true);
		errs += build_masks(t, p, ks, ifname, exists, ifobj, ifpath, false);
		errs += build_irq(t, p, ks, ifname, exists, ifobj, ifpath);
	}
	return errs;
}

/* ------------------------------------------------------------------ */
/* sysctl, sunrpc, nfs                                                  */

static size_t build_sysctl(struct tune *t, struct prof *p, struct knobs *ks, struct json_object *o)
{
	size_t errs = 0;
	char path[PATH_MAX], val[TUNE_VAL], err[512];
	json_object_object_foreach(o, name, v) {
		if (tune_sysctl_value(name, v, val, sizeof(val), err, sizeof(err))) {
			perr(t, p, "sysctl", name, "%s", err);
			errs++;
			continue;
		}
		if (tune_sysctl_netns_check(t, name, err, sizeof(err)) ||
		    tune_sysctl_path(t, name, path, sizeof(path), err, sizeof(err))) {
			perr(t, p, "sysctl", name, "%s", err);
			errs++;
			continue;
		}
		struct knob *k = want(t, p, ks, &knob_sysctl, "sysctl", name, "sysctl", name, "%s", val);
		if (k)
			snprintf(k->arg, sizeof(k->arg), "%s", path);
	}
	return errs;
}

static size_t build_sunrpc(struct tune *t, struct prof *p, struct knobs *ks, struct json_object *o)
{
	size_t errs = check_keys(t, p, o, "sunrpc", tune_sunrpc_knobs);
	char path[PATH_MAX], err[512];
	for (const char *const *n = tune_sunrpc_knobs; *n; n++) {
		uint64_t lo, hi, v;
		tune_sunrpc_range(*n, &lo, &hi);
		int rc = get_u64(t, p, o, "sunrpc", *n, lo, hi, &v);
		if (rc == ENOENT)
			continue;
		if (rc) {
			errs++;
			continue;
		}
		char full[64];
		snprintf(full, sizeof(full), "sunrpc.%s", *n);
		if (tune_sysctl_netns_check(t, full, err, sizeof(err)) ||
		    tune_sunrpc_path(t, *n, path, sizeof(path), err, sizeof(err))) {
			perr(t, p, "sunrpc", *n, "%s", err);
			errs++;
			continue;
		}
		struct knob *k = want(t, p, ks, &knob_sunrpc, "sunrpc", *n, "sunrpc", *n, "%llu", (unsigned long long)v);
		if (k)
			snprintf(k->arg, sizeof(k->arg), "%s", path);
	}
	/* the kernel clamps the starting table to the maximum; say so now */
	struct knob *a = knobs_find(ks, "sunrpc", "tcp_slot_table_entries");
	struct knob *b = knobs_find(ks, "sunrpc", "tcp_max_slot_table_entries");
	if (a && b && strtoull(a->want, NULL, 10) > strtoull(b->want, NULL, 10)) {
		perr(t, p, "sunrpc", "tcp_slot_table_entries", "%s is above tcp_max_slot_table_entries %s", a->want, b->want);
		errs++;
	}
	return errs;
}

/* NFS mount options: NFS_MAX_FILE_IO_SIZE is 1 MiB, NFS_MAX_CONNECTIONS
 * 16; I/O sizes are whole pages. */
static const struct {
	const char *key;
	uint64_t min, max;
	bool pages;
} nfs_opts[] = {
	{"rsize", 4096, 1048576, true},
	{"wsize", 4096, 1048576, true},
	{"nconnect", 1, 16, false},
};
#define NFS_NOPTS (sizeof(nfs_opts) / sizeof(nfs_opts[0]))

static size_t build_nfs(struct tune *t, struct prof *p, struct knobs *ks, struct json_object *o)
{
	static const char *const top[] = {"mounts", NULL};
	static const char *const keys[] = {"rsize", "wsize", "nconnect", "read_ahead_kb", NULL};
	size_t errs = check_keys(t, p, o, "nfs", top);
	struct json_object *mounts = object(t, p, o, "nfs", "mounts", &errs);
	struct nfs_mount *mv = NULL;
	size_t nm = 0;

	if (!mounts)
		return errs;
	int mrc = tune_nfs_mounts(t, &mv, &nm);
	json_object_object_foreach(mounts, dir, mo) {
		char path[512], changes[TUNE_VAL] = "", err[512];
		size_t cl = 0;
		path_join(path, sizeof(path), "nfs.mounts", dir);
		if (dir[0] != '/') {
			perr(t, p, "nfs.mounts", dir, "a mount point is an absolute path");
			errs++;
			continue;
		}
		if (!json_object_is_type(mo, json_type_object)) {
			perr(t, p, "nfs.mounts", dir, "expected an object of knobs");
			errs++;
			continue;
		}
		errs += check_keys(t, p, mo, path, keys);
		bool found = false;
		for (size_t i = 0; !mrc && i < nm; i++)
			found |= !strcmp(mv[i].dir, dir);
		if (!found) {
			perr_name(t, p, "nfs.mounts", dir, "no NFS mount at %s%s", dir,
			     mrc ? " (cannot read /proc/mounts)" : t->root[0] ? " (in --root's proc/mounts)" : "");
			errs++;
		}
		uint64_t v[NFS_NOPTS];
		int rc[NFS_NOPTS];
		for (size_t i = 0; i < NFS_NOPTS; i++) {
			rc[i] = get_u64(t, p, mo, path, nfs_opts[i].key, nfs_opts[i].min, nfs_opts[i].max, &v[i]);
			if (rc[i] == EINVAL)
				errs++;
			if (!rc[i] && nfs_opts[i].pages && v[i] % 4096) {
				perr(t, p, path, nfs_opts[i].key,
				     "%llu is not a multiple of 4096 (the client rounds it down to pages)", (unsigned long long)v[i]);
				errs++;
				rc[i] = EINVAL;
			}
			if (!rc[i])
				cl += (size_t)snprintf(changes + cl, sizeof(changes) - cl, "%s%s=%llu", cl ? "," : "",
						       nfs_opts[i].key, (unsigned long long)v[i]);
		}
		for (size_t i = 0; i < NFS_NOPTS && found; i++)
			if (!rc[i]) {
				struct knob *k = want(t, p, ks, &knob_nfs_opt, dir, nfs_opts[i].key, path, nfs_opts[i].key,
						      "%llu", (unsigned long long)v[i]);
				if (k)
					snprintf(k->arg, sizeof(k->arg), "%s", changes);
			}
		uint64_t ra;
		int r = get_u64(t, p, mo, path, "read_ahead_kb", 0, 1048576, &ra);
		if (r == EINVAL)
			errs++;
		if (!r && found) {
			char bdi[PATH_MAX];
			if (tune_nfs_bdi_path(t, dir, bdi, sizeof(bdi), err, sizeof(err))) {
				perr(t, p, path, "read_ahead_kb", "%s", err);
				errs++;
			} else {
				struct knob *k = want(t, p, ks, &knob_readahead, dir, "read_ahead_kb", path, "read_ahead_kb",
						      "%llu", (unsigned long long)ra);
				if (k)
					snprintf(k->arg, sizeof(k->arg), "%s", bdi);
			}
		}
	}
	free(mv);
	return errs;
}

/* ------------------------------------------------------------------ */

size_t tune_prof_build(struct tune *t, struct prof *p, struct knobs *ks)
{
	static const char *const top[] = {"include", "description", "interfaces", "sysctl", "sunrpc", "nfs",
					  "virtio", "nfsbench", NULL};
	/* the knob sections, in this order */
	static const struct {
		const char *key;
		size_t (*build)(struct tune *, struct prof *, struct knobs *, struct json_object *);
	} sections[] = {
		{"sysctl", build_sysctl}, {"sunrpc", build_sunrpc}, {"interfaces", build_interfaces},
		{"nfs", build_nfs},       {"virtio", tune_virtio_build},
	};
	size_t errs = check_keys(t, p, p->doc, "", top);
	struct json_object *o;

	for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++)
		if ((o = object(t, p, p->doc, "", sections[i].key, &errs)))
			errs += sections[i].build(t, p, ks, o);
	if ((o = object(t, p, p->doc, "", "nfsbench", &errs))) {
		struct cfg *c = cfg_of(p, "", "nfsbench");
		if (nfsbench_cfg_parse(c, o, "nfsbench", &p->nfsbench)) {
			tune_error(t, "%s", c->err);
			errs++;
		} else {
			p->has_nfsbench = true;
		}
	}
	return errs;
}

/* For virtio.c, which builds its own section with the same helpers. */
int tune_prof_get_u64(struct tune *t, struct prof *p, struct json_object *obj, const char *path, const char *key,
		 uint64_t min, uint64_t max, uint64_t *out)
{
	return get_u64(t, p, obj, path, key, min, max, out);
}

int tune_prof_get_str(struct tune *t, struct prof *p, struct json_object *obj, const char *path, const char *key,
		 const char **out)
{
	return get_str(t, p, obj, path, key, out);
}

int tune_prof_get_cpus(struct tune *t, struct prof *p, struct json_object *v, const char *path, const char *key,
		  char *out, size_t len)
{
	return get_cpus(t, p, v, path, key, false, out, len);
}

size_t tune_prof_check_keys(struct tune *t, struct prof *p, struct json_object *obj, const char *path,
		       const char *const *allowed)
{
	return check_keys(t, p, obj, path, allowed);
}

struct knob *tune_prof_want(struct tune *t, struct prof *p, struct knobs *ks, const struct knob_type *ty,
		       const char *obj, const char *name, const char *path, const char *key, const char *val)
{
	return want(t, p, ks, ty, obj, name, path, key, "%s", val);
}

int tune_prof_error(struct tune *t, struct prof *p, const char *parent, const char *key, const char *msg)
{
	return perr(t, p, parent, key, "%s", msg);
}
