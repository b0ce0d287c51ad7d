/* html.c - nfscap's report as one self-contained HTML file: the per-op
 * table, and inline SVG plots (latency CDF per op, ops and bytes per
 * second, RPCs in flight per second). No scripts, fonts or anything fetched
 * from the network: the file can be mailed and opened anywhere. */
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "ana.h"
#include "html.h"

#define W 760
#define H 300
#define ML 70  /* margins: left, right, top, bottom */
#define MR 170
#define MT 30
#define MB 40

static const char *const colors[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
				     "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};

static void svg_begin(FILE *f, const char *title)
{
	fprintf(f, "<h2>");
	html_esc(f, title);
	fprintf(f, "</h2>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		   "font-family=\"sans-serif\" font-size=\"11\">\n", W, H);
	fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#999\"/>\n", ML, MT,
		W - ML - MR, H - MT - MB);
}

static double px(double v, double lo, double hi)
{
	return ML + (hi > lo ? (v - lo) / (hi - lo) : 0) * (W - ML - MR);
}
static double py(double v, double lo, double hi)
{
	return H - MB - (hi > lo ? (v - lo) / (hi - lo) : 0) * (H - MT - MB);
}

static void legend(FILE *f, unsigned i, const char *name)
{
	fprintf(f, "<rect x=\"%d\" y=\"%u\" width=\"12\" height=\"3\" fill=\"%s\"/>", W - MR + 10, MT + 4 + i * 16,
		colors[i % 10]);
	fprintf(f, "<text x=\"%d\" y=\"%u\">", W - MR + 28, MT + 9 + i * 16);
	html_esc(f, name);
	fputs("</text>\n", f);
}

static void ylabels(FILE *f, double lo, double hi, const char *unit)
{
	for (int k = 0; k <= 4; k++) {
		double v = lo + (hi - lo) * k / 4;
		fprintf(f, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.3g</text>", ML - 4, py(v, lo, hi) + 4, v);
	}
	fprintf(f, "<text x=\"12\" y=\"%d\" transform=\"rotate(-90 12 %d)\" text-anchor=\"middle\">", H / 2, H / 2);
	html_esc(f, unit);
	fputs("</text>\n", f);
}

/* Latency CDF of the busiest ops, x on a log scale. */
static void cdf(FILE *f, const struct cap_ana *a)
{
	unsigned pick[10], n = 0;
	for (unsigned op = 0; op < CAP_OP_NONE; op++) {
		const struct cap_opstat *s = &a->ops[op];
		if (op == CAP_OP_V4_COMPOUND || !s->exch || !s->exch->count)
			continue;
		if (n < 10) {
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
	if (!n)
		return;
	uint64_t mn = UINT64_MAX, mx = 0;
	for (unsigned i = 0; i < n; i++) {
		const struct hist *h = a->ops[pick[i]].exch;
		if (h->min < mn)
			mn = h->min;
		if (h->max > mx)
			mx = h->max;
	}
	double lo = floor(log10((double)(mn ? mn : 1))), hi = ceil(log10((double)(mx > mn ? mx : mn + 1)));
	if (hi <= lo)
		hi = lo + 1;
	svg_begin(f, "Latency CDF per operation (exchange: call first byte to reply last byte)");
	for (double d = lo; d <= hi; d++) {
		static const char *const u[] = {"1ns", "10ns", "100ns", "1us", "10us", "100us", "1ms", "10ms", "100ms",
						"1s", "10s", "100s", "1000s", "10000s"};
		int k = (int)d;
		fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#eee\"/>", px(d, lo, hi), MT,
			px(d, lo, hi), H - MB);
		fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n", px(d, lo, hi), H - MB + 14,
			k >= 0 && k < 14 ? u[k] : "?");
	}
	ylabels(f, 0, 1, "fraction of RPCs");
	for (unsigned i = 0; i < n; i++) {
		const struct hist *h = a->ops[pick[i]].exch;
		uint64_t cum = 0;
		fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" points=\"", colors[i % 10]);
		for (unsigned b = 0; b < HIST_NBUCKETS; b++) {
			if (!h->buckets[b])
				continue;
			double x = log10((double)(hist_bucket_hi(b) > 1 ? hist_bucket_hi(b) : 1));
			if (x < lo)
				x = lo;
			if (x > hi)
				x = hi;
			if (!cum)
				fprintf(f, "%.1f,%.1f ", px(log10((double)(h->min ? h->min : 1)), lo, hi), py(0, 0, 1));
			cum += h->buckets[b];
			fprintf(f, "%.1f,%.1f ", px(x, lo, hi), py((double)cum / (double)h->count, 0, 1));
		}
		fputs("\"/>\n", f);
		char name[48];
		snprintf(name, sizeof(name), "v%u %s (%" PRIu64 ")", cap_op_vers(pick[i]), cap_op_name(pick[i]),
			 a->ops[pick[i]].count);
		legend(f, i, name);
	}
	fputs("</svg>\n", f);
}

