/* crc32c.c - CRC-32C (Castagnoli, RFC 3720 B.4), the checksum of nfsbench
 * --verify blocks. Two implementations that give the same values, the
 * faster chosen at run time:
 *   - a portable slicing-by-8 table, about 1 byte per cycle;
 *   - on x86-64 CPUs with SSE4.2, the crc32 instruction. It has a latency
 *     of 3 cycles and a throughput of 1, so a single dependency chain gets a
 *     third of what the unit can do: the hardware path runs three chains
 *     over three adjacent chunks at once and joins them by carrying a
 *     chunk's CRC over the bytes after it ("shifting" it by n zero bytes:
 *     multiplying by x^(8n) mod P, linear in the CRC, so a table of 4 x 256
 *     entries per chunk length does it). At 10 GbE a verify run checks
 *     over 1 GB/s of reads, which the table alone would spend a core on.
 */
#include <pthread.h>
#include <string.h>

#include "nfsbench.h"

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

#define POLY 0x82f63b78u /* reflected Castagnoli polynomial */

/* Chunk lengths of the three-chain rounds: the long one fits a verify
 * block's CRC'd bytes (NB_VERIFY_BLOCK - 4) in one round plus a few words;
 * the short one keeps three chains going on shorter buffers and tails. */
#define CRC_LONG ((NB_VERIFY_BLOCK - 4) / 3 / 8 * 8)
#define CRC_SHORT 128

static uint32_t crc_table[8][256];
static uint32_t shift_long[4][256], shift_short[4][256];
static uint32_t (*crc_best)(uint32_t, const void *, size_t) = nb_crc32c_table;
static const char *crc_best_name = "table";
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;
static int crc_forced_table;

/* The CRC register (not inverted) after n zero bytes, starting from r:
 * what a chunk's CRC becomes when n more bytes follow it (their own CRC
 * from a zero register is then XORed in). */
static uint32_t zeros_slow(uint32_t r, size_t n)
{
	while (n--)
		r = (r >> 8) ^ crc_table[0][r & 0xff];
	return r;
}

/* By linearity, from the images of the 32 single-bit registers. */
static void shift_init(uint32_t t[4][256], size_t n)
{
	uint32_t bit[32];
	for (int i = 0; i < 32; i++)
		bit[i] = zeros_slow(1u << i, n);
	for (int k = 0; k < 4; k++)
		for (uint32_t b = 0; b < 256; b++) {
			uint32_t v = 0;
			for (int j = 0; j < 8; j++)
				if (b >> j & 1)
					v ^= bit[8 * k + j];
			t[k][b] = v;
		}
}

static inline uint32_t shift(const uint32_t t[4][256], uint32_t r)
{
	return t[0][r & 0xff] ^ t[1][(r >> 8) & 0xff] ^ t[2][(r >> 16) & 0xff] ^ t[3][r >> 24];
}

#if defined(__x86_64__)
static inline uint64_t load64(const unsigned char *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
}

/* One round: three chains over the chunks [0,n), [n,2n), [2n,3n) of p,
 * continuing the register c; n is a multiple of 8. */
__attribute__((target("sse4.2"))) static inline uint32_t round3(uint32_t c, const unsigned char *p, size_t n,
								const uint32_t t[4][256])
{
	uint64_t c0 = c, c1 = 0, c2 = 0;
	for (size_t i = 0; i < n; i += 8) {
		c0 = _mm_crc32_u64(c0, load64(p + i));
		c1 = _mm_crc32_u64(c1, load64(p + n + i));
		c2 = _mm_crc32_u64(c2, load64(p + 2 * n + i));
	}
	return shift(t, shift(t, (uint32_t)c0) ^ (uint32_t)c1) ^ (uint32_t)c2;
}

__attribute__((target("sse4.2"))) static uint32_t crc_hw(uint32_t crc, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	uint32_t c = ~crc;
	for (; len && ((uintptr_t)p & 7); len--) /* aligned words below */
		c = _mm_crc32_u8(c, *p++);
	for (; len >= 3 * CRC_LONG; len -= 3 * CRC_LONG, p += 3 * CRC_LONG)
		c = round3(c, p, CRC_LONG, shift_long);
	for (; len >= 3 * CRC_SHORT; len -= 3 * CRC_SHORT, p += 3 * CRC_SHORT)
		c = round3(c, p, CRC_SHORT, shift_short);
	uint64_t w = c;
	for (; len >= 8; len -= 8, p += 8)
		w = _mm_crc32_u64(w, load64(p));
	c = (uint32_t)w;
	for (; len; len--)
		c = _mm_crc32_u8(c, *p++);
	return ~c;
}
#endif

static void crc_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = c & 1 ? (c >> 1) ^ POLY : c >> 1;
		crc_table[0][i] = c;
	}
	for (uint32_t i = 0; i < 256; i++)
		for (int t = 1; t < 8; t++)
			crc_table[t][i] = (crc_table[t - 1][i] >> 8) ^ crc_table[0][crc_table[t - 1][i] & 0xff];
#if defined(__x86_64__)
	if (__builtin_cpu_supports("sse4.2")) {
		shift_init(shift_long, CRC_LONG);
		shift_init(shift_short, CRC_SHORT);
		crc_best = crc_hw;
		crc_best_name = "sse4.2";
	}
#endif
}

/* slicing-by-8 */
uint32_t nb_crc32c_table(uint32_t crc, const void *buf, size_t len)
{
	pthread_once(&crc_once, crc_init);
	const unsigned char *p = buf;
	crc = ~crc;
	while (len >= 8) {
		uint32_t lo = crc ^ (uint32_t)(p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24);
		uint32_t hi = (uint32_t)(p[4] | p[5] << 8 | p[6] << 16 | (uint32_t)p[7] << 24);
		crc = crc_table[7][lo & 0xff] ^ crc_table[6][(lo >> 8) & 0xff] ^ crc_table[5][(lo >> 16) & 0xff] ^
		      crc_table[4][lo >> 24] ^ crc_table[3][hi & 0xff] ^ crc_table[2][(hi >> 8) & 0xff] ^
		      crc_table[1][(hi >> 16) & 0xff] ^ crc_table[0][hi >> 24];
		p += 8;
		len -= 8;
	}
	while (len--)
		crc = (crc >> 8) ^ crc_table[0][(crc ^ *p++) & 0xff];
	return ~crc;
}

uint32_t nb_crc32c(uint32_t crc, const void *buf, size_t len)
{
	pthread_once(&crc_once, crc_init);
	if (__atomic_load_n(&crc_forced_table, __ATOMIC_RELAXED))
		return nb_crc32c_table(crc, buf, len);
	return crc_best(crc, buf, len);
}

const char *nb_crc32c_impl(void)
{
	pthread_once(&crc_once, crc_init);
	return __atomic_load_n(&crc_forced_table, __ATOMIC_RELAXED) ? "table" : crc_best_name;
}

void nb_crc32c_force_table(bool on)
{
	__atomic_store_n(&crc_forced_table, on, __ATOMIC_RELAXED);
}
