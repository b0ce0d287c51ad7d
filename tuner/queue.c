/* queue.c - RPS and XPS masks per queue. Values are CPU lists ("0-3",
 * "none"); the files hold the kernel's hex masks. A knob for "all queues"
 * reads as one list when every queue agrees, and keeps each queue's own
 * mask as its restore token, so a revert puts back queues that differed. */
#include "tune_queue.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *fname(const struct knob *k)
{
	return k->type == &knob_rps ? "rps_cpus" : "xps_cpus";
}

static const char *prefix(const struct knob *k)
{
	return k->type == &knob_rps ? "rx-" : "tx-";
}

int tune_queue_count(const struct tune *t, const char *ifname, bool rx, unsigned *n)
{
	char p[PATH_MAX];
	*n = 0;
	if (!tune_ifname_ok(ifname) || tune_path(t, p, sizeof(p), "/sys/class/net/%s/queues", ifname))
		return EINVAL;
	DIR *d = opendir(p);
	if (!d)
		return errno;
	struct dirent *e;
	while ((e = readdir(d)))
		if (!strncmp(e->d_name, rx ? "rx-" : "tx-", 3))
			(*n)++;
	closedir(d);
	return 0;
}

static int qpath(const struct tune *t, const struct knob *k, const char *queue, char *p, size_t len)
{
	if (!tune_ifname_ok(k->obj))
		return EINVAL;
	return tune_path(t, p, len, "/sys/class/net/%s/queues/%s/%s", k->obj, queue, fname(k));
}

/* One queue's mask as a CPU list ("none" when empty). */
static int read_one(const struct tune *t, const struct knob *k, const char *queue, char *out, size_t len,
		    unsigned *bits, char *err, size_t errlen)
{
	char p[PATH_MAX], raw[TUNE_VAL];
	struct cpulist set;
	int rc = qpath(t, k, queue, p, sizeof(p));
	if (!rc)
		rc = tune_read_file(p, raw, sizeof(raw));
	if (rc == ENOENT && !access(p, F_OK)) {
		/* the file is there but the kernel answers ENOENT on read */
		snprintf(err, errlen, "%s: the kernel has %s only for multiqueue devices", k->obj, fname(k));
		return ENOTSUP;
	}
	if (rc == ENOENT) {
		snprintf(err, errlen, "%s has no queue %s (or no %s: kernel without RPS/XPS)", k->obj, queue, fname(k));
		return ENOENT;
	}
	if (rc) {
		snprintf(err, errlen, "%s: %s", p, strerror(rc));
		return rc;
	}
	if (tune_mask_parse(raw, &set)) {
		snprintf(err, errlen, "%s: unreadable mask '%s'", p, raw);
		return EINVAL;
	}
	if (bits) {
		/* the file's width: 8 hex digits per 32 CPUs */
		unsigned digits = 0;
		for (const char *s = raw; *s; s++)
			digits += *s != ',';
		*bits = digits * 4;
	}
	if (!cpulist_count(&set))
		snprintf(out, len, "none");
	else
		cpulist_format(&set, out, len);
	return 0;
}

static int write_one(const struct tune *t, struct knob *k, const char *queue, const char *list)
{
	char p[PATH_MAX], mask[TUNE_VAL], cur[TUNE_VAL], err[TUNE_ERRLEN];
	struct cpulist set;
	unsigned bits = 32;

	memset(&set, 0, sizeof(set));
	if (strcmp(list, "none") && parse_cpulist(list, &set, err, sizeof(err)))
		return knob_fail(k, EINVAL, "%s", err);
	int rc = read_one(t, k, queue, cur, sizeof(cur), &bits, err, sizeof(err));
	if (rc)
		return knob_fail(k, rc, "%s", err);
	tune_mask_format(&set, bits, mask, sizeof(mask));
	rc = qpath(t, k, queue, p, sizeof(p));
	if (!rc)
		rc = tune_write_file(p, mask);
	if (rc)
		return knob_fail(k, rc, "kernel refused %s %s for %s: %s", fname(k), mask, queue, strerror(rc));
	return 0;
}

/* Names of the queues of one direction, sorted by number. */
static int queues(const struct tune *t, const struct knob *k, unsigned *n)
{
	return tune_queue_count(t, k->obj, k->type == &knob_rps, n);
}

