/* html.c - see html.h. */
#include "html.h"

#include <errno.h>
#include <math.h>
#include <string.h>

void html_esc(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		default: fputc(*s, f);
		}
	}
}

void html_page_begin(FILE *f, const char *title)
{
	fputs("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>", f);
	html_esc(f, title);
	fputs("</title>\n<style>body{font-family:sans-serif;margin:1.5em 2em;color:#222;max-width:1200px}"
	      "table{border-collapse:collapse;font-size:13px;margin:.4em 0;display:block;overflow-x:auto;max-width:100%}"
	      "td,th{border:1px solid #ccc;padding:2px 7px;text-align:right;white-space:nowrap}"
	      "th{background:#f3f3f3}td.l,th.l,td:first-child{text-align:left}tr.best{background:#e3f1e6}"
	      "h2{font-size:1.1em;margin:1.6em 0 .3em}p.warn{background:#fff4d6;border-left:4px solid #E69F00;"
	      "padding:4px 8px;margin:.3em 0}svg{display:block}svg text{font-family:sans-serif}"
	      "p.note{color:#555;font-size:13px;margin:.2em 0}</style></head><body>\n<h1>", f);
	html_esc(f, title);
	fputs("</h1>\n", f);
}

int html_page_end(FILE *f)
{
	fputs("</body></html>\n", f);
	return ferror(f) ? EIO : 0;
}

void html_h2(FILE *f, const char *text)
{
	fputs("<h2>", f);
	html_esc(f, text);
	fputs("</h2>\n", f);
}

void html_th(FILE *f, const char *a, const char *b)
{
	fputs("<th>", f);
	html_esc(f, a);
	if (b)
		html_esc(f, b);
	fputs("</th>", f);
}

void html_warn(FILE *f, const char *text)
{
	fputs("<p class=\"warn\">", f);
	html_esc(f, text);
	fputs("</p>\n", f);
}

void html_td(FILE *f, double v, enum out_unit u)
{
	char b[48];
	fprintf(f, "<td>%s</td>", out_fmt(b, sizeof(b), v, u));
}

/* ---- ticks ------------------------------------------------------------------------ */

/* 1, 2 or 5 times a power of ten, the first at or above x. */
static double nice125(double x)
{
	double e = pow(10, floor(log10(x)));
	double m = x / e;
	return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * e;
}

static double tick_step(double lo, double hi, enum out_unit u, unsigned n)
{
	double raw = (hi - lo) / (n ? n : 1);
	if (!(raw > 0))
		return 1;
	if (u == OUT_U_SEC && raw >= 1) {
		/* clock steps: seconds, minutes, hours */
		static const double st[] = {1, 2, 5, 10, 15, 20, 30, 60, 120, 300, 600, 900, 1200, 1800, 3600, 7200,
					    10800, 21600, 43200, 86400};
		for (size_t i = 0; i < sizeof(st) / sizeof(st[0]); i++)
			if (st[i] >= raw)
				return st[i];
		return nice125(raw / 86400) * 86400;
	}
	if (u == OUT_U_BYTES && raw >= 1024) {
		/* in the IEC unit the labels use: 256 MiB steps, not 268435456 */
		double k = pow(1024, floor(log(hi > 0 ? hi : raw) / log(1024)));
		return nice125(raw / k) * k;
	}
	return nice125(raw);
}

unsigned html_ticks(double lo, double hi, enum out_unit u, bool log, unsigned n, double *t, unsigned max)
{
	unsigned k = 0;
	if (!(hi > lo))
		return 0;
	if (log) {
		double a = floor(log10(lo) + 1e-9), b = ceil(log10(hi) - 1e-9);
		double every = b - a > 10 ? 2 : 1;
		for (double d = a; d <= b + 1e-9 && k < max; d += every) {
			t[k++] = pow(10, d);
			/* two decades or fewer: 2 and 5 between them too */
			for (int m = 2; b - a <= 2 && d < b && m <= 5 && k < max; m += 3)
				t[k++] = m * pow(10, d);
		}
		return k;
	}
	double st = tick_step(lo, hi, u, n);
	for (double v = ceil(lo / st - 1e-9) * st; v <= hi + st * 1e-9 && k < max; v += st)
		t[k++] = fabs(v) < st * 1e-9 ? 0 : v;
	return k;
}

/* Widen a to whole ticks: ends then carry labels, and the data never
 * touches the frame's edge unlabelled. */
static void nice_axis(struct html_axis *a)
{
	if (a->cat) {
		if (!(a->hi > a->lo))
			a->hi = a->lo + 1;
		return;
	}
	if (!(a->lo == a->lo) || !(a->hi == a->hi) || !isfinite(a->lo) || !isfinite(a->hi)) {
		a->lo = a->log ? 1 : 0;
		a->hi = a->log ? 10 : 1;
	}
	if (a->log) {
		if (!(a->lo > 0))
			a->lo = a->hi > 0 ? a->hi / 10 : 1;
		if (!(a->hi > a->lo))
			a->hi = a->lo * 10;
		a->lo = pow(10, floor(log10(a->lo) + 1e-9));
		a->hi = pow(10, ceil(log10(a->hi) - 1e-9));
		if (a->hi <= a->lo)
			a->hi = a->lo * 10;
		return;
	}
	if (!(a->hi > a->lo)) {
		double d = a->hi != 0 ? fabs(a->hi) * 0.1 : 1;
		a->lo -= a->lo == 0 ? 0 : d;
		a->hi += d;
	}
	double st = tick_step(a->lo, a->hi, a->unit, 5);
	a->lo = floor(a->lo / st + 1e-9) * st;
	a->hi = ceil(a->hi / st - 1e-9) * st;
}

