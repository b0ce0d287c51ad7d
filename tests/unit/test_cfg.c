/* test_cfg.c - the config loader and the human-form parsers: good and bad
 * inputs of each parser, syntax error positions, key paths, unknown keys
 * and the typed getters. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "cfg.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------------ */
/* parse_u64: the strict parser every command line's counts go through  */

static void test_parse_u64(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		uint64_t lo, hi;
		int rc;
		const char *msg; /* in the error, which quotes the input as given */
	} cases[] = {
		{"0", 0, 10, 0, NULL},
		{"18446744073709551615", 0, UINT64_MAX, 0, NULL},
		{"007", 0, 10, 0, NULL},
		{" -1", 0, UINT64_MAX, EINVAL, "' -1'"},   /* strtoull skipped the blank and negated */
		{" 5", 0, UINT64_MAX, EINVAL, "' 5'"},
		{"5 ", 0, UINT64_MAX, EINVAL, "'5 '"},
		{"-1", 0, UINT64_MAX, EINVAL, "negative"},
		{"-0", 0, UINT64_MAX, EINVAL, "negative"},
		{"+5", 0, UINT64_MAX, EINVAL, "'+5'"},
		{"99999999999999999999", 0, UINT64_MAX, EINVAL, "'99999999999999999999': too large"},
		{"18446744073709551616", 0, UINT64_MAX, EINVAL, "too large"},
		{"0x10", 0, UINT64_MAX, EINVAL, "'0x10'"},
		{"1.5", 0, UINT64_MAX, EINVAL, "'1.5'"},
		{"5k", 0, UINT64_MAX, EINVAL, "'5k'"},
		{"", 0, UINT64_MAX, EINVAL, "empty"},
		{"0", 1, 10, ERANGE, "'0': out of range 1..10"},
		{"11", 1, 10, ERANGE, "'11': out of range 1..10"},
	};
	for (size_t i = 0; i < N(cases); i++) {
		uint64_t v = 12345;
		char err[256] = "";
		int rc = parse_u64(cases[i].in, cases[i].lo, cases[i].hi, &v, err, sizeof(err));
		if (rc != cases[i].rc)
			fail_msg("'%s': rc %d, want %d (%s)", cases[i].in, rc, cases[i].rc, err);
		if (!rc && v != strtoull(cases[i].in, NULL, 10))
			fail_msg("'%s': got %llu", cases[i].in, (unsigned long long)v);
		if (rc && v != 12345)
			fail_msg("'%s': output changed on error", cases[i].in);
		if (cases[i].msg && !strstr(err, cases[i].msg))
			fail_msg("'%s': message '%s' lacks '%s'", cases[i].in, err, cases[i].msg);
	}
	uint64_t v;
	assert_int_equal(parse_u64(NULL, 0, 1, &v, NULL, 0), EINVAL);
}

static void test_parse_dbl(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		double want; /* NAN: refused */
	} cases[] = {
		{"1.5", 1.5}, {"-3", -3}, {"2e3", 2000}, {"0.25E-1", 0.025}, {"10", 10},
		{" 1", NAN}, {"1 ", NAN}, {"+1", NAN}, {"0x10", NAN}, {"inf", NAN}, {"nan", NAN},
		{"1e999", NAN}, {"", NAN}, {".", NAN}, {"1e", NAN}, {"-", NAN},
	};
	for (size_t i = 0; i < N(cases); i++) {
		double d = 7;
		char err[128] = "";
		int rc = parse_dbl(cases[i].in, &d, err, sizeof(err));
		if (isnan(cases[i].want) ? rc != EINVAL || d != 7 || !strstr(err, "bad number")
					 : rc != 0 || d != cases[i].want)
			fail_msg("'%s': rc %d, %g, '%s'", cases[i].in, rc, d, err);
	}
}

/* ------------------------------------------------------------------ */
/* parse_size                                                           */

struct size_case {
	const char *in;
	uint64_t want;
};

