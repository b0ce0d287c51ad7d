/* main.c - nfstune: show, plan, apply, verify and revert host tuning
 * profiles for NFS over 10 GbE (see docs/design.md). A command table
 * after iproute2's; every command writes through lib/out.h, so --json
 * carries exactly what the text shows. Only this file exits. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tune_engine.h"
#include "cli.h"
#include "err.h"
#include "tune_ethtool.h"
#include "tune_irq.h"
#include "trust.h"
#include "tune_journal.h"
#include "tune_link.h"
#include "tune_nfs.h"
#include "out.h"
#include "tune_profile.h"
#include "tune_qdisc.h"
#include "tune_queue.h"
#include "tune_sunrpc.h"
#include "tune_sweep.h"
#include "tune_sysctl.h"

#define SCHEMA "nfstune/1"

/* exit codes: 0 ok, 1 failed (apply rolled back, drift found, revert
 * incomplete), 2 usage or validation errors (nothing changed) */
enum { EX_OK = 0, EX_FAIL = 1, EX_USAGE = 2 };

struct opts {
	bool json;
	bool force;
	bool dry;
	unsigned delay_ms;
	const char *state_dir;
	const char *html;
	struct tune t;
	struct out *o;
};

#define TUNE_EXITS                                                                      \
	"  0   done (verify: no knob drifted)\n"                                         \
	"  1   failed: apply rolled back, drift found, revert incomplete, I/O error\n"  \
	"  2   usage or validation error (nothing changed)\n"

static const char global_opts[] =
	"options (before or after the command):\n"
	"  --json              the same content as JSON (schema " SCHEMA ")\n"
	"  --netns NAME        work in network namespace NAME (/run/netns/NAME, or a path),\n"
	"                      with its own /sys, as 'ip netns exec' does\n"
	"  --host-global       in a network namespace other than the host's, allow sysctls\n"
	"                      the kernel keeps host-wide (vm., fs.nfs., sunrpc.)\n"
	"  --dry               sweep: revert everything at the end, keep nothing\n"
	"  --html FILE         sweep: also write the report as HTML with a plot\n"
	"  --root DIR          read and write /proc and /sys under DIR (tests, dry runs)\n"
	"  --state-dir DIR     where journals live (default /var/lib/nfstune)\n"
	"  --force             apply despite irqbalance or an unreverted interrupted apply;\n"
	"                      revert a journal from another network namespace or root\n"
	"  --ethtool-ioctl     use the SIOCETHTOOL ioctl instead of ethtool netlink\n"
	"  --delay D           wait D after each applied knob (a duration with its unit:\n"
	"                      300ms, 1s)\n";

struct cmd {
	const char *name;
	int (*fn)(struct opts *, int, char **);
	const char *args;  /* the synopsis after the name */
	const char *about; /* the help's description */
	int min, max;      /* how many arguments it takes */
};

static void print_messages(struct tune *t)
{
	for (size_t i = 0; i < t->nwarns; i++)
		err_warn("%s", t->warns[i]);
	for (size_t i = 0; i < t->nerrs; i++)
		err_msg("%s", t->errs[i]);
	/* printed once */
	for (size_t i = 0; i < t->nwarns; i++)
		free(t->warns[i]);
	for (size_t i = 0; i < t->nerrs; i++)
		free(t->errs[i]);
	t->nwarns = t->nerrs = 0;
}

static int finish(struct opts *op, int rc)
{
	print_messages(&op->t);
	if (op->o) {
		int w = out_finish(op->o);
		op->o = NULL;
		if (w && !rc) {
			err_msg("writing output: %s", strerror(w));
			rc = EX_FAIL;
		}
	}
	return rc;
}

/* ------------------------------------------------------------------ */
/* show                                                                 */

static const struct out_col show_cols[] = {
	{"object", "Object"}, {"knob", "Knob"}, {"value", "Value"}, {"class", "Class"}, {"note", "Note"},
};

static int add_iface(struct opts *op, const char *ifname, struct knobs *ks)
{
	struct tune *t = &op->t;
	struct link_info li;
	char err[256];
	int rc = 0;
	/* under --root an interface may exist only in the fake sysfs */
	bool kernel = !t->no_netlink && !tune_link_get(t, ifname, &li, err, sizeof(err));
	if (kernel) {
		rc = tune_link_show(t, ifname, ks);
		if (!rc)
			rc = tune_eth_show(t, ifname, ks);
		if (!rc)
			rc = tune_qdisc_show(t, ifname, ks);
	}
	if (!rc)
		rc = tune_queue_show(t, ifname, ks);
	if (!rc)
		rc = tune_irq_show(t, ifname, ks);
	return rc;
}

