/* verify.c - nfsbench --verify: every block of NB_VERIFY_BLOCK bytes written
 * carries who it belongs to and a CRC32C (RFC 3720's Castagnoli polynomial),
 * so a read can tell a block from the wrong file or offset, a stale or torn
 * block, and a corrupted one apart, and name expected and found values.
 *
 * Block layout (little-endian):
 *    0 u32 magic "NFBV"   4 u32 file id   8 u64 offset   16 u32 generation
 *   20 u32 seed           24 .. len-4 payload (a function of seed, file, offset)
 *   len-4 u32 CRC32C of bytes [0, len-4)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nfsbench.h"
#include "tm.h"

#define MAGIC 0x5642464eu /* "NFBV" little-endian */

static void put32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const unsigned char *p)
{
	return get32(p) | (uint64_t)get32(p + 4) << 32;
}

static void fill_block(unsigned char *b, size_t n, uint32_t file, uint64_t off, uint32_t gen, uint64_t seed)
{
	put32(b, MAGIC);
	put32(b + 4, file);
	put32(b + 8, (uint32_t)off);
	put32(b + 12, (uint32_t)(off >> 32));
	put32(b + 16, gen);
	put32(b + 20, (uint32_t)seed);
	uint64_t s = seed ^ ((uint64_t)file << 40) ^ off;
	for (size_t i = 24; i + 8 <= n - 4; i += 8) {
		s ^= s << 13;
		s ^= s >> 7;
		s ^= s << 17;
		memcpy(b + i, &s, 8);
	}
	put32(b + n - 4, nb_crc32c(0, b, n - 4));
}

void nb_verify_fill(unsigned char *buf, size_t len, uint32_t file, uint64_t off, uint32_t gen, uint64_t seed)
{
	for (size_t at = 0; at + NB_VERIFY_BLOCK <= len; at += NB_VERIFY_BLOCK)
		fill_block(buf + at, NB_VERIFY_BLOCK, file, off + at, gen, seed);
}

uint64_t nb_verify_mark(uint64_t seed)
{
	uint64_t z = seed ^ 0x6e66737665726679ull; /* "nfsverfy" */
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	z ^= z >> 31;
	/* 1999-10-24 plus up to 194 days: seconds only, which every file
	 * system keeps */
	return 0x38000000u + (z & 0xffffffu);
}

bool nb_verify_owned(const unsigned char *b, uint32_t file, uint64_t off, uint64_t seed)
{
	return get32(b) == MAGIC && get32(b + 4) == file && get64(b + 8) == off && get32(b + 20) == (uint32_t)seed;
}

int nb_verify_check(const unsigned char *buf, size_t len, uint32_t file, const char *name, uint64_t off,
		    uint64_t seed, bool strict, uint64_t *unjudged, char *msg, size_t msglen)
{
	for (size_t at = 0; at + NB_VERIFY_BLOCK <= len; at += NB_VERIFY_BLOCK) {
		const unsigned char *b = buf + at;
		uint64_t o = off + at;
		uint32_t crc = nb_crc32c(0, b, NB_VERIFY_BLOCK - 4), found = get32(b + NB_VERIFY_BLOCK - 4);
		if (!strict && (get32(b) != MAGIC || (crc == found && get32(b + 4) == file && get64(b + 8) == o &&
						      get32(b + 20) != (uint32_t)seed))) {
			(*unjudged)++;
			continue;
		}
		if (get32(b) != MAGIC) {
			snprintf(msg, msglen,
				 "verify: %s (file %u) offset %llu: no block header (expected magic 0x%08x, found 0x%08x)",
				 name, file, (unsigned long long)o, MAGIC, get32(b));
			return (int)NB_ST_VERIFY;
		}
		if (get32(b + 4) != file || get64(b + 8) != o) {
			snprintf(msg, msglen,
				 "verify: %s (file %u) offset %llu: block of file %u offset %llu (generation %u) found here",
				 name, file, (unsigned long long)o, get32(b + 4), (unsigned long long)get64(b + 8),
				 get32(b + 16));
			return (int)NB_ST_VERIFY;
		}
		if (crc != found) {
			snprintf(msg, msglen,
				 "verify: %s (file %u) offset %llu: CRC32C expected 0x%08x (of the data read), found 0x%08x in the block",
				 name, file, (unsigned long long)o, crc, found);
			return (int)NB_ST_VERIFY;
		}
		if (get32(b + 20) != (uint32_t)seed) {
			snprintf(msg, msglen, "verify: %s (file %u) offset %llu: written with seed %u, expected %u",
				 name, file, (unsigned long long)o, get32(b + 20), (uint32_t)seed);
			return (int)NB_ST_VERIFY;
		}
	}
	return 0;
}

/* One rate: bytes/s of nb_verify_check over buf, per core (the thread's
 * own CPU time, so what else the machine runs does not count), the best
 * of three rounds of about 0.2 s. */
static double verify_rate(const unsigned char *buf, size_t len)
{
	double best = 0;
	for (int round = 0; round < 3; round++) {
		uint64_t t0 = tm_ns(CLOCK_THREAD_CPUTIME_ID), t, bytes = 0, unjudged = 0;
		char msg[256];
		do {
			if (nb_verify_check(buf, len, 1, "bench", 0, 1, true, &unjudged, msg, sizeof(msg)))
				return -1;
			bytes += len;
		} while ((t = tm_ns(CLOCK_THREAD_CPUTIME_ID)) - t0 < 200000000u);
		if (bytes * 1e9 / (double)(t - t0) > best)
			best = bytes * 1e9 / (double)(t - t0);
	}
	return best;
}

int nb_verify_bench_main(int argc, char **argv)
{
	(void)argv;
	if (argc > 1) {
		fprintf(stderr, "usage: nfsbench verify-bench\n");
		return 2;
	}
	enum { LEN = 1 << 20 };
	unsigned char *mem = malloc(LEN + 4);
	if (!mem)
		return 1;
	/* where a READ reply's data lies in libnfs's buffer: 132 bytes of
	 * record mark, RPC and READ3 headers in, 4 bytes past an 8-byte
	 * boundary */
	unsigned char *buf = mem + 4;
	nb_verify_fill(buf, LEN, 1, 0, 1, 1);
	const char *impl = nb_crc32c_impl();
	double fast = verify_rate(buf, LEN);
	nb_crc32c_force_table(true);
	double table = verify_rate(buf, LEN);
	nb_crc32c_force_table(false);
	free(mem);
	if (fast < 0 || table < 0) {
		fprintf(stderr, "verify-bench: a block failed its own check\n");
		return 1;
	}
	printf("verify %s %.0f bytes/s per core\n", impl, fast);
	printf("verify table %.0f bytes/s per core\n", table);
	return 0;
}