static void test_parse_size(void **state)
{
	static const struct size_case good[] = {
		{"0", 0}, {"4096", 4096}, {"4k", 4096}, {"4K", 4096}, {"4KiB", 4096},
		{"4kb", 4096}, {"4KB", 4096}, {"512b", 512}, {"1m", 1 << 20},
		{"1MiB", 1 << 20}, {"1M", 1 << 20}, {"1g", 1u << 30}, {"1GiB", 1u << 30},
		{"2t", UINT64_C(2) << 40}, {"3p", UINT64_C(3) << 50}, {"15e", UINT64_C(15) << 60},
		{"1.5k", 1536}, {"0.5m", 1 << 19}, /* fractions only if whole */
		{"007k", 7168}, {"18446744073709551615", UINT64_MAX},
	};
	static const char *const bad[] = {
		"", "-4k", "-0", "4q", "k", "4 k", " 4k", "4k ", "1.", ".5k", "abc", "nan", "inf",
		"NaN", "1e3", "0x10", "+4", "1,5k", "4kk", "4kib/s", "4\n",
		"18446744073709551616", "16e", "99999999999999999999999", "0.3k", "1.5",
		"1.0000000000000000001k",
	};
	(void)state;

	for (size_t i = 0; i < N(good); i++) {
		uint64_t v = 1234;
		char err[256] = "";
		if (parse_size(good[i].in, &v, err, sizeof(err)))
			fail_msg("'%s' rejected: %s", good[i].in, err);
		if (v != good[i].want)
			fail_msg("'%s' gave %llu", good[i].in, (unsigned long long)v);
	}
	for (size_t i = 0; i < N(bad); i++) {
		uint64_t v = 1234;
		char err[256] = "";
		if (parse_size(bad[i], &v, err, sizeof(err)) != EINVAL)
			fail_msg("'%s' accepted as %llu", bad[i], (unsigned long long)v);
		assert_int_equal(v, 1234);
		assert_non_null(strstr(err, "bad size '"));
	}

	char err[256];
	uint64_t v;
	assert_int_equal(parse_size("4q", &v, err, sizeof(err)), EINVAL);
	assert_string_equal(err, "bad size '4q': unknown suffix 'q' (use e.g. 4k, 1m, 1MiB)");
	assert_int_equal(parse_size("-4k", &v, err, sizeof(err)), EINVAL);
	assert_string_equal(err, "bad size '-4k': negative");
	assert_int_equal(parse_size("16e", &v, err, sizeof(err)), EINVAL);
	assert_string_equal(err, "bad size '16e': too large");
	assert_int_equal(parse_size("", &v, err, sizeof(err)), EINVAL);
	assert_non_null(strstr(err, "empty"));
	assert_int_equal(parse_size("0.25", &v, err, sizeof(err)), EINVAL);
	assert_non_null(strstr(err, "whole"));
	/* control bytes are not copied into one-line messages */
	assert_int_equal(parse_size("4\n", &v, err, sizeof(err)), EINVAL);
	assert_null(strchr(err, '\n'));
	/* no buffer is fine too */
	assert_int_equal(parse_size("x", &v, NULL, 0), EINVAL);
	assert_int_equal(parse_size(NULL, &v, err, sizeof(err)), EINVAL);
}

/* ------------------------------------------------------------------ */
/* parse_duration                                                       */

static void test_parse_duration(void **state)
{
	static const struct size_case good[] = {
		{"0", 0}, {"250ns", 250}, {"10us", 10000}, {"10\xc2\xb5s", 10000},
		{"500ms", 500000000}, {"30s", UINT64_C(30000000000)}, {"5m", UINT64_C(300000000000)},
		{"2min", UINT64_C(120000000000)}, {"1h", UINT64_C(3600000000000)},
		{"1d", UINT64_C(86400000000000)}, {"1.5s", 1500000000}, {"2", 2000000000},
		{"0.5", 500000000}, {"1.000000001s", 1000000001}, {"0.1ms", 100000},
		{"1.5us", 1500}, {"500MS", 500000000},
		{"18446744073s", UINT64_C(18446744073000000000)},
		{"18446744073709551615ns", UINT64_MAX},
	};
	static const char *const bad[] = {
		"", "-1s", "-0.5", "1x", "1.5ns", "0.1ns", "s", "ms", "nan", "inf", "infinity",
		"1e3s", "1 s", " 1s", "1s ", "5sec", "1..5s", "1.s", ".5s", "1.0000000000000000001s",
		"18446744074s", "99999999999999999999ns", "213503982336d", "1h30m",
	};
	(void)state;

	for (size_t i = 0; i < N(good); i++) {
		uint64_t v = 1234;
		char err[256] = "";
		if (parse_duration(good[i].in, &v, err, sizeof(err)))
			fail_msg("'%s' rejected: %s", good[i].in, err);
		if (v != good[i].want)
			fail_msg("'%s' gave %llu", good[i].in, (unsigned long long)v);
	}
	for (size_t i = 0; i < N(bad); i++) {
		uint64_t v = 1234;
		char err[256] = "";
		if (parse_duration(bad[i], &v, err, sizeof(err)) != EINVAL)
			fail_msg("'%s' accepted as %llu", bad[i], (unsigned long long)v);
		assert_int_equal(v, 1234);
		assert_non_null(strstr(err, "bad duration '"));
	}
	char err[256];
	uint64_t v;
	assert_int_equal(parse_duration("5sec", &v, err, sizeof(err)), EINVAL);
	assert_string_equal(err, "bad duration '5sec': unknown unit 'sec' "
				 "(use e.g. 250ns, 10us, 500ms, 30s, 5m, 1h)");
}

/* ------------------------------------------------------------------ */
/* rates                                                                */

