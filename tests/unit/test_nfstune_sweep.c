/* test_nfstune_sweep.c - the statistics behind nfstune sweep (lib/sig.c,
 * checked against brute-force enumeration), the sweep profile parser (every
 * error names its file:line:col and key), metric paths, JSON pointers, the
 * generated profiles, and whole sweeps against a real benchmark process
 * (bash printing JSON) that needs no lab: grid, descent, goals, constraints,
 * budgets, a failing benchmark. The host side is tested in the lab
 * (tests/integration/test_nfstune_sweep.sh). */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "cfg.h"
#include "err.h"
#include "out.h"
#include "sig.h"
#include "tune_sweep.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------------ */
/* statistics                                                           */

static void test_sig_basics(void **state)
{
	(void)state;
	double x[] = {1, 2, 3, 4};
	assert_true(fabs(sig_mean(x, 4) - 2.5) < 1e-12);
	assert_true(fabs(sig_sd(x, 4) - sqrt(5.0 / 3)) < 1e-12);
	assert_true(sig_sd(x, 1) == 0);
	assert_true(fabs(sig_t95(1) - 12.706) < 1e-9);
	assert_true(fabs(sig_t95(2) - 4.303) < 1e-9);
	assert_true(sig_t95(1000) > 1.96 && sig_t95(1000) < 1.97);
	double lo, hi;
	sig_mean_ci95(x, 4, &lo, &hi);
	double h = 3.182 * sqrt(5.0 / 3) / 2;
	assert_true(fabs(lo - (2.5 - h)) < 1e-9 && fabs(hi - (2.5 + h)) < 1e-9);
}

/* P(U >= u) by enumerating every split of the pooled values */
static double mw_brute(const double *a, size_t na, const double *b, size_t nb)
{
	double pool[16];
	size_t n = na + nb;
	memcpy(pool, a, na * sizeof(double));
	memcpy(pool + na, b, nb * sizeof(double));
	unsigned long u2obs = 0;
	for (size_t i = 0; i < nb; i++)
		for (size_t j = 0; j < na; j++)
			u2obs += b[i] > a[j] ? 2 : b[i] == a[j];
	/* ranks without ties: the null distribution of U depends on order only */
	unsigned long hit = 0, all = 0;
	for (unsigned mask = 0; mask < (1u << n); mask++) {
		if ((size_t)__builtin_popcount(mask) != nb)
			continue;
		unsigned long u = 0;
		for (size_t i = 0; i < n; i++)
			for (size_t j = 0; j < n; j++)
				if ((mask >> i & 1) && !(mask >> j & 1) && i > j)
					u++;
		all++;
		hit += u >= u2obs / 2;
	}
	return (double)hit / (double)all;
}

static void test_sig_mann_whitney(void **state)
{
	(void)state;
	double a[] = {1, 2, 3}, b[] = {4, 5, 6};
	assert_true(fabs(sig_mw_greater(a, 3, b, 3) - 0.05) < 1e-12); /* 1 of C(6,3) = 20 */
	assert_true(fabs(sig_mw_greater(b, 3, a, 3) - 1.0) < 1e-12);
	double a5[] = {1, 2, 3, 4, 5}, b5[] = {6, 7, 8, 9, 10};
	assert_true(fabs(sig_mw_greater(a5, 5, b5, 5) - 1.0 / 252) < 1e-12);
	assert_true(sig_mw_greater(a, 0, b, 3) == 1.0);
	/* random samples of sizes 1..6 against enumeration (ordered values
	 * i < j stand for ranks) */
	unsigned seed = 12345;
	for (int t = 0; t < 300; t++) {
		size_t na = 1 + (size_t)(rand_r(&seed) % 6), nb = 1 + (size_t)(rand_r(&seed) % 6);
		double x[6], y[6];
		for (size_t i = 0; i < na; i++)
			x[i] = rand_r(&seed) % 1000 + 0.25;
		for (size_t i = 0; i < nb; i++)
			y[i] = rand_r(&seed) % 1000 + 0.5;
		double want = mw_brute(x, na, y, nb), got = sig_mw_greater(x, na, y, nb);
		if (fabs(want - got) > 1e-12)
			fail_msg("na %zu nb %zu: exact %g, sig_mw_greater %g", na, nb, want, got);
	}
	/* above the exact limit: the normal approximation, sane at the ends */
	double big_a[50], big_b[50];
	for (int i = 0; i < 50; i++) {
		big_a[i] = i;
		big_b[i] = 100 + i;
	}
	assert_true(sig_mw_greater(big_a, 50, big_b, 50) < 1e-10);
	assert_true(sig_mw_greater(big_b, 50, big_a, 50) > 0.999);
}

