/* tune.h - the model shared by every file of nfstune: a knob (one tunable
 * value of one object, with a reader, a validator, an applier and a
 * read-back check), the list of knobs a command works on, and the context
 * (the --root tree, the netlink sockets, collected errors).
 *
 * Every value is a string in a canonical form ("9000", "on", "0-3",
 * "tbf rate=1250000000 burst=131072 limit=1000000"): one representation for
 * the plan, the journal and the output, so a value read today can be written
 * back tomorrow by the same applier. */
#ifndef NFSTUNE_TUNE_H
#define NFSTUNE_TUNE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cfg.h"

#define TUNE_VAL 512    /* longest value (a 1024-CPU list fits) */
#define TUNE_ERRLEN 512 /* one message */

/* When a change takes effect; live, new-connections and remount knobs
 * are applied (a remount refuses a mount in use), the others are planned
 * with the command to run. */
enum knob_class {
	KNOB_LIVE,
	KNOB_NEWCONN,   /* new TCP connections or mounts */
	KNOB_REMOUNT,
	KNOB_VMRESTART,
	KNOB_MODRELOAD,
};
const char *knob_class_name(enum knob_class c);
static inline bool knob_class_applies(enum knob_class c)
{
	return c == KNOB_LIVE || c == KNOB_NEWCONN || c == KNOB_REMOUNT;
}

/* Apply order (dependency order; revert runs it backwards). Queue counts
 * come before what is set per queue (qdisc, RPS/XPS, IRQs); sysctls and
 * slot tables before interfaces; MTU before rings, which some drivers size
 * from the MTU. */
enum knob_rank {
	RANK_SYSCTL = 10,
	RANK_SUNRPC = 20,
	RANK_MTU = 30,
	RANK_TXQLEN = 40,
	RANK_FEATURES = 50,
	RANK_RINGS = 60,
	RANK_COALESCE = 70,
	RANK_CHANNELS = 80,
	RANK_QDISC = 90,
	RANK_RPS = 100,
	RANK_XPS = 110,
	RANK_IRQ = 120,
	RANK_NFS = 130,
	RANK_VIRTIO = 140,
};

struct tune;
struct knob;

/* What one kind of knob can do. Readers and appliers return 0, ENOTSUP
 * when the kernel or driver cannot do it (with the kernel's words in
 * k->err), ENOENT when the object is gone, or another errno value, always
 * with k->err set. */
struct knob_type {
	const char *name;    /* kind, for the journal: "mtu", "sysctl", ... */
	enum knob_class cls;
	int rank;
	/* fill k->cur (and k->restore when restoring needs more than cur) */
	int (*read)(struct tune *t, struct knob *k);
	/* after read: is k->want possible here (device limits, CPUs)? */
	int (*check)(struct tune *t, struct knob *k);
	/* set value v: a wanted value or a restore token */
	int (*apply)(struct tune *t, struct knob *k, const char *v);
	/* does cur satisfy want? NULL: equal strings */
	bool (*same)(const struct knob *k, const char *cur, const char *want);
	/* for planned-only classes: the command or snippet to use */
	void (*hint)(struct tune *t, const struct knob *k, char *buf, size_t len);
};

struct knob {
	const struct knob_type *type;
	char obj[256];    /* "eth1", "sysctl", "sunrpc", "/mnt/data", "vm1" */
	char name[128];   /* "mtu", "channels.combined", "net.core.rmem_max" */
	char path[320];   /* the profile key path, for messages */
	char arg[TUNE_VAL]; /* per type: a file, a feature name, options */
	unsigned idx;     /* per type: a field or queue number */
	unsigned ord;     /* order inside a rank (profile order) */
	/* where the profile set it (NULL file: not from a profile) */
	const char *file;
	unsigned line, col;

	bool has_want;
	char want[TUNE_VAL];
	char cur[TUNE_VAL];
	char restore[TUNE_VAL]; /* token that puts cur back; "" = cur */
	char detail[160];       /* shown next to the value (IRQ name, mask) */
	int rc;                 /* of the last read */
	bool bad;               /* failed validation */
	char err[TUNE_ERRLEN];
};

