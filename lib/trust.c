/* trust.c - the file-trust check of trust.h: walk a path from / one
 * directory descriptor at a time (openat, O_PATH | O_NOFOLLOW), check each
 * directory's fstat, open the last component with O_NOFOLLOW and check
 * the opened descriptor. Names are never stat'ed after the fact: what is
 * checked is what is read. */
#include "trust.h"
#include "mem.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TRUST_MAX_LINKS 40 /* as the kernel's MAXSYMLINKS */

static int fail(char *err, size_t len, int e, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int fail(char *err, size_t len, int e, const char *fmt, ...)
{
	va_list ap;
	if (err && len) {
		va_start(ap, fmt);
		vsnprintf(err, len, fmt, ap);
		va_end(ap);
	}
	return e;
}

static bool owner_ok(uid_t u)
{
	uid_t me = geteuid();
	return u == 0 || (me != 0 && u == me);
}

int trust_check_fd(int fd, const char *shown, bool dir, bool sticky_ok, char *err, size_t len)
{
	struct stat st;
	if (fstat(fd, &st))
		return fail(err, len, errno, "%s: %s", shown, strerror(errno));
	if (dir && !S_ISDIR(st.st_mode))
		return fail(err, len, ENOTDIR, "%s: not a directory", shown);
	if (!dir && !S_ISREG(st.st_mode))
		return fail(err, len, EINVAL, "%s: not a regular file", shown);
	if (!owner_ok(st.st_uid))
		return fail(err, len, EPERM, "%s: owned by uid %u, not root: nfstune trusts only root's files", shown,
			    (unsigned)st.st_uid);
	mode_t w = st.st_mode & (S_IWGRP | S_IWOTH);
	if (w && !(dir && sticky_ok && (st.st_mode & S_ISVTX)))
		return fail(err, len, EPERM, "%s: %swritable by %s (mode %04o)%s: anyone could %s what root reads "
			    "(chmod go-w %s)", shown, dir ? "directory " : "", (w & S_IWOTH) ? "everyone" : "its group",
			    (unsigned)(st.st_mode & 07777), dir && sticky_ok ? " without the sticky bit" : "",
			    dir ? "swap" : "change", shown);
	return 0;
}

static int open_root(char *err, size_t len)
{
	int fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -fail(err, len, errno, "/: %s", strerror(errno));
	int e = trust_check_fd(fd, "/", true, true, err, len);
	if (e) {
		close(fd);
		return -e;
	}
	return fd;
}

/* Walk path down to its last component. On success *dfd is a checked
 * directory (O_PATH) holding leaf, and shown its path ("" for /). With
 * follow_last, a symbolic link as the last component is followed too. */
static int walk(const char *path, bool follow_last, int *dfd, char *leaf, char *shown, size_t shownlen, char *err,
		size_t len)
{
	char rest[2 * PATH_MAX], tmp[2 * PATH_MAX], comp[NAME_MAX + 1], tgt[PATH_MAX];
	unsigned links = 0;

	*dfd = -1;
	if (!*path)
		return fail(err, len, ENOENT, "empty path");
	if (path[0] == '/') {
		/* cut short, it would name another file */
		if ((size_t)snprintf(rest, sizeof(rest), "%s", path) >= sizeof(rest))
			return fail(err, len, ENAMETOOLONG, "%s: %s", path, strerror(ENAMETOOLONG));
	} else {
		/* the working directory's own parents matter as much */
		if (!getcwd(tmp, PATH_MAX))
			return fail(err, len, errno, "%s: working directory: %s", path, strerror(errno));
		if ((size_t)snprintf(rest, sizeof(rest), "%s/%s", tmp, path) >= sizeof(rest))
			return fail(err, len, ENAMETOOLONG, "%s: %s", path, strerror(ENAMETOOLONG));
	}
	int fd = open_root(err, len);
	if (fd < 0)
		return -fd;
	shown[0] = '\0';
	const char *p = rest;
	for (;;) {
		while (*p == '/')
			p++;
		size_t n = strcspn(p, "/");
		if (!n) {
			close(fd);
			return fail(err, len, EISDIR, "%s: names a directory, not a file", path);
		}
		if (n > NAME_MAX) {
			close(fd);
			return fail(err, len, ENAMETOOLONG, "%s: %s", path, strerror(ENAMETOOLONG));
		}
		memcpy(comp, p, n);
		comp[n] = '\0';
		const char *after = p + n;
		while (*after == '/')
			after++;
		bool last = !*after;
		bool dots = !strcmp(comp, ".") || !strcmp(comp, "..");
		if (last && dots) {
			close(fd);
			return fail(err, len, EINVAL, "%s: ends in '%s', not in a file name", path, comp);
		}
		if (!strcmp(comp, ".")) {
			p = after;
			continue;
		}
		struct stat st;
		int nd = -1;
		bool link = false;
		if (last) {
			link = follow_last && !fstatat(fd, comp, &st, AT_SYMLINK_NOFOLLOW) && S_ISLNK(st.st_mode);
			if (!link) {
				*dfd = fd;
				snprintf(leaf, NAME_MAX + 1, "%s", comp);
				return 0;
			}
		} else {
			nd = openat(fd, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (nd < 0) {
				int e = errno;
				link = (e == ENOTDIR || e == ELOOP) && !fstatat(fd, comp, &st, AT_SYMLINK_NOFOLLOW) &&
				       S_ISLNK(st.st_mode);
				if (!link) {
					close(fd);
					return fail(err, len, e, "%s: %s/%s: %s", path, shown, comp, strerror(e));
				}
			}
		}
		if (link && !owner_ok(st.st_uid)) {
			/* anyone can put a link in a sticky directory (/tmp): it would
			 * choose which of root's files we read (the kernel's
			 * protected_symlinks rule, which readlinkat does not apply) */
			close(fd);
			return fail(err, len, EPERM, "%s: %s/%s: a symbolic link owned by uid %u, not root", path, shown,
				    comp, (unsigned)st.st_uid);
		}
		if (link) {
			/* a link of root's in a checked directory: root's choice */
			ssize_t tl = readlinkat(fd, comp, tgt, sizeof(tgt) - 1);
			if (tl <= 0 || ++links > TRUST_MAX_LINKS) {
				int e = tl < 0 ? errno : ELOOP;
				close(fd);
				return fail(err, len, e, "%s: %s/%s: %s", path, shown, comp, strerror(e));
			}
			tgt[tl] = '\0';
			if ((size_t)snprintf(tmp, sizeof(tmp), "%s%s%s", tgt, *after ? "/" : "", after) >= sizeof(tmp)) {
				close(fd);
				return fail(err, len, ENAMETOOLONG, "%s: %s", path, strerror(ENAMETOOLONG));
			}
			memcpy(rest, tmp, sizeof(rest));
			p = rest;
			if (tgt[0] == '/') {
				close(fd);
				if ((fd = open_root(err, len)) < 0)
					return -fd;
				shown[0] = '\0';
			}
			continue;
		}
		char sub[2 * PATH_MAX];
		if (!strcmp(comp, "..")) {
			char *slash = strrchr(shown, '/');
			snprintf(sub, sizeof(sub), "%.*s", slash ? (int)(slash - shown) : 0, shown);
			nd = openat(fd, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
			if (nd < 0) {
				int e = errno;
				close(fd);
				return fail(err, len, e, "%s: %s/..: %s", path, shown, strerror(e));
			}
		} else {
			snprintf(sub, sizeof(sub), "%s/%s", shown, comp);
		}
		close(fd);
		fd = nd;
		int e = trust_check_fd(fd, sub[0] ? sub : "/", true, true, err, len);
		if (e) {
			close(fd);
			return e;
		}
		snprintf(shown, shownlen, "%s", sub);
		p = after;
	}
}

/* In a directory anyone can write (/tmp), a second name of root's file may
 * be anyone's hard link (where protected_hardlinks is off): it would choose
 * which of root's files we read or run, as a planted link would. */
static int check_names(int dfd, int fd, const char *shown, char *err, size_t len)
{
	struct stat dst, st;
	if (fstat(dfd, &dst) || fstat(fd, &st))
		return fail(err, len, errno, "%s: %s", shown, strerror(errno));
	if ((dst.st_mode & (S_IWGRP | S_IWOTH)) && st.st_nlink > 1)
		return fail(err, len, EMLINK, "%s: has %ju names in a directory anyone can write (a hard link): nfstune "
			    "uses only the file itself", shown, (uintmax_t)st.st_nlink);
	return 0;
}

/* "p.json/" names a directory to the kernel (ENOTDIR), not the file p.json */
static int file_name(const char *path, char *err, size_t len)
{
	size_t n = strlen(path);
	return n && path[n - 1] == '/' ? fail(err, len, ENOTDIR, "%s: ends in '/', not in a file name", path) : 0;
}

static int open_last(const char *path, int flags, bool dir, bool create, char *err, size_t len)
{
	char leaf[NAME_MAX + 1], shown[2 * PATH_MAX];
	int dfd;
	int e = dir ? 0 : file_name(path, err, len);
	if (e)
		return -e;
	e = walk(path, false, &dfd, leaf, shown, sizeof(shown), err, len);
	if (e)
		return -e;
	if (create && mkdirat(dfd, leaf, 0700) && errno != EEXIST) {
		e = errno;
		close(dfd);
		return -fail(err, len, e, "%s: %s", path, strerror(e));
	}
	/* O_NONBLOCK: a FIFO planted here must not hang us before fstat */
	int fd = openat(dfd, leaf, flags | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, 0644);
	if (fd < 0) {
		struct stat st;
		e = errno;
		/* any error (EACCES for O_CREAT on another's link in a sticky
		 * directory): a link is named as one */
		bool link = !fstatat(dfd, leaf, &st, AT_SYMLINK_NOFOLLOW) && S_ISLNK(st.st_mode);
		close(dfd);
		if (link)
			return -fail(err, len, ELOOP, "%s: a symbolic link: nfstune opens only the file itself", path);
		return -fail(err, len, e, "%s: %s", path, strerror(e));
	}
	e = trust_check_fd(fd, path, dir, false, err, len);
	if (!e && !dir)
		e = check_names(dfd, fd, path, err, len);
	close(dfd);
	if (!e && fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK))
		e = fail(err, len, errno, "%s: %s", path, strerror(errno));
	if (e) {
		close(fd);
		return -e;
	}
	return fd;
}

int trust_open(const char *path, int flags, char *err, size_t len)
{
	if (flags & (O_CREAT | O_DIRECTORY | O_PATH))
		return -fail(err, len, EINVAL, "%s: trust_open does not create", path);
	return open_last(path, flags, false, false, err, len);
}

int trust_create(const char *path, char *err, size_t len)
{
	int fd = open_last(path, O_WRONLY | O_CREAT, false, false, err, len);
	if (fd < 0)
		return fd;
	/* a hard link to another of root's files (where protected_hardlinks
	 * is off) would be truncated through this name */
	struct stat st;
	int e = fstat(fd, &st) ? errno : st.st_nlink != 1 ? EMLINK : ftruncate(fd, 0) ? errno : 0;
	if (e) {
		close(fd);
		if (e == EMLINK)
			return -fail(err, len, e, "%s: has %ju names (a hard link): nfstune overwrites only a file of its own",
				     path, (uintmax_t)st.st_nlink);
		return -fail(err, len, e, "%s: %s", path, strerror(e));
	}
	return fd;
}

int trust_open_dir(const char *path, bool create, char *err, size_t len)
{
	return open_last(path, O_RDONLY | O_DIRECTORY, true, create, err, len);
}

int trust_read(const char *path, size_t max, char **text, size_t *textlen, char *err, size_t len)
{
	*text = NULL;
	*textlen = 0;
	int fd = trust_open(path, O_RDONLY, err, len);
	if (fd < 0)
		return -fd;
	int e = mem_read_fd(fd, max, false, text, textlen);
	close(fd);
	if (e == EFBIG)
		return fail(err, len, e, "%s: too large (more than %zu bytes)", path, max);
	if (e)
		return fail(err, len, e, "%s: %s", path, strerror(e));
	return 0;
}

/* The kernel runs a script's #! interpreter, up to this many deep
 * (BINPRM_MAX_RECURSION in Linux's fs/exec.c). */
#define TRUST_MAX_INTERP 4

static int check_exec(const char *cand, char *out, size_t outlen, char *err, size_t len, int depth);

/* The interpreter a script names on its #! line: it runs with root's
 * rights too, so it must pass the same check. The line is read from a
 * second descriptor of the same checked file (same device and inode): an
 * O_PATH descriptor cannot be read. A file root cannot read is no script
 * the kernel could run, and has nothing to check. */
static int check_interp(int dfd, const char *leaf, int pathfd, const char *full, char *err, size_t len, int depth)
{
	char buf[256]; /* the kernel reads as much of the #! line (BINPRM_BUF_SIZE) */
	struct stat a, b;
	int fd = openat(dfd, leaf, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = -1;
	if (!fstat(fd, &a) && !fstat(pathfd, &b) && a.st_dev == b.st_dev && a.st_ino == b.st_ino)
		n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return fail(err, len, EAGAIN, "%s: changed while it was checked", full);
	if (n < 2 || buf[0] != '#' || buf[1] != '!')
		return 0;
	buf[n] = 0;
	char *p = buf + 2 + strspn(buf + 2, " \t");
	p[strcspn(p, " \t\n")] = 0;
	if (p[0] != '/')
		return fail(err, len, EPERM, "%s: its #! interpreter '%s' is not an absolute path", full, p);
	if (depth >= TRUST_MAX_INTERP)
		return fail(err, len, ELOOP, "%s: more than %d #! interpreters in a row", full, TRUST_MAX_INTERP);
	char path[PATH_MAX], why[768];
	int e = check_exec(p, path, sizeof(path), why, sizeof(why), depth + 1);
	return e ? fail(err, len, e, "%s: its #! interpreter: %s", full, why) : 0;
}

static int check_exec(const char *cand, char *out, size_t outlen, char *err, size_t len, int depth)
{
	char leaf[NAME_MAX + 1], shown[2 * PATH_MAX];
	int dfd;
	int e = file_name(cand, err, len);
	if (!e)
		e = walk(cand, true, &dfd, leaf, shown, sizeof(shown), err, len);
	if (e)
		return e;
	int fd = openat(dfd, leaf, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		e = errno;
		close(dfd);
		return fail(err, len, e, "%s: %s", cand, strerror(e));
	}
	char full[2 * PATH_MAX + NAME_MAX + 2];
	snprintf(full, sizeof(full), "%s/%s", shown, leaf);
	e = trust_check_fd(fd, full, false, false, err, len);
	if (!e)
		e = check_names(dfd, fd, full, err, len);
	struct stat st;
	if (!e && (fstat(fd, &st) || !(st.st_mode & 0111)))
		e = fail(err, len, EACCES, "%s: not executable", full);
	if (!e)
		e = check_interp(dfd, leaf, fd, full, err, len, depth);
	close(dfd);
	close(fd);
	if (!e && strlen(full) >= outlen)
		e = fail(err, len, ENAMETOOLONG, "%s: %s", full, strerror(ENAMETOOLONG));
	if (!e)
		snprintf(out, outlen, "%s", full);
	return e;
}

int trust_exec_path(const char *argv0, char *out, size_t outlen, char *err, size_t len)
{
	if (!*argv0)
		return fail(err, len, ENOENT, "empty program name");
	if (strchr(argv0, '/'))
		return check_exec(argv0, out, outlen, err, len, 0);
	const char *path = getenv("PATH");
	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	/* the first executable match is the one execvp would run */
	for (const char *d = path;; d++) {
		size_t n = strcspn(d, ":");
		char cand[PATH_MAX];
		if ((size_t)snprintf(cand, sizeof(cand), "%.*s/%s", (int)n, n ? d : ".", argv0) < sizeof(cand) &&
		    !access(cand, X_OK))
			return check_exec(cand, out, outlen, err, len, 0);
		d += n;
		if (!*d)
			break;
	}
	return fail(err, len, ENOENT, "%s: not found in PATH", argv0);
}

/* A PATH entry: a trusted directory, not writable by others even when
 * sticky; root's links on the way (/bin -> usr/bin) followed as walk does. */
static int path_dir_check(const char *dir, char *err, size_t len)
{
	char leaf[NAME_MAX + 1], shown[2 * PATH_MAX];
	int dfd;
	int e = walk(dir, true, &dfd, leaf, shown, sizeof(shown), err, len);
	if (e)
		return e;
	int fd = openat(dfd, leaf, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	e = fd < 0 ? fail(err, len, errno, "%s: %s", dir, strerror(errno)) : trust_check_fd(fd, dir, true, false, err, len);
	if (fd >= 0)
		close(fd);
	close(dfd);
	return e;
}

int trust_path_filter(const char *path, char *out, size_t outlen, char *dropped, size_t droplen)
{
	size_t o = 0, d = 0;
	out[0] = 0;
	if (dropped && droplen)
		dropped[0] = 0;
	for (const char *p = path ? path : "";; p++) {
		size_t n = strcspn(p, ":");
		char dir[PATH_MAX], why[512];
		int keep = 0; /* 1: kept; 0: left out, and said; -1: missing, left out quietly */
		/* relative entries ("", ".") depend on the working directory: left out */
		if (n && n < sizeof(dir) && p[0] == '/') {
			memcpy(dir, p, n);
			dir[n] = 0;
			int e = path_dir_check(dir, why, sizeof(why));
			keep = !e ? 1 : e == ENOENT ? -1 : 0;
		}
		if (keep > 0) {
			if (o + n + 2 > outlen)
				return ENAMETOOLONG;
			o += (size_t)snprintf(out + o, outlen - o, "%s%.*s", o ? ":" : "", (int)n, p);
		} else if (!keep && dropped && d + n + 3 < droplen) {
			d += (size_t)snprintf(dropped + d, droplen - d, "%s%.*s", d ? " " : "", (int)(n ? n : 1),
					      n ? p : ".");
		}
		p += n;
		if (!*p)
			break;
	}
	return 0;
}
