/* nl.h - the netlink sockets of a run (rtnetlink, and generic netlink for
 * the ethtool family) and one request/acknowledge exchange that keeps the
 * kernel's extended ACK: "Invalid argument (mtu greater than device
 * maximum)" tells the user which limit was hit; "Invalid argument" alone
 * does not. */
#ifndef NFSTUNE_NL_H
#define NFSTUNE_NL_H

#include <stddef.h>

struct tune;
struct nl_sock;
struct nl_msg;

/* Open on first use. 0, or an errno value with err set. */
int tune_nl_route(struct tune *t, struct nl_sock **sk, char *err, size_t len);
/* The ethtool generic netlink family: 0 and fill *sk and *family, or
 * ENOTSUP when the kernel has no such family (use the ioctl then), or
 * another errno value with err set. */
int tune_nl_ethtool(struct tune *t, struct nl_sock **sk, int *family, char *err, size_t len);
void tune_nl_close_all(struct tune *t);

/* Send msg (always consumed), pass each reply to cb (may be NULL) and wait
 * for the acknowledgement or the end of a dump. Returns 0, or the kernel's
 * errno with err = "strerror (extack message)"; a warning the kernel
 * attaches to a successful ACK goes to warn (may be NULL). */
int tune_nl_talk(struct nl_sock *sk, struct nl_msg *msg, int (*cb)(struct nl_msg *, void *), void *arg,
	    char *err, size_t len, char *warn, size_t wlen);

#endif