static int cmd_show(struct opts *op, int argc, char **argv)
{
	struct tune *t = &op->t;
	struct knobs ks = {0};
	int rc = 0;

	if (argc) {
		for (int i = 0; i < argc; i++)
			if (!tune_link_exists(t, argv[i])) {
				tune_error(t, "no interface %s %s", argv[i],
					   t->root[0] ? "under --root" : "in this network namespace");
				rc = EX_USAGE;
			}
		if (rc)
			return finish(op, rc);
		for (int i = 0; i < argc && !rc; i++)
			rc = add_iface(op, argv[i], &ks);
	} else {
		char **names = NULL;
		size_t n = 0;
		rc = tune_sysctl_show(t, &ks);
		if (!rc)
			rc = tune_sunrpc_show(t, &ks);
		if (!rc && !(rc = tune_link_list(t, &names, &n)))
			for (size_t i = 0; i < n && !rc; i++)
				rc = add_iface(op, names[i], &ks);
		for (size_t i = 0; i < n; i++)
			free(names[i]);
		free(names);
		if (!rc)
			rc = tune_nfs_show(t, &ks);
	}
	if (rc) {
		tune_error(t, "listing knobs: %s", strerror(rc));
		knobs_free(&ks);
		return finish(op, EX_FAIL);
	}
	out_str(op->o, "command", NULL, "show");
	out_table_begin(op->o, "knobs", NULL, show_cols, 5);
	for (size_t i = 0; i < ks.n; i++) {
		struct knob *k = &ks.v[i];
		knob_read(t, k);
		out_row_begin(op->o);
		out_cell_str(op->o, k->obj);
		out_cell_str(op->o, k->name);
		out_cell_str(op->o, knob_state(k));
		out_cell_str(op->o, knob_class_name(k->type->cls));
		out_cell_str(op->o, k->rc ? k->err : k->detail);
		out_row_end(op->o);
	}
	out_table_end(op->o);
	knobs_free(&ks);
	return finish(op, EX_OK);
}

/* ------------------------------------------------------------------ */
/* plan                                                                 */

static const struct out_col plan_cols[] = {
	{"object", "Object"}, {"knob", "Knob"}, {"current", "Current"}, {"wanted", "Wanted"},
	{"class", "Class"},   {"action", "Action"},
};

static const char *action_of(const struct knob *k)
{
	if (k->bad)
		return "error";
	if (k->rc)
		return knob_class_applies(k->type->cls) ? "error" : "planned";
	if (knob_same(k, k->cur, k->want))
		return "ok";
	return knob_class_applies(k->type->cls) ? "change" : "planned";
}

static void plan_table(struct opts *op, struct knobs *ks, const char *key, const char *title)
{
	out_table_begin(op->o, key, title, plan_cols, 6);
	for (size_t i = 0; i < ks->n; i++) {
		struct knob *k = &ks->v[i];
		out_row_begin(op->o);
		out_cell_str(op->o, k->obj);
		out_cell_str(op->o, k->name);
		out_cell_str(op->o, k->rc ? (knob_class_applies(k->type->cls) ? knob_state(k) : "?") : k->cur);
		out_cell_str(op->o, k->want);
		out_cell_str(op->o, knob_class_name(k->type->cls));
		out_cell_str(op->o, action_of(k));
		out_row_end(op->o);
	}
	out_table_end(op->o);
}

static const struct out_col hint_cols[] = {{"object", "Object"}, {"class", "Class"}, {"note", "Note"}};

/* When changes take effect and what stays for the user: the remount
 * apply does, new-mounts-only and VM-restart knobs, persistence. */
static void hints(struct opts *op, struct knobs *ks)
{
	char (*seen)[TUNE_VAL + 64] = calloc(ks->n ? ks->n : 1, sizeof(*seen));
	size_t nseen = 0;
	bool any = false;
	if (!seen)
		return;
	for (size_t i = 0; i < ks->n; i++) {
		struct knob *k = &ks->v[i];
		char h[TUNE_VAL + 64];
		if (!k->type->hint || (!k->rc && knob_same(k, k->cur, k->want)))
			continue;
		k->type->hint(&op->t, k, h, sizeof(h));
		bool dup = false;
		for (size_t j = 0; j < nseen && !dup; j++)
			dup = !strcmp(seen[j], h);
		if (dup)
			continue;
		snprintf(seen[nseen++], sizeof(seen[0]), "%s", h);
		if (!any)
			out_table_begin(op->o, "notes", "When the changes take effect", hint_cols, 3);
		any = true;
		out_row_begin(op->o);
		out_cell_str(op->o, k->obj);
		out_cell_str(op->o, knob_class_name(k->type->cls));
		out_cell_str(op->o, h);
		out_row_end(op->o);
	}
	if (any)
		out_table_end(op->o);
	free(seen);
}

