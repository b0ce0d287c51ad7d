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

const char *nb_status_name(uint32_t st, char *b, size_t len)
{
	if (st == NB_ST_VERIFY)
		return "VERIFY_MISMATCH";
	if (st & NB_ST_TRANSPORT) {
		unsigned t = st & ~NB_ST_TRANSPORT;
		return t == NFSIO_TIMEOUT ? "RPC_TIMEOUT" : t == NFSIO_CANCEL ? "RPC_CANCELLED" : "RPC_ERROR";
	}
	return nfsio_status_name(st, b, len);
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
	char b[48], n[32];
	double ops = secs > 0 ? (double)count / secs : 0, bps = secs > 0 ? (double)bytes / secs : 0;
	out_dbl(o, "ops_per_sec", "ops/s", ops, "%.1f", NULL);
	out_dbl(o, "bytes_per_sec", NULL, bps, "%.0f", NULL);
	snprintf(b, sizeof(b), "%s/s", out_fmt_bytes(n, sizeof(n), bps));
	out_str(o, NULL, "throughput", b);
}

static void errors_by_status(struct out *o, const struct nb_opstat *s)
{
	char b[32];
	if (!s->errors)
		return;
	out_begin(o, "errors_by_status", "errors by status");
	for (unsigned i = 0; i < s->nerr; i++) {
		const char *name = nb_status_name(s->err[i].status, b, sizeof(b));
		out_u64(o, name, name, s->err[i].count, NULL);
	}
	if (s->err_other)
		out_u64(o, "other", "other", s->err_other, NULL);
	out_end(o);
}

static void lat_section(struct out *o, const struct hist *h)
{
	char b[32];
	out_begin(o, "lat_ns", "latency");
	lat_field(o, "min", h->count ? h->min : 0);
	out_u64(o, "mean", NULL, (uint64_t)(hist_mean(h) + 0.5), NULL);
	out_str(o, NULL, "mean", out_fmt_ns(b, sizeof(b), (uint64_t)(hist_mean(h) + 0.5)));
	static const struct {
		const char *key;
		double p;
	} pct[] = { { "p50", 50 }, { "p90", 90 }, { "p99", 99 }, { "p99.9", 99.9 }, { "p99.99", 99.99 } };
	for (unsigned i = 0; i < sizeof(pct) / sizeof(pct[0]); i++)
		lat_field(o, pct[i].key, hist_percentile(h, pct[i].p));
	lat_field(o, "max", h->max);
	out_end(o);
}

static void op_section(struct out *o, const char *name, const struct nb_opstat *s, double secs, uint64_t all)
{
	char title[32];
	snprintf(title, sizeof(title), "%s", name);
	for (char *p = title; *p; p++)
		*p = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
	out_begin(o, name, title);
	out_u64(o, "count", "operations", s->count, NULL);
	out_dbl(o, "share", "share of all", all ? 100.0 * (double)s->count / (double)all : 0, "%.1f", "%");
	out_u64(o, "bytes", "bytes", s->bytes, NULL);
	rate_fields(o, s->count, s->bytes, secs);
	out_u64(o, "errors", "errors", s->errors, NULL);
	errors_by_status(o, s);
	out_u64(o, "skipped", "skipped (could not run)", s->skipped, NULL);
	out_u64(o, "deferred", "waited for their file", s->deferred, NULL);
	lat_section(o, &s->lat);
	out_json(o, "hist", hist_to_json(&s->lat));
	out_end(o);
}

static void totals(const struct nb_stats *st, uint64_t *ops, uint64_t *bytes, uint64_t *errors)
{
	*ops = *bytes = *errors = 0;
	for (unsigned i = 0; i < NB_K_MAX; i++) {
		*ops += st->op[i].count;
		*bytes += st->op[i].bytes;
		*errors += st->op[i].errors;
	}
}

/* A kind the results speak of: it ran, failed, or could not run. */
static bool op_shown(const struct nb_opstat *s)
{
	return s->count || s->errors || s->skipped;
}

