/* fuzz_rpccap.c - libFuzzer target over `nfscap capture`'s writer
 * (capture/rpccap.c): any packets must give a well-formed pcap, never a
 * crash, a leak or undefined behaviour, and every record written must keep
 * no more than it says the wire held (caplen <= orig_len). The writer's
 * output is then read back through nfscap's analyzer.
 * Input: byte 0 picks the link type and bit 7 a --port 2049 list; then
 * packets as [u16 caplen][u16 extra wire bytes][u8 time step][caplen bytes].
 */
// fuzz-sources: capture/rpccap.c capture/ana.c capture/stream.c capture/rpc.c capture/pkt.c capture/input.c capture/report.c capture/html.c
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../capture/rpccap.h"

static const int dlts[] = {CAP_DLT_EN10MB, CAP_DLT_LINUX_SLL, CAP_DLT_LINUX_SLL2, CAP_DLT_RAW,
			   CAP_DLT_NULL, CAP_DLT_LOOP, CAP_DLT_IPV4, CAP_DLT_IPV6};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int memfd = -1;
	char path[64], err[512];

	if (size < 1)
		return 0;
	if (memfd < 0 && (memfd = memfd_create("fuzz_rpccap", 0)) < 0)
		return 0;
	if (ftruncate(memfd, 0) != 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", memfd);
	int dlt = dlts[(data[0] & 0x7f) % (sizeof(dlts) / sizeof(dlts[0]))];
	struct rc_opts ro = {{2049}, (data[0] & 0x80) ? 1u : 0u};
	pcap_t *dead = pcap_open_dead_with_tstamp_precision(dlt, 262144, PCAP_TSTAMP_PRECISION_NANO);
	FILE *fp = fopen(path, "wb");
	pcap_dumper_t *w = dead && fp ? pcap_dump_fopen(dead, fp) : NULL;
	struct rc *r;
	if (!w || rc_new(&r, w, dlt, &ro)) {
		if (w)
			pcap_dump_close(w);
		else if (fp)
			fclose(fp);
		if (dead)
			pcap_close(dead);
		return 0;
	}
	size_t i = 1;
	uint64_t ts = 1000000000ull;
	while (i + 5 <= size) {
		uint32_t cap = (uint32_t)data[i] << 8 | data[i + 1];
		uint32_t extra = (uint32_t)data[i + 2] << 8 | data[i + 3];
		ts += (uint64_t)data[i + 4] * 100000ull;
		i += 5;
		if (cap > size - i)
			cap = (uint32_t)(size - i);
		struct pcap_pkthdr h = {{(time_t)(ts / 1000000000ull), (suseconds_t)(ts % 1000000000ull)}, cap, cap + extra};
		rc_packet(r, &h, data + i);
		i += cap;
	}
	rc_free(r);
	pcap_dump_close(w);
	pcap_close(dead);

	/* what was written is a pcap whose every record is honest about its length */
	char ebuf[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_open_offline(path, ebuf);
	if (!p)
		abort();
	struct pcap_pkthdr *h;
	const u_char *d;
	int k;
	while ((k = pcap_next_ex(p, &h, &d)) == 1)
		if (h->caplen > h->len || h->caplen > 262144)
			abort();
	if (k != PCAP_ERROR_BREAK)
		abort();
	pcap_close(p);

	struct cap_opts o = {0};
	struct cap_ana *a;
	if (cap_ana_new(&a, &o) == 0) {
		const char *files[] = {path};
		struct cap_input_opts io = {false, NULL};
		cap_read_files(a, files, 1, &io, err, sizeof(err));
		cap_ana_finish(a);
		cap_ana_free(a);
	}
	return 0;
}
