/* fuzz_attr.c - libFuzzer target over `nfscap attribute`: an nfsbench trace
 * and captures at several vantage points, matched, clock offsets estimated,
 * shares split and reported. Any bytes must give a report or a clean error,
 * never a crash, a leak or undefined behaviour, whatever the times say.
 * Layout of an input:
 *   byte 0: bits 0-3 a capture at guest, host-in, host-out, storage; bit 4
 *           an app trace; bit 5 --split-at first; bit 6 --json; bit 7 the
 *           HTML report and the per-RPC CSV too;
 *   trace:  [u8 records][48-byte records...] (nfsbench/trace.h; the header
 *           is written here);
 *   each capture: [u8 packets][i64 if_tsoffset, s][u8 if_tsresol] then per
 *           packet [u16 length][u64 time in if_tsresol units][bytes]: a
 *           pcapng file of one Ethernet interface, so times reach 2^64.
 * Integers are little-endian; an input that ends early ends the files.
 */
// fuzz-sources: capture/ana.c capture/stream.c capture/rpc.c capture/pkt.c capture/report.c capture/html.c capture/input.c capture/synth.c capture/attr.c capture/attr_out.c capture/attr_cov.c
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../capture/attr.h"

struct in {
	const uint8_t *p, *end;
};

static uint64_t take(struct in *in, int n)
{
	uint64_t v = 0;
	for (int i = 0; i < n && in->p < in->end; i++)
		v |= (uint64_t)*in->p++ << (8 * i);
	return v;
}

struct file {
	int fd;
	size_t n;
};

static void put(struct file *f, const void *p, size_t n)
{
	if (pwrite(f->fd, p, n, (off_t)f->n) == (ssize_t)n)
		f->n += n;
}

static void put32(struct file *f, uint32_t v)
{
	put(f, &v, 4);
}

static void trace_file(struct file *f, struct in *in)
{
	static const uint8_t hdr[48] = {'N', 'F', 'S', 'B', 'T', 'R', 'C', '1', 1, 0, 0, 0, 48};
	unsigned n = (unsigned)take(in, 1);
	put(f, hdr, sizeof(hdr));
	for (unsigned i = 0; i < n && in->end - in->p >= 48; i++, in->p += 48)
		put(f, in->p, 48);
}

static void capture_file(struct file *f, struct in *in)
{
	unsigned n = (unsigned)take(in, 1);
	uint64_t off = take(in, 8);
	uint8_t res = (uint8_t)take(in, 1);
	const uint32_t shb[7] = {0x0a0d0d0a, 28, 0x1a2b3c4d, 1, 0xffffffffu, 0xffffffffu, 28};
	/* IDB: Ethernet, snaplen; if_tsresol, if_tsoffset, end of options */
	put(f, shb, sizeof(shb));
	put32(f, 1), put32(f, 16 + 8 + 12 + 4 + 4), put32(f, 1), put32(f, 262144);
	put32(f, 9 | 1u << 16), put32(f, res);
	put32(f, 14 | 8u << 16), put(f, &off, 8);
	put32(f, 0), put32(f, 16 + 8 + 12 + 4 + 4);
	for (unsigned i = 0; i < n && in->p < in->end; i++) {
		uint32_t len = (uint32_t)take(in, 2);
		uint64_t ts = take(in, 8);
		if (len > (size_t)(in->end - in->p))
			len = (uint32_t)(in->end - in->p);
		uint32_t pad = (4 - len % 4) % 4, blen = 32 + len + pad, zero = 0;
		put32(f, 6), put32(f, blen), put32(f, 0), put32(f, (uint32_t)(ts >> 32)), put32(f, (uint32_t)ts);
		put32(f, len), put32(f, len);
		put(f, in->p, len);
		put(f, &zero, pad);
		put32(f, blen);
		in->p += len;
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	int null = open("/dev/null", O_WRONLY);
	if (null >= 0)
		dup2(null, 1); /* the reports */
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct file files[5] = {{-1, 0}, {-1, 0}, {-1, 0}, {-1, 0}, {-1, 0}};
	static const char *const points[4] = {"guest", "host-in", "host-out", "storage"};
	char arg[5][64], *argv[24];
	int argc = 0;
	struct in in = {data, data + size};

	if (size < 1)
		return 0;
	uint8_t flags = (uint8_t)take(&in, 1);
	if (!(flags & 15))
		return 0; /* no capture: a usage error, nothing to fuzz */
	argv[argc++] = "attribute";
	for (int k = 0; k < 5; k++) {
		struct file *f = &files[k];
		bool on = k == 0 ? (flags & 16) : (flags & 1u << (k - 1));
		if (!on)
			continue;
		if (f->fd < 0 && (f->fd = memfd_create("fuzz_attr", 0)) < 0)
			return 0;
		f->n = 0;
		if (ftruncate(f->fd, 0))
			return 0;
		if (k == 0) {
			trace_file(f, &in);
			snprintf(arg[k], sizeof(arg[k]), "/proc/self/fd/%d", f->fd);
			argv[argc++] = "--app";
		} else {
			capture_file(f, &in);
			snprintf(arg[k], sizeof(arg[k]), "%s=/proc/self/fd/%d", points[k - 1], f->fd);
			argv[argc++] = "--vantage";
		}
		argv[argc++] = arg[k];
	}
	if (flags & 32)
		argv[argc++] = "--split-at", argv[argc++] = "first";
	if (flags & 64)
		argv[argc++] = "--json";
	if (flags & 128)
		argv[argc++] = "--html", argv[argc++] = "/dev/null", argv[argc++] = "--per-rpc",
		argv[argc++] = "/dev/null";
	argv[argc] = NULL;
	at_command(argc, argv);
	fflush(stdout);
	return 0;
}
