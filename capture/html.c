/* html.c - nfscap's report as one self-contained HTML file (lib/html.h):
 * what the text report says, and the pictures storage engineers read at a
 * glance. Warnings first (truncated file, gaps, headers not captured,
 * replies without calls); then the per-op table with errors by status, a
 * latency heatmap over time, p50/p99/p99.9 over time, the CDF and the tail
 * (1 - CDF, log) per op, operations, bytes and RPCs in flight per second,
 * and the client, connection and TCP tables. The tables are read from the
 * JSON document cap_report() builds, so HTML, text and JSON show the same
 * numbers. No scripts, fonts or anything fetched from the network. */
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include <json-c/json.h>

#include "ana.h"
#include "html.h"
#include "out.h"

#define W 1000
#define H 320
#define MR 190 /* the legend's margin */
#define HEAT_COLS 250
#define MAX_ROWS 50

/* the busiest ops (at most max), NFSv4 COMPOUNDs left out: their
 * principal ops are there */
static unsigned busiest(const struct cap_ana *a, unsigned *pick, unsigned max)
{
	unsigned n = 0;
	for (unsigned op = 0; op < CAP_OP_NONE; op++) {
		const struct cap_opstat *s = &a->ops[op];
		if (op == CAP_OP_V4_COMPOUND || !s->exch || !s->exch->count)
			continue;
		if (n < max) {
			pick[n++] = op;
			continue;
		}
		unsigned low = 0;
		for (unsigned i = 1; i < n; i++)
			if (a->ops[pick[i]].count < a->ops[pick[low]].count)
				low = i;
		if (s->count > a->ops[pick[low]].count)
			pick[low] = op;
	}
	return n;
}

static const char *op_label(char *buf, size_t len, const struct cap_ana *a, unsigned op)
{
	snprintf(buf, len, "v%u %s (%" PRIu64 ")", cap_op_vers(op), cap_op_name(op), a->ops[op].count);
	return buf;
}

/* Latency CDF (tail false) or 1 - CDF on a log axis (tail true) of the
 * busiest ops, latency on a log axis. */
static void cdf(FILE *f, const struct cap_ana *a, bool tail)
{
	unsigned pick[8], n = busiest(a, pick, 8);
	if (!n)
		return;
	uint64_t mn = UINT64_MAX, mx = 0, most = 0;
	for (unsigned i = 0; i < n; i++) {
		const struct hist *h = a->ops[pick[i]].exch;
		mn = h->min < mn ? h->min : mn;
		mx = h->max > mx ? h->max : mx;
		most = h->count > most ? h->count : most;
	}
	struct html_plot p;
	struct html_axis x = {(double)(mn ? mn : 1), (double)mx, OUT_U_NS, true, false, "latency (exchange), log scale", 0};
	struct html_axis y = {0, 1, OUT_U_FRAC, false, false, "RPCs at or below", 0};
	if (tail)
		y = (struct html_axis){fmin(1.0 / (double)most, 0.1), 1, OUT_U_FRAC, true, false,
				       "RPCs slower than (log scale)", 0};
	html_plot_begin(&p, f,
			tail ? "Latency tail per operation (1 - CDF: read p99 at 1%, p99.9 at 0.1%)"
			     : "Latency CDF per operation (exchange: call first byte to reply last byte)",
			W, H, 0, MR, &x, &y);
	if (tail)
		for (double q = 0.01; q >= p.y.lo * 0.999 && q >= 0.001; q /= 10)
			fprintf(f, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#999\" stroke-dasharray=\"5 3\"/>"
				   "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" fill=\"#666\">%s</text>\n",
				p.ml, p.w - p.mr, html_py(&p, q), html_py(&p, q), p.w - p.mr - 4, html_py(&p, q) - 3,
				q > 0.005 ? "p99" : "p99.9");
	for (unsigned i = 0; i < n; i++) {
		const struct hist *h = a->ops[pick[i]].exch;
		uint64_t cum = 0;
		html_line_begin(&p, html_color(i), 1.6, NULL);
		html_line_pt(&p, (double)(h->min ? h->min : 1), tail ? 1 : 0);
		for (unsigned b = 0; b < HIST_NBUCKETS && cum < h->count; b++) {
			if (!h->buckets[b])
				continue;
			cum += h->buckets[b];
			double above = (double)(h->count - cum) / (double)h->count;
			if (tail && cum == h->count)
				break; /* nothing slower: no point on a log axis */
			html_line_pt(&p, (double)hist_bucket_hi(b), tail ? above : 1 - above);
		}
		html_line_end(&p);
		char name[48];
		html_plot_legend(&p, html_color(i), op_label(name, sizeof(name), a, pick[i]));
	}
	if (tail && most < 100)
		html_plot_note(&p, "too few RPCs for a p99 (fewer than 100 of any operation)");
	html_plot_end(&p);
}