struct rate_case {
	const char *in;
	double want;
};

static void check_rates(int (*fn)(const char *, double *, char *, size_t),
			const struct rate_case *good, size_t ngood,
			const char *const *bad, size_t nbad)
{
	for (size_t i = 0; i < ngood; i++) {
		double v = -1;
		char err[256] = "";
		if (fn(good[i].in, &v, err, sizeof(err)))
			fail_msg("'%s' rejected: %s", good[i].in, err);
		if (v != good[i].want)
			fail_msg("'%s' gave %.17g, want %.17g", good[i].in, v, good[i].want);
	}
	for (size_t i = 0; i < nbad; i++) {
		double v = -1;
		char err[256] = "";
		if (fn(bad[i], &v, err, sizeof(err)) != EINVAL)
			fail_msg("'%s' accepted as %g", bad[i], v);
		assert_true(v == -1);
		assert_non_null(strstr(err, "bad rate '"));
	}
}

static void test_parse_rate_ops(void **state)
{
	static const struct rate_case good[] = {
		{"0", 0}, {"5000", 5000}, {"5k", 5000}, {"5K", 5000}, {"2.5k/s", 2500},
		{"1m", 1e6}, {"1M", 1e6}, {"10/s", 10}, {"0.5", 0.5}, {"1g", 1e9}, {"3t/s", 3e12},
	};
	static const char *const bad[] = {
		"", "-5", "5x", "k", "5k/", "5k/m", "5/s/s", "nan", "inf", "5 k", "1e3", "5ki",
		"/s", "0x5",
	};
	(void)state;
	check_rates(parse_rate_ops, good, N(good), bad, N(bad));
}

static void test_parse_rate_bytes(void **state)
{
	static const struct rate_case good[] = {
		{"100", 100}, {"100/s", 100}, {"100b/s", 100}, {"100MiB/s", 100.0 * (1 << 20)},
		{"100m", 100.0 * (1 << 20)}, {"100mb", 100.0 * (1 << 20)}, {"1g", 1073741824.0},
		{"1GiB/s", 1073741824.0}, {"10gbit", 1.25e9}, {"10Gbit/s", 1.25e9},
		{"500mbit", 62.5e6}, {"8bit", 1}, {"1.5k", 1536},
	};
	static const char *const bad[] = {
		"", "-1g", "10gbps", "10xbit", "ib", "100ib", "10 gbit", "nan", "inf", "1g/h",
		"gbit", "10gbits", "1e9",
	};
	(void)state;
	check_rates(parse_rate_bytes, good, N(good), bad, N(bad));
}

/* ------------------------------------------------------------------ */
/* cpu lists                                                            */

struct cpu_case {
	const char *in;
	unsigned count;
	const char *canon;
};

static void test_parse_cpulist(void **state)
{
	static const struct cpu_case good[] = {
		{"0", 1, "0"}, {"0-3,8,10-11", 7, "0-3,8,10-11"}, {"0-7:2", 4, "0,2,4,6"},
		{"1023", 1, "1023"}, {"3,3,1-2", 3, "1-3"}, {"0-1023", 1024, "0-1023"},
		{"5-5", 1, "5"}, {"0-1023:1000", 2, "0,1000"}, {"8,0-1", 3, "0-1,8"},
		{"0-3:4294967295", 1, "0"},
	};
	static const char *const bad[] = {
		"", "3-1", "1024", "0-1024", "a", "1,", ",1", "1,,2", "-1", "1-", "0-7:0", "0-7:",
		"1:2", " 1", "1 ", "1\n", "0-3,x", "99999999999999999999", "0-3:-1", "0--3",
	};
	(void)state;

	for (size_t i = 0; i < N(good); i++) {
		struct cpulist s;
		char err[256] = "", buf[256];
		if (parse_cpulist(good[i].in, &s, err, sizeof(err)))
			fail_msg("'%s' rejected: %s", good[i].in, err);
		assert_int_equal(cpulist_count(&s), good[i].count);
		assert_string_equal(cpulist_format(&s, buf, sizeof(buf)), good[i].canon);
	}
	for (size_t i = 0; i < N(bad); i++) {
		struct cpulist s;
		char err[256] = "";
		memset(&s, 0x5a, sizeof(s));
		if (parse_cpulist(bad[i], &s, err, sizeof(err)) != EINVAL)
			fail_msg("'%s' accepted", bad[i]);
		assert_non_null(strstr(err, "bad cpu list '"));
		for (size_t k = 0; k < N(s.bits); k++)
			assert_int_equal(s.bits[k], UINT64_C(0x5a5a5a5a5a5a5a5a));
	}

	struct cpulist s;
	char err[256], buf[8];
	assert_int_equal(parse_cpulist("3-1", &s, err, sizeof(err)), EINVAL);
	assert_non_null(strstr(err, "descending"));
	assert_int_equal(parse_cpulist("1024", &s, err, sizeof(err)), EINVAL);
	assert_non_null(strstr(err, "1024 out of range"));

	assert_int_equal(parse_cpulist("0-7:2,9", &s, err, sizeof(err)), 0);
	assert_true(cpulist_has(&s, 0));
	assert_false(cpulist_has(&s, 1));
	assert_true(cpulist_has(&s, 6));
	assert_true(cpulist_has(&s, 9));
	assert_false(cpulist_has(&s, 8));
	assert_false(cpulist_has(&s, CPU_LIST_MAX));
	/* truncation never leaves half a number behind */
	assert_string_equal(cpulist_format(&s, buf, 6), "0,2,4");
	assert_string_equal(cpulist_format(&s, buf, 1), "");
	memset(&s, 0, sizeof(s));
	assert_string_equal(cpulist_format(&s, buf, sizeof(buf)), "");
}

