/* sweep_run.c - running a sweep: validate every value with "nfstune plan",
 * measure the baseline, walk the space (grid or coordinate descent), apply
 * each point with "nfstune apply" in its scopes' namespaces and revert it
 * with the journal, compare with the baseline, keep the best (or revert
 * everything), report.
 *
 * Children: plan, apply and revert are this same program, run with
 * --netns and --state-dir, their output kept in the sweep's directory; they
 * ignore SIGINT and SIGTERM, so an apply always finishes or rolls back
 * before the sweep reverts it. The benchmark is the profile's argv (never a
 * shell), killed by its PID on timeout or interruption. */
#include "tune_sweep.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "err.h"
#include "html.h"
#include "mem.h"
#include "out.h"
#include "sig.h"
#include "tm.h"
#include "trust.h"
#include "tune_journal.h"

enum { EX_OK = 0, EX_FAIL = 1, EX_USAGE = 2, EX_INTR = 130 };

enum verdict { V_PENDING, V_BASELINE, V_BETTER, V_SAME, V_WORSE, V_CONSTRAINT, V_APPLY_FAILED };
static const char *const verdict_names[] = {"pending", "baseline", "better", "same", "worse", "constraint",
					    "apply-failed"};

struct point {
	unsigned idx[SW_MAX_DIMS];
	bool baseline;
	bool confirm;   /* measured again, interleaved, after the search */
	size_t of;      /* confirm: the search point it re-measures */
	size_t id;      /* order of measurement, 0 = baseline */
	size_t n;       /* runs done */
	double *vals;   /* metric per run */
	double *cvals;  /* constraint metrics, ncons per run */
	double mean, lo, hi; /* mean and its 95% t interval */
	struct sig_cmp cmp;  /* against the baseline */
	enum verdict verdict;
	char why[256];
};

struct run {
	struct sweep s;
	const struct sweep_opts *so;
	struct out *o;
	char dir[PATH_MAX];   /* this sweep's directory */
	char bench[PATH_MAX]; /* the benchmark program, found and checked (trust.h) */
	struct point *pts;
	size_t npts, cap;
	size_t runs;
	uint64_t t0;
	/* what is applied now: one journal per scope, and the point */
	char journal[SW_MAX_SCOPES][PATH_MAX];
	long applied; /* index of the applied point, -1: the start state */
	long cbase;   /* index of the confirmation's baseline, -1: none */
	size_t nchild;
	bool budget_hit;
	const char *stop_reason;
};

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: sweep: ", err_prog());
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* ------------------------------------------------------------------ */
/* children                                                             */

/* Run argv with stdout and stderr into files; shielded children ignore
 * SIGINT/SIGTERM (an apply must finish or roll back). On stop_signal or
 * timeout an unshielded child is sent SIGTERM, then SIGKILL after 5 s.
 * Returns 0 with *status (wait status), or an errno value. */
static int run_child(const char *prog, char *const argv[], const char *outp, const char *errp, bool shield,
		     uint64_t timeout_ns, int *status, bool *killed)
{
	int ofd = open(outp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	int efd = ofd >= 0 ? open(errp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600) : -1;
	if (ofd < 0 || efd < 0) {
		int e = errno;
		if (ofd >= 0)
			close(ofd);
		return e;
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(ofd);
		close(efd);
		return e;
	}
	if (pid == 0) {
		int nul = open("/dev/null", O_RDONLY);
		if (nul >= 0)
			dup2(nul, 0);
		dup2(ofd, 1);
		dup2(efd, 2);
		signal(SIGINT, shield ? SIG_IGN : SIG_DFL);
		signal(SIGTERM, shield ? SIG_IGN : SIG_DFL);
		/* prog: a checked path, never a PATH search at this point */
		execv(prog, argv);
		dprintf(2, "%s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(ofd);
	close(efd);
	*killed = false;
	uint64_t start = tm_mono_ns(), kill_at = 0;
	for (;;) {
		pid_t w = waitpid(pid, status, WNOHANG);
		if (w == pid)
			return 0;
		if (w < 0 && errno != EINTR)
			return errno;
		uint64_t now = tm_mono_ns();
		if (!shield && !*killed && (stop_signal || now - start > timeout_ns)) {
			kill(pid, SIGTERM);
			*killed = true;
			kill_at = now + 5000000000ULL;
		}
		if (*killed && kill_at && now > kill_at) {
			kill(pid, SIGKILL);
			kill_at = 0;
		}
		struct timespec ts = {0, 20000000};
		nanosleep(&ts, NULL);
	}
}

/* The first line of a file that looks like an error, for messages. */
static void first_error(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	char line[1024];
	buf[0] = '\0';
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (!line[0] || strstr(line, "warning:"))
			continue;
		snprintf(buf, len, "%s", line);
		if (strstr(line, "error") || strstr(line, ": ") || strstr(line, "nothing"))
			break;
	}
	fclose(f);
}

/* nfstune [--netns NS] [--root R] --state-dir D --json CMD ARG, for scope sc */
static int nfstune(struct run *r, size_t sc, const char *cmd, const char *arg, char *msg, size_t len,
		   struct json_object **res)
{
	const struct sw_scope *scope = &r->s.scopes[sc];
	char sdir[PATH_MAX + 32], outp[PATH_MAX + 64], errp[PATH_MAX + 64], delay[16];
	char *argv[20];
	size_t n = 0;
	snprintf(sdir, sizeof(sdir), "%s/journals-%s", r->dir, scope->name);
	if (mkdir(sdir, 0700) && errno != EEXIST) {
		snprintf(msg, len, "%s: %s", sdir, strerror(errno));
		return EX_FAIL;
	}
	r->nchild++;
	snprintf(outp, sizeof(outp), "%s/%03zu-%s-%s.json", r->dir, r->nchild, cmd, scope->name);
	snprintf(errp, sizeof(errp), "%s/%03zu-%s-%s.err", r->dir, r->nchild, cmd, scope->name);
	argv[n++] = (char *)r->so->self;
	if (scope->netns[0]) {
		argv[n++] = "--netns";
		argv[n++] = (char *)scope->netns;
	}
	if (r->so->root && r->so->root[0]) {
		argv[n++] = "--root";
		argv[n++] = (char *)r->so->root;
	}
	if (r->so->ethtool_ioctl)
		argv[n++] = "--ethtool-ioctl";
	if (r->so->host_global)
		argv[n++] = "--host-global";
	if (r->so->delay_ms) {
		snprintf(delay, sizeof(delay), "%ums", r->so->delay_ms);
		argv[n++] = "--delay";
		argv[n++] = delay;
	}
	argv[n++] = "--state-dir";
	argv[n++] = sdir;
	argv[n++] = "--json";
	argv[n++] = (char *)cmd;
	argv[n++] = (char *)arg;
	argv[n] = NULL;
	int status;
	bool killed;
	/* this very program (the inode running now), whatever its name leads to */
	int e = run_child("/proc/self/exe", argv, outp, errp, true, 300000000000ULL, &status, &killed);
	if (e) {
		snprintf(msg, len, "running %s %s: %s", r->so->self, cmd, strerror(e));
		return EX_FAIL;
	}
	if (res)
		*res = json_object_from_file(outp);
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		char line[600];
		first_error(errp, line, sizeof(line));
		snprintf(msg, len, "%s (nfstune %s exit %d; %s)", line[0] ? line : "failed", cmd,
			 WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), errp);
		return WIFEXITED(status) && WEXITSTATUS(status) == EX_USAGE ? EX_USAGE : EX_FAIL;
	}
	return EX_OK;
}