struct knobs {
	struct knob *v;
	size_t n, cap;
};
/* Append a zeroed knob of type ty; NULL on allocation failure. */
struct knob *knobs_add(struct knobs *ks, const struct knob_type *ty, const char *obj,
		       const char *name);
void knobs_free(struct knobs *ks);
/* Stable sort by (rank, ord). */
void knobs_sort(struct knobs *ks);
struct knob *knobs_find(struct knobs *ks, const char *obj, const char *name);
/* Every knob type, by its name (journals name types). */
const struct knob_type *knob_type_find(const char *name);

/* The context of one run. */
struct tune {
	char root[PATH_MAX];   /* "" = the real /proc and /sys */
	bool no_netlink;       /* no kernel sockets (unit tests on fake trees) */
	bool ethtool_ioctl;    /* use SIOCETHTOOL even where netlink works */
	bool force;            /* run despite irqbalance, interrupted applies */
	/* not the host's initial network namespace (--netns, ip netns exec):
	 * sysctls the kernel keeps host-wide would change the whole host */
	bool other_netns;
	char netns_name[128];  /* for messages */
	bool host_global;      /* --host-global: allow them anyway */
	/* netlink state, opened on first use (nl.c) */
	struct nl_sock *rt;
	struct nl_sock *gen;
	int ethtool_family;    /* 0: not resolved yet, -1: kernel lacks it */
	int ioctl_fd;          /* -1 until needed */
	/* collected messages, printed by main */
	char **errs;
	size_t nerrs, errs_cap;
	char **warns;
	size_t nwarns, warns_cap;
};
void tune_init(struct tune *t);
void tune_fini(struct tune *t);
void tune_error(struct tune *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void tune_warn(struct tune *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Error about a knob, with the profile position when it came from one:
 * "file:line:col: path: msg". */
void tune_knob_error(struct tune *t, const struct knob *k, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Set k->err; returns rc. */
int knob_fail(struct knob *k, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* ---- files under --root (util.c) ---- */

/* root + the absolute path made from fmt. Returns 0 or ENAMETOOLONG. */
int tune_path(const struct tune *t, char *out, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Is path (which must exist) inside root + one of the prefixes (each like
 * "/proc/sys/", NULL-terminated) once symlinks are resolved? This is what
 * keeps profile-supplied names from reaching other files. */
bool tune_path_inside(const struct tune *t, const char *path, const char *const *prefixes);
/* Open the files under root (the --root tree) as trusted files only
 * (trust.h) from now on: tune_read_file and tune_write_file refuse others. */
void tune_trust_tree(const char *root);
/* Read a small file, trailing newline dropped. 0 or errno. */
int tune_read_file(const char *path, char *buf, size_t len);
/* Read a whole (procfs) file: at most max bytes, the rest dropped, NUL
 * terminated; the caller frees *text. 0 or errno. */
int tune_read_whole(const char *path, size_t max, char **text, size_t *len);
/* Write val to an existing file in one write(). 0 or errno (the kernel's
 * answer to the write, e.g. EINVAL for a value out of range). */
int tune_write_file(const char *path, const char *val);
/* Collapse runs of blanks (sysfs and procfs use tabs) to one space. */
void tune_squash_blanks(char *s);
/* Linux interface name rules (dev_valid_name). */
bool tune_ifname_ok(const char *s);
/* Online CPUs of the (possibly fake) machine. */
int tune_online_cpus(const struct tune *t, struct cpulist *set);
/* Parse k->want as a CPU list into *want and require every CPU in it to be
 * online; 0, or EINVAL with k's error set. */
int tune_want_cpus(struct tune *t, struct knob *k, struct cpulist *want);
/* A .same for CPU-list knobs: equal sets are equal however they are written
 * ("0-2" and "0,1,2"); unparsable text compares as text. */
bool tune_cpulist_same(const struct knob *k, const char *cur, const char *want);
/* Kernel hex masks ("00000000,0000000f") to and from CPU sets. */
int tune_mask_parse(const char *s, struct cpulist *set);
const char *tune_mask_format(const struct cpulist *set, unsigned ncpus, char *buf, size_t len);
/* Is a process with this name running (scans root/proc/[pid]/comm)? */
bool tune_process_running(const struct tune *t, const char *comm);
/* Parse a whole decimal number in [min, max]. */
int tune_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);

#endif
