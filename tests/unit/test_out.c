/* test_out.c - one sequence of out_* calls, checked as aligned text and as
 * a JSON document parsed back with json-c; plus the human unit formats. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "out.h"

static const struct out_col cols[] = {
	{"op", "Op"},
	{"count", "Count"},
	{"mean_ms", "Mean ms"},
	{NULL, "Hint"}, /* text only */
};

/* What a program would call; both tests feed it. */
static void emit(struct out *o)
{
	out_str(o, "host", "Host", "guest1");
	out_u64(o, "ops", "Operations", 123456, NULL);
	out_begin(o, "latency", "Latency");
	out_u64(o, "p50_ns", "p50", 812, "ns");
	out_dbl(o, "p99_ms", "p99 latency", 2.0712, "%.2f", "ms");
	out_dbl(o, "broken", "Broken", NAN, "%.1f", NULL);
	out_dbl(o, "tenth", NULL, 0.1, NULL, NULL);            /* JSON only */
	out_u64(o, NULL, "Text only", 5, NULL);                 /* text only */
	out_note(o, "a note %d", 3);
	out_begin(o, "inner", "Inner");
	out_bool(o, "ok", "OK", true);
	out_end(o);
	out_end(o);
	out_table_begin(o, "per_op", "Per op", cols, 4);
	out_row_begin(o);
	out_cell_str(o, "read");
	out_cell_u64(o, 100);
	out_cell_dbl(o, 1.5, "%.2f");
	out_cell_str(o, "hot");
	out_row_end(o);
	out_row_begin(o);
	out_cell_str(o, "getattr");
	out_cell_u64(o, 7);
	out_cell_dbl(o, INFINITY, "%.2f");
	out_row_end(o);
	out_table_end(o);
	out_i64(o, "offset_ns", "Clock offset", -42, "ns");
	out_json(o, "hist", json_object_new_int(9));
}

static char *run(enum out_mode mode, int *rc)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct out *o;

	assert_non_null(f);
	assert_int_equal(out_new(&o, mode, f, "test/1"), 0);
	assert_int_equal(out_mode(o), mode);
	emit(o);
	*rc = out_finish(o);
	fclose(f);
	return buf;
}

static void test_text(void **state)
{
	static const char want[] =
		"Host        guest1\n"
		"Operations  123456\n"
		"\n"
		"Latency\n"
		"  p50           812 ns\n"
		"  p99 latency  2.07 ms\n"
		"  Broken        nan\n"
		"  Text only       5\n"
		"  a note 3\n"
		"  Inner\n"
		"    OK  yes\n"
		"\n"
		"Per op\n"
		"  Op       Count  Mean ms  Hint\n"
		"  read       100     1.50  hot\n"
		"  getattr      7      inf\n"
		"\n"
		"Clock offset  -42 ns\n";
	int rc;
	(void)state;

	char *got = run(OUT_TEXT, &rc);
	assert_int_equal(rc, 0);
	if (strcmp(got, want))
		fail_msg("text differs:\n%s\n--- want ---\n%s", got, want);
	free(got);
}

/* A table wider than 120 columns goes in panels led by its first column;
 * with no limit it stays one. */
static void test_text_panels(void **state)
{
	static const struct out_col wide[] = {
		{"name", "Name"}, {"a", "Column A wide header"}, {"b", "Column B wide header"},
		{"c", "Column C wide header"}, {"d", "Column D wide header"}, {"e", "Column E wide header"},
		{"f", "Column F wide header"},
	};
	(void)state;
	for (int lim = 0; lim < 2; lim++) {
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);
		struct out *o;
		assert_int_equal(out_new(&o, OUT_TEXT, f, "t/1"), 0);
		if (!lim)
			out_set_width(o, 0);
		out_table_begin(o, "t", "Wide", wide, 7);
		for (int r = 0; r < 2; r++) {
			out_row_begin(o);
			out_cell_str(o, r ? "second" : "first");
			for (int c = 0; c < 6; c++)
				out_cell_u64(o, (uint64_t)(r * 10 + c));
			out_row_end(o);
		}
		out_table_end(o);
		assert_int_equal(out_finish(o), 0);
		fclose(f);
		size_t longest = 0, cur = 0, heads = 0;
		for (const char *p = buf; *p; p++) {
			cur = *p == '\n' ? 0 : cur + 1;
			longest = cur > longest ? cur : longest;
		}
		for (const char *p = buf; (p = strstr(p, "Name")); p++)
			heads++;
		if (lim) {
			assert_true(longest <= OUT_WIDTH);
			assert_int_equal(heads, 2); /* two panels, each led by Name */
			assert_non_null(strstr(buf, "Column F wide header"));
			assert_non_null(strstr(buf, "second"));
		} else {
			assert_true(longest > OUT_WIDTH);
			assert_int_equal(heads, 1);
		}
		free(buf);
	}
}

