/* rpccap.h - `nfscap capture`: an RPC-aware capture that keeps, for every
 * RPC record on every TCP connection, its record mark and first bytes, and
 * drops the payload (the file format is described at the top of rpccap.c). */
#ifndef NFSCAP_RPCCAP_H
#define NFSCAP_RPCCAP_H

#include <stdint.h>

#include <pcap/pcap.h>

#include "cap.h"

/* Bytes kept from every fragment header on: the mark and what the analyzer
 * decodes of a record (ana.h's CAP_HDRMAX). */
#define RC_KEEP (4u + 512u)

struct rc_opts {
	uint16_t ports[CAP_MAX_PORTS]; /* only these carry RPC; none: any TCP */
	unsigned nports;
};

struct rc_stats {
	uint64_t pkts, bytes;          /* read: packets, wire bytes */
	uint64_t recs, rec_bytes;      /* written: pcap records, captured bytes */
	uint64_t marks, resyncs, desyncs, untracked;
};

struct rc;

/* out: where the pieces go; dlt: the link type of every packet fed. */
int rc_new(struct rc **r, pcap_dumper_t *out, int dlt, const struct rc_opts *o);
void rc_free(struct rc *r);
/* One captured packet (h->ts in the precision `out` was opened with). */
void rc_packet(struct rc *r, const struct pcap_pkthdr *h, const uint8_t *data);
void rc_get_stats(const struct rc *r, struct rc_stats *s);

/* Read `in` (a file or an activated live handle) into r until its end, the
 * duration (live), or *stop. Returns 0 or an errno value with err set. */
int rc_run(pcap_t *in, struct rc *r, uint64_t duration_ns, volatile int *stop, char *err, size_t errlen);

/* `nfscap capture ...` (only main.c calls it). */
int rc_command(int argc, char **argv);

#endif