/* Time x log latency, the number of RPCs as colour: modes show as bands,
 * the tail as the sparse cells above them. */
static void heatmap(FILE *f, const struct cap_ana *a)
{
	uint32_t per = a->nbins > HEAT_COLS ? (a->nbins + HEAT_COLS - 1) / HEAT_COLS : 1; /* seconds per column */
	uint32_t ncol = (a->nbins + per - 1) / per;
	unsigned rlo = CAP_HEAT_ROWS, rhi = 0;
	uint64_t cmax = 0, total = 0;
	for (uint32_t c = 0; c < ncol; c++)
		for (unsigned r = 0; r < CAP_HEAT_ROWS; r++) {
			uint64_t v = 0;
			for (uint32_t i = c * per; i < (c + 1) * per && i < a->nbins; i++)
				v += a->bins[i].heat[r];
			if (!v)
				continue;
			rlo = r < rlo ? r : rlo;
			rhi = r > rhi ? r : rhi;
			cmax = v > cmax ? v : cmax;
			total += v;
		}
	char t[96];
	snprintf(t, sizeof(t), "Latency over time (heatmap: RPCs per %" PRIu32 " s and latency band)", per);
	struct html_plot p;
	struct html_axis x = {0, (double)ncol * per, OUT_U_SEC, false, false, "time since the first packet", 0};
	struct html_axis y = {total ? (double)cap_heat_lo(rlo) : 1e4, total ? (double)cap_heat_lo(rhi + 1) : 1e6, OUT_U_NS,
			      true, false, "latency (exchange), log scale", 0};
	html_plot_begin(&p, f, t, W, H, 0, MR, &x, &y);
	if (!total) {
		html_plot_note(&p, "no RPC timed: nothing to draw");
		html_plot_end(&p);
		return;
	}
	double lmax = log((double)cmax + 1);
	for (uint32_t c = 0; c < ncol; c++)
		for (unsigned r = rlo; r <= rhi; r++) {
			uint64_t v = 0;
			for (uint32_t i = c * per; i < (c + 1) * per && i < a->nbins; i++)
				v += a->bins[i].heat[r];
			if (!v)
				continue;
			char col[8], tip[96], b1[24], b2[24];
			/* log colour: one RPC in the tail still shows against thousands */
			html_seq_color(col, cmax > 1 ? log((double)v + 1) / lmax : 1);
			snprintf(tip, sizeof(tip), "%" PRIu32 " s: %s to %s: %" PRIu64 " RPCs", c * per,
				 out_fmt(b1, sizeof(b1), (double)cap_heat_lo(r), OUT_U_NS),
				 out_fmt(b2, sizeof(b2), (double)cap_heat_lo(r + 1), OUT_U_NS), v);
			html_rect(&p, (double)c * per, (double)cap_heat_lo(r), (double)(c + 1) * per,
				  (double)cap_heat_lo(r + 1), col, tip);
		}
	html_plot_colorbar(&p, 1, (double)cmax, OUT_U_NUM, true, "RPCs");
	html_plot_end(&p);
}

