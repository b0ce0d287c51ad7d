/* test_nfscap.c - nfscap on the synthetic captures of tests/pcaps (written
 * by `nfscap synth`, see capture/synth.c): counts, per-RPC times, TCP
 * health, framings, broken files, a snap-length sweep; plus table-driven
 * checks of the packet and RPC decoders on hand-made bytes. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>
#include <pcap/pcap.h>

#include "../../capture/ana.h"
#include "../../capture/attr.h"
#include "out.h"

#include "pcaps.h"

struct run {
	struct cap_ana *a;
	struct cap_summary s;
	int rc;
	char err[512];
	char *csv;
	size_t csvlen;
};

static void analyze(struct run *r, const char *name, const struct cap_opts *o0)
{
	struct cap_opts o = {0};
	char path[700];
	FILE *f;

	if (o0)
		o = *o0;
	memset(r, 0, sizeof(*r));
	f = open_memstream(&r->csv, &r->csvlen);
	assert_non_null(f);
	o.per_rpc = f;
	assert_int_equal(cap_ana_new(&r->a, &o), 0);
	snprintf(path, sizeof(path), "%s/%s", pcaps(), name);
	const char *files[1] = {path};
	struct cap_input_opts io = {false, NULL};
	r->rc = cap_read_files(r->a, files, 1, &io, r->err, sizeof(r->err));
	cap_ana_finish(r->a);
	cap_ana_summary(r->a, &r->s);
	fclose(f);
}

static void done(struct run *r)
{
	cap_ana_free(r->a);
	free(r->csv);
}

static uint64_t opcount(const struct run *r, unsigned op)
{
	return cap_ana_op(r->a, op)->count;
}

/* "READ=40 WRITE=1 v4:COMPOUND=5" against the op table */
static void check_ops(const struct run *r, const char *want, const char *file)
{
	uint64_t seen = 0, total = 0;
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", want);
	for (char *save, *t = strtok_r(buf, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
		char *eq = strchr(t, '=');
		assert_non_null(eq);
		*eq = 0;
		bool v4 = !strncmp(t, "v4:", 3);
		const char *name = v4 ? t + 3 : t;
		unsigned lo = v4 ? CAP_OP_V4_NULL : 0, hi = v4 ? CAP_OP_NONE : CAP_OP_V3_N, op;
		for (op = lo; op < hi; op++)
			if (!strcmp(cap_op_name(op), name))
				break;
		if (op == hi)
			fail_msg("%s: no op %s", file, t);
		uint64_t n = strtoull(eq + 1, NULL, 10);
		if (opcount(r, op) != n)
			fail_msg("%s: %s count %llu, want %llu", file, t, (unsigned long long)opcount(r, op),
				 (unsigned long long)n);
		if (op != CAP_OP_V4_COMPOUND)
			seen += n;
	}
	for (unsigned op = 0; op < CAP_OP_NONE; op++)
		if (op != CAP_OP_V4_COMPOUND)
			total += opcount(r, op);
	if (total != seen)
		fail_msg("%s: %llu RPCs counted in ops, want %llu", file, (unsigned long long)total,
			 (unsigned long long)seen);
}

/* ---- the capture table (expected answers by construction, see synth.c) ---- */

#define BASIC "NULL=1 GETATTR=1 LOOKUP=1 READ=1 WRITE=1 COMMIT=1"

static const struct pcase {
	const char *file;
	uint16_t port;        /* --port, 0 none */
	const char *ops;
	uint64_t matched, orphans, retrans, ooo, gaps, hidden, min_resyncs;
	int rc;               /* 0 or an error is expected */
	const char *errpart;  /* in the error line */
} cases[] = {
	{"v3_basic.pcap", 0, BASIC, 6, 0, 0, 0, 0, 0, 0, 0, NULL},
	{"vlan.pcap", 0, BASIC, 6, 0, 0, 0, 0, 0, 0, 0, NULL},
	{"qinq.pcap", 0, BASIC, 6, 0, 0, 0, 0, 0, 0, 0, NULL},
	{"sll.pcap", 0, BASIC, 6, 0, 0, 0, 0, 0, 0, 0, NULL},
	{"sll2.pcap", 0, BASIC, 6, 0, 0, 0, 0, 0, 0, 0, NULL},
	{"raw.pcap", 0, BASIC, 6, 0, 0, 0, 0, 0, 0, 0, NULL},
	{"null.pcap", 0, BASIC, 6, 0, 0, 0, 0, 0, 0, 0, NULL},
	{"ipv6.pcap", 0, BASIC, 6, 0, 0, 0, 0, 0, 0, 0, NULL},
	{"sll2_ipv6.pcap", 0, BASIC, 6, 0, 0, 0, 0, 0, 0, 0, NULL},
	{"v3_snap96.pcap", 0, BASIC, 6, 0, 0, 0, 0, 0, 0, 0, NULL},
	{"split_record.pcap", 0, "READ=1 WRITE=1", 2, 0, 0, 0, 0, 0, 0, 0, NULL},
	{"many_records.pcap", 0, "READ=40", 40, 0, 0, 0, 0, 0, 0, 0, NULL},
	{"retrans.pcap", 0, "WRITE=4", 4, 0, 4, 0, 0, 0, 0, 0, NULL},
	{"reorder.pcap", 0, "WRITE=4", 4, 0, 0, 2, 0, 0, 0, 0, NULL},
	{"gap.pcap", 0, "READ=5", 5, 1, 0, 0, 2, 0, 1, 0, NULL},
	{"midstream.pcap", 0, "GETATTR=3", 3, 0, 0, 0, 0, 0, 1, 0, NULL},
	{"port.pcap", 0, BASIC, 6, 0, 0, 0, 0, 0, 0, 0, NULL},
	{"port.pcap", 20490, BASIC, 6, 0, 0, 0, 0, 0, 0, 0, NULL},
	{"port.pcap", 2049, "", 0, 0, 0, 0, 0, 0, 0, 0, NULL},
	{"packed_snap200.pcap", 0, "GETATTR=2", 2, 10, 0, 0, 0, 1, 0, 0, NULL},
	{"v4.pcap", 0, "v4:COMPOUND=5 v4:EXCHANGE_ID=1 v4:READ=1 v4:WRITE=1 v4:LOOKUP=1 v4:SEQUENCE=1",
	 5, 0, 0, 0, 0, 0, 0, 0, NULL},
	{"udp.pcap", 0, "GETATTR=1 READ=1", 2, 0, 0, 0, 0, 0, 0, 0, NULL},
	{"nopackets.pcap", 0, "", 0, 0, 0, 0, 0, 0, 0, 0, NULL},
	{"truncated.pcap", 0, "NULL=1 GETATTR=1 LOOKUP=1 READ=1", 4, 0, 0, 0, 0, 0, 0, EIO,
	 "truncated.pcap: packet 16: file ends in the middle of a packet"},
	{"garbage.bin", 0, "", 0, 0, 0, 0, 0, 0, 0, EINVAL, "garbage.bin: not a pcap or pcapng capture"},
	{"notpcap.txt", 0, "", 0, 0, 0, 0, 0, 0, 0, EINVAL, "notpcap.txt: not a pcap or pcapng capture"},
	{"empty.pcap", 0, "", 0, 0, 0, 0, 0, 0, 0, EINVAL, "empty.pcap: empty file (0 bytes)"},
	{"missing.pcap", 0, "", 0, 0, 0, 0, 0, 0, 0, ENOENT, "missing.pcap: No such file"},
};

static void test_captures(void **state)
{
	(void)state;
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct pcase *c = &cases[i];
		struct cap_opts o = {0};
		struct run r;
		if (c->port) {
			o.ports[0] = c->port;
			o.nports = 1;
		}
		analyze(&r, c->file, &o);
		if (r.rc != c->rc)
			fail_msg("%s: rc %d (%s), want %d", c->file, r.rc, r.err, c->rc);
		if (c->errpart && !strstr(r.err, c->errpart))
			fail_msg("%s: error '%s' lacks '%s'", c->file, r.err, c->errpart);
		if (c->rc)
			assert_null(strchr(r.err, '\n')); /* one line */
		check_ops(&r, c->ops, c->file);
		const struct cap_summary *s = &r.s;
		if (s->matched != c->matched || s->orphans != c->orphans || s->tcp.retrans != c->retrans ||
		    s->tcp.ooo != c->ooo || s->tcp.gaps != c->gaps || s->tcp.hidden != c->hidden ||
		    s->tcp.resyncs < c->min_resyncs)
			fail_msg("%s port %u: matched %llu orphans %llu retrans %llu ooo %llu gaps %llu hidden %llu "
				 "resyncs %llu", c->file, c->port, (unsigned long long)s->matched,
				 (unsigned long long)s->orphans, (unsigned long long)s->tcp.retrans,
				 (unsigned long long)s->tcp.ooo, (unsigned long long)s->tcp.gaps,
				 (unsigned long long)s->tcp.hidden, (unsigned long long)s->tcp.resyncs);
		done(&r);
	}
}