/* ops.<kind> for every kind that ran, then total. */
static void stats_sections(struct out *o, const struct nb_stats *st, double secs)
{
	uint64_t ops, bytes, errors;
	totals(st, &ops, &bytes, &errors);
	out_begin(o, "ops", NULL);
	uint64_t skipped = 0;
	for (unsigned i = 0; i < NB_K_MAX; i++) {
		skipped += st->op[i].skipped;
		if (op_shown(&st->op[i]))
			op_section(o, nb_kind_name(i), &st->op[i], i == NB_K_COMMIT && !secs ? 0 : secs, ops);
	}
	out_end(o);
	out_begin(o, "total", "total");
	out_u64(o, "count", "operations", ops, NULL);
	out_u64(o, "bytes", "bytes", bytes, NULL);
	rate_fields(o, ops, bytes, secs);
	out_u64(o, "errors", "errors", errors, NULL);
	out_u64(o, "skipped", "operations skipped (could not run)", skipped, NULL);
	out_u64(o, "rpcs_issued", "RPCs issued", st->rpcs_issued, NULL);
	out_u64(o, "rpcs_uncounted", "RPCs not counted (layout, ramp, drain)", st->rpcs_uncounted, NULL);
	out_u64(o, "connection_errors", "connections lost", st->conn_errors, NULL);
	out_u64(o, "reconnects", "reconnects", st->reconnects, NULL);
	out_u64(o, "verify_errors", "verify errors", st->verify_errors, NULL);
	out_u64(o, "verify_unjudged", "blocks not judged (written without --verify)", st->verify_unjudged, NULL);
	out_end(o);
}

static const char *upper(const char *s, char *b, size_t len)
{
	size_t i = 0;
	for (; s[i] && i + 1 < len; i++)
		b[i] = (char)(s[i] >= 'a' && s[i] <= 'z' ? s[i] - 32 : s[i]);
	b[i] = 0;
	return b;
}

