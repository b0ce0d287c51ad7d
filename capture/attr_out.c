/* attr_out.c - what `nfscap attribute` prints: the report through lib/out.h
 * (text, or JSON with schema "nfscap/1"), the per-RPC CSV, and a
 * self-contained HTML page (inline SVG: stacked share bars per op for all
 * RPCs and for the tail, and the shares over time).
 *
 * JSON keys: points.<vantage>, offsets_ns.<vantage>,
 * offset_uncertainty_ns.<vantage>, offset_pairs[], attribution.ops.<OP>
 * (and attribution.ops.ALL) with shares.<share> and tail, series.
 * A merged share is reported under its group's name ("wire+server").
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "attr_int.h"
#include "html.h"
#include "out.h"

static const char *op_name(unsigned op)
{
	return op == CAP_OP_NONE ? "-" : cap_op_name(op);
}

const char *at_op_name(const struct at_rec *r)
{
	return op_name(r->op);
}

static const char *op_key(unsigned op)
{
	return op == AT_ALL ? "ALL" : cap_op_name(op);
}

static double part(int64_t v, int64_t tot)
{
	return tot > 0 ? (double)v / (double)tot : 0;
}

static bool has_sub(const struct at_ctx *x)
{
	unsigned m = 1u << AT_GUEST | 1u << AT_HIN | 1u << AT_HOUT;
	return (x->given & m) == m;
}

const char *at_share_words(const struct at_ctx *x, const struct at_opst *s, unsigned k, bool tail)
{
	if (k < AT_NSH - 1 && x->grp[k + 1] == (int8_t)k)
		return "merged: no capture between them";
	switch (k) {
	case AT_S_GUEST:
		return "libnfs, guest TCP stack, guest scheduling";
	case AT_S_HOST:
		if (has_sub(x)) {
			const int64_t *sub = tail ? s->tail_sub : s->sub;
			return sub[1] >= sub[0] ? "queueing between vnet and uplink: bridge, host qdisc"
						: "between guest and vnet: virtio-net, vhost, tap";
		}
		return "virtio-net, vhost, tap, bridge, host qdisc";
	case AT_S_WIRE:
		return "NIC, switches, link";
	default:
		return "the storage node";
	}
}

/* The group with the largest part of the tail's time, and the runner-up. */
static void dominant(const struct at_ctx *x, const struct at_opst *s, bool tail, int *d1, int *d2)
{
	const int64_t *sum = tail ? s->tail_sum : s->sum;
	*d1 = *d2 = -1;
	for (int k = 0; k < AT_NSH; k++) {
		if (x->grp[k] != k)
			continue;
		if (*d1 < 0 || sum[k] > sum[*d1]) {
			*d2 = *d1;
			*d1 = k;
		} else if (*d2 < 0 || sum[k] > sum[*d2]) {
			*d2 = k;
		}
	}
}

const char *at_verdict(const struct at_ctx *x, unsigned op, char *buf, size_t len)
{
	const struct at_opst *s = &x->ops[op];
	bool tail = s->tail_n > 0;
	int d1, d2;
	char g1[48], g2[48];
	dominant(x, s, tail, &d1, &d2);
	if (d1 < 0) {
		snprintf(buf, len, "%s: nothing to attribute", op_key(op));
		return buf;
	}
	int64_t tot = tail ? s->tail_tot : s->sum_tot;
	const int64_t *sum = tail ? s->tail_sum : s->sum;
	int n = snprintf(buf, len, "%s %s: %.0f%% %s (%s)", op_key(op), tail ? "tail" : "all", 100 * part(sum[d1], tot),
			 at_group_name(x->grp, (unsigned)d1, g1, sizeof(g1)), at_share_words(x, s, (unsigned)d1, tail));
	if (d2 >= 0 && n > 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, ", next %s %.0f%%", at_group_name(x->grp, (unsigned)d2, g2, sizeof(g2)),
			 100 * part(sum[d2], tot));
	return buf;
}

/* ---- CSV ------------------------------------------------------------------------ */

void at_csv_header(FILE *f)
{
	fputs("conn,xid,op,total_ns,guest_ns,host_ns,wire_ns,server_ns,merged,host_vnet_ns,host_bridge_ns,"
	      "points,client,server,start_ns\n", f);
}

static void ep(char *buf, size_t len, uint8_t fam, const uint8_t *a, uint16_t port)
{
	char s[64];
	if (!inet_ntop(fam == 6 ? AF_INET6 : AF_INET, a, s, sizeof(s)))
		snprintf(s, sizeof(s), "?");
	snprintf(buf, len, fam == 6 ? "[%s]:%u" : "%s:%u", s, port);
}

