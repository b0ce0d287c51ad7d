/* nbclient.h - the "nfsbench" section of a profile: the client settings
 * (connections, slots, rsize, wsize) nfsbench should run with on a host
 * tuned by that profile. One parser, used by nfstune and by nfsbench. */
#ifndef NFSTUNE_NFSBENCH_CFG_H
#define NFSTUNE_NFSBENCH_CFG_H

#include <stdbool.h>
#include <stdint.h>

#include "cfg.h"

/* nfsbench's own limits (nfsbench/nfsbench.h, nfsbench/main.c). */
#define NBCFG_MAX_CONNS 256
#define NBCFG_MAX_SLOTS 4096
#define NBCFG_MIN_IO 512
#define NBCFG_MAX_IO (64u << 20)

struct nfsbench_cfg {
	bool has_connections, has_slots, has_rsize, has_wsize;
	unsigned connections; /* TCP connections */
	unsigned slots;       /* RPCs in flight per connection */
	uint64_t rsize, wsize; /* bytes per READ / WRITE */
};

/* Parse obj (the section; keypath names it, e.g. "nfsbench") into *nb.
 * Absent keys stay unset. 0, or EINVAL with c->err naming the key and its
 * file:line:col. */
int nfsbench_cfg_parse(struct cfg *c, struct json_object *obj, const char *keypath, struct nfsbench_cfg *nb);

#endif