static void nfsbench_section(struct opts *op, const struct prof *p)
{
	if (!p->has_nfsbench)
		return;
	out_begin(op->o, "nfsbench", "nfsbench client settings (read by nfsbench)");
	if (p->nfsbench.has_connections)
		out_u64(op->o, "connections", "connections", p->nfsbench.connections, NULL);
	if (p->nfsbench.has_slots)
		out_u64(op->o, "slots", "slots per connection", p->nfsbench.slots, NULL);
	if (p->nfsbench.has_rsize)
		out_u64(op->o, "rsize", "rsize", p->nfsbench.rsize, "bytes");
	if (p->nfsbench.has_wsize)
		out_u64(op->o, "wsize", "wsize", p->nfsbench.wsize, "bytes");
	out_end(op->o);
}

/* Load, build and validate a profile. Returns 0 or an exit code. */
static int load_profile(struct opts *op, const char *path, struct prof *p, struct knobs *ks)
{
	struct tune *t = &op->t;
	if (tune_prof_load(t, p, path))
		return EX_USAGE;
	size_t errs = tune_prof_build(t, p, ks);
	knobs_sort(ks);
	/* every problem at once: the knobs that did build are checked too */
	errs += tune_validate(t, ks);
	return errs || t->nerrs ? EX_USAGE : 0;
}

static int cmd_plan(struct opts *op, int argc, char **argv)
{
	(void)argc; /* main checked the count against cmds[] */
	struct prof p;
	struct knobs ks = {0};
	int rc = load_profile(op, argv[0], &p, &ks);
	out_str(op->o, "command", NULL, "plan");
	out_str(op->o, "profile", NULL, argv[0]);
	if (!rc || ks.n) {
		plan_table(op, &ks, "knobs", NULL);
		hints(op, &ks);
		nfsbench_section(op, &p);
	}
	size_t changes = 0;
	for (size_t i = 0; i < ks.n; i++)
		changes += tune_needs_change(&ks.v[i]);
	if (!rc)
		out_u64(op->o, "changes", "Knobs to change", changes, NULL);
	knobs_free(&ks);
	tune_prof_free(&p);
	return finish(op, rc);
}

/* ------------------------------------------------------------------ */
/* verify                                                               */

static int cmd_verify(struct opts *op, int argc, char **argv)
{
	(void)argc; /* main checked the count against cmds[] */
	struct prof p;
	struct knobs ks = {0};
	static const struct out_col cols[] = {
		{"object", "Object"}, {"knob", "Knob"}, {"current", "Current"}, {"wanted", "Wanted"}, {"class", "Class"},
	};
	int rc = load_profile(op, argv[0], &p, &ks);
	if (rc) {
		knobs_free(&ks);
		tune_prof_free(&p);
		return finish(op, rc);
	}
	size_t drift = 0;
	out_str(op->o, "command", NULL, "verify");
	out_str(op->o, "profile", NULL, argv[0]);
	out_table_begin(op->o, "drifted", "Drifted knobs", cols, 5);
	for (size_t i = 0; i < ks.n; i++) {
		struct knob *k = &ks.v[i];
		if (!k->rc && knob_same(k, k->cur, k->want))
			continue;
		drift++;
		out_row_begin(op->o);
		out_cell_str(op->o, k->obj);
		out_cell_str(op->o, k->name);
		out_cell_str(op->o, k->rc ? knob_state(k) : k->cur);
		out_cell_str(op->o, k->want);
		out_cell_str(op->o, knob_class_name(k->type->cls));
		out_row_end(op->o);
	}
	out_table_end(op->o);
	out_u64(op->o, "checked", "Knobs checked", ks.n, NULL);
	out_u64(op->o, "drifted_count", "Knobs drifted", drift, NULL);
	knobs_free(&ks);
	tune_prof_free(&p);
	return finish(op, drift ? EX_FAIL : EX_OK);
}

/* ------------------------------------------------------------------ */
/* apply, revert                                                        */

static const struct out_col step_cols[] = {
	{"object", "Object"}, {"knob", "Knob"}, {"from", "From"}, {"to", "To"}, {"result", "Result"}, {"message", "Message"},
};

