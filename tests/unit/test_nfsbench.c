/* test_nfsbench.c - unit tests of nfsbench's trace format, write pattern,
 * statistics merge and the engine's per-file holds and queue (the engine
 * itself is tested against the lab). */
#include <getopt.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "filelock.h"
#include "nfsbench.h"
#include "pattern.h"
#include "trace.h"

static void test_trace_record_roundtrip(void **state)
{
	(void)state;
	static const struct trace_rpc cases[] = {
		{ .op = NB_OP_READ, .flags = TRACE_F_COUNTED, .xid = 0x01000001, .issue_ns = 1795663056240766473ull,
		  .complete_ns = 1795663056242519129ull, .offset = 31727616, .length = 4096, .status = 0, .file = 3, .conn = 1 },
		{ .op = NB_OP_WRITE, .flags = 0, .xid = 0xffffffff, .issue_ns = UINT64_MAX, .complete_ns = 0,
		  .offset = UINT64_MAX, .length = UINT32_MAX, .status = TRACE_ST_TRANSPORT | 2, .file = UINT32_MAX,
		  .conn = UINT16_MAX },
		{ .op = NB_OP_COMMIT },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned char buf[TRACE_RECSZ];
		struct trace_rpc r;
		struct trace_conn c;
		trace_enc_rpc(buf, &cases[i]);
		assert_int_equal(trace_dec(buf, &r, &c), TRACE_KIND_RPC);
		assert_int_equal(r.op, cases[i].op);
		assert_int_equal(r.flags, cases[i].flags);
		assert_int_equal(r.xid, cases[i].xid);
		assert_true(r.issue_ns == cases[i].issue_ns);
		assert_true(r.complete_ns == cases[i].complete_ns);
		assert_true(r.offset == cases[i].offset);
		assert_int_equal(r.length, cases[i].length);
		assert_int_equal(r.status, cases[i].status);
		assert_int_equal(r.file, cases[i].file);
		assert_int_equal(r.conn, cases[i].conn);
	}
	/* little-endian on disk, whatever the host */
	unsigned char buf[TRACE_RECSZ];
	trace_enc_rpc(buf, &cases[0]);
	assert_int_equal(buf[0], TRACE_KIND_RPC);
	assert_int_equal(buf[4], 0x01);
	assert_int_equal(buf[7], 0x01);
}

static void test_trace_conn_roundtrip(void **state)
{
	(void)state;
	struct trace_conn in = { .family = 4, .lport = 722, .rport = 2049, .conn = 7, .time_ns = 42 };
	memcpy(in.laddr, "\xc6\x12\x00\x0b", 4);
	memcpy(in.raddr, "\xc6\x12\x00\x03", 4);
	unsigned char buf[TRACE_RECSZ];
	struct trace_rpc r;
	struct trace_conn c;
	trace_enc_conn(buf, &in);
	assert_int_equal(trace_dec(buf, &r, &c), TRACE_KIND_CONN);
	assert_int_equal(c.family, 4);
	assert_int_equal(c.lport, 722);
	assert_int_equal(c.rport, 2049);
	assert_int_equal(c.conn, 7);
	assert_memory_equal(c.laddr, in.laddr, 16);
	assert_memory_equal(c.raddr, in.raddr, 16);
	buf[0] = 9;
	assert_int_equal(trace_dec(buf, &r, &c), 0);
}

struct counts {
	unsigned rpc, conn;
	uint32_t last_xid;
};

static void count_rpc(void *arg, const struct trace_rpc *r)
{
	struct counts *n = arg;
	n->rpc++;
	n->last_xid = r->xid;
}

static void count_conn(void *arg, const struct trace_conn *c)
{
	(void)c;
	((struct counts *)arg)->conn++;
}

