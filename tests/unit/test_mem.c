/* test_mem.c - the array-growth rule of lib/mem.c: how the capacity grows,
 * that the contents survive, that a satisfied need touches nothing, and that
 * overflowing sizes fail with the array left as it was; and the whole-file
 * reader built on it, on real files and a pipe (no size to start from). */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include <cmocka.h>

#include "mem.h"

struct three {
	uint64_t a, b, c;
};

static void test_growth(void **state)
{
	(void)state;
	static const struct {
		size_t cap, need, first, want;
	} cases[] = {
		{0, 1, 16, 16},    /* from empty: the first size */
		{0, 16, 16, 16},
		{0, 17, 16, 32},   /* from empty, doubling past need */
		{0, 40, 16, 64},
		{0, 5, 0, 8},      /* first 0 counts as 1 */
		{16, 17, 16, 32},  /* from a given cap: doubles, first unused */
		{16, 100, 16, 128},
		{3, 4, 64, 6},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t cap = cases[i].cap;
		struct three *v = cap ? calloc(cap, sizeof(*v)) : NULL;
		assert_true(!cap || v);
		for (size_t k = 0; k < cap; k++)
			v[k].a = v[k].c = k + 1;
		assert_int_equal(MEM_GROW(&v, &cap, cases[i].need, cases[i].first), 0);
		assert_int_equal(cap, cases[i].want);
		assert_non_null(v);
		for (size_t k = 0; k < cases[i].cap; k++) {
			assert_int_equal(v[k].a, k + 1);
			assert_int_equal(v[k].c, k + 1);
		}
		/* all of it is ours (ASan checks the element size came from the type) */
		memset(v, 0xa5, cap * sizeof(*v));
		free(v);
	}
}

static void test_unsigned_cap(void **state)
{
	(void)state;
	char (*v)[32] = NULL;
	unsigned cap = 0;
	assert_int_equal(MEM_GROW(&v, &cap, 3, 2), 0);
	assert_int_equal(cap, 4);
	memset(v, 1, cap * sizeof(*v));
	assert_int_equal(MEM_GROW(&v, &cap, 5, 2), 0);
	assert_int_equal(cap, 8);
	assert_int_equal(v[3][31], 1);
	memset(v, 2, cap * sizeof(*v));
	free(v);
}

static void test_need_satisfied(void **state)
{
	(void)state;
	size_t cap = 8;
	int *v = malloc(cap * sizeof(*v)), *before = v;
	assert_non_null(v);
	for (size_t need = 0; need <= cap; need++) {
		assert_int_equal(MEM_GROW(&v, &cap, need, 64), 0);
		assert_ptr_equal(v, before);
		assert_int_equal(cap, 8);
	}
	/* nothing needed, nothing allocated */
	int *e = NULL;
	size_t ecap = 0;
	assert_int_equal(MEM_GROW(&e, &ecap, 0, 16), 0);
	assert_null(e);
	assert_int_equal(ecap, 0);
	free(v);
}

/* A need whose size cannot be represented fails before any realloc: the
 * array and its capacity stay as they were. */
static void test_overflow(void **state)
{
	(void)state;
	static const struct {
		size_t cap, need, elem, first;
	} cases[] = {
		{0, 5, SIZE_MAX / 4, 1}, /* need * elem_size overflows */
		{2, 5, SIZE_MAX / 4, 1},
		{0, SIZE_MAX / 2 + 1, 2, 1},
		{4, SIZE_MAX, 8, 1},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *v = malloc(16), *before = v;
		assert_non_null(v);
		size_t cap = cases[i].cap;
		assert_int_equal(mem_grow(&v, &cap, cases[i].need, cases[i].elem, cases[i].first), ENOMEM);
		assert_ptr_equal(v, before);
		assert_int_equal(cap, cases[i].cap);
		free(v);
	}
	assert_int_equal(mem_grow(&(char *){NULL}, &(size_t){0}, 1, 0, 1), EINVAL);
}