/* ------------------------------------------------------------------ */
/* loading                                                              */

static void test_syntax_errors(void **state)
{
	static const struct {
		const char *text;
		const char *want; /* prefix of c.err */
	} cases[] = {
		{"{\n  \"a\": 1,\n  \"b\" 2\n}\n", "t.json:3:7: syntax error: "},
		{"{\"a\": [1, 2", "t.json:1:12: syntax error: unexpected end of input"},
		{"{}\n x", "t.json:2:2: syntax error: unexpected text after the document"},
		{"{} {}", "t.json:1:4: syntax error: unexpected text after the document"},
		{"", "t.json:1:1: syntax error: unexpected end of input"},
		{"  // nothing\n", "t.json:2:1: syntax error: unexpected end of input"},
		{"{\"a\": tru}", "t.json:1:10: syntax error: "},
		{"[1,\n\n   ,]", "t.json:3:4: syntax error: "},
		{"{} /* open", "t.json:1:4: syntax error: unterminated comment"},
		/* json-c alone would accept these as "2" and 1 */
		{"[1,2 //", "t.json:1:8: syntax error: unexpected end of input"},
		{"{\"a\":1 /*", "t.json:1:8: syntax error: unterminated comment"},
		{"{\"a\": \"open", "t.json:1:12: syntax error: unexpected end of input"},
		{"{\"a\":\n  0x10}", "t.json:2:4: syntax error: "},
	};
	(void)state;

	for (size_t i = 0; i < N(cases); i++) {
		struct cfg c;
		int rc = cfg_load_mem(&c, "t.json", cases[i].text, strlen(cases[i].text));
		if (rc != EINVAL || strncmp(c.err, cases[i].want, strlen(cases[i].want)))
			fail_msg("case %zu: rc %d, err '%s', want '%s'", i, rc, c.err, cases[i].want);
		cfg_free(&c);
	}

	/* a NUL byte inside the text */
	struct cfg c;
	assert_int_equal(cfg_load_mem(&c, "t.json", "{\n\"a\":\0 1}", 10), EINVAL);
	assert_string_equal(c.err, "t.json:2:5: syntax error: NUL byte in text");
	cfg_free(&c);
	cfg_free(&c); /* twice is harmless */
}

/* What json-c accepts but would read as something else than written: each
 * is refused at load, at the place it was written. */