/* p50, p99 and p99.9 of each second, log latency axis. */
static void percentiles(FILE *f, const struct cap_ana *a)
{
	uint64_t lo = UINT64_MAX, hi = 0;
	for (uint32_t i = 0; i < a->nbins; i++)
		if (a->bins[i].has_p99) {
			lo = a->bins[i].p50 < lo ? a->bins[i].p50 : lo;
			hi = a->bins[i].p999 > hi ? a->bins[i].p999 : hi;
		}
	if (!hi)
		return;
	struct html_plot p;
	struct html_axis x = {0, a->nbins, OUT_U_SEC, false, false, "time since the first packet", 0};
	struct html_axis y = {(double)(lo ? lo : 1), (double)hi, OUT_U_NS, true, false, "latency (exchange), log scale", 0};
	html_plot_begin(&p, f, "Latency percentiles per second (all operations)", W, H, 0, MR, &x, &y);
	static const char *const names[] = {"p50", "p99", "p99.9"};
	for (int k = 0; k < 3; k++) {
		html_line_begin(&p, html_color((unsigned)k), 1.6, NULL);
		for (uint32_t i = 0; i < a->nbins; i++) {
			const struct cap_bin *b = &a->bins[i];
			if (b->has_p99) /* each second's value in its middle, as in the heatmap */
				html_line_pt(&p, i + 0.5, (double)(k == 0 ? b->p50 : k == 1 ? b->p99 : b->p999));
		}
		html_line_end(&p);
		html_plot_legend(&p, html_color((unsigned)k), names[k]);
	}
	html_plot_end(&p);
}

/* A time series: up to two lines over the per-second bins. */
static void series(FILE *f, const struct cap_ana *a, const char *title, const char *ytitle, enum out_unit u,
		   int which)
{
	if (!a->nbins)
		return;
	double vmax = 0;
	for (uint32_t i = 0; i < a->nbins; i++) {
		const struct cap_bin *b = &a->bins[i];
		double v = which == 0 ? (double)b->ops : which == 1 ? (double)b->bytes : (double)b->infl_max;
		if (v > vmax)
			vmax = v;
	}
	struct html_plot p;
	struct html_axis x = {0, a->nbins, OUT_U_SEC, false, false, "time since the first packet", 0};
	struct html_axis y = {0, vmax > 0 ? vmax : 1, u, false, false, ytitle, 0};
	html_plot_begin(&p, f, title, W, H, 0, MR, &x, &y);
	int lines = which == 2 ? 2 : 1;
	for (int l = 0; l < lines; l++) {
		html_line_begin(&p, html_color((unsigned)l), 1.6, NULL);
		for (uint32_t i = 0; i < a->nbins; i++) {
			const struct cap_bin *b = &a->bins[i];
			double v;
			if (which == 0)
				v = (double)b->ops;
			else if (which == 1)
				v = (double)b->bytes;
			else if (l == 0)
				v = (double)b->infl_max;
			else
				v = (double)b->infl_area / 1e9; /* mean over the second */
			html_line_pt(&p, i + 0.5, v);
		}
		html_line_end(&p);
	}
	if (which == 2) {
		html_plot_legend(&p, html_color(0), "max");
		html_plot_legend(&p, html_color(1), "mean");
	} else {
		html_plot_legend(&p, html_color(0), which ? "READ+WRITE data" : "RPCs completed");
	}
	html_plot_end(&p);
}

/* ---- tables, read from the report's JSON document ---------------------------------- */

struct col {
	const char *key, *title;
	enum out_unit unit;
	bool text;
};

static struct json_object *get(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;
	return o && json_object_object_get_ex(o, key, &v) ? v : NULL;
}

static void cell(FILE *f, struct json_object *v, const struct col *c)
{
	if (!v || json_object_is_type(v, json_type_null)) {
		fputs("<td>-</td>", f);
	} else if (c->text) {
		fputs("<td class=\"l\">", f);
		html_esc(f, json_object_get_string(v));
		fputs("</td>", f);
	} else if (c->unit == OUT_U_NUM && json_object_is_type(v, json_type_int)) {
		fprintf(f, "<td>%" PRId64 "</td>", json_object_get_int64(v)); /* counts stay exact */
	} else {
		html_td(f, json_object_get_double(v), c->unit);
	}
}

