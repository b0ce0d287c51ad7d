/* irq.h - IRQ affinity of an interface's queues: discovery from the
 * device's msi_irqs and the names in /proc/interrupts, three placement
 * strategies, and the per-IRQ knob (/proc/irq/N/smp_affinity_list). */
#ifndef NFSTUNE_IRQ_H
#define NFSTUNE_IRQ_H

#include <stdbool.h>
#include <stddef.h>

#include "tune.h"

/* One numbered line of /proc/interrupts. */
struct irq_line {
	unsigned irq;
	char name[64]; /* the action name(s): "virtio0-input.0", "eth1-TxRx-3" */
};
/* Parse /proc/interrupts text (untrusted: any bytes give a clean result).
 * Lines that are not "N: counts... chip ... name" are skipped. Caller
 * frees *out. 0 or ENOMEM. */
int tune_irq_parse_interrupts(const char *text, size_t len, struct irq_line **out, size_t *n, unsigned *ncpus);

/* Is name a queue IRQ? Fills its queue number and role ("rx", "tx",
 * "txrx"): virtio "virtio0-input.3" / "output.3", Intel "eth1-TxRx-3",
 * "eth1-rx-3", bnx2x "eth1-fp-3", mlx5 "mlx5_comp3@pci:...". */
bool tune_irq_classify(const char *name, unsigned *queue, char *role, size_t len);

struct irq_q {
	unsigned irq;
	unsigned queue;
	char role[8];
	char name[64];
};
/* The queue IRQs of ifname, ordered by queue then role. 0, ENOTSUP (no
 * queue IRQs: veth, bridges, tap) or errno; err says why. */
int tune_irq_discover(const struct tune *t, const char *ifname, struct irq_q **out, size_t *n, char *err, size_t len);

enum irq_strategy { IRQ_EXPLICIT, IRQ_SPREAD_LOCAL, IRQ_ROUND_ROBIN };
struct irq_cfg {
	enum irq_strategy strategy;
	bool has_cpus;            /* restrict to these CPUs */
	struct cpulist cpus;
	size_t nqueues;           /* explicit: CPUs of queue i */
	struct cpulist *queue_cpus;
	bool *queue_set;
};
/* Strategy names as profiles spell them; -1 if unknown. */
int tune_irq_strategy_parse(const char *s);
const char *tune_irq_strategy_name(enum irq_strategy s);
/* The NIC's NUMA-local CPUs (device local_cpulist, else its node's CPUs,
 * else every online CPU; why says which). */
int tune_irq_local_cpus(const struct tune *t, const char *ifname, struct cpulist *set, char *why, size_t len);
/* CPUs for each of the n IRQs. Both IRQs of a queue (virtio input.N and
 * output.N) get the same CPU, as virtio itself pairs them. */
int tune_irq_assign(const struct tune *t, const char *ifname, const struct irq_cfg *cfg, const struct irq_q *q, size_t n,
	       struct cpulist *out, char *err, size_t len);

extern const struct knob_type knob_irq;
/* Knob of IRQ irq (k->arg: its smp_affinity_list). */
int tune_irq_knob_init(const struct tune *t, struct knob *k, unsigned irq, const char *name);
int tune_irq_show(struct tune *t, const char *ifname, struct knobs *ks);

#endif
