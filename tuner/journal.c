/* journal.c - write, fsync and read the undo journal of an apply (format
 * in journal.h). Every record that a revert depends on reaches the disk
 * before the change it protects: the file and its directory are fsync'd
 * before the first change, each "begin" before its change. */
#include "tune_journal.h"

#include <dirent.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "mem.h"
#include "trust.h"

const char *tune_journal_status_name(enum jstatus s)
{
	switch (s) {
	case JS_RUNNING: return "running";
	case JS_INTERRUPTED: return "interrupted";
	case JS_APPLIED: return "applied";
	case JS_ROLLED_BACK: return "rolled-back";
	case JS_REVERTED: return "reverted";
	case JS_EMPTY: return "empty";
	}
	return "?";
}

/* ------------------------------------------------------------------ */
/* Items                                                                */

int tune_journal_encode_item(const struct knob *k, size_t i, char *buf, size_t len)
{
	struct json_object *o = json_object_new_object();
	if (!o)
		return ENOMEM;
	json_object_object_add(o, "item", json_object_new_int64((int64_t)i));
	json_object_object_add(o, "type", json_object_new_string(k->type->name));
	json_object_object_add(o, "obj", json_object_new_string(k->obj));
	json_object_object_add(o, "name", json_object_new_string(k->name));
	json_object_object_add(o, "path", json_object_new_string(k->path));
	json_object_object_add(o, "arg", json_object_new_string(k->arg));
	json_object_object_add(o, "idx", json_object_new_int64(k->idx));
	json_object_object_add(o, "cur", json_object_new_string(k->cur));
	json_object_object_add(o, "restore", json_object_new_string(k->restore[0] ? k->restore : k->cur));
	json_object_object_add(o, "want", json_object_new_string(k->want));
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	int rc = 0;
	if (!s || strlen(s) >= len)
		rc = E2BIG;
	else
		snprintf(buf, len, "%s", s);
	json_object_put(o);
	return rc;
}

static int str_member(struct json_object *o, const char *key, char *out, size_t len)
{
	struct json_object *v;
	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return EINVAL;
	const char *s = json_object_get_string(v);
	if (strlen(s) >= len)
		return E2BIG;
	snprintf(out, len, "%s", s);
	return 0;
}

