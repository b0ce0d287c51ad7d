/* test_nfsbench_cli.c - what nfsbench's results say about how they were
 * made: the NFS version in the results is the one the run used (report.c
 * wrote 3 for every run, NFSv4 runs too). */
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_report_nfs_version),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