static void test_sig_compare(void **state)
{
	(void)state;
	struct sig_cmp c;
	double a[] = {100, 102, 98}, same[] = {101, 99, 100}, up[] = {150, 153, 147};
	assert_int_equal(sig_compare(a, 3, up, 3, 0.95, 10000, 1, &c), 0);
	assert_true(fabs(c.rel - 0.5) < 1e-12);
	assert_true(c.rel_lo > 0.4 && c.rel_hi < 0.6 && c.rel_lo <= c.rel && c.rel <= c.rel_hi);
	assert_true(fabs(c.p_greater - 0.05) < 1e-12 && c.p_less > 0.9);
	assert_int_equal(sig_compare(a, 3, same, 3, 0.95, 10000, 1, &c), 0);
	assert_true(c.rel_lo < 0 && c.rel_hi > 0);
	assert_true(c.p_greater > 0.05 && c.p_less > 0.05);
	/* repeatable for one seed */
	struct sig_cmp c2;
	assert_int_equal(sig_compare(a, 3, same, 3, 0.95, 10000, 1, &c2), 0);
	assert_true(c.rel_lo == c2.rel_lo && c.rel_hi == c2.rel_hi);
	double zero[] = {0, 0};
	assert_int_equal(sig_compare(zero, 2, a, 3, 0.95, 100, 1, &c), EINVAL);
	assert_int_equal(sig_compare(a, 0, a, 3, 0.95, 100, 1, &c), EINVAL);
	assert_int_equal(sig_compare(a, 3, a, 3, 1.5, 100, 1, &c), EINVAL);
}

/* ------------------------------------------------------------------ */
/* profile                                                              */

#define GOOD_HEAD "{\"benchmark\": [\"true\"], \"metric\": \"m\", "

static int parse(struct sweep *s, const char *text)
{
	struct cfg c;
	int rc = cfg_load_mem(&c, "sw.json", text, strlen(text));
	if (rc) {
		cfg_free(&c);
		memset(s, 0, sizeof(*s));
		return rc;
	}
	return sw_parse(s, &c, "/etc/nfstune/sw.json");
}

struct bad_case {
	const char *text;
	const char *want; /* in the message */
};

