/* tm.h - clocks. CLOCK_MONOTONIC for intervals (latency, rates, timeouts);
 * CLOCK_REALTIME for anything joined with packet captures (traces), since
 * pcap timestamps are wall-clock. */
#ifndef NFSTK_TM_H
#define NFSTK_TM_H

#include <stdint.h>
#include <time.h>

static inline uint64_t tm_ns(clockid_t clk)
{
	struct timespec ts;
	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
static inline uint64_t tm_mono_ns(void) { return tm_ns(CLOCK_MONOTONIC); }
static inline uint64_t tm_real_ns(void) { return tm_ns(CLOCK_REALTIME); }

/* Offset to add to a CLOCK_MONOTONIC reading to get CLOCK_REALTIME, measured
 * as the tightest of a few back-to-back readings. Lets hot paths read only
 * the monotonic clock and convert when writing traces. */
int64_t tm_mono_to_real_offset(void);

/* Sleep until the CLOCK_MONOTONIC deadline (ns); restarts after signals
 * unless *stop becomes non-zero. */
void tm_sleep_until(uint64_t deadline_ns, volatile int *stop);

#endif