/* ---- per-RPC times from the CSV -------------------------------------------------- */

struct row {
	char op[32], status[40];
	uint64_t xid, cf, cl, rf, rl, call_bytes, reply_bytes, data;
	int64_t exch, srt;
};

static unsigned rows(const char *csv, struct row *v, unsigned max)
{
	unsigned n = 0;
	const char *p = strchr(csv, '\n'); /* skip the header */
	while (p && p[1] && n < max) {
		p++;
		struct row *r = &v[n];
		char cl[80], sv[80], proto[8], vers[4], off[24], cnt[24];
		/* client,server,proto,xid,vers,op,status,call_bytes,reply_bytes,offset,count,data,cf,cl,rf,rl,exch,srt */
		char line[512];
		const char *e = strchr(p, '\n');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (len >= sizeof(line))
			len = sizeof(line) - 1;
		memcpy(line, p, len);
		line[len] = 0;
		char *f[18];
		unsigned k = 0;
		for (char *q = line; k < 18; k++) {
			f[k] = q;
			q = strchr(q, ',');
			if (!q) {
				k++;
				break;
			}
			*q++ = 0;
		}
		assert_int_equal(k, 18);
		(void)cl, (void)sv, (void)proto, (void)vers, (void)off, (void)cnt;
		snprintf(r->op, sizeof(r->op), "%s", f[5]);
		snprintf(r->status, sizeof(r->status), "%s", f[6]);
		r->xid = strtoull(f[3], NULL, 16);
		r->call_bytes = strtoull(f[7], NULL, 10);
		r->reply_bytes = strtoull(f[8], NULL, 10);
		r->data = strtoull(f[11], NULL, 10);
		r->cf = strtoull(f[12], NULL, 10);
		r->cl = strtoull(f[13], NULL, 10);
		r->rf = strtoull(f[14], NULL, 10);
		r->rl = strtoull(f[15], NULL, 10);
		r->exch = strtoll(f[16], NULL, 10);
		r->srt = strtoll(f[17], NULL, 10);
		n++;
		p = e;
	}
	return n;
}

#define T0 1764000000000000000ull
#define US 1000ull

/* Every framing gives the very same per-RPC lines, times included. */
static void test_basic_times(void **state)
{
	static const char *const files[] = {"v3_basic.pcap", "vlan.pcap", "qinq.pcap", "sll.pcap", "sll2.pcap",
					    "raw.pcap", "null.pcap"};
	struct run ref;
	struct row v[8];
	(void)state;
	analyze(&ref, "v3_basic.pcap", NULL);
	assert_int_equal(rows(ref.csv, v, 8), 6);
	/* first call 40 us after the SYN; each RPC 100 us (+40 us for the WRITE) apart */
	assert_int_equal(v[0].cf, T0 + 40 * US);
	assert_string_equal(v[0].op, "NULL");
	assert_string_equal(v[2].op, "LOOKUP");
	assert_string_equal(v[2].status, "NFS3ERR_NOENT");
	assert_string_equal(v[3].op, "READ");
	assert_int_equal(v[3].data, 4096);
	assert_string_equal(v[4].op, "WRITE");
	assert_int_equal(v[4].data, 4096);
	for (unsigned i = 0; i < 6; i++) {
		int64_t want = i == 4 ? 80000 : 40000;
		assert_int_equal(v[i].exch, want);
		assert_int_equal(v[i].srt, want);
		assert_int_equal(v[i].cf, v[i].cl);
		assert_int_equal(v[i].rf, v[i].rl);
	}
	assert_int_equal(opcount(&ref, 2), 0);
	assert_int_equal(cap_ana_op(ref.a, 3)->errors, 1);
	for (unsigned i = 1; i < sizeof(files) / sizeof(files[0]); i++) {
		struct run r;
		analyze(&r, files[i], NULL);
		/* IPv4 framings print the same addresses: the lines must be identical */
		if (strcmp(r.csv, ref.csv))
			fail_msg("%s: per-RPC lines differ from v3_basic.pcap:\n%s\n---\n%s", files[i], r.csv, ref.csv);
		done(&r);
	}
	done(&ref);
}