/* The last doubling stops at maxcap; a need past it fails. */
static void test_max(void **state)
{
	(void)state;
	static const struct {
		size_t cap, need, first, max;
		int rc;
		size_t want;
	} cases[] = {
		{8, 9, 16, 10, 0, 10},      /* doubling would pass max: max */
		{8, 10, 16, 10, 0, 10},
		{5, 6, 16, 40, 0, 10},      /* below max: plain doubling */
		{0, 3, 16, 5, 0, 5},        /* first past max: max */
		{0, 3, 2, 5, 0, 4},
		{10, 10, 16, 10, 0, 10},    /* satisfied */
		{4, 11, 16, 10, ENOMEM, 4}, /* need past max */
		{0, 11, 16, 10, ENOMEM, 0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t cap = cases[i].cap;
		int *v = cap ? calloc(cap, sizeof(*v)) : NULL, *before = v;
		assert_true(!cap || v);
		for (size_t k = 0; k < cap; k++)
			v[k] = (int)k + 7;
		assert_int_equal(mem_grow_max(&v, &cap, cases[i].need, sizeof(*v), cases[i].first, cases[i].max),
				 cases[i].rc);
		assert_int_equal(cap, cases[i].want);
		if (cases[i].rc)
			assert_ptr_equal(v, before);
		for (size_t k = 0; k < cases[i].cap; k++)
			assert_int_equal(v[k], (int)k + 7);
		if (v)
			memset(v, 0, cap * sizeof(*v));
		free(v);
	}
}

static void test_overflow_unsigned(void **state)
{
	(void)state;
	static const struct {
		unsigned cap;
		size_t need;
	} cases[] = {
		{0, (size_t)UINT_MAX + 1}, /* need past UINT_MAX */
		{1u << 31, (size_t)UINT_MAX + 1},
		{UINT_MAX, (size_t)UINT_MAX + 1},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *v = malloc(16), *before = v;
		assert_non_null(v);
		unsigned cap = cases[i].cap;
		assert_int_equal(MEM_GROW(&v, &cap, cases[i].need, 1), ENOMEM);
		assert_ptr_equal(v, before);
		assert_int_equal(cap, cases[i].cap);
		free(v);
	}
}

/* a temporary regular file holding n bytes of a pattern, opened for reading */
static int file_of(size_t n)
{
	char path[] = "/tmp/test_mem.XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	for (size_t i = 0; i < n; i++) {
		char c = (char)('a' + i % 26);
		assert_int_equal(write(fd, &c, 1), 1);
	}
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	return fd;
}

static void test_read_fd(void **state)
{
	(void)state;
	static const struct {
		size_t size, max;
		bool truncate;
		int rc;
		size_t len;
	} cases[] = {
		{0, 100, false, 0, 0},          /* empty: "" */
		{100, 100, false, 0, 100},      /* exactly max */
		{101, 100, false, EFBIG, 0},    /* one byte over */
		{101, 100, true, 0, 100},       /* the same, cut at max */
		{20000, 1 << 20, false, 0, 20000},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int fd = file_of(cases[i].size);
		char *text = (char *)1;
		size_t len = 7;
		assert_int_equal(mem_read_fd(fd, cases[i].max, cases[i].truncate, &text, &len), cases[i].rc);
		close(fd);
		if (cases[i].rc) {
			assert_null(text);
			continue;
		}
		assert_int_equal(len, cases[i].len);
		assert_int_equal(text[len], '\0');
		for (size_t k = 0; k < len; k++)
			assert_int_equal(text[k], 'a' + k % 26);
		free(text);
	}
}

/* a pipe has no size: the buffer grows from 8 KiB while it reads */
static void test_read_pipe(void **state)
{
	(void)state;
	int p[2];
	assert_int_equal(pipe(p), 0);
	static char data[50000];
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (char)('0' + i % 10);
	/* the pipe holds 64 KiB: all of it goes in before the read */
	assert_int_equal(write(p[1], data, sizeof(data)), (ssize_t)sizeof(data));
	close(p[1]);
	char *text;
	size_t len;
	assert_int_equal(mem_read_fd(p[0], 1 << 20, false, &text, &len), 0);
	close(p[0]);
	assert_int_equal(len, sizeof(data));
	assert_memory_equal(text, data, len);
	assert_int_equal(text[len], '\0');
	free(text);
	assert_int_equal(mem_read_fd(-1, 10, false, &text, &len), EBADF);
	assert_null(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_growth),
		cmocka_unit_test(test_unsigned_cap),
		cmocka_unit_test(test_need_satisfied),
		cmocka_unit_test(test_overflow),
		cmocka_unit_test(test_max),
		cmocka_unit_test(test_overflow_unsigned),
		cmocka_unit_test(test_read_fd),
		cmocka_unit_test(test_read_pipe),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