void at_csv_row(FILE *f, const struct at_ctx *x, const struct at_rec *r, const struct at_split *s)
{
	const struct at_conn *c = &x->conns[r->conn];
	char cl[80], sv[80], g[48];
	fprintf(f, "%" PRId64 ",0x%08" PRIx32 ",%s,%" PRId64, c->app_idx >= 0 ? (int64_t)c->app_idx : (int64_t)r->conn,
		r->xid, at_op_name(r), s->total);
	/* a merged share is empty here; its group's value is in "merged" */
	for (int k = 0; k < AT_NSH; k++) {
		bool single = s->grp[k] == k && (k == AT_NSH - 1 || s->grp[k + 1] != k);
		if (single)
			fprintf(f, ",%" PRId64, s->v[k]);
		else
			fputs(",", f);
	}
	fputs(",", f);
	bool first = true;
	for (int k = 0; k < AT_NSH; k++)
		if (s->grp[k] == k && k < AT_NSH - 1 && s->grp[k + 1] == k) {
			fprintf(f, "%s%s=%" PRId64, first ? "" : ";", at_group_name(s->grp, (unsigned)k, g, sizeof(g)), s->v[k]);
			first = false;
		}
	if (s->has_sub)
		fprintf(f, ",%" PRId64 ",%" PRId64 ",", s->host_vnet, s->host_bridge);
	else
		fputs(",,,", f);
	first = true;
	for (int p = 0; p < AT_NPT; p++)
		if (r->mask & x->given & 1u << p) {
			fprintf(f, "%s%s", first ? "" : "+", at_point_names[p]);
			first = false;
		}
	ep(cl, sizeof(cl), c->fam, c->caddr, c->cport);
	ep(sv, sizeof(sv), c->fam, c->saddr, c->sport);
	int64_t t = r->t[s->inner][AT_CF] - at_clock_at(&x->clk[s->inner], r->t[s->inner][AT_CF]);
	at_sadd(&t, x->base); /* times are kept from the first one read */
	fprintf(f, ",%s,%s,%" PRId64 "\n", cl, sv, t);
}

/* ---- the report ------------------------------------------------------------------- */

static void points(struct at_ctx *x, struct out *o)
{
	static const struct out_col cols[] = {
		{"point", "Point"}, {"file", "File"}, {"rpcs", "NFS RPCs"}, {"matched", "Matched"},
		{"missing", "Missing"}, {"extra", "Extra"}, {"duplicates", "Dups"}, {"other_rpcs", "Other RPCs"},
	};
	bool text = out_mode(o) == OUT_TEXT;
	if (text) {
		out_table_begin(o, NULL, "Points (matched/missing/extra against the innermost point)", cols, 8);
	} else {
		out_begin(o, "points", NULL);
	}
	for (int p = 0; p < AT_NPT; p++) {
		const struct at_point *pt = &x->pt[p];
		if (!(x->given & 1u << p))
			continue;
		if (text) {
			out_row_begin(o);
			out_cell_str(o, at_point_names[p]);
			out_cell_str(o, pt->file);
			out_cell_u64(o, pt->rpcs);
			out_cell_u64(o, pt->matched);
			out_cell_u64(o, pt->missing);
			out_cell_u64(o, pt->extra);
			out_cell_u64(o, pt->dups);
			out_cell_u64(o, pt->other);
			out_row_end(o);
			continue;
		}
		out_begin(o, at_point_names[p], NULL);
		out_str(o, "file", NULL, pt->file);
		out_u64(o, "rpcs", NULL, pt->rpcs, NULL);
		out_u64(o, "matched", NULL, pt->matched, NULL);
		out_u64(o, "missing", NULL, pt->missing, NULL);
		out_u64(o, "extra", NULL, pt->extra, NULL);
		out_u64(o, "duplicates", NULL, pt->dups, NULL);
		out_u64(o, "other_rpcs", NULL, pt->other, NULL);
		out_u64(o, "times_out_of_range", NULL, pt->bad_time, NULL);
		if (p != AT_APP)
			out_u64(o, "packets", NULL, pt->packets, NULL);
		out_bool(o, "reference", NULL, p == x->ref);
		out_end(o);
	}
	if (text)
		out_table_end(o);
	else
		out_end(o);
	for (int p = 0; text && p < AT_NPT; p++)
		if (x->pt[p].bad_time)
			out_note(o, "note: %" PRIu64 " RPCs at %s left out: times before 1970, more than 9 years from the "
				 "first time read, or over 4.9 hours within one RPC", x->pt[p].bad_time, at_point_names[p]);
	if (x->given & 1u) {
		out_begin(o, "app", text ? "App trace" : NULL);
		out_u64(o, "records", "Records", x->app_records, NULL);
		out_u64(o, "transport_failures", "RPCs without a reply (not attributed)", x->app_transport, NULL);
		out_u64(o, "without_conn", "RPCs of an unknown connection", x->app_noconn, NULL);
		out_end(o);
	}
}

