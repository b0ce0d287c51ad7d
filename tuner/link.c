/* link.c - link-level knobs through rtnetlink: mtu and txqueuelen. Reads
 * parse RTM_NEWLINK directly (libnl-route 3.7 keeps no MTU limits);
 * changes are built by libnl-route and sent through tune_nl_talk, so a refusal
 * comes back with the kernel's extended ACK. */
#include "tune_link.h"

#include <dirent.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>

#include "mem.h"
#include "tune_ethtool.h"
#include "tune_nl.h"

struct getlink {
	struct link_info *li;
	int found;
};

static int getlink_cb(struct nl_msg *m, void *arg)
{
	struct getlink *g = arg;
	struct nlmsghdr *h = nlmsg_hdr(m);
	struct nlattr *tb[IFLA_MAX + 1];
	struct ifinfomsg *ifi = nlmsg_data(h);

	if (h->nlmsg_type != RTM_NEWLINK || nlmsg_parse(h, sizeof(*ifi), tb, IFLA_MAX, NULL) < 0)
		return NL_SKIP;
	struct link_info *li = g->li;
	li->ifindex = ifi->ifi_index;
	if (tb[IFLA_MTU])
		li->mtu = nla_get_u32(tb[IFLA_MTU]);
	if (tb[IFLA_MIN_MTU])
		li->min_mtu = nla_get_u32(tb[IFLA_MIN_MTU]);
	if (tb[IFLA_MAX_MTU])
		li->max_mtu = nla_get_u32(tb[IFLA_MAX_MTU]);
	if (tb[IFLA_TXQLEN])
		li->txqlen = nla_get_u32(tb[IFLA_TXQLEN]);
	if (tb[IFLA_NUM_TX_QUEUES])
		li->ntxq = nla_get_u32(tb[IFLA_NUM_TX_QUEUES]);
	if (tb[IFLA_NUM_RX_QUEUES])
		li->nrxq = nla_get_u32(tb[IFLA_NUM_RX_QUEUES]);
	if (tb[IFLA_ADDRESS]) {
		const unsigned char *a = nla_data(tb[IFLA_ADDRESS]);
		int n = nla_len(tb[IFLA_ADDRESS]);
		size_t used = 0;
		for (int i = 0; i < n && used + 4 < sizeof(li->address); i++)
			used += (size_t)snprintf(li->address + used, sizeof(li->address) - used, "%s%02x", i ? ":" : "", a[i]);
	}
	if (tb[IFLA_MASTER])
		li->master = (int)nla_get_u32(tb[IFLA_MASTER]);
	if (tb[IFLA_LINKINFO]) {
		struct nlattr *info[IFLA_INFO_MAX + 1];
		if (nla_parse_nested(info, IFLA_INFO_MAX, tb[IFLA_LINKINFO], NULL) >= 0 && info[IFLA_INFO_KIND])
			nla_strlcpy(li->kind, info[IFLA_INFO_KIND], sizeof(li->kind));
	}
	g->found = 1;
	return NL_OK;
}

static int link_get_raw(struct tune *t, const char *ifname, struct link_info *li, char *err, size_t len)
{
	struct nl_sock *sk;
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC};
	struct getlink g = {.li = li};
	int rc;

	memset(li, 0, sizeof(*li));
	if (!tune_ifname_ok(ifname)) {
		snprintf(err, len, "'%s' is not a valid interface name", ifname);
		return EINVAL;
	}
	rc = tune_nl_route(t, &sk, err, len);
	if (rc)
		return rc;
	struct nl_msg *m = nlmsg_alloc_simple(RTM_GETLINK, 0);
	if (!m || nlmsg_append(m, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 ||
	    nla_put_string(m, IFLA_IFNAME, ifname) < 0 ||
	    nla_put_u32(m, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS) < 0) {
		nlmsg_free(m);
		snprintf(err, len, "out of memory");
		return ENOMEM;
	}
	rc = tune_nl_talk(sk, m, getlink_cb, &g, err, len, NULL, 0);
	if (rc == ENODEV || (!rc && !g.found)) {
		snprintf(err, len, "no interface %s in this network namespace", ifname);
		return ENODEV;
	}
	return rc;
}

int tune_link_kernel(struct tune *t, const char *ifname, char *err, size_t len)
{
	struct link_info li;
	char p[PATH_MAX], addr[64];
	if (!t->root[0])
		return 0;
	int rc = link_get_raw(t, ifname, &li, err, len);
	if (rc)
		return rc;
	if (tune_path(t, p, sizeof(p), "/sys/class/net/%s/address", ifname) || tune_read_file(p, addr, sizeof(addr)) ||
	    strcasecmp(addr, li.address)) {
		snprintf(err, len, "%s under --root is not this machine's %s (its address file does not match): "
			 "netlink knobs are left alone", ifname, ifname);
		return ENODEV;
	}
	return 0;
}

