/* test_nfstune_state.c - what nfstune changes and how it puts it back, on
 * a copy of the fake guest tree: sunrpc slot tables, NFS read-ahead (BDI),
 * sysctls, IRQ affinity and RPS/XPS masks round-trip through apply and
 * restore; a failing last knob rolls every earlier one back; an apply
 * killed midway is found by its journal and restored; the journal's lines
 * encode and decode, and survive a line cut by a crash. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "tune_engine.h"
#include "tune_journal.h"
#include "tune_profile.h"
#include "tune_sysctl.h"

static char tmpdir[PATH_MAX], tree[PATH_MAX], src[PATH_MAX];

static int copy_cb(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	char dst[PATH_MAX];
	(void)f;
	snprintf(dst, sizeof(dst), "%s%s", tree, path + strlen(src));
	if (flag == FTW_D)
		return mkdir(dst, 0755) && errno != EEXIST;
	if (flag == FTW_SL) {
		char to[PATH_MAX];
		ssize_t n = readlink(path, to, sizeof(to) - 1);
		if (n < 0)
			return -1;
		to[n] = '\0';
		return symlink(to, dst);
	}
	if (flag != FTW_F)
		return 0;
	int in = open(path, O_RDONLY), out = open(dst, O_WRONLY | O_CREAT | O_TRUNC, st->st_mode & 0777);
	char buf[4096];
	ssize_t n;
	while (in >= 0 && out >= 0 && (n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			break;
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	return in < 0 || out < 0;
}

static int rm_cb(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(p);
}

/* A fresh writable copy of the guest tree for each test. */
static int setup(void **state)
{
	char rel[PATH_MAX];
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "%s/nfstune-state.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(tmpdir))
		return -1;
	snprintf(rel, sizeof(rel), "%s/guest16",
		 getenv("NFSTUNE_FIXTURES") ? getenv("NFSTUNE_FIXTURES") : "tests/fixtures/nfstune");
	if (!realpath(rel, src))
		return -1;
	snprintf(tree, sizeof(tree), "%s/tree", tmpdir);
	return nftw(src, copy_cb, 16, FTW_PHYS);
}