static void thead(FILE *f, const struct col *cols, size_t n)
{
	fputs("<table><tr>", f);
	for (size_t i = 0; i < n; i++)
		html_th(f, cols[i].title, NULL);
	fputs("</tr>\n", f);
}

static void json_table(FILE *f, const char *title, struct json_object *arr, const struct col *cols, size_t n)
{
	size_t rows = arr ? json_object_array_length(arr) : 0;
	if (!rows)
		return;
	html_h2(f, title);
	thead(f, cols, n);
	for (size_t r = 0; r < rows && r < MAX_ROWS; r++) {
		struct json_object *row = json_object_array_get_idx(arr, r);
		fputs("<tr>", f);
		for (size_t i = 0; i < n; i++)
			cell(f, get(row, cols[i].key), &cols[i]);
		fputs("</tr>\n", f);
	}
	fputs("</table>\n", f);
	if (rows > MAX_ROWS)
		fprintf(f, "<p class=\"note\">%zu more in --json.</p>\n", rows - MAX_ROWS);
}

/* NFSv3 and v4 ops: count, errors, bytes and latency in units; then the
 * errors by status. */
static void ops_tables(FILE *f, struct json_object *nfs)
{
	static const char *const st[] = {"mean", "p50", "p90", "p99", "p99.9", "max"};
	bool errors = false;
	html_h2(f, "Operations (exchange: call first byte to reply last byte; SRT as tshark's rpc,srt)");
	fputs("<table><tr><th class=\"l\">Op</th><th>Count</th><th>Errors</th><th>Bytes</th>", f);
	for (size_t i = 0; i < 6; i++)
		fprintf(f, "<th>%s</th>", st[i]);
	fputs("<th>SRT mean</th><th>SRT p99</th></tr>\n", f);
	for (int v = 0; v < 2; v++) {
		struct json_object *vo = get(nfs, v ? "v4" : "v3");
		if (!vo)
			continue;
		json_object_object_foreach(vo, name, op)
		{
			struct json_object *ex = get(op, "exchange_ns"), *srt = get(op, "srt_ns");
			if (!json_object_get_int64(get(op, "count")))
				continue;
			fprintf(f, "<tr><td>v%d ", v ? 4 : 3);
			html_esc(f, name);
			fprintf(f, "</td><td>%" PRId64 "</td><td>%" PRId64 "</td>", json_object_get_int64(get(op, "count")),
				json_object_get_int64(get(op, "errors")));
			html_td(f, json_object_get_double(get(op, "bytes")), OUT_U_BYTES);
			for (size_t i = 0; i < 6; i++)
				html_td(f, json_object_get_double(get(ex, st[i])), OUT_U_NS);
			html_td(f, json_object_get_double(get(srt, "mean")), OUT_U_NS);
			html_td(f, json_object_get_double(get(srt, "p99")), OUT_U_NS);
			fputs("</tr>\n", f);
			errors |= get(op, "status") != NULL;
		}
	}
	fputs("</table>\n", f);
	if (!errors)
		return;
	html_h2(f, "Errors by status");
	fputs("<table><tr><th class=\"l\">Op</th><th class=\"l\">Status</th><th>Count</th></tr>\n", f);
	for (int v = 0; v < 2; v++) {
		struct json_object *vo = get(nfs, v ? "v4" : "v3");
		if (!vo)
			continue;
		json_object_object_foreach(vo, name, op)
		{
			struct json_object *so = get(op, "status");
			if (!so)
				continue;
			json_object_object_foreach(so, sname, n)
			{
				fprintf(f, "<tr><td>v%d ", v ? 4 : 3);
				html_esc(f, name);
				fputs("</td><td class=\"l\">", f);
				html_esc(f, sname);
				fprintf(f, "</td><td>%" PRId64 "</td></tr>\n", json_object_get_int64(n));
			}
		}
	}
	fputs("</table>\n", f);
}

