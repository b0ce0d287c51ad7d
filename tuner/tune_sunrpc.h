/* sunrpc.h - SunRPC slot tables (/proc/sys/sunrpc): how many RPCs one
 * transport keeps in flight. They apply to transports created afterwards,
 * hence class new-connections. */
#ifndef NFSTUNE_SUNRPC_H
#define NFSTUNE_SUNRPC_H

#include <stddef.h>
#include <stdint.h>

#include "tune.h"

extern const char *const tune_sunrpc_knobs[]; /* NULL-terminated, for cfg_check_keys */
/* Range of a knob: 0, or EINVAL for an unknown name. */
int tune_sunrpc_range(const char *name, uint64_t *min, uint64_t *max);
/* The file of a knob. 0, or ENOENT when sunrpc is not loaded (err says so). */
int tune_sunrpc_path(const struct tune *t, const char *name, char *path, size_t len, char *err, size_t errlen);

extern const struct knob_type knob_sunrpc;
int tune_sunrpc_show(struct tune *t, struct knobs *ks);

#endif