/* Warn about (and return the number of) applies that were killed. */
static size_t interrupted(struct opts *op, bool quiet)
{
	char **paths;
	size_t n, found = 0;
	if (access(op->state_dir, R_OK | X_OK) || tune_journal_list(op->state_dir, &paths, &n))
		return 0;
	for (size_t i = 0; i < n; i++) {
		struct journal j;
		char err[512];
		if (!tune_journal_load(&j, paths[i], false, err, sizeof(err)) && tune_journal_status(&j) == JS_INTERRUPTED) {
			found++;
			if (!quiet)
				tune_warn(&op->t, "an apply of %s was interrupted (%s, pid %ld): 'nfstune revert %s' restores "
					  "what it changed", j.profile, j.started, j.pid, paths[i]);
		}
		tune_journal_free(&j);
		free(paths[i]);
	}
	free(paths);
	return found;
}

static int need_root(struct opts *op, const char *what)
{
	if (geteuid() != 0) {
		tune_error(&op->t, "%s needs root", what);
		return EX_USAGE;
	}
	return 0;
}

static int cmd_apply(struct opts *op, int argc, char **argv)
{
	(void)argc; /* main checked the count against cmds[] */
	struct tune *t = &op->t;
	struct prof p;
	struct knobs ks = {0}, changes = {0};
	struct journal j = {.fd = -1};
	struct step *steps = NULL;
	char err[TUNE_ERRLEN];
	int rc, lock = -1;

	if ((rc = need_root(op, "apply")))
		return finish(op, rc);
	lock = tune_journal_lock(op->state_dir, err, sizeof(err));
	if (lock < 0) {
		tune_error(t, "%s; nothing was changed", err);
		return finish(op, EX_USAGE);
	}
	if (interrupted(op, false) && !op->force) {
		tune_error(t, "an earlier apply was interrupted: revert it first (nfstune revert), or use --force");
		rc = EX_USAGE;
		goto out;
	}
	rc = load_profile(op, argv[0], &p, &ks);
	if (rc) {
		tune_error(t, "nothing was changed");
		goto out_prof;
	}
	for (size_t i = 0; i < ks.n; i++)
		if (tune_needs_change(&ks.v[i])) {
			struct knob *k = knobs_add(&changes, ks.v[i].type, ks.v[i].obj, ks.v[i].name);
			if (!k) {
				rc = EX_FAIL;
				goto out_prof;
			}
			*k = ks.v[i];
		}
	out_str(op->o, "command", NULL, "apply");
	out_str(op->o, "profile", NULL, argv[0]);
	/* say what will change before changing it */
	plan_table(op, &ks, "plan", "Plan");
	fflush(stdout);
	if (!changes.n) {
		out_note(op->o, "Nothing to change.");
		out_str(op->o, "result", NULL, "unchanged");
		hints(op, &ks);
		rc = EX_OK;
		goto out_prof;
	}
	if (tune_journal_create(&j, op->state_dir, argv[0], t, &changes, err, sizeof(err))) {
		tune_error(t, "%s; nothing was changed", err);
		rc = EX_FAIL;
		goto out_prof;
	}
	steps = calloc(changes.n, sizeof(*steps));
	if (!steps) {
		rc = EX_FAIL;
		goto out_prof;
	}
	size_t failed;
	int arc = tune_apply(t, &j, op->delay_ms, steps, &failed);
	out_table_begin(op->o, "steps", "Applied", step_cols, 6);
	for (size_t i = 0; i < j.items.n; i++) {
		struct knob *k = &j.items.v[i];
		out_row_begin(op->o);
		out_cell_str(op->o, k->obj);
		out_cell_str(op->o, k->name);
		out_cell_str(op->o, k->cur);
		out_cell_str(op->o, k->want);
		out_cell_str(op->o, tune_step_result_name(steps[i].result));
		out_cell_str(op->o, steps[i].msg);
		out_row_end(op->o);
	}
	out_table_end(op->o);
	out_str(op->o, "journal", "Journal", j.path);
	if (arc) {
		struct knob *k = &j.items.v[failed];
		size_t restored = 0, bad = 0;
		for (size_t i = 0; i < j.items.n; i++) {
			restored += steps[i].result == STEP_RESTORED;
			bad += steps[i].result == STEP_RESTORE_FAILED;
		}
		out_str(op->o, "result", "Result", bad ? "rollback-failed" : "rolled-back");
		if (k->file && k->line)
			tune_error(t, "%s:%u:%u: %s: %s", k->file, k->line, k->col, k->path, steps[failed].msg);
		else
			tune_error(t, "%s %s: %s", k->obj, k->name, steps[failed].msg);
		if (bad)
			tune_error(t, "rollback incomplete: %zu knob(s) could not be restored; see %s", bad, j.path);
		else if (failed == 0)
			tune_error(t, "it was the first change: nothing else had been changed");
		else
			tune_error(t, "the %zu knob(s) changed before it were restored", restored);
		rc = EX_FAIL;
	} else {
		out_str(op->o, "result", "Result", "applied");
		hints(op, &ks);
		rc = EX_OK;
	}
out_prof:
	free(steps);
	tune_journal_free(&j);
	knobs_free(&changes);
	knobs_free(&ks);
	tune_prof_free(&p);
out:
	if (lock >= 0)
		close(lock);
	return finish(op, rc);
}