static void offsets(struct at_ctx *x, struct out *o)
{
	bool text = out_mode(o) == OUT_TEXT;
	char b1[32], b2[32];
	if (!text) {
		const char *keys[3] = {"offsets_ns", "offset_uncertainty_ns", "offset_drift_ppm"};
		for (int k = 0; k < 3; k++) {
			out_begin(o, keys[k], NULL);
			for (int p = 0; p < AT_NPT; p++) {
				if (!(x->given & 1u << p))
					continue;
				const struct at_clock *c = &x->clk[p];
				if (k == 0)
					out_i64(o, at_point_names[p], NULL, at_clock_at(c, c->tref), NULL);
				else if (k == 1)
					out_i64(o, at_point_names[p], NULL, c->unc_ns, NULL);
				else
					out_dbl(o, at_point_names[p], NULL, c->drift * 1e6, NULL, NULL);
			}
			out_end(o);
		}
		out_str(o, "offsets_from", NULL, at_point_names[x->ref == AT_APP ? AT_GUEST : x->ref]);
	}
	static const struct out_col cols[] = {
		{"inner", "Inner"}, {"outer", "Outer"}, {"theta_ns", "Offset"}, {"uncertainty_ns", "+-"},
		{"drift_ppm", "Drift ppm"}, {"samples", "Samples"}, {"method", "Method"},
	};
	if (!x->npairs) {
		if (text)
			out_note(o, "Clock offsets: one clock only");
		return;
	}
	out_table_begin(o, "offset_pairs", "Clock offsets (outer clock minus inner)",
			cols, 7);
	for (unsigned i = 0; i < x->npairs; i++) {
		const struct at_pair *pr = &x->pairs[i];
		out_row_begin(o);
		out_cell_str(o, at_point_names[pr->a]);
		out_cell_str(o, at_point_names[pr->b]);
		if (text) {
			int64_t th = pr->c.theta_ns;
			snprintf(b1, sizeof(b1), "%s%s", th < 0 ? "-" : "+", out_fmt_ns(b2, sizeof(b2), (uint64_t)llabs(th)));
			out_cell_str(o, b1);
			out_cell_str(o, out_fmt_ns(b2, sizeof(b2), (uint64_t)pr->c.unc_ns));
		} else {
			out_cell_dbl(o, (double)pr->c.theta_ns, "%.0f");
			out_cell_dbl(o, (double)pr->c.unc_ns, "%.0f");
		}
		out_cell_dbl(o, pr->c.drift * 1e6, "%.2f");
		out_cell_u64(o, pr->c.samples);
		out_cell_str(o, at_off_method_names[pr->c.method]);
		out_row_end(o);
	}
	out_table_end(o);
}

static void share_json(struct out *o, const struct at_ctx *x, const struct at_opst *s)
{
	char g[48];
	out_begin(o, "shares", NULL);
	for (int k = 0; k < AT_NSH; k++) {
		if (x->grp[k] != k)
			continue;
		out_begin(o, at_group_name(x->grp, (unsigned)k, g, sizeof(g)), NULL);
		out_u64(o, "p50_ns", NULL, hist_percentile(s->sh[k], 50), NULL);
		out_u64(o, "p99_ns", NULL, hist_percentile(s->sh[k], 99), NULL);
		out_dbl(o, "mean_ns", NULL, (double)s->sum[k] / (double)s->n, NULL, NULL);
		out_dbl(o, "part", NULL, part(s->sum[k], s->sum_tot), NULL, NULL);
		out_i64(o, "min_ns", NULL, s->min[k], NULL);
		out_u64(o, "negative", NULL, s->neg[k], NULL);
		out_str(o, "what", NULL, at_share_words(x, s, (unsigned)k, false));
		out_end(o);
	}
	out_end(o);
	if (has_sub(x)) {
		out_begin(o, "host_split", NULL);
		out_dbl(o, "vnet_part", NULL, part(s->sub[0], s->sum_tot), NULL, NULL);
		out_dbl(o, "bridge_part", NULL, part(s->sub[1], s->sum_tot), NULL, NULL);
		out_dbl(o, "tail_vnet_part", NULL, part(s->tail_sub[0], s->tail_tot), NULL, NULL);
		out_dbl(o, "tail_bridge_part", NULL, part(s->tail_sub[1], s->tail_tot), NULL, NULL);
		out_end(o);
	}
	out_begin(o, "tail", NULL);
	out_u64(o, "count", NULL, s->tail_n, NULL);
	out_u64(o, "threshold_ns", NULL, s->p99, NULL);
	out_dbl(o, "total_mean_ns", NULL, s->tail_n ? (double)s->tail_tot / (double)s->tail_n : 0, NULL, NULL);
	out_begin(o, "shares", NULL);
	for (int k = 0; k < AT_NSH; k++) {
		if (x->grp[k] != k)
			continue;
		out_begin(o, at_group_name(x->grp, (unsigned)k, g, sizeof(g)), NULL);
		out_dbl(o, "mean_ns", NULL, s->tail_n ? (double)s->tail_sum[k] / (double)s->tail_n : 0, NULL, NULL);
		out_dbl(o, "part", NULL, part(s->tail_sum[k], s->tail_tot), NULL, NULL);
		out_end(o);
	}
	out_end(o);
	int d1, d2;
	dominant(x, s, s->tail_n > 0, &d1, &d2);
	if (d1 >= 0) {
		const int64_t *sum = s->tail_n ? s->tail_sum : s->sum;
		int64_t tot = s->tail_n ? s->tail_tot : s->sum_tot;
		out_str(o, "dominant", NULL, at_group_name(x->grp, (unsigned)d1, g, sizeof(g)));
		out_dbl(o, "dominant_part", NULL, part(sum[d1], tot), NULL, NULL);
		if (d2 >= 0) {
			out_str(o, "runner_up", NULL, at_group_name(x->grp, (unsigned)d2, g, sizeof(g)));
			out_dbl(o, "runner_up_part", NULL, part(sum[d2], tot), NULL, NULL);
		}
	}
	out_end(o);
}

