/* sweep.c - the sweep profile: parsing, values, metrics, generated
 * profiles (the running of a sweep is in sweep_run.c). */
#include "tune_sweep.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

static int bad(struct sweep *s, const char *keypath, const char *fmt, const char *arg)
{
	return cfg_error(&s->cfg, keypath, fmt, arg);
}

const char *sw_val_text(struct json_object *v, char *buf, size_t len)
{
	switch (json_object_get_type(v)) {
	case json_type_string:
		snprintf(buf, len, "%s", json_object_get_string(v));
		break;
	case json_type_boolean:
		snprintf(buf, len, "%s", json_object_get_boolean(v) ? "true" : "false");
		break;
	default:
		snprintf(buf, len, "%s", json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
	}
	return buf;
}

static bool is_scalar(struct json_object *v)
{
	enum json_type t = json_object_get_type(v);
	return t == json_type_string || t == json_type_int || t == json_type_double || t == json_type_boolean;
}

static int add_val(struct sweep *s, struct sw_dim *d, const char *kp, struct json_object *v)
{
	char a[128], b[128];
	if (d->nvals >= SW_MAX_VALS)
		return bad(s, kp, "more than %s values", "64");
	for (size_t i = 0; i < d->nvals; i++)
		if (!strcmp(sw_val_text(d->vals[i], a, sizeof(a)), sw_val_text(v, b, sizeof(b))))
			return bad(s, kp, "value %s is listed twice", b);
	d->vals[d->nvals++] = json_object_get(v);
	return 0;
}

static int parse_range(struct sweep *s, struct sw_dim *d, struct json_object *r, const char *kp)
{
	static const char *const keys[] = {"from", "to", "step", "times", NULL};
	uint64_t from, to, step = 0, times = 0;
	if (cfg_check_keys(&s->cfg, r, kp, keys))
		return EINVAL;
	int e1 = cfg_get_u64(&s->cfg, r, kp, "from", &from), e2 = cfg_get_u64(&s->cfg, r, kp, "to", &to);
	if (e1 == EINVAL || e2 == EINVAL)
		return EINVAL;
	if (e1 || e2)
		return bad(s, kp, "a range needs %s", "\"from\" and \"to\"");
	int e3 = cfg_get_u64(&s->cfg, r, kp, "step", &step), e4 = cfg_get_u64(&s->cfg, r, kp, "times", &times);
	if (e3 == EINVAL || e4 == EINVAL)
		return EINVAL;
	if (!e3 == !e4)
		return bad(s, kp, "a range needs exactly one of %s", "\"step\" (added) or \"times\" (multiplied)");
	if ((!e3 && step == 0) || (!e4 && times < 2))
		return bad(s, kp, "%s", "\"step\" must be >= 1 and \"times\" >= 2");
	if (from > to)
		return bad(s, kp, "%s", "\"from\" is above \"to\"");
	for (uint64_t v = from; v <= to;) {
		struct json_object *j = json_object_new_int64((int64_t)v);
		int rc = j ? add_val(s, d, kp, j) : ENOMEM;
		json_object_put(j);
		if (rc)
			return rc;
		uint64_t nv = !e3 ? v + step : v * times;
		if (nv <= v)
			break;
		v = nv;
	}
	return 0;
}

static int parse_set(struct sweep *s, struct sw_set *set, const char *text, const char *kp)
{
	if (!strncmp(text, "--", 2) && text[2]) {
		set->scope = -1;
		snprintf(set->target, sizeof(set->target), "%s", text);
		return 0;
	}
	const char *colon = strchr(text, ':');
	if (!colon || colon[1] != '/')
		return bad(s, kp, "'%s' is neither SCOPE:/json/pointer (a host knob) nor --option (of the benchmark)",
			   text);
	for (size_t i = 0; i < s->nscopes; i++)
		if (strlen(s->scopes[i].name) == (size_t)(colon - text) &&
		    !strncmp(s->scopes[i].name, text, (size_t)(colon - text))) {
			if (strlen(colon + 1) >= sizeof(set->target))
				return bad(s, kp, "pointer '%s' is too long", colon + 1);
			set->scope = (int)i;
			snprintf(set->target, sizeof(set->target), "%s", colon + 1);
			s->scopes[i].used = true;
			return 0;
		}
	return bad(s, kp, "'%s' names a scope not in \"scopes\"", text);
}

static int parse_dim(struct sweep *s, struct sw_dim *d, const char *name, struct json_object *o, const char *kp)
{
	static const char *const keys[] = {"values", "range", "set", "start", NULL};
	char p[256], q[256];
	struct json_object *v;
	d->name = name;
	if (!json_object_is_type(o, json_type_object))
		return bad(s, kp, "%s", "must be an object with \"values\" or \"range\", and \"set\"");
	if (cfg_check_keys(&s->cfg, o, kp, keys))
		return EINVAL;
	bool has_vals = json_object_object_get_ex(o, "values", &v) && v;
	struct json_object *r = NULL;
	bool has_range = json_object_object_get_ex(o, "range", &r) && r;
	if (has_vals == has_range)
		return bad(s, kp, "%s", "needs exactly one of \"values\" (a list) or \"range\"");
	if (has_vals) {
		cfg_path_key(p, sizeof(p), kp, "values");
		if (!json_object_is_type(v, json_type_array) || !json_object_array_length(v))
			return bad(s, p, "%s", "must be a non-empty list");
		for (size_t i = 0; i < json_object_array_length(v); i++) {
			struct json_object *e = json_object_array_get_idx(v, i);
			cfg_path_idx(q, sizeof(q), p, i);
			if (!e || !is_scalar(e))
				return bad(s, q, "%s", "must be a number, a string or true/false");
			if (add_val(s, d, q, e))
				return EINVAL;
		}
	} else {
		cfg_path_key(p, sizeof(p), kp, "range");
		if (!json_object_is_type(r, json_type_object))
			return bad(s, p, "%s", "must be {\"from\": A, \"to\": B, \"step\": S} or with \"times\": F");
		if (parse_range(s, d, r, p))
			return EINVAL;
	}
	cfg_path_key(p, sizeof(p), kp, "set");
	struct json_object *set;
	if (!json_object_object_get_ex(o, "set", &set) || !set)
		return bad(s, kp, "%s", "needs \"set\": where the value goes (SCOPE:/json/pointer or --option)");
	if (json_object_is_type(set, json_type_string)) {
		if (parse_set(s, &d->sets[0], json_object_get_string(set), p))
			return EINVAL;
		d->nsets = 1;
	} else if (json_object_is_type(set, json_type_array) && json_object_array_length(set) &&
		   json_object_array_length(set) <= SW_MAX_SETS) {
		for (size_t i = 0; i < json_object_array_length(set); i++) {
			struct json_object *e = json_object_array_get_idx(set, i);
			cfg_path_idx(q, sizeof(q), p, i);
			if (!json_object_is_type(e, json_type_string))
				return bad(s, q, "%s", "must be a string");
			if (parse_set(s, &d->sets[i], json_object_get_string(e), q))
				return EINVAL;
		}
		d->nsets = json_object_array_length(set);
	} else {
		return bad(s, p, "%s", "must be a string or a list of 1 to 32 strings");
	}
	struct json_object *st;
	if (json_object_object_get_ex(o, "start", &st) && st) {
		char a[128], b[128];
		sw_val_text(st, b, sizeof(b));
		for (d->start = 0; d->start < d->nvals; d->start++)
			if (!strcmp(sw_val_text(d->vals[d->start], a, sizeof(a)), b))
				break;
		if (d->start == d->nvals)
			return bad(s, cfg_path_key(p, sizeof(p), kp, "start"), "%s is not one of the values", b);
	}
	return 0;
}

static int parse_scopes(struct sweep *s, struct json_object *sc)
{
	static const char *const keys[] = {"netns", "profile", NULL};
	char kp[256], p[256];
	if (!sc) {
		s->scopes[0].name = "host";
		s->nscopes = 1;
		return 0;
	}
	if (!json_object_is_type(sc, json_type_object) || !json_object_object_length(sc))
		return bad(s, "scopes", "%s", "must be an object: {\"NAME\": {\"netns\": ..., \"profile\": ...}}");
	json_object_object_foreach(sc, name, o)
	{
		struct sw_scope *scope = &s->scopes[s->nscopes];
		cfg_path_key(kp, sizeof(kp), "scopes", name);
		if (s->nscopes >= SW_MAX_SCOPES)
			return bad(s, kp, "more than %s scopes", "8");
		if (!*name || strchr(name, ':') || strchr(name, '/'))
			return bad(s, kp, "'%s': a scope name has no ':' or '/'", name);
		if (!json_object_is_type(o, json_type_object))
			return bad(s, kp, "%s", "must be an object");
		if (cfg_check_keys(&s->cfg, o, kp, keys))
			return EINVAL;
		scope->name = name;
		const char *ns = NULL, *prof = NULL;
		int rc = cfg_get_str(&s->cfg, o, kp, "netns", &ns);
		if (rc == EINVAL)
			return rc;
		if (ns) {
			if (!*ns || strlen(ns) >= sizeof(scope->netns) || (strchr(ns, '/') && ns[0] != '/'))
				return bad(s, cfg_path_key(p, sizeof(p), kp, "netns"),
					   "'%s': a name under /run/netns or an absolute path", ns);
			snprintf(scope->netns, sizeof(scope->netns), "%s", ns);
		}
		if ((rc = cfg_get_str(&s->cfg, o, kp, "profile", &prof)) == EINVAL)
			return rc;
		if (prof) {
			/* absolute for the point profiles elsewhere, but as named:
			 * resolved, a link someone planted on the way would be
			 * followed unseen by the trust check of the include */
			char dir[PATH_MAX];
			int n = prof[0] == '/' ? snprintf(scope->base, sizeof(scope->base), "%s", prof)
			      : realpath(s->dir, dir) ? snprintf(scope->base, sizeof(scope->base), "%s/%s", dir, prof) : -1;
			if (n < 0 || (size_t)n >= sizeof(scope->base) || access(scope->base, F_OK))
				return bad(s, cfg_path_key(p, sizeof(p), kp, "profile"), "%s: no such file", prof);
		}
		s->nscopes++;
	}
	return 0;
}

static int parse_argv(struct sweep *s, struct json_object *a)
{
	char p[64];
	if (!a || !json_object_is_type(a, json_type_array) || !json_object_array_length(a))
		return bad(s, "benchmark", "%s", "needs the benchmark command as a list: [\"bin/nfsbench\", \"--json\", ...]");
	if (json_object_array_length(a) >= SW_MAX_ARGV - 2 * SW_MAX_DIMS)
		return bad(s, "benchmark", "%s", "is too long");
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		struct json_object *e = json_object_array_get_idx(a, i);
		if (!json_object_is_type(e, json_type_string) || (!i && !*json_object_get_string(e)))
			return bad(s, cfg_path_idx(p, sizeof(p), "benchmark", i), "%s", "must be a string");
		s->argv[s->argc++] = json_object_get_string(e);
	}
	return 0;
}

