/* sysctl.c - sysctl knobs. Names come from a profile, so they are checked
 * before they become paths: only the trees a network and NFS tuning tool
 * has business in (net., vm., sunrpc., fs.nfs.), no "..", and the resolved
 * file must lie inside /proc/sys. Known sysctls get their kernel ranges
 * checked before anything is written (Documentation/admin-guide/sysctl/
 * net.rst and vm.rst, Documentation/networking/ip-sysctl.rst). */
#include "tune_sysctl.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

/* ------------------------------------------------------------------ */
/* The plain-file knob                                                  */

int knob_file_read(struct tune *t, struct knob *k)
{
	(void)t;
	int rc = tune_read_file(k->arg, k->cur, sizeof(k->cur));
	if (rc == ENOENT)
		return knob_fail(k, ENOENT, "%s does not exist here", k->arg);
	if (rc)
		return knob_fail(k, rc, "reading %s: %s", k->arg, strerror(rc));
	tune_squash_blanks(k->cur);
	return 0;
}

int knob_file_apply(struct tune *t, struct knob *k, const char *v)
{
	(void)t;
	int rc = tune_write_file(k->arg, v);
	if (rc)
		return knob_fail(k, rc, "kernel refused '%s' in %s: %s", v, k->arg, strerror(rc));
	return 0;
}

bool knob_file_same(const struct knob *k, const char *cur, const char *want)
{
	char a[TUNE_VAL], b[TUNE_VAL];
	(void)k;
	snprintf(a, sizeof(a), "%s", cur);
	snprintf(b, sizeof(b), "%s", want);
	tune_squash_blanks(a);
	tune_squash_blanks(b);
	return !strcmp(a, b);
}

/* ------------------------------------------------------------------ */
/* What is known about sysctls                                          */

enum sc_kind { SC_INT, SC_BYTES, SC_TRIPLE, SC_QDISC, SC_CC };

struct sc_rule {
	const char *name;
	enum sc_kind kind;
	int64_t min, max;
};

#define IMAX INT_MAX
/* Minimums: SOCK_MIN_RCVBUF / SOCK_MIN_SNDBUF (include/net/sock.h). */
static const struct sc_rule rules[] = {
	{"net.core.rmem_max", SC_BYTES, 2304, IMAX},
	{"net.core.wmem_max", SC_BYTES, 4608, IMAX},
	{"net.core.rmem_default", SC_BYTES, 2304, IMAX},
	{"net.core.wmem_default", SC_BYTES, 4608, IMAX},
	{"net.core.optmem_max", SC_BYTES, 0, IMAX},
	{"net.core.netdev_max_backlog", SC_INT, 1, IMAX},
	{"net.core.netdev_budget", SC_INT, 1, IMAX},
	{"net.core.netdev_budget_usecs", SC_INT, 0, IMAX},
	{"net.core.busy_poll", SC_INT, 0, IMAX},
	{"net.core.busy_read", SC_INT, 0, IMAX},
	{"net.core.somaxconn", SC_INT, 0, IMAX},
	{"net.core.rps_sock_flow_entries", SC_INT, 0, IMAX},
	{"net.core.default_qdisc", SC_QDISC, 0, 0},
	{"net.ipv4.tcp_rmem", SC_TRIPLE, 1, IMAX},
	{"net.ipv4.tcp_wmem", SC_TRIPLE, 1, IMAX},
	{"net.ipv4.tcp_mem", SC_TRIPLE, 1, LONG_MAX},
	{"net.ipv4.tcp_congestion_control", SC_CC, 0, 0},
	{"net.ipv4.tcp_window_scaling", SC_INT, 0, 1},
	{"net.ipv4.tcp_timestamps", SC_INT, 0, 2},
	{"net.ipv4.tcp_sack", SC_INT, 0, 1},
	{"net.ipv4.tcp_no_metrics_save", SC_INT, 0, 1},
	{"net.ipv4.tcp_slow_start_after_idle", SC_INT, 0, 1},
	{"net.ipv4.tcp_moderate_rcvbuf", SC_INT, 0, 1},
	{"net.ipv4.tcp_autocorking", SC_INT, 0, 1},
	{"net.ipv4.tcp_mtu_probing", SC_INT, 0, 2},
	{"net.ipv4.tcp_notsent_lowat", SC_BYTES, 0, UINT32_MAX},
	{"vm.dirty_ratio", SC_INT, 0, 100},
	{"vm.dirty_background_ratio", SC_INT, 0, 100},
	{"vm.dirty_bytes", SC_BYTES, 0, INT64_MAX},
	{"vm.dirty_background_bytes", SC_BYTES, 0, INT64_MAX},
	{"vm.dirty_expire_centisecs", SC_INT, 0, IMAX},
	{"vm.dirty_writeback_centisecs", SC_INT, 0, IMAX},
	{"vm.min_free_kbytes", SC_INT, 0, IMAX},
	{"vm.swappiness", SC_INT, 0, 200},
};