static void ops_json(struct at_ctx *x, struct out *o)
{
	char v[256];
	out_begin(o, "ops", NULL);
	for (unsigned op = 0; op <= AT_ALL; op++) {
		const struct at_opst *s = &x->ops[op];
		if (!s->n)
			continue;
		out_begin(o, op_key(op), NULL);
		out_u64(o, "count", NULL, s->n, NULL);
		out_begin(o, "total_ns", NULL);
		out_u64(o, "p50", NULL, hist_percentile(s->tot, 50), NULL);
		out_u64(o, "p99", NULL, hist_percentile(s->tot, 99), NULL);
		out_dbl(o, "mean", NULL, (double)s->sum_tot / (double)s->n, NULL, NULL);
		out_u64(o, "max", NULL, s->tot->max, NULL);
		out_end(o);
		share_json(o, x, s);
		out_str(o, "verdict", NULL, at_verdict(x, op, v, sizeof(v)));
		out_end(o);
	}
	out_end(o);
}

/* "91.6 us / 1.56 ms": p50 and p99 of h */
static const char *p50_p99(char *buf, size_t len, const struct hist *h)
{
	char a[24], b[24];
	snprintf(buf, len, "%s / %s", out_fmt(a, sizeof(a), (double)hist_percentile(h, 50), OUT_U_NS),
		 out_fmt(b, sizeof(b), (double)hist_percentile(h, 99), OUT_U_NS));
	return buf;
}

static void ops_text(struct at_ctx *x, struct out *o)
{
	struct out_col cols[3 + 3 * AT_NSH];
	char titles[AT_NSH][3][64], g[48];
	unsigned nc = 0, ng = 0;
	int gk[AT_NSH];
	cols[nc++] = (struct out_col){"op", "Op"};
	cols[nc++] = (struct out_col){"count", "RPCs"};
	cols[nc++] = (struct out_col){"total", "total p50 / p99"};
	for (int k = 0; k < AT_NSH; k++) {
		if (x->grp[k] != k)
			continue;
		at_group_name(x->grp, (unsigned)k, g, sizeof(g));
		snprintf(titles[ng][0], 64, "%s p50 / p99", g);
		snprintf(titles[ng][1], 64, "%s %%time", g);
		snprintf(titles[ng][2], 64, "%s tail%%", g);
		cols[nc++] = (struct out_col){NULL, titles[ng][0]};
		cols[nc++] = (struct out_col){NULL, titles[ng][1]};
		cols[nc++] = (struct out_col){NULL, titles[ng][2]};
		gk[ng++] = k;
	}
	out_table_begin(o, NULL, "Attribution per op (%time: part of all time, tail%: part of the time of RPCs above the op's p99)",
			cols, nc);
	for (unsigned op = 0; op <= AT_ALL; op++) {
		const struct at_opst *s = &x->ops[op];
		char b[64];
		if (!s->n)
			continue;
		out_row_begin(o);
		out_cell_str(o, op_key(op));
		out_cell_u64(o, s->n);
		out_cell_str(o, p50_p99(b, sizeof(b), s->tot));
		for (unsigned i = 0; i < ng; i++) {
			int k = gk[i];
			out_cell_str(o, p50_p99(b, sizeof(b), s->sh[k]));
			out_cell_dbl(o, 100 * part(s->sum[k], s->sum_tot), "%.1f");
			out_cell_dbl(o, 100 * part(s->tail_sum[k], s->tail_tot), "%.1f");
		}
		out_row_end(o);
	}
	out_table_end(o);
	out_begin(o, NULL, "Verdicts");
	for (unsigned op = 0; op <= AT_ALL; op++) {
		char v[256];
		if (x->ops[op].n)
			out_note(o, "%s", at_verdict(x, op, v, sizeof(v)));
	}
	out_end(o);
}

static void series(struct at_ctx *x, struct out *o)
{
	char g[48], keys[AT_NSH][64];
	struct out_col cols[3 + AT_NSH];
	unsigned nc = 0;
	if (out_mode(o) == OUT_TEXT) {
		out_note(o, "Shares over time: %u bins of %.3g s (in --json and --html)", x->nbins, (double)x->binw / 1e9);
		return;
	}
	cols[nc++] = (struct out_col){"t_s", NULL};
	cols[nc++] = (struct out_col){"rpcs", NULL};
	cols[nc++] = (struct out_col){"total_mean_ns", NULL};
	for (int k = 0; k < AT_NSH; k++)
		if (x->grp[k] == k) {
			snprintf(keys[k], sizeof(keys[k]), "%s_mean_ns", at_group_name(x->grp, (unsigned)k, g, sizeof(g)));
			cols[nc++] = (struct out_col){keys[k], NULL};
		}
	out_begin(o, "series", NULL);
	out_dbl(o, "bin_s", NULL, (double)x->binw / 1e9, NULL, NULL);
	out_table_begin(o, "points", NULL, cols, nc);
	for (uint32_t i = 0; i < x->nbins; i++) {
		const struct at_bin *b = &x->bins[i];
		double n = b->n ? (double)b->n : 1;
		out_row_begin(o);
		out_cell_dbl(o, (double)i * (double)x->binw / 1e9, "%.3f");
		out_cell_u64(o, b->n);
		out_cell_dbl(o, (double)b->tot / n, "%.0f");
		for (int k = 0; k < AT_NSH; k++)
			if (x->grp[k] == k)
				out_cell_dbl(o, (double)b->sum[k] / n, "%.0f");
		out_row_end(o);
	}
	out_table_end(o);
	out_end(o);
}