static bool scope_has_values(const struct sweep *s, size_t sc)
{
	for (size_t d = 0; d < s->ndims; d++)
		for (size_t i = 0; i < s->dims[d].nsets; i++)
			if (s->dims[d].sets[i].scope == (int)sc)
				return true;
	return false;
}

static int write_profile(struct run *r, size_t sc, const unsigned *idx, const char *tag, char *path, size_t len)
{
	struct json_object *doc = sw_scope_profile(&r->s, sc, idx);
	if (!doc)
		return ENOMEM;
	snprintf(path, len, "%s/%s-%s.json", r->dir, tag, r->s.scopes[sc].name);
	int rc = json_object_to_file_ext(path, doc, JSON_C_TO_STRING_PRETTY) ? EIO : 0;
	json_object_put(doc);
	return rc;
}

/* ------------------------------------------------------------------ */
/* points                                                               */

/* The unit the metric's name says it is in: axes and cells then read
 * "1.35 GB/s" or "850 us", not 1.35e+09. */
static enum out_unit metric_unit(const char *m)
{
	if (strstr(m, "bytes_per_sec") || strstr(m, "bytes_per_s"))
		return OUT_U_RATE;
	if (strstr(m, "_ns"))
		return OUT_U_NS;
	if (strstr(m, "bytes"))
		return OUT_U_BYTES;
	return OUT_U_NUM;
}

static const char *settings(const struct sweep *s, const struct point *p, char *buf, size_t len)
{
	size_t off = 0;
	char v[128];
	buf[0] = '\0';
	if (p->baseline) {
		snprintf(buf, len, "%sbaseline (as found)", p->confirm ? "confirm: " : "");
		return buf;
	}
	if (p->confirm)
		off = (size_t)snprintf(buf, len, "confirm #%zu: ", p->of);
	for (size_t d = 0; d < s->ndims && off < len; d++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s=%s", d ? " " : "", s->dims[d].name,
					sw_val_text(s->dims[d].vals[p->idx[d]], v, sizeof(v)));
	return buf;
}

static bool same_host(const struct sweep *s, const struct point *a, const struct point *b)
{
	if (a->baseline || b->baseline)
		return a->baseline == b->baseline;
	for (size_t d = 0; d < s->ndims; d++)
		for (size_t i = 0; i < s->dims[d].nsets; i++)
			if (s->dims[d].sets[i].scope >= 0 && a->idx[d] != b->idx[d])
				return false;
	return true;
}

static struct point *find_point(struct run *r, const unsigned *idx)
{
	for (size_t i = 1; i < r->npts; i++)
		if (!r->pts[i].confirm && !memcmp(r->pts[i].idx, idx, sizeof(r->pts[i].idx)))
			return &r->pts[i];
	return NULL;
}

static struct point *new_point(struct run *r, const unsigned *idx, bool baseline)
{
	if (MEM_GROW(&r->pts, &r->cap, r->npts + 1, 16))
		return NULL;
	struct point *p = &r->pts[r->npts];
	memset(p, 0, sizeof(*p));
	if (idx)
		memcpy(p->idx, idx, sizeof(p->idx));
	p->baseline = baseline;
	p->id = r->npts;
	p->vals = calloc(r->s.repeats, sizeof(double));
	p->cvals = calloc(r->s.repeats * (r->s.ncons ? r->s.ncons : 1), sizeof(double));
	if (!p->vals || !p->cvals) {
		free(p->vals);
		free(p->cvals);
		return NULL;
	}
	r->npts++;
	return p;
}

/* ------------------------------------------------------------------ */
/* applying and reverting                                               */

/* Revert what is applied, newest scope first. Returns 0 or EX_FAIL. */
static int revert_all(struct run *r)
{
	int rc = 0;
	for (size_t sc = r->s.nscopes; sc-- > 0;) {
		char msg[1024];
		if (!r->journal[sc][0])
			continue;
		if (nfstune(r, sc, "revert", r->journal[sc], msg, sizeof(msg), NULL)) {
			err_msg("sweep: could not revert scope %s: %s; run: nfstune%s%s --state-dir %s/journals-%s revert %s",
				r->s.scopes[sc].name, msg, r->s.scopes[sc].netns[0] ? " --netns " : "",
				r->s.scopes[sc].netns, r->dir, r->s.scopes[sc].name, r->journal[sc]);
			rc = EX_FAIL;
			continue;
		}
		r->journal[sc][0] = '\0';
	}
	if (!rc)
		r->applied = -1;
	return rc;
}

/* Make p's host settings the applied ones. EX_OK; EX_USAGE when p cannot be
 * applied (rolled back: the start state holds); EX_FAIL when a revert
 * failed. */
static int apply_point(struct run *r, struct point *p)
{
	if (r->applied < 0 ? p->baseline : same_host(&r->s, &r->pts[r->applied], p))
		return EX_OK;
	if (r->applied >= 0 && revert_all(r))
		return EX_FAIL;
	if (p->baseline)
		return EX_OK;
	r->applied = (long)(p - r->pts);
	for (size_t sc = 0; sc < r->s.nscopes; sc++) {
		char path[PATH_MAX + 64], tag[32], msg[1024];
		struct json_object *res = NULL, *j;
		if (!scope_has_values(&r->s, sc))
			continue;
		snprintf(tag, sizeof(tag), "point%zu", p->id);
		if (write_profile(r, sc, p->idx, tag, path, sizeof(path))) {
			snprintf(p->why, sizeof(p->why), "%s: cannot write", path);
			revert_all(r);
			return EX_USAGE;
		}
		int rc = nfstune(r, sc, "apply", path, msg, sizeof(msg), &res);
		if (res && json_object_object_get_ex(res, "journal", &j) && j) {
			/* an apply that rolled back has nothing to revert */
			if (!rc)
				snprintf(r->journal[sc], sizeof(r->journal[sc]), "%s", json_object_get_string(j));
		}
		json_object_put(res);
		if (rc) {
			snprintf(p->why, sizeof(p->why), "scope %s: %s", r->s.scopes[sc].name, msg);
			return revert_all(r) ? EX_FAIL : EX_USAGE;
		}
	}
	if (r->s.settle_ns) {
		struct timespec ts = {(time_t)(r->s.settle_ns / 1000000000ULL), (long)(r->s.settle_ns % 1000000000ULL)};
		while (nanosleep(&ts, &ts) && errno == EINTR && !stop_signal)
			;
	}
	return EX_OK;
}

/* ------------------------------------------------------------------ */
/* measuring                                                            */

enum mres { M_OK, M_BUDGET, M_STOP, M_FAILED, M_BADOUT };

/* Runs kept for the confirmation of the best points */
static uint64_t reserve(const struct run *r)
{
	return r->s.confirm ? (uint64_t)(r->s.confirm + 1) * r->s.repeats : 0;
}