static void test_silent_values(void **state)
{
	static const struct {
		const char *text;
		const char *want; /* c.err; NULL: loads */
	} cases[] = {
		/* a key given twice: json-c kept the last, the first was never checked */
		{"{\"a\": 1,\n \"a\": 2}", "t.json:2:2: duplicate key 'a' (first given at 1:2): give each key once"},
		{"{\"g\": {\"bs\": \"4q\", \"bs\": \"4k\"}}",
		 "t.json:1:20: g: duplicate key 'bs' (first given at 1:8): give each key once"},
		{"{\"t\": [{\"x\": 1}, {\"y\": 1, \"x\": 2, \"y\": 3}]}", "t.json:1:35: t[1]: duplicate key 'y' (first given at 1:19)"},
		{"{\"a\": {\"x\": 1}, \"b\": {\"x\": 2}, \"x\": 3}", NULL},
		{"{\"wr\\u0069te\": 1, \"write\": 2}", "t.json:1:19: duplicate key 'write' (first given at 1:2)"},
		/* \u0000 would cut the name: nfstune took net.ipv4.tcp_sack */
		{"{\"net.ipv4.tcp_sack\\u0000 ignored\": 1}", "t.json:1:20: \\u0000 in a key: a NUL character would cut it short"},
		{"{\"s\": \"eth0\\u0000x\"}", "t.json:1:12: s: \\u0000 in a string: a NUL character would cut it short"},
		{"{\"s\": \"\\u0001\\\\u0000\"}", NULL}, /* an escaped backslash, then text */
		/* non-finite numbers */
		{"{\"r\": {\"rate\": Infinity}}", "t.json:1:16: r.rate: Infinity is not a finite number"},
		{"{\"rate\": -Infinity}", "t.json:1:10: rate: -Infinity is not a finite number"},
		{"{\"rate\": NaN}", "t.json:1:10: rate: NaN is not a finite number"},
		{"{\"rate\": [1, 1e999]}", "t.json:1:14: rate[1]: 1e999 is not a finite number"},
		{"{\"rate\": 1e-999, \"x\": 1.5e300, \"b\": true, \"n\": null}", NULL},
		/* integers json-c clamps to 64 bits, quoted as written */
		{"{\"n\": 99999999999999999999}",
		 "t.json:1:7: n: integer 99999999999999999999 is out of range (-9223372036854775808..18446744073709551615)"},
		{"{\"n\": -9223372036854775809}", "t.json:1:7: n: integer -9223372036854775809 is out of range"},
		{"{\"n\": 18446744073709551615, \"m\": -9223372036854775808}", NULL},
		/* bytes that are not UTF-8, in names and strings */
		{"{\"k\xff\": 1}", "t.json:1:4: byte 0xff in a key is not UTF-8 (save the file as UTF-8)"},
		{"{\"k\": \"\xc0\xaf\"}", "t.json:1:8: k: byte 0xc0 in a string is not UTF-8"}, /* overlong '/' */
		{"{\"k\": \"\xed\xa0\x80\"}", "t.json:1:8: k: byte 0xed in a string is not UTF-8"}, /* surrogate */
		{"{\"k\": \"\xe2\x82\"}", "t.json:1:8: k: byte 0xe2 in a string is not UTF-8"},    /* cut short */
		{"{\"\xc3\xa9\xe2\x82\xac\xf0\x9d\x84\x9e\": 1} // \xff in a comment", NULL},
		/* the earliest problem is the one reported */
		{"{\"a\": Infinity, \"a\": 1}", "t.json:1:7: a: Infinity is not a finite number"},
		{"{\"a\": 1, \"a\": Infinity}", "t.json:1:10: duplicate key 'a'"},
	};
	(void)state;

	for (size_t i = 0; i < N(cases); i++) {
		struct cfg c;
		int rc = cfg_load_mem(&c, "t.json", cases[i].text, strlen(cases[i].text));
		if (!cases[i].want ? rc != 0
				   : rc != EINVAL || strncmp(c.err, cases[i].want, strlen(cases[i].want)))
			fail_msg("case %zu: rc %d, err '%s', want '%s'", i, rc, rc ? c.err : "",
				 cases[i].want ? cases[i].want : "(loads)");
		cfg_free(&c);
	}
}

/* json-c's int64 getter clamps 2^63..2^64-1 to INT64_MAX */
static void test_json_int64(void **state)
{
	(void)state;
	static const struct {
		const char *json;
		int rc;
		int64_t want;
		const char *msg;
	} cases[] = {
		{"9223372036854775807", 0, INT64_MAX, NULL},
		{"-9223372036854775808", 0, INT64_MIN, NULL},
		{"0", 0, 0, NULL},
		{"9223372036854775808", ERANGE, 0, "9223372036854775808 is too large (at most 9223372036854775807)"},
		{"18446744073709551615", ERANGE, 0, "18446744073709551615 is too large"},
		{"1.5", EINVAL, 0, "expected an integer, got a number"},
		{"\"5\"", EINVAL, 0, "got a string"},
	};
	for (size_t i = 0; i < N(cases); i++) {
		struct json_object *v = json_tokener_parse(cases[i].json);
		int64_t x = 42;
		char err[128] = "";
		assert_non_null(v);
		int rc = cfg_json_int64(v, &x, err, sizeof(err));
		if (rc != cases[i].rc || (!rc && x != cases[i].want) || (rc && x != 42) ||
		    (cases[i].msg && !strstr(err, cases[i].msg)))
			fail_msg("%s: rc %d, x %lld, err '%s'", cases[i].json, rc, (long long)x, err);
		json_object_put(v);
	}
}

static void test_comments(void **state)
{
	static const char text[] =
		"// a profile\n"
		"{ /* inline */ \"a\": 1, // trailing\n"
		"  \"b\": [1, /* between */ 2,],\n"
		"  'c': 'single',\n"
		"}\n"
		"/* the end */ // really\n";
	struct cfg c;
	struct json_object *v;
	(void)state;

	assert_int_equal(cfg_load_mem(&c, "t.json", text, strlen(text)), 0);
	assert_true(json_object_object_get_ex(c.root, "b", &v));
	assert_int_equal(json_object_array_length(v), 2);
	unsigned line, col;
	cfg_where(&c, "b[1]", &line, &col);
	assert_int_equal(line, 3);
	assert_int_equal(col, 26);
	cfg_where(&c, "c", &line, &col);
	assert_int_equal(line, 4);
	assert_int_equal(col, 8);
	cfg_free(&c);
}