static int parse_fraction(struct sweep *s, struct json_object *o, const char *kp, const char *key, double *out)
{
	struct json_object *v;
	char p[256];
	if (!json_object_object_get_ex(o, key, &v) || !v)
		return ENOENT;
	cfg_path_key(p, sizeof(p), kp, key);
	if (json_object_is_type(v, json_type_string)) {
		const char *t = json_object_get_string(v);
		char num[64];
		size_t n = strlen(t);
		double d = -1;
		if (n > 1 && n < sizeof(num) && t[n - 1] == '%')
			snprintf(num, sizeof(num), "%.*s", (int)(n - 1), t);
		else
			num[0] = '\0';
		if (parse_dbl(num, &d, NULL, 0) || !(d >= 0))
			return bad(s, p, "'%s': use a percentage such as \"10%%\", or a fraction such as 0.1", t);
		*out = d / 100;
		return 0;
	}
	if (cfg_get_dbl(&s->cfg, o, kp, key, out))
		return EINVAL;
	if (*out < 0)
		return bad(s, p, "%s", "must not be negative");
	return 0;
}

static int parse_cons(struct sweep *s, struct json_object *a)
{
	static const char *const keys[] = {"metric", "max_growth", "max", "min", NULL};
	char kp[64];
	if (!a)
		return 0;
	if (!json_object_is_type(a, json_type_array) || json_object_array_length(a) > SW_MAX_CONS)
		return bad(s, "constraints", "%s", "must be a list of at most 8 {\"metric\": ..., \"max_growth\": \"10%\"}");
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		struct json_object *o = json_object_array_get_idx(a, i);
		struct sw_cons *c = &s->cons[i];
		cfg_path_idx(kp, sizeof(kp), "constraints", i);
		if (!json_object_is_type(o, json_type_object))
			return bad(s, kp, "%s", "must be an object");
		if (cfg_check_keys(&s->cfg, o, kp, keys))
			return EINVAL;
		if (cfg_get_str(&s->cfg, o, kp, "metric", &c->metric))
			return s->cfg.err[0] ? EINVAL : bad(s, kp, "%s", "needs \"metric\"");
		int r1 = parse_fraction(s, o, kp, "max_growth", &c->growth);
		int r2 = cfg_get_dbl(&s->cfg, o, kp, "max", &c->max);
		int r3 = cfg_get_dbl(&s->cfg, o, kp, "min", &c->min);
		if (r1 == EINVAL || r2 == EINVAL || r3 == EINVAL)
			return EINVAL;
		c->has_growth = !r1;
		c->has_max = !r2;
		c->has_min = !r3;
		if (!c->has_growth && !c->has_max && !c->has_min)
			return bad(s, kp, "%s", "needs \"max_growth\", \"max\" or \"min\"");
		s->ncons++;
	}
	return 0;
}