static bool budget_left(struct run *r)
{
	if (r->s.budget_runs && r->runs + r->s.repeats + reserve(r) > r->s.budget_runs)
		return false;
	if (r->s.budget_ns && tm_mono_ns() - r->t0 >= r->s.budget_ns)
		return false;
	return true;
}

static void evaluate(struct run *r, struct point *p);

/* One benchmark run for p: its metric and constraint values become p's
 * next sample. */
static enum mres measure_once(struct run *r, struct point *p, char *msg, size_t len)
{
	const struct sweep *s = &r->s;
	char *argv[SW_MAX_ARGV + 1], vals[SW_MAX_DIMS * SW_MAX_SETS][128];
	char outp[PATH_MAX + 64], errp[PATH_MAX + 64], line[600];
	size_t n = 0, nv = 0, k = p->n;
	int status;
	bool killed;
	for (size_t i = 0; i < s->argc; i++)
		argv[n++] = (char *)s->argv[i];
	if (!p->baseline)
		for (size_t d = 0; d < s->ndims; d++)
			for (size_t i = 0; i < s->dims[d].nsets && n + 2 < SW_MAX_ARGV; i++)
				if (s->dims[d].sets[i].scope < 0) {
					argv[n++] = (char *)s->dims[d].sets[i].target;
					argv[n++] = (char *)sw_val_text(s->dims[d].vals[p->idx[d]], vals[nv++], sizeof(vals[0]));
				}
	argv[n] = NULL;
	if (stop_signal)
		return M_STOP;
	if (k >= s->repeats)
		return M_FAILED;
	r->runs++;
	snprintf(outp, sizeof(outp), "%s/run%04zu-point%zu.json", r->dir, r->runs, p->id);
	snprintf(errp, sizeof(errp), "%s/run%04zu-point%zu.err", r->dir, r->runs, p->id);
	int e = run_child(r->bench, argv, outp, errp, false, s->timeout_ns, &status, &killed);
	if (e) {
		snprintf(msg, len, "cannot run %s: %s", argv[0], strerror(e));
		return M_FAILED;
	}
	if (stop_signal)
		return M_STOP;
	if (killed || !WIFEXITED(status) || WEXITSTATUS(status)) {
		first_error(errp, line, sizeof(line));
		if (killed)
			snprintf(msg, len, "the benchmark ran longer than the timeout and was killed (%s)", errp);
		else
			snprintf(msg, len, "the benchmark failed (%s %d): %s (%s)", WIFEXITED(status) ? "exit" : "signal",
				 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), line[0] ? line : "no message",
				 errp);
		return M_FAILED;
	}
	struct json_object *doc = json_object_from_file(outp);
	if (!doc) {
		snprintf(msg, len, "%s: the benchmark's output is not JSON", outp);
		return M_BADOUT;
	}
	int rc = sw_metric_get(doc, s->metric, &p->vals[k]);
	if (rc)
		snprintf(msg, len, "%s: no number at %s (metric)", outp, s->metric);
	for (size_t c = 0; !rc && c < s->ncons; c++)
		if ((rc = sw_metric_get(doc, s->cons[c].metric, &p->cvals[k * s->ncons + c])))
			snprintf(msg, len, "%s: no number at %s (constraints[%zu].metric)", outp, s->cons[c].metric, c);
	json_object_put(doc);
	if (rc)
		return M_BADOUT;
	p->n = k + 1;
	return M_OK;
}

static enum mres measure(struct run *r, struct point *p, char *msg, size_t len)
{
	while (p->n < r->s.repeats) {
		enum mres m = measure_once(r, p, msg, len);
		if (m != M_OK)
			return m;
	}
	evaluate(r, p);
	return M_OK;
}

static double cons_mean(const struct run *r, const struct point *p, size_t c)
{
	double sum = 0;
	for (size_t k = 0; k < p->n; k++)
		sum += p->cvals[k * r->s.ncons + c];
	return p->n ? sum / (double)p->n : 0;
}

/* Compare b with a: +1 when b is better with the sweep's confidence by both
 * the bootstrap interval and the Mann-Whitney test, -1 when it is worse by
 * both, 0 otherwise (also when they cannot be compared). */
static int judge(const struct run *r, const struct point *a, const struct point *b, struct sig_cmp *cmp)
{
	struct sig_cmp c;
	if (sig_compare(a->vals, a->n, b->vals, b->n, r->s.conf, 10000, 0x5eed, &c))
		return 0;
	if (cmp)
		*cmp = c;
	double alpha = 1 - r->s.conf + 1e-12;
	bool up = c.rel_lo > 0 && c.p_greater <= alpha, down = c.rel_hi < 0 && c.p_less <= alpha;
	return (r->s.minimize ? down : up) ? 1 : (r->s.minimize ? up : down) ? -1 : 0;
}

static void evaluate(struct run *r, struct point *p)
{
	const struct point *b = &r->pts[p->confirm ? (size_t)r->cbase : 0];
	sig_mean_ci95(p->vals, p->n, &p->lo, &p->hi);
	p->mean = sig_mean(p->vals, p->n);
	if (p->baseline) {
		p->verdict = V_BASELINE;
		return;
	}
	int j = judge(r, b, p, &p->cmp);
	p->verdict = j > 0 ? V_BETTER : j < 0 ? V_WORSE : V_SAME;
	for (size_t c = 0; c < r->s.ncons; c++)
		if (!sw_cons_ok(&r->s.cons[c], cons_mean(r, p, c), cons_mean(r, b, c), p->why, sizeof(p->why))) {
			p->verdict = V_CONSTRAINT;
			break;
		}
}

static void progress(struct run *r, const struct point *p)
{
	char set[512], m[32], lo[32], hi[32];
	enum out_unit u = metric_unit(r->s.metric);
	settings(&r->s, p, set, sizeof(set));
	out_fmt(m, sizeof(m), p->mean, u);
	if (p->verdict == V_APPLY_FAILED)
		say("[%zu] %s: not applied: %s", p->id, set, p->why);
	else if (p->baseline)
		say("[%zu] %s: %s mean %s (95%% CI %s..%s) over %zu runs", p->id, set, r->s.metric, m,
		    out_fmt(lo, sizeof(lo), p->lo, u), out_fmt(hi, sizeof(hi), p->hi, u), p->n);
	else
		say("[%zu] %s: mean %s (%+.1f%%, 95%% CI %+.1f..%+.1f%%, p=%.3f): %s%s%s", p->id, set, m,
		    p->cmp.rel * 100, p->cmp.rel_lo * 100, p->cmp.rel_hi * 100,
		    r->s.minimize ? p->cmp.p_less : p->cmp.p_greater, verdict_names[p->verdict], p->why[0] ? ": " : "",
		    p->why);
}

/* Apply p for measuring. A point that cannot be applied (rolled back,
 * the start state holds) is marked and skipped; M_FAILED only when a
 * revert failed. */
static enum mres apply_or_mark(struct run *r, struct point *p, char *msg, size_t len)
{
	int rc = apply_point(r, p);
	if (rc == EX_FAIL) {
		snprintf(msg, len, "%s", p->why);
		return M_FAILED;
	}
	if (rc == EX_USAGE)
		p->verdict = V_APPLY_FAILED;
	return M_OK;
}

