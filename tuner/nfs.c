/* nfs.c - NFS mount knobs. rsize, wsize and nconnect are fixed when a
 * mount is made: the kernel refuses a remount that changes rsize or wsize
 * (EINVAL) and ignores nconnect on remount, so nfstune changes them by
 * unmounting the mount point and mounting it again with the mount's own
 * options (the kernel's text from /proc/mounts, changed ones replaced).
 * That is refused, before anything changes, while a process has a file
 * open (or mapped) there or works in it: nothing is ever unmounted lazily
 * or by force. read_ahead_kb lives in the mount's backing device info
 * (/sys/class/bdi/MAJ:MIN), which a new mount replaces: it changes live,
 * and a remount carries the old value over. /proc/mounts and mountinfo
 * are parsed defensively: a line that does not parse is skipped, never
 * trusted. */
#include "tune_nfs.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "mem.h"
#include "tune_sysctl.h"

/* Copy one blank-separated field, decoding the kernel's octal escapes. */
static const char *field(const char *p, char *out, size_t len)
{
	size_t n = 0;
	while (*p == ' ' || *p == '\t')
		p++;
	if (!*p || *p == '\n')
		return NULL;
	while (*p && *p != ' ' && *p != '\t' && *p != '\n') {
		char c = *p++;
		if (c == '\\' && p[0] >= '0' && p[0] <= '3' && p[1] >= '0' && p[1] <= '7' && p[2] >= '0' && p[2] <= '7') {
			c = (char)((p[0] - '0') * 64 + (p[1] - '0') * 8 + (p[2] - '0'));
			p += 3;
		}
		if (n + 1 < len)
			out[n++] = c;
		else
			return NULL; /* too long to be one of ours */
	}
	out[n] = '\0';
	return p;
}

int tune_nfs_parse_mounts_line(const char *line, struct nfs_mount *m)
{
	char freq[32], pass[32];
	const char *p = line;

	memset(m, 0, sizeof(*m));
	if (!(p = field(p, m->dev, sizeof(m->dev))) || !(p = field(p, m->dir, sizeof(m->dir))) ||
	    !(p = field(p, m->type, sizeof(m->type))) || !(p = field(p, m->opts, sizeof(m->opts))) ||
	    !(p = field(p, freq, sizeof(freq))) || !(p = field(p, pass, sizeof(pass))))
		return EINVAL;
	return 0;
}

int tune_nfs_parse_mountinfo_line(const char *line, char *dir, size_t len, unsigned *major, unsigned *minor)
{
	char f[1024];
	const char *p = line;

	/* id parent major:minor root mountpoint ... */
	if (!(p = field(p, f, sizeof(f))) || !(p = field(p, f, sizeof(f))) || !(p = field(p, f, sizeof(f))))
		return EINVAL;
	char *colon = strchr(f, ':');
	uint64_t a, b;
	if (!colon)
		return EINVAL;
	*colon = '\0';
	if (tune_parse_u64(f, 0, 0xfffff, &a) || tune_parse_u64(colon + 1, 0, 0xfffff, &b))
		return EINVAL;
	if (!(p = field(p, f, sizeof(f))) || !field(p, dir, len))
		return EINVAL;
	*major = (unsigned)a;
	*minor = (unsigned)b;
	return 0;
}

static bool is_nfs(const char *type)
{
	return !strcmp(type, "nfs") || !strcmp(type, "nfs4");
}