static int q_read(struct tune *t, struct knob *k)
{
	char q[32], v[TUNE_VAL];
	if (k->arg[0])
		return read_one(t, k, k->arg, k->cur, sizeof(k->cur), NULL, k->err, sizeof(k->err));
	unsigned n;
	int rc = queues(t, k, &n);
	if (rc)
		return knob_fail(k, rc, "%s has no queues directory", k->obj);
	if (!n)
		return knob_fail(k, ENOENT, "%s has no %squeues", k->obj, prefix(k));
	size_t used = 0;
	bool same = true;
	k->restore[0] = '\0';
	for (unsigned i = 0; i < n; i++) {
		snprintf(q, sizeof(q), "%s%u", prefix(k), i);
		rc = read_one(t, k, q, v, sizeof(v), NULL, k->err, sizeof(k->err));
		if (rc)
			return rc;
		if (i == 0)
			snprintf(k->cur, sizeof(k->cur), "%s", v);
		else if (strcmp(k->cur, v))
			same = false;
		int w = snprintf(k->restore + used, sizeof(k->restore) - used, "%s%s=%s", i ? ";" : "", q, v);
		if (w < 0 || (size_t)w >= sizeof(k->restore) - used)
			return knob_fail(k, E2BIG, "too many queues to record");
		used += (size_t)w;
	}
	if (!same)
		snprintf(k->cur, sizeof(k->cur), "mixed");
	snprintf(k->detail, sizeof(k->detail), "%u %squeues", n, prefix(k));
	return 0;
}

static bool q_same(const struct knob *k, const char *cur, const char *want)
{
	struct cpulist a, b;
	(void)k;
	if (!strcmp(cur, want))
		return true;
	if (!strcmp(cur, "none") || !strcmp(want, "none") || parse_cpulist(cur, &a, NULL, 0) ||
	    parse_cpulist(want, &b, NULL, 0))
		return false;
	return !memcmp(&a, &b, sizeof(a));
}

static int q_check(struct tune *t, struct knob *k)
{
	struct cpulist want;
	if (!strcmp(k->want, "none"))
		return 0;
	return tune_want_cpus(t, k, &want);
}

static int q_apply(struct tune *t, struct knob *k, const char *v)
{
	char q[32];
	if (k->arg[0])
		return write_one(t, k, k->arg, v);
	if (strchr(v, '=')) {
		/* restore token: each queue's own list */
		char buf[TUNE_VAL], *save = NULL;
		int first = 0;
		snprintf(buf, sizeof(buf), "%s", v);
		for (char *it = strtok_r(buf, ";", &save); it; it = strtok_r(NULL, ";", &save)) {
			char *eq = strchr(it, '=');
			if (!eq || strncmp(it, prefix(k), 3))
				continue;
			*eq = '\0';
			/* a queue a channels change took away comes back with the
			 * channels restore; the final recheck catches its mask */
			char p[PATH_MAX];
			if (!qpath(t, k, it, p, sizeof(p)) && access(p, F_OK))
				continue;
			int rc = write_one(t, k, it, eq + 1);
			if (rc && !first)
				first = rc;
		}
		return first;
	}
	unsigned n;
	int rc = queues(t, k, &n);
	if (rc)
		return knob_fail(k, rc, "%s has no queues directory", k->obj);
	for (unsigned i = 0; i < n; i++) {
		snprintf(q, sizeof(q), "%s%u", prefix(k), i);
		rc = write_one(t, k, q, v);
		if (rc)
			return rc;
	}
	return 0;
}

const struct knob_type knob_rps = {
	.name = "rps_cpus", .cls = KNOB_LIVE, .rank = RANK_RPS,
	.read = q_read, .check = q_check, .apply = q_apply, .same = q_same,
};
const struct knob_type knob_xps = {
	.name = "xps_cpus", .cls = KNOB_LIVE, .rank = RANK_XPS,
	.read = q_read, .check = q_check, .apply = q_apply, .same = q_same,
};

int tune_queue_show(struct tune *t, const char *ifname, struct knobs *ks)
{
	char name[64];
	for (int dir = 0; dir < 2; dir++) {
		unsigned n;
		if (tune_queue_count(t, ifname, dir == 0, &n))
			continue;
		for (unsigned i = 0; i < n; i++) {
			const struct knob_type *ty = dir == 0 ? &knob_rps : &knob_xps;
			snprintf(name, sizeof(name), "%s.%s%u", dir == 0 ? "rps_cpus" : "xps_cpus", dir == 0 ? "rx-" : "tx-", i);
			struct knob *k = knobs_add(ks, ty, ifname, name);
			if (!k)
				return ENOMEM;
			snprintf(k->arg, sizeof(k->arg), "%s%u", dir == 0 ? "rx-" : "tx-", i);
		}
	}
	return 0;
}