/* Apply and measure the point at idx (once: a known point is returned as
 * it is). *res tells why the search must stop. */
static struct point *visit(struct run *r, const unsigned *idx, enum mres *res, char *msg, size_t len)
{
	struct point *p = find_point(r, idx);
	*res = M_OK;
	if (p)
		return p;
	if (!budget_left(r)) {
		*res = M_BUDGET;
		return NULL;
	}
	if (stop_signal) {
		*res = M_STOP;
		return NULL;
	}
	if (!(p = new_point(r, idx, false))) {
		snprintf(msg, len, "out of memory");
		*res = M_FAILED;
		return NULL;
	}
	if ((*res = apply_or_mark(r, p, msg, len)) != M_OK)
		return NULL;
	if (p->verdict == V_APPLY_FAILED) {
		progress(r, p);
		return p;
	}
	*res = measure(r, p, msg, len);
	if (*res == M_OK)
		progress(r, p);
	return *res == M_OK ? p : NULL;
}

static bool usable(const struct point *p)
{
	return p && p->n && p->verdict != V_APPLY_FAILED && p->verdict != V_CONSTRAINT && p->verdict != V_PENDING;
}

static enum mres search_grid(struct run *r, char *msg, size_t len)
{
	unsigned idx[SW_MAX_DIMS] = {0};
	for (;;) {
		enum mres res;
		visit(r, idx, &res, msg, len);
		if (res != M_OK)
			return res;
		/* odometer: the last dimension turns fastest, so host settings
		 * (put them first) change least often */
		size_t d = r->s.ndims;
		while (d-- > 0) {
			if (++idx[d] < r->s.dims[d].nvals)
				break;
			idx[d] = 0;
		}
		if (d == (size_t)-1)
			return M_OK;
	}
}

/* Coordinate descent: from the start values, try every value of one
 * dimension with the others fixed; move only to a significantly better
 * point (within the constraints); sweep the dimensions until a whole pass
 * moves nowhere. */
static enum mres search_descent(struct run *r, char *msg, size_t len)
{
	unsigned idx[SW_MAX_DIMS] = {0};
	enum mres res;
	for (size_t d = 0; d < r->s.ndims; d++)
		idx[d] = (unsigned)r->s.dims[d].start;
	struct point *cur = visit(r, idx, &res, msg, len);
	if (res != M_OK)
		return res;
	/* an unusable start: descend from the baseline's samples instead */
	size_t cur_i = usable(cur) ? (size_t)(cur - r->pts) : 0;
	for (bool moved = true; moved;) {
		moved = false;
		for (size_t d = 0; d < r->s.ndims; d++) {
			size_t best_i = cur_i;
			for (unsigned v = 0; v < r->s.dims[d].nvals; v++) {
				unsigned cand[SW_MAX_DIMS];
				memcpy(cand, r->pts[cur_i].baseline ? idx : r->pts[cur_i].idx, sizeof(cand));
				cand[d] = v;
				struct point *p = visit(r, cand, &res, msg, len);
				if (res != M_OK)
					return res;
				if (!usable(p))
					continue;
				size_t pi = (size_t)(p - r->pts);
				if (pi != best_i && judge(r, &r->pts[cur_i], p, NULL) > 0 &&
				    (best_i == cur_i || (r->s.minimize ? p->mean < r->pts[best_i].mean
								       : p->mean > r->pts[best_i].mean)))
					best_i = pi;
			}
			if (best_i != cur_i) {
				cur_i = best_i;
				memcpy(idx, r->pts[cur_i].idx, sizeof(idx));
				moved = true;
			}
		}
	}
	return M_OK;
}

/* The search picks the best of many noisy means, which flatters it (the
 * winner's curse). The top points are measured again, round-robin with
 * the baseline so that drift and background load fall on all alike, and
 * only these fresh samples decide the winner. */
static enum mres confirm_best(struct run *r, char *msg, size_t len)
{
	size_t cand[8], nc = 0;
	/* the best `confirm` points the search found better, best first */
	while (nc < r->s.confirm) {
		size_t pick = 0;
		for (size_t i = 1; i < r->npts; i++) {
			const struct point *p = &r->pts[i];
			bool taken = false;
			for (size_t j = 0; j < nc; j++)
				taken |= cand[j] == i;
			if (p->verdict != V_BETTER || taken)
				continue;
			if (!pick || (r->s.minimize ? p->mean < r->pts[pick].mean : p->mean > r->pts[pick].mean))
				pick = i;
		}
		if (!pick)
			break;
		cand[nc++] = pick;
	}
	if (!nc)
		return M_OK;
	if (r->s.budget_ns && tm_mono_ns() - r->t0 >= r->s.budget_ns) {
		say("no time left in the budget to confirm the best %zu point(s): their search samples decide", nc);
		return M_OK;
	}
	say("confirming the best %zu point(s): %u more runs each, round-robin with the baseline", nc, r->s.repeats);
	size_t first = r->npts;
	struct point *b = new_point(r, NULL, true);
	if (!b) {
		snprintf(msg, len, "out of memory");
		return M_FAILED;
	}
	b->confirm = true;
	r->cbase = (long)first;
	for (size_t i = 0; i < nc; i++) {
		struct point *q = new_point(r, r->pts[cand[i]].idx, false);
		if (!q) {
			snprintf(msg, len, "out of memory");
			return M_FAILED;
		}
		q->confirm = true;
		q->of = r->pts[cand[i]].id;
	}
	for (unsigned k = 0; k < r->s.repeats; k++)
		for (size_t i = first; i < r->npts; i++) {
			struct point *q = &r->pts[i];
			if (q->verdict == V_APPLY_FAILED)
				continue;
			enum mres a = apply_or_mark(r, q, msg, len);
			if (a != M_OK)
				return a;
			if (q->verdict == V_APPLY_FAILED)
				continue;
			enum mres m = measure_once(r, q, msg, len);
			if (m != M_OK)
				return m;
		}
	for (size_t i = first; i < r->npts; i++) {
		if (r->pts[i].verdict != V_APPLY_FAILED)
			evaluate(r, &r->pts[i]);
		progress(r, &r->pts[i]);
	}
	return M_OK;
}

/* ------------------------------------------------------------------ */
/* report                                                               */

static const struct out_col point_cols[] = {
	{"id", "#"},	     {"settings", "Settings"}, {"runs", "Runs"},	 {"mean", "Mean"},
	{"ci_lo", "CI lo"},  {"ci_hi", "CI hi"},       {"vs_baseline_pct", "vs base %"}, {"vs_lo_pct", "lo %"},
	{"vs_hi_pct", "hi %"}, {"p", "p"},	       {"verdict", "Verdict"},		 {"note", "Note"},
};

static struct json_object *settings_json(const struct sweep *s, const struct point *p)
{
	struct json_object *o = json_object_new_object();
	if (!o || p->baseline)
		return o;
	for (size_t d = 0; d < s->ndims; d++)
		json_object_object_add(o, s->dims[d].name, json_object_get(s->dims[d].vals[p->idx[d]]));
	return o;
}

