/* ethtool.c - channels, rings, coalescing and offload features. The ethtool
 * generic netlink family is the first choice: it validates a request before
 * touching the driver and answers with an extended ACK. Older kernels only
 * have the SIOCETHTOOL ioctl, which both backends below share the
 * structures with. A driver that cannot do something is reported with the
 * kernel's own answer ("Operation not supported"), never skipped. */
#include "tune_ethtool.h"

#include <errno.h>
#include <net/if.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/ethtool.h>
#include <linux/ethtool_netlink.h>
#include <linux/sockios.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include "tune_link.h"
#include "tune_nl.h"

/* ------------------------------------------------------------------ */
/* Field tables                                                         */

struct field {
	const char *name;
	int nl_cur, nl_max; /* netlink attributes (nl_max 0: none) */
	int is_u8;          /* netlink u8 (the adaptive flags) */
	size_t ioc_cur, ioc_max; /* offsets in the ioctl struct (ioc_max 0: none) */
};

#define OFF(s, m) offsetof(struct s, m)
static const struct field chan_f[] = {
	{"rx", ETHTOOL_A_CHANNELS_RX_COUNT, ETHTOOL_A_CHANNELS_RX_MAX, 0,
	 OFF(ethtool_channels, rx_count), OFF(ethtool_channels, max_rx)},
	{"tx", ETHTOOL_A_CHANNELS_TX_COUNT, ETHTOOL_A_CHANNELS_TX_MAX, 0,
	 OFF(ethtool_channels, tx_count), OFF(ethtool_channels, max_tx)},
	{"other", ETHTOOL_A_CHANNELS_OTHER_COUNT, ETHTOOL_A_CHANNELS_OTHER_MAX, 0,
	 OFF(ethtool_channels, other_count), OFF(ethtool_channels, max_other)},
	{"combined", ETHTOOL_A_CHANNELS_COMBINED_COUNT, ETHTOOL_A_CHANNELS_COMBINED_MAX, 0,
	 OFF(ethtool_channels, combined_count), OFF(ethtool_channels, max_combined)},
};
static const struct field ring_f[] = {
	{"rx", ETHTOOL_A_RINGS_RX, ETHTOOL_A_RINGS_RX_MAX, 0,
	 OFF(ethtool_ringparam, rx_pending), OFF(ethtool_ringparam, rx_max_pending)},
	{"rx-mini", ETHTOOL_A_RINGS_RX_MINI, ETHTOOL_A_RINGS_RX_MINI_MAX, 0,
	 OFF(ethtool_ringparam, rx_mini_pending), OFF(ethtool_ringparam, rx_mini_max_pending)},
	{"rx-jumbo", ETHTOOL_A_RINGS_RX_JUMBO, ETHTOOL_A_RINGS_RX_JUMBO_MAX, 0,
	 OFF(ethtool_ringparam, rx_jumbo_pending), OFF(ethtool_ringparam, rx_jumbo_max_pending)},
	{"tx", ETHTOOL_A_RINGS_TX, ETHTOOL_A_RINGS_TX_MAX, 0,
	 OFF(ethtool_ringparam, tx_pending), OFF(ethtool_ringparam, tx_max_pending)},
};
static const struct field coal_f[] = {
	{"rx-usecs", ETHTOOL_A_COALESCE_RX_USECS, 0, 0, OFF(ethtool_coalesce, rx_coalesce_usecs), 0},
	{"rx-frames", ETHTOOL_A_COALESCE_RX_MAX_FRAMES, 0, 0, OFF(ethtool_coalesce, rx_max_coalesced_frames), 0},
	{"tx-usecs", ETHTOOL_A_COALESCE_TX_USECS, 0, 0, OFF(ethtool_coalesce, tx_coalesce_usecs), 0},
	{"tx-frames", ETHTOOL_A_COALESCE_TX_MAX_FRAMES, 0, 0, OFF(ethtool_coalesce, tx_max_coalesced_frames), 0},
	{"adaptive-rx", ETHTOOL_A_COALESCE_USE_ADAPTIVE_RX, 0, 1, OFF(ethtool_coalesce, use_adaptive_rx_coalesce), 0},
	{"adaptive-tx", ETHTOOL_A_COALESCE_USE_ADAPTIVE_TX, 0, 1, OFF(ethtool_coalesce, use_adaptive_tx_coalesce), 0},
};

struct group {
	const char *name;
	int nl_get, nl_set, nl_max;
	const struct field *f;
	unsigned nf;
	uint32_t ioc_get, ioc_set;
	size_t ioc_size;
};

static const struct group groups[ETH_NGROUPS] = {
	[ETH_CHANNELS] = {"channels", ETHTOOL_MSG_CHANNELS_GET, ETHTOOL_MSG_CHANNELS_SET, ETHTOOL_A_CHANNELS_MAX,
			  chan_f, 4, ETHTOOL_GCHANNELS, ETHTOOL_SCHANNELS, sizeof(struct ethtool_channels)},
	[ETH_RINGS] = {"rings", ETHTOOL_MSG_RINGS_GET, ETHTOOL_MSG_RINGS_SET, ETHTOOL_A_RINGS_MAX,
		       ring_f, 4, ETHTOOL_GRINGPARAM, ETHTOOL_SRINGPARAM, sizeof(struct ethtool_ringparam)},
	[ETH_COALESCE] = {"coalesce", ETHTOOL_MSG_COALESCE_GET, ETHTOOL_MSG_COALESCE_SET, ETHTOOL_A_COALESCE_MAX,
			  coal_f, 6, ETHTOOL_GCOALESCE, ETHTOOL_SCOALESCE, sizeof(struct ethtool_coalesce)},
};

