/* qdisc.h - the root queueing discipline of an interface (fq, fq_codel,
 * pfifo_fast, tbf with a rate, or the kernel's default), through
 * libnl-route. */
#ifndef NFSTUNE_QDISC_H
#define NFSTUNE_QDISC_H

#include <stdint.h>

#include "tune.h"

/* A wanted or current root qdisc in canonical form. */
struct qdisc_val {
	char kind[32];      /* "fq", "tbf", ...; "default" for the kernel's own */
	bool deflt;         /* current value: attached by the kernel (handle 0) */
	uint64_t rate;      /* tbf: bytes per second */
	uint64_t burst;     /* tbf: bytes */
	uint64_t limit;     /* tbf: bytes */
};
int tune_qdisc_parse(const char *s, struct qdisc_val *q);
void tune_qdisc_format(const struct qdisc_val *q, char *buf, size_t len);

extern const struct knob_type knob_qdisc;
int tune_qdisc_show(struct tune *t, const char *ifname, struct knobs *ks);

#endif
