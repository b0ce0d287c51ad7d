/* ethtool.h - channels, rings, coalescing and offload features, through the
 * kernel's ethtool generic netlink family, or the SIOCETHTOOL ioctl where
 * that family is missing (or --ethtool-ioctl asks for it). Both backends
 * fill the same structures, so the knobs above them do not care. */
#ifndef NFSTUNE_ETHTOOL_H
#define NFSTUNE_ETHTOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tune.h"

enum eth_group { ETH_CHANNELS, ETH_RINGS, ETH_COALESCE, ETH_NGROUPS };
#define ETH_MAXF 6

struct eth_vals {
	uint32_t cur[ETH_MAXF];
	uint32_t max[ETH_MAXF]; /* channels and rings; 0 = not settable */
	bool has[ETH_MAXF];     /* the device has this field */
};

/* Group and field names as ethtool spells them: "channels", "combined";
 * "coalesce", "rx-usecs". Returns the field index, or -1. */
const char *tune_eth_group_name(enum eth_group g);
int tune_eth_field(enum eth_group g, const char *name);
const char *tune_eth_field_name(enum eth_group g, unsigned f);
unsigned tune_eth_nfields(enum eth_group g);
bool tune_eth_field_is_bool(enum eth_group g, unsigned f);

/* 0; ENOTSUP when the driver has no such operation (err holds the
 * kernel's words); ENODEV; or another errno value. */
int tune_eth_get(struct tune *t, const char *ifname, enum eth_group g, struct eth_vals *v, char *err,
	    size_t len);
int tune_eth_set(struct tune *t, const char *ifname, enum eth_group g, unsigned f, uint32_t val,
	    char *err, size_t len);
/* Ask the kernel to validate a set of field f without changing anything
 * (netlink only: a set to the current value passes the kernel's checks
 * for the operation, then changes nothing). 0 when the set would be
 * accepted or cannot be probed; ENOTSUP when the driver cannot set it. */
int tune_eth_probe(struct tune *t, const char *ifname, enum eth_group g, unsigned f, uint32_t cur,
	      char *err, size_t len);

/* Offload features, by the kernel's names ("rx-gro", "tx-tcp-segmentation"). */
struct eth_feat {
	size_t n;
	char (*name)[32];
	bool *hw;       /* changeable (hw_features and not never-change) */
	bool *wanted;   /* requested */
	bool *active;
};
int tune_eth_features_get(struct tune *t, const char *ifname, struct eth_feat *f, char *err, size_t len);
void tune_eth_features_free(struct eth_feat *f);
/* Set the wanted state of n features (by name). */
int tune_eth_features_set(struct tune *t, const char *ifname, const char *const *names, const bool *on,
		     size_t n, char *err, size_t len);
/* Driver name (ETHTOOL_GDRVINFO); "" when there is none. */
int tune_eth_driver(struct tune *t, const char *ifname, char *buf, size_t len);

/* The ethtool -k short names (tso, gso, gro, lro, sg, rx, tx, ...): does
 * kernel feature name belong to the short name? */
bool tune_eth_feature_member(const char *shortname, const char *kname);
bool tune_eth_feature_short(const char *name);
extern const char *const tune_eth_feature_shorts[];

extern const struct knob_type knob_channels, knob_rings, knob_coalesce, knob_feature;
/* Append ifname's channels, rings, coalescing and features to ks (show). */
int tune_eth_show(struct tune *t, const char *ifname, struct knobs *ks);

#endif
