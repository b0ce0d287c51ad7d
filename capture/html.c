/* html.c - nfscap's report as one self-contained HTML file: the per-op
 * table, and inline SVG plots (latency CDF per op, ops and bytes per
 * second, RPCs in flight per second). No scripts, fonts or anything fetched
 * from the network: the file can be mailed and opened anywhere. */
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "ana.h"
#include "html.h"

#define W 940
#define H 300
#define MR 190 /* the legend's margin */

/* Latency CDF of the busiest ops, x on a log scale. */
static void cdf(FILE *f, const struct cap_ana *a)
{
	unsigned pick[8], n = 0;
	for (unsigned op = 0; op < CAP_OP_NONE; op++) {
		const struct cap_opstat *s = &a->ops[op];
		if (op == CAP_OP_V4_COMPOUND || !s->exch || !s->exch->count)
			continue;
		if (n < 8) {
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
	struct html_plot p;
	struct html_axis x = {(double)(mn ? mn : 1), (double)mx, HTML_NS, true, false, "latency (exchange), log scale"};
	struct html_axis y = {0, 1, HTML_FRAC, false, false, "RPCs at or below"};
	html_plot_begin(&p, f, "Latency CDF per operation (exchange: call first byte to reply last byte)", W, H, 0, MR, &x, &y);
	for (unsigned i = 0; i < n; i++) {
		const struct hist *h = a->ops[pick[i]].exch;
		uint64_t cum = 0;
		html_line_begin(&p, html_color(i), 1.5, NULL);
		html_line_pt(&p, (double)(h->min ? h->min : 1), 0);
		for (unsigned b = 0; b < HIST_NBUCKETS; b++) {
			if (!h->buckets[b])
				continue;
			cum += h->buckets[b];
			html_line_pt(&p, (double)hist_bucket_hi(b), (double)cum / (double)h->count);
		}
		html_line_end(&p);
		char name[48];
		snprintf(name, sizeof(name), "v%u %s (%" PRIu64 ")", cap_op_vers(pick[i]), cap_op_name(pick[i]),
			 a->ops[pick[i]].count);
		html_plot_legend(&p, html_color(i), name);
	}
	html_plot_end(&p);
}

/* A time series: up to two lines over the per-second bins. */
static void series(FILE *f, const struct cap_ana *a, const char *title, const char *ytitle, enum html_unit u,
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
	struct html_axis x = {0, a->nbins > 1 ? a->nbins - 1 : 1, HTML_SEC, false, false, "time since the first packet"};
	struct html_axis y = {0, vmax > 0 ? vmax : 1, u, false, false, ytitle};
	html_plot_begin(&p, f, title, W, H, 0, MR, &x, &y);
	int lines = which == 2 ? 2 : 1;
	for (int l = 0; l < lines; l++) {
		html_line_begin(&p, html_color((unsigned)l), 1.5, NULL);
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
			html_line_pt(&p, i, v);
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
	html_page_begin(f, "nfscap report");
	fputs("<p>", f);
	for (unsigned i = 0; i < nfiles; i++) {
		html_esc(f, files[i]);
		fputs(i + 1 < nfiles ? ", " : "", f);
	}
	fprintf(f, ": %" PRIu64 " packets, %.3f s; %" PRIu64 " RPCs timed, %" PRIu64 " replies without their call, %"
		   PRIu64 " record headers not captured.</p>\n", s.packets,
		s.packets ? (double)(s.last_ts - s.first_ts) / 1e9 : 0.0, s.matched, s.orphans, s.tcp.hidden);
	table(f, a);
	cdf(f, a);
	series(f, a, "Operations per second", "RPCs per second", HTML_NUM, 0);
	series(f, a, "Bytes per second", "data per second", HTML_RATE, 1);
	series(f, a, "RPCs in flight (all connections)", "RPCs in flight", HTML_NUM, 2);
	if (a->bins_full)
		fputs("<p>The time series stops after its maximum length.</p>\n", f);
	return html_page_end(f);
}