void at_report(struct at_ctx *x, struct out *o)
{
	bool text = out_mode(o) == OUT_TEXT;
	char g[48];
	points(x, o);
	offsets(x, o);
	at_coverage(x, o);
	out_begin(o, "attribution", "Attribution");
	out_u64(o, "rpcs", "RPCs seen at every point", x->complete, NULL);
	out_u64(o, "rpcs_incomplete", "RPCs missing at some point (CSV only)", x->incomplete, NULL);
	out_dbl(o, "join_window_s", "Join window (--window)", (double)x->window / 1e9, "%.3g", "s");
	out_u64(o, "join_peak_waiting", "RPCs waiting in the join at most", x->max_pend, NULL);
	out_u64(o, "join_expired", "RPCs the window let go incomplete", x->expired, NULL);
	out_str(o, "total", "Total is", x->ref == AT_APP ? "app latency (nfsbench trace)" : "innermost capture's exchange");
	out_str(o, "split_at", "Forward delays follow the call's", x->by_last ? "last byte" : "first byte");
	for (int k = 0; k < AT_NSH; k++) {
		if (x->grp[k] < 0 && text)
			out_note(o, "  %s: not measured (no point inside it)", at_share_names[k]);
		else if (x->grp[k] == k && k + 1 < AT_NSH && x->grp[k + 1] == k && text)
			out_note(o, "  %s: merged (a capture point between them is missing)",
				 at_group_name(x->grp, (unsigned)k, g, sizeof(g)));
	}
	if (!text) {
		struct json_object *arr = json_object_new_array();
		for (int k = 0; arr && k < AT_NSH; k++)
			if (x->grp[k] == k)
				json_object_array_add(arr, json_object_new_string(at_group_name(x->grp, (unsigned)k, g, sizeof(g))));
		out_json(o, "shares", arr);
		ops_json(x, o);
	}
	out_end(o);
	if (text && x->complete)
		ops_text(x, o);
	series(x, o);
}

/* ---- HTML -------------------------------------------------------------------------- */

/* The pieces a bar is drawn in: the measured groups in order, the host
 * split at vnet when host-in was captured (as the CSV splits it). Colours
 * stay with the share in every plot (Okabe-Ito: blue, vermillion, reddish
 * purple, green, orange). */
enum { SEG_MAX = AT_NSH + 1 };
struct seg {
	char name[48];
	const char *color;
	int k;   /* share (group start) */
	int sub; /* host part: 0 vnet, 1 bridge, -1 whole group */
};

static unsigned segs(const struct at_ctx *x, struct seg *sg)
{
	static const unsigned col[AT_NSH] = {0, 1, 2, 3};
	unsigned n = 0;
	bool split = has_sub(x) && x->grp[AT_S_HOST] == AT_S_HOST && x->grp[AT_S_WIRE] != AT_S_HOST;
	for (int k = 0; k < AT_NSH; k++) {
		if (x->grp[k] != k)
			continue;
		if (k == AT_S_HOST && split) {
			sg[n++] = (struct seg){"host vnet", html_color(1), k, 0};
			sg[n++] = (struct seg){"host bridge", html_color(4), k, 1};
			continue;
		}
		sg[n] = (struct seg){"", html_color(col[k]), k, -1};
		at_group_name(x->grp, (unsigned)k, sg[n].name, sizeof(sg[n].name));
		n++;
	}
	return n;
}

/* The value of segment g out of a group vector and the host's parts. */
static int64_t seg_val(const struct seg *g, const int64_t *v, const int64_t *sub)
{
	return g->sub < 0 ? v[g->k] : sub[g->sub];
}

static void legend(struct html_plot *p, const struct seg *sg, unsigned ns)
{
	for (unsigned i = 0; i < ns; i++)
		html_plot_legend(p, sg[i].color, sg[i].name);
}

/* Segments laid end to end from x0 on row y (negative parts, an offset's
 * error, are not drawn: the table has them); a label inside each one wide
 * enough to hold it. pct: label as a part of tot, else as a time. */
