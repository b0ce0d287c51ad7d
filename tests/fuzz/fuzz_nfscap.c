/* fuzz_nfscap.c - libFuzzer target over nfscap's packet path: any bytes
 * must give counts and reports, never a crash, a leak or undefined
 * behaviour. The first byte picks the mode:
 *   even: a packet stream - byte 1 picks the link type, then packets as
 *         [u16 caplen][u16 extra wire bytes][u8 time step][caplen bytes];
 *   odd:  the rest is a capture file, read through nfscap's file reader.
 * The per-RPC CSV is always written; when bit 2 of the first byte is set
 * the whole report (text, JSON, HTML) is built too.
 */
// fuzz-sources: capture/ana.c capture/stream.c capture/rpc.c capture/pkt.c capture/report.c capture/html.c capture/input.c capture/synth.c
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../capture/cap.h"
#include "out.h"

static const int dlts[] = {CAP_DLT_EN10MB, CAP_DLT_LINUX_SLL, CAP_DLT_LINUX_SLL2, CAP_DLT_RAW,
			   CAP_DLT_NULL, CAP_DLT_LOOP, CAP_DLT_IPV4, CAP_DLT_IPV6, 147};

static void reports(struct cap_ana *a)
{
	const char *files[] = {"fuzz"};
	for (int m = 0; m < 2; m++) {
		FILE *f = fopen("/dev/null", "w");
		struct out *o;
		if (!f)
			return;
		if (out_new(&o, m ? OUT_JSON : OUT_TEXT, f, "nfscap/1") == 0) {
			cap_report(a, o, files, 1);
			out_finish(o);
		}
		if (m)
			cap_html(a, f, files, 1, NULL);
		fclose(f);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int memfd = -1;
	struct cap_opts o = {0};
	struct cap_ana *a;
	FILE *csv = fopen("/dev/null", "w");

	if (size < 2 || !csv) {
		if (csv)
			fclose(csv);
		return 0;
	}
	o.per_rpc = csv;
	o.max_conns = 64; /* small tables: reach the eviction paths */
	o.max_xids = 16;
	if (data[0] & 2) {
		o.ports[0] = 2049;
		o.nports = 1;
	}
	if (cap_ana_new(&a, &o)) {
		fclose(csv);
		return 0;
	}
	if (!(data[0] & 1)) {
		int dlt = dlts[data[1] % (sizeof(dlts) / sizeof(dlts[0]))];
		size_t i = 2;
		uint64_t ts = 1000000000ull;
		while (i + 5 <= size) {
			uint32_t cap = (uint32_t)data[i] << 8 | data[i + 1];
			uint32_t extra = (uint32_t)data[i + 2] << 8 | data[i + 3];
			ts += (uint64_t)data[i + 4] * 100000ull; /* up to 25 ms: holes time out */
			i += 5;
			if (cap > size - i)
				cap = (uint32_t)(size - i);
			cap_ana_packet(a, dlt, ts, data + i, cap, cap + extra);
			i += cap;
		}
	} else {
		char path[64], err[512];
		if (memfd < 0)
			memfd = memfd_create("fuzz_nfscap", 0);
		if (memfd >= 0 && ftruncate(memfd, 0) == 0 && pwrite(memfd, data + 1, size - 1, 0) == (ssize_t)(size - 1)) {
			snprintf(path, sizeof(path), "/proc/self/fd/%d", memfd);
			const char *files[] = {path};
			struct cap_input_opts io = {false, NULL};
			cap_read_files(a, files, 1, &io, err, sizeof(err));
		}
	}
	if (data[0] & 4) /* reports are slow under ASan: on a quarter of the inputs */
		reports(a);
	else
		cap_ana_finish(a);
	cap_ana_free(a);
	fclose(csv);
	return 0;
}