/* 1-based line and column of the first occurrence of needle in text: an
 * oracle independent of the library's scanner. */
static void pos_of(const char *text, const char *needle, unsigned *line, unsigned *col)
{
	const char *p = strstr(text, needle);
	assert_non_null(p);
	*line = 1;
	const char *ls = text;
	for (const char *q = text; q < p; q++)
		if (*q == '\n') {
			(*line)++;
			ls = q + 1;
		}
	*col = (unsigned)(p - ls) + 1;
}

static const char nested[] =
	"{\n"
	"  \"name\": \"x\",\n"
	"  \"threadgroups\": [\n"
	"    { \"threads\": 4, \"bs\": \"4q\", \"thraeds\": 2 },\n"
	"    {\n"
	"      \"ops\": { \"read\": 1, \"wr\\u0069te\": [10, [20, 30]] },\n"
	"      \"zzzzzz\": null\n"
	"    }\n"
	"  ],\n"
	"  \"dup\": \"second\",\n"
	"  \"esc\\\"aped\": true\n"
	"}\n";

static void test_where(void **state)
{
	static const struct {
		const char *path;
		const char *needle; /* where the value starts */
	} cases[] = {
		{"", "{\n  \"name\""},
		{"name", "\"x\""},
		{"threadgroups", "[\n    {"},
		{"threadgroups[0]", "{ \"threads\""},
		{"threadgroups[0].threads", "4,"},
		{"threadgroups[0].bs", "\"4q\""},
		{"threadgroups[1]", "{\n      \"ops\""},
		{"threadgroups[1].ops", "{ \"read\""},
		{"threadgroups[1].ops.read", "1, \"wr"},
		{"threadgroups[1].ops.write", "[10"},
		{"threadgroups[1].ops.write[1]", "[20"},
		{"threadgroups[1].ops.write[1][1]", "30]"},
		{"threadgroups[1].zzzzzz", "null"},
		{"dup", "\"second\""},
		{"esc\"aped", "true"},
	};
	static const char *const unknown[] = {
		"nope", "threadgroups[2]", "threadgroups[0].nope", "name.x", "name[0]",
		"threadgroups[x]", "threadgroups[", "threadgroups[-1]", "threadgroups.0",
	};
	struct cfg c;
	(void)state;

	assert_int_equal(cfg_load_mem(&c, "t.json", nested, strlen(nested)), 0);
	for (size_t i = 0; i < N(cases); i++) {
		unsigned line, col, wl, wc;
		cfg_where(&c, cases[i].path, &line, &col);
		pos_of(nested, cases[i].needle, &wl, &wc);
		if (line != wl || col != wc)
			fail_msg("'%s': %u:%u, want %u:%u", cases[i].path, line, col, wl, wc);
	}
	for (size_t i = 0; i < N(unknown); i++) {
		unsigned line = 99, col = 99;
		cfg_where(&c, unknown[i], &line, &col);
		if (line || col)
			fail_msg("'%s' found at %u:%u", unknown[i], line, col);
	}

	/* cfg_error uses the position, and omits it when unknown */
	assert_int_equal(cfg_error(&c, "threadgroups[0].threads", "too many (%d)", 4), EINVAL);
	assert_string_equal(c.err, "t.json:4:18: threadgroups[0].threads: too many (4)");
	assert_int_equal(cfg_error(&c, "missing.key", "required"), EINVAL);
	assert_string_equal(c.err, "t.json: missing.key: required");
	cfg_free(&c);
}

static void test_check_keys(void **state)
{
	static const char *const tg_keys[] = {"threads", "bs", "ops", "name", NULL};
	static const char *const root_keys[] = {"name", "threadgroups", "dup", "esc\"aped", NULL};
	struct cfg c;
	struct json_object *tgs, *tg;
	char path[64];
	(void)state;

	assert_int_equal(cfg_load_mem(&c, "t.json", nested, strlen(nested)), 0);
	assert_int_equal(cfg_check_keys(&c, c.root, "", root_keys), 0);
	assert_true(json_object_object_get_ex(c.root, "threadgroups", &tgs));

	tg = json_object_array_get_idx(tgs, 0);
	cfg_path_idx(path, sizeof(path), "threadgroups", 0);
	assert_string_equal(path, "threadgroups[0]");
	assert_int_equal(cfg_check_keys(&c, tg, path, tg_keys), EINVAL);
	assert_string_equal(c.err, "t.json:4:33: threadgroups[0]: unknown key 'thraeds' "
				   "(did you mean 'threads'?)");

	tg = json_object_array_get_idx(tgs, 1);
	assert_int_equal(cfg_check_keys(&c, tg, "threadgroups[1]", tg_keys), EINVAL);
	assert_string_equal(c.err, "t.json:7:7: threadgroups[1]: unknown key 'zzzzzz'");

	/* root keys, case slip */
	static const char *const root_typo[] = {"Name", "threadgroups", "dup", "esc\"aped", NULL};
	assert_int_equal(cfg_check_keys(&c, c.root, "", root_typo), EINVAL);
	assert_string_equal(c.err, "t.json:2:3: unknown key 'name' (did you mean 'Name'?)");

	/* not an object */
	struct json_object *name;
	assert_true(json_object_object_get_ex(c.root, "name", &name));
	assert_int_equal(cfg_check_keys(&c, name, "name", tg_keys), EINVAL);
	assert_string_equal(c.err, "t.json:2:11: name: expected an object");
	cfg_free(&c);
}

