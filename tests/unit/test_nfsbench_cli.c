/* test_nfsbench_cli.c - what nfsbench's results say about how they were
 * made: the NFS version in the results is the one the run used (report.c
 * wrote 3 for every run, NFSv4 runs too); quick mode's connections and
 * slots, chosen from the RPC size unless given, and said to be chosen. */
#include <json-c/json.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "nfsbench.h"
#include "nfsio.h"

/* nb_report's JSON for a run of nothing, made with NFS version vers */
static json_object *report_json(unsigned vers)
{
	static struct nb_config cfg;
	static struct nb_result res;
	memset(&cfg, 0, sizeof(cfg));
	memset(&res, 0, sizeof(res));
	cfg.json = true;
	cfg.url = "nfs://198.18.0.3/export";
	snprintf(cfg.server, sizeof(cfg.server), "198.18.0.3");
	snprintf(cfg.export, sizeof(cfg.export), "/export");
	cfg.bs = cfg.size = 4096;
	struct nb_profile *p = &cfg.prof;
	snprintf(p->fs.single, sizeof(p->fs.single), "nfsbench.0");
	p->ngroups = 1;
	snprintf(p->groups[0].name, sizeof(p->groups[0].name), "default");
	p->groups[0].threads = p->groups[0].connections = p->groups[0].slots = 1;
	cfg.conns_chosen = true; /* --slots given */
	cfg.chosen_for = 1 << 20;
	assert_int_equal(nfsio_set_version(vers), 0);

	FILE *tmp = tmpfile();
	assert_non_null(tmp);
	fflush(stdout);
	int saved = dup(1);
	assert_true(saved >= 0);
	assert_true(dup2(fileno(tmp), 1) >= 0);
	int rc = nb_report(&cfg, &res);
	fflush(stdout);
	assert_true(dup2(saved, 1) >= 0);
	close(saved);
	assert_int_equal(rc, 0);

	rewind(tmp);
	static char buf[1 << 20];
	size_t n = fread(buf, 1, sizeof(buf) - 1, tmp);
	fclose(tmp);
	buf[n] = 0;
	json_object *j = json_tokener_parse(buf);
	assert_non_null(j);
	nfsio_set_version(3);
	return j;
}

static void test_report_nfs_version(void **state)
{
	(void)state;
	for (unsigned vers = 3; vers <= 4; vers++) {
		json_object *j = report_json(vers), *cfg, *v;
		assert_true(json_object_object_get_ex(j, "config", &cfg));
		assert_true(json_object_object_get_ex(cfg, "nfs_version", &v));
		assert_int_equal(json_object_get_int(v), vers);
		json_object_put(j);
	}
}

/* The choice, and that a value given is kept with the other chosen
 * around it (the old defaults were 1 x 16 whatever the size: 1 MiB READs
 * then ran at half the link, README "Performance"). */
static void test_choose_concurrency(void **state)
{
	(void)state;
	static const struct {
		uint64_t rpc;
		long cpus;
		unsigned conns, slots; /* given (0: choose) */
		unsigned want_conns, want_slots;
	} cases[] = {
		{ 1u << 20, 2, 0, 0, 2, 1 },     /* 1 MiB in flight per connection, 2 on the path */
		{ 1u << 20, 1, 0, 0, 2, 1 },     /* 2 even on one CPU: one reply sent while one is read */
		{ 1u << 20, 16, 0, 0, 2, 1 },
		{ 512u << 10, 2, 0, 0, 2, 2 },
		{ 256u << 10, 2, 0, 0, 2, 4 },
		{ 64u << 10, 2, 0, 0, 2, 16 },
		{ 4096, 2, 0, 0, 2, 64 },        /* slots capped, connections one per CPU */
		{ 4096, 3, 0, 0, 3, 64 },
		{ 4096, 16, 0, 0, 4, 64 },       /* at most 4 */
		{ 4u << 20, 2, 0, 0, 2, 1 },     /* libnfs 4.0 sends these as 1 MiB RPCs */
		{ 3u << 20, 2, 0, 0, 2, 1 },
		{ 0, 2, 0, 0, 2, 64 },           /* no size: the smallest */
		{ 1, 2, 0, 0, 2, 64 },
		{ 1u << 20, 2, 1, 0, 1, 1 },     /* --connections 1 */
		{ 1u << 20, 2, 0, 4, 1, 4 },     /* --slots 4: 4 MiB on one connection already */
		{ 4096, 8, 0, 1, 4, 1 },         /* --slots 1: connections capped */
		{ 4096, 2, 8, 0, 8, 64 },        /* --connections 8 */
		{ 1u << 20, 2, 3, 5, 3, 5 },     /* both given: both kept */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned c = cases[i].conns, s = cases[i].slots;
		nb_choose_concurrency(cases[i].rpc, cases[i].cpus, &c, &s);
		if (c != cases[i].want_conns || s != cases[i].want_slots)
			fail_msg("case %zu (%llu bytes, %ld CPUs, given %u x %u): %u x %u, want %u x %u", i,
				 (unsigned long long)cases[i].rpc, cases[i].cpus, cases[i].conns, cases[i].slots, c, s,
				 cases[i].want_conns, cases[i].want_slots);
	}
}

