/* pattern.c - nfsbench's write pattern (see pattern.h). */
#include "pattern.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "cli.h"
#include "nfsbench.h"
#include "err.h"

unsigned char *pattern_buffer(uint64_t seed, uint32_t maxlen)
{
	size_t n = (size_t)PATTERN_PERIOD + maxlen;
	unsigned char *p = malloc(n);
	if (!p)
		return NULL;
	uint64_t s = seed ^ 0x6e667362656e6368ull; /* "nfsbench" */
	for (size_t i = 0; i < PATTERN_PERIOD; i += 8) {
		uint64_t z = (s += 0x9e3779b97f4a7c15ull);
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
		z ^= z >> 31;
		for (size_t k = 0; k < 8 && i + k < PATTERN_PERIOD; k++)
			p[i + k] = (unsigned char)(z >> (8 * k));
	}
	for (size_t i = PATTERN_PERIOD; i < n; i++)
		p[i] = p[i - PATTERN_PERIOD];
	return p;
}

int pattern_main(int argc, char **argv)
{
	uint64_t seed = 1, off = 0, len = 0;
	bool have_len = false;
	char err[256];
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			printf("usage: nfsbench pattern [--seed N] [--offset SIZE] --length SIZE\n"
			       "Writes to standard output the bytes nfsbench writes at offsets OFFSET to\n"
			       "OFFSET+LENGTH of a file with seed N (default 1): what a --verify run's\n"
			       "files hold, for checking them with cmp.\n");
			cli_help_tail(stdout, NB_EXITS);
			return 0;
		}
		if (!strcmp(argv[i], "--version"))
			return cli_version();
		uint64_t *dst = !strcmp(argv[i], "--seed") ? &seed : !strcmp(argv[i], "--offset") ? &off
							 : !strcmp(argv[i], "--length") ? &len : NULL;
		if (!dst)
			return cli_usage_error("pattern", "unknown option '%s'", argv[i]);
		if (i + 1 >= argc)
			return cli_usage_error("pattern", "option '%s' needs a value", argv[i]);
		if (dst == &seed ? parse_u64(argv[++i], 0, UINT64_MAX, dst, err, sizeof(err))
				 : parse_size(argv[++i], dst, err, sizeof(err)))
			return cli_usage_error("pattern", "%s: %s", argv[i - 1], err);
		have_len = have_len || dst == &len;
	}
	/* without it the command would print nothing and succeed */
	if (!have_len)
		return cli_usage_error("pattern", "--length SIZE is required");
	unsigned char *p = pattern_buffer(seed, 0);
	if (!p)
		return 1;
	while (len) {
		size_t at = off % PATTERN_PERIOD, n = PATTERN_PERIOD - at;
		if (n > len)
			n = len;
		if (fwrite(p + at, 1, n, stdout) != n) {
			free(p);
			return 1;
		}
		off += n;
		len -= n;
	}
	free(p);
	return fflush(stdout) ? 1 : 0;
}
