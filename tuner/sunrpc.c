/* sunrpc.c - SunRPC slot table knobs. The ranges are the kernel's:
 * RPC_MIN_SLOT_TABLE (2) to RPC_MAX_SLOT_TABLE_LIMIT (65536), from
 * include/linux/sunrpc/xprt.h and net/sunrpc/xprtsock.c. */
#include "tune_sunrpc.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tune_sysctl.h"

const char *const tune_sunrpc_knobs[] = {
	"tcp_slot_table_entries",     /* slots a new TCP transport starts with */
	"tcp_max_slot_table_entries", /* how far it may grow on demand */
	"udp_slot_table_entries",
	NULL,
};

int tune_sunrpc_range(const char *name, uint64_t *min, uint64_t *max)
{
	for (const char *const *k = tune_sunrpc_knobs; *k; k++)
		if (!strcmp(*k, name)) {
			*min = 2;
			*max = 65536;
			return 0;
		}
	return EINVAL;
}

int tune_sunrpc_path(const struct tune *t, const char *name, char *path, size_t len, char *err, size_t errlen)
{
	uint64_t lo, hi;
	char dir[PATH_MAX];

	if (tune_sunrpc_range(name, &lo, &hi)) {
		snprintf(err, errlen, "unknown sunrpc knob '%s'", name);
		return EINVAL;
	}
	if (tune_path(t, dir, sizeof(dir), "/proc/sys/sunrpc") || tune_path(t, path, len, "/proc/sys/sunrpc/%s", name))
		return ENAMETOOLONG;
	if (access(dir, F_OK)) {
		snprintf(err, errlen, "the sunrpc module is not loaded (no %s): load it (modprobe sunrpc) or set "
			 "'options sunrpc %s=N' in /etc/modprobe.d for its next load", dir, name);
		return ENOENT;
	}
	if (access(path, F_OK)) {
		snprintf(err, errlen, "%s does not exist (older kernel?)", path);
		return ENOENT;
	}
	return 0;
}

static int rpc_check(struct tune *t, struct knob *k)
{
	uint64_t lo, hi, v;
	(void)t;
	if (tune_sunrpc_range(k->name, &lo, &hi) || tune_parse_u64(k->want, lo, hi, &v))
		return knob_fail(k, ERANGE, "%s is outside %llu..%llu", k->want, (unsigned long long)lo,
				 (unsigned long long)hi);
	return knob_file_writable(k);
}

static void rpc_hint(struct tune *t, const struct knob *k, char *buf, size_t len)
{
	(void)t;
	snprintf(buf, len, "applies to NFS mounts made afterwards; to keep it across reboots: "
		 "echo 'options sunrpc %s=%s' > /etc/modprobe.d/sunrpc.conf", k->name, k->want);
}

static int absent_read(struct tune *t, struct knob *k)
{
	char p[PATH_MAX];
	return tune_sunrpc_path(t, tune_sunrpc_knobs[0], p, sizeof(p), k->err, sizeof(k->err));
}

/* Show's single line when the module is not loaded. */
static const struct knob_type knob_sunrpc_absent = {
	.name = "sunrpc", .cls = KNOB_NEWCONN, .rank = RANK_SUNRPC, .read = absent_read,
};

const struct knob_type knob_sunrpc = {
	.name = "sunrpc", .cls = KNOB_NEWCONN, .rank = RANK_SUNRPC,
	.read = knob_file_read, .check = rpc_check, .apply = knob_file_apply, .same = knob_file_same,
	.hint = rpc_hint,
};

int tune_sunrpc_show(struct tune *t, struct knobs *ks)
{
	char p[PATH_MAX], err[512];
	for (const char *const *n = tune_sunrpc_knobs; *n; n++) {
		int rc = tune_sunrpc_path(t, *n, p, sizeof(p), err, sizeof(err));
		if (rc && n == tune_sunrpc_knobs) {
			/* one line says the module is absent */
			return knobs_add(ks, &knob_sunrpc_absent, "sunrpc", "module") ? 0 : ENOMEM;
		}
		if (rc)
			continue;
		struct knob *k = knobs_add(ks, &knob_sunrpc, "sunrpc", *n);
		if (!k)
			return ENOMEM;
		snprintf(k->arg, sizeof(k->arg), "%s", p);
	}
	return 0;
}