const char *tune_eth_group_name(enum eth_group g)
{
	return groups[g].name;
}

int tune_eth_field(enum eth_group g, const char *name)
{
	for (unsigned i = 0; i < groups[g].nf; i++)
		if (!strcmp(groups[g].f[i].name, name))
			return (int)i;
	return -1;
}

const char *tune_eth_field_name(enum eth_group g, unsigned f)
{
	return f < groups[g].nf ? groups[g].f[f].name : "?";
}

unsigned tune_eth_nfields(enum eth_group g)
{
	return groups[g].nf;
}

bool tune_eth_field_is_bool(enum eth_group g, unsigned f)
{
	return f < groups[g].nf && groups[g].f[f].is_u8;
}

/* ------------------------------------------------------------------ */
/* Backends                                                             */

static int ioc(struct tune *t, const char *ifname, void *data, char *err, size_t len)
{
	struct ifreq ifr;

	if (t->no_netlink) {
		snprintf(err, len, "no kernel access in this mode");
		return ENOTSUP;
	}
	if (t->ioctl_fd < 0) {
		t->ioctl_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (t->ioctl_fd < 0) {
			int e = errno;
			snprintf(err, len, "socket: %s", strerror(e));
			return e;
		}
	}
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = data;
	if (ioctl(t->ioctl_fd, SIOCETHTOOL, &ifr) < 0) {
		int e = errno;
		snprintf(err, len, "%s", strerror(e));
		return e == EOPNOTSUPP ? ENOTSUP : e;
	}
	return 0;
}

/* Under --root only the tree's own interfaces (see tune_link_kernel). */
static int guard(struct tune *t, const char *ifname, char *err, size_t len)
{
	return t->root[0] && !t->no_netlink ? tune_link_kernel(t, ifname, err, len) : 0;
}

/* A request of cmd for ifname with the header every ethtool message starts with. */
static struct nl_msg *nl_req(int family, int cmd, const char *ifname, uint32_t flags)
{
	struct nl_msg *m = nlmsg_alloc();
	if (!m)
		return NULL;
	if (!genlmsg_put(m, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0, 0, (uint8_t)cmd, ETHTOOL_GENL_VERSION))
		goto fail;
	/* every ethtool message has its header as attribute 1 */
	struct nlattr *h = nla_nest_start(m, 1);
	if (!h || nla_put_string(m, ETHTOOL_A_HEADER_DEV_NAME, ifname) < 0)
		goto fail;
	if (flags && nla_put_u32(m, ETHTOOL_A_HEADER_FLAGS, flags) < 0)
		goto fail;
	nla_nest_end(m, h);
	return m;
fail:
	nlmsg_free(m);
	return NULL;
}

struct getv {
	const struct group *g;
	struct eth_vals *v;
	int got;
};

static int getv_cb(struct nl_msg *m, void *arg)
{
	struct getv *gv = arg;
	struct nlattr *tb[ETHTOOL_A_COALESCE_MAX + 8];
	int max = gv->g->nl_max;

	if (genlmsg_parse(nlmsg_hdr(m), 0, tb, max, NULL) < 0)
		return NL_SKIP;
	for (unsigned i = 0; i < gv->g->nf; i++) {
		const struct field *f = &gv->g->f[i];
		if (tb[f->nl_cur]) {
			gv->v->cur[i] = f->is_u8 ? nla_get_u8(tb[f->nl_cur]) : nla_get_u32(tb[f->nl_cur]);
			gv->v->has[i] = true;
		}
		if (f->nl_max && tb[f->nl_max])
			gv->v->max[i] = nla_get_u32(tb[f->nl_max]);
		/* a channel or ring kind with maximum 0 does not exist */
		if (f->nl_max && !gv->v->max[i])
			gv->v->has[i] = false;
	}
	gv->got = 1;
	return NL_OK;
}

static int unsupported(int rc, char *err, size_t len)
{
	if (rc == EOPNOTSUPP || rc == ENOTSUP) {
		/* keep the kernel's words; say where they come from */
		char tmp[TUNE_ERRLEN];
		snprintf(tmp, sizeof(tmp), "%s", err);
		snprintf(err, len, "kernel: %s", tmp);
		return ENOTSUP;
	}
	return rc;
}

int tune_eth_get(struct tune *t, const char *ifname, enum eth_group g, struct eth_vals *v, char *err,
	    size_t len)
{
	const struct group *gr = &groups[g];
	struct nl_sock *sk;
	int fam, rc;

	memset(v, 0, sizeof(*v));
	if ((rc = guard(t, ifname, err, len)))
		return rc;
	rc = tune_nl_ethtool(t, &sk, &fam, err, len);
	if (!rc) {
		struct getv gv = {.g = gr, .v = v};
		struct nl_msg *m = nl_req(fam, gr->nl_get, ifname, 0);
		if (!m) {
			snprintf(err, len, "out of memory");
			return ENOMEM;
		}
		rc = tune_nl_talk(sk, m, getv_cb, &gv, err, len, NULL, 0);
		if (!rc && !gv.got) {
			snprintf(err, len, "no reply from the kernel");
			rc = EPROTO;
		}
		return unsupported(rc, err, len);
	}
	if (rc != ENOTSUP)
		return rc;
	/* the ioctl has no "supported" flags: every field exists */
	unsigned char buf[sizeof(struct ethtool_coalesce) + 64];
	memset(buf, 0, sizeof(buf));
	memcpy(buf, &gr->ioc_get, sizeof(uint32_t));
	rc = ioc(t, ifname, buf, err, len);
	if (rc)
		return unsupported(rc, err, len);
	for (unsigned i = 0; i < gr->nf; i++) {
		const struct field *f = &gr->f[i];
		memcpy(&v->cur[i], buf + f->ioc_cur, sizeof(uint32_t));
		if (f->ioc_max) {
			memcpy(&v->max[i], buf + f->ioc_max, sizeof(uint32_t));
			v->has[i] = v->max[i] != 0;
		} else {
			v->has[i] = true;
		}
	}
	return 0;
}

