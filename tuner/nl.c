/* nl.c - netlink sockets and the one exchange every request goes through,
 * so every kernel refusal reaches the user with its extended ACK text. */
#include "tune_nl.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#include "tune.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

static int open_sock(struct nl_sock **out, int proto, char *err, size_t len)
{
	struct nl_sock *sk = nl_socket_alloc();
	int one = 1;

	if (!sk) {
		snprintf(err, len, "netlink: out of memory");
		return ENOMEM;
	}
	int rc = nl_connect(sk, proto);
	if (rc < 0) {
		snprintf(err, len, "netlink: %s", nl_geterror(rc));
		nl_socket_free(sk);
		return EPROTO;
	}
	/* the kernel's reason text, and errors without the echoed request */
	setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	/* feature bitsets with names are larger than one page */
	nl_socket_enable_msg_peek(sk);
	*out = sk;
	return 0;
}

int tune_nl_route(struct tune *t, struct nl_sock **sk, char *err, size_t len)
{
	if (t->no_netlink) {
		snprintf(err, len, "netlink disabled");
		return ENOTSUP;
	}
	if (!t->rt) {
		int rc = open_sock(&t->rt, NETLINK_ROUTE, err, len);
		if (rc)
			return rc;
	}
	*sk = t->rt;
	return 0;
}

int tune_nl_ethtool(struct tune *t, struct nl_sock **sk, int *family, char *err, size_t len)
{
	if (t->no_netlink || t->ethtool_ioctl || t->ethtool_family < 0) {
		snprintf(err, len, "ethtool netlink family not used");
		return ENOTSUP;
	}
	if (!t->gen) {
		int rc = open_sock(&t->gen, NETLINK_GENERIC, err, len);
		if (rc)
			return rc;
	}
	if (!t->ethtool_family) {
		int fam = genl_ctrl_resolve(t->gen, "ethtool");
		if (fam < 0) {
			t->ethtool_family = -1;
			snprintf(err, len, "kernel has no ethtool netlink family");
			return ENOTSUP;
		}
		t->ethtool_family = fam;
	}
	*sk = t->gen;
	*family = t->ethtool_family;
	return 0;
}

void tune_nl_close_all(struct tune *t)
{
	if (t->rt)
		nl_socket_free(t->rt);
	if (t->gen)
		nl_socket_free(t->gen);
	t->rt = t->gen = NULL;
}

struct talk {
	int done;
	int err;
	char *msg;
	size_t len;
	char *warn;
	size_t wlen;
	int (*cb)(struct nl_msg *, void *);
	void *arg;
};

/* The extended ACK's message, if any, after a struct nlmsgerr. */
static const char *extack_text(const struct nlmsghdr *h)
{
	const struct nlmsgerr *e = nlmsg_data(h);
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];

	if (!(h->nlmsg_flags & NLM_F_ACK_TLVS))
		return NULL;
	size_t off = sizeof(*e);
	if (!(h->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len >= sizeof(struct nlmsghdr) ? e->msg.nlmsg_len - sizeof(struct nlmsghdr) : 0;
	off = NLMSG_ALIGN(off);
	size_t plen = h->nlmsg_len - NLMSG_HDRLEN;
	if (off >= plen)
		return NULL;
	struct nlattr *attrs = (struct nlattr *)((char *)nlmsg_data(h) + off);
	if (nla_parse(tb, NLMSGERR_ATTR_MAX, attrs, (int)(plen - off), NULL) < 0)
		return NULL;
	if (!tb[NLMSGERR_ATTR_MSG])
		return NULL;
	const char *s = nla_data(tb[NLMSGERR_ATTR_MSG]);
	/* must be NUL terminated inside the attribute */
	if (!nla_len(tb[NLMSGERR_ATTR_MSG]) || s[nla_len(tb[NLMSGERR_ATTR_MSG]) - 1])
		return NULL;
	return s;
}

static int talk_err(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct talk *tk = arg;
	const struct nlmsghdr *h = (const struct nlmsghdr *)((const char *)e - NLMSG_HDRLEN);
	(void)nla;

	tk->err = e->error < 0 ? -e->error : e->error;
	const char *x = extack_text(h);
	if (x)
		snprintf(tk->msg, tk->len, "%s (%s)", strerror(tk->err), x);
	else
		snprintf(tk->msg, tk->len, "%s", strerror(tk->err));
	tk->done = 1;
	return NL_STOP;
}

static int talk_ack(struct nl_msg *m, void *arg)
{
	struct talk *tk = arg;
	const char *x = extack_text(nlmsg_hdr(m));
	if (x && tk->warn)
		snprintf(tk->warn, tk->wlen, "%s", x);
	tk->done = 1;
	return NL_STOP;
}

static int talk_finish(struct nl_msg *m, void *arg)
{
	struct talk *tk = arg;
	(void)m;
	tk->done = 1;
	return NL_STOP;
}

static int talk_valid(struct nl_msg *m, void *arg)
{
	struct talk *tk = arg;
	return tk->cb ? tk->cb(m, tk->arg) : NL_OK;
}

int tune_nl_talk(struct nl_sock *sk, struct nl_msg *msg, int (*cb)(struct nl_msg *, void *), void *arg,
	    char *err, size_t len, char *warn, size_t wlen)
{
	struct talk tk = {.msg = err, .len = len, .warn = warn, .wlen = wlen, .cb = cb, .arg = arg};
	struct nl_cb *c = nl_cb_alloc(NL_CB_DEFAULT);
	int rc;

	if (warn && wlen)
		warn[0] = '\0';
	if (!c) {
		nlmsg_free(msg);
		snprintf(err, len, "out of memory");
		return ENOMEM;
	}
	nl_cb_err(c, NL_CB_CUSTOM, talk_err, &tk);
	nl_cb_set(c, NL_CB_ACK, NL_CB_CUSTOM, talk_ack, &tk);
	nl_cb_set(c, NL_CB_FINISH, NL_CB_CUSTOM, talk_finish, &tk);
	nl_cb_set(c, NL_CB_VALID, NL_CB_CUSTOM, talk_valid, &tk);

	rc = nl_send_auto(sk, msg);
	nlmsg_free(msg);
	if (rc < 0) {
		snprintf(err, len, "netlink send: %s", nl_geterror(rc));
		nl_cb_put(c);
		return EIO;
	}
	while (!tk.done) {
		rc = nl_recvmsgs(sk, c);
		if (rc < 0 && !tk.done) {
			snprintf(err, len, "netlink receive: %s", nl_geterror(rc));
			nl_cb_put(c);
			return EIO;
		}
	}
	nl_cb_put(c);
	return tk.err;
}