static const struct sc_rule *rule_of(const char *name)
{
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		if (!strcmp(rules[i].name, name))
			return &rules[i];
	return NULL;
}

static const char *const prefixes[] = {"net.", "vm.", "sunrpc.", "fs.nfs.", NULL};

int tune_sysctl_path(const struct tune *t, const char *name, char *path, size_t len, char *err, size_t errlen)
{
	char rel[256];
	size_t n = strlen(name);
	bool ok = false;

	for (const char *const *p = prefixes; *p; p++)
		if (!strncmp(name, *p, strlen(*p)))
			ok = true;
	if (!ok) {
		snprintf(err, errlen, "nfstune tunes sysctls under net., vm., sunrpc. and fs.nfs. only");
		return EINVAL;
	}
	if (n >= sizeof(rel) || strstr(name, "..") || name[n - 1] == '.') {
		snprintf(err, errlen, "not a sysctl name");
		return EINVAL;
	}
	/* as sysctl(8): dots separate levels, a slash stands for a dot inside
	 * one level (an interface name like eth0.100) */
	for (size_t i = 0; i <= n; i++) {
		char c = name[i];
		if (c == '.')
			rel[i] = '/';
		else if (c == '/')
			rel[i] = '.';
		else if (c && !isalnum((unsigned char)c) && c != '_' && c != '-') {
			snprintf(err, errlen, "character '%c' is not allowed in a sysctl name", isprint((unsigned char)c) ? c : '?');
			return EINVAL;
		} else
			rel[i] = c;
	}
	if (tune_path(t, path, len, "/proc/sys/%s", rel)) {
		snprintf(err, errlen, "name too long");
		return EINVAL;
	}
	if (access(path, F_OK)) {
		snprintf(err, errlen, "no such sysctl here (%s)%s", path,
			 !strncmp(name, "net.", 4) ? "; some net. sysctls exist only in the initial network namespace" : "");
		return ENOENT;
	}
	static const char *const inside[] = {"/proc/sys/", NULL};
	if (!tune_path_inside(t, path, inside)) {
		snprintf(err, errlen, "%s leads outside /proc/sys", path);
		return EINVAL;
	}
	return 0;
}

static int num(struct json_object *v, bool bytes, int64_t *out, char *err, size_t errlen)
{
	if (json_object_is_type(v, json_type_int))
		return cfg_json_int64(v, out, err, errlen) ? EINVAL : 0;
	if (json_object_is_type(v, json_type_string)) {
		const char *s = json_object_get_string(v);
		uint64_t u;
		char e[160];
		if (!tune_parse_u64(s, 0, INT64_MAX, &u)) {
			*out = (int64_t)u;
			return 0;
		}
		if (bytes && !parse_size(s, &u, e, sizeof(e)) && u <= INT64_MAX) {
			*out = (int64_t)u;
			return 0;
		}
		snprintf(err, errlen, "'%s' is not a %s", s, bytes ? "size (e.g. 16777216 or 16m)" : "whole number");
		return EINVAL;
	}
	snprintf(err, errlen, "expected a number");
	return EINVAL;
}

static bool token_ok(const char *s)
{
	if (!*s || strlen(s) > 255)
		return false;
	for (; *s; s++)
		if (!isprint((unsigned char)*s))
			return false;
	return true;
}