static void report_points(struct run *r)
{
	struct out *o = r->o;
	if (out_mode(o) == OUT_JSON) {
		struct json_object *a = json_object_new_array();
		for (size_t i = 0; a && i < r->npts; i++) {
			const struct point *p = &r->pts[i];
			struct json_object *e = json_object_new_object(), *v = json_object_new_array();
			json_object_object_add(e, "id", json_object_new_int64((int64_t)p->id));
			json_object_object_add(e, "phase", json_object_new_string(p->confirm ? "confirm" : "search"));
			if (p->confirm && !p->baseline)
				json_object_object_add(e, "of", json_object_new_int64((int64_t)p->of));
			json_object_object_add(e, "settings", settings_json(&r->s, p));
			for (size_t k = 0; k < p->n; k++)
				json_object_array_add(v, json_object_new_double(p->vals[k]));
			json_object_object_add(e, "samples", v);
			if (r->s.ncons) {
				struct json_object *c = json_object_new_object();
				for (size_t k = 0; k < r->s.ncons; k++)
					json_object_object_add(c, r->s.cons[k].metric,
							       json_object_new_double(cons_mean(r, p, k)));
				json_object_object_add(e, "constraint_means", c);
			}
			if (p->n) {
				json_object_object_add(e, "mean", json_object_new_double(p->mean));
				json_object_object_add(e, "ci_lo", json_object_new_double(p->lo));
				json_object_object_add(e, "ci_hi", json_object_new_double(p->hi));
			}
			if (p->n && !p->baseline) {
				json_object_object_add(e, "vs_baseline", json_object_new_double(p->cmp.rel));
				json_object_object_add(e, "vs_baseline_lo", json_object_new_double(p->cmp.rel_lo));
				json_object_object_add(e, "vs_baseline_hi", json_object_new_double(p->cmp.rel_hi));
				json_object_object_add(e, "p", json_object_new_double(r->s.minimize ? p->cmp.p_less
												     : p->cmp.p_greater));
			}
			json_object_object_add(e, "verdict", json_object_new_string(verdict_names[p->verdict]));
			if (p->why[0])
				json_object_object_add(e, "note", json_object_new_string(p->why));
			json_object_array_add(a, e);
		}
		out_json(o, "points", a);
		return;
	}
	out_table_begin(o, "points", "Points (95% intervals; p: Mann-Whitney, one-sided)", point_cols, 12);
	for (size_t i = 0; i < r->npts; i++) {
		const struct point *p = &r->pts[i];
		char set[512];
		out_row_begin(o);
		out_cell_u64(o, p->id);
		out_cell_str(o, settings(&r->s, p, set, sizeof(set)));
		out_cell_u64(o, p->n);
		if (p->n) {
			out_cell_unit(o, p->mean, metric_unit(r->s.metric));
			out_cell_unit(o, p->lo, metric_unit(r->s.metric));
			out_cell_unit(o, p->hi, metric_unit(r->s.metric));
		} else {
			out_cell_str(o, "-");
			out_cell_str(o, "-");
			out_cell_str(o, "-");
		}
		if (p->n && !p->baseline) {
			out_cell_dbl(o, p->cmp.rel * 100, "%+.1f");
			out_cell_dbl(o, p->cmp.rel_lo * 100, "%+.1f");
			out_cell_dbl(o, p->cmp.rel_hi * 100, "%+.1f");
			out_cell_dbl(o, r->s.minimize ? p->cmp.p_less : p->cmp.p_greater, "%.3f");
		} else {
			out_cell_str(o, "");
			out_cell_str(o, "");
			out_cell_str(o, "");
			out_cell_str(o, "");
		}
		out_cell_str(o, verdict_names[p->verdict]);
		out_cell_str(o, p->why);
		out_row_end(o);
	}
	out_table_end(o);
}

/* ------------------------------------------------------------------ */

static const struct point *pick_best(const struct run *r)
{
	const struct point *best = NULL;
	for (size_t i = 1; i < r->npts; i++) {
		const struct point *p = &r->pts[i];
		if (p->verdict != V_BETTER || p->confirm != (r->cbase >= 0))
			continue;
		if (!best || (r->s.minimize ? p->mean < best->mean : p->mean > best->mean))
			best = p;
	}
	return best;
}


/* ------------------------------------------------------------------ */
/* HTML: every point's mean and interval against the baseline's band,
 * inline SVG, nothing fetched */

/* Okabe-Ito: better and worse stay apart for colour-blind readers */
static const char *const verdict_colors[] = {"#999999", "#000000", "#009E73", "#56B4E9", "#D55E00", "#E69F00",
					     "#CC79A7"};

/* A point's values only, the dimensions' names being the axis title:
 * "4 / 16", "baseline", "confirm 4 / 16". */
static const char *short_settings(const struct sweep *s, const struct point *p, char *buf, size_t len)
{
	size_t off = 0;
	char v[128];
	if (p->baseline)
		return snprintf(buf, len, "%sbaseline", p->confirm ? "confirm " : ""), buf;
	buf[0] = '\0';
	if (p->confirm)
		off = (size_t)snprintf(buf, len, "confirm ");
	for (size_t d = 0; d < s->ndims && off < len; d++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s", d ? " / " : "",
					sw_val_text(s->dims[d].vals[p->idx[d]], v, sizeof(v)));
	return buf;
}

