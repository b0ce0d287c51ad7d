/* link.h - interfaces through rtnetlink: what a link is (kind, queues, MTU
 * limits) and its link-level knobs (mtu, txqueuelen). */
#ifndef NFSTUNE_LINK_H
#define NFSTUNE_LINK_H

#include <stddef.h>

#include "tune.h"

struct link_info {
	int ifindex;
	unsigned mtu, min_mtu, max_mtu; /* max 0: the kernel did not say */
	unsigned txqlen;
	unsigned ntxq, nrxq;            /* allocated queues */
	int master;                     /* ifindex of a bridge, or 0 */
	char kind[32];                  /* "veth", "bridge", "tun", "" (hardware) */
	char driver[32];                /* ethtool driver name, or "" */
	char address[64];               /* "aa:bb:cc:dd:ee:ff" */
};

/* 0, ENODEV (no such interface in this network namespace), or errno with
 * err set. */
int tune_link_get(struct tune *t, const char *ifname, struct link_info *li, char *err, size_t len);
/* Under --root, is the kernel's ifname the one the tree describes (same
 * hardware address)? A fake tree's eth0 must never steer netlink requests
 * at this machine's eth0. 0, or ENODEV with err set. */
int tune_link_kernel(struct tune *t, const char *ifname, char *err, size_t len);
/* Does the interface exist: in netlink, or under --root in its sysfs? */
int tune_link_exists(struct tune *t, const char *ifname);
/* Interface names, in ifindex order: rtnetlink on a real system, the
 * sysfs of the tree under --root. Caller frees names[i] and names. */
int tune_link_list(struct tune *t, char ***names, size_t *n);
/* "veth", "tun", "bridge", or the ethtool driver name: for messages. */
const char *tune_link_what_short(struct tune *t, const char *ifname, char *buf, size_t len);

extern const struct knob_type knob_mtu, knob_txqlen;
/* Append the link-level knobs of ifname to ks (for show). */
int tune_link_show(struct tune *t, const char *ifname, struct knobs *ks);

#endif
