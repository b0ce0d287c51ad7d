/* engine.h - what the commands do with a list of knobs: read and validate
 * them all, apply the changed ones in dependency order with a journal and
 * read-back checks, roll back on the first failure, restore a journal. */
#ifndef NFSTUNE_ENGINE_H
#define NFSTUNE_ENGINE_H

#include <stdbool.h>
#include <stddef.h>

#include "tune_journal.h"
#include "tune.h"

/* Read k (clears cur/restore/err first); returns and keeps k->rc. */
int knob_read(struct tune *t, struct knob *k);
bool knob_same(const struct knob *k, const char *cur, const char *want);
/* "unsupported", "absent", "error" for a knob whose read failed. */
const char *knob_state(const struct knob *k);

/* Read every knob with a wanted value and run its validator. Knobs of the
 * planned-only classes that cannot be read are warnings (their value is
 * unknown, nothing will be done to them); everything else is an error,
 * collected in t with the profile position. Returns the error count. */
size_t tune_validate(struct tune *t, struct knobs *ks);
/* Does k need applying (live or new-connections, and not already right)? */
bool tune_needs_change(const struct knob *k);

enum step_result { STEP_PENDING, STEP_OK, STEP_FAILED, STEP_RESTORED, STEP_RESTORE_FAILED, STEP_SKIPPED };
const char *tune_step_result_name(enum step_result r);
struct step {
	enum step_result result;
	char msg[TUNE_ERRLEN];
};

/* Apply the knobs of j (created from them) in order: journal "begin",
 * change, read back, journal "done"; on the first failure restore every
 * knob begun, newest first (the failed one too). steps[i] reports each.
 * Returns 0, or the errno of the failure (after the rollback). */
int tune_apply(struct tune *t, struct journal *j, unsigned delay_ms, struct step *steps, size_t *failed);
/* Restore the begun knobs of journal j, newest first, checking each read
 * back equals the recorded original. Returns 0 or the first failure. */
int tune_restore(struct tune *t, struct journal *j, struct step *steps);

#endif