int tune_sysctl_value(const char *name, struct json_object *v, char *out, size_t len, char *err, size_t errlen)
{
	const struct sc_rule *r = rule_of(name);
	int64_t x[3];

	if (!r) {
		/* unknown to us but present in the kernel: a number, a list of
		 * numbers or a one-line string, written as given */
		if (json_object_is_type(v, json_type_int)) {
			if (cfg_json_int64(v, &x[0], err, errlen))
				return EINVAL;
			if (x[0] >= 0) {
				snprintf(out, len, "%lld", (long long)x[0]);
				return 0;
			}
		}
		if (json_object_is_type(v, json_type_string) && token_ok(json_object_get_string(v))) {
			snprintf(out, len, "%s", json_object_get_string(v));
			tune_squash_blanks(out);
			return 0;
		}
		if (json_object_is_type(v, json_type_array)) {
			size_t used = 0, n = json_object_array_length(v);
			out[0] = '\0';
			for (size_t i = 0; i < n; i++) {
				struct json_object *e = json_object_array_get_idx(v, i);
				if (!json_object_is_type(e, json_type_int)) {
					snprintf(err, errlen, "expected numbers in the list");
					return EINVAL;
				}
				if (cfg_json_int64(e, &x[0], err, errlen))
					return EINVAL;
				used += (size_t)snprintf(out + used, len > used ? len - used : 0, "%s%lld", i ? " " : "",
							 (long long)x[0]);
			}
			return 0;
		}
		snprintf(err, errlen, "expected a number, a list of numbers or a one-line string");
		return EINVAL;
	}
	switch (r->kind) {
	case SC_INT:
	case SC_BYTES:
		if (num(v, r->kind == SC_BYTES, &x[0], err, errlen))
			return EINVAL;
		if (x[0] < r->min || x[0] > r->max) {
			snprintf(err, errlen, "%lld is outside %lld..%lld", (long long)x[0], (long long)r->min, (long long)r->max);
			return EINVAL;
		}
		snprintf(out, len, "%lld", (long long)x[0]);
		return 0;
	case SC_TRIPLE: {
		/* [min, default, max] or "min default max" */
		if (json_object_is_type(v, json_type_array)) {
			if (json_object_array_length(v) != 3) {
				snprintf(err, errlen, "expected three values: min, default, max");
				return EINVAL;
			}
			for (int i = 0; i < 3; i++)
				if (num(json_object_array_get_idx(v, (size_t)i), true, &x[i], err, errlen))
					return EINVAL;
		} else if (json_object_is_type(v, json_type_string)) {
			char buf[128], *save = NULL;
			int i = 0;
			snprintf(buf, sizeof(buf), "%s", json_object_get_string(v));
			for (char *tk = strtok_r(buf, " \t", &save); tk; tk = strtok_r(NULL, " \t", &save), i++) {
				uint64_t u;
				char e[160];
				if (i >= 3 || (tune_parse_u64(tk, 0, INT64_MAX, &u) &&
					       (parse_size(tk, &u, e, sizeof(e)) || u > INT64_MAX))) {
					snprintf(err, errlen, "expected three sizes: min, default, max");
					return EINVAL;
				}
				x[i] = (int64_t)u;
			}
			if (i != 3) {
				snprintf(err, errlen, "expected three values: min, default, max");
				return EINVAL;
			}
		} else {
			snprintf(err, errlen, "expected [min, default, max]");
			return EINVAL;
		}
		for (int i = 0; i < 3; i++)
			if (x[i] < r->min || x[i] > r->max) {
				snprintf(err, errlen, "%lld is outside %lld..%lld", (long long)x[i], (long long)r->min,
					 (long long)r->max);
				return EINVAL;
			}
		if (x[0] > x[1] || x[1] > x[2]) {
			snprintf(err, errlen, "min %lld, default %lld, max %lld are not in order", (long long)x[0],
				 (long long)x[1], (long long)x[2]);
			return EINVAL;
		}
		snprintf(out, len, "%lld %lld %lld", (long long)x[0], (long long)x[1], (long long)x[2]);
		return 0;
	}
	case SC_QDISC: {
		static const char *const ok[] = {"fq", "fq_codel", "pfifo_fast", "sfq", "cake", "pfifo", "bfifo", NULL};
		const char *s = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "";
		for (const char *const *p = ok; *p; p++)
			if (!strcmp(*p, s)) {
				snprintf(out, len, "%s", s);
				return 0;
			}
		snprintf(err, errlen, "'%s' is not a qdisc the kernel can make default (fq, fq_codel, pfifo_fast, ...)", s);
		return EINVAL;
	}
	case SC_CC: {
		const char *s = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "";
		bool ok = *s && strlen(s) < 16;
		for (const char *p = s; *p; p++)
			if (!isalnum((unsigned char)*p) && *p != '_')
				ok = false;
		if (!ok) {
			snprintf(err, errlen, "'%s' is not a congestion control name", s);
			return EINVAL;
		}
		snprintf(out, len, "%s", s);
		return 0;
	}
	}
	return EINVAL;
}

