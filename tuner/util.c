/* util.c - the context, the knob list, and the small file helpers every
 * knob of /proc and /sys goes through: one place that joins --root, keeps
 * profile-supplied names inside /proc/sys and /sys, and turns a kernel
 * write error into an errno. */
#include "tune.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mem.h"
#include "trust.h"
#include "tune_nl.h"

const char *knob_class_name(enum knob_class c)
{
	switch (c) {
	case KNOB_LIVE: return "live";
	case KNOB_NEWCONN: return "new-connections";
	case KNOB_REMOUNT: return "remount";
	case KNOB_VMRESTART: return "vm-restart";
	case KNOB_MODRELOAD: return "module-reload";
	}
	return "?";
}

/* ------------------------------------------------------------------ */
/* Knob lists                                                           */

struct knob *knobs_add(struct knobs *ks, const struct knob_type *ty, const char *obj,
		       const char *name)
{
	if (MEM_GROW(&ks->v, &ks->cap, ks->n + 1, 32))
		return NULL;
	struct knob *k = &ks->v[ks->n];
	memset(k, 0, sizeof(*k));
	k->type = ty;
	snprintf(k->obj, sizeof(k->obj), "%s", obj);
	snprintf(k->name, sizeof(k->name), "%s", name);
	k->ord = (unsigned)ks->n;
	ks->n++;
	return k;
}

void knobs_free(struct knobs *ks)
{
	free(ks->v);
	memset(ks, 0, sizeof(*ks));
}

static int knob_cmp(const void *a, const void *b)
{
	const struct knob *x = a, *y = b;
	if (x->type->rank != y->type->rank)
		return x->type->rank < y->type->rank ? -1 : 1;
	if (x->ord != y->ord)
		return x->ord < y->ord ? -1 : 1;
	return 0;
}

void knobs_sort(struct knobs *ks)
{
	/* ord is unique, so qsort is stable here */
	if (ks->n)
		qsort(ks->v, ks->n, sizeof(*ks->v), knob_cmp);
}