static void stack(struct html_plot *p, const struct seg *sg, unsigned ns, double y, const int64_t *v,
		  const int64_t *sub, int64_t tot, bool pct)
{
	double pos = 0;
	for (unsigned i = 0; i < ns; i++) {
		double w = (double)seg_val(&sg[i], v, sub);
		if (!(w > 0))
			continue;
		if (pct)
			w = part((int64_t)w, tot);
		char tip[96], val[32];
		if (pct)
			snprintf(val, sizeof(val), "%.0f%%", 100 * w);
		else
			out_fmt(val, sizeof(val), w, OUT_U_NS);
		snprintf(tip, sizeof(tip), "%s: %s", sg[i].name, val);
		html_rect(p, pos, y - 0.38, pos + w, y + 0.38, sg[i].color, tip);
		if (html_px(p, pos + w) - html_px(p, pos) > 7.0 * (double)strlen(val) + 4)
			fprintf(p->f, "<text x=\"%.1f\" y=\"%.1f\" fill=\"#fff\">%s</text>", html_px(p, pos) + 3,
				html_py(p, y) + 4, val);
		pos += w;
	}
	fputc('\n', p->f);
}

static void bars(FILE *f, const struct at_ctx *x, const struct seg *sg, unsigned ns)
{
	unsigned n = 0;
	for (unsigned op = 0; op <= AT_ALL; op++)
		n += x->ops[op].n > 0;
	struct html_plot p;
	struct html_axis ax = {0, 1, OUT_U_FRAC, false, false, "part of the latency (sum over the RPCs)", 0};
	struct html_axis ay = {-0.6, 2.0 * n - 0.4, OUT_U_NUM, false, true, "operation", 0};
	html_plot_begin(&p, f, "Share of latency per operation: all RPCs and the tail (above the op's p99)", 1000,
			80 + (int)n * 46, 170, 150, &ax, &ay);
	legend(&p, sg, ns);
	double y = 2.0 * n - 1;
	for (unsigned op = 0; op <= AT_ALL; op++) {
		const struct at_opst *s = &x->ops[op];
		char l[96];
		if (!s->n)
			continue;
		snprintf(l, sizeof(l), "%s all (%" PRIu64 ")", op_key(op), s->n);
		html_plot_tick(&p, false, y, l);
		stack(&p, sg, ns, y, s->sum, s->sub, s->sum_tot, true);
		snprintf(l, sizeof(l), "%s tail (%" PRIu64 ")", op_key(op), s->tail_n);
		html_plot_tick(&p, false, y - 1, l);
		stack(&p, sg, ns, y - 1, s->tail_sum, s->tail_sub, s->tail_tot, true);
		y -= 2;
	}
	html_plot_end(&p);
}

/* Per op: total and each share's p50 / p99; then each segment's part of
 * all the time and of the tail's: the numbers behind the bars, small
 * segments included. */
static void op_tables(FILE *f, const struct at_ctx *x, const struct seg *sg, unsigned ns)
{
	char g[48];
	for (int t = 0; t < 2; t++) {
		html_h2(f, t ? "Part of all the time and of the tail's (above the op's p99), per operation"
			     : "Latency per operation: p50 / p99 of the total and of each share");
		fputs("<table><tr><th class=\"l\">Op</th><th>RPCs</th>", f);
		if (!t) {
			fputs("<th>total p50</th><th>p99</th>", f);
			for (int k = 0; k < AT_NSH; k++)
				if (x->grp[k] == k) {
					html_th(f, at_group_name(x->grp, (unsigned)k, g, sizeof(g)), " p50");
					fputs("<th>p99</th>", f);
				}
		} else {
			fputs("<th>tail RPCs</th>", f);
			for (unsigned i = 0; i < ns; i++) {
				html_th(f, sg[i].name, " all");
				fputs("<th>tail</th>", f);
			}
		}
		fputs("</tr>\n", f);
		for (unsigned op = 0; op <= AT_ALL; op++) {
			const struct at_opst *s = &x->ops[op];
			if (!s->n)
				continue;
			fprintf(f, "<tr><td>%s</td><td>%" PRIu64 "</td>", op_key(op), s->n);
			if (!t) {
				html_td(f, (double)hist_percentile(s->tot, 50), OUT_U_NS);
				html_td(f, (double)hist_percentile(s->tot, 99), OUT_U_NS);
				for (int k = 0; k < AT_NSH; k++)
					if (x->grp[k] == k) {
						html_td(f, (double)hist_percentile(s->sh[k], 50), OUT_U_NS);
						html_td(f, (double)hist_percentile(s->sh[k], 99), OUT_U_NS);
					}
			} else {
				fprintf(f, "<td>%" PRIu64 "</td>", s->tail_n);
				for (unsigned i = 0; i < ns; i++) {
					html_td(f, part(seg_val(&sg[i], s->sum, s->sub), s->sum_tot), OUT_U_FRAC);
					html_td(f, part(seg_val(&sg[i], s->tail_sum, s->tail_sub), s->tail_tot), OUT_U_FRAC);
				}
			}
			fputs("</tr>\n", f);
		}
		fputs("</table>\n", f);
	}
}

/* The slowest RPCs, each a bar from its call to its completion split into
 * the shares in order (where its time went, inside out). */