int tune_journal_decode_item(const char *line, struct knob *k, size_t *i)
{
	struct json_object *o = json_tokener_parse(line), *v;
	char type[64];
	int rc = EINVAL;

	memset(k, 0, sizeof(*k));
	if (!o || !json_object_is_type(o, json_type_object))
		goto out;
	if (!json_object_object_get_ex(o, "item", &v) || !json_object_is_type(v, json_type_int) ||
	    json_object_get_int64(v) < 0)
		goto out;
	*i = (size_t)json_object_get_int64(v);
	if (str_member(o, "type", type, sizeof(type)) || !(k->type = knob_type_find(type)))
		goto out;
	if (str_member(o, "obj", k->obj, sizeof(k->obj)) || str_member(o, "name", k->name, sizeof(k->name)) ||
	    str_member(o, "path", k->path, sizeof(k->path)) || str_member(o, "arg", k->arg, sizeof(k->arg)) ||
	    str_member(o, "cur", k->cur, sizeof(k->cur)) || str_member(o, "restore", k->restore, sizeof(k->restore)) ||
	    str_member(o, "want", k->want, sizeof(k->want)))
		goto out;
	if (!json_object_object_get_ex(o, "idx", &v) || !json_object_is_type(v, json_type_int) ||
	    json_object_get_int64(v) < 0 || json_object_get_int64(v) > UINT32_MAX)
		goto out;
	k->idx = (unsigned)json_object_get_int64(v);
	k->has_want = true;
	rc = 0;
out:
	json_object_put(o);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Files                                                                */

int tune_journal_dir_open(const char *dir, char *err, size_t len)
{
	/* whoever can write here (or above) can forge what revert restores as root */
	char why[TUNE_ERRLEN];
	int fd = trust_open_dir(dir, true, why, sizeof(why));
	size_t n = strlen(dir);
	bool self = !strncmp(why, dir, n) && why[n] == ':'; /* about dir itself, not a parent */
	if (fd < 0)
		snprintf(err, len, "state directory %s%s%s", dir, self ? "" : ": ", self ? why + n : why);
	return fd;
}

int tune_journal_dir_check(const char *dir, char *err, size_t len)
{
	int fd = tune_journal_dir_open(dir, err, len);
	if (fd < 0)
		return -fd;
	close(fd);
	return 0;
}

void tune_journal_self(char *netns, size_t len, unsigned long long *start)
{
	char buf[1024];
	ssize_t n = readlink("/proc/self/ns/net", netns, len - 1);
	netns[n > 0 ? (size_t)n : 0] = '\0';
	*start = 0;
	/* field 22 of /proc/self/stat, after the ")" that ends the name */
	if (!tune_read_file("/proc/self/stat", buf, sizeof(buf))) {
		char *p = strrchr(buf, ')');
		for (int f = 2; p && f < 22; f++)
			p = strchr(p + 1, ' ');
		if (p)
			*start = strtoull(p + 1, NULL, 10);
	}
}

static int append_line(struct journal *j, const char *line)
{
	size_t n = strlen(line);
	char *buf = malloc(n + 2);
	if (!buf)
		return ENOMEM;
	memcpy(buf, line, n);
	buf[n++] = '\n';
	size_t off = 0;
	int rc = 0;
	while (off < n) {
		ssize_t w = write(j->fd, buf + off, n - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			rc = errno ? errno : EIO;
			break;
		}
		off += (size_t)w;
	}
	free(buf);
	if (!rc && fsync(j->fd))
		rc = errno;
	return rc;
}

static void now_iso(char *buf, size_t len)
{
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int tune_journal_create(struct journal *j, const char *dir, const char *profile, const struct tune *t,
		   const struct knobs *items, char *err, size_t len)
{
	char stamp[32], line[4 * TUNE_VAL + 2048];
	struct timespec ts;
	struct tm tm;

	memset(j, 0, sizeof(*j));
	j->fd = -1;
	if (items->n > JOURNAL_MAX_ITEMS) {
		/* revert could not read it back */
		snprintf(err, len, "%zu changes: more than a journal holds (%d)", items->n, JOURNAL_MAX_ITEMS);
		return E2BIG;
	}
	int rc = tune_journal_dir_check(dir, err, len);
	if (rc)
		return rc;
	/* names sort by time, to the nanosecond */
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%S", &tm);
	snprintf(j->path, sizeof(j->path), "%s/apply-%s.%09ldZ-%ld.journal", dir, stamp, (long)ts.tv_nsec,
		 (long)getpid());
	j->fd = open(j->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (j->fd < 0) {
		rc = errno;
		snprintf(err, len, "journal %s: %s", j->path, strerror(rc));
		return rc;
	}
	now_iso(j->started, sizeof(j->started));
	j->pid = (long)getpid();
	tune_journal_self(j->netns, sizeof(j->netns), &j->pid_start);
	snprintf(j->root, sizeof(j->root), "%s", t->root);
	snprintf(j->profile, sizeof(j->profile), "%s", profile);

	struct json_object *h = json_object_new_object();
	if (!h)
		return ENOMEM;
	json_object_object_add(h, "journal", json_object_new_string("nfstune/1"));
	json_object_object_add(h, "profile", json_object_new_string(profile));
	json_object_object_add(h, "started", json_object_new_string(j->started));
	json_object_object_add(h, "pid", json_object_new_int64(j->pid));
	json_object_object_add(h, "pid_start", json_object_new_int64((int64_t)j->pid_start));
	json_object_object_add(h, "netns", json_object_new_string(j->netns));
	json_object_object_add(h, "root", json_object_new_string(j->root));
	snprintf(line, sizeof(line), "%s", json_object_to_json_string_ext(h, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(h);
	rc = append_line(j, line);
	for (size_t i = 0; !rc && i < items->n; i++) {
		rc = tune_journal_encode_item(&items->v[i], i, line, sizeof(line));
		if (!rc)
			rc = append_line(j, line);
	}
	if (!rc) {
		snprintf(line, sizeof(line), "{\"ready\":%zu}", items->n);
		rc = append_line(j, line);
	}
	if (!rc) {
		/* the new name must survive a crash too */
		int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd >= 0) {
			if (fsync(dfd))
				rc = errno;
			close(dfd);
		}
	}
	if (rc) {
		snprintf(err, len, "writing journal %s: %s", j->path, strerror(rc));
		return rc;
	}
	j->ready = true;
	j->state = calloc(items->n ? items->n : 1, 1);
	if (!j->state)
		return ENOMEM;
	/* keep our own copy: the caller's list may be sorted or freed */
	j->items.v = malloc((items->n ? items->n : 1) * sizeof(struct knob));
	if (!j->items.v)
		return ENOMEM;
	memcpy(j->items.v, items->v, items->n * sizeof(struct knob));
	j->items.n = j->items.cap = items->n;
	return 0;
}

int tune_journal_mark(struct journal *j, const char *what, size_t i)
{
	char line[64];
	snprintf(line, sizeof(line), "{\"%s\":%zu}", what, i);
	int rc = append_line(j, line);
	if (!rc && j->state && i < j->items.n)
		j->state[i] = !strcmp(what, "begin") ? J_BEGUN : J_DONE;
	return rc;
}

int tune_journal_end(struct journal *j, const char *how)
{
	char line[96];
	snprintf(line, sizeof(line), "{\"end\":\"%s\"}", how);
	snprintf(j->end, sizeof(j->end), "%s", how);
	return append_line(j, line);
}

int tune_journal_reverted(struct journal *j, bool ok)
{
	char line[128], when[40];
	now_iso(when, sizeof(when));
	/* the descriptor the journal was read (and checked) through: never
	 * the name again, which may lead elsewhere by now */
	if (j->fd < 0)
		return EBADF;
	snprintf(line, sizeof(line), "{\"reverted\":\"%s\",\"ok\":%s}", when, ok ? "true" : "false");
	int rc = append_line(j, line);
	if (!rc && ok)
		j->reverted = true;
	return rc;
}

void tune_journal_free(struct journal *j)
{
	if (j->fd >= 0)
		close(j->fd);
	knobs_free(&j->items);
	free(j->state);
	memset(j, 0, sizeof(*j));
	j->fd = -1;
}

/* A member that must be a whole number >= 0 when present: 0, ENOENT when
 * absent, EINVAL when of another type ("1" is not 1). */
static int int_member(struct json_object *o, const char *key, int64_t *out)
{
	struct json_object *v;
	if (!json_object_object_get_ex(o, key, &v))
		return ENOENT;
	if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0)
		return EINVAL;
	*out = json_object_get_int64(v);
	return 0;
}

/* The header (line 1): every member of the right type. */
static int load_header(struct journal *j, struct json_object *o, const char **bad)
{
	char magic[32];
	int64_t v;
	static const struct {
		const char *key;
		size_t off, len;
	} strs[] = {
		{"profile", offsetof(struct journal, profile), sizeof(((struct journal *)0)->profile)},
		{"started", offsetof(struct journal, started), sizeof(((struct journal *)0)->started)},
		{"netns", offsetof(struct journal, netns), sizeof(((struct journal *)0)->netns)},
		{"root", offsetof(struct journal, root), sizeof(((struct journal *)0)->root)},
	};
	*bad = "journal";
	if (str_member(o, "journal", magic, sizeof(magic)) || strcmp(magic, "nfstune/1"))
		return EINVAL;
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		*bad = strs[i].key;
		if (json_object_object_get_ex(o, strs[i].key, NULL) &&
		    str_member(o, strs[i].key, (char *)j + strs[i].off, strs[i].len))
			return EINVAL;
	}
	*bad = "pid";
	int rc = int_member(o, "pid", &v);
	if (rc == EINVAL)
		return rc;
	j->pid = rc ? 0 : (long)v;
	*bad = "pid_start";
	rc = int_member(o, "pid_start", &v);
	if (rc == EINVAL)
		return rc;
	j->pid_start = rc ? 0 : (unsigned long long)v;
	return 0;
}

/* One record after the header. 0, or EINVAL/ENOMEM with err set. */
static int load_record(struct journal *j, struct json_object *o, const char *line, const char *where, char *err,
		       size_t len)
{
	struct json_object *v;
	int64_t i;
	if (json_object_object_get_ex(o, "item", NULL)) {
		struct knob k;
		size_t n;
		if (j->ready || tune_journal_decode_item(line, &k, &n) || n != j->items.n) {
			snprintf(err, len, "%s: bad item record", where);
			return EINVAL;
		}
		if (j->items.n >= JOURNAL_MAX_ITEMS) {
			snprintf(err, len, "%s: more than %d items", where, JOURNAL_MAX_ITEMS);
			return EINVAL;
		}
		struct knob *nk = knobs_add(&j->items, k.type, k.obj, k.name);
		if (!nk)
			return ENOMEM;
		*nk = k;
		return 0;
	}
	if (json_object_object_get_ex(o, "ready", NULL)) {
		if (j->ready) {
			snprintf(err, len, "%s: a second ready record", where);
			return EINVAL;
		}
		if (int_member(o, "ready", &i)) {
			snprintf(err, len, "%s: ready must be a number", where);
			return EINVAL;
		}
		if ((uint64_t)i != j->items.n) {
			snprintf(err, len, "%s: %llu items announced, %zu read", where, (unsigned long long)i, j->items.n);
			return EINVAL;
		}
		j->ready = true;
		j->state = calloc(j->items.n ? j->items.n : 1, 1);
		return j->state ? 0 : ENOMEM;
	}
	bool begin = json_object_object_get_ex(o, "begin", NULL);
	if (begin || json_object_object_get_ex(o, "done", NULL)) {
		if (!j->ready || int_member(o, begin ? "begin" : "done", &i) || (uint64_t)i >= j->items.n) {
			snprintf(err, len, "%s: bad progress record", where);
			return EINVAL;
		}
		j->state[i] = begin ? J_BEGUN : J_DONE;
		return 0;
	}
	if (json_object_object_get_ex(o, "end", NULL)) {
		if (str_member(o, "end", j->end, sizeof(j->end)) ||
		    (strcmp(j->end, "applied") && strcmp(j->end, "rolled-back") && strcmp(j->end, "rollback-failed"))) {
			snprintf(err, len, "%s: end must be \"applied\", \"rolled-back\" or \"rollback-failed\"", where);
			return EINVAL;
		}
		return 0;
	}
	if (json_object_object_get_ex(o, "reverted", &v)) {
		struct json_object *ok;
		if (!json_object_is_type(v, json_type_string) || !json_object_object_get_ex(o, "ok", &ok) ||
		    !json_object_is_type(ok, json_type_boolean)) {
			snprintf(err, len, "%s: bad reverted record (a time and \"ok\": true or false)", where);
			return EINVAL;
		}
		j->reverted = json_object_get_boolean(ok);
		return 0;
	}
	snprintf(err, len, "%s: not a journal record", where);
	return EINVAL;
}

int tune_journal_load(struct journal *j, const char *path, bool writable, char *err, size_t len)
{
	memset(j, 0, sizeof(*j));
	j->fd = -1;
	snprintf(j->path, sizeof(j->path), "%s", path);
	/* root's file in root's directories, opened without following a link
	 * or waiting on a FIFO; checked on the descriptor we read */
	int fd = trust_open(path, writable ? O_RDWR | O_APPEND : O_RDONLY, err, len);
	if (fd < 0)
		return -fd;
	int rfd = dup(fd);
	FILE *f = rfd >= 0 ? fdopen(rfd, "re") : NULL;
	/* one line at most JOURNAL_MAX_LINE: a huge line costs neither time nor memory */
	char *line = malloc(JOURNAL_MAX_LINE + 2);
	if (!f || !line) {
		int e = errno ? errno : ENOMEM;
		if (f)
			fclose(f);
		else if (rfd >= 0)
			close(rfd);
		close(fd);
		free(line);
		snprintf(err, len, "%s: %s", path, strerror(e));
		return e;
	}
	if (writable)
		j->fd = fd;
	else
		close(fd);
	unsigned lineno = 0;
	int rc = 0;
	while (!rc && fgets(line, JOURNAL_MAX_LINE + 2, f)) {
		char where[PATH_MAX + 32];
		size_t n = strlen(line);
		lineno++;
		snprintf(where, sizeof(where), "%s:%u", path, lineno);
		bool complete = n > 0 && line[n - 1] == '\n';
		if (complete)
			line[--n] = '\0';
		if (n > JOURNAL_MAX_LINE) {
			snprintf(err, len, "%s: line longer than %d bytes", where, JOURNAL_MAX_LINE);
			rc = EINVAL;
			break;
		}
		struct json_object *o = json_tokener_parse(line);
		if (!o || !json_object_is_type(o, json_type_object)) {
			json_object_put(o);
			/* only the last line can lack its newline: cut by a crash */
			if (!complete && feof(f))
				break;
			snprintf(err, len, "%s: not a journal record", where);
			rc = EINVAL;
			break;
		}
		if (lineno == 1) {
			const char *bad;
			if (load_header(j, o, &bad)) {
				if (!strcmp(bad, "journal"))
					snprintf(err, len, "%s: not an nfstune journal", path);
				else
					snprintf(err, len, "%s: header: bad %s", where, bad);
				rc = EINVAL;
			}
		} else {
			rc = load_record(j, o, line, where, err, len);
		}
		json_object_put(o);
	}
	if (!rc && ferror(f)) {
		rc = errno ? errno : EIO;
		snprintf(err, len, "%s: %s", path, strerror(rc));
	}
	free(line);
	fclose(f);
	if (!rc && lineno == 0) {
		snprintf(err, len, "%s: empty journal", path);
		rc = EINVAL;
	}
	if (!rc && !j->state) {
		/* killed while writing the item list: nothing was changed yet */
		j->state = calloc(j->items.n ? j->items.n : 1, 1);
		if (!j->state)
			rc = ENOMEM;
	}
	return rc;
}

int tune_journal_check_items(const struct tune *t, const struct journal *j, char *err, size_t len)
{
	/* a journal says which files revert writes as root: only the kernel's
	 * tunables, however the names are spelled */
	static const char *const inside[] = {"/proc/sys/", "/sys/", "/proc/irq/", NULL};
	for (size_t i = 0; i < j->items.n; i++) {
		const struct knob *k = &j->items.v[i];
		const char *a = k->arg;
		bool ok = true;
		if (a[0] == '/') {
			size_t rl = strlen(t->root);
			bool pre = false;
			ok = !strncmp(a, t->root, rl) && !strstr(a, "/../") && !strstr(a, "/./") && !strstr(a, "//");
			for (const char *const *p = inside; ok && *p; p++)
				pre |= !strncmp(a + rl, *p, strlen(*p));
			ok = ok && pre && (access(a, F_OK) || tune_path_inside(t, a, inside));
		} else {
			ok = !strchr(a, '/') && strcmp(a, "..");
		}
		/* objects name interfaces, VMs and mounts (absolute), never paths to climb */
		if (k->obj[0] != '/' && (strchr(k->obj, '/') || !strcmp(k->obj, ".") || !strcmp(k->obj, "..")))
			ok = false;
		if (k->obj[0] == '/' && strstr(k->obj, "/.."))
			ok = false;
		if (!ok) {
			snprintf(err, len, "%s: item %zu (%s %s) names %s%s, outside /proc/sys, /sys and /proc/irq%s: refused",
				 j->path, i, k->obj, k->name, a[0] ? "" : "object ", a[0] ? a : k->obj,
				 t->root[0] ? " under --root" : "");
			return EPERM;
		}
	}
	return 0;
}

static bool owner_alive(const struct journal *j)
{
	char p[64], buf[1024];
	if (j->pid <= 0 || kill((pid_t)j->pid, 0))
		return false;
	snprintf(p, sizeof(p), "/proc/%ld/stat", j->pid);
	if (tune_read_file(p, buf, sizeof(buf)))
		return false;
	char *s = strrchr(buf, ')');
	for (int f = 2; s && f < 22; f++)
		s = strchr(s + 1, ' ');
	/* a recycled pid has another start time */
	return s && strtoull(s + 1, NULL, 10) == j->pid_start;
}

enum jstatus tune_journal_status(const struct journal *j)
{
	if (j->reverted)
		return JS_REVERTED;
	if (!strcmp(j->end, "applied"))
		return JS_APPLIED;
	if (!strcmp(j->end, "rolled-back"))
		return JS_ROLLED_BACK;
	if (j->end[0]) /* rollback-failed: some knobs may still be changed */
		return JS_INTERRUPTED;
	if (owner_alive(j))
		return JS_RUNNING;
	bool any = false;
	for (size_t i = 0; i < j->items.n && j->state; i++)
		any |= j->state[i] != J_NONE;
	return any ? JS_INTERRUPTED : JS_EMPTY;
}

static int cmp_desc(const void *a, const void *b)
{
	return strcmp(*(char *const *)b, *(char *const *)a);
}

int tune_journal_list(const char *dir, char ***paths, size_t *n)
{
	*paths = NULL;
	*n = 0;
	DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : errno;
	struct dirent *e;
	int rc = 0;
	size_t cap = 0;
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);
		if (strncmp(e->d_name, "apply-", 6) || l < 9 || strcmp(e->d_name + l - 8, ".journal"))
			continue;
		char *s = NULL;
		if (MEM_GROW(paths, &cap, *n + 1, 8) || asprintf(&s, "%s/%s", dir, e->d_name) < 0) {
			rc = ENOMEM;
			break;
		}
		(*paths)[(*n)++] = s;
	}
	closedir(d);
	/* names carry a UTC timestamp: reverse order is newest first */
	if (*n)
		qsort(*paths, *n, sizeof(char *), cmp_desc);
	return rc;
}

int tune_journal_lock(const char *dir, char *err, size_t len)
{
	int dfd = tune_journal_dir_open(dir, err, len);
	if (dfd < 0)
		return dfd;
	int fd = openat(dfd, "lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY, 0600);
	int e = fd < 0 ? errno : 0;
	close(dfd);
	if (fd < 0) {
		snprintf(err, len, "%s/lock: %s", dir, strerror(e));
		return -e;
	}
	char shown[PATH_MAX + 8];
	snprintf(shown, sizeof(shown), "%s/lock", dir);
	e = trust_check_fd(fd, shown, false, false, err, len);
	if (!e && flock(fd, LOCK_EX | LOCK_NB)) {
		e = errno == EWOULDBLOCK ? EBUSY : errno;
		snprintf(err, len, "%s: %s", dir,
			 e == EBUSY ? "another nfstune apply or revert is running" : strerror(e));
	}
	if (e) {
		close(fd);
		return -e;
	}
	return fd;
}