static const char *dim_names(const struct sweep *s, char *buf, size_t len)
{
	size_t off = 0;
	buf[0] = '\0';
	for (size_t d = 0; d < s->ndims && off < len; d++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s", d ? " / " : "", s->dims[d].name);
	return buf;
}

/* Every point's mean, 95% interval and runs, in the order measured, over
 * its settings; the baseline's interval as a band. */
static void html_points(FILE *f, const struct run *r, const struct point *best, enum out_unit u)
{
	const struct sweep *s = &r->s;
	double lo = INFINITY, hi = -INFINITY;
	for (size_t i = 0; i < r->npts; i++) {
		const struct point *p = &r->pts[i];
		for (size_t k = 0; k < p->n; k++) {
			lo = fmin(lo, p->vals[k]);
			hi = fmax(hi, p->vals[k]);
		}
		if (p->n > 1) {
			lo = fmin(lo, p->lo);
			hi = fmax(hi, p->hi);
		}
	}
	if (!(lo <= hi)) {
		lo = 0;
		hi = 1;
	}
	/* a metric no run took below zero (a rate) does not go below it because
	 * an interval of three noisy runs does */
	bool neg = false;
	size_t longest = 0;
	char set[512], names[256], title[320];
	for (size_t i = 0; i < r->npts; i++) {
		for (size_t k = 0; k < r->pts[i].n; k++)
			neg |= r->pts[i].vals[k] < 0;
		size_t l = strlen(short_settings(s, &r->pts[i], set, sizeof(set)));
		longest = l > longest ? l : longest;
	}
	if (!neg && (lo < 0 || lo < hi * 0.5))
		lo = 0;
	size_t n = r->npts ? r->npts : 1;
	snprintf(title, sizeof(title), "settings: %s (in the order measured)", dim_names(s, names, sizeof(names)));
	/* labels longer than 8 characters are turned: room below for them */
	struct html_axis ax = {-0.5, (double)n - 0.5, OUT_U_NUM, false, true, title, longest > 8 ? 48 : 0};
	struct html_axis ay = {lo, hi, u, false, false, s->metric, 0};
	struct html_plot pl;
	html_plot_begin(&pl, f, "The metric at every point: mean, 95% interval, each run (grey); band: the baseline",
			1000, 420, 0, 20, &ax, &ay);
	const struct point *b = &r->pts[0];
	if (r->npts && b->n) {
		html_rect(&pl, ax.lo, b->lo, ax.hi, b->hi, "#0000001c", "the baseline's 95% interval");
		fprintf(f, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#555\" stroke-dasharray=\"4 3\"/>\n",
			pl.ml, pl.w - pl.mr, html_py(&pl, b->mean), html_py(&pl, b->mean));
	}
	for (size_t i = 0; i < r->npts; i++) {
		const struct point *p = &r->pts[i];
		const char *col = verdict_colors[p->verdict];
		double x = html_px(&pl, (double)i);
		fprintf(f, "<g><title>#%zu ", p->id);
		html_esc(f, settings(s, p, set, sizeof(set)));
		fprintf(f, ": %s</title>\n", verdict_names[p->verdict]);
		for (size_t k = 0; k < p->n; k++)
			fprintf(f, "<circle class=\"data\" cx=\"%.1f\" cy=\"%.1f\" r=\"2\" fill=\"#bbb\"/>", x + 6,
				html_py(&pl, p->vals[k]));
		if (p->n) {
			fprintf(f, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"2\"/>", x, x,
				html_py(&pl, p->hi), html_py(&pl, p->lo), col);
			fprintf(f, "<circle class=\"data\" cx=\"%.1f\" cy=\"%.1f\" r=\"%d\" fill=\"%s\"%s/>", x,
				html_py(&pl, p->mean), p == best ? 6 : 4, col,
				p == best ? " stroke=\"#000\" stroke-width=\"1.5\"" : "");
		} else {
			fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"%s\">x</text>", x, pl.h - pl.mb - 4, col);
		}
		fprintf(f, "</g>\n");
		if (n <= 60 || i % ((n + 59) / 60) == 0)
			html_plot_tick(&pl, true, (double)i, short_settings(s, p, set, sizeof(set)));
	}
	html_plot_end(&pl);
	fputs("<p class=\"note\">", f);
	for (size_t v = V_BASELINE; v <= V_APPLY_FAILED; v++)
		fprintf(f, "<span style=\"color:%s\">&#9679;</span> %s &nbsp; ", verdict_colors[v], verdict_names[v]);
	fputs("</p>\n", f);
}

/* Two dimensions: the grid as a heatmap of the mean (the search's own
 * measurement of each cell; a cell descent never visited stays empty),
 * each cell labelled with its mean and its difference from the baseline. */
static void html_grid(FILE *f, const struct run *r, const struct point *best, enum out_unit u)
{
	const struct sweep *s = &r->s;
	if (s->ndims != 2)
		return;
	const struct sw_dim *dx = &s->dims[0], *dy = &s->dims[1];
	double lo = INFINITY, hi = -INFINITY;
	for (size_t i = 0; i < r->npts; i++)
		if (!r->pts[i].baseline && !r->pts[i].confirm && r->pts[i].n) {
			lo = fmin(lo, r->pts[i].mean);
			hi = fmax(hi, r->pts[i].mean);
		}
	if (!(lo <= hi))
		return;
	struct html_axis ax = {-0.5, (double)dx->nvals - 0.5, OUT_U_NUM, false, true, dx->name, 0};
	struct html_axis ay = {-0.5, (double)dy->nvals - 0.5, OUT_U_NUM, false, true, dy->name, 0};
	struct html_plot pl;
	char h[512], v[128], c[8], b1[32], tip[320];
	snprintf(h, sizeof(h), "%s over the grid of %s and %s (%s is better; outlined: the best)", s->metric, dx->name,
		 dy->name, s->minimize ? "lower" : "higher");
	int w = 100 + 150 * (int)dx->nvals + 160, hh = 62 + 44 * (int)dy->nvals;
	html_plot_begin(&pl, f, h, w < 500 ? 500 : w, hh < 220 ? 220 : hh, 100, 160, &ax, &ay);
	/* the best may be a confirmation: outline the cell of its settings */
	const struct point *bp = best && best->confirm && best->of < r->npts ? &r->pts[best->of] : best;
	for (size_t i = 0; i < dx->nvals; i++)
		html_plot_tick(&pl, true, (double)i, sw_val_text(dx->vals[i], v, sizeof(v)));
	for (size_t j = 0; j < dy->nvals; j++)
		html_plot_tick(&pl, false, (double)j, sw_val_text(dy->vals[j], v, sizeof(v)));
	for (size_t i = 0; i < r->npts; i++) {
		const struct point *p = &r->pts[i];
		if (p->baseline || p->confirm || !p->n)
			continue;
		double t = hi > lo ? (p->mean - lo) / (hi - lo) : 1;
		double x = p->idx[0], y = p->idx[1];
		snprintf(tip, sizeof(tip), "%s=%s %s=%s: %s, %s", dx->name, sw_val_text(dx->vals[p->idx[0]], v, sizeof(v)),
			 dy->name, sw_val_text(dy->vals[p->idx[1]], b1, sizeof(b1)),
			 out_fmt(h, sizeof(h), p->mean, u), verdict_names[p->verdict]);
		html_rect(&pl, x - 0.48, y - 0.46, x + 0.48, y + 0.46, html_seq_color(c, t), tip);
		if (p == bp)
			fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" stroke=\"#000\" "
				   "stroke-width=\"3\"/>\n", html_px(&pl, x - 0.48), html_py(&pl, y + 0.46),
				html_px(&pl, x + 0.48) - html_px(&pl, x - 0.48), html_py(&pl, y - 0.46) - html_py(&pl, y + 0.46));
		/* dark text on the light end of the scale */
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" fill=\"%s\">%s", html_px(&pl, x),
			html_py(&pl, y) + 4, t > 0.6 ? "#000" : "#fff", out_fmt(h, sizeof(h), p->mean, u));
		if (!p->baseline)
			fprintf(f, " (%+.0f%%)", p->cmp.rel * 100);
		fputs("</text>\n", f);
	}
	html_plot_colorbar(&pl, lo, hi, u, false, s->metric);
	html_plot_end(&pl);
}

