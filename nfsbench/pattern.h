/* pattern.h - the bytes nfsbench writes: byte at file offset o is
 * pattern[o % PATTERN_PERIOD], a function of the seed alone, so any WRITE
 * is a pointer into one buffer (no per-RPC work) and any file nfsbench wrote
 * can be checked byte for byte (`nfsbench pattern`). The period is prime so
 * that block-aligned offsets land on different parts of the pattern. */
#ifndef NFSBENCH_PATTERN_H
#define NFSBENCH_PATTERN_H

#include <stdint.h>

#define PATTERN_PERIOD 1048573u

/* PATTERN_PERIOD + maxlen bytes (malloc'ed), or NULL. */
unsigned char *pattern_buffer(uint64_t seed, uint32_t maxlen);
/* `nfsbench pattern --seed S --offset O --length L`: the bytes to stdout. */
int pattern_main(int argc, char **argv);

#endif
