/* test_nfscap_attr.c - `nfscap attribute` on synthetic numbers: the clock
 * offset estimator (constant offset, drift, queueing in one direction, few
 * windows, no samples) and the share arithmetic (the telescoping sum from
 * the call's first or last byte, merged shares when points are missing,
 * invariance under clock shifts). */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../capture/attr.h"

#define US 1000ll
#define MS 1000000ll
#define S 1000000000ll
#define T0 1795666733000000000ll

/* A deterministic spread of extra delay: mostly small, now and then large,
 * never negative (delays only add). */
static uint64_t rng = 88172645463325252ull;
static int64_t jitter(int64_t scale)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	double u = (double)(rng >> 11) / 9007199254740992.0;
	return (int64_t)(-log(1 - u) * (double)scale);
}

struct est_case {
	const char *what;
	int64_t seconds, theta, dfwd, drev;
	double drift;
	int64_t queue;         /* added to forward delays... */
	int clean_windows;     /* ...except in the first and last N seconds */
	int method;
	int64_t tol;           /* on theta at tref */
};

static const struct est_case est_cases[] = {
	{"constant +13.7 ms, symmetric", 10, 13700 * US, 20 * US, 20 * US, 0, 0, 0, AT_OFF_HULL, 1 * US},
	{"constant -4.2 ms, asymmetric by 6 us", 10, -4200 * US, 17 * US, 23 * US, 0, 0, 0, AT_OFF_HULL, 4 * US},
	{"drift 50 ppm", 20, 5 * MS, 20 * US, 20 * US, 50e-6, 0, 0, AT_OFF_HULL, 2 * US},
	{"forward queue of 5 ms but at start and end", 10, 13700 * US, 20 * US, 20 * US, 0, 5 * MS, 1, AT_OFF_HULL, 2 * US},
	{"two seconds: global minima", 2, 13700 * US, 20 * US, 20 * US, 0, 0, 0, AT_OFF_MIN, 1 * US},
};

static void test_est_table(void **state)
{
	(void)state;
	for (unsigned c = 0; c < sizeof(est_cases) / sizeof(est_cases[0]); c++) {
		const struct est_case *k = &est_cases[c];
		struct at_est e;
		struct at_clock clk;
		int64_t t1 = T0 + k->seconds * S;
		assert_int_equal(at_est_init(&e, T0, t1), 0);
		for (int64_t t = T0; t < t1; t += 500 * US) {
			int64_t theta = k->theta + (int64_t)(k->drift * (double)(t - T0));
			int64_t q = 0;
			if (k->queue && t >= T0 + k->clean_windows * S && t < t1 - k->clean_windows * S)
				q = k->queue + jitter(100 * US);
			at_est_add(&e, t, k->dfwd + jitter(30 * US) + q + theta, k->drev + jitter(30 * US) - theta);
		}
		assert_int_equal(at_est_fit(&e, &clk), 0);
		int64_t truth = k->theta + (int64_t)(k->drift * (double)(clk.tref - T0));
		int64_t err = llabs(clk.theta_ns - truth);
		print_message("# %-45s theta %+lld ns (truth %+lld) +- %lld, drift %.2f ppm, method %s\n", k->what,
			      (long long)clk.theta_ns, (long long)truth, (long long)clk.unc_ns, clk.drift * 1e6,
			      at_off_method_names[clk.method]);
		assert_int_equal(clk.method, k->method);
		assert_true(err <= k->tol);
		/* the truth lies within the bound whenever delays are >= 0 */
		assert_true(err <= clk.unc_ns);
		assert_true(fabs(clk.drift - k->drift) < 1e-6);
		at_est_free(&e);
	}
}

static void test_est_empty(void **state)
{
	(void)state;
	struct at_est e;
	struct at_clock c;
	assert_int_equal(at_est_init(&e, T0, T0), 0);
	assert_int_equal(at_est_fit(&e, &c), ENOENT);
	at_est_free(&e);
}

/* Delays are queueing-free but the forward queue never empties: the drift
 * fit would follow the queue, so a fitted drift beyond any clock's is
 * refused and the global minima stand. */
static void test_est_refuses_queue_slope(void **state)
{
	(void)state;
	struct at_est e;
	struct at_clock c;
	assert_int_equal(at_est_init(&e, T0, T0 + 10 * S), 0);
	for (int64_t t = T0; t < T0 + 10 * S; t += MS)
		at_est_add(&e, t, 20 * US + (t - T0) / 1000, 20 * US); /* queue grows 1 ms/s */
	assert_int_equal(at_est_fit(&e, &c), 0);
	assert_int_equal(c.method, AT_OFF_MIN);
	assert_int_equal(c.theta_ns, 0);
	at_est_free(&e);
}