static void waterfall(FILE *f, const struct at_ctx *x, const struct seg *sg, unsigned ns)
{
	const struct at_slow *top = x->slow;
	unsigned n = x->nslow;
	if (!n)
		return;
	struct html_plot p;
	char h[96];
	snprintf(h, sizeof(h), "The %u slowest RPCs, each split into its shares", n);
	struct html_axis ax = {0, (double)top[0].sp.total, OUT_U_NS, false, false, "time from the call (inside out)", 0};
	struct html_axis ay = {0.4, n + 0.6, OUT_U_NUM, false, true, "RPC, slowest first", 0};
	html_plot_begin(&p, f, h, 1000, 70 + (int)n * 20, 170, 150, &ax, &ay);
	legend(&p, sg, ns);
	for (unsigned i = 0; i < n; i++) {
		char l[48];
		double y = n - i;
		snprintf(l, sizeof(l), "%s 0x%08" PRIx32, op_name(top[i].op), top[i].xid);
		html_plot_tick(&p, false, y, l);
		int64_t sub[2] = {top[i].sp.host_vnet, top[i].sp.host_bridge};
		stack(&p, sg, ns, y, top[i].sp.v, sub, top[i].sp.total, false);
	}
	html_plot_end(&p);
	fputs("<table><tr><th class=\"l\">Op</th><th class=\"l\">XID</th><th>Start</th><th>Total</th>", f);
	for (unsigned k = 0; k < ns; k++)
		html_th(f, sg[k].name, NULL);
	fputs("</tr>\n", f);
	for (unsigned i = 0; i < n; i++) {
		int64_t sub[2] = {top[i].sp.host_vnet, top[i].sp.host_bridge};
		fprintf(f, "<tr><td>%s</td><td class=\"l\">0x%08" PRIx32 "</td>", op_name(top[i].op), top[i].xid);
		html_td(f, (double)top[i].t / 1e9, OUT_U_SEC);
		html_td(f, (double)top[i].sp.total, OUT_U_NS);
		for (unsigned k = 0; k < ns; k++)
			html_td(f, (double)seg_val(&sg[k], top[i].sp.v, sub), OUT_U_NS);
		fputs("</tr>\n", f);
	}
	fputs("</table>\n", f);
}

static void timeseries(FILE *f, const struct at_ctx *x, const struct seg *sg, unsigned ns)
{
	double vmax = 1, tmax = x->nbins > 1 ? (double)(x->nbins - 1) * (double)x->binw / 1e9 : 1;
	for (uint32_t i = 0; i < x->nbins; i++)
		if (x->bins[i].n && (double)x->bins[i].tot / (double)x->bins[i].n > vmax)
			vmax = (double)x->bins[i].tot / (double)x->bins[i].n;
	struct html_plot p;
	struct html_axis ax = {0, tmax, OUT_U_SEC, false, false, "time since the first RPC", 0};
	struct html_axis ay = {0, vmax, OUT_U_NS, false, false, "mean latency per RPC", 0};
	html_plot_begin(&p, f, "Mean share per RPC over time (stacked)", 1000, 300, 0, 150, &ax, &ay);
	for (unsigned i = 0; i < ns; i++)
		if (sg[i].sub <= 0) {
			char g[48];
			html_plot_legend(&p, sg[i].color, sg[i].sub < 0 ? sg[i].name
									   : at_group_name(x->grp, AT_S_HOST, g, sizeof(g)));
		}
	/* stacked areas, outermost share on top: each polygon runs along the
	 * cumulative sum up to its share and back along the one below */
	for (int k = AT_NSH - 1; k >= 0; k--) {
		if (x->grp[k] != k)
			continue;
		html_area_begin(&p, html_color(k == AT_S_GUEST ? 0 : k == AT_S_HOST ? 1 : k == AT_S_WIRE ? 2 : 3));
		for (int pass = 0; pass < 2; pass++) {
			for (uint32_t j = 0; j < x->nbins; j++) {
				uint32_t i = pass ? x->nbins - 1 - j : j;
				const struct at_bin *b = &x->bins[i];
				double acc = 0, n = b->n ? (double)b->n : 1;
				for (int q = 0; q <= k - pass; q++)
					if (x->grp[q] == q && b->sum[q] > 0)
						acc += (double)b->sum[q] / n;
				if (pass && k == 0)
					acc = 0;
				html_line_pt(&p, (double)i * (double)x->binw / 1e9, acc);
			}
		}
		html_line_end(&p);
	}
	html_plot_end(&p);
}

/* The q-quantile of a bin's totals from its half-octave rows, placed
 * inside its row in proportion (log-linear): a plot's precision, not the
 * exact per-op percentiles of the tables. */
static double bin_quantile(const struct at_bin *b, double q)
{
	uint64_t want = (uint64_t)ceil(q * (double)b->n), acc = 0;
	for (unsigned r = 0; r < CAP_HEAT_ROWS; r++) {
		if (!b->heat[r] || (acc += b->heat[r]) < want)
			continue;
		double lo = (double)cap_heat_lo(r), hi = r + 1 < CAP_HEAT_ROWS ? (double)cap_heat_lo(r + 1) : lo * 1.5;
		double in = (double)(want - (acc - b->heat[r])) / (double)b->heat[r];
		return fmin(lo * pow(hi / lo, in), (double)b->max);
	}
	return (double)b->max;
}

/* p50, p99 and max of the total per bin: when the tail happened, not
 * only how the mean moved. */
