/* test_nfstune_trust.c - what nfstune (root) believes (issue 17): the
 * file-trust check of lib/trust.c on real files, FIFOs, symbolic links and
 * directories (owner and mode rules, each directory on the way, the sticky
 * bit, links followed only inside trusted directories, executables found in
 * PATH, output files never written through a link); journals read in bounded time and memory with every member of its
 * type; journal items that name files outside /proc/sys, /sys and /proc/irq;
 * host-wide sysctls refused in another network namespace. Rows that need
 * another owner (chown to nobody) run only as root, as CI does. */
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
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "trust.h"
#include "tune_journal.h"
#include "tune_profile.h"
#include "tune_sysctl.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define NOBODY 65534

static char tmpdir[PATH_MAX];

static int rm_cb(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(p);
}

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "%s/nfstune-trust.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	return nftw(tmpdir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

static const char *at(const char *rel)
{
	static char buf[8][PATH_MAX];
	static int n;
	char *b = buf[n++ % 8];
	snprintf(b, PATH_MAX, "%s/%s", tmpdir, rel);
	return b;
}

static void put(const char *rel, const char *text, mode_t mode)
{
	FILE *f = fopen(at(rel), "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(at(rel), mode), 0);
}

static void dir(const char *rel, mode_t mode)
{
	assert_int_equal(mkdir(at(rel), 0700), 0);
	assert_int_equal(chmod(at(rel), mode), 0);
}

/* Open rel with trust_open: NULL when accepted, else the error. */
static const char *try_open(const char *rel)
{
	static char err[1024];
	int fd = trust_open(at(rel), O_RDONLY, err, sizeof(err));
	if (fd >= 0) {
		close(fd);
		return NULL;
	}
	return err;
}

static void expect(const char *rel, const char *want)
{
	const char *got = try_open(rel);
	if (!want && got)
		fail_msg("%s refused: %s", rel, got);
	if (want && (!got || !strstr(got, want)))
		fail_msg("%s: wanted an error with '%s', got %s", rel, want, got ? got : "accepted");
}

static void test_files(void **state)
{
	(void)state;
	put("ok.json", "{}", 0644);
	expect("ok.json", NULL);
	put("ww.json", "{}", 0666);
	expect("ww.json", "ww.json: writable by everyone (mode 0666)");
	put("gw.json", "{}", 0664);
	expect("gw.json", "gw.json: writable by its group (mode 0664)");
	/* a FIFO is refused at once, not waited on */
	assert_int_equal(mkfifo(at("fifo"), 0600), 0);
	expect("fifo", "fifo: not a regular file");
	/* a link is never followed as the last component, even to a good file */
	assert_int_equal(symlink(at("ok.json"), at("link.json")), 0);
	expect("link.json", "link.json: a symbolic link");
	expect("missing.json", "No such file or directory");
	/* "ok.json/" is a directory's name to the kernel, and to us */
	expect("ok.json/", "ends in '/', not in a file name");
	char out[PATH_MAX], err[256];
	assert_int_equal(trust_exec_path("/bin/sh/", out, sizeof(out), err, sizeof(err)), ENOTDIR);
	if (geteuid() == 0) {
		put("nobody.json", "{}", 0644);
		assert_int_equal(chown(at("nobody.json"), NOBODY, NOBODY), 0);
		expect("nobody.json", "owned by uid 65534, not root");
	}
}

/* trust_create on rel: NULL when it opened, else the error. */
static const char *try_create(const char *rel)
{
	static char err[1024];
	int fd = trust_create(at(rel), err, sizeof(err));
	if (fd < 0)
		return err;
	assert_int_equal(write(fd, "new", 3), 3);
	close(fd);
	return NULL;
}

/* An output file root writes (sweep --html): never the file behind a link. */
static void test_create(void **state)
{
	char buf[64] = "";
	(void)state;
	put("victim", "root's data", 0644);
	assert_null(try_create("out.html"));
	put("old.html", "an older, longer report", 0644);
	assert_null(try_create("old.html"));
	FILE *f = fopen(at("old.html"), "r");
	assert_non_null(f);
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	assert_string_equal(buf, "new");
	assert_int_equal(symlink(at("victim"), at("link.html")), 0);
	assert_non_null(strstr(try_create("link.html"), "a symbolic link"));
	assert_int_equal(link(at("victim"), at("hard.html")), 0);
	assert_non_null(strstr(try_create("hard.html"), "has 2 names (a hard link)"));
	dir("open", 0777);
	assert_non_null(strstr(try_create("open/out.html"), "open: directory writable by everyone"));
	assert_int_equal(mkfifo(at("fifo.html"), 0600), 0);
	assert_non_null(try_create("fifo.html"));
	f = fopen(at("victim"), "r");
	assert_non_null(f);
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	assert_string_equal(buf, "root's data");
}

static void test_dirs(void **state)
{
	(void)state;
	/* no sticky bit: the file can be swapped */
	dir("open", 0777);
	put("open/p.json", "{}", 0644);
	expect("open/p.json", "open: directory writable by everyone (mode 0777) without the sticky bit");
	dir("open/deeper", 0755);
	put("open/deeper/p.json", "{}", 0644);
	expect("open/deeper/p.json", "open: directory writable by everyone");
	dir("group", 0775);
	put("group/p.json", "{}", 0644);
	expect("group/p.json", "group: directory writable by its group (mode 0775)");
	/* sticky, as /tmp: others cannot replace our file */
	dir("sticky", 01777);
	put("sticky/p.json", "{}", 0644);
	expect("sticky/p.json", NULL);
	/* ... but a second name there may be anyone's hard link to root's file */
	put("real-p.json", "{}", 0644);
	assert_int_equal(link(at("real-p.json"), at("sticky/hard.json")), 0);
	expect("sticky/hard.json", "has 2 names in a directory anyone can write (a hard link)");
	expect("real-p.json", NULL);
	char xout[PATH_MAX], xerr[512];
	put("real-bench", "#!/bin/sh\n", 0755);
	assert_int_equal(link(at("real-bench"), at("sticky/hard-bench")), 0);
	assert_int_not_equal(trust_exec_path(at("sticky/hard-bench"), xout, sizeof(xout), xerr, sizeof(xerr)), 0);
	assert_non_null(strstr(xerr, "has 2 names in a directory anyone can write"));
	/* a link on the way is followed when the directory holding it is
	 * trusted, and its target is checked the same way */
	dir("real", 0755);
	put("real/p.json", "{}", 0644);
	assert_int_equal(symlink("real", at("via")), 0);
	expect("via/p.json", NULL);
	assert_int_equal(symlink("open", at("via-open")), 0);
	expect("via-open/p.json", "open: directory writable by everyone");
	/* ... and refused when anyone could have put the link there */
	assert_int_equal(symlink("../real", at("open/swapped")), 0);
	expect("open/swapped/p.json", "open: directory writable by everyone");
	if (geteuid() == 0) {
		dir("theirs", 0755);
		put("theirs/p.json", "{}", 0644);
		assert_int_equal(chown(at("theirs"), NOBODY, NOBODY), 0);
		expect("theirs/p.json", "theirs: owned by uid 65534, not root");
		/* anyone may put a link in a sticky directory: one that is not
		 * root's would let them choose which of root's files is read
		 * (the kernel's protected_symlinks rule, which readlinkat skips) */
		assert_int_equal(symlink("../real", at("sticky/planted")), 0);
		assert_int_equal(lchown(at("sticky/planted"), NOBODY, NOBODY), 0);
		expect("sticky/planted/p.json", "sticky/planted: a symbolic link owned by uid 65534, not root");
		char out[PATH_MAX], e2[512];
		put("real/bench", "#!/bin/sh\n", 0755);
		assert_int_equal(symlink("../real/bench", at("sticky/bench")), 0);
		assert_int_equal(lchown(at("sticky/bench"), NOBODY, NOBODY), 0);
		assert_int_not_equal(trust_exec_path(at("sticky/bench"), out, sizeof(out), e2, sizeof(e2)), 0);
		assert_non_null(strstr(e2, "owned by uid 65534"));
	}
	/* relative names are walked from / through the working directory */
	char cwd[PATH_MAX], err[512];
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(at("open")), 0);
	int fd = trust_open("p.json", O_RDONLY, err, sizeof(err));
	assert_int_equal(chdir(cwd), 0);
	assert_true(fd < 0);
	assert_non_null(strstr(err, "open: directory writable by everyone"));

	/* a name longer than the walk's buffer is refused, not cut short to
	 * another file's name ("p.json" of ".../././p.jsonx") */
	char lng[3 * PATH_MAX];
	size_t ln = (size_t)snprintf(lng, sizeof(lng), "%s/real", tmpdir);
	size_t to = 2 * PATH_MAX - 1 - strlen("/p.json");
	while (ln + 2 <= to)
		ln += (size_t)snprintf(lng + ln, sizeof(lng) - ln, "/.");
	if (ln < to)
		ln += (size_t)snprintf(lng + ln, sizeof(lng) - ln, "/");
	snprintf(lng + ln, sizeof(lng) - ln, "/p.jsonxxxxxxxx");
	fd = trust_open(lng, O_RDONLY, err, sizeof(err));
	if (fd >= 0)
		close(fd);
	assert_int_equal(fd, -ENAMETOOLONG);

	/* a state directory must not be writable by others even when sticky */
	fd = trust_open_dir(at("sticky"), false, err, sizeof(err));
	assert_true(fd < 0);
	assert_non_null(strstr(err, "sticky: directory writable by everyone (mode 1777)"));
	fd = trust_open_dir(at("new"), true, err, sizeof(err));
	assert_true(fd >= 0);
	close(fd);
	struct stat st;
	assert_int_equal(stat(at("new"), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_int_equal(symlink("new", at("new-link")), 0);
	fd = trust_open_dir(at("new-link"), true, err, sizeof(err));
	assert_true(fd < 0);
	assert_non_null(strstr(err, "a symbolic link"));
}

static void test_exec(void **state)
{
	char out[PATH_MAX], err[1024];
	(void)state;
	/* found in PATH as execvp finds it, links resolved inside root's trees */
	assert_int_equal(trust_exec_path("true", out, sizeof(out), err, sizeof(err)), 0);
	assert_true(out[0] == '/');
	assert_int_equal(access(out, X_OK), 0);
	assert_int_equal(trust_exec_path("/bin/sh", out, sizeof(out), err, sizeof(err)), 0);
	assert_int_equal(trust_exec_path("no-such-program-here", out, sizeof(out), err, sizeof(err)), ENOENT);
	assert_non_null(strstr(err, "not found in PATH"));

	dir("bin", 0755);
	put("bin/bench", "#!/bin/sh\n", 0755);
	assert_int_equal(trust_exec_path(at("bin/bench"), out, sizeof(out), err, sizeof(err)), 0);
	put("bin/plain", "#!/bin/sh\n", 0644);
	assert_int_not_equal(trust_exec_path(at("bin/plain"), out, sizeof(out), err, sizeof(err)), 0);
	assert_non_null(strstr(err, "not executable"));
	put("bin/ww", "#!/bin/sh\n", 0777);
	assert_int_not_equal(trust_exec_path(at("bin/ww"), out, sizeof(out), err, sizeof(err)), 0);
	assert_non_null(strstr(err, "writable by everyone (mode 0777)"));
	/* a link to it is followed (it lies in a trusted directory) */
	assert_int_equal(symlink("bench", at("bin/alias")), 0);
	assert_int_equal(trust_exec_path(at("bin/alias"), out, sizeof(out), err, sizeof(err)), 0);
	assert_non_null(strstr(out, "/bin/bench"));
	dir("wbin", 0777);
	put("wbin/bench", "#!/bin/sh\n", 0755);
	assert_int_not_equal(trust_exec_path(at("wbin/bench"), out, sizeof(out), err, sizeof(err)), 0);
	assert_non_null(strstr(err, "wbin: directory writable by everyone"));
	if (geteuid() == 0) {
		assert_int_equal(chown(at("bin/bench"), NOBODY, NOBODY), 0);
		assert_int_not_equal(trust_exec_path(at("bin/bench"), out, sizeof(out), err, sizeof(err)), 0);
		assert_non_null(strstr(err, "owned by uid 65534, not root"));
	}
}

#define HEAD "{\"journal\":\"nfstune/1\",\"profile\":\"p\",\"pid\":999999999,\"pid_start\":1,\"netns\":\"n\",\"root\":\"\"}\n"

static int load(const char *text, char *err, size_t len)
{
	struct journal j;
	put("j.journal", text, 0600);
	int rc = tune_journal_load(&j, at("j.journal"), false, err, len);
	tune_journal_free(&j);
	return rc;
}

/* A script's #! interpreter runs as root too: checked as the script is. */
static void test_exec_interp(void **state)
{
	char out[PATH_MAX], err[1024], text[PATH_MAX + 16];
	(void)state;
	dir("bin", 0755);
	dir("wbin", 0777);
	put("wbin/interp", "#!/bin/sh\n", 0755);
	snprintf(text, sizeof(text), "#! %s -e\nexit 0\n", at("wbin/interp"));
	put("bin/via-ww", text, 0755);
	assert_int_equal(trust_exec_path(at("bin/via-ww"), out, sizeof(out), err, sizeof(err)), EPERM);
	assert_non_null(strstr(err, "its #! interpreter"));
	assert_non_null(strstr(err, "wbin: directory writable by everyone"));
	put("bin/relative", "#!sh\n", 0755);
	assert_int_equal(trust_exec_path(at("bin/relative"), out, sizeof(out), err, sizeof(err)), EPERM);
	assert_non_null(strstr(err, "'sh' is not an absolute path"));
	/* a chain of trusted scripts is followed as deep as the kernel does */
	put("bin/i0", "#!/bin/sh\n", 0755);
	for (int i = 1; i <= 5; i++) {
		char name[16], prev[16];
		snprintf(name, sizeof(name), "bin/i%d", i);
		snprintf(prev, sizeof(prev), "bin/i%d", i - 1);
		snprintf(text, sizeof(text), "#!%s\n", at(prev));
		put(name, text, 0755);
	}
	assert_int_equal(trust_exec_path(at("bin/i3"), out, sizeof(out), err, sizeof(err)), 0);
	assert_int_equal(trust_exec_path(at("bin/i5"), out, sizeof(out), err, sizeof(err)), ELOOP);
	assert_non_null(strstr(err, "more than 4 #! interpreters"));
	/* a #! line with nothing after it names no interpreter */
	put("bin/bare", "#!\n", 0755);
	assert_int_equal(trust_exec_path(at("bin/bare"), out, sizeof(out), err, sizeof(err)), EPERM);
}

/* The PATH a benchmark searches: root's directories only, in order. */
static void test_path_filter(void **state)
{
	char path[4 * PATH_MAX], out[4 * PATH_MAX], dropped[4 * PATH_MAX], want[2 * PATH_MAX];
	(void)state;
	dir("bin", 0755);
	dir("wbin", 0777);
	dir("sticky", 01777);
	snprintf(path, sizeof(path), "/usr/bin:%s::rel/bin:%s:/no/such/dir:%s:.", at("wbin"), at("sticky"), at("bin"));
	assert_int_equal(trust_path_filter(path, out, sizeof(out), dropped, sizeof(dropped)), 0);
	snprintf(want, sizeof(want), "/usr/bin:%s", at("bin"));
	assert_string_equal(out, want);
	snprintf(want, sizeof(want), "%s . rel/bin %s .", at("wbin"), at("sticky"));
	assert_string_equal(dropped, want);
	assert_int_equal(trust_path_filter("/usr/bin:/bin", out, sizeof(out), NULL, 0), 0);
	assert_string_equal(out, "/usr/bin:/bin");
	assert_int_equal(trust_path_filter("/usr/bin:/bin", out, 8, NULL, 0), ENAMETOOLONG);
}

static void test_journal_types(void **state)
{
	static const struct {
		const char *text, *err;
	} bad[] = {
		{HEAD "{\"ready\":0}\n{\"ready\":0}\n", ":3: a second ready record"},
		{HEAD "{\"ready\":\"0\"}\n", ":2: ready must be a number"},
		{HEAD "{\"ready\":0.5}\n", ":2: ready must be a number"},
		{HEAD "{\"ready\":0}\n{\"begin\":\"0\"}\n", ":3: bad progress record"},
		{HEAD "{\"ready\":0}\n{\"end\":1}\n", ":3: end must be"},
		{HEAD "{\"ready\":0}\n{\"end\":\"whatever\"}\n", ":3: end must be"},
		{HEAD "{\"ready\":0}\n{\"reverted\":1,\"ok\":true}\n", ":3: bad reverted record"},
		{HEAD "{\"ready\":0}\n{\"reverted\":\"t\",\"ok\":\"yes\"}\n", ":3: bad reverted record"},
		{HEAD "{\"ready\":0}\n{\"nonsense\":1}\n", ":3: not a journal record"},
		{"{\"journal\":\"nfstune/1\",\"pid\":\"1\"}\n", ":1: header: bad pid"},
		{"{\"journal\":\"nfstune/1\",\"pid_start\":-1}\n", ":1: header: bad pid_start"},
		{"{\"journal\":\"nfstune/1\",\"profile\":5}\n", ":1: header: bad profile"},
		{"{\"journal\":1}\n", "not an nfstune journal"},
	};
	char err[1024];
	(void)state;
	for (size_t i = 0; i < N(bad); i++) {
		err[0] = '\0';
		if (load(bad[i].text, err, sizeof(err)) != EINVAL || !strstr(err, bad[i].err))
			fail_msg("row %zu: wanted EINVAL and '%s', got '%s'", i, bad[i].err, err);
	}
	/* the good forms still load */
	assert_int_equal(load(HEAD "{\"ready\":0}\n{\"end\":\"applied\"}\n{\"reverted\":\"t\",\"ok\":true}\n", err,
			      sizeof(err)), 0);
}

/* A 50 MB line is refused after its first 64 KiB: bounded memory. */
static void test_journal_huge_line(void **state)
{
	char err[1024];
	struct rusage before, after;
	(void)state;
	FILE *f = fopen(at("big.journal"), "w");
	assert_non_null(f);
	fputs(HEAD "{\"item\":\"", f);
	static char chunk[1 << 16];
	memset(chunk, 'a', sizeof(chunk));
	for (size_t n = 0; n < (50u << 20); n += sizeof(chunk))
		assert_int_equal(fwrite(chunk, 1, sizeof(chunk), f), sizeof(chunk));
	fputs("\"}\n", f);
	fclose(f);
	assert_int_equal(getrusage(RUSAGE_SELF, &before), 0);
	struct journal j;
	assert_int_equal(tune_journal_load(&j, at("big.journal"), false, err, sizeof(err)), EINVAL);
	tune_journal_free(&j);
	assert_int_equal(getrusage(RUSAGE_SELF, &after), 0);
	assert_non_null(strstr(err, "big.journal:2: line longer than 65536 bytes"));
	/* peak memory grew by far less than the line (ru_maxrss is in KiB) */
	if (after.ru_maxrss - before.ru_maxrss > 16 * 1024)
		fail_msg("reading the journal took %ld KiB more", after.ru_maxrss - before.ru_maxrss);
}

static void test_journal_files(void **state)
{
	char err[1024];
	struct journal j;
	(void)state;
	put("good.journal", HEAD "{\"ready\":0}\n{\"end\":\"applied\"}\n", 0600);
	/* read-only: the revert cannot be recorded through a name again */
	assert_int_equal(tune_journal_load(&j, at("good.journal"), false, err, sizeof(err)), 0);
	assert_int_equal(tune_journal_reverted(&j, true), EBADF);
	tune_journal_free(&j);
	/* writable: recorded through the descriptor that was checked */
	assert_int_equal(tune_journal_load(&j, at("good.journal"), true, err, sizeof(err)), 0);
	assert_int_equal(tune_journal_reverted(&j, true), 0);
	tune_journal_free(&j);
	assert_int_equal(tune_journal_load(&j, at("good.journal"), false, err, sizeof(err)), 0);
	assert_int_equal(tune_journal_status(&j), JS_REVERTED);
	tune_journal_free(&j);

	assert_int_equal(symlink(at("good.journal"), at("link.journal")), 0);
	assert_int_equal(tune_journal_load(&j, at("link.journal"), true, err, sizeof(err)), ELOOP);
	assert_non_null(strstr(err, "a symbolic link"));
	tune_journal_free(&j);
	assert_int_equal(mkfifo(at("fifo.journal"), 0600), 0);
	assert_int_equal(tune_journal_load(&j, at("fifo.journal"), false, err, sizeof(err)), EINVAL);
	assert_non_null(strstr(err, "not a regular file"));
	tune_journal_free(&j);
	put("ww.journal", HEAD, 0666);
	assert_int_equal(tune_journal_load(&j, at("ww.journal"), false, err, sizeof(err)), EPERM);
	tune_journal_free(&j);
}

/* Items may only name the kernel's tunables. */
static void test_journal_items(void **state)
{
	static const struct {
		const char *obj, *arg;
		bool ok;
	} rows[] = {
		{"sysctl", "/proc/sys/vm/dirty_ratio", true},
		{"sunrpc", "/proc/sys/sunrpc/tcp_slot_table_entries", true},
		{"eth0", "rx-0", true},
		{"eth0", "", true},
		{"/mnt/data", "/sys/class/bdi/0:52/read_ahead_kb", true},
		{"sysctl", "/etc/shadow", false},
		{"sysctl", "/proc/sys/../../etc/shadow", false},
		{"sysctl", "/sys/./../etc/shadow", false},
		{"sysctl", "/proc/self/environ", false},
		{"eth0", "../../../../etc", false},
		{"../../../etc", "rx-0", false},
		{"..", "rx-0", false},
	};
	char rel[PATH_MAX], err[1024];
	struct tune t;
	struct journal j;
	(void)state;
	tune_init(&t);
	t.no_netlink = true;
	snprintf(rel, sizeof(rel), "%s/guest16",
		 getenv("NFSTUNE_FIXTURES") ? getenv("NFSTUNE_FIXTURES") : "tests/fixtures/nfstune");
	assert_non_null(realpath(rel, t.root));
	for (size_t i = 0; i < N(rows); i++) {
		memset(&j, 0, sizeof(j));
		snprintf(j.path, sizeof(j.path), "j");
		struct knob *k = knobs_add(&j.items, &knob_sysctl, rows[i].obj, "x");
		assert_non_null(k);
		snprintf(k->arg, sizeof(k->arg), "%s%s", rows[i].arg[0] == '/' ? t.root : "", rows[i].arg);
		int rc = tune_journal_check_items(&t, &j, err, sizeof(err));
		if (rows[i].ok != (rc == 0))
			fail_msg("row %zu (%s %s): %s", i, rows[i].obj, rows[i].arg, rc ? err : "accepted");
		if (rc)
			assert_non_null(strstr(err, "outside /proc/sys, /sys and /proc/irq"));
		knobs_free(&j.items);
	}
	tune_fini(&t);
}

/* Host-wide sysctls in another network namespace: refused unless asked. */
static void test_netns_sysctls(void **state)
{
	char err[512];
	struct tune t;
	(void)state;
	tune_init(&t);
	assert_int_equal(tune_sysctl_netns_check(&t, "vm.swappiness", err, sizeof(err)), 0);
	t.other_netns = true;
	snprintf(t.netns_name, sizeof(t.netns_name), "network namespace lab-host");
	assert_int_equal(tune_sysctl_netns_check(&t, "vm.swappiness", err, sizeof(err)), EPERM);
	assert_string_equal(err, "vm.swappiness is host-wide, not per network namespace: in network namespace lab-host "
				 "it would change the whole host (--host-global to allow)");
	assert_int_equal(tune_sysctl_netns_check(&t, "sunrpc.tcp_slot_table_entries", err, sizeof(err)), EPERM);
	assert_int_equal(tune_sysctl_netns_check(&t, "fs.nfs.nlm_tcpport", err, sizeof(err)), EPERM);
	assert_int_equal(tune_sysctl_netns_check(&t, "net.ipv4.tcp_rmem", err, sizeof(err)), 0);
	t.host_global = true;
	assert_int_equal(tune_sysctl_netns_check(&t, "vm.swappiness", err, sizeof(err)), 0);
	tune_fini(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dirs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exec, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exec_interp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_path_filter, setup, teardown),
		cmocka_unit_test_setup_teardown(test_journal_types, setup, teardown),
		cmocka_unit_test_setup_teardown(test_journal_huge_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_journal_files, setup, teardown),
		cmocka_unit_test(test_journal_items),
		cmocka_unit_test(test_netns_sysctls),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