static void test_split_many_udp_times(void **state)
{
	struct run r;
	struct row v[48];
	(void)state;

	analyze(&r, "split_record.pcap", NULL);
	assert_int_equal(rows(r.csv, v, 48), 2);
	/* WRITE: call in 1000-byte segments 2 us apart; reply 100 us after the last */
	uint64_t nseg = (v[0].call_bytes + 999) / 1000;
	assert_string_equal(v[0].op, "WRITE");
	assert_int_equal(v[0].data, 98304);
	assert_int_equal(v[0].cl - v[0].cf, (nseg - 1) * 2 * US);
	assert_int_equal(v[0].srt, 102 * US);
	/* READ: reply in 1448-byte segments 1 us apart, 30 us after the call */
	uint64_t rseg = (v[1].reply_bytes + 1447) / 1448;
	assert_int_equal(v[1].rl - v[1].rf, (rseg - 1) * US);
	assert_int_equal(v[1].exch, (int64_t)(30 + rseg - 1) * 1000);
	assert_int_equal(v[1].data, 98304);
	done(&r);

	analyze(&r, "many_records.pcap", NULL);
	assert_int_equal(rows(r.csv, v, 48), 40);
	unsigned by[4] = {0};
	for (unsigned i = 0; i < 40; i++) {
		int64_t g = (v[i].exch - 200000) / 30000;
		assert_true(g >= 0 && g < 4 && v[i].exch == 200000 + g * 30000);
		by[g]++;
	}
	assert_int_equal(by[0], 10);
	assert_int_equal(by[3], 10);
	done(&r);

	analyze(&r, "udp.pcap", NULL);
	assert_int_equal(rows(r.csv, v, 48), 2);
	assert_string_equal(v[1].op, "READ");
	/* 6 IP fragments 4 us apart: the reply ends with the last one */
	assert_int_equal(v[1].rl - v[1].rf, 5 * 4 * US);
	assert_int_equal(v[1].data, 8192);
	done(&r);
}

/* Retransmissions and reordering do not change any time or count; the gap
 * loses exactly one RPC and times the one whose middle was lost exactly. */
static void test_retrans_reorder_gap_times(void **state)
{
	struct run a, b;
	struct row va[8], vb[8];
	(void)state;
	analyze(&a, "retrans.pcap", NULL);
	analyze(&b, "reorder.pcap", NULL);
	assert_int_equal(rows(a.csv, va, 8), 4);
	assert_int_equal(rows(b.csv, vb, 8), 4);
	for (unsigned i = 0; i < 4; i++) {
		assert_int_equal(va[i].call_bytes, vb[i].call_bytes);
		assert_true(va[i].exch > 0 && vb[i].exch > 0);
		assert_true(va[i].cl >= va[i].cf);
	}
	done(&a);
	done(&b);

	analyze(&a, "gap.pcap", NULL);
	assert_int_equal(rows(a.csv, va, 8), 5);
	for (unsigned i = 0; i < 5; i++) {
		assert_int_not_equal(va[i].xid, 0x502); /* its call was never captured */
		/* replies: 6 segments 2 us apart, 50 us after the call */
		assert_int_equal(va[i].exch, (50 + 5 * 2) * 1000);
	}
	done(&a);
}

/* Headers only: cutting every packet of the basic capture at any length
 * from 96 bytes up gives the same per-RPC lines as the full capture; below
 * that the procedure is lost but the times stay exact. */
static void test_snaplen_sweep(void **state)
{
	char path[700], ebuf[PCAP_ERRBUF_SIZE];
	struct run ref;
	(void)state;
	analyze(&ref, "v3_basic.pcap", NULL);
	snprintf(path, sizeof(path), "%s/split_record.pcap", pcaps());
	static const uint32_t snaps[] = {72, 80, 96, 128, 200, 300, 1500, 262144};
	/* in the first files every record starts a segment; in the others
	 * records are packed behind each other inside segments */
	const char *const files[] = {"v3_basic.pcap", "v4.pcap", "udp.pcap", "gap.pcap", "split_record.pcap",
				     "many_records.pcap", "reorder.pcap"};
	const unsigned aligned = 3; /* gap.pcap: finding the next header needs 24 bytes */
	for (unsigned fi = 0; fi < sizeof(files) / sizeof(files[0]); fi++) {
		char *full = NULL;
		for (unsigned si = sizeof(snaps) / sizeof(snaps[0]); si-- > 0;) {
			struct cap_opts o = {0};
			struct cap_ana *a;
			char *csv = NULL;
			size_t len = 0;
			FILE *f = open_memstream(&csv, &len);
			o.per_rpc = f;
			assert_int_equal(cap_ana_new(&a, &o), 0);
			snprintf(path, sizeof(path), "%s/%s", pcaps(), files[fi]);
			pcap_t *p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, ebuf);
			assert_non_null(p);
			struct pcap_pkthdr *h;
			const u_char *d;
			while (pcap_next_ex(p, &h, &d) == 1)
				cap_ana_packet(a, pcap_datalink(p), (uint64_t)h->ts.tv_sec * 1000000000ull + (uint64_t)h->ts.tv_usec,
					       d, h->caplen < snaps[si] ? h->caplen : snaps[si], h->len);
			pcap_close(p);
			cap_ana_finish(a);
			cap_ana_free(a);
			fclose(f);
			if (!full) {
				full = csv;
				continue;
			}
			if (fi >= aligned && snaps[si] < 262144) {
				/* packed records: what is found is exact, the rest is counted */
				struct row x[48], y[48];
				unsigned nx = rows(csv, x, 48), ny = rows(full, y, 48);
				assert_true(nx <= ny);
				for (unsigned i = 0; i < nx; i++) {
					unsigned j;
					for (j = 0; j < ny && y[j].xid != x[i].xid; j++)
						;
					if (j == ny)
						fail_msg("%s at %u: xid %llx not in the full capture", files[fi], snaps[si],
							 (unsigned long long)x[i].xid);
					assert_int_equal(x[i].cf, y[j].cf);
					assert_int_equal(x[i].rf, y[j].rf);
					assert_int_equal(x[i].rl, y[j].rl);
					assert_int_equal(x[i].exch, y[j].exch);
					if (x[i].cl) /* empty when the call's end was not seen */
						assert_int_equal(x[i].cl, y[j].cl);
				}
			} else if (snaps[si] >= 200 && strcmp(files[fi], "v4.pcap")) {
				/* 200 bytes hold these records' arguments and results too */
				if (strcmp(csv, full))
					fail_msg("%s at snaplen %u:\n%s\n--- full ---\n%s", files[fi], snaps[si], csv, full);
			} else {
				/* times and XIDs stay exact; from 96 bytes the procedure and
				 * status too (offsets and counts may lie beyond the cut) */
				struct row x[48], y[48];
				unsigned nx = rows(csv, x, 48), ny = rows(full, y, 48);
				assert_int_equal(nx, ny);
				for (unsigned i = 0; i < nx; i++) {
					assert_int_equal(x[i].xid, y[i].xid);
					assert_int_equal(x[i].cf, y[i].cf);
					assert_int_equal(x[i].cl, y[i].cl);
					assert_int_equal(x[i].rf, y[i].rf);
					assert_int_equal(x[i].rl, y[i].rl);
					assert_int_equal(x[i].call_bytes, y[i].call_bytes);
					assert_int_equal(x[i].reply_bytes, y[i].reply_bytes);
					if (snaps[si] >= (strcmp(files[fi], "v4.pcap") ? 96u : 200u)) {
						/* NFSv4: the principal op comes from the reply's op list */
						assert_string_equal(x[i].op, y[i].op);
						assert_string_equal(x[i].status, y[i].status);
					}
				}
			}
			free(csv);
		}
		free(full);
	}
	done(&ref);
}

/* ---- the JSON report: keys exactly as the issue names them ------------------------- */

static struct json_object *get(struct json_object *o, const char *k)
{
	struct json_object *v = NULL;
	if (!json_object_object_get_ex(o, k, &v))
		fail_msg("no member '%s'", k);
	return v;
}

