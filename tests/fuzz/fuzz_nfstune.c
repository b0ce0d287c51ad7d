/* fuzz_nfstune.c - libFuzzer target for what nfstune parses from files it
 * does not control: /proc/interrupts, /proc/mounts and mountinfo lines,
 * QEMU command lines (/proc/PID/cmdline), kernel CPU masks, IRQ names,
 * qdisc values and journal lines. Any bytes must give a clean result or a
 * clean error: no crash, leak or undefined behaviour.
 */
// fuzz-sources: tuner/engine.c tuner/ethtool.c tuner/irq.c tuner/journal.c tuner/link.c tuner/nfs.c tuner/nl.c tuner/profile.c tuner/qdisc.c tuner/queue.c tuner/sunrpc.c tuner/sysctl.c tuner/util.c tuner/virtio.c
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../tuner/tune_irq.h"
#include "../../tuner/tune_journal.h"
#include "../../tuner/tune_nfs.h"
#include "../../tuner/tune_qdisc.h"
#include "../../tuner/tune_virtio.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct irq_line *lines;
	size_t n;
	unsigned ncpu;

	/* binary-safe parsers get the bytes as they are */
	if (!tune_irq_parse_interrupts((const char *)data, size, &lines, &n, &ncpu)) {
		for (size_t i = 0; i < n; i++) {
			unsigned q;
			char role[8];
			tune_irq_classify(lines[i].name, &q, role, sizeof(role));
		}
		free(lines);
	}
	struct virtio_net_cfg vc;
	tune_virtio_parse_cmdline((const char *)data, size, &vc);

	/* line parsers get a NUL-terminated copy, one line at a time */
	char *s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	char *save = NULL;
	for (char *line = strtok_r(s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct nfs_mount m;
		char dir[256], cmd[2048], val[64];
		unsigned ma, mi;
		if (!tune_nfs_parse_mounts_line(line, &m)) {
			tune_nfs_opt(m.opts, "rsize", val, sizeof(val));
			tune_nfs_mount_command(&m, "rsize=1048576,nconnect=4", cmd, sizeof(cmd));
		}
		tune_nfs_parse_mountinfo_line(line, dir, sizeof(dir), &ma, &mi);
		struct cpulist set;
		if (!tune_mask_parse(line, &set)) {
			char buf[512];
			tune_mask_format(&set, 64, buf, sizeof(buf));
		}
		struct qdisc_val q;
		if (!tune_qdisc_parse(line, &q)) {
			char buf[512];
			tune_qdisc_format(&q, buf, sizeof(buf));
		}
		struct knob k;
		size_t idx;
		tune_journal_decode_item(line, &k, &idx);
	}
	free(s);
	return 0;
}