int nb_report(const struct nb_config *cfg, const struct nb_result *res)
{
	struct out *o;
	int rc = out_new(&o, cfg->json ? OUT_JSON : OUT_TEXT, cfg->out ? cfg->out : stdout, NB_SCHEMA);
	if (rc)
		return rc;
	const struct nb_profile *p = &cfg->prof;
	const bool quick = p->fs.single[0] != 0;
	double secs = (double)res->elapsed_ns / 1e9;
	char b[64];

	out_begin(o, "config", "nfsbench");
	out_str(o, "url", "url", cfg->url);
	out_str(o, "server", NULL, cfg->server);
	out_str(o, "export", NULL, cfg->export);
	out_str(o, "profile", "profile", cfg->profile_path ? cfg->profile_path : "quick mode");
	out_u64(o, "nfs_version", "NFS version", nfsio_version(), NULL); /* the one used */
	if (quick) {
		const struct nb_group *g = &p->groups[0];
		out_str(o, "file", "file", p->fs.single);
		out_str(o, "rw", "rw", nb_rw_name(cfg->rw));
		if (cfg->rw == NB_RW_RANDRW || cfg->rw == NB_RW_RW)
			out_u64(o, "rwmixread", "rwmixread", cfg->rwmixread, "%");
		out_u64(o, "bs", "bs", cfg->bs, "bytes");
		out_u64(o, "size", "size", cfg->size, "bytes");
		out_u64(o, "rsize", "rsize", g->read_bs, "bytes");
		out_u64(o, "wsize", "wsize", g->write_bs, "bytes");
		out_u64(o, "rsize_asked", NULL, cfg->rsize ? cfg->rsize : cfg->bs, NULL);
		out_u64(o, "wsize_asked", NULL, cfg->wsize ? cfg->wsize : cfg->bs, NULL);
		out_str(o, "stable", "stable", stable_name(g->stable));
		/* values nfsbench chose say so: a user comparing runs must know */
		char why[64], sz[32];
		uint64_t r = cfg->chosen_for;
		if (r && r % (1u << 20) == 0)
			snprintf(sz, sizeof(sz), "%llu MiB", (unsigned long long)(r >> 20));
		else if (r && r % 1024 == 0)
			snprintf(sz, sizeof(sz), "%llu KiB", (unsigned long long)(r >> 10));
		else
			snprintf(sz, sizeof(sz), "%llu-byte", (unsigned long long)r);
		snprintf(why, sizeof(why), "(chosen for %s RPCs)", sz);
		out_u64(o, "connections", "connections", g->connections, cfg->conns_chosen ? why : NULL);
		out_u64(o, "slots", "slots per connection", g->slots, cfg->slots_chosen ? why : NULL);
		out_bool(o, "connections_chosen", NULL, cfg->conns_chosen);
		out_bool(o, "slots_chosen", NULL, cfg->slots_chosen);
		if (cfg->conns_chosen || cfg->slots_chosen)
			out_u64(o, "chosen_for_rpc_bytes", NULL, r, NULL);
		out_u64(o, "threads", "threads", g->threads, NULL);
		out_u64(o, "ops_limit", "ops limit", g->ops_limit, NULL);
	} else {
		snprintf(b, sizeof(b), "/%s: %u files, %u dirs", p->fs.dir, p->fs.nfiles, p->fs.ndirs);
		out_str(o, NULL, "fileset", b);
		out_begin(o, "fileset", NULL);
		out_str(o, "directory", NULL, p->fs.dir);
		out_u64(o, "dirs", NULL, p->fs.ndirs, NULL);
		out_u64(o, "files", NULL, p->fs.nfiles, NULL);
		out_u64(o, "fill", NULL, p->fs.fill_pct, NULL);
		out_bool(o, "reuse", NULL, p->fs.reuse);
		out_end(o);
	}
	out_u64(o, "server_rtmax", "server rtmax", cfg->rtmax, "bytes");
	out_u64(o, "server_wtmax", "server wtmax", cfg->wtmax, "bytes");
	out_dbl(o, "time_s", "time", (double)p->time_ns / 1e9, "%.1f", "s");
	out_dbl(o, "ramp_s", "ramp", (double)p->ramp_ns / 1e9, "%.1f", "s");
	out_dbl(o, "timeout_s", "timeout", (double)cfg->timeout_ns / 1e9, "%.1f", "s");
	out_u64(o, "seed", NULL, cfg->seed, NULL);
	out_bool(o, "verify", "verify", cfg->verify);
	if (cfg->trace_path)
		out_str(o, "trace", "trace", cfg->trace_path);
	out_end(o);

	if (!quick) {
		static const struct out_col gcols[] = {
			{ "name", "group" },	   { "threads", "threads" },   { "connections", "conns" },
			{ "slots", "slots" },	   { "read_size", "read" },    { "read_bs", "read_bs" },
			{ "write_size", "write" }, { "write_bs", "write_bs" }, { "random", "random" },
			{ "rate_iops", "rate_iops" }, { "rate_bytes", "rate_bytes" }, { "ops_limit", "ops_limit" },
		};
		out_table_begin(o, "groups_config", "thread groups", gcols, sizeof(gcols) / sizeof(gcols[0]));
		for (unsigned i = 0; i < p->ngroups; i++) {
			const struct nb_group *g = &p->groups[i];
			out_row_begin(o);
			out_cell_str(o, g->name);
			out_cell_u64(o, g->threads);
			out_cell_u64(o, g->connections);
			out_cell_u64(o, g->slots);
			out_cell_u64(o, g->read_size);
			out_cell_u64(o, g->read_bs);
			out_cell_u64(o, g->write_size);
			out_cell_u64(o, g->write_bs);
			out_cell_str(o, g->random ? "yes" : "no");
			out_cell_dbl(o, g->rate_iops, "%.0f");
			out_cell_dbl(o, g->rate_bytes, "%.0f");
			out_cell_u64(o, g->ops_limit);
			out_row_end(o);
		}
		out_table_end(o);
	}

	out_begin(o, "result", "result");
	out_str(o, "status", "status", res->failed ? "failed" : res->interrupted ? "interrupted" : "ok");
	if (res->error[0])
		out_str(o, "error", "error", res->error);
	out_dbl(o, "elapsed_s", "elapsed", secs, "%.3f", "s");
	out_u64(o, "laid_out_bytes", "laid out", res->laid_out_bytes, "bytes");
	if (cfg->verify)
		out_u64(o, "relaid_files", "files laid out again for verify", res->relaid_files, NULL);
	out_end(o);

	/* FFSB-like summary: one line per group and operation */
	static const struct out_col scols[] = {
		{ "group", "group" },	     { "op", "op" },	       { "count", "count" },
		{ "ops_per_sec", "ops/s" },  { "share", "share%" },    { "bytes_per_sec", "throughput" },
		{ "errors", "errors" },	     { "skipped", "skipped" }, { "mean_ns", "mean" },	 { "p50_ns", "p50" },
		{ "p99_ns", "p99" },	     { "max_ns", "max" },
	};
	out_table_begin(o, "summary", "summary", scols, sizeof(scols) / sizeof(scols[0]));
	for (unsigned gi = 0; gi < p->ngroups; gi++) {
		const struct nb_stats *st = &res->groups[gi].st;
		double gs = (double)res->groups[gi].elapsed_ns / 1e9;
		uint64_t ops, bytes, errors;
		totals(st, &ops, &bytes, &errors);
		for (unsigned k = 0; k < NB_K_MAX; k++) {
			const struct nb_opstat *s = &st->op[k];
			if (!op_shown(s))
				continue;
			out_row_begin(o);
			out_cell_str(o, p->groups[gi].name);
			out_cell_str(o, nb_kind_name(k));
			out_cell_u64(o, s->count);
			out_cell_dbl(o, gs > 0 ? (double)s->count / gs : 0, "%.1f");
			out_cell_dbl(o, ops ? 100.0 * (double)s->count / (double)ops : 0, "%.1f");
			out_cell_unit(o, gs > 0 ? (double)s->bytes / gs : 0, OUT_U_RATE);
			out_cell_u64(o, s->errors);
			out_cell_u64(o, s->skipped);
			/* JSON keeps ns; the text table shows "850 us" */
			out_cell_unit(o, hist_mean(&s->lat), OUT_U_NS);
			out_cell_unit(o, (double)hist_percentile(&s->lat, 50), OUT_U_NS);
			out_cell_unit(o, (double)hist_percentile(&s->lat, 99), OUT_U_NS);
			out_cell_unit(o, (double)s->lat.max, OUT_U_NS);
			out_row_end(o);
		}
	}
	out_table_end(o);

	stats_sections(o, &res->total, secs);

	/* the RPCs the operations were made of */
	static const struct out_col rcols[] = {
		{ "proc", "RPC" },	{ "count", "count" }, { "errors", "errors" }, { "bytes", "bytes" },
		{ "mean_ns", "mean" }, { "p50_ns", "p50" },	{ "p99_ns", "p99" },	   { "max_ns", "max" },
	};
	out_table_begin(o, "rpcs", "RPCs", rcols, sizeof(rcols) / sizeof(rcols[0]));
	for (unsigned i = 0; i < NB_OP_MAX; i++) {
		const struct nb_opstat *s = &res->total.rpc[i];
		if (!s->count && !s->errors)
			continue;
		out_row_begin(o);
		out_cell_str(o, upper(nb_op_name(i), b, sizeof(b)));
		out_cell_u64(o, s->count);
		out_cell_u64(o, s->errors);
		if (cfg->json)
			out_cell_u64(o, s->bytes);
		else
			out_cell_unit(o, (double)s->bytes, OUT_U_BYTES);
		out_cell_unit(o, hist_mean(&s->lat), OUT_U_NS);
		out_cell_unit(o, (double)hist_percentile(&s->lat, 50), OUT_U_NS);
		out_cell_unit(o, (double)hist_percentile(&s->lat, 99), OUT_U_NS);
		out_cell_unit(o, (double)s->lat.max, OUT_U_NS);
		out_row_end(o);
	}
	out_table_end(o);

	if (!quick) {
		out_begin(o, "groups", NULL);
		for (unsigned gi = 0; gi < p->ngroups; gi++) {
			char title[96];
			snprintf(title, sizeof(title), "group %s", p->groups[gi].name);
			out_begin(o, p->groups[gi].name, title);
			out_dbl(o, "elapsed_s", "elapsed", (double)res->groups[gi].elapsed_ns / 1e9, "%.3f", "s");
			stats_sections(o, &res->groups[gi].st, (double)res->groups[gi].elapsed_ns / 1e9);
			out_end(o);
		}
		out_end(o);
	}
	if (res->have_stonewall) {
		out_begin(o, "stonewall", "stonewall (when the first group finished)");
		out_str(o, "group", "first group done", p->groups[res->stonewall_group].name);
		out_dbl(o, "elapsed_s", "at", (double)res->stonewall_ns / 1e9, "%.3f", "s");
		stats_sections(o, &res->stonewall, (double)res->stonewall_ns / 1e9);
		out_end(o);
	}

	if (res->nranks) {
		static const struct out_col kcols[] = {
			{ "rank", "rank" },	       { "host", "host" },	     { "netns", "netns" },
			{ "status", "status" },	       { "count", "ops" },	     { "ops_per_sec", "ops/s" },
			{ "bytes_per_sec", "throughput" }, { "p99_ns", "p99" },    { "errors", "errors" },
			{ "error", "error" },
		};
		out_table_begin(o, "ranks", "ranks", kcols, sizeof(kcols) / sizeof(kcols[0]));
		for (unsigned i = 0; i < res->nranks; i++) {
			const struct nb_rank_row *r = &res->ranks[i];
			out_row_begin(o);
			out_cell_u64(o, (uint64_t)r->rank);
			out_cell_str(o, r->host);
			out_cell_str(o, r->netns[0] ? r->netns : "-");
			out_cell_str(o, r->status);
			out_cell_u64(o, r->ops);
			out_cell_dbl(o, r->ops_per_sec, "%.1f");
			out_cell_unit(o, r->bytes_per_sec, OUT_U_RATE);
			out_cell_unit(o, (double)r->p99_ns, OUT_U_NS);
			out_cell_u64(o, r->errors);
			out_cell_str(o, r->error[0] ? r->error : "-");
			out_row_end(o);
		}
		out_table_end(o);
	}

	uint64_t ops, bytes, errors;
	totals(&res->total, &ops, &bytes, &errors);
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
	const struct nb_stats *t = &res->total;
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
	return out_finish(o);
}
