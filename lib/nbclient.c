/* nbclient.c - parse and validate a profile's "nfsbench" section (nbclient.h). */
#include "nbclient.h"

#include <errno.h>
#include <string.h>

#include <json-c/json.h>

int nfsbench_cfg_parse(struct cfg *c, struct json_object *obj, const char *keypath, struct nfsbench_cfg *nb)
{
	static const char *const keys[] = {"connections", "slots", "rsize", "wsize", NULL};
	char path[256];
	uint64_t v;
	int rc;

	memset(nb, 0, sizeof(*nb));
	rc = cfg_check_keys(c, obj, keypath, keys);
	if (rc)
		return rc;
	rc = cfg_get_u64(c, obj, keypath, "connections", &v);
	if (!rc) {
		if (v < 1 || v > NBCFG_MAX_CONNS)
			return cfg_error(c, cfg_path_key(path, sizeof(path), keypath, "connections"),
					 "%llu is outside 1..%u", (unsigned long long)v, NBCFG_MAX_CONNS);
		nb->connections = (unsigned)v;
		nb->has_connections = true;
	} else if (rc != ENOENT) {
		return rc;
	}
	rc = cfg_get_u64(c, obj, keypath, "slots", &v);
	if (!rc) {
		if (v < 1 || v > NBCFG_MAX_SLOTS)
			return cfg_error(c, cfg_path_key(path, sizeof(path), keypath, "slots"),
					 "%llu is outside 1..%u", (unsigned long long)v, NBCFG_MAX_SLOTS);
		nb->slots = (unsigned)v;
		nb->has_slots = true;
	} else if (rc != ENOENT) {
		return rc;
	}
	static const char *const io[] = {"rsize", "wsize"};
	for (int i = 0; i < 2; i++) {
		rc = cfg_get_size(c, obj, keypath, io[i], &v);
		if (rc == ENOENT)
			continue;
		if (rc)
			return rc;
		if (v < NBCFG_MIN_IO || v > NBCFG_MAX_IO)
			return cfg_error(c, cfg_path_key(path, sizeof(path), keypath, io[i]),
					 "%llu is outside %u..%u bytes", (unsigned long long)v, NBCFG_MIN_IO, NBCFG_MAX_IO);
		if (i == 0) {
			nb->rsize = v;
			nb->has_rsize = true;
		} else {
			nb->wsize = v;
			nb->has_wsize = true;
		}
	}
	return 0;
}