int tune_nfs_mounts(const struct tune *t, struct nfs_mount **out, size_t *n)
{
	char p[PATH_MAX];
	struct nfs_mount *v = NULL, m;
	size_t cnt = 0, cap = 0;

	*out = NULL;
	*n = 0;
	if (tune_path(t, p, sizeof(p), "/proc/mounts"))
		return ENAMETOOLONG;
	char *text;
	size_t tlen;
	int rc = tune_read_whole(p, 16u << 20, &text, &tlen);
	if (rc)
		return rc;
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (tune_nfs_parse_mounts_line(line, &m) || !is_nfs(m.type))
			continue;
		if (MEM_GROW(&v, &cap, cnt + 1, 8)) {
			free(v);
			free(text);
			return ENOMEM;
		}
		/* a later mount on the same point hides the earlier one */
		size_t i;
		for (i = 0; i < cnt && strcmp(v[i].dir, m.dir); i++)
			;
		v[i] = m;
		if (i == cnt)
			cnt++;
	}
	free(text);
	/* device numbers name the BDI; /proc/mounts does not carry them */
	if (!tune_path(t, p, sizeof(p), "/proc/self/mountinfo") && !tune_read_whole(p, 16u << 20, &text, &tlen)) {
		for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			char dir[256];
			unsigned ma, mi;
			if (tune_nfs_parse_mountinfo_line(line, dir, sizeof(dir), &ma, &mi))
				continue;
			for (size_t i = 0; i < cnt; i++)
				if (!strcmp(v[i].dir, dir)) {
					v[i].major = ma;
					v[i].minor = mi;
					v[i].has_devno = true;
				}
		}
		free(text);
	}
	*out = v;
	*n = cnt;
	return 0;
}

bool tune_nfs_opt(const char *opts, const char *key, char *val, size_t len)
{
	size_t kl = strlen(key);
	const char *p = opts;
	while (*p) {
		size_t n = strcspn(p, ",");
		if (n >= kl && !strncmp(p, key, kl) && (n == kl || p[kl] == '=')) {
			size_t vl = n == kl ? 0 : n - kl - 1;
			if (vl >= len)
				vl = len - 1;
			memcpy(val, p + kl + (n == kl ? 0 : 1), vl);
			val[vl] = '\0';
			return true;
		}
		p += n;
		if (*p == ',')
			p++;
	}
	return false;
}

static void quoted(char *buf, size_t len, size_t *used, const char *s)
{
	bool plain = *s != '\0';
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      strchr("/._-:,=@+", *p)))
			plain = false;
	int n;
	if (plain) {
		n = snprintf(buf + *used, len - *used, "%s", s);
	} else {
		/* single quotes; a quote inside becomes '\'' */
		n = snprintf(buf + *used, len - *used, "'");
		for (const char *p = s; *p && n > 0 && *used + (size_t)n < len; p++)
			n += snprintf(buf + *used + n, len - *used - (size_t)n, *p == '\'' ? "'\\''" : "%c", *p);
		if (n > 0 && *used + (size_t)n < len)
			n += snprintf(buf + *used + n, len - *used - (size_t)n, "'");
	}
	if (n > 0)
		*used = *used + (size_t)n < len ? *used + (size_t)n : len - 1;
}

/* The options nfstune changes, with the kernel's limits
 * (NFS_MAX_FILE_IO_SIZE, NFS_MAX_CONNECTIONS). */
static const struct {
	const char *key;
	uint64_t min, max;
} managed[] = {
	{"rsize", 1024, 1048576},
	{"wsize", 1024, 1048576},
	{"nconnect", 1, 16},
};
#define NMANAGED (sizeof(managed) / sizeof(managed[0]))

static bool is_managed(const char *key, size_t n)
{
	for (size_t i = 0; i < NMANAGED; i++)
		if (strlen(managed[i].key) == n && !strncmp(managed[i].key, key, n))
			return true;
	return false;
}

/* Is s "key=N,..." of managed keys, each once, in range? */
static bool changes_ok(const char *s)
{
	bool seen[NMANAGED] = {false};
	if (!*s)
		return false;
	for (const char *p = s; *p;) {
		size_t n = strcspn(p, ","), kn = strcspn(p, "=");
		char num[24];
		uint64_t v;
		size_t i;
		if (kn >= n)
			return false;
		for (i = 0; i < NMANAGED && !(strlen(managed[i].key) == kn && !strncmp(managed[i].key, p, kn)); i++)
			;
		if (i == NMANAGED || seen[i] || n - kn - 1 >= sizeof(num))
			return false;
		seen[i] = true;
		memcpy(num, p + kn + 1, n - kn - 1);
		num[n - kn - 1] = '\0';
		if (tune_parse_u64(num, managed[i].min, managed[i].max, &v))
			return false;
		p += n;
		if (*p == ',' && *++p == '\0')
			return false;
	}
	return true;
}

