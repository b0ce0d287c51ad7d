/* mem.c - the toolkit's one array-growth rule (see mem.h). */
#include "mem.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int mem_grow_max(void *pp, size_t *cap, size_t need, size_t elem, size_t first, size_t maxcap)
{
	if (need <= *cap)
		return 0;
	if (!elem)
		return EINVAL;
	size_t lim = SIZE_MAX / elem < maxcap ? SIZE_MAX / elem : maxcap;
	if (need > lim)
		return ENOMEM;
	/* need > *cap: a non-empty array doubles at least once */
	size_t n = *cap ? *cap : first ? first : 1;
	while (n < need)
		n = n > lim / 2 ? lim : n * 2;
	if (n > lim)
		n = lim;
	/* *pp is some T *; object pointers share void *'s representation (POSIX),
	 * and memcpy reads and writes it without breaking aliasing rules */
	void *p;
	memcpy(&p, pp, sizeof(p));
	p = realloc(p, n * elem);
	if (!p)
		return ENOMEM;
	memcpy(pp, &p, sizeof(p));
	*cap = n;
	return 0;
}
