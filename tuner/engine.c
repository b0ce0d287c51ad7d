/* engine.c - validate, apply with rollback, restore. The rules a user can
 * rely on: nothing changes unless every knob read and validated; the
 * journal is on disk before the first change; each change is read back;
 * the first failure undoes every change made so far, newest first. */
#include "tune_engine.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "tune_ethtool.h"
#include "tune_irq.h"
#include "tune_link.h"
#include "tune_nfs.h"
#include "tune_qdisc.h"
#include "tune_queue.h"
#include "tune_sunrpc.h"
#include "tune_sysctl.h"
#include "tune_virtio.h"

static const struct knob_type *const all_types[] = {
	&knob_mtu, &knob_txqlen, &knob_channels, &knob_rings, &knob_coalesce, &knob_feature, &knob_qdisc,
	&knob_rps, &knob_xps, &knob_irq, &knob_sysctl, &knob_sunrpc, &knob_nfs_opt, &knob_readahead,
	&knob_vq, &knob_vhost, NULL,
};

const struct knob_type *knob_type_find(const char *name)
{
	for (const struct knob_type *const *t = all_types; *t; t++)
		if (!strcmp((*t)->name, name))
			return *t;
	return NULL;
}

int knob_read(struct tune *t, struct knob *k)
{
	k->cur[0] = k->restore[0] = k->err[0] = '\0';
	if (k->type != &knob_irq) /* the IRQ's name is set once, at discovery */
		k->detail[0] = '\0';
	k->rc = k->type->read(t, k);
	if (k->rc && !k->err[0])
		snprintf(k->err, sizeof(k->err), "%s", strerror(k->rc));
	return k->rc;
}

bool knob_same(const struct knob *k, const char *cur, const char *want)
{
	return k->type->same ? k->type->same(k, cur, want) : !strcmp(cur, want);
}

const char *knob_state(const struct knob *k)
{
	switch (k->rc) {
	case 0: return k->cur;
	case ENOTSUP: return "unsupported";
	case ENOENT: return "absent";
	case ENODEV: return "no such interface";
	default: return "error";
	}
}

size_t tune_validate(struct tune *t, struct knobs *ks)
{
	size_t errs = 0;
	for (size_t i = 0; i < ks->n; i++) {
		struct knob *k = &ks->v[i];
		if (!k->has_want)
			continue;
		k->bad = false;
		if (knob_read(t, k)) {
			if (!knob_class_applies(k->type->cls)) {
				/* planned, never applied: an unknown current value is no
				 * error; one warning per object */
				tune_warn(t, "%s: %s (planned without its current value)", k->obj, k->err);
				continue;
			}
			tune_knob_error(t, k, "%s", k->err);
			k->bad = true;
			errs++;
			continue;
		}
		if (k->type->check) {
			k->err[0] = '\0';
			int rc = k->type->check(t, k);
			if (rc) {
				tune_knob_error(t, k, "%s", k->err[0] ? k->err : strerror(rc));
				k->bad = true;
				errs++;
			}
		}
	}
	return errs;
}

bool tune_needs_change(const struct knob *k)
{
	return k->has_want && k->rc == 0 && knob_class_applies(k->type->cls) && !knob_same(k, k->cur, k->want);
}