/* Append n bytes of option o to the comma-separated list out. */
static int opt_append(char *out, size_t len, size_t *ol, const char *o, size_t n)
{
	int w = snprintf(out + *ol, len - *ol, "%s%.*s", *ol ? "," : "", (int)n, o);
	if (w < 0 || (size_t)w >= len - *ol)
		return ENOSPC;
	*ol += (size_t)w;
	return 0;
}

int tune_nfs_new_opts(const char *opts, const char *changes, bool all, char *out, size_t len)
{
	size_t ol = 0;
	char val[64];
	out[0] = '\0';
	for (const char *o = opts; *o;) {
		size_t n = strcspn(o, ","), kn = strcspn(o, "=,");
		char key[64];
		snprintf(key, sizeof(key), "%.*s", (int)(kn < sizeof(key) ? kn : sizeof(key) - 1), o);
		bool drop = all ? is_managed(o, kn) : tune_nfs_opt(changes, key, val, sizeof(val));
		if (!drop && n && opt_append(out, len, &ol, o, n))
			return ENOSPC;
		o += n;
		if (*o == ',')
			o++;
	}
	return *changes ? opt_append(out, len, &ol, changes, strlen(changes)) : 0;
}

void tune_nfs_mount_command(const struct nfs_mount *m, const char *changes, char *buf, size_t len)
{
	char opts[2048];
	size_t used = 0;

	if (tune_nfs_new_opts(m->opts, changes, false, opts, sizeof(opts))) {
		snprintf(buf, len, "the options of %s are too long", m->dir);
		return;
	}
	/* -i: no mount.nfs helper, the kernel gets the options as they are
	 * (addr= included), as nfstune's own mount(2) does */
	used += (size_t)snprintf(buf, len, "umount ");
	quoted(buf, len, &used, m->dir);
	used += (size_t)snprintf(buf + used, used < len ? len - used : 0, " && mount -i -t %s -o ", m->type);
	if (used < len)
		quoted(buf, len, &used, opts);
	if (used + 1 < len) {
		buf[used++] = ' ';
		buf[used] = '\0';
		quoted(buf, len, &used, m->dev);
	}
	if (used + 1 < len) {
		buf[used++] = ' ';
		buf[used] = '\0';
		quoted(buf, len, &used, m->dir);
	}
}

#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif

/* /proc/mounts mixes the VFS's flags into the options; mount(2) takes
 * them apart. */
static int split_flags(const char *opts, unsigned long *flags, char *data, size_t len)
{
	static const struct {
		const char *name;
		unsigned long flag;
	} vfs[] = {
		{"rw", 0},		   {"ro", MS_RDONLY},	    {"nosuid", MS_NOSUID},	 {"nodev", MS_NODEV},
		{"noexec", MS_NOEXEC},	   {"sync", MS_SYNCHRONOUS}, {"dirsync", MS_DIRSYNC},	 {"mand", MS_MANDLOCK},
		{"noatime", MS_NOATIME},   {"nodiratime", MS_NODIRATIME}, {"relatime", MS_RELATIME},
		{"strictatime", MS_STRICTATIME}, {"lazytime", MS_LAZYTIME}, {"nosymfollow", MS_NOSYMFOLLOW},
	};
	size_t dl = 0;
	*flags = 0;
	data[0] = '\0';
	for (const char *o = opts; *o;) {
		size_t n = strcspn(o, ","), i;
		for (i = 0; i < sizeof(vfs) / sizeof(vfs[0]) && !(strlen(vfs[i].name) == n && !strncmp(vfs[i].name, o, n));
		     i++)
			;
		if (i < sizeof(vfs) / sizeof(vfs[0])) {
			*flags |= vfs[i].flag;
		} else if (n && opt_append(data, len, &dl, o, n)) {
			return ENOSPC;
		}
		o += n;
		if (*o == ',')
			o++;
	}
	return 0;
}