struct knob *knobs_find(struct knobs *ks, const char *obj, const char *name)
{
	for (size_t i = 0; i < ks->n; i++)
		if (!strcmp(ks->v[i].obj, obj) && !strcmp(ks->v[i].name, name))
			return &ks->v[i];
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Context and messages                                                 */

void tune_init(struct tune *t)
{
	memset(t, 0, sizeof(*t));
	t->ioctl_fd = -1;
}

static void free_list(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void tune_fini(struct tune *t)
{
	tune_nl_close_all(t);
	if (t->ioctl_fd >= 0)
		close(t->ioctl_fd);
	t->ioctl_fd = -1;
	free_list(t->errs, t->nerrs);
	free_list(t->warns, t->nwarns);
	t->errs = t->warns = NULL;
	t->nerrs = t->nwarns = t->errs_cap = t->warns_cap = 0;
}

static void push(char ***v, size_t *n, size_t *cap, const char *fmt, va_list ap)
{
	char *s;
	if (vasprintf(&s, fmt, ap) < 0)
		return;
	/* the same message twice (two knobs of one missing interface) helps nobody */
	for (size_t i = 0; i < *n; i++)
		if (!strcmp((*v)[i], s)) {
			free(s);
			return;
		}
	if (MEM_GROW(v, cap, *n + 1, 8)) {
		free(s);
		return;
	}
	(*v)[(*n)++] = s;
}

void tune_error(struct tune *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	push(&t->errs, &t->nerrs, &t->errs_cap, fmt, ap);
	va_end(ap);
}

void tune_warn(struct tune *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	push(&t->warns, &t->nwarns, &t->warns_cap, fmt, ap);
	va_end(ap);
}

void tune_knob_error(struct tune *t, const struct knob *k, const char *fmt, ...)
{
	char msg[TUNE_ERRLEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (k->file && k->line)
		tune_error(t, "%s:%u:%u: %s: %s", k->file, k->line, k->col, k->path, msg);
	else if (k->file)
		tune_error(t, "%s: %s: %s", k->file, k->path, msg);
	else
		tune_error(t, "%s %s: %s", k->obj, k->name, msg);
}

int knob_fail(struct knob *k, int rc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(k->err, sizeof(k->err), fmt, ap);
	va_end(ap);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Files                                                                */

int tune_path(const struct tune *t, char *out, size_t len, const char *fmt, ...)
{
	char rel[PATH_MAX];
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(rel, sizeof(rel), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(rel))
		return ENAMETOOLONG;
	n = snprintf(out, len, "%s%s", t->root, rel);
	if (n < 0 || (size_t)n >= len)
		return ENAMETOOLONG;
	return 0;
}

bool tune_path_inside(const struct tune *t, const char *path, const char *const *prefixes)
{
	char real[PATH_MAX], base[PATH_MAX], want[PATH_MAX];

	if (!realpath(path, real))
		return false;
	if (t->root[0]) {
		if (!realpath(t->root, base))
			return false;
	} else {
		base[0] = '\0';
	}
	for (const char *const *p = prefixes; *p; p++) {
		int n = snprintf(want, sizeof(want), "%s%s", base, *p);
		if (n < 0 || (size_t)n >= sizeof(want))
			continue;
		if (!strncmp(real, want, strlen(want)))
			return true;
	}
	return false;
}

/* The --root tree: no kernel's, so whoever can write a part of it could
 * point a knob's file at root's files or the host's real /sys. Its files
 * are opened as trusted files (trust.h); /proc and /sys are the kernel's. */
static char tree[PATH_MAX];

void tune_trust_tree(const char *root)
{
	snprintf(tree, sizeof(tree), "%s", root);
}

static int open_file(const char *path, int flags)
{
	size_t n = strlen(tree);
	if (!n || strncmp(path, tree, n) || path[n] != '/')
		return open(path, flags | O_CLOEXEC | O_NOCTTY);
	int fd = trust_open(path, flags & ~O_TRUNC, NULL, 0);
	if (fd < 0)
		errno = -fd;
	/* truncated only once checked: never through another name of root's file */
	else if ((flags & O_TRUNC) && ftruncate(fd, 0)) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

int tune_read_whole(const char *path, size_t max, char **text, size_t *len)
{
	*text = NULL;
	*len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return errno;
	int e = mem_read_fd(fd, max, true, text, len);
	close(fd);
	return e;
}

int tune_read_file(const char *path, char *buf, size_t len)
{
	int fd = open_file(path, O_RDONLY);
	if (fd < 0)
		return errno;
	size_t got = 0;
	while (got + 1 < len) {
		ssize_t r = read(fd, buf + got, len - 1 - got);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			close(fd);
			return e;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	buf[got] = '\0';
	while (got && (buf[got - 1] == '\n' || buf[got - 1] == ' ' || buf[got - 1] == '\t'))
		buf[--got] = '\0';
	return 0;
}

int tune_write_file(const char *path, const char *val)
{
	/* never create: a knob's file exists or the knob does not */
	/* O_TRUNC as echo VALUE > FILE does: procfs and sysfs ignore it, a
	 * --root copy (a regular file) needs it */
	int fd = open_file(path, O_WRONLY | O_TRUNC);
	if (fd < 0)
		return errno;
	size_t n = strlen(val);
	ssize_t w;
	do
		w = write(fd, val, n);
	while (w < 0 && errno == EINTR);
	int e = w < 0 ? errno : ((size_t)w != n ? EIO : 0);
	if (close(fd) && !e)
		e = errno;
	return e;
}

void tune_squash_blanks(char *s)
{
	char *w = s;
	bool blank = false;
	while (*s == ' ' || *s == '\t' || *s == '\n')
		s++;
	for (; *s; s++) {
		if (*s == ' ' || *s == '\t' || *s == '\n') {
			blank = true;
			continue;
		}
		if (blank)
			*w++ = ' ';
		blank = false;
		*w++ = *s;
	}
	*w = '\0';
}

bool tune_ifname_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n >= 16 || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (; *s; s++)
		if (*s == '/' || *s == ':' || isspace((unsigned char)*s) || !isprint((unsigned char)*s))
			return false;
	return true;
}

int tune_online_cpus(const struct tune *t, struct cpulist *set)
{
	char p[PATH_MAX], buf[4096];
	int rc = tune_path(t, p, sizeof(p), "/sys/devices/system/cpu/online");
	if (!rc)
		rc = tune_read_file(p, buf, sizeof(buf));
	if (!rc)
		rc = parse_cpulist(buf, set, NULL, 0);
	return rc;
}

int tune_want_cpus(struct tune *t, struct knob *k, struct cpulist *want)
{
	struct cpulist online;
	if (parse_cpulist(k->want, want, k->err, sizeof(k->err)))
		return EINVAL;
	if (!tune_online_cpus(t, &online))
		for (unsigned c = 0; c < CPU_LIST_MAX; c++)
			if (cpulist_has(want, c) && !cpulist_has(&online, c))
				return knob_fail(k, EINVAL, "CPU %u is not online", c);
	return 0;
}

bool tune_cpulist_same(const struct knob *k, const char *cur, const char *want)
{
	struct cpulist a, b;
	(void)k;
	if (parse_cpulist(cur, &a, NULL, 0) || parse_cpulist(want, &b, NULL, 0))
		return !strcmp(cur, want);
	return !memcmp(&a, &b, sizeof(a));
}

int tune_mask_parse(const char *s, struct cpulist *set)
{
	struct cpulist r;
	unsigned bit = 0;
	size_t n = strlen(s);

	memset(&r, 0, sizeof(r));
	if (!n)
		return EINVAL;
	/* from the least significant (rightmost) digit */
	for (size_t i = n; i-- > 0;) {
		char c = s[i];
		if (c == ',')
			continue;
		int v;
		if (c >= '0' && c <= '9')
			v = c - '0';
		else if (c >= 'a' && c <= 'f')
			v = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v = c - 'A' + 10;
		else
			return EINVAL;
		for (int b = 0; b < 4; b++, bit++)
			if (v & (1 << b)) {
				if (bit >= CPU_LIST_MAX)
					return ERANGE;
				r.bits[bit / 64] |= UINT64_C(1) << (bit % 64);
			}
	}
	*set = r;
	return 0;
}

const char *tune_mask_format(const struct cpulist *set, unsigned ncpus, char *buf, size_t len)
{
	/* the kernel's "%*pb": one hex digit per 4 of nr_cpu_ids bits, a
	 * comma between 32-bit groups, most significant first ("0000" for 16
	 * CPUs, "00000000,00000f01" for 64) */
	unsigned top = ncpus ? ncpus : 1;
	for (unsigned c = 0; c < CPU_LIST_MAX; c++)
		if (cpulist_has(set, c) && c + 1 > top)
			top = c + 1;
	unsigned digits = (top + 3) / 4;
	size_t used = 0;
	if (!len)
		return buf;
	buf[0] = '\0';
	for (unsigned d = digits; d-- > 0;) {
		unsigned v = 0;
		for (unsigned b = 0; b < 4; b++)
			if (cpulist_has(set, d * 4 + b))
				v |= 1u << b;
		if (used + 3 > len)
			break;
		buf[used++] = "0123456789abcdef"[v];
		if (d && d % 8 == 0)
			buf[used++] = ',';
		buf[used] = '\0';
	}
	return buf;
}

bool tune_process_running(const struct tune *t, const char *comm)
{
	char p[PATH_MAX], name[64];
	if (tune_path(t, p, sizeof(p), "/proc"))
		return false;
	DIR *d = opendir(p);
	if (!d)
		return false;
	bool found = false;
	struct dirent *e;
	while (!found && (e = readdir(d))) {
		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		char f[PATH_MAX];
		if (tune_path(t, f, sizeof(f), "/proc/%s/comm", e->d_name))
			continue;
		if (!tune_read_file(f, name, sizeof(name)) && !strcmp(name, comm))
			found = true;
	}
	closedir(d);
	return found;
}

int tune_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	return parse_u64(s, min, max, out, NULL, 0);
}
