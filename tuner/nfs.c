/* nfs.c - NFS mount knobs. rsize, wsize and nconnect are fixed when a
 * mount is made (the kernel refuses to change them on remount), so they
 * are planned with the unmount and mount commands to run; read_ahead_kb
 * lives in the mount's backing device info (/sys/class/bdi/MAJ:MIN) and
 * changes live. /proc/mounts and mountinfo are parsed defensively: a line
 * that does not parse is skipped, never trusted. */
#include "tune_nfs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* Read a whole (procfs) file; caller frees. */
static char *slurp(const char *path, size_t max)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return NULL;
	size_t cap = 8192, n = 0;
	char *buf = malloc(cap);
	while (buf) {
		if (n + 1 >= cap) {
			if (cap >= max)
				break;
			char *nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
			cap *= 2;
		}
		size_t r = fread(buf + n, 1, cap - n - 1, f);
		if (!r)
			break;
		n += r;
	}
	fclose(f);
	if (buf)
		buf[n] = '\0';
	return buf;
}

static bool is_nfs(const char *type)
{
	return !strcmp(type, "nfs") || !strcmp(type, "nfs4");
}

int tune_nfs_mounts(const struct tune *t, struct nfs_mount **out, size_t *n)
{
	char p[PATH_MAX];
	struct nfs_mount *v = NULL, m;
	size_t cnt = 0;

	*out = NULL;
	*n = 0;
	if (tune_path(t, p, sizeof(p), "/proc/mounts"))
		return ENAMETOOLONG;
	char *text = slurp(p, 16u << 20);
	if (!text)
		return errno ? errno : EIO;
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (tune_nfs_parse_mounts_line(line, &m) || !is_nfs(m.type))
			continue;
		struct nfs_mount *nv = realloc(v, (cnt + 1) * sizeof(*nv));
		if (!nv) {
			free(v);
			free(text);
			return ENOMEM;
		}
		v = nv;
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
	if (!tune_path(t, p, sizeof(p), "/proc/self/mountinfo") && (text = slurp(p, 16u << 20))) {
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

/* Options the kernel adds to /proc/mounts that a mount command must not
 * repeat (they are derived from the server and the route). */
static bool derived(const char *opt)
{
	static const char *const skip[] = {"rw", "relatime", "namlen", "addr", "clientaddr", "mountaddr",
					   "mountvers", "mountport", "mountproto", NULL};
	size_t n = strcspn(opt, "=");
	for (const char *const *s = skip; *s; s++)
		if (strlen(*s) == n && !strncmp(*s, opt, n))
			return true;
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

void tune_nfs_mount_command(const struct nfs_mount *m, const char *changes, char *buf, size_t len)
{
	char opts[2048] = "", tmp[1024], val[64];
	size_t ol = 0, used = 0;

	/* the mount's own options, changed ones replaced */
	snprintf(tmp, sizeof(tmp), "%s", m->opts);
	char *save = NULL;
	for (char *o = strtok_r(tmp, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
		char key[64];
		size_t kn = strcspn(o, "=");
		snprintf(key, sizeof(key), "%.*s", (int)(kn < sizeof(key) ? kn : sizeof(key) - 1), o);
		if (derived(o) || tune_nfs_opt(changes, key, val, sizeof(val)))
			continue;
		ol += (size_t)snprintf(opts + ol, sizeof(opts) - ol, "%s%s", ol ? "," : "", o);
		if (ol >= sizeof(opts))
			ol = sizeof(opts) - 1;
	}
	if (*changes)
		snprintf(opts + ol, sizeof(opts) - ol, "%s%s", ol ? "," : "", changes);
	used += (size_t)snprintf(buf, len, "umount ");
	quoted(buf, len, &used, m->dir);
	used += (size_t)snprintf(buf + used, used < len ? len - used : 0, " && mount -t %s -o ", m->type);
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

static int opt_read(struct tune *t, struct knob *k)
{
	struct nfs_mount m;
	int rc = find_mount(t, k->obj, &m, k->err, sizeof(k->err));
	if (rc)
		return rc;
	if (!tune_nfs_opt(m.opts, k->name, k->cur, sizeof(k->cur))) {
		/* nconnect is shown only when above 1 */
		if (!strcmp(k->name, "nconnect"))
			snprintf(k->cur, sizeof(k->cur), "1");
		else
			return knob_fail(k, ENOENT, "%s has no %s option", k->obj, k->name);
	}
	return 0;
}

static int opt_apply(struct tune *t, struct knob *k, const char *v)
{
	(void)t;
	(void)v;
	return knob_fail(k, ENOTSUP, "%s changes only when %s is mounted again", k->name, k->obj);
}

static void opt_hint(struct tune *t, const struct knob *k, char *buf, size_t len)
{
	struct nfs_mount m;
	char err[256];
	if (find_mount(t, k->obj, &m, err, sizeof(err))) {
		snprintf(buf, len, "%s", err);
		return;
	}
	tune_nfs_mount_command(&m, k->arg, buf, len);
}

const struct knob_type knob_nfs_opt = {
	.name = "nfs-option", .cls = KNOB_REMOUNT, .rank = RANK_NFS,
	.read = opt_read, .apply = opt_apply, .hint = opt_hint,
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

static int ra_read(struct tune *t, struct knob *k)
{
	if (!k->arg[0]) {
		int rc = tune_nfs_bdi_path(t, k->obj, k->arg, sizeof(k->arg), k->err, sizeof(k->err));
		if (rc)
			return rc;
	}
	return knob_file_read(t, k);
}

static int ra_check(struct tune *t, struct knob *k)
{
	(void)t;
	return knob_file_writable(k);
}

const struct knob_type knob_readahead = {
	.name = "read_ahead_kb", .cls = KNOB_LIVE, .rank = RANK_NFS,
	.read = ra_read, .check = ra_check, .apply = knob_file_apply, .same = knob_file_same,
};

int tune_nfs_show(struct tune *t, struct knobs *ks)
{
	struct nfs_mount *v;
	size_t n;
	static const char *const opts[] = {"rsize", "wsize", "nconnect"};

	if (tune_nfs_mounts(t, &v, &n))
		return 0; /* no mount table: nothing to show */
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < 3; j++)
			if (!knobs_add(ks, &knob_nfs_opt, v[i].dir, opts[j]))
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
