/* qdisc.c - the root qdisc knob. nfstune only replaces a root qdisc it can
 * put back: the kernel's default (restored by deleting ours), or one of the
 * kinds it knows how to describe (fq, fq_codel, pfifo_fast, tbf). A root
 * someone built with classes (htb, ...) is refused rather than lost. */
#include "tune_qdisc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/pkt_sched.h>
#include <netlink/cache.h>
#include <netlink/route/qdisc.h>
#include <netlink/route/qdisc/prio.h>
#include <netlink/route/qdisc/tbf.h>
#include <netlink/route/tc.h>

#include "tune_link.h"
#include "tune_nl.h"

static const char *const settable[] = {"fq", "fq_codel", "pfifo_fast", "tbf", "default", NULL};

static bool kind_settable(const char *k)
{
	for (const char *const *s = settable; *s; s++)
		if (!strcmp(*s, k))
			return true;
	return false;
}

int tune_qdisc_parse(const char *s, struct qdisc_val *q)
{
	char buf[TUNE_VAL], *save = NULL;

	memset(q, 0, sizeof(*q));
	snprintf(buf, sizeof(buf), "%s", s);
	char *kind = strtok_r(buf, " ", &save);
	if (!kind || strlen(kind) >= sizeof(q->kind))
		return EINVAL;
	snprintf(q->kind, sizeof(q->kind), "%s", kind);
	for (char *it = strtok_r(NULL, " ", &save); it; it = strtok_r(NULL, " ", &save)) {
		uint64_t *dst = NULL;
		if (!strcmp(it, "(default)")) {
			q->deflt = true;
			continue;
		}
		if (!strncmp(it, "rate=", 5))
			dst = &q->rate;
		else if (!strncmp(it, "burst=", 6))
			dst = &q->burst;
		else if (!strncmp(it, "limit=", 6))
			dst = &q->limit;
		if (!dst || tune_parse_u64(strchr(it, '=') + 1, 0, UINT64_MAX, dst))
			return EINVAL;
	}
	if (!strcmp(q->kind, "tbf") && (!q->rate || !q->burst || !q->limit))
		return EINVAL;
	return 0;
}

void tune_qdisc_format(const struct qdisc_val *q, char *buf, size_t len)
{
	if (!strcmp(q->kind, "tbf"))
		snprintf(buf, len, "tbf rate=%llu burst=%llu limit=%llu%s", (unsigned long long)q->rate,
			 (unsigned long long)q->burst, (unsigned long long)q->limit, q->deflt ? " (default)" : "");
	else
		snprintf(buf, len, "%s%s", q->kind, q->deflt ? " (default)" : "");
}

/* Read ifname's root qdisc. */
static int root_get(struct tune *t, const char *ifname, struct qdisc_val *q, char *err, size_t len)
{
	struct link_info li;
	struct nl_sock *sk;
	struct nl_cache *cache = NULL;

	memset(q, 0, sizeof(*q));
	int rc = tune_link_get(t, ifname, &li, err, len);
	if (!rc)
		rc = tune_nl_route(t, &sk, err, len);
	if (rc)
		return rc;
	int e = rtnl_qdisc_alloc_cache(sk, &cache);
	if (e < 0) {
		snprintf(err, len, "reading qdiscs: %s", nl_geterror(e));
		return EIO;
	}
	struct rtnl_qdisc *qd = rtnl_qdisc_get_by_parent(cache, li.ifindex, TC_H_ROOT);
	if (!qd) {
		/* no root at all: the device never went up; the kernel's default */
		snprintf(q->kind, sizeof(q->kind), "noop");
		q->deflt = true;
	} else {
		const char *kind = rtnl_tc_get_kind(TC_CAST(qd));
		snprintf(q->kind, sizeof(q->kind), "%s", kind ? kind : "?");
		q->deflt = rtnl_tc_get_handle(TC_CAST(qd)) == 0;
		if (!strcmp(q->kind, "tbf")) {
			q->rate = (uint64_t)rtnl_qdisc_tbf_get_rate(qd);
			int b = rtnl_qdisc_tbf_get_rate_bucket(qd), l = rtnl_qdisc_tbf_get_limit(qd);
			q->burst = b > 0 ? (uint64_t)b : 0;
			q->limit = l > 0 ? (uint64_t)l : 0;
		}
		rtnl_qdisc_put(qd);
	}
	nl_cache_free(cache);
	return 0;
}

static int qd_read(struct tune *t, struct knob *k)
{
	struct qdisc_val q;
	int rc = root_get(t, k->obj, &q, k->err, sizeof(k->err));
	if (rc)
		return rc;
	tune_qdisc_format(&q, k->cur, sizeof(k->cur));
	/* a root we cannot describe fully cannot be put back */
	if (!q.deflt && !kind_settable(q.kind))
		snprintf(k->restore, sizeof(k->restore), "unrestorable %s", q.kind);
	return 0;
}

static bool near(uint64_t a, uint64_t b)
{
	/* tbf keeps the burst as a time in scheduler ticks: allow the rounding */
	uint64_t d = a > b ? a - b : b - a;
	return d * 50 <= (a > b ? a : b);
}