static void test_json_report(void **state)
{
	struct run r;
	char *buf = NULL;
	size_t len = 0;
	struct out *o;
	(void)state;
	analyze(&r, "v4.pcap", NULL);
	FILE *f = open_memstream(&buf, &len);
	assert_int_equal(out_new(&o, OUT_JSON, f, "nfscap/1"), 0);
	const char *files[] = {"v4.pcap"};
	assert_int_equal(cap_report(r.a, o, files, 1), 0);
	assert_int_equal(out_finish(o), 0);
	fclose(f);
	struct json_object *doc = json_tokener_parse(buf);
	assert_non_null(doc);
	assert_string_equal(json_object_get_string(get(doc, "schema")), "nfscap/1");
	struct json_object *v4 = get(get(doc, "nfs"), "v4");
	static const char *const ops[] = {"COMPOUND", "READ", "WRITE", "LOOKUP", "EXCHANGE_ID", "SEQUENCE"};
	static const char *const stats[] = {"min", "mean", "p50", "p90", "p99", "p99.9", "max"};
	for (unsigned i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		struct json_object *op = get(v4, ops[i]);
		assert_int_equal(json_object_get_int64(get(op, "count")), 1 + 4 * (i == 0));
		get(op, "errors");
		get(op, "bytes");
		for (unsigned k = 0; k < 7; k++) {
			get(get(op, "exchange_ns"), stats[k]);
			get(get(op, "srt_ns"), stats[k]);
		}
	}
	assert_int_equal(json_object_get_int64(get(get(v4, "LOOKUP"), "errors")), 1);
	assert_int_equal(json_object_get_int64(get(get(get(v4, "LOOKUP"), "status"), "NFS4ERR_NOENT")), 1);
	assert_int_equal(json_object_get_int64(get(get(v4, "READ"), "bytes")), 8192);
	assert_int_equal(json_object_get_int64(get(get(v4, "PUTFH"), "ops")), 3);
	assert_int_equal(json_object_get_int64(get(get(get(v4, "READ"), "exchange_ns"), "p50")), 70000);
	json_object_put(doc);
	free(buf);

	/* the HTML report: self-contained, with its plots inline */
	buf = NULL;
	f = open_memstream(&buf, &len);
	assert_int_equal(cap_html(r.a, f, files, 1, "truncated dump file"), 0);
	fclose(f);
	assert_non_null(strstr(buf, "<svg"));
	assert_non_null(strstr(buf, "Latency CDF"));
	assert_non_null(strstr(buf, "RPCs in flight"));
	/* issue 15 item 1: heatmap, percentiles over time, the tail, errors
	 * by status, the tables and warnings the text shows */
	assert_non_null(strstr(buf, "Latency over time (heatmap"));
	assert_non_null(strstr(buf, "Latency percentiles per second"));
	assert_non_null(strstr(buf, "1 - CDF"));
	assert_non_null(strstr(buf, "<td class=\"l\">NFS4ERR_NOENT</td>"));
	assert_non_null(strstr(buf, "<h2>Clients</h2>"));
	assert_non_null(strstr(buf, "TCP health"));
	assert_non_null(strstr(buf, "<p class=\"warn\">Reading stopped early: truncated dump file"));
	assert_null(strstr(buf, "e+0")); /* numbers for people */
	assert_null(strstr(buf, "<script"));
	assert_null(strstr(buf, "src="));
	assert_null(strstr(buf, "href="));
	unsigned open_svg = 0, close_svg = 0;
	for (const char *p = buf; (p = strstr(p, "<svg")); p++)
		open_svg++;
	for (const char *p = buf; (p = strstr(p, "</svg>")); p++)
		close_svg++;
	assert_int_equal(open_svg, close_svg);
	free(buf);
	done(&r);
}

/* ---- decoders on hand-made bytes ---------------------------------------------------- */

