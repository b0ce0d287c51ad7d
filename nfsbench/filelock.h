/* filelock.h - who may work on one of nfsbench's files at the same time.
 *
 * The engine (engine.c) runs many operations at once on a thread's files.
 * Two rules keep results honest: --verify must never read a block while a
 * WRITE of it is in flight (it would see a torn block and cry wolf), and an
 * operation that changes a file's name or existence (delete, rename,
 * create, layout) must run alone, or a LOOKUP by the old name fails. The
 * rules are kept per byte range, not per file, so reads and writes of
 * different blocks of one file run side by side, and an operation that has
 * to wait says so (fl_wait) so that the file drains for it instead of
 * being starved by a stream of newcomers.
 *
 * Holds are nodes the caller owns (one per operation in flight); a file
 * keeps a list of the data ranges held on it. All of it is used by one
 * thread: no locking of its own.
 */
#ifndef NFSBENCH_FILELOCK_H
#define NFSBENCH_FILELOCK_H

#include <stdbool.h>
#include <stdint.h>

enum fl_mode {
	FL_META,  /* attributes or name: GETATTR, LOOKUP, ACCESS, COMMIT */
	FL_READ,  /* reads a byte range */
	FL_WRITE, /* writes a byte range */
	FL_EXCL,  /* changes the name or existence: nothing else at the same time */
};

struct fl_hold {
	uint64_t off, end; /* [off, end); unused for FL_META and FL_EXCL */
	uint8_t mode;
	bool waiting; /* a place in the queue, not a hold in force */
	struct fl_hold *next, *prev;
};

struct fl_file {
	/* data holds in force (FL_READ, FL_WRITE) and every waiting
	 * operation's place, newest first */
	struct fl_hold *list;
	uint32_t users;   /* holds in force other than FL_EXCL */
	uint32_t writers; /* FL_WRITE holds in force */
	uint32_t waiters; /* waiting operations */
	bool excl;        /* an FL_EXCL hold is in force */
};

/* May an operation hold [off, end) of f in mode m now? Two operations
 * clash when one is FL_EXCL, or their ranges overlap and one writes. A
 * newcomer (self NULL) must not clash with any hold in force nor with any
 * waiting operation, so a waiter is never overtaken by what it waits
 * behind; a waiting operation (self its place) only with holds in force
 * and operations that waited longer. */
bool fl_may(const struct fl_file *f, enum fl_mode m, uint64_t off, uint64_t end, const struct fl_hold *self);
/* Take the hold h in force (fl_may said yes). */
void fl_take(struct fl_file *f, struct fl_hold *h, enum fl_mode m, uint64_t off, uint64_t end);
/* Give back a hold taken with fl_take. */
void fl_drop(struct fl_file *f, struct fl_hold *h);
/* Queue an operation that could not start (place h, for what it will
 * hold); fl_unwait takes it out of the queue (before fl_take). */
void fl_wait(struct fl_file *f, struct fl_hold *h, enum fl_mode m, uint64_t off, uint64_t end);
void fl_unwait(struct fl_file *f, struct fl_hold *h);

#endif