int tune_link_get(struct tune *t, const char *ifname, struct link_info *li, char *err, size_t len)
{
	int rc = tune_link_kernel(t, ifname, err, len);
	if (!rc)
		rc = link_get_raw(t, ifname, li, err, len);
	if (rc)
		return rc;
	tune_eth_driver(t, ifname, li->driver, sizeof(li->driver));
	return 0;
}

int tune_link_exists(struct tune *t, const char *ifname)
{
	char p[PATH_MAX], err[256];
	struct link_info li;

	if (!tune_ifname_ok(ifname))
		return 0;
	if (t->root[0] || t->no_netlink) {
		if (tune_path(t, p, sizeof(p), "/sys/class/net/%s", ifname))
			return 0;
		return access(p, F_OK) == 0;
	}
	return tune_link_get(t, ifname, &li, err, sizeof(err)) == 0;
}

struct dump {
	char **names;
	int *idx;
	size_t n, cap;
	int oom;
};

static int add_name(struct dump *d, const char *name, int ifindex)
{
	/* names and idx grow in step */
	size_t ncap = d->cap, icap = d->cap;
	if (MEM_GROW(&d->names, &ncap, d->n + 1, 16) || MEM_GROW(&d->idx, &icap, d->n + 1, 16) ||
	    !(d->names[d->n] = strdup(name))) {
		d->oom = 1;
		return -1;
	}
	d->cap = ncap;
	d->idx[d->n++] = ifindex;
	return 0;
}

static int dump_cb(struct nl_msg *m, void *arg)
{
	struct dump *d = arg;
	struct nlmsghdr *h = nlmsg_hdr(m);
	struct nlattr *tb[IFLA_MAX + 1];
	struct ifinfomsg *ifi = nlmsg_data(h);

	if (h->nlmsg_type != RTM_NEWLINK || nlmsg_parse(h, sizeof(*ifi), tb, IFLA_MAX, NULL) < 0 ||
	    !tb[IFLA_IFNAME])
		return NL_SKIP;
	char name[IFNAMSIZ];
	nla_strlcpy(name, tb[IFLA_IFNAME], sizeof(name));
	add_name(d, name, ifi->ifi_index);
	return NL_OK;
}

int tune_link_list(struct tune *t, char ***names, size_t *n)
{
	struct dump d = {0};
	char err[256];

	if (t->root[0] || t->no_netlink) {
		char p[PATH_MAX];
		if (tune_path(t, p, sizeof(p), "/sys/class/net"))
			return ENAMETOOLONG;
		DIR *dir = opendir(p);
		if (!dir)
			return errno;
		struct dirent *e;
		while ((e = readdir(dir))) {
			if (e->d_name[0] == '.' || !tune_ifname_ok(e->d_name))
				continue;
			char f[PATH_MAX], v[32];
			uint64_t ix = 0;
			if (!tune_path(t, f, sizeof(f), "/sys/class/net/%s/ifindex", e->d_name) &&
			    !tune_read_file(f, v, sizeof(v)))
				tune_parse_u64(v, 0, INT32_MAX, &ix);
			add_name(&d, e->d_name, (int)ix);
		}
		closedir(dir);
	} else {
		struct nl_sock *sk;
		struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC};
		int rc = tune_nl_route(t, &sk, err, sizeof(err));
		if (rc)
			return rc;
		struct nl_msg *m = nlmsg_alloc_simple(RTM_GETLINK, NLM_F_DUMP);
		if (!m || nlmsg_append(m, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 ||
		    nla_put_u32(m, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS) < 0) {
			nlmsg_free(m);
			return ENOMEM;
		}
		rc = tune_nl_talk(sk, m, dump_cb, &d, err, sizeof(err), NULL, 0);
		if (rc) {
			for (size_t i = 0; i < d.n; i++)
				free(d.names[i]);
			free(d.names);
			free(d.idx);
			return rc;
		}
	}
	/* ifindex order, as ip link shows them; names break ties in fake trees */
	for (size_t i = 1; i < d.n; i++)
		for (size_t j = i; j > 0; j--) {
			int gt = d.idx[j - 1] > d.idx[j] ||
				 (d.idx[j - 1] == d.idx[j] && strcmp(d.names[j - 1], d.names[j]) > 0);
			if (!gt)
				break;
			char *s = d.names[j];
			d.names[j] = d.names[j - 1];
			d.names[j - 1] = s;
			int x = d.idx[j];
			d.idx[j] = d.idx[j - 1];
			d.idx[j - 1] = x;
		}
	free(d.idx);
	if (d.oom) {
		for (size_t i = 0; i < d.n; i++)
			free(d.names[i]);
		free(d.names);
		return ENOMEM;
	}
	*names = d.names;
	*n = d.n;
	return 0;
}