static int cmd_revert(struct opts *op, int argc, char **argv)
{
	struct tune *t = &op->t;
	struct journal j = {.fd = -1};
	char err[TUNE_ERRLEN], path[PATH_MAX] = "";
	int rc, lock = -1;

	if ((rc = need_root(op, "revert")))
		return finish(op, rc);
	/* a revert writes as root what a journal says: the state directory
	 * must be trusted and the lock held, or nothing happens */
	lock = tune_journal_lock(op->state_dir, err, sizeof(err));
	if (lock < 0) {
		tune_error(t, "%s; nothing was reverted", err);
		return finish(op, EX_USAGE);
	}
	if (argc) {
		snprintf(path, sizeof(path), "%s", argv[0]);
	} else {
		/* the newest apply that left something changed */
		char **paths;
		size_t n;
		if (tune_journal_list(op->state_dir, &paths, &n)) {
			tune_error(t, "%s: cannot list journals", op->state_dir);
			rc = EX_FAIL;
			goto out;
		}
		for (size_t i = 0; i < n; i++) {
			struct journal c;
			if (!path[0] && !tune_journal_load(&c, paths[i], false, err, sizeof(err))) {
				enum jstatus s = tune_journal_status(&c);
				if (s == JS_INTERRUPTED || s == JS_APPLIED)
					snprintf(path, sizeof(path), "%s", paths[i]);
			}
			if (!path[0])
				tune_journal_free(&c);
			else if (!strcmp(path, paths[i]))
				tune_journal_free(&c);
			free(paths[i]);
		}
		free(paths);
		if (!path[0]) {
			out_str(op->o, "command", NULL, "revert");
			out_note(op->o, "Nothing to revert under %s.", op->state_dir);
			out_str(op->o, "result", NULL, "nothing");
			rc = EX_OK;
			goto out;
		}
	}
	if (tune_journal_load(&j, path, true, err, sizeof(err)) || tune_journal_check_items(t, &j, err, sizeof(err))) {
		tune_error(t, "%s; nothing was reverted", err);
		rc = EX_USAGE;
		goto out;
	}
	enum jstatus s = tune_journal_status(&j);
	if (s == JS_RUNNING) {
		tune_error(t, "%s: its apply (pid %ld) is still running", path, j.pid);
		rc = EX_USAGE;
		goto out;
	}
	if ((s == JS_REVERTED || s == JS_ROLLED_BACK || s == JS_EMPTY) && !op->force) {
		out_str(op->o, "command", NULL, "revert");
		out_str(op->o, "journal", "Journal", path);
		out_note(op->o, "Nothing to revert: the journal is %s.", tune_journal_status_name(s));
		out_str(op->o, "result", NULL, "nothing");
		rc = EX_OK;
		goto out;
	}
	char netns[64];
	unsigned long long start;
	tune_journal_self(netns, sizeof(netns), &start);
	if ((strcmp(netns, j.netns) || strcmp(t->root, j.root)) && !op->force) {
		tune_error(t, "%s was written in network namespace %s with --root '%s'; this is %s with --root '%s': "
			   "the same names may be other devices here (--force to revert anyway)", path, j.netns, j.root,
			   netns, t->root);
		rc = EX_USAGE;
		goto out;
	}
	struct step *steps = calloc(j.items.n ? j.items.n : 1, sizeof(*steps));
	if (!steps) {
		rc = EX_FAIL;
		goto out;
	}
	/* say what will change before changing it, as apply does */
	out_str(op->o, "command", NULL, "revert");
	out_str(op->o, "journal", "Journal", path);
	out_str(op->o, "was", "Apply status", tune_journal_status_name(s));
	static const struct out_col pcols[] = {
		{"object", "Object"}, {"knob", "Knob"}, {"restore", "Restore to"},
	};
	out_table_begin(op->o, "plan", "Will restore", pcols, 3);
	for (size_t i = j.items.n; i-- > 0;) {
		out_row_begin(op->o);
		out_cell_str(op->o, j.items.v[i].obj);
		out_cell_str(op->o, j.items.v[i].name);
		out_cell_str(op->o, j.items.v[i].cur);
		out_row_end(op->o);
	}
	out_table_end(op->o);
	fflush(stdout);
	/* a revert never uses the journal's own root/netns: checked above */
	int rrc = tune_restore(t, &j, steps);
	/* unmarked, a later plain revert would restore it again over newer changes */
	int mrc = tune_journal_reverted(&j, rrc == 0);
	if (mrc)
		tune_error(t, "%s: cannot record the revert in the journal: %s; a later 'nfstune revert' would "
			   "restore these values again", path, strerror(mrc));
	static const struct out_col cols[] = {
		{"object", "Object"}, {"knob", "Knob"}, {"restored", "Restored to"}, {"result", "Result"}, {"message", "Message"},
	};
	out_table_begin(op->o, "steps", "Reverted", cols, 5);
	for (size_t i = j.items.n; i-- > 0;) {
		if (steps[i].result == STEP_SKIPPED)
			continue;
		struct knob *k = &j.items.v[i];
		out_row_begin(op->o);
		out_cell_str(op->o, k->obj);
		out_cell_str(op->o, k->name);
		out_cell_str(op->o, k->cur);
		out_cell_str(op->o, tune_step_result_name(steps[i].result));
		out_cell_str(op->o, steps[i].msg);
		out_row_end(op->o);
		if (steps[i].result == STEP_RESTORE_FAILED)
			tune_error(t, "%s %s: %s", k->obj, k->name, steps[i].msg);
	}
	out_table_end(op->o);
	out_str(op->o, "result", "Result", rrc ? "incomplete" : mrc ? "reverted-unrecorded" : "reverted");
	free(steps);
	rc = rrc || mrc ? EX_FAIL : EX_OK;
out:
	tune_journal_free(&j);
	if (lock >= 0)
		close(lock);
	return finish(op, rc);
}