int sw_parse(struct sweep *s, struct cfg *c, const char *path)
{
	static const char *const keys[] = {"description", "scopes", "benchmark", "metric", "goal", "constraints",
					   "space", "strategy", "repeats", "budget", "settle", "timeout", "confirm", NULL};
	struct json_object *root, *v;
	memset(s, 0, sizeof(*s));
	s->cfg = *c;
	memset(c, 0, sizeof(*c));
	root = s->cfg.root;
	s->repeats = 3;
	s->confirm = 3;
	s->conf = 0.95;
	s->settle_ns = 500000000ULL;
	s->timeout_ns = 600000000000ULL;
	const char *slash = strrchr(path, '/');
	if (slash)
		snprintf(s->dir, sizeof(s->dir), "%.*s", (int)(slash - path), path);
	else
		snprintf(s->dir, sizeof(s->dir), ".");
	if (!s->dir[0])
		snprintf(s->dir, sizeof(s->dir), "/");

	if (!json_object_is_type(root, json_type_object))
		return bad(s, "", "%s", "a sweep profile is a JSON object");
	if (cfg_check_keys(&s->cfg, root, "", keys))
		return EINVAL;
	if (parse_scopes(s, json_object_object_get_ex(root, "scopes", &v) ? v : NULL))
		return EINVAL;
	if (parse_argv(s, json_object_object_get_ex(root, "benchmark", &v) ? v : NULL))
		return EINVAL;
	int rc = cfg_get_str(&s->cfg, root, "", "metric", &s->metric);
	if (rc)
		return rc == EINVAL ? rc
				    : bad(s, "", "%s", "needs \"metric\": a path in the benchmark's JSON output, e.g. ops.read.bytes_per_sec");
	const char *goal = NULL;
	if ((rc = cfg_get_str(&s->cfg, root, "", "goal", &goal)) == EINVAL)
		return rc;
	if (goal && strcmp(goal, "max") && strcmp(goal, "min"))
		return bad(s, "goal", "'%s': use \"max\" (throughput) or \"min\" (latency)", goal);
	/* latency-like metrics default to min, everything else to max */
	s->minimize = goal ? !strcmp(goal, "min") : (strstr(s->metric, "lat") || strstr(s->metric, "_ns"));
	if (parse_cons(s, json_object_object_get_ex(root, "constraints", &v) ? v : NULL))
		return EINVAL;

	if (!json_object_object_get_ex(root, "space", &v) || !json_object_is_type(v, json_type_object) ||
	    !json_object_object_length(v))
		return bad(s, "space", "%s", "needs \"space\": {\"NAME\": {\"values\": [...], \"set\": ...}, ...}");
	json_object_object_foreach(v, name, dim)
	{
		char kp[256];
		cfg_path_key(kp, sizeof(kp), "space", name);
		if (s->ndims >= SW_MAX_DIMS)
			return bad(s, kp, "more than %s dimensions", "16");
		if (parse_dim(s, &s->dims[s->ndims++], name, dim, kp))
			return EINVAL;
	}

	const char *st = NULL;
	if ((rc = cfg_get_str(&s->cfg, root, "", "strategy", &st)) == EINVAL)
		return rc;
	if (st && !strcmp(st, "grid"))
		s->strategy = SW_GRID;
	else if (st && !strcmp(st, "descent"))
		s->strategy = SW_DESCENT;
	else if (st && strcmp(st, "auto"))
		return bad(s, "strategy", "'%s': use \"grid\", \"descent\" (coordinate descent) or \"auto\"", st);
	uint64_t u;
	if ((rc = cfg_get_u64(&s->cfg, root, "", "repeats", &u)) == EINVAL)
		return rc;
	if (!rc) {
		if (u < 3 || u > 40)
			return bad(s, "repeats", "%s", "must be 3..40 (fewer cannot show a difference at 95%)");
		s->repeats = (unsigned)u;
	}
	if ((rc = cfg_get_u64(&s->cfg, root, "", "confirm", &u)) == EINVAL)
		return rc;
	if (!rc) {
		if (u > 8)
			return bad(s, "confirm", "%s", "must be 0 (no confirmation) to 8 points");
		s->confirm = (unsigned)u;
	}
	if (json_object_object_get_ex(root, "budget", &v) && v) {
		static const char *const bk[] = {"runs", "time", NULL};
		if (!json_object_is_type(v, json_type_object))
			return bad(s, "budget", "%s", "must be {\"runs\": N, \"time\": \"20m\"}");
		if (cfg_check_keys(&s->cfg, v, "budget", bk))
			return EINVAL;
		if (cfg_get_u64(&s->cfg, v, "budget", "runs", &s->budget_runs) == EINVAL ||
		    cfg_get_duration(&s->cfg, v, "budget", "time", &s->budget_ns) == EINVAL)
			return EINVAL;
		if (s->budget_runs && s->budget_runs < (2 + (uint64_t)s->confirm + (s->confirm > 0)) * s->repeats)
			return bad(s, "budget.runs", "%s",
				   "leaves no run for any point after the baseline's and the confirmation's");
	}
	if (cfg_get_duration(&s->cfg, root, "", "settle", &s->settle_ns) == EINVAL ||
	    cfg_get_duration(&s->cfg, root, "", "timeout", &s->timeout_ns) == EINVAL)
		return EINVAL;
	if (s->settle_ns > 600000000000ULL)
		return bad(s, "settle", "%s", "at most 10 minutes");
	if (s->timeout_ns == 0)
		return bad(s, "timeout", "%s", "must be above 0");
	if (s->strategy == SW_GRID && sw_grid_size(s) > SW_MAX_GRID)
		return bad(s, "space", "%s", "has more than 100000 points: use \"strategy\": \"descent\"");
	return 0;
}