static void test_decode_table(void **state)
{
	/* Ethernet + IPv4 + TCP with variations */
	static const uint8_t good[] = {
		0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x08, 0x00,
		0x45, 0, 0, 44, 0, 1, 0x40, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
		0x03, 0x20, 0x08, 0x01, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x18, 1, 0, 0, 0, 0, 0,
		1, 2, 3, 4,
	};
	struct {
		size_t caplen;   /* cut */
		int patch_at, patch_val;
		int res, layer;
	} t[] = {
		{sizeof(good), -1, 0, CAP_OK, 0},
		{10, -1, 0, CAP_TRUNC, CAP_L_LINK},
		{20, -1, 0, CAP_TRUNC, CAP_L_NET},
		{40, -1, 0, CAP_TRUNC, CAP_L_TRANS},
		{sizeof(good), 14, 0x44, CAP_INVALID, CAP_L_NET},  /* IHL 16 bytes */
		{sizeof(good), 14, 0x65, CAP_INVALID, CAP_L_NET},  /* version 6 in an IPv4 frame */
		{sizeof(good), 46, 0x30, CAP_INVALID, CAP_L_TRANS},/* data offset 12 bytes */
		{sizeof(good), 46, 0xf0, CAP_INVALID, CAP_L_TRANS},/* data offset past the packet */
	};
	(void)state;
	for (unsigned i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		uint8_t b[sizeof(good)];
		struct cap_pkt p;
		int layer = -1;
		memcpy(b, good, sizeof(good));
		if (t[i].patch_at >= 0)
			b[t[i].patch_at] = (uint8_t)t[i].patch_val;
		int r = cap_decode(CAP_DLT_EN10MB, b, (uint32_t)t[i].caplen, sizeof(good), &p, &layer);
		if (r != t[i].res || (r && layer != t[i].layer))
			fail_msg("case %u: res %d layer %d, want %d %d", i, r, layer, t[i].res, t[i].layer);
		if (r == CAP_OK) {
			assert_int_equal(p.proto, 6);
			assert_int_equal(p.pl_len, 4);
			assert_int_equal(p.sport, 800);
			assert_int_equal(p.dport, 2049);
		}
	}
	/* a headers-only cut keeps the wire payload length */
	struct cap_pkt p;
	int layer;
	assert_int_equal(cap_decode(CAP_DLT_EN10MB, good, 54, 1514, &p, &layer), CAP_OK);
	assert_int_equal(p.pl_cap, 0);
	assert_int_equal(p.pl_len, 4);
	/* unknown link type */
	assert_int_equal(cap_decode(147, good, sizeof(good), sizeof(good), &p, &layer), CAP_INVALID);
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

static void test_rpc_table(void **state)
{
	/* a NFSv3 READ call, AUTH_NONE: xid, 0, 2, prog, vers, proc, cred, verf, fh, off, count */
	uint8_t m[80];
	uint32_t w[] = {0x1234, 0, 2, 100003, 3, 6, 0, 0, 0, 0, 8, 0x11111111, 0x22222222, 0, 4096, 8192};
	size_t n = sizeof(w) / 4 * 4;
	(void)state;
	for (unsigned i = 0; i < sizeof(w) / 4; i++)
		put32(m + 4 * i, w[i]);
	struct cap_msg c;
	assert_int_equal(cap_rpc_parse(m, n, false, &c), CAP_OK);
	assert_int_equal(c.xid, 0x1234);
	assert_int_equal(cap_nfs_call(m, n, false, &c), CAP_OK);
	assert_int_equal(c.op, 6);
	assert_int_equal(c.offset, 4096);
	assert_int_equal(c.count, 8192);
	/* cut inside the header: TRUNCATED when the record goes on, INVALID when not */
	for (size_t cut = 0; cut < 40; cut += 4) {
		assert_int_equal(cap_rpc_parse(m, cut, true, &c), CAP_TRUNC);
		assert_int_equal(cap_rpc_parse(m, cut, false, &c), CAP_INVALID);
	}
	/* cut after the procedure: the op is still known */
	cap_rpc_parse(m, 24, true, &c);
	assert_int_equal(cap_nfs_call(m, 24, true, &c), CAP_TRUNC);
	assert_int_equal(c.op, 6);
	/* RPC version 3, an oversize credential, an unknown message type */
	struct { int at; uint32_t v; } bad[] = {{2, 3}, {7, 401}, {1, 7}, {5, 99}};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint8_t x[80];
		memcpy(x, m, sizeof(m));
		put32(x + 4 * bad[i].at, bad[i].v);
		int r = cap_rpc_parse(x, n, false, &c);
		if (r == CAP_OK)
			r = cap_nfs_call(x, n, false, &c);
		if (r != CAP_INVALID)
			fail_msg("bad case %u: %d", i, r);
	}
	/* a reply to it: accepted, NFS3_OK, post_op_attr absent, count */
	uint8_t rp[64];
	uint32_t rw[] = {0x1234, 1, 0, 0, 0, 0, 0, 0, 512, 1};
	for (unsigned i = 0; i < sizeof(rw) / 4; i++)
		put32(rp + 4 * i, rw[i]);
	struct cap_msg r;
	assert_int_equal(cap_rpc_parse(rp, sizeof(rw), true, &r), CAP_OK);
	cap_rpc_parse(m, n, false, &c);
	cap_nfs_call(m, n, false, &c);
	assert_int_equal(cap_nfs_reply(rp, sizeof(rw), true, &c, &r), CAP_OK);
	assert_int_equal(r.status, 0);
	assert_int_equal(r.rcount, 512);
	/* recognising headers */
	uint8_t rec[84];
	put32(rec, 0x80000000u | (uint32_t)n);
	memcpy(rec + 4, m, n);
	assert_int_equal(cap_rpc_plausible(rec, n + 4, false), 1);
	put32(rec + 16, 123456); /* an unknown program */
	assert_int_equal(cap_rpc_plausible(rec, n + 4, false), 0);
	assert_int_equal(cap_rpc_plausible(rec, n + 4, true), 1);
	uint8_t rrec[44];
	put32(rrec, 0x80000000u | 28);
	memcpy(rrec + 4, rp, 28);
	assert_int_equal(cap_rpc_plausible(rrec, 32, false), 2);
	memset(rrec, 0, sizeof(rrec));
	assert_int_equal(cap_rpc_plausible(rrec, sizeof(rrec), true), 0);
}

/* The XID table is bounded: calls that never get a reply are evicted and
 * counted; memory does not grow with them. */
static void test_xid_bound(void **state)
{
	struct cap_opts o = {0};
	struct cap_ana *a;
	uint8_t f[14 + 20 + 20 + 4 + 80];
	(void)state;
	o.max_xids = 64;
	assert_int_equal(cap_ana_new(&a, &o), 0);
	memset(f, 0, sizeof(f));
	f[12] = 0x08;
	uint8_t ip[20] = {0x45, 0, 0, 0, 0, 0, 0x40, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2};
	uint32_t w[] = {0, 0, 2, 100003, 3, 1, 0, 0, 0, 0, 8, 1, 2};
	size_t msg = sizeof(w);
	size_t tot = 20 + 20 + 4 + msg;
	ip[2] = (uint8_t)(tot >> 8), ip[3] = (uint8_t)tot;
	memcpy(f + 14, ip, 20);
	uint8_t *t = f + 34;
	t[0] = 0x03, t[1] = 0x20, t[2] = 0x08, t[3] = 0x01, t[12] = 0x50, t[13] = 0x18;
	uint32_t seq = 1;
	for (unsigned i = 0; i < 10000; i++) {
		put32(t + 4, seq);
		put32(t + 20, 0x80000000u | (uint32_t)msg);
		w[0] = i + 1;
		for (unsigned k = 0; k < sizeof(w) / 4; k++)
			put32(t + 24 + 4 * k, w[k]);
		cap_ana_packet(a, CAP_DLT_EN10MB, 1000000000ull + i * 1000ull, f, (uint32_t)(34 + tot), (uint32_t)(34 + tot));
		seq += (uint32_t)(4 + msg);
	}
	cap_ana_finish(a);
	struct cap_summary s;
	cap_ana_summary(a, &s);
	assert_int_equal(s.calls, 10000);
	assert_int_equal(s.evicted + s.unanswered, 10000);
	assert_true(s.unanswered <= 64);
	cap_ana_free(a);
}

/* A load capture from capture/synth.c (kind, n), analysed with o. */
static void analyze_load(struct run *r, const char *kind, uint64_t n, const struct cap_opts *o, const char *with)
{
	char tmp[] = "/tmp/nfscap-unit.XXXXXX", path[64], path2[700];
	assert_non_null(mkdtemp(tmp));
	snprintf(path, sizeof(path), "%s/load.pcap", tmp);
	assert_int_equal(cap_synth_load(path, kind, n, r->err, sizeof(r->err)), 0);
	memset(r, 0, sizeof(*r));
	assert_int_equal(cap_ana_new(&r->a, o), 0);
	snprintf(path2, sizeof(path2), "%s/%s", pcaps(), with ? with : "");
	const char *files[2] = {path, path2};
	struct cap_input_opts io = {false, NULL};
	r->rc = cap_read_files(r->a, files, with ? 2 : 1, &io, r->err, sizeof(r->err));
	cap_ana_finish(r->a);
	cap_ana_summary(r->a, &r->s);
	unlink(path);
	rmdir(tmp);
}

/* A full connection table makes room in O(1): the least recently used
 * connection is evicted (counted), so every new one is still analysed.
 * (It used to scan the table for closed or idle ones on every new
 * connection, found none here, and left the new ones untracked.) */