static int cmd_journals(struct opts *op, int argc, char **argv)
{
	(void)argc; /* main checked the count against cmds[] */
	static const struct out_col cols[] = {
		{"journal", "Journal"}, {"profile", "Profile"}, {"started", "Started"}, {"knobs", "Knobs"}, {"status", "Status"},
	};
	char **paths;
	size_t n;
	(void)argv;
	if (tune_journal_list(op->state_dir, &paths, &n)) {
		tune_error(&op->t, "%s: cannot list journals", op->state_dir);
		return finish(op, EX_FAIL);
	}
	out_str(op->o, "command", NULL, "journals");
	out_table_begin(op->o, "journals", NULL, cols, 5);
	for (size_t i = 0; i < n; i++) {
		struct journal j;
		char err[512];
		int rc = tune_journal_load(&j, paths[i], false, err, sizeof(err));
		out_row_begin(op->o);
		out_cell_str(op->o, paths[i]);
		out_cell_str(op->o, rc ? "-" : j.profile);
		out_cell_str(op->o, rc ? "-" : j.started);
		out_cell_u64(op->o, rc ? 0 : j.items.n);
		out_cell_str(op->o, rc ? err : tune_journal_status_name(tune_journal_status(&j)));
		out_row_end(op->o);
		tune_journal_free(&j);
		free(paths[i]);
	}
	free(paths);
	out_table_end(op->o);
	return finish(op, EX_OK);
}

/* ------------------------------------------------------------------ */

/* ------------------------------------------------------------------ */
/* sweep                                                                */

static int cmd_sweep(struct opts *op, int argc, char **argv)
{
	(void)argc; /* main checked the count against cmds[] */
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0) {
		tune_error(&op->t, "cannot find this program (/proc/self/exe): %s", strerror(errno));
		return finish(op, EX_FAIL);
	}
	self[n] = '\0';
	struct sweep_opts so = {
		.self = self,
		.state_dir = op->state_dir,
		.root = op->t.root,
		.ethtool_ioctl = op->t.ethtool_ioctl,
		.delay_ms = op->delay_ms,
		.dry = op->dry,
		.html = op->html,
		.host_global = op->t.host_global,
	};
	return finish(op, tune_sweep(op->o, &so, argv[0]));
}

/* Enter network namespace name, with a /sys of its own in a private mount
 * namespace (sysfs shows the network devices of the namespace that mounts
 * it), as iproute2's "ip netns exec" does. */
static int enter_netns(const char *name)
{
	char path[PATH_MAX];
	if (geteuid() != 0) {
		err_msg("--netns %s needs root", name);
		return EX_USAGE;
	}
	snprintf(path, sizeof(path), "%s%s", strchr(name, '/') ? "" : "/run/netns/", name);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err_msg("--netns %s: %s: %s", name, path, strerror(errno));
		return EX_USAGE;
	}
	if (setns(fd, CLONE_NEWNET)) {
		err_msg("--netns %s: %s is not a network namespace (%s)", name, path, strerror(errno));
		close(fd);
		return EX_USAGE;
	}
	close(fd);
	if (unshare(CLONE_NEWNS) || mount("none", "/", NULL, MS_SLAVE | MS_REC, NULL) ||
	    umount2("/sys", MNT_DETACH) || mount(name, "/sys", "sysfs", 0, NULL)) {
		err_msg("--netns %s: cannot mount a /sys of the namespace: %s", name, strerror(errno));
		return EX_FAIL;
	}
	return EX_OK;
}