void sw_free(struct sweep *s)
{
	for (size_t d = 0; d < s->ndims; d++)
		for (size_t i = 0; i < s->dims[d].nvals; i++)
			json_object_put(s->dims[d].vals[i]);
	cfg_free(&s->cfg);
	memset(s, 0, sizeof(*s));
}

size_t sw_grid_size(const struct sweep *s)
{
	size_t n = 1;
	for (size_t d = 0; d < s->ndims; d++) {
		n *= s->dims[d].nvals;
		if (n > SW_MAX_GRID)
			return SW_MAX_GRID + 1;
	}
	return n;
}

/* Resolve p (dots separate keys, but a key may contain dots itself: try
 * every split, shortest key first). */
static struct json_object *metric_find(struct json_object *cur, char *p)
{
	if (!*p)
		return cur;
	if (!json_object_is_type(cur, json_type_object))
		return NULL;
	for (char *dot = p;; dot++) {
		struct json_object *next, *found = NULL;
		dot = strchr(dot, '.');
		if (dot)
			*dot = '\0';
		if (json_object_object_get_ex(cur, p, &next))
			found = metric_find(next, dot ? dot + 1 : p + strlen(p));
		if (dot)
			*dot = '.';
		if (found || !dot)
			return found;
	}
}

int sw_metric_get(struct json_object *doc, const char *path, double *v)
{
	char buf[512];
	if (!path || !*path || strlen(path) >= sizeof(buf))
		return EINVAL;
	snprintf(buf, sizeof(buf), "%s", path);
	struct json_object *o = metric_find(doc, buf);
	if (!o)
		return ENOENT;
	enum json_type t = json_object_get_type(o);
	if (t != json_type_int && t != json_type_double)
		return EINVAL;
	*v = json_object_get_double(o);
	return 0;
}

