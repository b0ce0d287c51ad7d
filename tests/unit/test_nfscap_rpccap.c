/* test_nfscap_rpccap.c - `nfscap capture` (capture/rpccap.c) replayed on
 * the synthetic captures of tests/pcaps: what it writes must give the
 * analyzer the same per-RPC lines (the four times, sizes, procedures,
 * statuses) as the full capture it read, while keeping far fewer bytes;
 * GSO super-frames holding many records are cut into truthful pieces. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <pcap/pcap.h>

#include "../../capture/ana.h"
#include "../../capture/attr.h"
#include "../../capture/rpccap.h"

#include "pcaps.h"

/* Per-RPC CSV of a capture file, through the reader nfscap report uses. */
static char *csv_of(const char *path)
{
	struct cap_opts o = {0};
	struct cap_ana *a;
	char *csv = NULL, err[512] = "";
	size_t len = 0;
	FILE *f = open_memstream(&csv, &len);
	assert_non_null(f);
	o.per_rpc = f;
	assert_int_equal(cap_ana_new(&a, &o), 0);
	const char *files[1] = {path};
	struct cap_input_opts io = {false, NULL};
	int rc = cap_read_files(a, files, 1, &io, err, sizeof(err));
	if (rc)
		fail_msg("%s", err);
	cap_ana_finish(a);
	cap_ana_free(a);
	fclose(f);
	return csv;
}

static off_t size_of(const char *path)
{
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	return st.st_size;
}

/* A capture file read, and a file written with its link type. */
struct pipe {
	pcap_t *in, *dead;
	pcap_dumper_t *w;
};

static void pipe_open(struct pipe *pp, const char *in, const char *out)
{
	char ebuf[PCAP_ERRBUF_SIZE];
	pp->in = pcap_open_offline_with_tstamp_precision(in, PCAP_TSTAMP_PRECISION_NANO, ebuf);
	assert_non_null(pp->in);
	pp->dead = pcap_open_dead_with_tstamp_precision(pcap_datalink(pp->in), 262144, PCAP_TSTAMP_PRECISION_NANO);
	pp->w = pcap_dump_open(pp->dead, out);
	assert_non_null(pp->w);
}

static void pipe_close(struct pipe *pp)
{
	pcap_dump_close(pp->w);
	pcap_close(pp->dead);
	pcap_close(pp->in);
}

/* Convert in -> out with rc_run; returns its statistics. */
static int convert(const char *in, const char *out, struct rc_stats *s, char *err, size_t errlen)
{
	struct pipe pp;
	struct rc *r;
	pipe_open(&pp, in, out);
	assert_int_equal(rc_new(&r, pp.w, pcap_datalink(pp.in), NULL), 0);
	int rc = rc_run(pp.in, r, 0, NULL, err, errlen);
	rc_get_stats(r, s);
	rc_free(r);
	pipe_close(&pp);
	return rc;
}

/* A headers-only copy of in: every packet cut at snap bytes. */
static void cut(const char *in, const char *out, uint32_t snap)
{
	struct pipe pp;
	struct pcap_pkthdr *h;
	const u_char *d;
	pipe_open(&pp, in, out);
	while (pcap_next_ex(pp.in, &h, &d) == 1) {
		struct pcap_pkthdr c = *h;
		if (c.caplen > snap)
			c.caplen = snap;
		pcap_dump((u_char *)pp.w, &c, d);
	}
	pipe_close(&pp);
}

