/* queue.h - per-queue CPU masks: rps_cpus of receive queues and xps_cpus
 * of transmit queues (/sys/class/net/IF/queues/{rx,tx}-N). */
#ifndef NFSTUNE_QUEUE_H
#define NFSTUNE_QUEUE_H

#include "tune.h"

/* k->obj: the interface; k->arg: "rx-3" for one queue, "" for all of them
 * (the queues present when the knob is applied: after a channels change
 * of the same profile). */
extern const struct knob_type knob_rps, knob_xps;
/* Number of rx or tx queue directories of ifname. */
int tune_queue_count(const struct tune *t, const char *ifname, bool rx, unsigned *n);
int tune_queue_show(struct tune *t, const char *ifname, struct knobs *ks);

#endif
