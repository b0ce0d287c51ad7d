/* test_html.c - the report helper: numbers in people's units, nice ticks
 * (1-2-5, clock steps, IEC steps, decades), and a plot's SVG: frame, axis
 * titles, ticks, data clamped into the frame, one-point lines drawn. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "html.h"

static void test_fmt(void **state)
{
	(void)state;
	static const struct {
		double v;
		enum out_unit u;
		const char *want;
	} t[] = {
		{850e3, OUT_U_NS, "850 us"},      {1.35e6, OUT_U_NS, "1.35 ms"},   {999.7e3, OUT_U_NS, "1 ms"},
		{812, OUT_U_NS, "812 ns"},        {2e9, OUT_U_NS, "2 s"},          {0, OUT_U_NS, "0 ns"},
		{1.35e9, OUT_U_RATE, "1.35 GB/s"}, {999, OUT_U_RATE, "999 B/s"},   {2.4 * 1073741824.0, OUT_U_BYTES, "2.4 GiB"},
		{1023, OUT_U_BYTES, "1023 B"},    {1024, OUT_U_BYTES, "1 KiB"},    {90, OUT_U_SEC, "90 s"},
		{150, OUT_U_SEC, "2.5 min"},      {0.25, OUT_U_SEC, "250 ms"},     {0.999, OUT_U_FRAC, "99.9%"},
		{12500, OUT_U_NUM, "12.5 k"},     {0.25, OUT_U_NUM, "0.25"},       {NAN, OUT_U_NS, "-"},
	};
	char b[48];
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		out_fmt(b, sizeof(b), t[i].v, t[i].u);
		if (strcmp(b, t[i].want))
			fail_msg("%g unit %d: \"%s\", want \"%s\"", t[i].v, t[i].u, b, t[i].want);
	}
}

static void test_ticks(void **state)
{
	(void)state;
	double t[32];
	/* 0..1.7 ms: 0.5 ms steps */
	unsigned n = html_ticks(0, 1.7e6, OUT_U_NS, false, 5, t, 32);
	assert_int_equal(n, 4);
	assert_true(t[0] == 0 && fabs(t[1] - 5e5) < 1 && fabs(t[3] - 1.5e6) < 1);
	/* 0..100 s of capture: 20 s steps (clock steps) */
	n = html_ticks(0, 100, OUT_U_SEC, false, 7, t, 32);
	assert_true(n >= 5 && n <= 8);
	assert_true(fmod(t[1], 5) == 0 && t[1] > 0);
	/* 0..600 s: whole minutes */
	n = html_ticks(0, 600, OUT_U_SEC, false, 7, t, 32);
	assert_true(fmod(t[1], 60) == 0);
	/* 0..3 GiB: steps of a power of two times 1, 2 or 5 GiB/MiB, never
	 * 10^k bytes */
	n = html_ticks(0, 3.0 * 1073741824, OUT_U_BYTES, false, 5, t, 32);
	assert_true(n >= 3);
	assert_true(fmod(t[1], 1048576) == 0);
	/* log: decades, and 2 and 5 between them over a short range */
	n = html_ticks(1e3, 1e6, OUT_U_NS, true, 5, t, 32);
	assert_int_equal(n, 4);
	assert_true(fabs(t[1] - 1e4) < 1e-6);
	n = html_ticks(10e3, 100e3, OUT_U_NS, true, 5, t, 32);
	assert_int_equal(n, 4);
	assert_true(fabs(t[1] - 20e3) < 1e-6 && fabs(t[2] - 50e3) < 1e-6);
	/* nothing to tick */
	assert_int_equal(html_ticks(1, 1, OUT_U_NUM, false, 5, t, 32), 0);
}

static unsigned count(const char *s, const char *what)
{
	unsigned n = 0;
	for (const char *p = s; (p = strstr(p, what)); p++)
		n++;
	return n;
}

static void test_plot(void **state)
{
	(void)state;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	html_page_begin(f, "a <b> report");
	struct html_plot p;
	struct html_axis x = {0, 9.3, OUT_U_SEC, false, false, "time", 0};
	struct html_axis y = {0, 1.7e6, OUT_U_NS, false, false, "p99", 0};
	html_plot_begin(&p, f, "Plot & title", 600, 300, 0, 100, &x, &y);
	/* the axes were widened to whole ticks */
	assert_true(p.x.hi >= 9.3 && p.y.hi >= 1.7e6 && p.y.hi <= 2e6);
	html_line_begin(&p, html_color(0), 1.5, NULL);
	html_line_pt(&p, 1, 5e5);
	html_line_end(&p);
	/* out of range: clamped to the frame */
	assert_true(html_px(&p, -100) == p.ml && html_px(&p, 1e9) == p.w - p.mr);
	assert_true(html_py(&p, 1e12) == p.mt);
	html_plot_end(&p);
	assert_int_equal(html_page_end(f), 0);
	fclose(f);
	assert_non_null(strstr(buf, "<title>a &lt;b&gt; report</title>"));
	assert_non_null(strstr(buf, "<h2>Plot &amp; title</h2>"));
	assert_non_null(strstr(buf, "class=\"axis-title x\""));
	assert_non_null(strstr(buf, ">time<"));
	assert_non_null(strstr(buf, ">p99<"));
	assert_non_null(strstr(buf, ">500 us<"));  /* y tick */
	assert_non_null(strstr(buf, ">1.5 ms<"));
	assert_true(count(buf, "class=\"tick x\"") >= 4);
	/* a line of one point is also a dot */
	assert_int_equal(count(buf, "<circle class=\"data\""), 1);
	assert_int_equal(count(buf, "<svg"), count(buf, "</svg>"));
	free(buf);
}

static void test_colors(void **state)
{
	(void)state;
	char a[8], b[8];
	assert_string_equal(html_seq_color(a, 0), "#440154");
	assert_string_equal(html_seq_color(b, 1), "#fde725");
	assert_string_equal(html_seq_color(a, 7), "#fde725"); /* clamped */
	assert_string_not_equal(html_seq_color(a, 0.5), html_seq_color(b, 0.6));
	assert_string_not_equal(html_color(0), html_color(1));
	assert_string_equal(html_color(0), html_color(8));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fmt),
		cmocka_unit_test(test_ticks),
		cmocka_unit_test(test_plot),
		cmocka_unit_test(test_colors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