static int find_mount(const struct tune *t, const char *dir, struct nfs_mount *out, char *err, size_t len)
{
	struct nfs_mount *v;
	size_t n;
	int rc = tune_nfs_mounts(t, &v, &n);
	if (rc) {
		snprintf(err, len, "reading the mount table: %s", strerror(rc));
		return rc;
	}
	rc = ENOENT;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].dir, dir)) {
			*out = v[i];
			rc = 0;
		}
	free(v);
	if (rc)
		snprintf(err, len, "no NFS mount at %s", dir);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Mount options (class remount)                                        */

/* What revert writes back: the managed options as the kernel shows them
 * ("rsize=65536,wsize=65536": nconnect absent when the mount has none). */
static void managed_token(const char *opts, char *out, size_t len)
{
	size_t ol = 0;
	char v[64];
	out[0] = '\0';
	for (size_t i = 0; i < NMANAGED; i++)
		if (tune_nfs_opt(opts, managed[i].key, v, sizeof(v)) && ol < len)
			ol += (size_t)snprintf(out + ol, len - ol, "%s%s=%s", ol ? "," : "", managed[i].key, v);
}

static int opt_read(struct tune *t, struct knob *k)
{
	struct nfs_mount m;
	int rc = find_mount(t, k->obj, &m, k->err, sizeof(k->err));
	if (rc)
		return rc;
	if (!tune_nfs_opt(m.opts, k->name, k->cur, sizeof(k->cur))) {
		/* the kernel shows nconnect only when it was given */
		if (!strcmp(k->name, "nconnect"))
			snprintf(k->cur, sizeof(k->cur), "1");
		else
			return knob_fail(k, ENOENT, "%s has no %s option", k->obj, k->name);
	}
	managed_token(m.opts, k->restore, sizeof(k->restore));
	return 0;
}

/* A process that keeps the mount busy (umount would say EBUSY): one with
 * its cwd or root there, a file of it open or mapped. 0 when none is
 * seen (or /proc cannot be read: then umount decides), else its pid. */
static long mount_user(unsigned ma, unsigned mi, char *what, size_t len)
{
	dev_t dev = makedev(ma, mi);
	char hex[32];
	DIR *d = opendir("/proc");
	long found = 0;
	if (!d)
		return 0;
	snprintf(hex, sizeof(hex), " %02x:%02x ", ma, mi);
	struct dirent *e;
	while (!found && (e = readdir(d))) {
		uint64_t pid;
		char p[PATH_MAX], line[PATH_MAX + 128];
		struct stat st;
		if (tune_parse_u64(e->d_name, 1, 4194304, &pid))
			continue;
		static const char *const dirs[] = {"cwd", "root"};
		for (size_t i = 0; i < 2 && !found; i++) {
			snprintf(p, sizeof(p), "/proc/%s/%s", e->d_name, dirs[i]);
			if (!stat(p, &st) && st.st_dev == dev) {
				found = (long)pid;
				snprintf(what, len, "its %s directory", i ? "root" : "working");
			}
		}
		snprintf(p, sizeof(p), "/proc/%s/fd", e->d_name);
		DIR *fd = found ? NULL : opendir(p);
		struct dirent *f;
		while (fd && !found && (f = readdir(fd))) {
			char fp[PATH_MAX];
			if (f->d_name[0] == '.')
				continue;
			snprintf(fp, sizeof(fp), "%s/%s", p, f->d_name);
			if (!stat(fp, &st) && st.st_dev == dev) {
				found = (long)pid;
				ssize_t n = readlink(fp, line, sizeof(line) - 1);
				line[n > 0 ? n : 0] = '\0';
				snprintf(what, len, "%s open", line);
			}
		}
		if (fd)
			closedir(fd);
		snprintf(p, sizeof(p), "/proc/%s/maps", e->d_name);
		FILE *mf = found ? NULL : fopen(p, "re");
		while (mf && !found && fgets(line, sizeof(line), mf)) {
			/* start-end perms offset MA:MI inode path */
			char *dv = strchr(line, ' ');
			for (int j = 0; j < 2 && dv; j++)
				dv = strchr(dv + 1, ' ');
			if (dv && !strncmp(dv, hex, strlen(hex))) {
				found = (long)pid;
				snprintf(what, len, "a file mapped");
			}
		}
		if (mf)
			fclose(mf);
		if (found) {
			char c[64] = "?";
			snprintf(p, sizeof(p), "/proc/%s/comm", e->d_name);
			tune_read_file(p, c, sizeof(c));
			size_t wl = strlen(what);
			snprintf(what + wl, len - wl, " (%s)", c);
		}
	}
	closedir(d);
	return found;
}