static void test_sweep_parse_errors(void **state)
{
	(void)state;
	static const struct bad_case cases[] = {
		{"{\"metric\": \"m\", \"space\": {\"x\": {\"values\": [1], \"set\": \"--x\"}}}", "sw.json: benchmark: needs the benchmark"},
		{"{\"benchmark\": [\"true\"], \"space\": {\"x\": {\"values\": [1], \"set\": \"--x\"}}}", "needs \"metric\""},
		{GOOD_HEAD "\"space\": {}}", "space: needs \"space\""},
		{GOOD_HEAD "\"space\": {\"x\": {\"values\": [1], \"set\": \"x\"}}}",
		 "space.x.set: 'x' is neither SCOPE:/json/pointer"},
		{GOOD_HEAD "\"space\": {\"x\": {\"values\": [1], \"set\": \"guest:/a/b\"}}}", "names a scope not in"},
		{GOOD_HEAD "\"space\": {\"x\": {\"values\": [1, 2, 1], \"set\": \"--x\"}}}",
		 "space.x.values[2]: value 1 is listed twice"},
		{GOOD_HEAD "\"space\": {\"x\": {\"values\": [[1]], \"set\": \"--x\"}}}", "space.x.values[0]: must be a number"},
		{GOOD_HEAD "\"space\": {\"x\": {\"range\": {\"from\": 1, \"to\": 8, \"step\": 1, \"times\": 2}, \"set\": \"--x\"}}}",
		 "exactly one of \"step\""},
		{GOOD_HEAD "\"space\": {\"x\": {\"range\": {\"from\": 9, \"to\": 8, \"step\": 1}, \"set\": \"--x\"}}}",
		 "\"from\" is above \"to\""},
		{GOOD_HEAD "\"space\": {\"x\": {\"values\": [1], \"range\": {}, \"set\": \"--x\"}}}", "exactly one of \"values\""},
		{GOOD_HEAD "\"space\": {\"x\": {\"values\": [1]}}}", "needs \"set\""},
		{GOOD_HEAD "\"space\": {\"x\": {\"values\": [1], \"set\": \"--x\", \"start\": 5}}}",
		 "space.x.start: 5 is not one of the values"},
		{GOOD_HEAD "\"space\": {\"x\": {\"values\": [1], \"set\": \"--x\", \"sett\": 1}}}", "space.x: unknown key 'sett'"},
		{GOOD_HEAD "\"goal\": \"up\", \"space\": {\"x\": {\"values\": [1], \"set\": \"--x\"}}}", "goal: 'up'"},
		{GOOD_HEAD "\"repeats\": 2, \"space\": {\"x\": {\"values\": [1], \"set\": \"--x\"}}}", "repeats: must be 3..40"},
		{GOOD_HEAD "\"budget\": {\"runs\": 10}, \"space\": {\"x\": {\"values\": [1], \"set\": \"--x\"}}}",
		 "budget.runs: leaves no run"},
		{GOOD_HEAD "\"constraints\": [{\"metric\": \"p\"}], \"space\": {\"x\": {\"values\": [1], \"set\": \"--x\"}}}",
		 "constraints[0]: needs \"max_growth\""},
		{GOOD_HEAD "\"constraints\": [{\"metric\": \"p\", \"max_growth\": \"ten\"}], \"space\": {\"x\": {\"values\": [1], \"set\": \"--x\"}}}",
		 "constraints[0].max_growth: 'ten'"},
		/* strtod took a blank, a sign and hex before the '%' */
		{GOOD_HEAD "\"constraints\": [{\"metric\": \"p\", \"max_growth\": \" 10%\"}], \"space\": {\"x\": {\"values\": [1], \"set\": \"--x\"}}}",
		 "constraints[0].max_growth: ' 10%'"},
		{GOOD_HEAD "\"constraints\": [{\"metric\": \"p\", \"max_growth\": \"0x10%\"}], \"space\": {\"x\": {\"values\": [1], \"set\": \"--x\"}}}",
		 "constraints[0].max_growth: '0x10%'"},
		{GOOD_HEAD "\"strategy\": \"random\", \"space\": {\"x\": {\"values\": [1], \"set\": \"--x\"}}}", "strategy: 'random'"},
		{GOOD_HEAD "\"confirm\": 9, \"space\": {\"x\": {\"values\": [1], \"set\": \"--x\"}}}", "confirm: must be 0"},
		{GOOD_HEAD "\"scopes\": {\"a:b\": {}}, \"space\": {\"x\": {\"values\": [1], \"set\": \"--x\"}}}", "has no ':'"},
		{GOOD_HEAD "\"scopes\": {\"h\": {\"profile\": \"/nonexistent/p.json\"}}, \"space\": {\"x\": {\"values\": [1], \"set\": \"--x\"}}}",
		 "scopes.h.profile: /nonexistent/p.json: no such file"},
		{GOOD_HEAD "\"timeout\": \"soon\", \"space\": {\"x\": {\"values\": [1], \"set\": \"--x\"}}}", "timeout"},
		{GOOD_HEAD "\"spaces\": {}}", "unknown key 'spaces'"},
	};
	for (size_t i = 0; i < N(cases); i++) {
		struct sweep s;
		int rc = parse(&s, cases[i].text);
		if (rc != EINVAL || !strstr(s.cfg.err, cases[i].want))
			fail_msg("case %zu: rc %d, message '%s', wanted '%s'", i, rc, s.cfg.err, cases[i].want);
		if (!strstr(s.cfg.err, "sw.json:"))
			fail_msg("case %zu: '%s' does not name the file", i, s.cfg.err);
		sw_free(&s);
	}
}