static int nl_set_one(struct tune *t, const char *ifname, enum eth_group g, unsigned f, uint32_t val,
		      char *err, size_t len)
{
	const struct group *gr = &groups[g];
	struct nl_sock *sk;
	int fam;
	int rc = tune_nl_ethtool(t, &sk, &fam, err, len);
	if (rc)
		return rc;
	struct nl_msg *m = nl_req(fam, gr->nl_set, ifname, 0);
	if (!m)
		return ENOMEM;
	int put = gr->f[f].is_u8 ? nla_put_u8(m, gr->f[f].nl_cur, (uint8_t)val)
				  : nla_put_u32(m, gr->f[f].nl_cur, val);
	if (put < 0) {
		nlmsg_free(m);
		return ENOMEM;
	}
	char warn[256];
	rc = tune_nl_talk(sk, m, NULL, NULL, err, len, warn, sizeof(warn));
	return unsupported(rc, err, len);
}

int tune_eth_set(struct tune *t, const char *ifname, enum eth_group g, unsigned f, uint32_t val,
	    char *err, size_t len)
{
	const struct group *gr = &groups[g];
	int rc = guard(t, ifname, err, len);
	if (rc)
		return rc;
	rc = nl_set_one(t, ifname, g, f, val, err, len);
	if (rc != ENOTSUP || !(t->ethtool_ioctl || t->ethtool_family < 0))
		return rc;
	/* the ioctl sets a whole group: read it, change one field, write it */
	unsigned char buf[sizeof(struct ethtool_coalesce) + 64];
	memset(buf, 0, sizeof(buf));
	memcpy(buf, &gr->ioc_get, sizeof(uint32_t));
	rc = ioc(t, ifname, buf, err, len);
	if (rc)
		return unsupported(rc, err, len);
	memcpy(buf, &gr->ioc_set, sizeof(uint32_t));
	memcpy(buf + gr->f[f].ioc_cur, &val, sizeof(uint32_t));
	rc = ioc(t, ifname, buf, err, len);
	return unsupported(rc, err, len);
}

int tune_eth_probe(struct tune *t, const char *ifname, enum eth_group g, unsigned f, uint32_t cur,
	      char *err, size_t len)
{
	int rc = nl_set_one(t, ifname, g, f, cur, err, len);
	/* no netlink family: nothing to probe with (an ioctl set is never a no-op) */
	if (rc == ENOTSUP && (t->ethtool_ioctl || t->ethtool_family < 0 || t->no_netlink))
		return 0;
	return rc;
}

/* ------------------------------------------------------------------ */
/* Features                                                             */

void tune_eth_features_free(struct eth_feat *f)
{
	free(f->name);
	free(f->hw);
	free(f->wanted);
	free(f->active);
	memset(f, 0, sizeof(*f));
}

static int feat_alloc(struct eth_feat *f, size_t n)
{
	f->n = n;
	f->name = calloc(n ? n : 1, sizeof(*f->name));
	f->hw = calloc(n ? n : 1, sizeof(bool));
	f->wanted = calloc(n ? n : 1, sizeof(bool));
	f->active = calloc(n ? n : 1, sizeof(bool));
	if (!f->name || !f->hw || !f->wanted || !f->active) {
		tune_eth_features_free(f);
		return ENOMEM;
	}
	return 0;
}

struct strset {
	struct eth_feat *f;
	int err;
};

static int strset_cb(struct nl_msg *m, void *arg)
{
	struct strset *ss = arg;
	struct nlattr *tb[ETHTOOL_A_STRSET_MAX + 1], *a, *b, *c;
	int r1, r2, r3;

	if (genlmsg_parse(nlmsg_hdr(m), 0, tb, ETHTOOL_A_STRSET_MAX, NULL) < 0 || !tb[ETHTOOL_A_STRSET_STRINGSETS])
		return NL_SKIP;
	nla_for_each_nested(a, tb[ETHTOOL_A_STRSET_STRINGSETS], r1) {
		struct nlattr *set[ETHTOOL_A_STRINGSET_MAX + 1];
		if (nla_type(a) != ETHTOOL_A_STRINGSETS_STRINGSET ||
		    nla_parse_nested(set, ETHTOOL_A_STRINGSET_MAX, a, NULL) < 0 || !set[ETHTOOL_A_STRINGSET_ID] ||
		    nla_get_u32(set[ETHTOOL_A_STRINGSET_ID]) != ETH_SS_FEATURES || !set[ETHTOOL_A_STRINGSET_COUNT])
			continue;
		uint32_t n = nla_get_u32(set[ETHTOOL_A_STRINGSET_COUNT]);
		if (n > 4096 || feat_alloc(ss->f, n)) {
			ss->err = ENOMEM;
			return NL_STOP;
		}
		if (!set[ETHTOOL_A_STRINGSET_STRINGS])
			continue;
		nla_for_each_nested(b, set[ETHTOOL_A_STRINGSET_STRINGS], r2) {
			struct nlattr *str[ETHTOOL_A_STRING_MAX + 1];
			(void)r3;
			(void)c;
			if (nla_type(b) != ETHTOOL_A_STRINGS_STRING ||
			    nla_parse_nested(str, ETHTOOL_A_STRING_MAX, b, NULL) < 0 || !str[ETHTOOL_A_STRING_INDEX] ||
			    !str[ETHTOOL_A_STRING_VALUE])
				continue;
			uint32_t i = nla_get_u32(str[ETHTOOL_A_STRING_INDEX]);
			if (i < n)
				nla_strlcpy(ss->f->name[i], str[ETHTOOL_A_STRING_VALUE], sizeof(ss->f->name[i]));
		}
	}
	return NL_OK;
}