static int opt_check(struct tune *t, struct knob *k)
{
	struct nfs_mount m;
	char what[PATH_MAX + 96];
	if (!strcmp(k->cur, k->want))
		return 0;
	if (t->root[0])
		return knob_fail(k, ENOTSUP, "changing %s unmounts %s: not inside a --root tree", k->name, k->obj);
	if (find_mount(t, k->obj, &m, k->err, sizeof(k->err)))
		return ENOENT;
	long pid = m.has_devno ? mount_user(m.major, m.minor, what, sizeof(what)) : 0;
	if (pid)
		return knob_fail(k, EBUSY, "changing %s unmounts %s and mounts it again, and %s is in use: pid %ld has %s; "
			    "nothing was changed", k->name, k->obj, k->obj, pid, what);
	return 0;
}

/* Mount m's source at its point with options opts (/proc/mounts style). */
static int mount_opts(const struct nfs_mount *m, const char *opts)
{
	char data[2048];
	unsigned long flags;
	if (split_flags(opts, &flags, data, sizeof(data)))
		return ENOSPC;
	return mount(m->dev, m->dir, m->type, flags, data) ? errno : 0;
}

/* v: a wanted value (k->arg then holds every change the profile makes to
 * this mount, done in one remount) or a restore token (managed_token). */
static int opt_apply(struct tune *t, struct knob *k, const char *v)
{
	struct nfs_mount m;
	char changes[TUNE_VAL], opts[2048], now[TUNE_VAL], val[64], ra[32] = "", bdi[PATH_MAX], err[256] = "";
	bool token = strchr(v, '=') != NULL;

	if (token) {
		snprintf(changes, sizeof(changes), "%s", v);
	} else {
		snprintf(changes, sizeof(changes), "%s=%s", k->name, v);
		if (tune_nfs_opt(k->arg, k->name, val, sizeof(val)) && !strcmp(val, v))
			snprintf(changes, sizeof(changes), "%s", k->arg);
	}
	if (!changes_ok(changes))
		return knob_fail(k, EINVAL, "'%s' is not a list of rsize, wsize and nconnect values", changes);
	if (t->root[0])
		return knob_fail(k, ENOTSUP, "changing %s unmounts %s: not inside a --root tree", k->name, k->obj);
	if (find_mount(t, k->obj, &m, k->err, sizeof(k->err)))
		return ENOENT;
	managed_token(m.opts, now, sizeof(now));
	if (token ? !strcmp(now, changes) : tune_nfs_opt(m.opts, k->name, val, sizeof(val)) && !strcmp(val, v))
		return 0; /* done by an earlier knob's remount */
	if (tune_nfs_new_opts(m.opts, changes, token, opts, sizeof(opts)))
		return knob_fail(k, ENOSPC, "the options of %s are too long", k->obj);
	/* the new mount gets a new BDI: its read-ahead is carried over */
	if (!tune_nfs_bdi_path(t, k->obj, bdi, sizeof(bdi), err, sizeof(err)))
		tune_read_file(bdi, ra, sizeof(ra));
	err[0] = '\0';
	if (umount2(m.dir, 0)) {
		int e = errno;
		return knob_fail(k, e, "unmounting %s to change %s: %s%s; nothing was changed", k->obj, k->name,
				 strerror(e), e == EBUSY ? " (a process has a file open there or works in it)" : "");
	}
	int rc = mount_opts(&m, opts);
	if (rc) {
		int back = mount_opts(&m, m.opts);
		if (back)
			return knob_fail(k, rc, "the kernel refused %s on %s (%s), and mounting it again as it was failed "
				    "too (%s): %s is NOT mounted now", changes, k->obj, strerror(rc), strerror(back), k->obj);
		return knob_fail(k, rc, "the kernel refused %s on %s: %s; mounted again as it was", changes, k->obj,
				 strerror(rc));
	}
	if (ra[0] && (tune_nfs_bdi_path(t, k->obj, bdi, sizeof(bdi), err, sizeof(err)) || tune_write_file(bdi, ra)))
		return knob_fail(k, EIO, "%s was mounted again with %s, but its read_ahead_kb %s could not be carried "
			    "over: %s", k->obj, changes, ra, err[0] ? err : bdi);
	return 0;
}