static int teardown(void **state)
{
	(void)state;
	return nftw(tmpdir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static const char *slurp(const char *rel)
{
	static char buf[8][256];
	static int n;
	char p[PATH_MAX];
	char *b = buf[n++ % 8];
	snprintf(p, sizeof(p), "%s%s", tree, rel);
	if (tune_read_file(p, b, 256))
		snprintf(b, 256, "<unreadable>");
	/* the kernel writes tcp_rmem with tabs; a copy keeps what we wrote */
	tune_squash_blanks(b);
	return b;
}

static const char *errors(const struct tune *t)
{
	static char buf[8192];
	size_t used = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < t->nerrs; i++)
		used += (size_t)snprintf(buf + used, sizeof(buf) - used, "%s\n", t->errs[i]);
	return buf;
}

static const char profile[] =
	"{\"sunrpc\": {\"tcp_slot_table_entries\": 128, \"tcp_max_slot_table_entries\": 256},\n"
	" \"sysctl\": {\"vm.dirty_ratio\": 10, \"net.ipv4.tcp_rmem\": [4096, 262144, 16777216]},\n"
	" \"interfaces\": {\"eth0\": {\"irq\": {\"strategy\": \"round-robin\", \"cpus\": \"2-5\"},\n"
	"                          \"rps_cpus\": \"0-3\", \"xps_cpus\": [\"0\", \"1\"]}},\n"
	" \"nfs\": {\"mounts\": {\"/mnt/data\": {\"read_ahead_kb\": 16384}, \"/mnt/my null\": {\"read_ahead_kb\": 1024}}}}\n";

/* The files the profile touches, as they are before anything runs. */
static const char *const watched[] = {
	"/proc/sys/sunrpc/tcp_slot_table_entries", "/proc/sys/sunrpc/tcp_max_slot_table_entries",
	"/proc/sys/vm/dirty_ratio", "/proc/sys/net/ipv4/tcp_rmem", "/proc/irq/25/smp_affinity_list",
	"/proc/irq/56/smp_affinity_list", "/sys/class/net/eth0/queues/rx-0/rps_cpus",
	"/sys/class/net/eth0/queues/rx-15/rps_cpus", "/sys/class/net/eth0/queues/tx-1/xps_cpus",
	"/sys/class/bdi/0:52/read_ahead_kb", "/sys/class/bdi/0:53/read_ahead_kb",
};
#define NWATCH (sizeof(watched) / sizeof(watched[0]))

static void snapshot(char (*out)[256])
{
	for (size_t i = 0; i < NWATCH; i++)
		snprintf(out[i], 256, "%s", slurp(watched[i]));
}

static void same_as(char (*before)[256])
{
	for (size_t i = 0; i < NWATCH; i++)
		if (strcmp(before[i], slurp(watched[i])))
			fail_msg("%s is '%s', was '%s'", watched[i], slurp(watched[i]), before[i]);
}

/* Build, validate and journal the profile's changes. */
static void prepare(struct tune *t, struct prof *p, struct knobs *ks, struct knobs *ch, struct journal *j)
{
	char path[PATH_MAX], state[PATH_MAX], err[512];
	tune_init(t);
	t->no_netlink = true;
	snprintf(t->root, sizeof(t->root), "%s", tree);
	snprintf(path, sizeof(path), "%s/p.json", tmpdir);
	write_file(path, profile);
	assert_int_equal(tune_prof_load(t, p, path), 0);
	if (tune_prof_build(t, p, ks) || tune_validate(t, ks))
		fail_msg("profile does not validate:\n%s", errors(t));
	knobs_sort(ks);
	memset(ch, 0, sizeof(*ch));
	for (size_t i = 0; i < ks->n; i++)
		if (tune_needs_change(&ks->v[i])) {
			struct knob *k = knobs_add(ch, ks->v[i].type, ks->v[i].obj, ks->v[i].name);
			assert_non_null(k);
			*k = ks->v[i];
		}
	snprintf(state, sizeof(state), "%s/state", tmpdir);
	if (tune_journal_create(j, state, path, t, ch, err, sizeof(err)))
		fail_msg("%s", err);
}

static void test_roundtrip(void **state)
{
	char before[NWATCH][256];
	struct tune t;
	struct prof p;
	struct knobs ks = {0}, ch;
	struct journal j;
	size_t failed;
	(void)state;

	snapshot(before);
	prepare(&t, &p, &ks, &ch, &j);
	/* 2 sunrpc + 2 sysctl + 32 IRQs + rps + 2 xps + 2 read-ahead */
	assert_int_equal(ch.n, 41);
	struct step *steps = calloc(ch.n, sizeof(*steps));
	if (tune_apply(&t, &j, 0, steps, &failed))
		fail_msg("apply failed at %s %s: %s", ch.v[failed].obj, ch.v[failed].name, steps[failed].msg);
	for (size_t i = 0; i < ch.n; i++)
		assert_int_equal(steps[i].result, STEP_OK);
	assert_string_equal(slurp("/proc/sys/sunrpc/tcp_slot_table_entries"), "128");
	assert_string_equal(slurp("/proc/sys/sunrpc/tcp_max_slot_table_entries"), "256");
	assert_string_equal(slurp("/proc/sys/vm/dirty_ratio"), "10");
	assert_string_equal(slurp("/proc/sys/net/ipv4/tcp_rmem"), "4096 262144 16777216");
	/* round robin over 2-5: queue 0 -> 2, queue 15 -> 5 */
	assert_string_equal(slurp("/proc/irq/25/smp_affinity_list"), "2");
	assert_string_equal(slurp("/proc/irq/26/smp_affinity_list"), "2");
	assert_string_equal(slurp("/proc/irq/56/smp_affinity_list"), "5");
	/* masks keep the file's width */
	assert_string_equal(slurp("/sys/class/net/eth0/queues/rx-15/rps_cpus"), "000f");
	assert_string_equal(slurp("/sys/class/net/eth0/queues/tx-1/xps_cpus"), "0002");
	assert_string_equal(slurp("/sys/class/bdi/0:52/read_ahead_kb"), "16384");
	assert_string_equal(slurp("/sys/class/bdi/0:53/read_ahead_kb"), "1024");

	/* nothing drifts now */
	for (size_t i = 0; i < ks.n; i++) {
		assert_int_equal(knob_read(&t, &ks.v[i]), 0);
		if (!knob_same(&ks.v[i], ks.v[i].cur, ks.v[i].want))
			fail_msg("%s %s drifted: %s", ks.v[i].obj, ks.v[i].name, ks.v[i].cur);
	}

	/* the journal on disk says applied, and restores everything */
	struct journal back;
	char err[512];
	assert_int_equal(tune_journal_load(&back, j.path, true, err, sizeof(err)), 0);
	assert_int_equal(tune_journal_status(&back), JS_APPLIED);
	assert_int_equal(back.items.n, ch.n);
	/* every file it names lies in the tree's /proc/sys, /sys or /proc/irq */
	assert_int_equal(tune_journal_check_items(&t, &back, err, sizeof(err)), 0);
	assert_int_equal(tune_restore(&t, &back, steps), 0);
	same_as(before);
	assert_int_equal(tune_journal_reverted(&back, true), 0);
	tune_journal_free(&back);
	assert_int_equal(tune_journal_load(&back, j.path, false, err, sizeof(err)), 0);
	assert_int_equal(tune_journal_status(&back), JS_REVERTED);
	tune_journal_free(&back);

	free(steps);
	tune_journal_free(&j);
	knobs_free(&ch);
	knobs_free(&ks);
	tune_prof_free(&p);
	tune_fini(&t);
}

/* The last knob fails: everything before it goes back, newest first. */
static void test_rollback(void **state)
{
	char before[NWATCH][256], bdi[PATH_MAX];
	struct tune t;
	struct prof p;
	struct knobs ks = {0}, ch;
	struct journal j;
	size_t failed;
	(void)state;

	snapshot(before);
	prepare(&t, &p, &ks, &ch, &j);
	/* the last knob (read-ahead of "/mnt/my null") becomes unwritable */
	assert_string_equal(ch.v[ch.n - 1].name, "read_ahead_kb");
	assert_string_equal(ch.v[ch.n - 1].obj, "/mnt/my null");
	snprintf(bdi, sizeof(bdi), "%s/sys/devices/virtual/bdi/0:53/read_ahead_kb", tree);
	assert_int_equal(unlink(bdi), 0);
	assert_int_equal(mkdir(bdi, 0755), 0);
	struct step *steps = calloc(ch.n, sizeof(*steps));
	assert_int_not_equal(tune_apply(&t, &j, 0, steps, &failed), 0);
	assert_int_equal(failed, ch.n - 1);
	assert_int_equal(steps[failed].result, STEP_FAILED);
	assert_non_null(strstr(steps[failed].msg, "Is a directory"));
	for (size_t i = 0; i < failed; i++)
		if (steps[i].result != STEP_RESTORED)
			fail_msg("%s %s: %s %s", ch.v[i].obj, ch.v[i].name, tune_step_result_name(steps[i].result), steps[i].msg);
	rmdir(bdi);
	write_file(bdi, before[NWATCH - 1]);
	same_as(before);
	struct journal back;
	char err[512];
	assert_int_equal(tune_journal_load(&back, j.path, false, err, sizeof(err)), 0);
	assert_int_equal(tune_journal_status(&back), JS_ROLLED_BACK);
	tune_journal_free(&back);

	free(steps);
	tune_journal_free(&j);
	knobs_free(&ch);
	knobs_free(&ks);
	tune_prof_free(&p);
	tune_fini(&t);
}

/* An apply dies after 5 changes: its journal says so, and restores them. */
static void test_interrupted(void **state)
{
	char before[NWATCH][256], path[PATH_MAX];
	(void)state;

	snapshot(before);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct tune t;
		struct prof p;
		struct knobs ks = {0}, ch;
		struct journal j;
		prepare(&t, &p, &ks, &ch, &j);
		for (size_t i = 0; i < 5; i++) {
			tune_journal_mark(&j, "begin", i);
			ch.v[i].type->apply(&t, &ch.v[i], ch.v[i].want);
			tune_journal_mark(&j, "done", i);
		}
		/* killed: no end record, nothing cleaned up */
		write_file("/dev/null", "");
		snprintf(path, sizeof(path), "%s/journal-path", tmpdir);
		write_file(path, j.path);
		_exit(0);
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	char jpath[PATH_MAX], err[512];
	snprintf(path, sizeof(path), "%s/journal-path", tmpdir);
	assert_int_equal(tune_read_file(path, jpath, sizeof(jpath)), 0);
	assert_string_not_equal(slurp("/proc/sys/sunrpc/tcp_slot_table_entries"), before[0]);

	struct journal j;
	assert_int_equal(tune_journal_load(&j, jpath, false, err, sizeof(err)), 0);
	assert_int_equal(tune_journal_status(&j), JS_INTERRUPTED);
	struct tune t;
	tune_init(&t);
	t.no_netlink = true;
	snprintf(t.root, sizeof(t.root), "%s", j.root);
	struct step *steps = calloc(j.items.n, sizeof(*steps));
	assert_int_equal(tune_restore(&t, &j, steps), 0);
	for (size_t i = 0; i < j.items.n; i++)
		assert_int_equal(steps[i].result, i < 5 ? STEP_RESTORED : STEP_SKIPPED);
	same_as(before);
	free(steps);
	tune_journal_free(&j);
	tune_fini(&t);

	/* the journal lists as interrupted until reverted */
	char **paths;
	size_t n;
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s/state", tmpdir);
	assert_int_equal(tune_journal_list(dir, &paths, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(paths[0], jpath);
	free(paths[0]);
	free(paths);
}

/* ------------------------------------------------------------------ */
/* Journal lines                                                        */

static void test_codec(void **state)
{
	static const struct {
		const struct knob_type *type;
		const char *obj, *name, *arg, *cur, *restore, *want;
		unsigned idx;
	} cases[] = {
		{&knob_sysctl, "sysctl", "net.ipv4.tcp_rmem", "/proc/sys/net/ipv4/tcp_rmem", "4096 131072 6291456", "",
		 "4096 262144 16777216", 0},
		{&knob_sysctl, "sysctl", "weird \"quoted\" \\ name", "/a b/c", "x\ty", "", "{\"json\":1}", 7},
		{&knob_sysctl, "/mnt/my null", "read_ahead_kb", "/sys/class/bdi/0:53/read_ahead_kb", "128", "", "1024",
		 UINT32_MAX},
	};
	char line[4096];
	(void)state;
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct knob k, d;
		size_t i;
		memset(&k, 0, sizeof(k));
		k.type = cases[c].type;
		snprintf(k.obj, sizeof(k.obj), "%s", cases[c].obj);
		snprintf(k.name, sizeof(k.name), "%s", cases[c].name);
		snprintf(k.arg, sizeof(k.arg), "%s", cases[c].arg);
		snprintf(k.cur, sizeof(k.cur), "%s", cases[c].cur);
		snprintf(k.want, sizeof(k.want), "%s", cases[c].want);
		k.idx = cases[c].idx;
		assert_int_equal(tune_journal_encode_item(&k, c, line, sizeof(line)), 0);
		assert_null(strchr(line, '\n'));
		assert_int_equal(tune_journal_decode_item(line, &d, &i), 0);
		assert_int_equal(i, c);
		assert_ptr_equal(d.type, k.type);
		assert_string_equal(d.obj, k.obj);
		assert_string_equal(d.name, k.name);
		assert_string_equal(d.arg, k.arg);
		assert_string_equal(d.cur, k.cur);
		assert_string_equal(d.restore, k.cur); /* no token: the value itself */
		assert_string_equal(d.want, k.want);
		assert_int_equal(d.idx, k.idx);
	}
	struct knob d;
	size_t i;
	assert_int_equal(tune_journal_decode_item("{\"item\":0,\"type\":\"nosuch\"}", &d, &i), EINVAL);
	assert_int_equal(tune_journal_decode_item("not json", &d, &i), EINVAL);
	assert_int_equal(tune_journal_decode_item("{\"item\":-1}", &d, &i), EINVAL);
}

static void test_truncated(void **state)
{
	char path[PATH_MAX], err[512], line[4096];
	struct knob k;
	struct journal j;
	(void)state;
	memset(&k, 0, sizeof(k));
	k.type = &knob_sysctl;
	snprintf(k.obj, sizeof(k.obj), "sysctl");
	snprintf(k.name, sizeof(k.name), "vm.dirty_ratio");
	snprintf(k.cur, sizeof(k.cur), "20");
	snprintf(k.want, sizeof(k.want), "10");
	assert_int_equal(tune_journal_encode_item(&k, 0, line, sizeof(line)), 0);
	snprintf(path, sizeof(path), "%s/cut.journal", tmpdir);
	FILE *f = fopen(path, "w");
	fprintf(f, "{\"journal\":\"nfstune/1\",\"profile\":\"p\",\"pid\":999999999,\"pid_start\":1,\"netns\":\"n\",\"root\":\"\"}\n"
		   "%s\n{\"ready\":1}\n{\"begin\":0}\n{\"do", line);
	fclose(f);
	assert_int_equal(tune_journal_load(&j, path, false, err, sizeof(err)), 0);
	assert_int_equal(j.state[0], J_BEGUN);
	assert_int_equal(tune_journal_status(&j), JS_INTERRUPTED);
	tune_journal_free(&j);

	/* a bad line in the middle is corruption, not a crash */
	f = fopen(path, "w");
	fprintf(f, "{\"journal\":\"nfstune/1\"}\ngarbage\n{\"ready\":0}\n");
	fclose(f);
	assert_int_equal(tune_journal_load(&j, path, false, err, sizeof(err)), EINVAL);
	assert_non_null(strstr(err, ":2: not a journal record"));
	tune_journal_free(&j);

	/* killed while writing the item list: nothing was changed */
	f = fopen(path, "w");
	fprintf(f, "{\"journal\":\"nfstune/1\",\"pid\":999999999}\n%s\n", line);
	fclose(f);
	assert_int_equal(tune_journal_load(&j, path, false, err, sizeof(err)), 0);
	assert_int_equal(tune_journal_status(&j), JS_EMPTY);
	tune_journal_free(&j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rollback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_interrupted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_codec, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncated, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