static void test_trace_file(void **state)
{
	(void)state;
	char path[] = "/tmp/test_nfsbench.XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	char err[256];
	struct trace_file *tf;
	struct trace_buf *a, *b;
	assert_int_equal(trace_open(&tf, path, 123, err, sizeof(err)), 0);
	assert_int_equal(trace_buf_new(&a, tf), 0);
	assert_int_equal(trace_buf_new(&b, tf), 0);
	struct trace_conn c = { .family = 4, .conn = 0 };
	trace_add_conn(a, &c);
	for (uint32_t i = 0; i < 10000; i++) { /* more than one buffer's worth */
		struct trace_rpc r = { .op = NB_OP_READ, .xid = i };
		trace_add_rpc(i % 2 ? a : b, &r);
	}
	trace_buf_free(a);
	trace_buf_free(b);
	assert_int_equal(trace_close(tf), 0);

	struct counts n = { 0 };
	struct trace_visitor v = { .rpc = count_rpc, .conn = count_conn, .arg = &n };
	uint64_t start = 0;
	assert_int_equal(trace_read(path, &v, &start, err, sizeof(err)), 0);
	assert_int_equal(n.rpc, 10000);
	assert_int_equal(n.conn, 1);
	assert_true(start == 123);

	/* a record cut short is an error naming the byte */
	assert_int_equal(truncate(path, TRACE_RECSZ * 5 + 17), 0);
	memset(&n, 0, sizeof(n));
	assert_int_not_equal(trace_read(path, &v, NULL, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "truncated record at byte 240"));
	assert_int_equal(n.rpc + n.conn, 4);

	/* not a trace at all */
	FILE *f = fopen(path, "wb");
	fputs("hello, this is not a trace file, not at all, not even close...", f);
	fclose(f);
	assert_int_not_equal(trace_read(path, &v, NULL, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "not an nfsbench trace"));
	unlink(path);
	assert_int_not_equal(trace_read(path, &v, NULL, err, sizeof(err)), 0);
	assert_non_null(strstr(err, path));
}

static void test_pattern(void **state)
{
	(void)state;
	unsigned char *a = pattern_buffer(1, 65536), *b = pattern_buffer(1, 65536), *c = pattern_buffer(2, 0);
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(c);
	assert_memory_equal(a, b, PATTERN_PERIOD + 65536);      /* deterministic */
	assert_memory_equal(a, a + PATTERN_PERIOD, 65536);      /* periodic: WRITEs are pointers */
	assert_true(memcmp(a, c, 4096) != 0);                   /* seeded */
	/* aligned blocks differ from each other (the period is prime) */
	assert_true(memcmp(a + 0, a + 4096, 4096) != 0);
	size_t zeros = 0;
	for (size_t i = 0; i < PATTERN_PERIOD; i++)
		zeros += a[i] == 0;
	assert_true(zeros < PATTERN_PERIOD / 128); /* about 1/256 expected */
	free(a);
	free(b);
	free(c);
}

static void test_stats_merge(void **state)
{
	(void)state;
	struct nb_stats x, y;
	nb_stats_init(&x);
	nb_stats_init(&y);
	x.op[NB_K_READ].count = 3;
	x.op[NB_K_READ].bytes = 300;
	hist_record(&x.op[NB_K_READ].lat, 1000);
	nb_opstat_error(&x.op[NB_K_READ], 5);
	nb_opstat_error(&x.op[NB_K_READ], 5);
	nb_opstat_error(&y.op[NB_K_READ], 5);
	nb_opstat_error(&y.op[NB_K_READ], NB_ST_TRANSPORT | NFSIO_TIMEOUT);
	y.op[NB_K_READ].count = 2;
	hist_record(&y.op[NB_K_READ].lat, 2000);
	x.rpcs_issued = 10;
	y.rpcs_issued = 5;
	x.op[NB_K_RMDIR].skipped = 4;
	y.op[NB_K_RMDIR].skipped = 3;
	y.op[NB_K_WRITE].deferred = 7;
	/* x has 2 seconds of series, y 40: the merge grows x */
	x.niv = 0;
	assert_int_equal(nb_stats_merge(&x, &y), 0);
	assert_int_equal(x.op[NB_K_READ].count, 5);
	assert_int_equal(x.op[NB_K_READ].errors, 4);
	assert_int_equal(x.op[NB_K_READ].nerr, 2);
	assert_int_equal(x.op[NB_K_READ].err[0].status, 5);
	assert_int_equal(x.op[NB_K_READ].err[0].count, 3);
	assert_int_equal(x.op[NB_K_READ].lat.count, 2);
	assert_int_equal(x.rpcs_issued, 15);
	assert_int_equal(x.op[NB_K_RMDIR].skipped, 7);
	assert_int_equal(x.op[NB_K_WRITE].deferred, 7);

	/* more kinds than the table holds are counted, not lost */
	struct nb_opstat o;
	memset(&o, 0, sizeof(o));
	for (uint32_t s = 1; s <= NB_MAX_ERRKINDS + 3; s++)
		nb_opstat_error(&o, s);
	assert_int_equal(o.errors, NB_MAX_ERRKINDS + 3);
	assert_int_equal(o.nerr, NB_MAX_ERRKINDS);
	assert_int_equal(o.err_other, 3);
	nb_stats_free(&x);
	nb_stats_free(&y);
}