/* One token of a JSON pointer (RFC 6901): ~1 is '/', ~0 is '~'. */
static int ptr_token(const char **p, char *tok, size_t len)
{
	size_t n = 0;
	if (**p != '/')
		return EINVAL;
	for ((*p)++; **p && **p != '/'; (*p)++) {
		char c = **p;
		if (c == '~') {
			(*p)++;
			if (**p == '0')
				c = '~';
			else if (**p == '1')
				c = '/';
			else
				return EINVAL;
		}
		if (n + 1 >= len)
			return EINVAL;
		tok[n++] = c;
	}
	tok[n] = '\0';
	return n ? 0 : EINVAL;
}

int sw_ptr_set(struct json_object *doc, const char *ptr, struct json_object *v)
{
	char tok[256];
	struct json_object *cur = doc;
	const char *p = ptr;
	if (!*p)
		return EINVAL;
	while (*p) {
		if (ptr_token(&p, tok, sizeof(tok)) || !json_object_is_type(cur, json_type_object))
			return EINVAL;
		if (!*p)
			return json_object_object_add(cur, tok, json_object_get(v)) ? ENOMEM : 0;
		struct json_object *next;
		if (!json_object_object_get_ex(cur, tok, &next)) {
			next = json_object_new_object();
			if (!next || json_object_object_add(cur, tok, next))
				return ENOMEM;
		}
		cur = next;
	}
	return EINVAL;
}

