/* report.c - nfsbench's results, for people (text) and machines (--json),
 * through the one output path of lib/out.h. */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "nfsbench.h"
#include "out.h"

const char *nb_rw_name(enum nb_rw rw)
{
	static const char *const n[] = { "read", "write", "randread", "randwrite", "randrw", "rw" };
	return rw <= NB_RW_RW ? n[rw] : "?";
}

static const char *stable_name(int s)
{
	return s == 2 ? "file" : s == 1 ? "data" : "unstable";
}

/* A latency value: JSON gets ns, people get "1.23ms". */
static void lat_field(struct out *o, const char *key, uint64_t ns)
{
	char b[32];
	out_u64(o, key, NULL, ns, NULL);
	out_str(o, NULL, key, out_fmt_ns(b, sizeof(b), ns));
}

static void rate_fields(struct out *o, uint64_t count, uint64_t bytes, double secs)
{
	char b[32];
	double ops = secs > 0 ? (double)count / secs : 0, bps = secs > 0 ? (double)bytes / secs : 0;
	out_dbl(o, "ops_per_sec", "IOPS", ops, "%.1f", NULL);
	out_dbl(o, "bytes_per_sec", NULL, bps, "%.0f", NULL);
	snprintf(b, sizeof(b), "%s/s", out_fmt_bytes((char[32]){ 0 }, 32, bps));
	out_str(o, NULL, "throughput", b);
}

static void errors_by_status(struct out *o, const struct nb_opstat *s)
{
	char b[32];
	if (!s->errors)
		return;
	out_begin(o, "errors_by_status", "errors by status");
	for (unsigned i = 0; i < s->nerr; i++) {
		uint32_t st = s->err[i].status;
		const char *name;
		if (st & NB_ST_TRANSPORT) {
			unsigned t = st & ~NB_ST_TRANSPORT;
			name = t == NFSIO_TIMEOUT ? "RPC_TIMEOUT" : t == NFSIO_CANCEL ? "RPC_CANCELLED" : "RPC_ERROR";
		} else {
			name = nfsio_status_name(st, b, sizeof(b));
		}
		out_u64(o, name, name, s->err[i].count, NULL);
	}
	if (s->err_other)
		out_u64(o, "other", "other", s->err_other, NULL);
	out_end(o);
}

static void op_section(struct out *o, unsigned op, const struct nb_opstat *s, double secs)
{
	char title[32];
	snprintf(title, sizeof(title), "%s", nb_op_name(op));
	for (char *p = title; *p; p++)
		*p = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
	out_begin(o, nb_op_name(op), title);
	out_u64(o, "count", "operations", s->count, NULL);
	out_u64(o, "bytes", "bytes", s->bytes, NULL);
	rate_fields(o, s->count, s->bytes, secs);
	out_u64(o, "errors", "errors", s->errors, NULL);
	errors_by_status(o, s);
	out_begin(o, "lat_ns", "latency");
	const struct hist *h = &s->lat;
	lat_field(o, "min", h->count ? h->min : 0);
	out_u64(o, "mean", NULL, (uint64_t)(hist_mean(h) + 0.5), NULL);
	char b[32];
	out_str(o, NULL, "mean", out_fmt_ns(b, sizeof(b), (uint64_t)(hist_mean(h) + 0.5)));
	static const struct {
		const char *key;
		double p;
	} pct[] = { { "p50", 50 }, { "p90", 90 }, { "p99", 99 }, { "p99.9", 99.9 }, { "p99.99", 99.99 } };
	for (unsigned i = 0; i < sizeof(pct) / sizeof(pct[0]); i++)
		lat_field(o, pct[i].key, hist_percentile(h, pct[i].p));
	lat_field(o, "max", h->max);
	out_end(o);
	out_json(o, "hist", hist_to_json(h));
	out_end(o);
}