static const struct col client_cols[] = {
	{"client", "Client", OUT_U_NUM, true},        {"connections", "Conns", OUT_U_NUM, false},
	{"rpcs", "RPCs", OUT_U_NUM, false},           {"errors", "Errors", OUT_U_NUM, false},
	{"bytes", "Bytes", OUT_U_BYTES, false},       {"exchange_mean_ns", "Exch mean", OUT_U_NS, false},
	{"exchange_p50_ns", "p50", OUT_U_NS, false},  {"exchange_p99_ns", "p99", OUT_U_NS, false},
	{"exchange_max_ns", "max", OUT_U_NS, false},  {"srt_mean_ns", "SRT mean", OUT_U_NS, false},
	{"srt_p99_ns", "SRT p99", OUT_U_NS, false},
};

static const struct col conn_cols[] = {
	{"client", "Client", OUT_U_NUM, true},         {"server", "Server", OUT_U_NUM, true},
	{"rpcs", "RPCs", OUT_U_NUM, false},            {"errors", "Errors", OUT_U_NUM, false},
	{"bytes", "Bytes", OUT_U_BYTES, false},        {"exchange_mean_ns", "Exch mean", OUT_U_NS, false},
	{"exchange_p99_ns", "Exch p99", OUT_U_NS, false}, {"exchange_max_ns", "Exch max", OUT_U_NS, false},
	{"inflight_max", "In flight max", OUT_U_NUM, false}, {"inflight_mean", "mean", OUT_U_NUM, false},
	{"retransmissions", "Retrans", OUT_U_NUM, false}, {"out_of_order", "OOO", OUT_U_NUM, false},
	{"dup_acks", "Dup ACKs", OUT_U_NUM, false},    {"zero_window", "Zero win", OUT_U_NUM, false},
	{"window_full", "Win full", OUT_U_NUM, false}, {"handshake_rtt_ns", "Handshake RTT", OUT_U_NS, false},
	{"gaps", "Gaps", OUT_U_NUM, false},            {"hidden_headers", "Hidden hdrs", OUT_U_NUM, false},
	{"orphan_replies", "Orphans", OUT_U_NUM, false}, {"unanswered", "Unanswered", OUT_U_NUM, false},
};