/* A bitset attribute into out[0..n): verbose (names) or compact form. */
static void parse_bitset(struct nlattr *a, bool *out, size_t n)
{
	struct nlattr *tb[ETHTOOL_A_BITSET_MAX + 1], *bit;
	int rem;

	if (!a || nla_parse_nested(tb, ETHTOOL_A_BITSET_MAX, a, NULL) < 0)
		return;
	bool list = tb[ETHTOOL_A_BITSET_NOMASK] != NULL;
	if (tb[ETHTOOL_A_BITSET_BITS]) {
		nla_for_each_nested(bit, tb[ETHTOOL_A_BITSET_BITS], rem) {
			struct nlattr *b[ETHTOOL_A_BITSET_BIT_MAX + 1];
			if (nla_type(bit) != ETHTOOL_A_BITSET_BITS_BIT ||
			    nla_parse_nested(b, ETHTOOL_A_BITSET_BIT_MAX, bit, NULL) < 0 || !b[ETHTOOL_A_BITSET_BIT_INDEX])
				continue;
			uint32_t i = nla_get_u32(b[ETHTOOL_A_BITSET_BIT_INDEX]);
			if (i < n)
				out[i] = list || b[ETHTOOL_A_BITSET_BIT_VALUE] != NULL;
		}
	} else if (tb[ETHTOOL_A_BITSET_VALUE]) {
		const uint32_t *w = nla_data(tb[ETHTOOL_A_BITSET_VALUE]);
		size_t nw = (size_t)nla_len(tb[ETHTOOL_A_BITSET_VALUE]) / 4;
		for (size_t i = 0; i < n && i / 32 < nw; i++)
			out[i] = (w[i / 32] >> (i % 32)) & 1;
	}
}

static int feat_cb(struct nl_msg *m, void *arg)
{
	struct eth_feat *f = arg;
	struct nlattr *tb[ETHTOOL_A_FEATURES_MAX + 1];

	if (genlmsg_parse(nlmsg_hdr(m), 0, tb, ETHTOOL_A_FEATURES_MAX, NULL) < 0)
		return NL_SKIP;
	bool *nochange = calloc(f->n ? f->n : 1, sizeof(bool));
	if (!nochange)
		return NL_SKIP;
	parse_bitset(tb[ETHTOOL_A_FEATURES_HW], f->hw, f->n);
	parse_bitset(tb[ETHTOOL_A_FEATURES_WANTED], f->wanted, f->n);
	parse_bitset(tb[ETHTOOL_A_FEATURES_ACTIVE], f->active, f->n);
	parse_bitset(tb[ETHTOOL_A_FEATURES_NOCHANGE], nochange, f->n);
	for (size_t i = 0; i < f->n; i++)
		if (nochange[i])
			f->hw[i] = false;
	free(nochange);
	return NL_OK;
}

static int features_get_nl(struct tune *t, const char *ifname, struct eth_feat *f, char *err, size_t len)
{
	struct nl_sock *sk;
	int fam;
	int rc = tune_nl_ethtool(t, &sk, &fam, err, len);
	if (rc)
		return rc;
	struct nl_msg *m = nl_req(fam, ETHTOOL_MSG_STRSET_GET, ifname, 0);
	struct nlattr *sets, *set;
	if (!m || !(sets = nla_nest_start(m, ETHTOOL_A_STRSET_STRINGSETS)) ||
	    !(set = nla_nest_start(m, ETHTOOL_A_STRINGSETS_STRINGSET)) ||
	    nla_put_u32(m, ETHTOOL_A_STRINGSET_ID, ETH_SS_FEATURES) < 0) {
		nlmsg_free(m);
		return ENOMEM;
	}
	nla_nest_end(m, set);
	nla_nest_end(m, sets);
	struct strset ss = {.f = f};
	rc = tune_nl_talk(sk, m, strset_cb, &ss, err, len, NULL, 0);
	if (!rc && ss.err)
		rc = ss.err;
	if (!rc && !f->n) {
		snprintf(err, len, "the kernel sent no feature names");
		rc = EPROTO;
	}
	if (rc)
		return unsupported(rc, err, len);
	m = nl_req(fam, ETHTOOL_MSG_FEATURES_GET, ifname, 0);
	if (!m)
		return ENOMEM;
	rc = tune_nl_talk(sk, m, feat_cb, f, err, len, NULL, 0);
	return unsupported(rc, err, len);
}