static void test_same_rpcs(void **state)
{
	(void)state;
	/* aligned records, records packed in GSO frames, headers split over
	 * segments, reordering, retransmissions, a gap, a capture taken
	 * mid-stream, NFSv4, IPv6, link framings, UDP, and captures that were
	 * headers-only already */
	static const char *const files[] = {
		"v3_basic.pcap", "many_records.pcap", "split_record.pcap", "reorder.pcap", "retrans.pcap",
		"gap.pcap", "midstream.pcap", "v4.pcap", "ipv6.pcap", "sll2_ipv6.pcap", "vlan.pcap",
		"qinq.pcap", "null.pcap", "raw.pcap", "udp.pcap", "port.pcap", "v3_snap96.pcap",
		"packed_snap200.pcap",
	};
	char in[700], out[] = "/tmp/test_rpccap_XXXXXX", err[512] = "";
	int fd = mkstemp(out);
	assert_true(fd >= 0);
	close(fd);
	for (unsigned i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct rc_stats s;
		snprintf(in, sizeof(in), "%s/%s", pcaps(), files[i]);
		if (convert(in, out, &s, err, sizeof(err)))
			fail_msg("%s: %s", files[i], err);
		char *a = csv_of(in), *b = csv_of(out);
		if (strcmp(a, b))
			fail_msg("%s: the per-RPC lines differ\nfull:\n%s\nrpccap:\n%s", files[i], a, b);
		assert_true(strchr(a, '\n') != NULL); /* not an empty comparison */
		assert_true(size_of(out) <= size_of(in));
		free(a);
		free(b);
	}
	unlink(out);
}

/* Super-frames holding many records: cut into pieces (more pcap records
 * than packets), a small fraction of the bytes, every header there. */
static void test_gso_pieces(void **state)
{
	(void)state;
	static const char *const files[] = {"many_records.pcap", "split_record.pcap"};
	char in[700], out[] = "/tmp/test_rpccap_XXXXXX", err[512] = "";
	int fd = mkstemp(out);
	assert_true(fd >= 0);
	close(fd);
	for (unsigned i = 0; i < 2; i++) {
		struct rc_stats s;
		snprintf(in, sizeof(in), "%s/%s", pcaps(), files[i]);
		assert_int_equal(convert(in, out, &s, err, sizeof(err)), 0);
		assert_true(s.marks > 0);
		assert_true(s.recs >= s.pkts);
		if (i == 0)
			assert_true(s.recs > s.pkts); /* several records in one frame */
		assert_true(size_of(out) * 5 < size_of(in));
		/* the file is a plain pcap: libpcap reads every record back */
		char ebuf[PCAP_ERRBUF_SIZE];
		pcap_t *p = pcap_open_offline(out, ebuf);
		assert_non_null(p);
		struct pcap_pkthdr *h;
		const u_char *d;
		uint64_t n = 0;
		while (pcap_next_ex(p, &h, &d) == 1) {
			assert_true(h->caplen <= h->len);
			n++;
		}
		pcap_close(p);
		assert_int_equal(n, s.recs);
	}
	unlink(out);
}

/* A file that breaks mid-way: an error naming the problem, not a crash. */
static void test_truncated_input(void **state)
{
	(void)state;
	char in[700], out[] = "/tmp/test_rpccap_XXXXXX", err[512] = "";
	int fd = mkstemp(out);
	assert_true(fd >= 0);
	close(fd);
	struct rc_stats s;
	snprintf(in, sizeof(in), "%s/truncated.pcap", pcaps());
	assert_int_equal(convert(in, out, &s, err, sizeof(err)), EIO);
	assert_non_null(strstr(err, "truncated"));
	assert_true(s.pkts > 0);
	unlink(out);
}

/* Live, on an idle interface: --duration ends the capture (poll with a
 * timeout, not a read that waits for a packet forever). */
static void test_live_idle_ends(void **state)
{
	(void)state;
	char ebuf[PCAP_ERRBUF_SIZE] = "", err[512] = "";
	pcap_t *p = pcap_create("lo", ebuf);
	assert_non_null(p);
	pcap_set_snaplen(p, 262144);
	pcap_set_timeout(p, 100);
	if (pcap_activate(p) < 0) {
		pcap_close(p);
		skip(); /* not root: no live capture here */
	}
	struct bpf_program prog;
	/* nothing matches: the link is idle as far as the capture sees */
	assert_int_equal(pcap_compile(p, &prog, "udp port 9", 1, PCAP_NETMASK_UNKNOWN), 0);
	assert_int_equal(pcap_setfilter(p, &prog), 0);
	pcap_freecode(&prog);
	pcap_t *dead = pcap_open_dead_with_tstamp_precision(pcap_datalink(p), 262144, PCAP_TSTAMP_PRECISION_NANO);
	pcap_dumper_t *w = pcap_dump_open(dead, "/dev/null");
	struct rc *r;
	assert_int_equal(rc_new(&r, w, pcap_datalink(p), NULL), 0);
	assert_int_equal(rc_run(p, r, 300000000ull, NULL, err, sizeof(err)), 0);
	struct rc_stats s;
	rc_get_stats(r, &s);
	assert_int_equal(s.pkts, 0);
	rc_free(r);
	pcap_dump_close(w);
	pcap_close(dead);
	pcap_close(p);
}