const char *tune_step_result_name(enum step_result r)
{
	switch (r) {
	case STEP_PENDING: return "not reached";
	case STEP_OK: return "ok";
	case STEP_FAILED: return "failed";
	case STEP_RESTORED: return "restored";
	case STEP_RESTORE_FAILED: return "restore failed";
	case STEP_SKIPPED: return "skipped";
	}
	return "?";
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* Put knob k back to what the journal recorded, and check it. */
static int restore_one(struct tune *t, struct knob *k, struct step *s)
{
	struct knob now = *k;
	const char *tok = k->restore[0] ? k->restore : k->cur;
	/* already as it was (a change that never happened): write nothing */
	if (!knob_read(t, &now) && !strcmp(now.cur, k->cur) &&
	    (!k->restore[0] || !strcmp(now.restore[0] ? now.restore : now.cur, tok))) {
		s->result = STEP_RESTORED;
		return 0;
	}
	now = *k;
	now.err[0] = '\0';
	int rc = k->type->apply(t, &now, tok);
	if (!rc) {
		rc = knob_read(t, &now);
		if (!rc && !knob_same(k, now.cur, k->cur) && strcmp(now.cur, k->cur)) {
			snprintf(now.err, sizeof(now.err), "read back '%s' after restoring '%s'", now.cur, k->cur);
			rc = EIO;
		}
	}
	if (rc) {
		s->result = STEP_RESTORE_FAILED;
		snprintf(s->msg, sizeof(s->msg), "%s", now.err[0] ? now.err : strerror(rc));
	} else {
		s->result = STEP_RESTORED;
	}
	return rc;
}

/* A restore can be undone by a later one in the same pass (RPS masks of
 * queues that a channels restore brings back): check every restored knob
 * again once all are done, and restore the ones that moved once more. */
static int recheck(struct tune *t, struct journal *j, size_t upto, struct step *steps, size_t skip)
{
	int rc = 0;
	for (size_t r = 0; r < upto; r++) {
		struct knob *k = &j->items.v[r];
		struct knob now = *k;
		if (r == skip || j->state[r] == J_NONE || steps[r].result != STEP_RESTORED)
			continue;
		if (!knob_read(t, &now) && (!strcmp(now.cur, k->cur) || knob_same(k, now.cur, k->cur)))
			continue;
		if (restore_one(t, k, &steps[r]) && !rc)
			rc = EIO;
	}
	return rc;
}

int tune_apply(struct tune *t, struct journal *j, unsigned delay_ms, struct step *steps, size_t *failed)
{
	int rc = 0;
	bool refused = false;
	size_t i;

	*failed = SIZE_MAX;
	for (i = 0; i < j->items.n; i++)
		steps[i].result = STEP_PENDING;
	for (i = 0; i < j->items.n; i++) {
		struct knob *k = &j->items.v[i];
		struct knob now = *k;
		rc = tune_journal_mark(j, "begin", i);
		if (rc) {
			snprintf(steps[i].msg, sizeof(steps[i].msg), "cannot write the journal: %s", strerror(rc));
			steps[i].result = STEP_FAILED;
			break;
		}
		now.err[0] = '\0';
		rc = k->type->apply(t, &now, k->want);
		refused = rc != 0;
		if (!rc) {
			/* the kernel may accept a value and keep another */
			rc = knob_read(t, &now);
			if (!rc && !knob_same(&now, now.cur, k->want)) {
				snprintf(now.err, sizeof(now.err), "the kernel kept %s after setting %s", now.cur, k->want);
				rc = EIO;
			}
		}
		if (rc) {
			steps[i].result = STEP_FAILED;
			snprintf(steps[i].msg, sizeof(steps[i].msg), "%s", now.err[0] ? now.err : strerror(rc));
			break;
		}
		steps[i].result = STEP_OK;
		tune_journal_mark(j, "done", i);
		if (delay_ms)
			sleep_ms(delay_ms);
	}
	if (!rc) {
		tune_journal_end(j, "applied");
		return 0;
	}
	*failed = i;
	/* undo, newest first, the failed knob included: it may have half-changed.
	 * When the kernel refused it outright and cannot be asked again, it is
	 * taken as unchanged (its message says the restore failed) */
	int rb = 0;
	for (size_t r = i + 1; r-- > 0;) {
		struct step tmp = {0};
		if (j->state[r] == J_NONE)
			continue;
		if (restore_one(t, &j->items.v[r], &tmp) && !rb && !(r == i && refused))
			rb = EIO;
		if (r != i) {
			steps[r] = tmp;
		} else if (tmp.result == STEP_RESTORE_FAILED) {
			size_t n = strlen(steps[r].msg);
			snprintf(steps[r].msg + n, sizeof(steps[r].msg) - n, "; restoring it failed too: %s", tmp.msg);
		}
	}
	if (recheck(t, j, i, steps, i) && !rb)
		rb = EIO;
	tune_journal_end(j, rb ? "rollback-failed" : "rolled-back");
	return rc;
}

int tune_restore(struct tune *t, struct journal *j, struct step *steps)
{
	int first = 0;
	for (size_t i = 0; i < j->items.n; i++)
		steps[i].result = j->state[i] == J_NONE ? STEP_SKIPPED : STEP_PENDING;
	for (size_t r = j->items.n; r-- > 0;) {
		if (j->state[r] == J_NONE)
			continue;
		if (restore_one(t, &j->items.v[r], &steps[r]) && !first)
			first = EIO;
	}
	if (recheck(t, j, j->items.n, steps, SIZE_MAX) && !first)
		first = EIO;
	return first;
}