static void tail_over_time(FILE *f, const struct at_ctx *x)
{
	double tmax = x->nbins > 1 ? (double)(x->nbins - 1) * (double)x->binw / 1e9 : 1;
	struct html_plot p;
	char h[160], b[24];
	snprintf(h, sizeof(h), "Latency per %s over time: p50, p99 (to within a half octave) and the slowest RPC (total)",
		 out_fmt(b, sizeof(b), (double)x->binw / 1e9, OUT_U_SEC));
	struct html_axis ax = {0, tmax, OUT_U_SEC, false, false, "time since the first RPC", 0};
	struct html_axis ay = {0, 1, OUT_U_NS, true, false, "latency per RPC, log scale", 0};
	bool any = false;
	for (uint32_t i = 0; i < x->nbins; i++) {
		const struct at_bin *bn = &x->bins[i];
		if (!bn->n)
			continue;
		double lo = fmax(1, bin_quantile(bn, 0.5));
		ay.lo = any ? fmin(ay.lo, lo) : lo;
		ay.hi = fmax(ay.hi, (double)bn->max);
		any = true;
	}
	if (!any)
		return;
	html_plot_begin(&p, f, h, 1000, 300, 0, 150, &ax, &ay);
	static const char *const names[] = {"p50", "p99", "max"};
	for (int k = 0; k < 3; k++) {
		unsigned c = k == 0 ? 0 : k == 1 ? 1 : 6;
		html_line_begin(&p, html_color(c), 1.6, k == 2 ? "3 2" : NULL);
		for (uint32_t i = 0; i < x->nbins; i++) {
			const struct at_bin *bn = &x->bins[i];
			if (bn->n)
				html_line_pt(&p, (double)i * (double)x->binw / 1e9,
					     k == 2 ? (double)bn->max : fmax(1, bin_quantile(bn, k == 0 ? 0.5 : 0.99)));
		}
		html_line_end(&p);
		html_plot_legend(&p, html_color(c), names[k]);
	}
	html_plot_end(&p);
}

int at_html(struct at_ctx *x, FILE *f)
{
	char v[256], b1[32], g[48];
	struct seg sg[SEG_MAX];
	unsigned ns = segs(x, sg);
	html_page_begin(f, "nfscap attribute: where the time goes");
	fputs("<table><tr><th class=\"l\">Point</th><th class=\"l\">File</th><th>NFS RPCs</th><th>Matched</th>"
	      "<th>Missing</th><th>Extra</th><th>Clock offset</th><th>&#177;</th></tr>\n", f);
	for (int p = 0; p < AT_NPT; p++) {
		if (!(x->given & 1u << p))
			continue;
		const struct at_point *pt = &x->pt[p];
		int64_t th = at_clock_at(&x->clk[p], x->clk[p].tref);
		fprintf(f, "<tr><td>%s</td><td class=\"l\">", at_point_names[p]);
		html_esc(f, pt->file);
		fprintf(f, "</td><td>%" PRIu64 "</td><td>%" PRIu64 "</td><td>%" PRIu64 "</td><td>%" PRIu64 "</td><td>%s%s</td>",
			pt->rpcs, pt->matched, pt->missing, pt->extra, th < 0 ? "-" : "+",
			out_fmt(v, sizeof(v), (double)llabs(th), OUT_U_NS));
		fprintf(f, "<td>%s</td></tr>\n", out_fmt(b1, sizeof(b1), (double)x->clk[p].unc_ns, OUT_U_NS));
	}
	fputs("</table>\n", f);
	/* what was not measured, in the reader's words */
	for (int k = 0; k < AT_NSH; k++) {
		if (x->grp[k] < 0) {
			snprintf(v, sizeof(v), "%s: not measured (%s)", at_share_names[k],
				 k == AT_S_GUEST ? "no --app: give nfsbench's per-RPC trace to measure the guest"
						 : "no capture point inside it");
			html_warn(f, v);
		} else if (x->grp[k] == k && k + 1 < AT_NSH && x->grp[k + 1] == k) {
			snprintf(v, sizeof(v), "%s: reported together (a capture point between them is missing)",
				 at_group_name(x->grp, (unsigned)k, g, sizeof(g)));
			html_warn(f, v);
		}
	}
	if (x->incomplete) {
		snprintf(v, sizeof(v), "%" PRIu64 " RPCs were missing at some point: left out here (in the CSV).",
			 x->incomplete);
		html_warn(f, v);
	}
	html_h2(f, "Verdicts");
	fputs("<ul>\n", f);
	for (unsigned op = 0; op <= AT_ALL; op++)
		if (x->ops[op].n) {
			fputs("<li>", f);
			html_esc(f, at_verdict(x, op, v, sizeof(v)));
			fputs("</li>\n", f);
		}
	fputs("</ul>\n", f);
	if (!x->complete) {
		html_warn(f, "No RPC was seen at every point: nothing to draw.");
		return html_page_end(f);
	}
	bars(f, x, sg, ns);
	op_tables(f, x, sg, ns);
	waterfall(f, x, sg, ns);
	tail_over_time(f, x);
	timeseries(f, x, sg, ns);
	return html_page_end(f);
}