/* The TCP section: one row of totals. */
static const struct col tcp_cols[] = {
	{"connections", "Connections", OUT_U_NUM, false}, {"segments", "Segments", OUT_U_NUM, false},
	{"retransmissions", "Retrans", OUT_U_NUM, false}, {"retransmitted_bytes", "Retrans bytes", OUT_U_BYTES, false},
	{"out_of_order", "OOO", OUT_U_NUM, false},        {"dup_acks", "Dup ACKs", OUT_U_NUM, false},
	{"zero_window", "Zero win", OUT_U_NUM, false},    {"window_full", "Win full", OUT_U_NUM, false},
	{"gaps", "Gaps", OUT_U_NUM, false},               {"gap_bytes", "Gap bytes", OUT_U_BYTES, false},
	{"hidden_headers", "Hidden hdrs", OUT_U_NUM, false}, {"resyncs", "Resyncs", OUT_U_NUM, false},
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void warnings(FILE *f, const struct cap_ana *a, const struct cap_summary *s, const char *readerr)
{
	char b[320];
	if (readerr && *readerr) {
		snprintf(b, sizeof(b), "Reading stopped early: %s. Everything below is what came before.", readerr);
		html_warn(f, b);
	}
	if (!s->matched)
		html_warn(f, "No RPC was timed: check the capture filter, the NFS port (--port) and the snap length.");
	if (s->tcp.gaps) {
		snprintf(b, sizeof(b), "%" PRIu64 " gaps in TCP streams (%" PRIu64 " bytes never captured): the capture "
			 "dropped packets or started mid-stream; RPCs in the gaps are missing.", s->tcp.gaps, s->tcp.gap_bytes);
		html_warn(f, b);
	}
	if (s->tcp.hidden) {
		snprintf(b, sizeof(b), "%" PRIu64 " RPC record headers lay beyond the captured bytes (snaplen) and could "
			 "not be read; capture with a larger -s, with offloads off, or with nfscap capture.", s->tcp.hidden);
		html_warn(f, b);
	}
	if (s->orphans) {
		snprintf(b, sizeof(b), "%" PRIu64 " replies without their call (the call came before the capture, "
			 "or was not captured): not timed.", s->orphans);
		html_warn(f, b);
	}
	if (s->evicted) {
		snprintf(b, sizeof(b), "%" PRIu64 " calls evicted from a full XID table: not timed.", s->evicted);
		html_warn(f, b);
	}
	if (s->conns_untracked) {
		snprintf(b, sizeof(b), "%" PRIu64 " connections not tracked (table full).", s->conns_untracked);
		html_warn(f, b);
	}
	if (a->bins_full)
		html_warn(f, "The time series stops after its maximum length (36 hours).");
	if (a->late) {
		snprintf(b, sizeof(b), "%" PRIu64 " RPCs completed out of time order: counted in the second being "
			 "filled.", a->late);
		html_warn(f, b);
	}
}

int cap_html(struct cap_ana *a, FILE *f, const char *const *files, unsigned nfiles, const char *readerr)
{
	struct cap_summary s;
	struct out *o = NULL;
	char b1[32], b2[32];
	cap_ana_finish(a);
	cap_ana_summary(a, &s);
	if (out_new(&o, OUT_JSON, f, "nfscap/1"))
		return 12; /* ENOMEM */
	cap_report(a, o, files, nfiles);
	struct json_object *doc = out_doc(o);
	double dur = s.packets ? (double)(s.last_ts - s.first_ts) / 1e9 : 0;
	uint64_t data = 0;
	for (uint32_t i = 0; i < a->nbins; i++)
		data += a->bins[i].bytes;

	html_page_begin(f, "nfscap report");
	fputs("<p>", f);
	for (unsigned i = 0; i < nfiles; i++) {
		html_esc(f, files[i]);
		fputs(i + 1 < nfiles ? ", " : "", f);
	}
	fprintf(f, ": %" PRIu64 " packets in %s; <b>%" PRIu64 " RPCs timed</b>", s.packets,
		out_fmt(b1, sizeof(b1), dur, OUT_U_SEC), s.matched);
	if (dur > 0)
		fprintf(f, " (%s RPCs/s, READ+WRITE data %s)", out_fmt(b1, sizeof(b1), (double)s.matched / dur, OUT_U_NUM),
			out_fmt(b2, sizeof(b2), (double)data / dur, OUT_U_RATE));
	fprintf(f, "; %" PRIu64 " calls, %" PRIu64 " replies.</p>\n", s.calls, s.replies);
	warnings(f, a, &s, readerr);

	ops_tables(f, get(doc, "nfs"));
	heatmap(f, a);
	percentiles(f, a);
	cdf(f, a, false);
	cdf(f, a, true);
	series(f, a, "Operations per second", "RPCs per second", OUT_U_NUM, 0);
	series(f, a, "Bytes per second (READ and WRITE data)", "data per second", OUT_U_RATE, 1);
	series(f, a, "RPCs in flight (all connections)", "RPCs in flight", OUT_U_NUM, 2);
	json_table(f, "Clients", get(doc, "clients"), client_cols, N(client_cols));
	json_table(f, "Connections (RPC) and their TCP health", get(doc, "connections"), conn_cols, N(conn_cols));
	struct json_object *tcp = json_object_new_array();
	if (tcp && get(doc, "tcp")) {
		json_object_array_add(tcp, json_object_get(get(doc, "tcp")));
		json_table(f, "TCP (all connections)", tcp, tcp_cols, N(tcp_cols));
	}
	json_object_put(tcp);
	out_free(o);
	return html_page_end(f);
}