static void test_sweep_parse_good(void **state)
{
	(void)state;
	struct sweep s;
	const char *text = "// a comment\n"
			   "{\"scopes\": {\"host\": {\"netns\": \"lab-host\"}, \"guest\": {}},\n"
			   " \"benchmark\": [\"bin/nfsbench\", \"--json\"],\n"
			   " \"metric\": \"ops.read.lat_ns.p99\",\n"
			   " \"constraints\": [{\"metric\": \"ops.read.bytes_per_sec\", \"min\": 1e6},\n"
			   "                   {\"metric\": \"x\", \"max_growth\": \"10%\"}],\n"
			   " \"space\": {\"mtu\": {\"values\": [1500, 9000], \"set\": [\"host:/interfaces/eth1/mtu\", \"guest:/interfaces/eth0/mtu\"]},\n"
			   "           \"slots\": {\"range\": {\"from\": 1, \"to\": 16, \"times\": 2}, \"set\": \"--slots\", \"start\": 4},\n"
			   "           \"c\": {\"range\": {\"from\": 0, \"to\": 10, \"step\": 4}, \"set\": \"--c\"}},\n"
			   " \"repeats\": 5, \"budget\": {\"runs\": 100, \"time\": \"10m\"}, \"settle\": \"1s\"}\n";
	assert_int_equal(parse(&s, text), 0);
	assert_true(s.minimize); /* a latency metric is minimised unless told */
	assert_int_equal(s.nscopes, 2);
	assert_string_equal(s.scopes[0].netns, "lab-host");
	assert_string_equal(s.scopes[1].netns, "");
	assert_int_equal(s.argc, 2);
	assert_int_equal(s.ndims, 3);
	assert_int_equal(s.dims[1].nvals, 5); /* 1 2 4 8 16 */
	assert_int_equal(json_object_get_int(s.dims[1].vals[4]), 16);
	assert_int_equal(s.dims[1].start, 2);
	assert_int_equal(s.dims[2].nvals, 3); /* 0 4 8 */
	assert_int_equal(json_object_get_int(s.dims[2].vals[2]), 8);
	assert_int_equal(sw_grid_size(&s), 2 * 5 * 3);
	assert_int_equal(s.repeats, 5);
	assert_int_equal(s.budget_runs, 100);
	assert_true(s.budget_ns == 600000000000ULL && s.settle_ns == 1000000000ULL);
	assert_true(s.cons[0].has_min && s.cons[0].min == 1e6 && !s.cons[0].has_growth);
	assert_true(s.cons[1].has_growth && fabs(s.cons[1].growth - 0.1) < 1e-12);
	assert_int_equal(s.dims[0].sets[1].scope, 1);
	assert_string_equal(s.dims[0].sets[1].target, "/interfaces/eth0/mtu");
	assert_int_equal(s.dims[1].sets[0].scope, -1);

	/* the generated profile of each scope holds that scope's settings */
	unsigned idx[SW_MAX_DIMS] = {1, 0, 0};
	struct json_object *h = sw_scope_profile(&s, 0, idx), *g = sw_scope_profile(&s, 1, idx), *v;
	assert_non_null(h);
	assert_non_null(g);
	assert_true(json_object_object_get_ex(h, "interfaces", &v));
	assert_string_equal(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN), "{\"eth1\":{\"mtu\":9000}}");
	assert_true(json_object_object_get_ex(g, "interfaces", &v));
	assert_string_equal(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN), "{\"eth0\":{\"mtu\":9000}}");
	assert_false(json_object_object_get_ex(h, "include", &v));
	json_object_put(h);
	json_object_put(g);
	sw_free(&s);
}

