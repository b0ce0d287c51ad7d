/* html.h - the one HTML and SVG writer of the toolkit's reports (nfscap
 * report, nfscap attribute, nfstune sweep): the page frame and its style,
 * escaping, numbers in people's units, and inline SVG plots with labelled
 * axes. Nothing is fetched from the network: a report is one file that can
 * be mailed and opened anywhere.
 *
 * Plots: html_plot_begin() draws the frame, the grid, "nice number" ticks
 * (1-2-5 steps; seconds in 1-2-5-10-15-30-60 steps; decades on log axes)
 * and the axis titles; data then goes through html_px()/html_py() (data to
 * pixels, clamped to the frame). Units choose the tick labels: a latency
 * axis in ns reads "0.5 ms", a byte axis "200 MiB", a rate "1.35 GB/s".
 * Series colours come from the Okabe-Ito palette, heatmaps from a viridis
 * scale: both stay apart for colour-blind readers and in greyscale.
 */
#ifndef NFSTK_HTML_H
#define NFSTK_HTML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "out.h" /* enum out_unit, out_fmt */

/* Text and attribute values, UTF-8 passed through. */
void html_esc(FILE *f, const char *s);

/* The document: doctype, style, <title> and <h1> (both escaped). */
void html_page_begin(FILE *f, const char *title);
/* Closes it; returns 0 or EIO when anything failed to write. */
int html_page_end(FILE *f);
/* <h2>text</h2>, and a warning paragraph. */
void html_h2(FILE *f, const char *text);
void html_warn(FILE *f, const char *text);

/* A header cell: <th> a b </th>, both escaped (b may be NULL). */
void html_th(FILE *f, const char *a, const char *b);

/* A table cell (<td>) holding out_fmt(v, u). */
void html_td(FILE *f, double v, enum out_unit u);

struct html_axis {
	double lo, hi;     /* data range; widened to nice ticks (decades when log) */
	enum out_unit unit;
	bool log;          /* log10 scale; values <= 0 are clamped to lo */
	bool cat;          /* categories at lo..hi: no ticks, no widening; the
			    * caller names them with html_plot_tick() */
	const char *title; /* axis title (required: every plot labels its axes) */
	int room;          /* x: extra pixels below for long (turned) labels */
};

struct html_plot {
	FILE *f;
	int w, h, ml, mr, mt, mb;   /* size and margins in pixels */
	struct html_axis x, y;
	unsigned nleg;              /* legend entries so far */
	unsigned npts;              /* points of the current line */
	double lx, ly;              /* its last point */
	const char *lcolor;
};

/* A plot of w x h pixels under heading: frame, ticks, grid and titles. The
 * y tick labels get a left margin of ml pixels (0: 78), the legend
 * (html_plot_legend) a right margin of mr. */
void html_plot_begin(struct html_plot *p, FILE *f, const char *heading, int w, int h, int ml, int mr,
		     const struct html_axis *x, const struct html_axis *y);
void html_plot_end(struct html_plot *p);
double html_px(const struct html_plot *p, double v);
double html_py(const struct html_plot *p, double v);
/* A line through data points; a line of one point is drawn as a dot, so a
 * series of one bin still shows. */
void html_line_begin(struct html_plot *p, const char *color, double width, const char *dash);
/* A filled polygon through the points that follow (a stacked area). */
void html_area_begin(struct html_plot *p, const char *fill);
void html_line_pt(struct html_plot *p, double x, double y);
void html_line_end(struct html_plot *p);
/* A filled rectangle between data corners, with an optional tooltip. */
void html_rect(struct html_plot *p, double x0, double y0, double x1, double y1, const char *fill,
	       const char *tip);
/* A tick label at data value v of the x (xaxis) or y axis; long x labels
 * are turned 30 degrees. */
void html_plot_tick(struct html_plot *p, bool xaxis, double v, const char *text);
void html_plot_legend(struct html_plot *p, const char *color, const char *name);
/* A message in the middle of the frame ("too few RPCs to draw"). */
void html_plot_note(struct html_plot *p, const char *text);
/* A colour bar for a heatmap: values lo..hi in unit u (log scale when logscale). */
void html_plot_colorbar(struct html_plot *p, double lo, double hi, enum out_unit u, bool logscale, const char *title);

/* Colour i of the series palette (Okabe-Ito, cycling over 8). */
const char *html_color(unsigned i);
/* The sequential scale at t in [0, 1] (viridis), "#rrggbb" in buf[8]. */
const char *html_seq_color(char buf[8], double t);

/* Nice ticks over [lo, hi] for unit u (about n of them), at most max;
 * returns how many were written to t. Log axes: one per decade. */
unsigned html_ticks(double lo, double hi, enum out_unit u, bool log, unsigned n, double *t, unsigned max);

#endif
