/* mem.c - the toolkit's one array-growth rule (see mem.h). */
#include "mem.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

int mem_read_fd(int fd, size_t max, bool truncate, char **text, size_t *len)
{
	struct stat st;
	size_t cap = 0, got = 0, first = 8192;
	char *buf = NULL;
	int e = 0;
	*text = NULL;
	*len = 0;
	if (max > SIZE_MAX - 2)
		max = SIZE_MAX - 2;
	/* a regular file's size, and a byte more to see its end, in one go
	 * (procfs files say 0: they start at 8 KiB and double) */
	if (!fstat(fd, &st) && S_ISREG(st.st_mode) && st.st_size > 0)
		first = (size_t)st.st_size < max ? (size_t)st.st_size + 2 : max + 2;
	/* up to max + 1 bytes, the last only to tell a longer file; the first
	 * pass always allocates (got <= max holds), so an empty file gets "" */
	while (got <= max) {
		if (got + 1 >= cap && mem_grow_max(&buf, &cap, got + 2, 1, first, max + 2)) {
			e = ENOMEM;
			break;
		}
		size_t want = cap - 1 - got;
		if (want > max + 1 - got)
			want = max + 1 - got;
		ssize_t r = read(fd, buf + got, want);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			e = errno;
			break;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	if (!e && got > max) {
		if (truncate)
			got = max;
		else
			e = EFBIG;
	}
	if (e) {
		free(buf);
		return e;
	}
	buf[got] = '\0';
	*text = buf;
	*len = got;
	return 0;
}