static int features_get_ioctl(struct tune *t, const char *ifname, struct eth_feat *f, char *err, size_t len)
{
	/* struct ethtool_sset_info ends in a flexible array: one u32 follows */
	union {
		struct ethtool_sset_info hdr;
		unsigned char raw[sizeof(struct ethtool_sset_info) + sizeof(uint32_t)];
	} si;
	memset(&si, 0, sizeof(si));
	si.hdr.cmd = ETHTOOL_GSSET_INFO;
	si.hdr.sset_mask = UINT64_C(1) << ETH_SS_FEATURES;
	int rc = ioc(t, ifname, &si, err, len);
	if (rc)
		return unsupported(rc, err, len);
	uint32_t n = 0;
	if (si.hdr.sset_mask)
		memcpy(&n, si.raw + sizeof(struct ethtool_sset_info), sizeof(n));
	if (!n || n > 4096) {
		snprintf(err, len, "the driver reports %u features", n);
		return EPROTO;
	}
	if (feat_alloc(f, n))
		return ENOMEM;
	struct ethtool_gstrings *gs = calloc(1, sizeof(*gs) + (size_t)n * ETH_GSTRING_LEN);
	size_t blocks = (n + 31) / 32;
	struct ethtool_gfeatures *gf = calloc(1, sizeof(*gf) + blocks * sizeof(gf->features[0]));
	if (!gs || !gf) {
		free(gs);
		free(gf);
		return ENOMEM;
	}
	gs->cmd = ETHTOOL_GSTRINGS;
	gs->string_set = ETH_SS_FEATURES;
	gs->len = n;
	rc = ioc(t, ifname, gs, err, len);
	if (!rc) {
		gf->cmd = ETHTOOL_GFEATURES;
		gf->size = (uint32_t)blocks;
		rc = ioc(t, ifname, gf, err, len);
	}
	if (!rc) {
		for (uint32_t i = 0; i < n; i++) {
			memcpy(f->name[i], gs->data + (size_t)i * ETH_GSTRING_LEN, ETH_GSTRING_LEN < 32 ? ETH_GSTRING_LEN : 31);
			f->name[i][31] = '\0';
			const struct ethtool_get_features_block *b = &gf->features[i / 32];
			uint32_t bit = UINT32_C(1) << (i % 32);
			f->hw[i] = (b->available & bit) && !(b->never_changed & bit);
			f->wanted[i] = b->requested & bit;
			f->active[i] = b->active & bit;
		}
	}
	free(gs);
	free(gf);
	return unsupported(rc, err, len);
}

int tune_eth_features_get(struct tune *t, const char *ifname, struct eth_feat *f, char *err, size_t len)
{
	memset(f, 0, sizeof(*f));
	int rc = guard(t, ifname, err, len);
	if (rc)
		return rc;
	rc = features_get_nl(t, ifname, f, err, len);
	if (rc == ENOTSUP && (t->ethtool_ioctl || t->ethtool_family < 0)) {
		tune_eth_features_free(f);
		rc = features_get_ioctl(t, ifname, f, err, len);
	}
	if (rc)
		tune_eth_features_free(f);
	return rc;
}

static int features_set_nl(struct tune *t, const char *ifname, const char *const *names, const bool *on,
			   size_t n, char *err, size_t len)
{
	struct nl_sock *sk;
	int fam;
	int rc = tune_nl_ethtool(t, &sk, &fam, err, len);
	if (rc)
		return rc;
	/* OMIT_REPLY: we read back ourselves */
	struct nl_msg *m = nl_req(fam, ETHTOOL_MSG_FEATURES_SET, ifname, ETHTOOL_FLAG_OMIT_REPLY);
	struct nlattr *want, *bits;
	if (!m || !(want = nla_nest_start(m, ETHTOOL_A_FEATURES_WANTED)) ||
	    !(bits = nla_nest_start(m, ETHTOOL_A_BITSET_BITS)))
		goto oom;
	for (size_t i = 0; i < n; i++) {
		struct nlattr *bit = nla_nest_start(m, ETHTOOL_A_BITSET_BITS_BIT);
		if (!bit || nla_put_string(m, ETHTOOL_A_BITSET_BIT_NAME, names[i]) < 0 ||
		    (on[i] && nla_put_flag(m, ETHTOOL_A_BITSET_BIT_VALUE) < 0))
			goto oom;
		nla_nest_end(m, bit);
	}
	nla_nest_end(m, bits);
	nla_nest_end(m, want);
	rc = tune_nl_talk(sk, m, NULL, NULL, err, len, NULL, 0);
	return unsupported(rc, err, len);
oom:
	nlmsg_free(m);
	return ENOMEM;
}

static int features_set_ioctl(struct tune *t, const char *ifname, const char *const *names, const bool *on,
			      size_t n, char *err, size_t len)
{
	struct eth_feat f;
	int rc = features_get_ioctl(t, ifname, &f, err, len);
	if (rc)
		return rc;
	size_t blocks = (f.n + 31) / 32;
	struct ethtool_sfeatures *sf = calloc(1, sizeof(*sf) + blocks * sizeof(sf->features[0]));
	if (!sf) {
		tune_eth_features_free(&f);
		return ENOMEM;
	}
	sf->cmd = ETHTOOL_SFEATURES;
	sf->size = (uint32_t)blocks;
	for (size_t i = 0; i < n; i++) {
		size_t j;
		for (j = 0; j < f.n && strcmp(f.name[j], names[i]); j++)
			;
		if (j == f.n) {
			snprintf(err, len, "the kernel has no feature '%s'", names[i]);
			rc = EINVAL;
			break;
		}
		sf->features[j / 32].valid |= UINT32_C(1) << (j % 32);
		if (on[i])
			sf->features[j / 32].requested |= UINT32_C(1) << (j % 32);
	}
	if (!rc) {
		rc = ioc(t, ifname, sf, err, len);
		rc = unsupported(rc, err, len);
	}
	free(sf);
	tune_eth_features_free(&f);
	return rc;
}