static struct json_object *member(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;
	if (!json_object_object_get_ex(o, key, &v))
		fail_msg("no member '%s'", key);
	return v;
}

static void test_json(void **state)
{
	int rc;
	(void)state;

	char *got = run(OUT_JSON, &rc);
	assert_int_equal(rc, 0);
	assert_null(strstr(got, "NaN"));
	assert_null(strstr(got, "Infinity"));
	assert_non_null(strstr(got, "\"tenth\":0.1,"));
	assert_true(got[strlen(got) - 1] == '\n');

	struct json_tokener *tok = json_tokener_new_ex(JSON_TOKENER_DEFAULT_DEPTH);
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	struct json_object *doc = json_tokener_parse_ex(tok, got, (int)strlen(got));
	assert_int_equal(json_tokener_get_error(tok), json_tokener_success);
	json_tokener_free(tok);
	assert_non_null(doc);

	/* schema first */
	const char *first = NULL;
	json_object_object_foreach(doc, k, v) {
		(void)v;
		first = k;
		break;
	}
	assert_string_equal(first, "schema");
	assert_string_equal(json_object_get_string(member(doc, "schema")), "test/1");
	assert_string_equal(json_object_get_string(member(doc, "host")), "guest1");
	assert_int_equal(json_object_get_int64(member(doc, "ops")), 123456);
	assert_int_equal(json_object_get_int64(member(doc, "offset_ns")), -42);
	assert_int_equal(json_object_get_int(member(doc, "hist")), 9);

	struct json_object *lat = member(doc, "latency");
	assert_int_equal(json_object_get_int64(member(lat, "p50_ns")), 812);
	assert_true(json_object_get_double(member(lat, "p99_ms")) == 2.0712); /* full precision */
	assert_null(member(lat, "broken"));
	assert_true(json_object_get_double(member(lat, "tenth")) == 0.1);
	assert_true(json_object_get_boolean(member(member(lat, "inner"), "ok")));
	/* text-only and labelled-only members stay out */
	assert_int_equal(json_object_object_length(lat), 5);

	struct json_object *tab = member(doc, "per_op");
	assert_true(json_object_is_type(tab, json_type_array));
	assert_int_equal(json_object_array_length(tab), 2);
	struct json_object *r0 = json_object_array_get_idx(tab, 0);
	struct json_object *r1 = json_object_array_get_idx(tab, 1);
	assert_string_equal(json_object_get_string(member(r0, "op")), "read");
	assert_int_equal(json_object_get_int64(member(r0, "count")), 100);
	assert_true(json_object_get_double(member(r0, "mean_ms")) == 1.5);
	assert_int_equal(json_object_object_length(r0), 3);
	assert_string_equal(json_object_get_string(member(r1, "op")), "getattr");
	assert_null(member(r1, "mean_ms"));

	assert_int_equal(json_object_object_length(doc), 7);
	json_object_put(doc);
	free(got);
}

/* Doubles in JSON: shortest exact text, and still a double. */
static void test_json_doubles(void **state)
{
	static const double vals[] = {0.1, 1.0 / 3, 1e300, -2.5e-300, 5e-324, 1e21, 2, -0.0, 123456789.125, 40000,
				      1e15};
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct out *o;
	(void)state;

	assert_int_equal(out_new(&o, OUT_JSON, f, "d/1"), 0);
	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		char key[8];
		snprintf(key, sizeof(key), "v%zu", i);
		out_dbl(o, key, "x", vals[i], "%.1f", NULL);
	}
	out_dbl(o, "ninf", "x", -INFINITY, NULL, NULL);
	out_str(o, "nothing", "x", NULL);
	assert_non_null(out_doc(o));
	assert_int_equal(out_finish(o), 0);
	fclose(f);

	struct json_object *doc = json_tokener_parse(buf);
	assert_non_null(doc);
	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		char key[8];
		snprintf(key, sizeof(key), "v%zu", i);
		struct json_object *v = member(doc, key);
		assert_true(json_object_is_type(v, json_type_double));
		assert_memory_equal(&(double){json_object_get_double(v)}, &vals[i], sizeof(double));
	}
	assert_null(member(doc, "ninf"));
	assert_null(member(doc, "nothing"));
	assert_non_null(strstr(buf, "\"v0\":0.1,"));
	assert_non_null(strstr(buf, "\"v4\":5e-324,"));
	assert_non_null(strstr(buf, "\"v6\":2.0,"));
	assert_non_null(strstr(buf, "\"v7\":-0.0,"));
	/* whole numbers are written out (issue 15: no "4e+04") */
	assert_non_null(strstr(buf, "\"v9\":40000.0,"));
	assert_non_null(strstr(buf, "\"v10\":1000000000000000.0,"));
	json_object_put(doc);
	free(buf);
}