static void test_getters(void **state)
{
	static const char text[] =
		"{\n"
		"  \"s_str\": \"4k\", \"s_num\": 4096, \"s_dbl\": 8192.0, \"s_frac\": 1.5,\n"
		"  \"s_neg\": -1, \"s_bool\": true, \"s_bad\": \"4q\",\n"
		"  \"d_str\": \"500ms\", \"d_int\": 2, \"d_dbl\": 0.25, \"d_neg\": \"-1s\",\n"
		"  \"d_big\": 18446744074,\n"
		"  \"u_str\": \"5k\", \"u_num\": 7, \"u_neg\": -1, \"u_frac\": 1.5, \"u_bad\": \"abc\",\n"
		"  \"u_huge\": 18446744073709551615, \"u_dbl\": 1e3,\n"
		"  \"f_num\": 1.5, \"f_int\": -3, \"f_str\": \"2e3\", \"f_nan\": \"nan\",\n"
		"  \"f_hex\": \"0x10\",\n"
		"  \"b_true\": true, \"b_yes\": \"yes\", \"b_off\": \"OFF\", \"b_bad\": \"maybe\", \"b_num\": 1,\n"
		"  \"str\": \"hello\", \"str_num\": 5,\n"
		"  \"nul\": null,\n"
		"  \"sub\": { \"bs\": \"64k\" }\n"
		"}\n";
	struct cfg c;
	uint64_t u;
	double d;
	bool b;
	const char *s;
	(void)state;

	assert_int_equal(cfg_load_mem(&c, "g.json", text, strlen(text)), 0);
	struct json_object *r = c.root;

	assert_int_equal(cfg_get_size(&c, r, "", "s_str", &u), 0);
	assert_int_equal(u, 4096);
	assert_int_equal(cfg_get_size(&c, r, "", "s_num", &u), 0);
	assert_int_equal(u, 4096);
	assert_int_equal(cfg_get_size(&c, r, "", "s_dbl", &u), 0);
	assert_int_equal(u, 8192);
	assert_int_equal(cfg_get_size(&c, r, "", "s_frac", &u), EINVAL);
	assert_int_equal(cfg_get_size(&c, r, "", "s_neg", &u), EINVAL);
	assert_int_equal(cfg_get_size(&c, r, "", "s_bool", &u), EINVAL);
	assert_int_equal(cfg_get_size(&c, r, "", "s_bad", &u), EINVAL);
	assert_string_equal(c.err, "g.json:3:41: s_bad: bad size '4q': unknown suffix 'q' "
				   "(use e.g. 4k, 1m, 1MiB)");

	assert_int_equal(cfg_get_duration(&c, r, "", "d_str", &u), 0);
	assert_int_equal(u, 500000000);
	assert_int_equal(cfg_get_duration(&c, r, "", "d_int", &u), 0);
	assert_int_equal(u, UINT64_C(2000000000));
	assert_int_equal(cfg_get_duration(&c, r, "", "d_dbl", &u), 0);
	assert_int_equal(u, 250000000);
	assert_int_equal(cfg_get_duration(&c, r, "", "d_neg", &u), EINVAL);
	assert_non_null(strstr(c.err, "d_neg: bad duration '-1s': negative"));
	assert_int_equal(cfg_get_duration(&c, r, "", "d_big", &u), EINVAL);

	assert_int_equal(cfg_get_u64(&c, r, "", "u_str", &u), 0);
	assert_int_equal(u, 5000);
	assert_int_equal(cfg_get_u64(&c, r, "", "u_num", &u), 0);
	assert_int_equal(u, 7);
	assert_int_equal(cfg_get_u64(&c, r, "", "u_dbl", &u), 0);
	assert_int_equal(u, 1000);
	assert_int_equal(cfg_get_u64(&c, r, "", "u_neg", &u), EINVAL);
	assert_int_equal(cfg_get_u64(&c, r, "", "u_frac", &u), EINVAL);
	assert_int_equal(cfg_get_u64(&c, r, "", "u_bad", &u), EINVAL);
	assert_int_equal(cfg_get_u64(&c, r, "", "u_huge", &u), 0); /* 2^64-1, exact */
	assert_true(u == UINT64_MAX);

	assert_int_equal(cfg_get_dbl(&c, r, "", "f_num", &d), 0);
	assert_true(d == 1.5);
	assert_int_equal(cfg_get_dbl(&c, r, "", "f_int", &d), 0);
	assert_true(d == -3);
	assert_int_equal(cfg_get_dbl(&c, r, "", "f_str", &d), 0);
	assert_true(d == 2000);
	assert_int_equal(cfg_get_dbl(&c, r, "", "f_nan", &d), EINVAL);
	assert_int_equal(cfg_get_dbl(&c, r, "", "f_hex", &d), EINVAL);

	assert_int_equal(cfg_get_bool(&c, r, "", "b_true", &b), 0);
	assert_true(b);
	assert_int_equal(cfg_get_bool(&c, r, "", "b_yes", &b), 0);
	assert_true(b);
	assert_int_equal(cfg_get_bool(&c, r, "", "b_off", &b), 0);
	assert_false(b);
	assert_int_equal(cfg_get_bool(&c, r, "", "b_bad", &b), EINVAL);
	assert_int_equal(cfg_get_bool(&c, r, "", "b_num", &b), EINVAL);

	assert_int_equal(cfg_get_str(&c, r, "", "str", &s), 0);
	assert_string_equal(s, "hello");
	assert_int_equal(cfg_get_str(&c, r, "", "str_num", &s), EINVAL);
	assert_string_equal(c.err, "g.json:11:30: str_num: expected a string, got an integer");

	/* absent and null: ENOENT, and the last error stays as it was */
	strcpy(c.err, "untouched");
	assert_int_equal(cfg_get_str(&c, r, "", "absent", &s), ENOENT);
	assert_int_equal(cfg_get_size(&c, r, "", "nul", &u), ENOENT);
	assert_int_equal(cfg_get_u64(&c, NULL, "", "x", &u), ENOENT);
	assert_string_equal(c.err, "untouched");

	/* nested objects: the key path names the object */
	struct json_object *sub;
	assert_true(json_object_object_get_ex(r, "sub", &sub));
	assert_int_equal(cfg_get_size(&c, sub, "sub", "bs", &u), 0);
	assert_int_equal(u, 65536);
	assert_int_equal(cfg_get_bool(&c, sub, "sub", "bs", &b), EINVAL);
	assert_string_equal(c.err, "g.json:13:18: sub.bs: expected true or false, got '64k'");
	cfg_free(&c);
}