static void test_conn_eviction(void **state)
{
	struct cap_opts o = {0};
	struct run r;
	(void)state;
	o.max_conns = 64;
	analyze_load(&r, "conns", 500, &o, NULL);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.s.conns, 500);
	assert_int_equal(r.s.matched, 500);
	assert_int_equal(r.s.conns_untracked, 0);
	assert_int_equal(r.s.conns_evicted + r.s.conns_retired, 500 - 64);
	done(&r);
	/* a SYN flood evicts connections that never carried RPC first: the NFS
	 * connection of v3_basic, whose packets interleave with it, keeps all
	 * its RPCs (the flood's timestamps start at the same second) */
	analyze_load(&r, "syn", 3000, &o, "v3_basic.pcap");
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.s.matched, 6);
	assert_int_equal(r.s.conns, 3001);
	assert_true(r.s.conns_evicted >= 3001 - 64);
	done(&r);
	/* calls never answered: the oldest give way, the newest are kept */
	o.max_conns = 0;
	o.max_xids = 64;
	analyze_load(&r, "noreply", 1000, &o, NULL);
	assert_int_equal(r.s.calls, 1000);
	assert_int_equal(r.s.evicted, 1000 - 64);
	assert_int_equal(r.s.unanswered, 64);
	done(&r);
}

/* A client's connection count counts each connection that carried RPC once
 * (it counted one per client, however many it had). */
static void test_client_conns(void **state)
{
	struct cap_opts o = {0};
	struct run r;
	(void)state;
	analyze_load(&r, "conns", 50, &o, NULL);
	assert_int_equal(r.rc, 0);
	uint64_t conns = 0, rpcs = 0;
	for (uint32_t i = 0; i < r.a->nclients; i++) {
		conns += r.a->clients[i].conns;
		rpcs += r.a->clients[i].rpcs;
	}
	assert_int_equal(rpcs, 50);
	assert_int_equal(conns, 50);
	done(&r);
}

/* One TCP segment of 10.0.0.1:800 <-> 10.0.0.2:2049 (dir 0: to the server)
 * carrying words w[0..nw) as payload. */
static void feed_words(struct cap_ana *a, uint64_t ts, int dir, uint32_t seq, const uint32_t *w, size_t nw)
{
	uint8_t f[14 + 20 + 20 + 256];
	size_t tot = 20 + 20 + 4 * nw;
	assert_true(4 * nw <= 256);
	memset(f, 0, sizeof(f));
	f[12] = 0x08;
	uint8_t ip[20] = {0x45, 0, (uint8_t)(tot >> 8), (uint8_t)tot, 0, 0, 0x40, 0, 64, 6, 0, 0,
			  10, 0, 0, (uint8_t)(dir ? 2 : 1), 10, 0, 0, (uint8_t)(dir ? 1 : 2)};
	memcpy(f + 14, ip, 20);
	uint8_t *t = f + 34;
	uint16_t sp = dir ? 2049 : 800, dp = dir ? 800 : 2049;
	t[0] = (uint8_t)(sp >> 8), t[1] = (uint8_t)sp, t[2] = (uint8_t)(dp >> 8), t[3] = (uint8_t)dp;
	put32(t + 4, seq);
	t[12] = 0x50, t[13] = 0x18;
	for (size_t k = 0; k < nw; k++)
		put32(t + 20 + 4 * k, w[k]);
	cap_ana_packet(a, CAP_DLT_EN10MB, ts, f, (uint32_t)(14 + tot), (uint32_t)(14 + tot));
}

/* READ and WRITE byte counts are what the record can hold, not what the
 * message claims: a 40-byte READ reply claiming 0xffffffff bytes read and a
 * 72-byte WRITE call claiming 1 MiB move nothing, and both are counted. */
static void test_claimed_counts(void **state)
{
	struct cap_opts o = {0};
	struct cap_ana *a;
	struct cap_summary s;
	(void)state;
	assert_int_equal(cap_ana_new(&a, &o), 0);
	/* READ3args: AUTH_NONE, an 8-byte handle, offset 0, count 4096 */
	const uint32_t rd[] = {0x80000000u | 64, 0x51, 0, 2, 100003, 3, 6, 0, 0, 0, 0, 8, 1, 2, 0, 0, 4096};
	/* READ3resok without attributes: count 0xffffffff, and the record ends */
	const uint32_t rdr[] = {0x80000000u | 40, 0x51, 1, 0, 0, 0, 0, 0, 0, 0xffffffffu, 0};
	/* WRITE3args: count 1 MiB, UNSTABLE, data length 1 MiB, and the record ends */
	const uint32_t wr[] = {0x80000000u | 72, 0x52, 0, 2, 100003, 3, 7, 0, 0, 0, 0, 8, 1, 2, 0, 0,
			       1u << 20, 0, 1u << 20};
	/* WRITE3resok: no attributes, count 1 MiB, UNSTABLE, a verifier */
	const uint32_t wrr[] = {0x80000000u | 52, 0x52, 1, 0, 0, 0, 0, 0, 0, 0, 1u << 20, 0, 7, 7};
	feed_words(a, 1000000000ull, 0, 1, rd, sizeof(rd) / 4);
	feed_words(a, 1000100000ull, 1, 5000, rdr, sizeof(rdr) / 4);
	feed_words(a, 1000200000ull, 0, 1 + sizeof(rd), wr, sizeof(wr) / 4);
	feed_words(a, 1000300000ull, 1, 5000 + sizeof(rdr), wrr, sizeof(wrr) / 4);
	cap_ana_finish(a);
	cap_ana_summary(a, &s);
	assert_int_equal(s.matched, 2);
	assert_int_equal(cap_ana_op(a, 6)->count, 1);
	assert_int_equal(cap_ana_op(a, 7)->count, 1);
	assert_int_equal(cap_ana_op(a, 6)->bytes, 0);
	assert_int_equal(cap_ana_op(a, 7)->bytes, 0);
	assert_int_equal(s.bad_counts, 2);
	cap_ana_free(a);
}

/* A little-endian pcapng file: section header, one Ethernet interface with
 * the options given (code, length, value; ended here), and one packet per
 * timestamp in the interface's units: pkts[i] (len[i] bytes), or 60 zeros. */
static void write_pcapng(const char *path, const uint8_t *opts, size_t optlen, const uint64_t *ts, unsigned nts,
			 uint8_t *const *pkts, const uint32_t *len)
{
	FILE *f = fopen(path, "wb");
	uint32_t shb[7] = {0x0a0d0d0a, 28, 0x1a2b3c4d, 1, 0xffffffffu, 0xffffffffu, 28};
	uint32_t idb_len = (uint32_t)(20 + optlen + 4);
	uint32_t idb[4] = {1, idb_len, 1, 262144}, end = 0;
	uint8_t pkt[60] = {0};
	assert_non_null(f);
	assert_true(optlen % 4 == 0);
	fwrite(shb, 4, 7, f);
	fwrite(idb, 4, 4, f);
	fwrite(opts, 1, optlen, f);
	fwrite(&end, 4, 1, f);
	fwrite(&idb_len, 4, 1, f);
	for (unsigned i = 0; i < nts; i++) {
		uint32_t n = pkts ? len[i] : 60, pad = (4 - n % 4) % 4, zero = 0;
		uint32_t epb[7] = {6, 32 + n + pad, 0, (uint32_t)(ts[i] >> 32), (uint32_t)ts[i], n, n};
		fwrite(epb, 4, 7, f);
		fwrite(pkts ? pkts[i] : pkt, 1, n, f);
		fwrite(&zero, 1, pad, f);
		fwrite(&epb[1], 4, 1, f);
	}
	assert_int_equal(fclose(f), 0);
}