/* A time series: up to two lines over the per-second bins. */
static void series(FILE *f, const struct cap_ana *a, const char *title, const char *unit, int which)
{
	if (!a->nbins)
		return;
	double vmax = 0;
	for (uint32_t i = 0; i < a->nbins; i++) {
		const struct cap_bin *b = &a->bins[i];
		double v = which == 0 ? (double)b->ops : which == 1 ? (double)b->bytes / 1048576.0 : (double)b->infl_max;
		if (v > vmax)
			vmax = v;
	}
	if (vmax <= 0)
		vmax = 1;
	double tmax = a->nbins > 1 ? a->nbins - 1 : 1;
	svg_begin(f, title);
	ylabels(f, 0, vmax, unit);
	for (int k = 0; k <= 4; k++) {
		double t = tmax * k / 4;
		fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%.0fs</text>", px(t, 0, tmax), H - MB + 14, t);
	}
	int lines = which == 2 ? 2 : 1;
	for (int l = 0; l < lines; l++) {
		fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" points=\"", colors[l]);
		for (uint32_t i = 0; i < a->nbins; i++) {
			const struct cap_bin *b = &a->bins[i];
			double v;
			if (which == 0)
				v = (double)b->ops;
			else if (which == 1)
				v = (double)b->bytes / 1048576.0;
			else if (l == 0)
				v = (double)b->infl_max;
			else
				v = (double)b->infl_area / 1e9; /* mean over the second */
			fprintf(f, "%.1f,%.1f ", px(i, 0, tmax), py(v, 0, vmax));
		}
		fputs("\"/>\n", f);
	}
	if (which == 2) {
		legend(f, 0, "max");
		legend(f, 1, "mean");
	} else {
		legend(f, 0, which ? "MiB/s (READ+WRITE data)" : "RPCs/s completed");
	}
	fputs("</svg>\n", f);
}

static void table(FILE *f, const struct cap_ana *a)
{
	fputs("<h2>Operations</h2>\n<table>\n<tr><th>Op</th><th>Count</th><th>Errors</th><th>Bytes</th>"
	      "<th>mean</th><th>p50</th><th>p90</th><th>p99</th><th>p99.9</th><th>max</th><th>srt mean</th></tr>\n", f);
	for (unsigned op = 0; op < CAP_OP_NONE; op++) {
		const struct cap_opstat *s = &a->ops[op];
		if (!s->count || !s->exch)
			continue;
		fprintf(f, "<tr><td>v%u %s</td><td>%" PRIu64 "</td><td>%" PRIu64 "</td><td>%" PRIu64 "</td>",
			cap_op_vers(op), cap_op_name(op), s->count, s->errors, s->bytes);
		double v[6] = {hist_mean(s->exch), (double)hist_percentile(s->exch, 50),
			       (double)hist_percentile(s->exch, 90), (double)hist_percentile(s->exch, 99),
			       (double)hist_percentile(s->exch, 99.9), (double)s->exch->max};
		for (int i = 0; i < 6; i++)
			fprintf(f, "<td>%.1f us</td>", v[i] / 1000.0);
		fprintf(f, "<td>%.1f us</td></tr>\n", s->srt ? hist_mean(s->srt) / 1000.0 : 0.0);
	}
	fputs("</table>\n", f);
}

int cap_html(struct cap_ana *a, FILE *f, const char *const *files, unsigned nfiles)
{
	struct cap_summary s;
	cap_ana_finish(a);
	cap_ana_summary(a, &s);
	fputs("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>nfscap report</title>\n"
	      "<style>body{font-family:sans-serif;margin:2em;color:#222}table{border-collapse:collapse}"
	      "td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}td:first-child{text-align:left}"
	      "h2{font-size:1.1em;margin-top:1.5em}</style></head><body>\n<h1>nfscap report</h1>\n<p>", f);
	for (unsigned i = 0; i < nfiles; i++) {
		html_esc(f, files[i]);
		fputs(i + 1 < nfiles ? ", " : "", f);
	}
	fprintf(f, ": %" PRIu64 " packets, %.3f s; %" PRIu64 " RPCs timed, %" PRIu64 " replies without their call, %"
		   PRIu64 " record headers not captured.</p>\n", s.packets,
		s.packets ? (double)(s.last_ts - s.first_ts) / 1e9 : 0.0, s.matched, s.orphans, s.tcp.hidden);
	table(f, a);
	cdf(f, a);
	series(f, a, "Operations per second", "RPCs/s", 0);
	series(f, a, "Bytes per second", "MiB/s", 1);
	series(f, a, "RPCs in flight (all connections)", "RPCs", 2);
	if (a->bins_full)
		fputs("<p>The time series stops after its maximum length.</p>\n", f);
	fputs("</body></html>\n", f);
	return ferror(f) ? 5 : 0; /* EIO */
}