static void test_sweep_metric_and_pointer(void **state)
{
	(void)state;
	struct json_object *d = json_tokener_parse(
		"{\"ops\": {\"read\": {\"bytes_per_sec\": 2.5e9, \"lat_ns\": {\"p99\": 1000, \"p99.9\": 2000}, \"name\": \"x\"}}}");
	double v = 0;
	assert_int_equal(sw_metric_get(d, "ops.read.bytes_per_sec", &v), 0);
	assert_true(v == 2.5e9);
	assert_int_equal(sw_metric_get(d, "ops.read.lat_ns.p99.9", &v), 0);
	assert_true(v == 2000);
	assert_int_equal(sw_metric_get(d, "ops.read.lat_ns.p99", &v), 0);
	assert_true(v == 1000);
	assert_int_equal(sw_metric_get(d, "ops.write.bytes_per_sec", &v), ENOENT);
	assert_int_equal(sw_metric_get(d, "ops.read.name", &v), EINVAL);
	assert_int_equal(sw_metric_get(d, "ops.read", &v), EINVAL);
	assert_int_equal(sw_metric_get(d, "", &v), EINVAL);
	json_object_put(d);

	struct json_object *doc = json_object_new_object(), *nine = json_object_new_int(9000);
	assert_int_equal(sw_ptr_set(doc, "/interfaces/eth0/mtu", nine), 0);
	assert_int_equal(sw_ptr_set(doc, "/sysctl/net.ipv4.tcp_rmem", nine), 0);
	assert_int_equal(sw_ptr_set(doc, "/a~1b/c~0d", nine), 0);
	assert_string_equal(json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE),
			    "{\"interfaces\":{\"eth0\":{\"mtu\":9000}},\"sysctl\":{\"net.ipv4.tcp_rmem\":9000},"
			    "\"a/b\":{\"c~d\":9000}}");
	assert_int_equal(sw_ptr_set(doc, "interfaces", nine), EINVAL);
	assert_int_equal(sw_ptr_set(doc, "/interfaces/eth0/mtu/x", nine), EINVAL); /* 9000 is no object */
	assert_int_equal(sw_ptr_set(doc, "/a//b", nine), EINVAL);
	assert_int_equal(sw_ptr_set(doc, "/a~2", nine), EINVAL);
	json_object_put(nine);
	json_object_put(doc);

	struct sw_cons c = {.metric = "p99", .has_growth = true, .growth = 0.1};
	char why[256];
	assert_true(sw_cons_ok(&c, 109, 100, why, sizeof(why)));
	assert_false(sw_cons_ok(&c, 111, 100, why, sizeof(why)));
	assert_non_null(strstr(why, "p99 +11.0% over the baseline"));
	struct sw_cons m = {.metric = "errors", .has_max = true, .max = 0};
	assert_true(sw_cons_ok(&m, 0, 5, why, sizeof(why)));
	assert_false(sw_cons_ok(&m, 1, 0, why, sizeof(why)));
}

/* ------------------------------------------------------------------ */
/* whole sweeps against a real process                                  */

/* The benchmark: a bash script printing {"m": 100 + 10 * x - 5 * y + noise,
 * "c": x, "y": y} for --x X --y Y; noise 0..4 (from $RANDOM); exits 3 at
 * x = 9. y = 1 costs more than the noise can give back: when y cost nothing,
 * noise now and then made y = 1 look better to the descent, which then swept
 * x again and visited the whole grid (seen once under ASan). */
static const char fake_bench[] =
	"x=0; y=0\n"
	"while [ $# -gt 0 ]; do case $1 in --x) x=$2 ;; --y) y=$2 ;; esac; shift 2; done\n"
	"[ $x = 9 ] && { echo 'x is nine' >&2; exit 3; }\n"
	"echo \"{\\\"m\\\": $((100 + 10 * x - 5 * y + RANDOM % 5)), \\\"c\\\": $x, \\\"y\\\": $y}\"\n";
#define FAKE_BENCH ""

/* Set: sweep_json also writes the HTML report and leaves it here (freed
 * by the caller). */
static bool want_html;
static char *html_text;