/* Sections reopened by key merge; an untitled text block keeps its parent's
 * indent; a keyless section is text only. */
static void test_sections(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	struct out *o;
	(void)state;

	f = open_memstream(&buf, &len);
	assert_int_equal(out_new(&o, OUT_JSON, f, "s/1"), 0);
	out_begin(o, "a", "A");
	out_u64(o, "x", "X", 1, NULL);
	out_end(o);
	out_begin(o, "a", "A");
	out_u64(o, "y", "Y", 2, NULL);
	out_end(o);
	out_begin(o, NULL, "Text only");
	out_u64(o, "z", "Z", 3, NULL);
	out_end(o);
	out_end(o); /* one too many: ignored */
	assert_int_equal(out_finish(o), 0);
	fclose(f);
	struct json_object *doc = json_tokener_parse(buf);
	assert_int_equal(json_object_get_int(member(member(doc, "a"), "x")), 1);
	assert_int_equal(json_object_get_int(member(member(doc, "a"), "y")), 2);
	assert_int_equal(json_object_get_int(member(doc, "z")), 3);
	json_object_put(doc);
	free(buf);

	buf = NULL;
	f = open_memstream(&buf, &len);
	assert_int_equal(out_new(&o, OUT_TEXT, f, "s/1"), 0);
	assert_null(out_doc(o));
	out_begin(o, "a", "A");
	out_u64(o, "long_one", "Long label", 1, "s");
	out_begin(o, "b", NULL);
	out_u64(o, "x", "X", 22, "s");
	out_end(o);
	out_str(o, "s", "S", "left");
	out_end(o);
	out_begin(o, "empty", "Empty"); /* nothing inside: no title either */
	out_end(o);
	out_begin(o, "open", "Open"); /* closed by out_finish */
	out_u64(o, "n", "N", 1, NULL);
	assert_int_equal(out_finish(o), 0);
	fclose(f);
	static const char want[] =
		"A\n"
		"  Long label  1 s\n"
		"  X  22 s\n"
		"  S           left\n"
		"\n"
		"Open\n"
		"  N  1\n";
	if (strcmp(buf, want))
		fail_msg("text differs:\n%s\n--- want ---\n%s", buf, want);
	free(buf);
}

static void test_write_error(void **state)
{
	struct out *o;
	FILE *f = fopen("/dev/full", "w");
	(void)state;

	if (!f)
		skip();
	setvbuf(f, NULL, _IONBF, 0);
	assert_int_equal(out_new(&o, OUT_JSON, f, "e/1"), 0);
	out_u64(o, "x", "X", 1, NULL);
	assert_int_equal(out_finish(o), ENOSPC);
	fclose(f);
}

struct ns_case {
	uint64_t ns;
	const char *want;
};

static void test_fmt_ns(void **state)
{
	static const struct ns_case cases[] = {
		{0, "0ns"}, {812, "812ns"}, {999, "999ns"}, {1000, "1.00us"}, {41300, "41.3us"},
		{999499, "999us"}, {999500, "1.00ms"}, {2070000, "2.07ms"}, {12345678, "12.3ms"},
		{1500000000, "1.50s"}, {59000000000, "59.0s"}, {3600000000000, "3600s"},
	};
	char buf[32];
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_string_equal(out_fmt_ns(buf, sizeof(buf), cases[i].ns), cases[i].want);
	assert_string_equal(out_fmt_ns(buf, 4, 41300), "41.");
}

struct bytes_case {
	double b;
	const char *want;
};

static void test_fmt_bytes(void **state)
{
	static const struct bytes_case cases[] = {
		{0, "0B"}, {512, "512B"}, {1023, "1023B"}, {4096, "4.0KiB"}, {1536, "1.5KiB"},
		{1048575, "1.0MiB"}, {1.2 * 1073741824.0, "1.2GiB"}, {5.5 * 1099511627776.0, "5.5TiB"},
		{-4096, "-4.0KiB"},
	};
	char buf[32];
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_string_equal(out_fmt_bytes(buf, sizeof(buf), cases[i].b), cases[i].want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_text_panels),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_json_doubles),
		cmocka_unit_test(test_sections),
		cmocka_unit_test(test_write_error),
		cmocka_unit_test(test_fmt_ns),
		cmocka_unit_test(test_fmt_bytes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