const char *tune_link_what_short(struct tune *t, const char *ifname, char *buf, size_t len)
{
	struct link_info li;
	char err[256];

	if (tune_link_get(t, ifname, &li, err, sizeof(err)))
		snprintf(buf, len, "%s", ifname);
	else if (li.kind[0])
		snprintf(buf, len, "%s (%s)", ifname, li.kind);
	else if (li.driver[0])
		snprintf(buf, len, "%s (driver %s)", ifname, li.driver);
	else
		snprintf(buf, len, "%s", ifname);
	return buf;
}

/* ------------------------------------------------------------------ */
/* Knobs                                                                */

static int link_read(struct tune *t, struct knob *k)
{
	struct link_info li;
	int rc = tune_link_get(t, k->obj, &li, k->err, sizeof(k->err));
	if (rc)
		return rc;
	snprintf(k->cur, sizeof(k->cur), "%u", k->type == &knob_mtu ? li.mtu : li.txqlen);
	return 0;
}

static int mtu_check(struct tune *t, struct knob *k)
{
	struct link_info li;
	uint64_t v;
	int rc = tune_link_get(t, k->obj, &li, k->err, sizeof(k->err));
	if (rc)
		return rc;
	if (tune_parse_u64(k->want, 0, UINT32_MAX, &v))
		return knob_fail(k, EINVAL, "'%s' is not an MTU", k->want);
	unsigned lo = li.min_mtu, hi = li.max_mtu ? li.max_mtu : UINT32_MAX;
	char what[64];
	if (v < lo || v > hi)
		return knob_fail(k, ERANGE, "MTU %s is outside what %s accepts (%u..%u)", k->want,
				 tune_link_what_short(t, k->obj, what, sizeof(what)), lo, hi);
	return 0;
}

static int link_apply(struct tune *t, struct knob *k, const char *v)
{
	struct link_info li;
	struct nl_sock *sk;
	uint64_t n;
	int rc;

	if (tune_parse_u64(v, 0, UINT32_MAX, &n))
		return knob_fail(k, EINVAL, "'%s' is not a number", v);
	rc = tune_link_get(t, k->obj, &li, k->err, sizeof(k->err));
	if (!rc)
		rc = tune_nl_route(t, &sk, k->err, sizeof(k->err));
	if (rc)
		return rc;
	struct rtnl_link *orig = rtnl_link_alloc(), *chg = rtnl_link_alloc();
	struct nl_msg *m = NULL;
	if (!orig || !chg) {
		rc = knob_fail(k, ENOMEM, "out of memory");
		goto out;
	}
	rtnl_link_set_ifindex(orig, li.ifindex);
	if (k->type == &knob_mtu)
		rtnl_link_set_mtu(chg, (unsigned)n);
	else
		rtnl_link_set_txqlen(chg, (unsigned)n);
	if (rtnl_link_build_change_request(orig, chg, 0, &m) < 0) {
		rc = knob_fail(k, ENOMEM, "cannot build the change request");
		goto out;
	}
	char err[TUNE_ERRLEN];
	rc = tune_nl_talk(sk, m, NULL, NULL, err, sizeof(err), NULL, 0);
	if (rc)
		knob_fail(k, rc, "kernel: %s", err);
out:
	rtnl_link_put(orig);
	rtnl_link_put(chg);
	return rc;
}

static int txqlen_check(struct tune *t, struct knob *k)
{
	uint64_t v;
	(void)t;
	if (tune_parse_u64(k->want, 0, UINT32_MAX, &v))
		return knob_fail(k, ERANGE, "txqueuelen %s is outside 0..%u", k->want, UINT32_MAX);
	return 0;
}

const struct knob_type knob_mtu = {
	.name = "mtu", .cls = KNOB_LIVE, .rank = RANK_MTU,
	.read = link_read, .check = mtu_check, .apply = link_apply,
};
const struct knob_type knob_txqlen = {
	.name = "txqueuelen", .cls = KNOB_LIVE, .rank = RANK_TXQLEN,
	.read = link_read, .check = txqlen_check, .apply = link_apply,
};

int tune_link_show(struct tune *t, const char *ifname, struct knobs *ks)
{
	(void)t;
	if (!knobs_add(ks, &knob_mtu, ifname, "mtu") || !knobs_add(ks, &knob_txqlen, ifname, "txqueuelen"))
		return ENOMEM;
	return 0;
}