static struct json_object *sweep_json(const char *body, int *rc)
{
	char dir[] = "/tmp/nfstk-sweep.XXXXXX", path[64];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/bench.sh", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(fake_bench, f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/sw.json", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "{\"benchmark\": [\"bash\", \"%s/bench.sh\"], \"settle\": 0, %s}\n", dir, body);
	fclose(f);
	FILE *o = tmpfile();
	struct out *out;
	assert_int_equal(out_new(&out, OUT_JSON, o, "nfstune/1"), 0);
	char hpath[64];
	snprintf(hpath, sizeof(hpath), "%s/r.html", dir);
	struct sweep_opts so = {.self = "/bin/false", .state_dir = dir, .root = "", .html = want_html ? hpath : NULL};
	*rc = tune_sweep(out, &so, path);
	assert_int_equal(out_finish(out), 0);
	if (want_html) {
		FILE *h = fopen(hpath, "r");
		assert_non_null(h);
		html_text = calloc(1, 1 << 20);
		assert_non_null(html_text);
		assert_true(fread(html_text, 1, (1 << 20) - 1, h) > 0);
		fclose(h);
	}
	rewind(o);
	char buf[1 << 16];
	size_t n = fread(buf, 1, sizeof(buf) - 1, o);
	buf[n] = '\0';
	fclose(o);
	pid_t pid = fork();
	if (pid == 0) {
		execlp("rm", "rm", "-rf", dir, (char *)NULL);
		_exit(127);
	}
	int st;
	waitpid(pid, &st, 0);
	return json_tokener_parse(buf);
}

static const char *best_text(struct json_object *d)
{
	struct json_object *b, *t;
	if (!json_object_object_get_ex(d, "best", &b) || !json_object_object_get_ex(b, "text", &t))
		return "";
	return json_object_get_string(t);
}

static const char *str_of(struct json_object *d, const char *key)
{
	struct json_object *v;
	return json_object_object_get_ex(d, key, &v) ? json_object_get_string(v) : "";
}

static void test_sweep_fake_grid(void **state)
{
	(void)state;
	int rc;
	want_html = true;
	struct json_object *d = sweep_json(FAKE_BENCH "\"metric\": \"m\", \"space\": {\"x\": {\"values\": [1, 2, 3], "
						      "\"set\": \"--x\"}, \"y\": {\"values\": [0, 1], \"set\": \"--y\"}}", &rc);
	want_html = false;
	assert_int_equal(rc, 0);
	/* issue 15 item 3: the settings on the x axis, the grid as a heatmap
	 * with every cell measured, its values as its labels */
	assert_non_null(html_text);
	assert_non_null(strstr(html_text, ">settings: x / y (in the order measured)<"));
	assert_non_null(strstr(html_text, "class=\"tick x\""));
	assert_non_null(strstr(html_text, ">3 / 0<"));
	assert_non_null(strstr(html_text, "m over the grid of x and y"));
	unsigned cells = 0;
	for (const char *q = html_text; (q = strstr(q, "<rect class=\"data\"")); q++)
		cells++;
	assert_int_equal(cells, 1 + 6); /* the baseline's band and the 6 cells */
	assert_null(strstr(html_text, "e+0"));
	free(html_text);
	html_text = NULL;
	assert_string_equal(str_of(d, "strategy"), "grid");
	assert_string_equal(str_of(d, "result"), "done");
	/* x = 3 gives +30%: confirmed (y = 0: y = 1 costs 5) */
	assert_non_null(strstr(best_text(d), "confirm #"));
	assert_non_null(strstr(best_text(d), "x=3"));
	struct json_object *pts;
	assert_true(json_object_object_get_ex(d, "points", &pts));
	/* baseline + 6 grid points + confirmation (baseline + 3) */
	assert_int_equal(json_object_array_length(pts), 11);
	struct json_object *runs;
	assert_true(json_object_object_get_ex(d, "runs", &runs));
	assert_int_equal(json_object_get_int(runs), 33);
	json_object_put(d);

	/* minimise: x = 1 is the least of the points, but all are above the
	 * baseline (x = 0): none is better */
	d = sweep_json(FAKE_BENCH "\"metric\": \"m\", \"goal\": \"min\", \"space\": {\"x\": {\"values\": [1, 2], "
				  "\"set\": \"--x\"}}", &rc);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(best_text(d), "none better"));
	assert_true(json_object_object_get_ex(d, "points", &pts));
	struct json_object *p1 = json_object_array_get_idx(pts, 1), *v;
	assert_true(json_object_object_get_ex(p1, "verdict", &v));
	assert_string_equal(json_object_get_string(v), "worse");
	json_object_put(d);
}

