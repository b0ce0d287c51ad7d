/* tm.c - clock helpers: converting monotonic timestamps to wall-clock ones
 * for traces, and drift-free absolute sleeps for paced load. */
#include "tm.h"

#include <errno.h>

int64_t tm_mono_to_real_offset(void)
{
	/* A reading of REALTIME sandwiched between two MONOTONIC readings; the
	 * narrowest sandwich is the one least disturbed by preemption. */
	uint64_t best_gap = UINT64_MAX;
	int64_t best = 0;

	for (int i = 0; i < 5; i++) {
		uint64_t m1 = tm_mono_ns();
		uint64_t r = tm_real_ns();
		uint64_t m2 = tm_mono_ns();
		uint64_t gap = m2 - m1;
		if (gap < best_gap) {
			best_gap = gap;
			best = (int64_t)(r - (m1 + gap / 2));
		}
	}
	return best;
}

void tm_sleep_until(uint64_t deadline_ns, volatile int *stop)
{
	struct timespec ts = {
		.tv_sec = (time_t)(deadline_ns / 1000000000u),
		.tv_nsec = (long)(deadline_ns % 1000000000u),
	};

	for (;;) {
		if (stop && *stop)
			return;
		/* returns the error number itself, not via errno */
		int rc = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
		if (rc != EINTR)
			return;
	}
}