int tune_eth_features_set(struct tune *t, const char *ifname, const char *const *names, const bool *on,
		     size_t n, char *err, size_t len)
{
	int rc = guard(t, ifname, err, len);
	if (rc)
		return rc;
	rc = features_set_nl(t, ifname, names, on, n, err, len);
	if (rc == ENOTSUP && (t->ethtool_ioctl || t->ethtool_family < 0))
		rc = features_set_ioctl(t, ifname, names, on, n, err, len);
	return rc;
}

int tune_eth_driver(struct tune *t, const char *ifname, char *buf, size_t len)
{
	buf[0] = '\0';
	if (t->no_netlink || t->root[0]) {
		char p[PATH_MAX], real[PATH_MAX];
		if (tune_path(t, p, sizeof(p), "/sys/class/net/%s/device/driver", ifname) || !realpath(p, real))
			return ENOENT;
		const char *s = strrchr(real, '/');
		snprintf(buf, len, "%s", s ? s + 1 : real);
		return 0;
	}
	struct ethtool_drvinfo di;
	char err[128];
	memset(&di, 0, sizeof(di));
	di.cmd = ETHTOOL_GDRVINFO;
	int rc = ioc(t, ifname, &di, err, sizeof(err));
	if (!rc)
		snprintf(buf, len, "%.*s", (int)sizeof(di.driver), di.driver);
	return rc;
}

/* ------------------------------------------------------------------ */
/* ethtool -k short names                                               */

const char *const tune_eth_feature_shorts[] = {
	"sg", "tso", "gso", "gro", "lro", "rx", "tx", "rxvlan", "txvlan", "ntuple", "rxhash", NULL,
};

static bool prefix(const char *s, const char *p)
{
	return !strncmp(s, p, strlen(p));
}

static bool suffix(const char *s, const char *x)
{
	size_t a = strlen(s), b = strlen(x);
	return a >= b && !strcmp(s + a - b, x);
}

bool tune_eth_feature_member(const char *shortname, const char *k)
{
	if (!strcmp(shortname, "sg"))
		return prefix(k, "tx-scatter-gather");
	if (!strcmp(shortname, "tso")) /* tcp, tcp6, tcp-ecn, tcp-mangleid, ... */
		return prefix(k, "tx-tcp") && suffix(k, "-segmentation");
	if (!strcmp(shortname, "gso"))
		return !strcmp(k, "tx-generic-segmentation");
	if (!strcmp(shortname, "gro"))
		return !strcmp(k, "rx-gro");
	if (!strcmp(shortname, "lro"))
		return !strcmp(k, "rx-lro");
	if (!strcmp(shortname, "rx"))
		return !strcmp(k, "rx-checksum");
	if (!strcmp(shortname, "tx"))
		return prefix(k, "tx-checksum-");
	if (!strcmp(shortname, "rxvlan"))
		return !strcmp(k, "rx-vlan-hw-parse");
	if (!strcmp(shortname, "txvlan"))
		return !strcmp(k, "tx-vlan-hw-insert");
	if (!strcmp(shortname, "ntuple"))
		return !strcmp(k, "rx-ntuple-filter");
	if (!strcmp(shortname, "rxhash"))
		return !strcmp(k, "rx-hashing");
	return !strcmp(shortname, k);
}

bool tune_eth_feature_short(const char *name)
{
	for (const char *const *s = tune_eth_feature_shorts; *s; s++)
		if (!strcmp(*s, name))
			return true;
	return false;
}

/* ------------------------------------------------------------------ */
/* Knobs: channels, rings, coalesce (one knob per field)                */

static enum eth_group knob_group(const struct knob *k)
{
	if (k->type == &knob_channels)
		return ETH_CHANNELS;
	if (k->type == &knob_rings)
		return ETH_RINGS;
	return ETH_COALESCE;
}

/* k->idx is the field; ETH_MAXF stands for "the whole group" (show, when
 * the driver has none of it) */
static int grp_read(struct tune *t, struct knob *k)
{
	enum eth_group g = knob_group(k);
	struct eth_vals v;
	char what[64];
	int rc = tune_eth_get(t, k->obj, g, &v, k->err, sizeof(k->err));
	if (rc == ENOTSUP) {
		char e[TUNE_ERRLEN];
		snprintf(e, sizeof(e), "%s", k->err);
		return knob_fail(k, ENOTSUP, "%s has no %s settings (%s)", tune_link_what_short(t, k->obj, what, sizeof(what)),
				 tune_eth_group_name(g), e);
	}
	if (rc)
		return rc;
	if (k->idx >= ETH_MAXF)
		return knob_fail(k, ENOTSUP, "no %s fields", tune_eth_group_name(g));
	if (!v.has[k->idx])
		return knob_fail(k, ENOTSUP, "%s has no %s %s (%s)", tune_link_what_short(t, k->obj, what, sizeof(what)),
				 tune_eth_group_name(g), tune_eth_field_name(g, k->idx),
				 g == ETH_COALESCE ? "the driver does not report it" : "maximum 0");
	if (tune_eth_field_is_bool(g, k->idx))
		snprintf(k->cur, sizeof(k->cur), "%s", v.cur[k->idx] ? "on" : "off");
	else
		snprintf(k->cur, sizeof(k->cur), "%u", v.cur[k->idx]);
	if (v.max[k->idx])
		snprintf(k->detail, sizeof(k->detail), "max %u", v.max[k->idx]);
	return 0;
}