/* Are we outside the host's initial network namespace (--netns, or run
 * by ip netns exec)? Not under --root, whose tree is no kernel's. Where
 * pid 1's namespace cannot be read (a sandbox), the kernel tells anyway:
 * net.core.netdev_max_backlog is registered in the initial namespace only
 * (net/core/sysctl_net_core.c, net_core_table). */
static void other_netns(struct tune *t, const char *name)
{
	char self[64], init[64];
	if (t->root[0])
		return;
	ssize_t a = readlink("/proc/self/ns/net", self, sizeof(self) - 1);
	ssize_t b = readlink("/proc/1/ns/net", init, sizeof(init) - 1);
	if (a > 0 && b > 0) {
		self[a] = init[b] = '\0';
		t->other_netns = strcmp(self, init) != 0;
	} else {
		t->other_netns = access("/proc/sys/net/core/netdev_max_backlog", F_OK) != 0;
	}
	t->other_netns |= name != NULL;
	snprintf(t->netns_name, sizeof(t->netns_name), "%s%s", name ? "network namespace " : "",
		 name ? name : "this network namespace");
}

static const struct cmd cmds[] = {
	{"show", cmd_show, "[IFACE...]",
	 "every knob's current value (interfaces, sysctl, sunrpc, NFS mounts)", 0, INT_MAX},
	{"plan", cmd_plan, "PROFILE", "knob, current, wanted, apply class; changes nothing", 1, 1},
	{"apply", cmd_apply, "PROFILE", "journal, apply in dependency order, read back; all or nothing (root)", 1, 1},
	{"verify", cmd_verify, "PROFILE", "list drifted knobs; exit 0 only when none", 1, 1},
	{"revert", cmd_revert, "[JOURNAL]",
	 "restore what an apply changed (default: the latest one, including an apply\n"
	 "      that was killed midway) (root)", 0, 1},
	{"journals", cmd_journals, "", "the journals under the state directory and their status", 0, 0},
	{"sweep", cmd_sweep, "PROFILE",
	 "try the points of a search space against a benchmark, keep the best if it\n"
	 "      beats the start state with 95% confidence", 1, 1},
};
static const size_t ncmds = sizeof(cmds) / sizeof(cmds[0]);

static void usage(FILE *f)
{
	fprintf(f, "usage: nfstune [options] COMMAND [args]   (nfstune COMMAND --help for each)\ncommands:\n");
	for (size_t i = 0; i < ncmds; i++)
		fprintf(f, "  %s %s\n      %s\n", cmds[i].name, cmds[i].args, cmds[i].about);
	fputs(global_opts, f);
	cli_help_tail(f, TUNE_EXITS);
}

static void cmd_usage(FILE *f, const struct cmd *c)
{
	fprintf(f, "usage: nfstune [options] %s%s%s\n%s\n", c->name, *c->args ? " " : "", c->args, c->about);
	fputs(global_opts, f);
	cli_help_tail(f, TUNE_EXITS);
}