/* pcapng times that libpcap wraps in its 64-bit arithmetic (a large
 * if_tsoffset, a fine binary if_tsresol, seconds beyond 2262) are refused
 * with the file and packet named, not turned silently into other times. */
static void test_pcapng_time_range(void **state)
{
	static const struct {
		const char *what;
		uint8_t opts[20];
		size_t optlen;
		uint64_t ts[2];
		int rc;
		const char *err;
		uint64_t first_ns;
	} cases[] = {
		{"nanoseconds and an offset of 1000 s", {9, 0, 1, 0, 9, 0, 0, 0, 14, 0, 8, 0, 0xe8, 3, 0, 0, 0, 0, 0, 0},
		 20, {1764000000123456789ull, 1764000000123456790ull}, 0, NULL, 1764001000123456789ull},
		{"if_tsoffset 2^62 s", {14, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0x40}, 12, {1, 2}, EINVAL,
		 "packet 1: timestamp out of range", 0},
		{"if_tsoffset -2^40 s", {14, 0, 8, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff}, 12, {1, 2}, EINVAL,
		 "packet 1: timestamp out of range", 0},
		{"if_tsresol 1 s, 2^63 s", {9, 0, 1, 0, 0, 0, 0, 0}, 8, {1ull << 63, 3}, EINVAL,
		 "packet 1: timestamp out of range", 0},
		{"if_tsresol 2^-60", {9, 0, 1, 0, 0x80 | 60, 0, 0, 0}, 8, {(1ull << 60) - 1, 1ull << 59}, EINVAL,
		 "if_tsresol 2^-60", 0},
	};
	char tmp[] = "/tmp/nfscap-unit.XXXXXX", path[64];
	(void)state;
	assert_non_null(mkdtemp(tmp));
	snprintf(path, sizeof(path), "%s/t.pcapng", tmp);
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cap_opts o = {0};
		struct cap_ana *a;
		struct cap_summary s;
		char err[512] = "";
		const char *files[1] = {path};
		struct cap_input_opts io = {false, NULL};
		write_pcapng(path, cases[i].opts, cases[i].optlen, cases[i].ts, 2, NULL, NULL);
		assert_int_equal(cap_ana_new(&a, &o), 0);
		int rc = cap_read_files(a, files, 1, &io, err, sizeof(err));
		cap_ana_summary(a, &s);
		if (rc != cases[i].rc || (cases[i].err && !strstr(err, cases[i].err)) ||
		    (!cases[i].err && s.first_ts != cases[i].first_ns))
			fail_msg("%s: rc %d, first time %llu, error '%s'", cases[i].what, rc,
				 (unsigned long long)s.first_ts, err);
		cap_ana_free(a);
	}
	unlink(path);
	rmdir(tmp);
}

/* `nfscap attribute ARGS...` with its report in out (a file); returns its status. */
static int attribute(const char *out, const char *const *args, int n)
{
	char *argv[24] = {"attribute"};
	for (int i = 0; i < n; i++)
		argv[i + 1] = (char *)args[i];
	fflush(stdout);
	int saved = dup(1);
	FILE *f = fopen(out, "w");
	assert_non_null(f);
	dup2(fileno(f), 1);
	int rc = at_command(n + 1, argv);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	fclose(f);
	return rc;
}

