/* journal.h - the undo record of an apply. Before the first change nfstune
 * writes (and fsyncs) every knob it is about to change with the value that
 * puts it back; then, around each change, "begin i" (fsync'd before the
 * change) and "done i". A journal without an end record whose process is
 * gone is an apply that was killed: `nfstune revert` restores every knob
 * that was begun, newest first.
 *
 * Format: JSON lines (one object per line), so a line cut by a crash is
 * recognisable and the rest still reads:
 *   {"journal":"nfstune/1","profile":...,"pid":...,"pid_start":...,"netns":...,"root":...}
 *   {"item":0,"type":"mtu","obj":"eth1","name":"mtu",...,"cur":"1500","restore":"1500","want":"9000"}
 *   {"ready":N}
 *   {"begin":0} {"done":0} ...
 *   {"end":"applied"|"rolled-back"|"rollback-failed"}
 *   {"reverted":"2026-11-26T10:00:00Z","ok":true}
 */
#ifndef NFSTUNE_JOURNAL_H
#define NFSTUNE_JOURNAL_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "tune.h"

enum jstate { J_NONE, J_BEGUN, J_DONE };

struct journal {
	char path[PATH_MAX];
	int fd;                  /* open for appending while applying; -1 */
	char profile[PATH_MAX];
	char started[40];
	long pid;
	unsigned long long pid_start;
	char netns[64];
	char root[PATH_MAX];
	struct knobs items;      /* cur: the original value; restore: its token */
	bool ready;              /* the item list is complete */
	unsigned char *state;    /* per item: enum jstate */
	char end[32];            /* "" while (or if killed while) applying */
	bool reverted;
};

enum jstatus { JS_RUNNING, JS_INTERRUPTED, JS_APPLIED, JS_ROLLED_BACK, JS_REVERTED, JS_EMPTY };
const char *tune_journal_status_name(enum jstatus s);

/* Encode one item as its journal line (no newline), decode it back. */
int tune_journal_encode_item(const struct knob *k, size_t i, char *buf, size_t len);
int tune_journal_decode_item(const char *line, struct knob *k, size_t *i);

/* Bounds of what a journal may hold: revert reads a journal in bounded
 * time and memory whatever the file holds. */
#define JOURNAL_MAX_LINE 65536
#define JOURNAL_MAX_ITEMS 8192

/* The state directory: created 0700 when missing; refused unless it and
 * every directory above it is trusted (trust.h). tune_journal_dir_open
 * returns its descriptor or -errno, both set err. */
int tune_journal_dir_open(const char *dir, char *err, size_t len);
int tune_journal_dir_check(const char *dir, char *err, size_t len);
/* Create dir/apply-TIME-PID.journal with the header and items, fsync'd. */
int tune_journal_create(struct journal *j, const char *dir, const char *profile, const struct tune *t,
		   const struct knobs *items, char *err, size_t len);
/* Append {"begin":i} / {"done":i} / {"end":how} / {"reverted":...}, fsync'd
 * (reverted: to a journal loaded writable; EBADF otherwise). */
int tune_journal_mark(struct journal *j, const char *what, size_t i);
int tune_journal_end(struct journal *j, const char *how);
int tune_journal_reverted(struct journal *j, bool ok);
/* Read a journal (a line cut by a crash at the end is ignored): a trusted
 * file (trust.h), lines of at most JOURNAL_MAX_LINE bytes, every member of
 * its type. writable: keep it open (j->fd) for tune_journal_reverted. */
int tune_journal_load(struct journal *j, const char *path, bool writable, char *err, size_t len);
/* Does every item name only files under root + /proc/sys, /sys or
 * /proc/irq (and objects that are names, not paths)? 0, or EPERM with err
 * naming the item. Run before a revert writes anything. */
int tune_journal_check_items(const struct tune *t, const struct journal *j, char *err, size_t len);
void tune_journal_free(struct journal *j);
enum jstatus tune_journal_status(const struct journal *j);
/* This process's identity, recorded in the header. */
void tune_journal_self(char *netns, size_t len, unsigned long long *start);

/* Journals in dir, newest first (paths; caller frees each and the array). */
int tune_journal_list(const char *dir, char ***paths, size_t *n);
/* Check the state directory (as tune_journal_dir_open) and take an
 * exclusive lock in it (one apply or revert at a time): fd, or -errno with
 * err set (-EBUSY: another one runs). */
int tune_journal_lock(const char *dir, char *err, size_t len);

#endif