static int html_report(struct run *r, const char *profile, const struct point *best, const char *result)
{
	const struct sweep *s = &r->s;
	/* root writes it: never through a link someone planted in /tmp */
	char why[TUNE_ERRLEN];
	int fd = trust_create(r->so->html, why, sizeof(why));
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		if (fd >= 0) {
			snprintf(why, sizeof(why), "%s: %s", r->so->html, strerror(errno));
			close(fd);
		}
		err_msg("sweep: %s", why);
		return EIO;
	}
	enum out_unit u = metric_unit(s->metric);
	char set[512], b1[32], b2[32];
	html_page_begin(f, "nfstune sweep");
	fprintf(f, "<p>Profile <code>");
	html_esc(f, profile);
	fprintf(f, "</code>: %s <code>", s->minimize ? "minimise" : "maximise");
	html_esc(f, s->metric);
	fprintf(f, "</code>, %s, %u runs per point, %zu points measured in %zu runs; result: <b>", s->strategy == SW_GRID ? "full grid" : "coordinate descent", s->repeats,
		r->npts ? r->npts - 1 : 0, r->runs);
	html_esc(f, result);
	fprintf(f, "</b>.<br>Best: <b>");
	html_esc(f, best ? settings(s, best, set, sizeof(set)) : "none better than the baseline with 95% confidence");
	if (best)
		fprintf(f, "</b> (%+.1f%% against the baseline, 95%% interval %+.1f..%+.1f%%, p = %.3f)", best->cmp.rel * 100,
			best->cmp.rel_lo * 100, best->cmp.rel_hi * 100, s->minimize ? best->cmp.p_less : best->cmp.p_greater);
	else
		fprintf(f, "</b>");
	fputs("</p>\n", f);
	html_points(f, r, best, u);
	html_grid(f, r, best, u);
	html_h2(f, "Points");
	fprintf(f, "<table><tr><th>#</th><th class=\"l\">Settings</th><th>Runs</th><th>Mean</th><th>95%% CI</th>"
		   "<th>vs baseline</th><th>95%% CI</th><th>p</th><th class=\"l\">Verdict</th><th class=\"l\">Note</th></tr>\n");
	for (size_t i = 0; i < r->npts; i++) {
		const struct point *p = &r->pts[i];
		fprintf(f, "<tr%s><td>%zu</td><td class=\"l\">", p == best ? " class=\"best\"" : "", p->id);
		html_esc(f, settings(s, p, set, sizeof(set)));
		fprintf(f, "</td><td>%zu</td>", p->n);
		if (p->n) {
			html_td(f, p->mean, u);
			fprintf(f, "<td>%s..%s</td>", out_fmt(b1, sizeof(b1), p->lo, u), out_fmt(b2, sizeof(b2), p->hi, u));
		} else {
			fprintf(f, "<td>-</td><td>-</td>");
		}
		if (p->n && !p->baseline)
			fprintf(f, "<td>%+.1f%%</td><td>%+.1f..%+.1f%%</td><td>%.3f</td>", p->cmp.rel * 100, p->cmp.rel_lo * 100,
				p->cmp.rel_hi * 100, s->minimize ? p->cmp.p_less : p->cmp.p_greater);
		else
			fprintf(f, "<td></td><td></td><td></td>");
		fprintf(f, "<td class=\"l\" style=\"color:%s\">%s</td><td class=\"l\">", verdict_colors[p->verdict],
			verdict_names[p->verdict]);
		html_esc(f, p->why);
		fprintf(f, "</td></tr>\n");
	}
	fprintf(f, "</table>\n<p>A point is <i>better</i> only when the 95%% bootstrap interval of its difference from the "
		   "baseline excludes zero and the one-sided Mann-Whitney test gives p &le; 0.05.</p>\n");
	if (html_page_end(f) | fclose(f)) {
		err_msg("sweep: %s: %s", r->so->html, strerror(errno));
		return EIO;
	}
	return 0;
}