/* nfsbench --check with argv's options: what it printed on stdout */
static void check_output(const char *const *opts, char *out, size_t len)
{
	char *argv[16] = { "nfsbench", "--check" };
	int argc = 2;
	for (; opts[argc - 2]; argc++)
		argv[argc] = (char *)opts[argc - 2];
	argv[argc] = NULL;
	FILE *tmp = tmpfile();
	assert_non_null(tmp);
	fflush(stdout);
	int saved = dup(1);
	assert_true(saved >= 0);
	assert_true(dup2(fileno(tmp), 1) >= 0);
	optind = 0; /* getopt starts over */
	int rc = nb_cli_main(argc, argv, NULL);
	fflush(stdout);
	assert_true(dup2(saved, 1) >= 0);
	close(saved);
	assert_int_equal(rc, 0);
	rewind(tmp);
	size_t n = fread(out, 1, len - 1, tmp);
	out[n] = 0;
	fclose(tmp);
}

/* The command line: the RPC size decides (--rsize over --bs, a write's
 * --wsize), options given win and are not called chosen. */
static void test_cli_chosen(void **state)
{
	(void)state;
	static const struct {
		const char *opts[8];
		const char *want;
	} cases[] = {
		{ { "--bs", "1m", NULL }, "2 connections (chosen) x 1 slot (chosen)" },
		{ { "--bs", "4k", "--rw", "randread", "--connections", "2", NULL }, "2 connections x 64 slots (chosen)" },
		{ { "--bs", "1m", "--rsize", "64k", NULL }, "2 connections (chosen) x 16 slots (chosen)" },
		{ { "--bs", "1m", "--rw", "write", "--wsize", "256k", NULL }, "2 connections (chosen) x 4 slots (chosen)" },
		{ { "--bs", "1m", "--connections", "1", NULL }, "1 connections x 1 slot (chosen)" },
		{ { "--bs", "1m", "--slots", "16", NULL }, "1 connections (chosen) x 16 slots," },
		{ { "--bs", "4k", "--connections", "2", "--slots", "8", NULL }, "2 connections x 8 slots," },
	};
	char out[1024];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		check_output(cases[i].opts, out, sizeof(out));
		if (!strstr(out, cases[i].want))
			fail_msg("case %zu: '%s' lacks '%s'", i, out, cases[i].want);
	}
}

/* The results name the chosen values and what they were chosen for. */
static void test_report_chosen(void **state)
{
	(void)state;
	json_object *j = report_json(3), *cfg, *v;
	assert_true(json_object_object_get_ex(j, "config", &cfg));
	assert_true(json_object_object_get_ex(cfg, "connections_chosen", &v));
	assert_true(json_object_get_boolean(v));
	assert_true(json_object_object_get_ex(cfg, "slots_chosen", &v));
	assert_false(json_object_get_boolean(v));
	assert_true(json_object_object_get_ex(cfg, "chosen_for_rpc_bytes", &v));
	assert_int_equal(json_object_get_int64(v), 1 << 20);
	json_object_put(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_report_nfs_version),
		cmocka_unit_test(test_choose_concurrency),
		cmocka_unit_test(test_cli_chosen),
		cmocka_unit_test(test_report_chosen),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