static void test_sweep_fake_descent_constraints(void **state)
{
	(void)state;
	int rc;
	/* c (= x) may not exceed 4: x = 5..8 violate, the best within is 4 */
	struct json_object *d = sweep_json(FAKE_BENCH "\"metric\": \"m\", \"strategy\": \"descent\", \"confirm\": 1, "
						      "\"constraints\": [{\"metric\": \"c\", \"max\": 4}], "
						      "\"space\": {\"x\": {\"range\": {\"from\": 1, \"to\": 8, \"step\": 1}, \"set\": \"--x\"}, "
						      "\"y\": {\"values\": [0, 1], \"set\": \"--y\"}}", &rc);
	assert_int_equal(rc, 0);
	assert_string_equal(str_of(d, "strategy"), "descent");
	assert_non_null(strstr(best_text(d), "x=4"));
	struct json_object *pts, *v;
	assert_true(json_object_object_get_ex(d, "points", &pts));
	bool saw_constraint = false;
	for (size_t i = 0; i < json_object_array_length(pts); i++) {
		struct json_object *p = json_object_array_get_idx(pts, i);
		if (json_object_object_get_ex(p, "verdict", &v) && !strcmp(json_object_get_string(v), "constraint")) {
			saw_constraint = true;
			assert_true(json_object_object_get_ex(p, "note", &v));
			assert_non_null(strstr(json_object_get_string(v), "above 4"));
		}
	}
	assert_true(saw_constraint);
	/* descent visits fewer than the 16 grid points */
	assert_true(json_object_array_length(pts) < 1 + 16);
	json_object_put(d);
}

static void test_sweep_fake_budget_and_failure(void **state)
{
	(void)state;
	int rc;
	/* 12 runs: the baseline (3), confirmation reserve (2 x 3), one point */
	struct json_object *d = sweep_json(FAKE_BENCH "\"metric\": \"m\", \"confirm\": 1, \"budget\": {\"runs\": 12}, "
						      "\"space\": {\"x\": {\"values\": [1, 2, 3], \"set\": \"--x\"}}", &rc);
	assert_int_equal(rc, 0);
	assert_string_equal(str_of(d, "result"), "budget-exhausted");
	struct json_object *runs;
	assert_true(json_object_object_get_ex(d, "runs", &runs));
	assert_true(json_object_get_int(runs) <= 12);
	json_object_put(d);

	/* the benchmark fails at x = 9: exit 1, the failure named */
	d = sweep_json(FAKE_BENCH "\"metric\": \"m\", \"space\": {\"x\": {\"values\": [1, 9], \"set\": \"--x\"}}", &rc);
	assert_int_equal(rc, 1);
	assert_string_equal(str_of(d, "result"), "benchmark-failed");
	json_object_put(d);

	/* a metric the benchmark does not print */
	d = sweep_json(FAKE_BENCH "\"metric\": \"ops.read.bytes_per_sec\", \"space\": {\"x\": {\"values\": [1], "
				  "\"set\": \"--x\"}}", &rc);
	assert_int_equal(rc, 1);
	json_object_put(d);
}

int main(void)
{
	err_set_prog("test_nfstune_sweep");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sig_basics),
		cmocka_unit_test(test_sig_mann_whitney),
		cmocka_unit_test(test_sig_compare),
		cmocka_unit_test(test_sweep_parse_errors),
		cmocka_unit_test(test_sweep_parse_good),
		cmocka_unit_test(test_sweep_metric_and_pointer),
		cmocka_unit_test(test_sweep_fake_grid),
		cmocka_unit_test(test_sweep_fake_descent_constraints),
		cmocka_unit_test(test_sweep_fake_budget_and_failure),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