int tune_sweep(struct out *o, const struct sweep_opts *so, const char *profile)
{
	struct run *r = calloc(1, sizeof(*r));
	struct cfg c;
	char msg[2048] = "";
	int rc = EX_OK;
	if (!r)
		return EX_FAIL;
	r->so = so;
	r->o = o;
	r->applied = -1;
	r->cbase = -1;
	/* the profile names a program that runs as root and the values root
	 * applies: apply's rules (trust.h) hold for it, as for every point
	 * profile generated from it */
	char *text;
	size_t tlen;
	if (trust_read(profile, SW_MAX_FILE, &text, &tlen, msg, sizeof(msg))) {
		err_msg("%s", msg);
		free(r);
		return EX_USAGE;
	}
	int lrc = cfg_load_mem(&c, profile, text, tlen);
	free(text);
	if (lrc) {
		err_msg("%s", c.err);
		cfg_free(&c);
		free(r);
		return EX_USAGE;
	}
	if (sw_parse(&r->s, &c, profile)) {
		err_msg("%s", r->s.cfg.err);
		rc = EX_USAGE;
		goto out;
	}
	struct sweep *s = &r->s;
	bool host = false;
	for (size_t sc = 0; sc < s->nscopes; sc++)
		host |= scope_has_values(s, sc);
	if (host && geteuid() != 0) {
		err_msg("sweep: %s sets host knobs: it needs root", profile);
		rc = EX_USAGE;
		goto out;
	}
	/* the program itself, and every directory to it, must be root's too */
	if (trust_exec_path(s->argv[0], r->bench, sizeof(r->bench), msg, sizeof(msg))) {
		unsigned line, col;
		cfg_where(&s->cfg, "benchmark[0]", &line, &col);
		err_msg("%s:%u:%u: benchmark[0]: %s; nothing was run", profile, line, col, msg);
		rc = EX_USAGE;
		goto out;
	}
	/* what the benchmark runs in turn by name (a script's "nfsbench") is
	 * found in root's directories only, as sudo's secure_path */
	const char *path = getenv("PATH");
	if (path) {
		char safe[8192], dropped[1024];
		if (trust_path_filter(path, safe, sizeof(safe), dropped, sizeof(dropped)) || setenv("PATH", safe, 1)) {
			err_msg("sweep: PATH: too long for the benchmark's environment; nothing was run");
			rc = EX_USAGE;
			goto out;
		}
		if (*dropped)
			say("the benchmark's PATH leaves out %s: not root's, writable by others, or relative", dropped);
	}
	if (s->strategy == SW_AUTO) {
		size_t g = sw_grid_size(s);
		s->strategy = (s->budget_runs ? (g + 1) * s->repeats <= s->budget_runs : g <= 64) ? SW_GRID : SW_DESCENT;
	}

	/* the sweep's directory: generated profiles, journals, every output */
	char stamp[32];
	time_t now = time(NULL);
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", localtime(&now));
	if (tune_journal_dir_check(so->state_dir, msg, sizeof(msg))) {
		err_msg("sweep: %s", msg);
		rc = EX_USAGE;
		goto out;
	}
	snprintf(r->dir, sizeof(r->dir), "%s/sweep-%s-%ld", so->state_dir, stamp, (long)getpid());
	if (mkdir(r->dir, 0700)) {
		err_msg("sweep: %s: %s", r->dir, strerror(errno));
		rc = EX_USAGE;
		goto out;
	}

	/* every value of every dimension, in every scope, through "nfstune
	 * plan" before anything changes: a bad value changes no knob */
	size_t bad = 0;
	for (size_t sc = 0; sc < s->nscopes; sc++) {
		if (!scope_has_values(s, sc))
			continue;
		for (size_t d = 0; d < s->ndims; d++) {
			bool here = false;
			for (size_t i = 0; i < s->dims[d].nsets; i++)
				here |= s->dims[d].sets[i].scope == (int)sc;
			for (size_t v = 0; here && v < s->dims[d].nvals; v++) {
				unsigned idx[SW_MAX_DIMS];
				char path[PATH_MAX + 64], tag[64], vt[128];
				for (size_t e = 0; e < s->ndims; e++)
					idx[e] = (unsigned)s->dims[e].start;
				idx[d] = (unsigned)v;
				snprintf(tag, sizeof(tag), "check-%zu-%zu", d, v);
				if (write_profile(r, sc, idx, tag, path, sizeof(path)) ||
				    nfstune(r, sc, "plan", path, msg, sizeof(msg), NULL)) {
					char kp[256];
					unsigned line, col;
					snprintf(kp, sizeof(kp), "space.%s", s->dims[d].name);
					cfg_where(&s->cfg, kp, &line, &col);
					err_msg("%s:%u:%u: space.%s = %s in scope %s: %s", profile, line, col, s->dims[d].name,
						sw_val_text(s->dims[d].vals[v], vt, sizeof(vt)), s->scopes[sc].name, msg);
					bad++;
				}
			}
		}
	}
	if (bad) {
		err_msg("sweep: %zu value(s) cannot be applied; nothing was changed", bad);
		rc = EX_USAGE;
		goto out;
	}

	/* say what will change before changing it */
	size_t grid = sw_grid_size(s);
	say("%s: %zu dimension(s), %zu point(s) in the grid, %s, %u runs per point%s; directory %s", profile,
	    s->ndims, grid, s->strategy == SW_GRID ? "full grid" : "coordinate descent", s->repeats,
	    s->budget_runs ? " (run budget set)" : "", r->dir);
	for (size_t d = 0; d < s->ndims; d++)
		for (size_t i = 0; i < s->dims[d].nsets; i++) {
			const struct sw_set *set = &s->dims[d].sets[i];
			if (set->scope >= 0)
				say("  %s: sets %s in scope %s (%s)", s->dims[d].name, set->target, s->scopes[set->scope].name,
				    s->scopes[set->scope].netns[0] ? s->scopes[set->scope].netns : "this network namespace");
			else
				say("  %s: passes %s VALUE to the benchmark", s->dims[d].name, set->target);
		}

	struct sigaction sa = {0}, old_int, old_term, old_hup;
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	stop_signal = 0;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	sigaction(SIGHUP, &sa, &old_hup);
	r->t0 = tm_mono_ns();

	enum mres res = M_OK;
	struct point *base = new_point(r, NULL, true);
	msg[0] = '\0';
	res = base ? measure(r, base, msg, sizeof(msg)) : M_FAILED;
	if (res == M_OK) {
		progress(r, base);
		res = s->strategy == SW_GRID ? search_grid(r, msg, sizeof(msg)) : search_descent(r, msg, sizeof(msg));
		if (res == M_OK || res == M_BUDGET) {
			enum mres c = confirm_best(r, msg, sizeof(msg));
			if (c != M_OK)
				res = c;
		}
	}
	const char *result;
	const struct point *best = NULL;
	switch (res) {
	case M_STOP:
		result = "interrupted";
		err_msg("sweep: interrupted (signal %d): restoring the start state", (int)stop_signal);
		rc = EX_INTR;
		break;
	case M_FAILED:
	case M_BADOUT:
		result = "benchmark-failed";
		err_msg("sweep: %s; restoring the start state", msg);
		rc = EX_FAIL;
		break;
	default:
		result = res == M_BUDGET ? "budget-exhausted" : "done";
		if (res == M_BUDGET)
			say("budget exhausted after %zu runs, %.0f s", r->runs, (double)(tm_mono_ns() - r->t0) / 1e9);
		best = pick_best(r);
		break;
	}
	/* keep the best; anything else goes back to the start state */
	bool kept = false;
	if (best && !so->dry && rc == EX_OK) {
		stop_signal = 0;
		int arc = apply_point(r, (struct point *)best);
		if (arc == EX_OK && !stop_signal) {
			kept = true;
		} else {
			err_msg("sweep: could not keep the best point: %s", best->why[0] ? best->why : "interrupted");
			rc = EX_FAIL;
		}
	}
	if (!kept && r->applied >= 0 && revert_all(r))
		rc = EX_FAIL;

	/* the report */
	out_str(o, "command", NULL, "sweep");
	out_str(o, "profile", "Profile", profile);
	out_str(o, "directory", "Directory", r->dir);
	out_str(o, "metric", "Metric", s->metric);
	out_str(o, "goal", "Goal", s->minimize ? "min" : "max");
	out_str(o, "strategy", "Strategy", s->strategy == SW_GRID ? "grid" : "descent");
	out_u64(o, "repeats", "Runs per point", s->repeats, NULL);
	out_u64(o, "grid_points", "Points in the grid", grid, NULL);
	out_u64(o, "points_measured", "Points measured", r->npts ? r->npts - 1 : 0, NULL);
	out_u64(o, "runs", "Benchmark runs", r->runs, NULL);
	out_dbl(o, "elapsed_s", "Elapsed", (double)(tm_mono_ns() - r->t0) / 1e9, "%.1f", "s");
	report_points(r);
	out_begin(o, "best", "Best");
	if (best) {
		char set[512];
		out_u64(o, "id", "Point", best->id, NULL);
		out_str(o, "text", "Settings", settings(s, best, set, sizeof(set)));
		out_json(o, "settings", settings_json(s, best));
		out_dbl_unit(o, "mean", "Mean", best->mean, metric_unit(s->metric));
		out_dbl(o, "vs_baseline", "vs baseline", best->cmp.rel * 100, "%+.1f", "%");
	} else {
		out_str(o, "text", "Settings", rc == EX_OK ? "none better than the baseline with 95% confidence" : "-");
	}
	out_end(o);
	out_str(o, "result", "Result", result);
	out_bool(o, "kept", "Kept applied", kept);
	if (kept) {
		out_begin(o, "revert", "To revert");
		for (size_t sc = 0; sc < s->nscopes; sc++)
			if (r->journal[sc][0]) {
				char cmd[PATH_MAX * 2 + 256];
				snprintf(cmd, sizeof(cmd), "nfstune%s%s --state-dir %s/journals-%s revert %s",
					 s->scopes[sc].netns[0] ? " --netns " : "", s->scopes[sc].netns, r->dir,
					 s->scopes[sc].name, r->journal[sc]);
				out_str(o, s->scopes[sc].name, s->scopes[sc].name, cmd);
			}
		out_end(o);
	}
	if (best) {
		/* the best point's profiles, for nfstune verify/apply later */
		out_begin(o, "best_profiles", "Best point's profiles");
		for (size_t sc = 0; sc < s->nscopes; sc++) {
			char path[PATH_MAX + 64];
			if (scope_has_values(s, sc) && !write_profile(r, sc, best->idx, "best", path, sizeof(path)))
				out_str(o, s->scopes[sc].name, s->scopes[sc].name, path);
		}
		out_end(o);
	}
	if (so->html && html_report(r, profile, best, result) && rc == EX_OK)
		rc = EX_FAIL;
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	sigaction(SIGHUP, &old_hup, NULL);
out:
	for (size_t i = 0; i < r->npts; i++) {
		free(r->pts[i].vals);
		free(r->pts[i].cvals);
	}
	free(r->pts);
	sw_free(&r->s);
	free(r);
	return rc;
}