static int grp_value(enum eth_group g, unsigned f, const char *s, uint32_t *out)
{
	uint64_t v;
	if (tune_eth_field_is_bool(g, f)) {
		if (!strcmp(s, "on"))
			*out = 1;
		else if (!strcmp(s, "off"))
			*out = 0;
		else
			return EINVAL;
		return 0;
	}
	if (tune_parse_u64(s, 0, UINT32_MAX, &v))
		return EINVAL;
	*out = (uint32_t)v;
	return 0;
}

static int grp_check(struct tune *t, struct knob *k)
{
	enum eth_group g = knob_group(k);
	struct eth_vals v;
	uint32_t want;
	char what[64];

	if (grp_value(g, k->idx, k->want, &want))
		return knob_fail(k, EINVAL, "bad value '%s'", k->want);
	int rc = tune_eth_get(t, k->obj, g, &v, k->err, sizeof(k->err));
	if (rc)
		return rc;
	if (v.max[k->idx] && want > v.max[k->idx])
		return knob_fail(k, ERANGE, "%u is above the maximum %u that %s reports", want, v.max[k->idx],
				 tune_link_what_short(t, k->obj, what, sizeof(what)));
	if (g == ETH_CHANNELS && !strcmp(tune_eth_field_name(g, k->idx), "combined") && want == 0 &&
	    !v.cur[0] && !v.cur[1])
		return knob_fail(k, ERANGE, "0 combined channels and no rx/tx channels leaves no queue");
	if (v.cur[k->idx] == want)
		return 0;
	/* the kernel's own validation of the operation, without a change */
	rc = tune_eth_probe(t, k->obj, g, k->idx, v.cur[k->idx], k->err, sizeof(k->err));
	if (rc == ENOTSUP) {
		char e[TUNE_ERRLEN];
		snprintf(e, sizeof(e), "%s", k->err);
		return knob_fail(k, ENOTSUP, "%s cannot change %s %s (%s)",
				 tune_link_what_short(t, k->obj, what, sizeof(what)), tune_eth_group_name(g),
				 tune_eth_field_name(g, k->idx), e);
	}
	return rc;
}

static int grp_apply(struct tune *t, struct knob *k, const char *val)
{
	enum eth_group g = knob_group(k);
	uint32_t v;
	char err[TUNE_ERRLEN];
	if (grp_value(g, k->idx, val, &v))
		return knob_fail(k, EINVAL, "bad value '%s'", val);
	int rc = tune_eth_set(t, k->obj, g, k->idx, v, err, sizeof(err));
	if (rc)
		return knob_fail(k, rc, "%s", err);
	return 0;
}

const struct knob_type knob_channels = {
	.name = "channels", .cls = KNOB_LIVE, .rank = RANK_CHANNELS,
	.read = grp_read, .check = grp_check, .apply = grp_apply,
};
const struct knob_type knob_rings = {
	.name = "rings", .cls = KNOB_LIVE, .rank = RANK_RINGS,
	.read = grp_read, .check = grp_check, .apply = grp_apply,
};
const struct knob_type knob_coalesce = {
	.name = "coalesce", .cls = KNOB_LIVE, .rank = RANK_COALESCE,
	.read = grp_read, .check = grp_check, .apply = grp_apply,
};

/* ------------------------------------------------------------------ */
/* Knob: one feature (k->arg: a short name or a kernel feature name)    */

/* Value: "on", "off" or "mixed" for the active state of the feature's
 * changeable members (all members when none is changeable), then
 * " [fixed]" when the driver does not let it change, or
 * " [requested on]" when the kernel keeps it other than requested, as
 * ethtool -k shows it. Restore token: "want:" and the requested state of
 * every changeable member, so a revert puts back the request too. */
static int feat_read(struct tune *t, struct knob *k)
{
	struct eth_feat f;
	int rc = tune_eth_features_get(t, k->obj, &f, k->err, sizeof(k->err));
	if (rc == ENOTSUP) {
		char e[TUNE_ERRLEN], what[64];
		snprintf(e, sizeof(e), "%s", k->err);
		return knob_fail(k, ENOTSUP, "%s has no offload features (%s)",
				 tune_link_what_short(t, k->obj, what, sizeof(what)), e);
	}
	if (rc)
		return rc;
	unsigned members = 0, hw = 0, act_hw = 0, act_all = 0, want_hw = 0;
	size_t used = 0;
	used += (size_t)snprintf(k->restore, sizeof(k->restore), "want:");
	for (size_t i = 0; i < f.n; i++) {
		if (!f.name[i][0] || !tune_eth_feature_member(k->arg, f.name[i]))
			continue;
		members++;
		act_all += f.active[i];
		if (f.hw[i]) {
			hw++;
			act_hw += f.active[i];
			want_hw += f.wanted[i];
			if (used < sizeof(k->restore)) {
				int n = snprintf(k->restore + used, sizeof(k->restore) - used, "%s%s=%d",
						 hw > 1 ? "," : "", f.name[i], f.wanted[i] ? 1 : 0);
				used += n > 0 ? (size_t)n : 0;
			}
		}
	}
	tune_eth_features_free(&f);
	if (!members)
		return knob_fail(k, ENOTSUP, "the kernel has no feature '%s'", k->arg);
	unsigned act = hw ? act_hw : act_all, of = hw ? hw : members;
	const char *state = act == of ? "on" : act == 0 ? "off" : "mixed";
	const char *want = want_hw == hw ? "on" : want_hw == 0 ? "off" : "mixed";
	if (!hw)
		snprintf(k->cur, sizeof(k->cur), "%s [fixed]", state);
	else if (strcmp(state, want))
		snprintf(k->cur, sizeof(k->cur), "%s [requested %s]", state, want);
	else
		snprintf(k->cur, sizeof(k->cur), "%s", state);
	if (!hw)
		k->restore[0] = '\0';
	return 0;
}