static bool qd_same(const struct knob *k, const char *cur, const char *want)
{
	struct qdisc_val c, w;
	(void)k;
	if (tune_qdisc_parse(cur, &c) || tune_qdisc_parse(want, &w))
		return !strcmp(cur, want);
	if (!strcmp(w.kind, "default"))
		return c.deflt;
	if (strcmp(c.kind, w.kind))
		return false;
	if (!strcmp(w.kind, "tbf"))
		return c.rate == w.rate && near(c.burst, w.burst) && near(c.limit, w.limit);
	return true;
}

static int qd_check(struct tune *t, struct knob *k)
{
	struct qdisc_val w;
	struct link_info li;
	if (tune_qdisc_parse(k->want, &w) || !kind_settable(w.kind))
		return knob_fail(k, EINVAL, "cannot set root qdisc '%s' (fq, fq_codel, pfifo_fast, tbf or default)",
				 k->want);
	if (qd_same(k, k->cur, k->want))
		return 0;
	if (!strncmp(k->restore, "unrestorable", 12))
		return knob_fail(k, EBUSY, "the root qdisc is %s, set up by someone else: nfstune could not put it back, "
				 "so it will not replace it (remove it first)", k->cur);
	if (!strcmp(w.kind, "tbf")) {
		int rc = tune_link_get(t, k->obj, &li, k->err, sizeof(k->err));
		if (rc)
			return rc;
		if (w.burst < li.mtu)
			return knob_fail(k, ERANGE, "tbf burst %llu is below the MTU %u of %s: no full packet would pass",
					 (unsigned long long)w.burst, li.mtu, k->obj);
	}
	return 0;
}

static int qd_apply(struct tune *t, struct knob *k, const char *v)
{
	struct qdisc_val w, cur;
	struct link_info li;
	struct nl_sock *sk;
	struct nl_msg *m = NULL;
	char err[TUNE_ERRLEN];

	if (tune_qdisc_parse(v, &w))
		return knob_fail(k, EINVAL, "bad qdisc '%s'", v);
	if (!strncmp(v, "unrestorable", 12))
		return knob_fail(k, EINVAL, "the original root qdisc cannot be restored");
	int rc = tune_link_get(t, k->obj, &li, k->err, sizeof(k->err));
	if (!rc)
		rc = tune_nl_route(t, &sk, k->err, sizeof(k->err));
	if (!rc)
		rc = root_get(t, k->obj, &cur, k->err, sizeof(k->err));
	if (rc)
		return rc;
	struct rtnl_qdisc *q = rtnl_qdisc_alloc();
	if (!q)
		return knob_fail(k, ENOMEM, "out of memory");
	rtnl_tc_set_ifindex(TC_CAST(q), li.ifindex);
	rtnl_tc_set_parent(TC_CAST(q), TC_H_ROOT);
	if (w.deflt || !strcmp(w.kind, "default")) {
		/* the kernel's default comes back when our root goes */
		if (cur.deflt) {
			rtnl_qdisc_put(q);
			return 0;
		}
		rc = rtnl_qdisc_build_delete_request(q, &m);
	} else {
		rtnl_tc_set_kind(TC_CAST(q), w.kind);
		if (!strcmp(w.kind, "tbf")) {
			if (w.rate > INT32_MAX || w.burst > INT32_MAX || w.limit > INT32_MAX) {
				rtnl_qdisc_put(q);
				return knob_fail(k, ERANGE, "tbf values above 2^31 cannot be sent through libnl 3.7");
			}
			rtnl_qdisc_tbf_set_rate(q, (int)w.rate, (int)w.burst, 0);
			rtnl_qdisc_tbf_set_limit(q, (int)w.limit);
		} else if (!strcmp(w.kind, "pfifo_fast")) {
			/* libnl sends pfifo_fast through its prio module, which
			 * insists on bands and a priomap: the kernel's own defaults */
			uint8_t map[] = QDISC_PRIO_DEFAULT_PRIOMAP;
			rtnl_qdisc_prio_set_bands(q, QDISC_PRIO_DEFAULT_BANDS);
			rtnl_qdisc_prio_set_priomap(q, map, sizeof(map));
		}
		rc = rtnl_qdisc_build_add_request(q, NLM_F_CREATE | NLM_F_REPLACE, &m);
	}
	rtnl_qdisc_put(q);
	if (rc < 0)
		return knob_fail(k, EINVAL, "cannot build the qdisc request: %s", nl_geterror(rc));
	rc = tune_nl_talk(sk, m, NULL, NULL, err, sizeof(err), NULL, 0);
	if (rc)
		return knob_fail(k, rc, "kernel: %s", err);
	return 0;
}

const struct knob_type knob_qdisc = {
	.name = "qdisc", .cls = KNOB_LIVE, .rank = RANK_QDISC,
	.read = qd_read, .check = qd_check, .apply = qd_apply, .same = qd_same,
};

int tune_qdisc_show(struct tune *t, const char *ifname, struct knobs *ks)
{
	(void)t;
	return knobs_add(ks, &knob_qdisc, ifname, "qdisc") ? 0 : ENOMEM;
}