/* RFC 3720 B.4's vectors, through whatever nb_crc32c uses now */
static void crc32c_vectors(void)
{
	unsigned char b[32];
	assert_int_equal(nb_crc32c(0, "123456789", 9), 0xe3069283u);
	memset(b, 0, sizeof(b));
	assert_int_equal(nb_crc32c(0, b, 32), 0x8a9136aau);
	memset(b, 0xff, sizeof(b));
	assert_int_equal(nb_crc32c(0, b, 32), 0x62a8ab43u);
	for (int i = 0; i < 32; i++)
		b[i] = (unsigned char)i;
	assert_int_equal(nb_crc32c(0, b, 32), 0x46dd794eu);
	for (int i = 0; i < 32; i++)
		b[i] = (unsigned char)(31 - i);
	assert_int_equal(nb_crc32c(0, b, 32), 0x113fdb5cu);
	/* chained == whole */
	const char *txt = "The quick brown fox jumps over the lazy dog, 0123456789";
	size_t n = strlen(txt);
	assert_int_equal(nb_crc32c(nb_crc32c(0, txt, 10), txt + 10, n - 10), nb_crc32c(0, txt, n));
}

static void test_crc32c(void **state)
{
	(void)state;
#if defined(__x86_64__)
	/* the instruction is used wherever the CPU has it */
	if (__builtin_cpu_supports("sse4.2"))
		assert_string_equal(nb_crc32c_impl(), "sse4.2");
#endif
	crc32c_vectors();
	nb_crc32c_force_table(true);
	assert_string_equal(nb_crc32c_impl(), "table");
	crc32c_vectors();
	nb_crc32c_force_table(false);

	/* nb_crc32c == the table over every misalignment and lengths 0..8192,
	 * those around the three-chain rounds' sizes included, continuing a
	 * non-zero CRC */
	enum { MAX = 8192 };
	static unsigned char buf[MAX + 8];
	uint64_t x = 88172645463325252ull;
	for (size_t i = 0; i < sizeof(buf); i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		buf[i] = (unsigned char)x;
	}
	for (size_t al = 0; al < 8; al++) {
		for (size_t len = 0; len <= MAX; len += len < 400 ? 1 : len % 97 + 1) {
			uint32_t init = (uint32_t)(len * 2654435761u);
			assert_int_equal(nb_crc32c(init, buf + al, len), nb_crc32c_table(init, buf + al, len));
		}
		for (size_t len = 4070; len <= 4100; len++)
			assert_int_equal(nb_crc32c(0, buf + al, len), nb_crc32c_table(0, buf + al, len));
		assert_int_equal(nb_crc32c(7, buf + al, MAX), nb_crc32c_table(7, buf + al, MAX));
	}
}

