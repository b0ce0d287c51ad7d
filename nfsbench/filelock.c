/* filelock.c - per-file, per-byte-range holds of nfsbench's operations,
 * and the queue of those waiting (see filelock.h for the rules and why
 * they exist). */
#include "filelock.h"

#include <stddef.h>

static bool clash(enum fl_mode m, uint64_t off, uint64_t end, const struct fl_hold *h)
{
	if (m == FL_EXCL || h->mode == FL_EXCL)
		return true;
	if (m == FL_META || h->mode == FL_META || (m == FL_READ && h->mode == FL_READ))
		return false;
	return h->off < end && off < h->end;
}

bool fl_may(const struct fl_file *f, enum fl_mode m, uint64_t off, uint64_t end, const struct fl_hold *self)
{
	if (f->excl || (m == FL_EXCL && f->users))
		return false;
	/* the common case, kept cheap: nothing to clash with in the list */
	if (!f->waiters && (m == FL_META || (m == FL_READ && !f->writers)))
		return true;
	bool older = !self; /* the list is newest first: past self, older ones */
	for (const struct fl_hold *h = f->list; h; h = h->next) {
		if (h == self) {
			older = true;
			continue;
		}
		if ((!h->waiting || older) && clash(m, off, end, h))
			return false;
	}
	return true;
}

static void link_hold(struct fl_file *f, struct fl_hold *h)
{
	h->prev = NULL;
	h->next = f->list;
	if (f->list)
		f->list->prev = h;
	f->list = h;
}

/* The head lives in the file (which the engine may move with realloc), so
 * the first node has no prev rather than a pointer to the head. */
static void unlink_hold(struct fl_file *f, struct fl_hold *h)
{
	if (h->prev)
		h->prev->next = h->next;
	else if (f->list == h)
		f->list = h->next;
	if (h->next)
		h->next->prev = h->prev;
	h->next = h->prev = NULL;
}

static void set(struct fl_hold *h, enum fl_mode m, uint64_t off, uint64_t end, bool waiting)
{
	h->mode = (uint8_t)m;
	h->off = off;
	h->end = end;
	h->waiting = waiting;
	h->next = h->prev = NULL;
}

void fl_take(struct fl_file *f, struct fl_hold *h, enum fl_mode m, uint64_t off, uint64_t end)
{
	set(h, m, off, end, false);
	if (m == FL_EXCL) {
		f->excl = true;
		return;
	}
	f->users++;
	if (m == FL_WRITE)
		f->writers++;
	if (m != FL_META)
		link_hold(f, h);
}

void fl_drop(struct fl_file *f, struct fl_hold *h)
{
	if (h->mode == FL_EXCL) {
		f->excl = false;
		return;
	}
	f->users--;
	if (h->mode == FL_WRITE)
		f->writers--;
	if (h->mode != FL_META)
		unlink_hold(f, h);
}

void fl_wait(struct fl_file *f, struct fl_hold *h, enum fl_mode m, uint64_t off, uint64_t end)
{
	set(h, m, off, end, true);
	f->waiters++;
	link_hold(f, h);
}

void fl_unwait(struct fl_file *f, struct fl_hold *h)
{
	f->waiters--;
	unlink_hold(f, h);
	h->waiting = false;
}