static bool feat_same(const struct knob *k, const char *cur, const char *want)
{
	(void)k;
	size_t n = strcspn(cur, " ");
	return strlen(want) == n && !strncmp(cur, want, n);
}

static int feat_check(struct tune *t, struct knob *k)
{
	char what[64];
	(void)t;
	if (strcmp(k->want, "on") && strcmp(k->want, "off"))
		return knob_fail(k, EINVAL, "bad value '%s' (on or off)", k->want);
	if (strstr(k->cur, "[fixed]") && !feat_same(k, k->cur, k->want))
		return knob_fail(k, ENOTSUP, "%s keeps %s %s: fixed by the driver",
				 tune_link_what_short(t, k->obj, what, sizeof(what)), k->arg, k->cur);
	return 0;
}

static int feat_apply(struct tune *t, struct knob *k, const char *v)
{
	struct eth_feat f;
	char err[TUNE_ERRLEN];
	const char **names = NULL;
	bool *on = NULL;
	size_t n = 0;

	int rc = tune_eth_features_get(t, k->obj, &f, err, sizeof(err));
	if (rc)
		return knob_fail(k, rc, "%s", err);
	names = calloc(f.n ? f.n : 1, sizeof(*names));
	on = calloc(f.n ? f.n : 1, sizeof(*on));
	if (!names || !on) {
		rc = knob_fail(k, ENOMEM, "out of memory");
		goto out;
	}
	if (!strncmp(v, "want:", 5)) {
		/* a restore token: each member's requested state */
		char buf[TUNE_VAL], *save = NULL;
		snprintf(buf, sizeof(buf), "%s", v + 5);
		for (char *it = strtok_r(buf, ",", &save); it; it = strtok_r(NULL, ",", &save)) {
			char *eq = strrchr(it, '=');
			if (!eq)
				continue;
			*eq = '\0';
			for (size_t i = 0; i < f.n; i++)
				if (!strcmp(f.name[i], it) && f.hw[i]) {
					names[n] = f.name[i];
					on[n++] = eq[1] == '1';
				}
		}
	} else {
		bool want = !strcmp(v, "on");
		if (!want && strcmp(v, "off")) {
			rc = knob_fail(k, EINVAL, "bad value '%s'", v);
			goto out;
		}
		for (size_t i = 0; i < f.n; i++)
			if (f.hw[i] && tune_eth_feature_member(k->arg, f.name[i])) {
				names[n] = f.name[i];
				on[n++] = want;
			}
	}
	if (!n) {
		rc = knob_fail(k, ENOTSUP, "%s: fixed by the driver", k->arg);
		goto out;
	}
	rc = tune_eth_features_set(t, k->obj, names, on, n, err, sizeof(err));
	if (rc)
		knob_fail(k, rc, "%s", err);
out:
	free(names);
	free(on);
	tune_eth_features_free(&f);
	return rc;
}

const struct knob_type knob_feature = {
	.name = "feature", .cls = KNOB_LIVE, .rank = RANK_FEATURES,
	.read = feat_read, .check = feat_check, .apply = feat_apply, .same = feat_same,
};

/* ------------------------------------------------------------------ */
/* show                                                                 */

int tune_eth_show(struct tune *t, const char *ifname, struct knobs *ks)
{
	static const struct knob_type *const types[ETH_NGROUPS] = {&knob_channels, &knob_rings, &knob_coalesce};
	char err[TUNE_ERRLEN], name[96];

	for (int g = 0; g < ETH_NGROUPS; g++) {
		struct eth_vals v;
		int rc = tune_eth_get(t, ifname, (enum eth_group)g, &v, err, sizeof(err));
		if (rc) {
			/* one line says the driver has none of it */
			struct knob *k = knobs_add(ks, types[g], ifname, tune_eth_group_name((enum eth_group)g));
			if (!k)
				return ENOMEM;
			k->idx = ETH_MAXF;
			continue;
		}
		for (unsigned f = 0; f < tune_eth_nfields((enum eth_group)g); f++) {
			if (!v.has[f])
				continue;
			snprintf(name, sizeof(name), "%s.%s", tune_eth_group_name((enum eth_group)g),
				 tune_eth_field_name((enum eth_group)g, f));
			struct knob *k = knobs_add(ks, types[g], ifname, name);
			if (!k)
				return ENOMEM;
			k->idx = f;
		}
	}
	for (const char *const *s = tune_eth_feature_shorts; *s; s++) {
		snprintf(name, sizeof(name), "features.%s", *s);
		struct knob *k = knobs_add(ks, &knob_feature, ifname, name);
		if (!k)
			return ENOMEM;
		snprintf(k->arg, sizeof(k->arg), "%s", *s);
	}
	return 0;
}