static void opt_hint(struct tune *t, const struct knob *k, char *buf, size_t len)
{
	struct nfs_mount m;
	char err[256], cmd[TUNE_VAL];
	if (find_mount(t, k->obj, &m, err, sizeof(err))) {
		snprintf(buf, len, "%s", err);
		return;
	}
	tune_nfs_mount_command(&m, k->arg, cmd, sizeof(cmd));
	snprintf(buf, len, "apply unmounts %s and mounts it again (refused, nothing changed, while a process has "
		 "a file open or mapped there or works in it; never lazily or by force), as by hand: %s", k->obj, cmd);
}

const struct knob_type knob_nfs_opt = {
	.name = "nfs-option", .cls = KNOB_REMOUNT, .rank = RANK_NFS,
	.read = opt_read, .check = opt_check, .apply = opt_apply, .hint = opt_hint,
};

/* ------------------------------------------------------------------ */
/* read_ahead_kb of the mount's BDI (live)                              */

int tune_nfs_bdi_path(const struct tune *t, const char *dir, char *path, size_t len, char *err, size_t errlen)
{
	struct nfs_mount m;
	int rc = find_mount(t, dir, &m, err, errlen);
	if (rc)
		return rc;
	if (!m.has_devno) {
		snprintf(err, errlen, "no device numbers for %s in mountinfo: cannot find its BDI", dir);
		return ENOENT;
	}
	/* the NFS client names its BDI after the superblock's device */
	if (tune_path(t, path, len, "/sys/class/bdi/%u:%u/read_ahead_kb", m.major, m.minor))
		return ENAMETOOLONG;
	static const char *const inside[] = {"/sys/", NULL};
	if (!tune_path_inside(t, path, inside)) {
		snprintf(err, errlen, "no BDI %u:%u for %s (%s)", m.major, m.minor, dir, path);
		return ENOENT;
	}
	return 0;
}

/* The BDI is looked up each time: a remount replaces it (and the file a
 * journal names may be another mount's by then). */
static int ra_read(struct tune *t, struct knob *k)
{
	int rc = tune_nfs_bdi_path(t, k->obj, k->arg, sizeof(k->arg), k->err, sizeof(k->err));
	return rc ? rc : knob_file_read(t, k);
}

static int ra_apply(struct tune *t, struct knob *k, const char *v)
{
	int rc = tune_nfs_bdi_path(t, k->obj, k->arg, sizeof(k->arg), k->err, sizeof(k->err));
	return rc ? rc : knob_file_apply(t, k, v);
}

static int ra_check(struct tune *t, struct knob *k)
{
	(void)t;
	return knob_file_writable(k);
}

const struct knob_type knob_readahead = {
	.name = "read_ahead_kb", .cls = KNOB_LIVE, .rank = RANK_NFS,
	.read = ra_read, .check = ra_check, .apply = ra_apply, .same = knob_file_same,
};

static int by_dir(const void *a, const void *b)
{
	return strcmp(((const struct nfs_mount *)a)->dir, ((const struct nfs_mount *)b)->dir);
}

int tune_nfs_show(struct tune *t, struct knobs *ks)
{
	struct nfs_mount *v;
	size_t n;

	if (tune_nfs_mounts(t, &v, &n))
		return 0; /* no mount table: nothing to show */
	/* by mount point: a remount moves a mount to the table's end, and show
	 * must read the same before an apply and after its revert */
	if (n)
		qsort(v, n, sizeof(*v), by_dir);
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < NMANAGED; j++)
			if (!knobs_add(ks, &knob_nfs_opt, v[i].dir, managed[j].key))
				goto oom;
		if (!knobs_add(ks, &knob_readahead, v[i].dir, "read_ahead_kb"))
			goto oom;
	}
	free(v);
	return 0;
oom:
	free(v);
	return ENOMEM;
}