static void le(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* Attribution over times at the ends of the range: a guest capture whose
 * pcapng offset puts it just below 2^63 ns, an app trace with INT64_MIN and
 * INT64_MAX issue times, and a capture straddling 2^63 ns. It used to
 * overflow (t1 - t0 of the offset estimator's window) and crash; now such
 * RPCs are left out and counted, or the file is refused, cleanly. */
static void test_attr_extreme_times(void **state)
{
	char tmp[] = "/tmp/nfscap-unit.XXXXXX", guest[64], trace[64], out[64], v3[700], g2[64];
	uint8_t *pkts[64];
	uint32_t len[64];
	uint64_t ts[64];
	unsigned n = 0;
	char ebuf[PCAP_ERRBUF_SIZE];
	(void)state;
	assert_non_null(mkdtemp(tmp));
	snprintf(guest, sizeof(guest), "%s/guest.pcapng", tmp);
	snprintf(g2, sizeof(g2), "%s/straddle.pcapng", tmp);
	snprintf(trace, sizeof(trace), "%s/app.trace", tmp);
	snprintf(out, sizeof(out), "%s/out.json", tmp);
	snprintf(v3, sizeof(v3), "%s/v3_basic.pcap", pcaps());
	pcap_t *p = pcap_open_offline_with_tstamp_precision(v3, PCAP_TSTAMP_PRECISION_NANO, ebuf);
	assert_non_null(p);
	struct pcap_pkthdr *h;
	const u_char *d;
	while (n < 64 && pcap_next_ex(p, &h, &d) == 1) {
		pkts[n] = malloc(h->caplen);
		memcpy(pkts[n], d, h->caplen);
		len[n] = h->caplen;
		ts[n] = (uint64_t)(h->ts.tv_sec - 1764000000) * 1000000000ull + (uint64_t)h->ts.tv_usec;
		n++;
	}
	pcap_close(p);
	assert_true(n > 10);
	/* nanoseconds (if_tsresol 9) from 9223372030 s: 6 s below 2^63 ns */
	uint8_t opts[20] = {9, 0, 1, 0, 9, 0, 0, 0, 14, 0, 8, 0};
	le(opts + 12, 9223372030ull, 8);
	write_pcapng(guest, opts, 20, ts, n, pkts, len);
	/* a trace of v3_basic's connection: one RPC issued at INT64_MIN and done
	 * at INT64_MAX, one the other way round (nfsbench/trace.h's layout) */
	uint8_t rec[4][48] = {{0}};
	memcpy(rec[0], "NFSBTRC1", 8);
	le(rec[0] + 8, 1, 4);
	le(rec[0] + 12, 48, 4);
	rec[1][0] = 2, rec[1][1] = 4;
	le(rec[1] + 2, 801, 2);
	le(rec[1] + 4, 2049, 2);
	memcpy(rec[1] + 16, (uint8_t[]){198, 18, 0, 11}, 4);
	memcpy(rec[1] + 32, (uint8_t[]){198, 18, 0, 3}, 4);
	for (int i = 2; i < 4; i++) {
		rec[i][0] = 1;
		le(rec[i] + 4, 0x100 + (unsigned)i, 4);
		le(rec[i] + 8, i == 2 ? (uint64_t)INT64_MIN : (uint64_t)INT64_MAX, 8);
		le(rec[i] + 16, i == 2 ? (uint64_t)INT64_MAX : (uint64_t)INT64_MIN, 8);
	}
	FILE *f = fopen(trace, "wb");
	assert_non_null(f);
	fwrite(rec, 48, 4, f);
	fclose(f);
	char gv[100], sv[800];
	snprintf(gv, sizeof(gv), "guest=%s", guest);
	snprintf(sv, sizeof(sv), "storage=%s", v3);
	/* the trace against the storage capture: the estimator's window for
	 * the pair spanned INT64_MIN..INT64_MAX */
	const char *args[] = {"--app", trace, "--vantage", sv, "--json"};
	assert_int_equal(attribute(out, args, 5), 0);
	struct json_object *j = json_object_from_file(out), *pts;
	assert_non_null(j);
	pts = get(j, "points");
	assert_int_equal(json_object_get_int64(get(get(pts, "app"), "times_out_of_range")), 2);
	assert_int_equal(json_object_get_int64(get(get(pts, "storage"), "rpcs")), 6);
	json_object_put(j);
	/* the guest just below 2^63 ns, the storage node in 2025: the guest
	 * comes first, and the storage node's RPCs are 237 years away */
	const char *args2[] = {"--vantage", gv, "--vantage", sv, "--json"};
	assert_int_equal(attribute(out, args2, 5), 0);
	assert_non_null(j = json_object_from_file(out));
	pts = get(j, "points");
	assert_int_equal(json_object_get_int64(get(get(pts, "guest"), "rpcs")), 6);
	assert_int_equal(json_object_get_int64(get(get(pts, "storage"), "times_out_of_range")), 6);
	json_object_put(j);
	/* a guest capture whose times cross 2^63 ns (9223372036.854775808 s) in
	 * the middle: libpcap's times past it wrapped negative; refused now */
	le(opts + 12, 9223372036ull, 8);
	for (unsigned i = 0; i < n; i++)
		ts[i] += 854775808ull - (ts[n - 1] - ts[0]) / 2;
	write_pcapng(g2, opts, 20, ts, n, pkts, len);
	snprintf(gv, sizeof(gv), "guest=%s", g2);
	assert_int_equal(attribute(out, args2, 4), 1);
	for (unsigned i = 0; i < n; i++)
		free(pkts[i]);
	unlink(guest), unlink(g2), unlink(trace), unlink(out);
	rmdir(tmp);
}

/* matched/missing of a point in attribute's JSON report, and a join_ count */
static int64_t attr_pt(struct json_object *j, const char *point, const char *k)
{
	return json_object_get_int64(get(get(get(j, "points"), point), k));
}

/* Attribution streams: RPCs are joined across points while the files are
 * read side by side and let go once every point has them, so the RPCs held
 * at once stay far below the RPCs read (it used to keep them all); an RPC
 * still incomplete after --window is missing where it was not seen yet,
 * and --offset aligns the join as well as the shares. nfscap synth --attr's
 * storage clock runs 3.7 ms ahead and host-out's 1.2 ms behind. */
static void test_attr_streams(void **state)
{
	char tmp[] = "/tmp/nfscap-unit.XXXXXX", out[64], csv[64], v[5][80], err[256] = "";
	static const char *const pts[] = {"guest", "host-in", "host-out", "storage"};
	const unsigned n = 5000;
	(void)state;
	assert_non_null(mkdtemp(tmp));
	assert_int_equal(cap_synth_attr(tmp, n, err, sizeof(err)), 0);
	snprintf(out, sizeof(out), "%s/out.json", tmp);
	snprintf(csv, sizeof(csv), "%s/out.csv", tmp);
	snprintf(v[0], sizeof(v[0]), "%s/app.trace", tmp);
	for (int p = 0; p < 4; p++)
		snprintf(v[p + 1], sizeof(v[p + 1]), "%s=%s/%s.pcap", pts[p], tmp, pts[p]);
	const char *args[] = {"--app", v[0], "--vantage", v[1], "--vantage", v[2], "--vantage", v[3], "--vantage", v[4],
			      "--json", "--per-rpc", csv, "--window", "1ms", "--offset", "storage=+3.7ms",
			      "--offset", "host-out=-1.2ms"};
	/* the default window covers the clock offsets */
	assert_int_equal(attribute(out, args, 13), 0);
	struct json_object *j = json_object_from_file(out), *a;
	assert_non_null(j);
	a = get(j, "attribution");
	assert_int_equal(json_object_get_int64(get(a, "rpcs")), n);
	for (int p = 0; p < 4; p++)
		assert_int_equal(attr_pt(j, pts[p], "matched"), n);
	int64_t peak = json_object_get_int64(get(a, "join_peak_waiting"));
	if (peak <= 0 || peak > (int64_t)n / 10)
		fail_msg("%lld RPCs waiting at once in the join, of %u", (long long)peak, n);
	assert_int_equal(json_object_get_int64(get(a, "join_expired")), 0);
	json_object_put(j);
	/* the shares of every RPC add up to its total */
	FILE *f = fopen(csv, "r");
	char line[512];
	unsigned rows = 0;
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof(line), f));
	while (fgets(line, sizeof(line), f)) {
		long long t, g, h, w, sv;
		assert_int_equal(sscanf(line, "%*[^,],%*[^,],%*[^,],%lld,%lld,%lld,%lld,%lld,", &t, &g, &h, &w, &sv), 5);
		assert_int_equal(t, g + h + w + sv);
		rows++;
	}
	fclose(f);
	assert_int_equal(rows, n);
	/* a 1 ms window is shorter than the storage clock's lead: its RPCs come
	 * too late to join (missing, then extra) */
	assert_int_equal(attribute(out, args, 15), 0);
	assert_non_null(j = json_object_from_file(out));
	assert_int_equal(attr_pt(j, "storage", "missing"), n);
	assert_int_equal(attr_pt(j, "storage", "extra"), n);
	assert_true(json_object_get_int64(get(get(j, "attribution"), "join_expired")) > 0);
	json_object_put(j);
	/* the same window with the offsets given: the join is aligned */
	assert_int_equal(attribute(out, args, 19), 0);
	assert_non_null(j = json_object_from_file(out));
	assert_int_equal(attr_pt(j, "storage", "matched"), n);
	assert_int_equal(attr_pt(j, "host-out", "matched"), n);
	json_object_put(j);
	static const char *const files[] = {"app.trace", "guest.pcap", "host-in.pcap", "host-out.pcap", "storage.pcap",
					    "out.json", "out.csv"};
	for (unsigned i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char path[128];
		snprintf(path, sizeof(path), "%s/%s", tmp, files[i]);
		unlink(path);
	}
	rmdir(tmp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_captures),
		cmocka_unit_test(test_basic_times),
		cmocka_unit_test(test_split_many_udp_times),
		cmocka_unit_test(test_retrans_reorder_gap_times),
		cmocka_unit_test(test_snaplen_sweep),
		cmocka_unit_test(test_json_report),
		cmocka_unit_test(test_decode_table),
		cmocka_unit_test(test_rpc_table),
		cmocka_unit_test(test_xid_bound),
		cmocka_unit_test(test_conn_eviction),
		cmocka_unit_test(test_client_conns),
		cmocka_unit_test(test_claimed_counts),
		cmocka_unit_test(test_pcapng_time_range),
		cmocka_unit_test(test_attr_extreme_times),
		cmocka_unit_test(test_attr_streams),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