static void test_verify_blocks(void **state)
{
	(void)state;
	enum { N = 4 * NB_VERIFY_BLOCK };
	static unsigned char buf[N];
	char msg[256];
	nb_verify_fill(buf, N, 7, 8192, 3, 42);
	uint64_t unjudged = 0;
	assert_int_equal(nb_verify_check(buf, N, 7, "f7", 8192, 42, true, &unjudged, msg, sizeof(msg)), 0);
	assert_int_equal(unjudged, 0);
	/* wrong file, wrong offset, wrong seed, a flipped bit, no header */
	static const struct {
		uint32_t file;
		uint64_t off, seed;
		size_t flip; /* byte to flip, or 0 */
		const char *want;
	} cases[] = {
		{ 8, 8192, 42, 0, "block of file 7 offset 8192" },
		{ 7, 4096, 42, 0, "block of file 7 offset 8192" },
		{ 7, 8192, 43, 0, "written with seed 42" },
		{ 7, 8192, 42, NB_VERIFY_BLOCK + 100, "offset 12288: CRC32C" },
		{ 7, 8192, 42, 2 * NB_VERIFY_BLOCK, "offset 16384: no block header" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		nb_verify_fill(buf, N, 7, 8192, 3, 42);
		if (cases[i].flip)
			buf[cases[i].flip] ^= 0x20;
		int rc = nb_verify_check(buf, N, cases[i].file, "f", cases[i].off, cases[i].seed, true, &unjudged, msg,
					 sizeof(msg));
		assert_int_equal((uint32_t)rc, NB_ST_VERIFY);
		if (!strstr(msg, cases[i].want))
			fail_msg("case %zu: '%s' lacks '%s'", i, msg, cases[i].want);
	}
}

/* A file some run wrote without --verify (or with another seed) holds
 * blocks whose content nobody can know: not judged there, but counted;
 * what a verify run did write is still judged. */
static void test_verify_unknown_blocks(void **state)
{
	(void)state;
	enum { N = 4 * NB_VERIFY_BLOCK };
	static unsigned char buf[N];
	char msg[256];
	unsigned char *plain = pattern_buffer(1, 0);
	assert_non_null(plain);
	static const struct {
		const char *what;
		unsigned block;   /* which block to replace */
		int how;          /* 0 plain pattern, 1 another seed's block, 2 flipped payload bit, 3 flipped header */
		bool strict;
		uint32_t rc;
		uint64_t unjudged;
	} cases[] = {
		{ "plain block, strict", 1, 0, true, NB_ST_VERIFY, 0 },
		{ "plain block, file not known", 1, 0, false, 0, 1 },
		{ "other seed, file not known", 2, 1, false, 0, 1 },
		{ "other seed, strict", 2, 1, true, NB_ST_VERIFY, 0 },
		{ "corrupted verify block, file not known", 3, 2, false, NB_ST_VERIFY, 0 },
		{ "verify block moved, file not known", 0, 3, false, NB_ST_VERIFY, 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		nb_verify_fill(buf, N, 7, 8192, 3, 42);
		unsigned char *b = buf + cases[i].block * NB_VERIFY_BLOCK;
		if (cases[i].how == 0)
			memcpy(b, plain, NB_VERIFY_BLOCK);
		else if (cases[i].how == 1)
			nb_verify_fill(b, NB_VERIFY_BLOCK, 7, 8192 + cases[i].block * NB_VERIFY_BLOCK, 3, 43);
		else if (cases[i].how == 2)
			b[300] ^= 1;
		else
			nb_verify_fill(b, NB_VERIFY_BLOCK, 7, 0, 3, 42); /* the block of another offset */
		uint64_t unjudged = 0;
		uint32_t rc = (uint32_t)nb_verify_check(buf, N, 7, "f", 8192, 42, cases[i].strict, &unjudged, msg,
							sizeof(msg));
		if (rc != cases[i].rc || unjudged != cases[i].unjudged)
			fail_msg("%s: rc 0x%x, %llu unjudged (%s)", cases[i].what, rc, (unsigned long long)unjudged,
				 rc ? msg : "");
	}
	/* who wrote a file: its block 0 tells, CRC or not */
	nb_verify_fill(buf, N, 7, 0, 3, 42);
	assert_true(nb_verify_owned(buf, 7, 0, 42));
	buf[300] ^= 1;
	assert_true(nb_verify_owned(buf, 7, 0, 42));
	assert_false(nb_verify_owned(buf, 8, 0, 42));
	assert_false(nb_verify_owned(buf, 7, 0, 43));
	assert_false(nb_verify_owned(plain, 7, 0, 42));
	/* the mark: one per seed, a date no write leaves (1999-2000) */
	assert_true(nb_verify_mark(42) == nb_verify_mark(42));
	assert_true(nb_verify_mark(42) != nb_verify_mark(43));
	assert_true(nb_verify_mark(42) >= 938000000u && nb_verify_mark(42) < 960000000u);
	free(plain);
}

static int load_profile(const char *text, struct nb_profile *p, char *err, size_t len)
{
	char path[] = "/tmp/test_profile.XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	int rc = nb_profile_load(p, path, err, len);
	if (!rc)
		rc = nb_profile_check(p, err, len);
	unlink(path);
	return rc;
}

static void test_profiles(void **state)
{
	(void)state;
	static struct nb_profile p;
	char err[512];
	assert_int_equal(load_profile("// comment\n{ \"time\": \"30s\", \"ramp\": \"2s\", \"stonewall\": true,\n"
				      " \"fileset\": { \"directory\": \"/a/b/\", \"dirs\": 4, \"files\": 100,\n"
				      "   \"size_weight\": [[\"4k\", 3], [65536, 1]], \"fill\": 50 },\n"
				      " \"threadgroups\": [ { \"name\": \"r\", \"threads\": 2, \"connections\": 4,\n"
				      "   \"ops\": { \"read\": 3, \"fsync\": 1 }, \"read_size\": \"64k\",\n"
				      "   \"rate_iops\": \"2.5k\", \"arrivals\": \"fixed\", \"op_delay\": \"1ms\" } ],\n"
				      " \"interfaces\": { \"eth1\": { \"mtu\": 9000 } },\n"
				      " \"nfsbench\": { \"slots\": 32, \"rsize\": \"1m\" } }",
				      &p, err, sizeof(err)),
			 0);
	assert_true(p.time_ns == 30000000000ull && p.ramp_ns == 2000000000ull && p.stonewall);
	assert_string_equal(p.fs.dir, "a/b");
	assert_int_equal(p.fs.nsizes, 2);
	assert_true(p.fs.sizes[0].size == 4096 && p.fs.sizes[1].size == 65536 && p.fs.sizes[0].weight == 3);
	assert_int_equal(p.fs.fill_pct, 50);
	assert_int_equal(p.ngroups, 1);
	const struct nb_group *g = &p.groups[0];
	assert_string_equal(g->name, "r");
	assert_int_equal(g->weight[NB_K_READ], 3);
	assert_int_equal(g->weight[NB_K_COMMIT], 1); /* fsync is commit */
	assert_true(g->rate_iops == 2500 && !g->poisson && g->op_delay_ns == 1000000);
	assert_int_equal(g->slots, 32); /* from the nfsbench client section */
	assert_true(g->read_bs == 1048576 && g->read_size == 65536);

	static const struct {
		const char *text, *want;
	} bad[] = {
		{ "{ \"fileset\": {}, \"threadgroups\": [ { \"ops\": { \"read\": 1 } } ], \"tiem\": \"1s\" }",
		  "did you mean 'time'" },
		{ "{ \"fileset\": { \"files\": 0 }, \"threadgroups\": [], \"time\": \"1s\" }", "fileset.files" },
		{ "{ \"fileset\": {}, \"threadgroups\": [ { \"ops\": {} } ], \"time\": \"1s\" }", "every operation weight is 0" },
		{ "{ \"fileset\": {}, \"threadgroups\": [ { \"ops\": { \"read\": -1 } } ], \"time\": \"1s\" }",
		  "threadgroups[0].ops.read" },
		{ "{ \"fileset\": { \"files\": 1 }, \"threadgroups\": [ { \"threads\": 2, \"connections\": 2, \"ops\": { \"read\": 1 } } ], \"time\": \"1s\" }",
		  "at least the number of threads" },
		{ "{ \"fileset\": {}, \"threadgroups\": [ { \"threads\": 3, \"ops\": { \"read\": 1 } } ], \"time\": \"1s\" }",
		  "need at least as many connections" },
		{ "{ \"fileset\": { \"directory\": \"../x\" }, \"threadgroups\": [ { \"ops\": { \"read\": 1 } } ], \"time\": \"1s\" }",
		  "without '..'" },
		{ "{ \"fileset\": {}, \"threadgroups\": [ { \"ops\": { \"read\": 1 }, \"rate_iops\": 5, \"rate_bytes\": 5 } ], \"time\": \"1s\" }",
		  "not both" },
		{ "{ \"fileset\": {}, \"threadgroups\": [ { \"ops\": { \"read\": 1 }, \"arrivals\": \"burst\" } ], \"time\": \"1s\" }",
		  "not poisson or fixed" },
		{ "{ \"fileset\": {}, \"threadgroups\": [ { \"ops\": { \"read\": 1 } } ], \"ramp\": \"1s\" }", "ops_limit" },
		{ "[1, 2]", "a profile is a JSON object" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = 0;
		assert_int_not_equal(load_profile(bad[i].text, &p, err, sizeof(err)), 0);
		if (!strstr(err, bad[i].want))
			fail_msg("bad profile %zu: '%s' lacks '%s'", i, err, bad[i].want);
	}
}

/* Run argv (NULL-terminated) through nfsbench's command line with stderr
 * in a file; returns the exit code and leaves what it printed in out. */
static int run_cli(int (*entry)(int, char **), char **argv, char *out, size_t len)
{
	char path[] = "/tmp/test_nfsbench_cliXXXXXX";
	int fd = mkstemp(path), saved = dup(STDERR_FILENO), argc = 0;
	assert_true(fd >= 0 && saved >= 0);
	unlink(path);
	while (argv[argc])
		argc++;
	fflush(stderr);
	dup2(fd, STDERR_FILENO);
	optind = 0; /* getopt starts over */
	int rc = entry(argc, argv);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	ssize_t n = pread(fd, out, len - 1, 0);
	out[n > 0 ? n : 0] = '\0';
	close(fd);
	return rc;
}

static int cli_entry(int argc, char **argv)
{
	return nb_cli_main(argc, argv, NULL);
}

/* Numbers that strtoull took: a blank before a sign, a sign, a value past
 * 2^64 (it saturated). Each must stop the run with a message quoting it,
 * before anything else is looked at (no --url given, which would also
 * stop it, but with another message). */
static void test_cli_numbers(void **state)
{
	(void)state;
	static const struct {
		const char *opt, *val, *msg;
	} bad[] = {
		{ "--seed", " -1", "--seed: bad number ' -1'" },
		{ "--seed", "-1", "--seed: bad number '-1': negative" },
		{ "--ops", " -5", "--ops: bad number ' -5'" },
		{ "--seed", "99999999999999999999", "'99999999999999999999': too large" },
		{ "--connections", "+2", "--connections: bad number '+2'" },
		{ "--slots", "0", "--slots: bad number '0': out of range" },
	};
	char out[1024];
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *argv[] = { "nfsbench", (char *)bad[i].opt, (char *)bad[i].val, NULL };
		assert_int_equal(run_cli(cli_entry, argv, out, sizeof(out)), 2);
		if (!strstr(out, bad[i].msg))
			fail_msg("%s '%s': '%s' lacks '%s'", bad[i].opt, bad[i].val, out, bad[i].msg);
	}
	/* nfsbench pattern --seed -1 printed seed 2^64-1's bytes */
	char *argv[] = { "pattern", "--seed", "-1", "--length", "8", NULL };
	assert_int_equal(run_cli(pattern_main, argv, out, sizeof(out)), 2);
	assert_non_null(strstr(out, "bad number '-1': negative"));
}

/* Which operations may share a file: one hold in force, then a newcomer. */
static void test_filelock_rules(void **state)
{
	(void)state;
	static const struct {
		enum fl_mode held;
		uint64_t hoff, hend;
		enum fl_mode m;
		uint64_t off, end;
		bool may;
	} cases[] = {
		{ FL_READ, 0, 8192, FL_READ, 4096, 12288, true },      /* readers share */
		{ FL_READ, 0, 8192, FL_WRITE, 4096, 12288, false },    /* a block being read */
		{ FL_WRITE, 0, 8192, FL_READ, 4096, 8192, false },     /* a block being written: verify */
		{ FL_WRITE, 0, 8192, FL_WRITE, 8191, 8192, false },    /* one byte is enough */
		{ FL_WRITE, 0, 8192, FL_READ, 8192, 16384, true },     /* adjacent, no overlap */
		{ FL_WRITE, 4096, 8192, FL_WRITE, 0, 4096, true },
		{ FL_WRITE, 0, UINT64_MAX, FL_WRITE, 1 << 30, (1 << 30) + 4096, false }, /* an append */
		{ FL_WRITE, 0, 8192, FL_META, 0, 0, true },            /* GETATTR during a WRITE */
		{ FL_META, 0, 0, FL_EXCL, 0, 0, false },               /* RENAME during a LOOKUP */
		{ FL_READ, 0, 4096, FL_EXCL, 0, 0, false },            /* DELETE during a READ */
		{ FL_EXCL, 0, 0, FL_META, 0, 0, false },               /* LOOKUP during a RENAME */
		{ FL_EXCL, 0, 0, FL_READ, 0, 4096, false },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fl_file f = { 0 };
		struct fl_hold h;
		assert_true(fl_may(&f, cases[i].held, cases[i].hoff, cases[i].hend, NULL));
		fl_take(&f, &h, cases[i].held, cases[i].hoff, cases[i].hend);
		if (fl_may(&f, cases[i].m, cases[i].off, cases[i].end, NULL) != cases[i].may)
			fail_msg("case %zu: expected %s", i, cases[i].may ? "may" : "may not");
		fl_drop(&f, &h);
		assert_true(fl_may(&f, cases[i].m, cases[i].off, cases[i].end, NULL));
		assert_int_equal(f.users, 0);
		assert_false(f.excl);
		assert_null(f.list);
	}
}

/* A waiting operation is not overtaken by a newcomer it clashes with (the
 * engine once skipped writes forever on files that always had reads in
 * flight), but does not hold up those it does not clash with; among
 * waiters, the older goes first. */
static void test_filelock_queue(void **state)
{
	(void)state;
	struct fl_file f = { 0 };
	struct fl_hold r1, r2, w, n, m, x;
	fl_take(&f, &r1, FL_READ, 0, 4096);
	fl_take(&f, &r2, FL_READ, 65536, 69632);
	assert_false(fl_may(&f, FL_WRITE, 0, 4096, NULL));
	fl_wait(&f, &w, FL_WRITE, 0, 4096);
	assert_false(fl_may(&f, FL_WRITE, 0, 4096, &w));  /* r1 is still in flight */
	assert_false(fl_may(&f, FL_READ, 0, 4096, NULL)); /* would overtake w */
	assert_true(fl_may(&f, FL_READ, 8192, 12288, NULL));
	assert_true(fl_may(&f, FL_META, 0, 0, NULL));
	assert_false(fl_may(&f, FL_EXCL, 0, 0, NULL));
	/* a younger waiter on the same block waits behind w */
	fl_wait(&f, &n, FL_READ, 0, 4096);
	fl_drop(&f, &r1);
	assert_false(fl_may(&f, FL_READ, 0, 4096, &n));
	assert_true(fl_may(&f, FL_WRITE, 0, 4096, &w));
	fl_unwait(&f, &w);
	fl_take(&f, &w, FL_WRITE, 0, 4096);
	assert_false(fl_may(&f, FL_READ, 0, 4096, &n)); /* now w is in flight */
	fl_drop(&f, &w);
	assert_true(fl_may(&f, FL_READ, 0, 4096, &n));
	fl_unwait(&f, &n);
	/* a DELETE waits for the file to empty, and nothing new joins it */
	fl_wait(&f, &x, FL_EXCL, 0, 0);
	assert_false(fl_may(&f, FL_EXCL, 0, 0, &x)); /* r2 */
	assert_false(fl_may(&f, FL_META, 0, 0, NULL));
	assert_false(fl_may(&f, FL_READ, 1 << 20, (1 << 20) + 4096, NULL));
	fl_drop(&f, &r2);
	assert_true(fl_may(&f, FL_EXCL, 0, 0, &x));
	fl_unwait(&f, &x);
	fl_take(&f, &x, FL_EXCL, 0, 0);
	assert_false(fl_may(&f, FL_META, 0, 0, NULL));
	fl_drop(&f, &x);
	/* holds leave from the middle of the list too */
	fl_take(&f, &r1, FL_WRITE, 0, 4096);
	fl_take(&f, &m, FL_WRITE, 4096, 8192);
	fl_take(&f, &r2, FL_WRITE, 8192, 12288);
	fl_drop(&f, &m);
	assert_true(fl_may(&f, FL_READ, 4096, 8192, NULL));
	assert_false(fl_may(&f, FL_READ, 0, 4096, NULL));
	assert_false(fl_may(&f, FL_READ, 8192, 8193, NULL));
	fl_drop(&f, &r1);
	fl_drop(&f, &r2);
	assert_null(f.list);
	assert_int_equal(f.users + f.writers + f.waiters, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_trace_record_roundtrip),
		cmocka_unit_test(test_trace_conn_roundtrip),
		cmocka_unit_test(test_trace_file),
		cmocka_unit_test(test_pattern),
		cmocka_unit_test(test_stats_merge),
		cmocka_unit_test(test_crc32c),
		cmocka_unit_test(test_verify_blocks),
		cmocka_unit_test(test_verify_unknown_blocks),
		cmocka_unit_test(test_profiles),
		cmocka_unit_test(test_cli_numbers),
		cmocka_unit_test(test_filelock_rules),
		cmocka_unit_test(test_filelock_queue),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
