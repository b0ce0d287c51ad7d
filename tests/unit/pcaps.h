/* pcaps.h - where the golden captures (tests/pcaps) are, for the unit tests
 * that read them: the tests run from the repository root or from build/. */
#ifndef TESTS_PCAPS_H
#define TESTS_PCAPS_H
#include <stdio.h>
#include <unistd.h>

static char dir[512];

static const char *pcaps(void)
{
	static const char *const tries[] = {"tests/pcaps", "../tests/pcaps", "../../tests/pcaps", "../../../tests/pcaps"};
	if (dir[0])
		return dir;
	for (unsigned i = 0; i < sizeof(tries) / sizeof(tries[0]); i++) {
		char p[600];
		snprintf(p, sizeof(p), "%s/v3_basic.pcap", tries[i]);
		if (access(p, R_OK) == 0) {
			snprintf(dir, sizeof(dir), "%s", tries[i]);
			return dir;
		}
	}
	fail_msg("tests/pcaps not found (run from the repository root)");
	return NULL;
}
#endif