/* ---- plots ------------------------------------------------------------------------- */

static double frac(const struct html_axis *a, double v)
{
	if (a->log) {
		if (!(v > a->lo))
			v = a->lo;
		return (log10(v) - log10(a->lo)) / (log10(a->hi) - log10(a->lo));
	}
	return (v - a->lo) / (a->hi - a->lo);
}

static double clamp01(double v)
{
	return v < 0 ? 0 : v > 1 ? 1 : v == v ? v : 0;
}

double html_px(const struct html_plot *p, double v)
{
	return p->ml + clamp01(frac(&p->x, v)) * (p->w - p->ml - p->mr);
}

double html_py(const struct html_plot *p, double v)
{
	return p->h - p->mb - clamp01(frac(&p->y, v)) * (p->h - p->mt - p->mb);
}

void html_plot_begin(struct html_plot *p, FILE *f, const char *heading, int w, int h, int ml, int mr,
		     const struct html_axis *x, const struct html_axis *y)
{
	char b[48];
	double t[32];
	*p = (struct html_plot){.f = f, .w = w, .h = h, .ml = ml ? ml : 78, .mr = mr, .mt = 14, .mb = 48 + x->room,
				.x = *x, .y = *y};
	nice_axis(&p->x);
	nice_axis(&p->y);
	if (heading)
		html_h2(f, heading);
	fprintf(f, "<svg class=\"plot\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		   "font-size=\"11\">\n", w, h);
	unsigned n = p->x.cat ? 0 : html_ticks(p->x.lo, p->x.hi, p->x.unit, p->x.log, 7, t, 32);
	for (unsigned i = 0; i < n; i++) {
		double v = html_px(p, t[i]);
		fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#e6e6e6\"/>"
			   "<text class=\"tick x\" x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n",
			v, p->mt, v, h - p->mb, v, h - p->mb + 14, out_fmt(b, sizeof(b), t[i], p->x.unit));
	}
	n = p->y.cat ? 0 : html_ticks(p->y.lo, p->y.hi, p->y.unit, p->y.log, 5, t, 32);
	for (unsigned i = 0; i < n; i++) {
		double v = html_py(p, t[i]);
		fprintf(f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#e6e6e6\"/>"
			   "<text class=\"tick y\" x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
			p->ml, v, w - p->mr, v, p->ml - 5, v + 4, out_fmt(b, sizeof(b), t[i], p->y.unit));
	}
	fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#999\"/>\n", p->ml, p->mt,
		w - p->ml - p->mr, h - p->mt - p->mb);
	fprintf(f, "<text class=\"axis-title x\" x=\"%d\" y=\"%d\" text-anchor=\"middle\">", p->ml + (w - p->ml - p->mr) / 2,
		h - 10);
	html_esc(f, p->x.title ? p->x.title : "");
	int cy = p->mt + (h - p->mt - p->mb) / 2;
	fprintf(f, "</text>\n<text class=\"axis-title y\" x=\"14\" y=\"%d\" transform=\"rotate(-90 14 %d)\" "
		   "text-anchor=\"middle\">", cy, cy);
	html_esc(f, p->y.title ? p->y.title : "");
	fputs("</text>\n", f);
}

void html_plot_end(struct html_plot *p)
{
	fputs("</svg>\n", p->f);
}

void html_line_begin(struct html_plot *p, const char *color, double width, const char *dash)
{
	fprintf(p->f, "<polyline class=\"data\" fill=\"none\" stroke=\"%s\" stroke-width=\"%.1f\"%s%s%s points=\"", color,
		width, dash ? " stroke-dasharray=\"" : "", dash ? dash : "", dash ? "\"" : "");
	p->npts = 0;
	p->lcolor = color;
}

void html_area_begin(struct html_plot *p, const char *fill)
{
	fprintf(p->f, "<polygon class=\"data\" fill=\"%s\" fill-opacity=\"0.85\" points=\"", fill);
	p->npts = 0;
	p->lcolor = fill;
}

void html_line_pt(struct html_plot *p, double x, double y)
{
	p->lx = html_px(p, x);
	p->ly = html_py(p, y);
	fprintf(p->f, "%.1f,%.1f ", p->lx, p->ly);
	p->npts++;
}

void html_line_end(struct html_plot *p)
{
	fputs("\"/>\n", p->f);
	if (p->npts == 1)
		fprintf(p->f, "<circle class=\"data\" cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\"/>\n", p->lx, p->ly,
			p->lcolor);
}