int nb_report(const struct nb_config *cfg, const struct nb_result *res)
{
	struct out *o;
	int rc = out_new(&o, cfg->json ? OUT_JSON : OUT_TEXT, stdout, NB_SCHEMA);
	if (rc)
		return rc;
	char b[64];
	double secs = (double)res->elapsed_ns / 1e9;

	out_begin(o, "config", "nfsbench");
	out_str(o, "url", "url", cfg->url);
	out_str(o, "server", NULL, cfg->server);
	out_str(o, "export", NULL, cfg->export);
	out_str(o, "file", "file", cfg->file);
	out_u64(o, "nfs_version", NULL, 3, NULL);
	out_str(o, "rw", "rw", nb_rw_name(cfg->rw));
	if (cfg->rw == NB_RW_RANDRW || cfg->rw == NB_RW_RW)
		out_u64(o, "rwmixread", "rwmixread", cfg->rwmixread, "%");
	out_u64(o, "bs", "bs", cfg->bs, "bytes");
	out_u64(o, "size", "size", cfg->size, "bytes");
	out_u64(o, "rsize", "rsize", cfg->rsize_used, "bytes");
	out_u64(o, "wsize", "wsize", cfg->wsize_used, "bytes");
	out_u64(o, "rsize_asked", NULL, cfg->rsize ? cfg->rsize : cfg->bs, NULL);
	out_u64(o, "wsize_asked", NULL, cfg->wsize ? cfg->wsize : cfg->bs, NULL);
	out_u64(o, "server_rtmax", "server rtmax", cfg->rtmax, "bytes");
	out_u64(o, "server_wtmax", "server wtmax", cfg->wtmax, "bytes");
	out_str(o, "stable", "stable", stable_name(cfg->stable));
	out_u64(o, "connections", "connections", cfg->connections, NULL);
	out_u64(o, "slots", "slots per connection", cfg->slots, NULL);
	out_u64(o, "threads", "threads", cfg->threads > cfg->connections ? cfg->connections : cfg->threads, NULL);
	out_dbl(o, "time_s", "time", (double)cfg->time_ns / 1e9, "%.1f", "s");
	out_dbl(o, "ramp_s", "ramp", (double)cfg->ramp_ns / 1e9, "%.1f", "s");
	out_u64(o, "ops_limit", "ops limit", cfg->ops_limit, NULL);
	out_dbl(o, "timeout_s", "timeout", (double)cfg->timeout_ns / 1e9, "%.1f", "s");
	out_u64(o, "seed", NULL, cfg->seed, NULL);
	if (cfg->trace_path)
		out_str(o, "trace", "trace", cfg->trace_path);
	out_end(o);

	out_begin(o, "result", "result");
	out_str(o, "status", "status", res->failed ? "failed" : res->interrupted ? "interrupted" : "ok");
	if (res->error[0])
		out_str(o, "error", "error", res->error);
	out_dbl(o, "elapsed_s", "elapsed", secs, "%.3f", "s");
	if (res->laid_out_bytes)
		out_u64(o, "laid_out_bytes", "laid out", res->laid_out_bytes, "bytes");
	out_end(o);

	out_begin(o, "ops", NULL);
	const struct nb_stats *t = &res->total;
	for (unsigned i = 0; i < NB_OP_MAX; i++)
		if (t->op[i].count || t->op[i].errors)
			op_section(o, i, &t->op[i], i == NB_OP_COMMIT ? 0 : secs);
	out_end(o);

	uint64_t ops = 0, bytes = 0, errors = 0;
	for (unsigned i = 0; i < NB_OP_MAX; i++) {
		ops += t->op[i].count;
		bytes += t->op[i].bytes;
		errors += t->op[i].errors;
	}
	out_begin(o, "total", "total");
	out_u64(o, "count", "operations", ops, NULL);
	out_u64(o, "bytes", "bytes", bytes, NULL);
	rate_fields(o, ops, bytes, secs);
	out_u64(o, "errors", "errors", errors, NULL);
	out_u64(o, "rpcs_issued", "RPCs issued", t->rpcs_issued, NULL);
	out_u64(o, "rpcs_uncounted", "RPCs not counted (ramp, drain)", t->rpcs_uncounted, NULL);
	out_u64(o, "connection_errors", "connections lost", t->conn_errors, NULL);
	out_u64(o, "reconnects", "reconnects", t->reconnects, NULL);
	out_end(o);

	out_begin(o, "cpu", "client CPU");
	out_dbl(o, "user_s", "user", res->user_s, "%.3f", "s");
	out_dbl(o, "sys_s", "system", res->sys_s, "%.3f", "s");
	double cpu = res->user_s + res->sys_s;
	double gib = (double)bytes / (1024.0 * 1024 * 1024);
	out_dbl(o, "per_gib_s", "per GiB", gib > 0 ? cpu / gib : 0, "%.3f", "s");
	out_dbl(o, "per_1000_ops_s", "per 1000 ops", ops ? cpu * 1000 / (double)ops : 0, "%.4f", "s");
	out_end(o);

	static const struct out_col cols[] = { { "t", "second" }, { "ops", "ops" }, { "bytes", "bytes" } };
	out_table_begin(o, "intervals", "per second", cols, 3);
	unsigned n = t->niv;
	unsigned whole = (unsigned)(res->elapsed_ns / 1000000000u) + (res->elapsed_ns % 1000000000u ? 1 : 0);
	if (n > whole)
		n = whole;
	for (unsigned i = 0; i < n; i++) {
		out_row_begin(o);
		out_cell_u64(o, i + 1);
		out_cell_u64(o, t->iv_ops[i]);
		out_cell_u64(o, t->iv_bytes[i]);
		out_row_end(o);
	}
	out_table_end(o);
	(void)b;
	return out_finish(o);
}