struct json_object *sw_scope_profile(const struct sweep *s, size_t sc, const unsigned *idx)
{
	struct json_object *doc = json_object_new_object();
	if (!doc)
		return NULL;
	if (s->scopes[sc].base[0])
		json_object_object_add(doc, "include", json_object_new_string(s->scopes[sc].base));
	json_object_object_add(doc, "description", json_object_new_string("generated by nfstune sweep"));
	for (size_t d = 0; d < s->ndims; d++)
		for (size_t i = 0; i < s->dims[d].nsets; i++)
			if (s->dims[d].sets[i].scope == (int)sc &&
			    sw_ptr_set(doc, s->dims[d].sets[i].target, s->dims[d].vals[idx[d]])) {
				json_object_put(doc);
				return NULL;
			}
	return doc;
}

bool sw_cons_ok(const struct sw_cons *c, double val, double base, char *why, size_t len)
{
	why[0] = '\0';
	if (c->has_growth && val > base * (1 + c->growth)) {
		snprintf(why, len, "%s %+.1f%% over the baseline (at most %+.1f%%)", c->metric,
			 base != 0 ? (val / base - 1) * 100 : INFINITY, c->growth * 100);
		return false;
	}
	if (c->has_max && val > c->max) {
		snprintf(why, len, "%s %.6g above %.6g", c->metric, val, c->max);
		return false;
	}
	if (c->has_min && val < c->min) {
		snprintf(why, len, "%s %.6g below %.6g", c->metric, val, c->min);
		return false;
	}
	return true;
}
