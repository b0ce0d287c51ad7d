/* test_nfsbench.c - unit tests of nfsbench's trace format, write pattern and
 * statistics merge (the engine itself is tested against the lab). */
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
	x.op[NB_OP_READ].count = 3;
	x.op[NB_OP_READ].bytes = 300;
	hist_record(&x.op[NB_OP_READ].lat, 1000);
	nb_opstat_error(&x.op[NB_OP_READ], 5);
	nb_opstat_error(&x.op[NB_OP_READ], 5);
	nb_opstat_error(&y.op[NB_OP_READ], 5);
	nb_opstat_error(&y.op[NB_OP_READ], NB_ST_TRANSPORT | NFSIO_TIMEOUT);
	y.op[NB_OP_READ].count = 2;
	hist_record(&y.op[NB_OP_READ].lat, 2000);
	x.rpcs_issued = 10;
	y.rpcs_issued = 5;
	/* x has 2 seconds of series, y 40: the merge grows x */
	x.niv = 0;
	assert_int_equal(nb_stats_merge(&x, &y), 0);
	assert_int_equal(x.op[NB_OP_READ].count, 5);
	assert_int_equal(x.op[NB_OP_READ].errors, 4);
	assert_int_equal(x.op[NB_OP_READ].nerr, 2);
	assert_int_equal(x.op[NB_OP_READ].err[0].status, 5);
	assert_int_equal(x.op[NB_OP_READ].err[0].count, 3);
	assert_int_equal(x.op[NB_OP_READ].lat.count, 2);
	assert_int_equal(x.rpcs_issued, 15);

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_trace_record_roundtrip),
		cmocka_unit_test(test_trace_conn_roundtrip),
		cmocka_unit_test(test_trace_file),
		cmocka_unit_test(test_pattern),
		cmocka_unit_test(test_stats_merge),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