/* One RPC as seen at every point: app issue 0 .. completion 1000 us, each
 * point further out sees a shorter exchange. Exchanges: app 1000, guest
 * 800, host-in 700, host-out 600, storage 400 (us); from the call's last
 * byte (srt): guest 780, host-in 680, host-out 570, storage 350. */
static void base_times(int64_t t[AT_NPT][AT_NT])
{
	static const int64_t v[AT_NPT][AT_NT] = {
		/* call_first, reply_first, reply_last, call_last */
		{0, 1000, 1000, 0}, {100, 880, 900, 120}, {150, 840, 850, 170}, {200, 790, 800, 230}, {300, 690, 700, 350},
	};
	for (int p = 0; p < AT_NPT; p++)
		for (int i = 0; i < AT_NT; i++)
			t[p][i] = T0 + v[p][i] * US;
}

#define A (1u << AT_APP)
#define G (1u << AT_GUEST)
#define HI (1u << AT_HIN)
#define HO (1u << AT_HOUT)
#define ST (1u << AT_STOR)

struct split_case {
	const char *what;
	unsigned mask;
	int64_t total;
	int8_t grp[AT_NSH];
	int64_t v[AT_NSH];     /* at the group's first share, us */
	const char *names;     /* group names, space separated */
};

static const struct split_case split_cases[] = {
	{"all points", A | G | HI | HO | ST, 1000, {0, 1, 2, 3}, {200, 200, 200, 400}, "guest host wire server"},
	{"no host-in", A | G | HO | ST, 1000, {0, 1, 2, 3}, {200, 200, 200, 400}, "guest host wire server"},
	{"no storage: wire+server", A | G | HI | HO, 1000, {0, 1, 2, 2}, {200, 200, 600, 0}, "guest host wire+server"},
	{"no guest: guest+host", A | HI | HO | ST, 1000, {0, 0, 2, 3}, {400, 0, 200, 400}, "guest+host wire server"},
	{"no app: guest not measured", G | HI | HO | ST, 800, {-1, 1, 2, 3}, {0, 200, 200, 400}, "host wire server"},
	{"storage only", ST, 400, {-1, -1, -1, 3}, {0, 0, 0, 400}, "server"},
	{"app and storage", A | ST, 1000, {0, 0, 0, 3}, {600, 0, 0, 400}, "guest+host+wire server"},
	{"guest and host-out", G | HO, 800, {-1, 1, 2, 2}, {0, 200, 600, 0}, "host wire+server"},
};

static void test_split_table(void **state)
{
	(void)state;
	int64_t t[AT_NPT][AT_NT];
	struct at_clock clk[AT_NPT];
	memset(clk, 0, sizeof(clk));
	base_times(t);
	for (unsigned c = 0; c < sizeof(split_cases) / sizeof(split_cases[0]); c++) {
		const struct split_case *k = &split_cases[c];
		struct at_split s;
		int8_t g[AT_NSH];
		char names[128] = "", b[48];
		print_message("# %s\n", k->what);
		assert_int_equal(at_split(t, k->mask, clk, false, &s), 0);
		assert_int_equal(s.total, k->total * US);
		int64_t sum = 0;
		for (int i = 0; i < AT_NSH; i++) {
			assert_int_equal(s.grp[i], k->grp[i]);
			if (s.grp[i] == i) {
				assert_int_equal(s.v[i], k->v[i] * US);
				sum += s.v[i];
				size_t n = strlen(names);
				snprintf(names + n, sizeof(names) - n, "%s%s", n ? " " : "",
					 at_group_name(s.grp, (unsigned)i, b, sizeof(b)));
			}
		}
		assert_int_equal(sum, s.total);
		assert_string_equal(names, k->names);
		at_groups(k->mask, g);
		assert_memory_equal(g, s.grp, sizeof(g));
	}
	/* host-in splits the host share */
	struct at_split s;
	assert_int_equal(at_split(t, A | G | HI | HO | ST, clk, false, &s), 0);
	assert_true(s.has_sub);
	assert_int_equal(s.host_vnet, 100 * US);
	assert_int_equal(s.host_bridge, 100 * US);
	assert_int_equal(s.host_vnet + s.host_bridge, s.v[AT_S_HOST]);
}