/* A sysctl we would change must be writable: the kernel makes some of
 * them read-only outside the first network namespace (net.core.rmem_max). */
int knob_file_writable(struct knob *k)
{
	if (knob_file_same(k, k->cur, k->want) || !access(k->arg, W_OK))
		return 0;
	int e = errno;
	return knob_fail(k, e == EACCES || e == EROFS ? EROFS : e, "%s is read-only here%s", k->arg,
			 e == EACCES && strstr(k->arg, "/proc/sys/net/") ?
				 " (the kernel keeps it read-only outside the initial network namespace)" : "");
}

static int sc_check(struct tune *t, struct knob *k)
{
	int rc = knob_file_writable(k);
	if (rc)
		return rc;
	if (!strcmp(k->name, "net.ipv4.tcp_congestion_control") && strcmp(k->cur, k->want)) {
		char p[PATH_MAX], avail[512], e[128];
		if (!tune_sysctl_path(t, "net.ipv4.tcp_available_congestion_control", p, sizeof(p), e, sizeof(e)) &&
		    !tune_read_file(p, avail, sizeof(avail))) {
			char buf[520], *save = NULL;
			bool found = false;
			snprintf(buf, sizeof(buf), "%s", avail);
			for (char *tk = strtok_r(buf, " \t", &save); tk; tk = strtok_r(NULL, " \t", &save))
				if (!strcmp(tk, k->want))
					found = true;
			if (!found)
				tune_warn(t, "%s: %s is not loaded yet (available: %s); the kernel loads tcp_%s when it is set",
					  k->path[0] ? k->path : k->name, k->want, avail, k->want);
		}
	}
	return 0;
}

bool tune_sysctl_per_netns(const char *name)
{
	return !strncmp(name, "net.", 4);
}

int tune_sysctl_netns_check(const struct tune *t, const char *name, char *err, size_t errlen)
{
	if (!t->other_netns || t->host_global || tune_sysctl_per_netns(name))
		return 0;
	snprintf(err, errlen, "%s is host-wide, not per network namespace: in %s it would change the whole host "
		 "(--host-global to allow)", name, t->netns_name[0] ? t->netns_name : "this network namespace");
	return EPERM;
}

const struct knob_type knob_sysctl = {
	.name = "sysctl", .cls = KNOB_LIVE, .rank = RANK_SYSCTL,
	.read = knob_file_read, .check = sc_check, .apply = knob_file_apply, .same = knob_file_same,
};

int tune_sysctl_show(struct tune *t, struct knobs *ks)
{
	char p[PATH_MAX], e[256];
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		/* absent ones (global sysctls seen from a namespace) are not values */
		if (tune_sysctl_path(t, rules[i].name, p, sizeof(p), e, sizeof(e)))
			continue;
		struct knob *k = knobs_add(ks, &knob_sysctl, "sysctl", rules[i].name);
		if (!k)
			return ENOMEM;
		snprintf(k->arg, sizeof(k->arg), "%s", p);
	}
	return 0;
}