int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"json", no_argument, 0, 'j'},		{"root", required_argument, 0, 'r'},
		{"state-dir", required_argument, 0, 's'}, {"force", no_argument, 0, 'f'},
		{"ethtool-ioctl", no_argument, 0, 'i'}, {"delay", required_argument, 0, 'd'},
		{"help", no_argument, 0, 'h'},		{"version", no_argument, 0, 'V'},
		{"netns", required_argument, 0, 'n'},	{"dry", no_argument, 0, 'D'},
		{"html", required_argument, 0, 'H'},	{"host-global", no_argument, 0, 'G'},
		{0, 0, 0, 0},
	};
	struct opts op;
	const char *netns = NULL;
	int c;

	err_set_prog("nfstune");
	/* setuid, the invoking user would steer root (--root, --html, PATH,
	 * --state-dir, and the euid rule of trust.h): root runs it as root */
	if (getuid() != geteuid() || getgid() != getegid()) {
		err_msg("runs with real uid %u, effective uid %u (real gid %u, effective gid %u): nfstune is not a setuid "
			"program; run it as root (sudo)", (unsigned)getuid(), (unsigned)geteuid(), (unsigned)getgid(),
			(unsigned)getegid());
		return EX_USAGE;
	}
	memset(&op, 0, sizeof(op));
	tune_init(&op.t);
	op.state_dir = "/var/lib/nfstune";
	bool help = false;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			op.json = true;
			break;
		case 'r': {
			struct stat st;
			if (stat(optarg, &st) || !S_ISDIR(st.st_mode))
				return cli_usage_error(NULL, "--root %s: not a directory", optarg);
			/* no trailing slash: paths are root + "/proc/..." */
			size_t n = strlen(optarg);
			while (n > 1 && optarg[n - 1] == '/')
				n--;
			if (n >= sizeof(op.t.root)) {
				err_msg("--root: path too long");
				return EX_USAGE;
			}
			snprintf(op.t.root, sizeof(op.t.root), "%.*s", (int)n, optarg);
			if (!strcmp(op.t.root, "/"))
				op.t.root[0] = '\0';
			/* root reads and writes there what the tree says: root's tree only */
			if (op.t.root[0]) {
				char why[TUNE_ERRLEN];
				int fd = trust_open_dir(op.t.root, false, why, sizeof(why));
				if (fd < 0) {
					err_msg("--root %s", why);
					return EX_USAGE;
				}
				close(fd);
			}
			tune_trust_tree(op.t.root);
			break;
		}
		case 's':
			op.state_dir = optarg;
			break;
		case 'f':
			op.force = op.t.force = true;
			break;
		case 'i':
			op.t.ethtool_ioctl = true;
			break;
		case 'd': {
			uint64_t v;
			char why[256];
			/* a bare number meant milliseconds before --delay took
			 * durations; elsewhere it means seconds: ask for the unit */
			if (optarg[0] && optarg[strspn(optarg, "0123456789")] == '\0')
				return cli_usage_error(NULL, "--delay: '%s' has no unit (e.g. 300ms, 1s)", optarg);
			if (parse_duration(optarg, &v, why, sizeof(why)))
				return cli_usage_error(NULL, "--delay: %s", why);
			if (v > 600 * 1000000000ull)
				return cli_usage_error(NULL, "--delay: '%s' is more than 10 minutes", optarg);
			op.delay_ms = (unsigned)(v / 1000000);
			break;
		}
		case 'n':
			netns = optarg;
			break;
		case 'D':
			op.dry = true;
			break;
		case 'G':
			op.t.host_global = true;
			break;
		case 'H':
			op.html = optarg;
			break;
		case 'h':
			help = true; /* the command's help when one is named */
			break;
		case 'V':
			return cli_version();
		default:
			return cli_bad_option(NULL, argv, c);
		}
	}
	const struct cmd *cmd = NULL;
	for (size_t i = 0; optind < argc && i < ncmds; i++)
		if (!strcmp(cmds[i].name, argv[optind]))
			cmd = &cmds[i];
	if (help) {
		if (cmd)
			cmd_usage(stdout, cmd);
		else
			usage(stdout);
		return EX_OK;
	}
	if (optind >= argc)
		return cli_usage_error(NULL, "give a command: show, plan, apply, verify, revert, journals or sweep");
	if (!cmd)
		return cli_usage_error(NULL, "unknown command '%s'", argv[optind]);
	int nargs = argc - optind - 1;
	if (nargs < cmd->min || nargs > cmd->max)
		return cli_usage_error(cmd->name, "%s takes %s", cmd->name, *cmd->args ? cmd->args : "no arguments");
	if ((op.dry || op.html) && cmd->fn != cmd_sweep)
		return cli_usage_error(cmd->name, "--dry and --html belong to the sweep command");
	if (op.html && !strcmp(op.html, "-"))
		return cli_usage_error(cmd->name, "--html -: standard output has the sweep's report; give a file");
	if (op.html) {
		/* a path that cannot be written fails now, not after the sweep */
		char why[TUNE_ERRLEN];
		int fd = trust_create(op.html, why, sizeof(why));
		if (fd < 0) {
			err_msg("--html %s", why);
			return EX_FAIL;
		}
		close(fd);
	}
	if (netns && (c = enter_netns(netns)))
		return c;
	other_netns(&op.t, netns);
	if (out_new(&op.o, op.json ? OUT_JSON : OUT_TEXT, stdout, SCHEMA)) {
		err_msg("out of memory");
		return EX_FAIL;
	}
	/* a killed apply is noticed by whatever runs next */
	if (cmd->fn != cmd_revert && cmd->fn != cmd_apply && cmd->fn != cmd_journals)
		interrupted(&op, false);
	int rc = cmd->fn(&op, argc - optind - 1, argv + optind + 1);
	tune_fini(&op.t);
	return rc;
}