/* Following the call's last byte: the same total, the call's spreading
 * (20, 20, 30, 50 us more at each point out) stays where it grew. */
static void test_split_by_last(void **state)
{
	(void)state;
	int64_t t[AT_NPT][AT_NT];
	struct at_clock clk[AT_NPT];
	struct at_split s;
	static const int64_t want[AT_NSH] = {220, 210, 220, 350};
	memset(clk, 0, sizeof(clk));
	base_times(t);
	assert_int_equal(at_split(t, A | G | HI | HO | ST, clk, true, &s), 0);
	assert_int_equal(s.total, 1000 * US);
	for (int i = 0; i < AT_NSH; i++)
		assert_int_equal(s.v[i], want[i] * US);
	assert_int_equal(s.host_vnet, 100 * US);
	assert_int_equal(s.host_bridge, 110 * US);
	/* no app: the guest's exchange is the total and the host share starts there */
	assert_int_equal(at_split(t, G | HI | HO | ST, clk, true, &s), 0);
	assert_int_equal(s.total, 800 * US);
	assert_int_equal(s.v[AT_S_HOST], 230 * US);
	assert_int_equal(s.v[AT_S_HOST] + s.v[AT_S_WIRE] + s.v[AT_S_SERVER], s.total);
	assert_int_equal(s.host_vnet + s.host_bridge, s.v[AT_S_HOST]);
}

/* Shift the host's clock by -4.2 ms and the storage's by +13.7 ms with a
 * 30 ppm drift: with the clocks given, every share is as before to the
 * nanosecond (the drift to within rounding). */
static void test_split_clock_shift(void **state)
{
	(void)state;
	int64_t t[AT_NPT][AT_NT], u[AT_NPT][AT_NT];
	struct at_clock none[AT_NPT], clk[AT_NPT];
	struct at_split a, b;
	memset(none, 0, sizeof(none));
	memset(clk, 0, sizeof(clk));
	base_times(t);
	memcpy(u, t, sizeof(t));
	clk[AT_HIN].theta_ns = clk[AT_HOUT].theta_ns = -4200 * US;
	clk[AT_STOR].theta_ns = 13700 * US;
	clk[AT_STOR].drift = 30e-6;
	clk[AT_STOR].tref = T0;
	for (int p = AT_HIN; p < AT_NPT; p++)
		for (int i = 0; i < AT_NT; i++)
			u[p][i] = t[p][i] + (p == AT_STOR ? 13700 * US + (int64_t)(30e-6 * (double)(t[p][i] - T0))
							  : -4200 * US);
	for (int last = 0; last < 2; last++) {
		assert_int_equal(at_split(t, A | G | HI | HO | ST, none, last, &a), 0);
		assert_int_equal(at_split(u, A | G | HI | HO | ST, clk, last, &b), 0);
		assert_int_equal(a.total, b.total);
		for (int i = 0; i < AT_NSH; i++)
			assert_true(llabs(a.v[i] - b.v[i]) <= 2);
	}
	/* without correcting the drift, the server share is off by 30 ppm of it */
	clk[AT_STOR].drift = 0;
	assert_int_equal(at_split(t, A | G | HI | HO | ST, none, false, &a), 0);
	assert_int_equal(at_split(u, A | G | HI | HO | ST, clk, false, &b), 0);
	assert_true(llabs(b.v[AT_S_SERVER] - a.v[AT_S_SERVER]) >= 10);
}

static void test_points(void **state)
{
	(void)state;
	assert_int_equal(at_point_index("guest"), AT_GUEST);
	assert_int_equal(at_point_index("host-in"), AT_HIN);
	assert_int_equal(at_point_index("host-out"), AT_HOUT);
	assert_int_equal(at_point_index("storage"), AT_STOR);
	assert_int_equal(at_point_index("wire"), -1);
	struct at_split s;
	int64_t t[AT_NPT][AT_NT] = {{0}};
	struct at_clock clk[AT_NPT];
	memset(clk, 0, sizeof(clk));
	assert_int_equal(at_split(t, 0, clk, true, &s), ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_est_table),
		cmocka_unit_test(test_est_empty),
		cmocka_unit_test(test_est_refuses_queue_slope),
		cmocka_unit_test(test_split_table),
		cmocka_unit_test(test_split_by_last),
		cmocka_unit_test(test_split_clock_shift),
		cmocka_unit_test(test_points),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