/* `nfscap attribute --json` on two captures; the document, parsed. */
static struct json_object *attribute(const char *guest, const char *storage)
{
	char out[] = "/tmp/test_rpccap_json_XXXXXX", g[600], st[600];
	int fd = mkstemp(out);
	assert_true(fd >= 0);
	snprintf(g, sizeof(g), "guest=%s", guest);
	snprintf(st, sizeof(st), "storage=%s", storage);
	char *argv[] = {"attribute", "--vantage", g, "--vantage", st, "--json", NULL};
	fflush(stdout);
	int saved = dup(1);
	dup2(fd, 1);
	int rc = at_command(6, argv);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	close(fd);
	assert_int_equal(rc, 0);
	struct json_object *j = json_object_from_file(out);
	unlink(out);
	assert_non_null(j);
	return j;
}

/* nfscap attribute says how much of the workload it explains: a headers-
 * only storage capture of records packed in GSO frames names few of the
 * guest's RPCs, and the report gives the share per point and op, why the
 * rest were not found, and a warning; the same capture through nfscap
 * capture covers them all, without the warning. */
static void test_attribute_coverage(void **state)
{
	(void)state;
	char in[700], c200[] = "/tmp/test_rpccap_XXXXXX", rpc[] = "/tmp/test_rpccap_XXXXXX", err[512] = "";
	int fd = mkstemp(c200);
	assert_true(fd >= 0);
	close(fd);
	fd = mkstemp(rpc);
	assert_true(fd >= 0);
	close(fd);
	snprintf(in, sizeof(in), "%s/many_records.pcap", pcaps());
	cut(in, c200, 200);
	struct rc_stats s;
	assert_int_equal(convert(in, rpc, &s, err, sizeof(err)), 0);
	struct json_object *j = attribute(in, c200), *v, *row, *why;
	assert_true(json_object_object_get_ex(j, "attributed_share", &v));
	double share = json_object_get_double(v);
	assert_true(share > 0 && share < 50);
	assert_true(json_object_object_get_ex(j, "coverage_warning", &v));
	assert_true(json_object_object_get_ex(j, "coverage", &v));
	bool seen = false;
	for (size_t i = 0; i < json_object_array_length(v); i++) {
		row = json_object_array_get_idx(v, i);
		struct json_object *pt, *op, *nf;
		json_object_object_get_ex(row, "point", &pt);
		json_object_object_get_ex(row, "op", &op);
		json_object_object_get_ex(row, "not_found", &nf);
		if (!strcmp(json_object_get_string(pt), "storage") && !strcmp(json_object_get_string(op), "READ")) {
			assert_true(json_object_get_int64(nf) > 0);
			seen = true;
		}
	}
	assert_true(seen);
	assert_true(json_object_object_get_ex(j, "coverage_why", &why));
	assert_true(json_object_object_get_ex(why, "storage", &v));
	assert_true(json_object_object_get_ex(v, "headers_not_captured", &v));
	assert_true(json_object_get_int64(v) > 0);
	json_object_put(j);

	j = attribute(in, rpc);
	assert_true(json_object_object_get_ex(j, "attributed_share", &v));
	assert_true(json_object_get_double(v) == 100.0);
	assert_false(json_object_object_get_ex(j, "coverage_warning", &v));
	json_object_put(j);
	unlink(c200);
	unlink(rpc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_rpcs),
		cmocka_unit_test(test_gso_pieces),
		cmocka_unit_test(test_truncated_input),
		cmocka_unit_test(test_live_idle_ends),
		cmocka_unit_test(test_attribute_coverage),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