static void test_load_file(void **state)
{
	struct cfg c;
	char path[] = "/tmp/test_cfg_XXXXXX";
	static const char text[] = "{ \"a\": \"1m\" }\n";
	uint64_t u;
	(void)state;

	assert_int_equal(cfg_load(&c, "/nonexistent/dir/x.json"), ENOENT);
	assert_string_equal(c.err, "/nonexistent/dir/x.json: No such file or directory");
	cfg_free(&c);

	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	assert_int_equal(cfg_load(&c, path), 0);
	assert_int_equal(cfg_get_size(&c, c.root, "", "a", &u), 0);
	assert_int_equal(u, 1 << 20);
	assert_int_equal(cfg_get_u64(&c, c.root, "", "a", &u), 0);
	assert_int_equal(u, 1000000);
	cfg_free(&c);
	unlink(path);

	/* a directory is not a profile */
	assert_true(cfg_load(&c, "/tmp") != 0);
	assert_non_null(strstr(c.err, "/tmp: "));
	cfg_free(&c);
}

static void test_paths(void **state)
{
	char buf[32];
	(void)state;
	assert_string_equal(cfg_path_key(buf, sizeof(buf), "", "a"), "a");
	assert_string_equal(cfg_path_key(buf, sizeof(buf), NULL, "a"), "a");
	assert_string_equal(cfg_path_key(buf, sizeof(buf), "x[1]", "a"), "x[1].a");
	assert_string_equal(cfg_path_idx(buf, sizeof(buf), "x", 12), "x[12]");
	assert_string_equal(cfg_path_idx(buf, sizeof(buf), "", 0), "[0]");
	assert_string_equal(cfg_path_key(buf, 4, "abc", "def"), "abc");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_u64),
		cmocka_unit_test(test_parse_dbl),
		cmocka_unit_test(test_parse_size),
		cmocka_unit_test(test_parse_duration),
		cmocka_unit_test(test_parse_rate_ops),
		cmocka_unit_test(test_parse_rate_bytes),
		cmocka_unit_test(test_parse_cpulist),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_silent_values),
		cmocka_unit_test(test_json_int64),
		cmocka_unit_test(test_comments),
		cmocka_unit_test(test_where),
		cmocka_unit_test(test_check_keys),
		cmocka_unit_test(test_getters),
		cmocka_unit_test(test_load_file),
		cmocka_unit_test(test_paths),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