void html_rect(struct html_plot *p, double x0, double y0, double x1, double y1, const char *fill, const char *tip)
{
	double a = html_px(p, x0), b = html_px(p, x1), c = html_py(p, y0), d = html_py(p, y1);
	fprintf(p->f, "<rect class=\"data\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"",
		fmin(a, b), fmin(c, d), fabs(b - a), fabs(d - c), fill);
	if (tip) {
		fputs("><title>", p->f);
		html_esc(p->f, tip);
		fputs("</title></rect>\n", p->f);
	} else {
		fputs("/>\n", p->f);
	}
}

void html_plot_tick(struct html_plot *p, bool xaxis, double v, const char *text)
{
	if (xaxis) {
		double x = html_px(p, v);
		int y = p->h - p->mb + 14;
		if (strlen(text) > 8)
			fprintf(p->f, "<text class=\"tick x\" x=\"%.1f\" y=\"%d\" text-anchor=\"end\" "
				      "transform=\"rotate(-30 %.1f %d)\">", x, y, x, y);
		else
			fprintf(p->f, "<text class=\"tick x\" x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">", x, y);
	} else {
		fprintf(p->f, "<text class=\"tick y\" x=\"%d\" y=\"%.1f\" text-anchor=\"end\">", p->ml - 5,
			html_py(p, v) + 4);
	}
	html_esc(p->f, text);
	fputs("</text>\n", p->f);
}

void html_plot_legend(struct html_plot *p, const char *color, const char *name)
{
	int x = p->w - p->mr + 10, y = p->mt + 4 + (int)p->nleg * 16;
	fprintf(p->f, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"10\" fill=\"%s\"/><text x=\"%d\" y=\"%d\">", x, y, color,
		x + 17, y + 9);
	html_esc(p->f, name);
	fputs("</text>\n", p->f);
	p->nleg++;
}

void html_plot_note(struct html_plot *p, const char *text)
{
	fprintf(p->f, "<text class=\"note\" x=\"%d\" y=\"%d\" text-anchor=\"middle\" fill=\"#777\" font-size=\"13\">",
		p->ml + (p->w - p->ml - p->mr) / 2, p->mt + (p->h - p->mt - p->mb) / 2);
	html_esc(p->f, text);
	fputs("</text>\n", p->f);
}

void html_plot_colorbar(struct html_plot *p, double lo, double hi, enum out_unit u, bool logscale, const char *title)
{
	char c[8], b[48];
	int x = p->w - p->mr + 14, top = p->mt + 18, bh = p->h - p->mt - p->mb - 18;
	fprintf(p->f, "<text x=\"%d\" y=\"%d\">", x, p->mt + 8);
	html_esc(p->f, title);
	fputs("</text>\n", p->f);
	for (int i = 0; i < 32; i++)
		fprintf(p->f, "<rect x=\"%d\" y=\"%.1f\" width=\"14\" height=\"%.1f\" fill=\"%s\"/>", x,
			top + bh * (31 - i) / 32.0, bh / 32.0 + 0.5, html_seq_color(c, (i + 0.5) / 32));
	fprintf(p->f, "\n<text x=\"%d\" y=\"%d\">%s</text>", x + 18, top + 8, out_fmt(b, sizeof(b), hi, u));
	fprintf(p->f, "<text x=\"%d\" y=\"%d\">%s</text>", x + 18, top + bh, out_fmt(b, sizeof(b), lo, u));
	if (logscale && hi > lo * 100) {
		/* a decade between them, where it lies on the scale */
		double mid = pow(10, round(log10(sqrt(lo * hi))));
		fprintf(p->f, "<text x=\"%d\" y=\"%.0f\">%s</text>", x + 18,
			top + bh * (1 - log(mid / lo) / log(hi / lo)) + 4, out_fmt(b, sizeof(b), mid, u));
	}
	fputc('\n', p->f);
}

/* ---- colours ----------------------------------------------------------------------- */

const char *html_color(unsigned i)
{
	/* Okabe & Ito (2008), yellow last: it is faint on white */
	static const char *const pal[] = {"#0072B2", "#D55E00", "#009E73", "#E69F00",
					  "#CC79A7", "#56B4E9", "#000000", "#F0E442"};
	return pal[i % 8];
}

const char *html_seq_color(char buf[8], double t)
{
	/* viridis at tenths */
	static const unsigned char v[11][3] = {
		{68, 1, 84},    {72, 36, 117},  {65, 68, 135},  {53, 95, 141},   {42, 120, 142}, {33, 145, 140},
		{34, 168, 132}, {68, 191, 112}, {122, 209, 81}, {189, 223, 38}, {253, 231, 37},
	};
	t = clamp01(t) * 10;
	int i = t >= 10 ? 9 : (int)t;
	double r = t - i;
	snprintf(buf, 8, "#%02x%02x%02x", (unsigned)lround(v[i][0] + (v[i + 1][0] - v[i][0]) * r) & 255,
		 (unsigned)lround(v[i][1] + (v[i + 1][1] - v[i][1]) * r) & 255,
		 (unsigned)lround(v[i][2] + (v[i + 1][2] - v[i][2]) * r) & 255);
	return buf;
}
