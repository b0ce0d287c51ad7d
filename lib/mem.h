/* mem.h - growing arrays. One growth rule for every dynamic array of the
 * toolkit (double from a first size, never overflow), instead of a hand-
 * written realloc block per array. */
#ifndef NFSTK_MEM_H
#define NFSTK_MEM_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Make room for at least need elements of elem_size bytes in the array *pp
 * (pp is a T ** passed as void *) holding room for *cap of them. When
 * *cap < need, the capacity doubles, starting from first when it is 0,
 * until it reaches need, but stops at maxcap (and at what SIZE_MAX bytes
 * hold), and the array is realloc'd. Returns 0; ENOMEM when need itself
 * passes those limits or the allocation fails, and then *pp and *cap are
 * unchanged and the old array stays valid; EINVAL for elem_size 0. */
int mem_grow_max(void *pp, size_t *cap, size_t need, size_t elem_size, size_t first, size_t maxcap);

/* The usual case, room already there, costs no call. */
static inline int mem_grow(void *pp, size_t *cap, size_t need, size_t elem_size, size_t first)
{
	return need <= *cap ? 0 : mem_grow_max(pp, cap, need, elem_size, first, SIZE_MAX);
}

/* The same for an unsigned capacity, which never passes UINT_MAX. */
static inline int mem_grow_uint(void *pp, unsigned *cap, size_t need, size_t elem_size, size_t first)
{
	if (need <= *cap)
		return 0;
	size_t c = *cap;
	int rc = mem_grow_max(pp, &c, need, elem_size, first, UINT_MAX);
	if (!rc)
		*cap = (unsigned)c;
	return rc;
}

/* mem_grow for a typed array: MEM_GROW(&v, &cap, n + 1, 16) with T *v and a
 * size_t or unsigned cap; the element size comes from the array's type. */
#define MEM_GROW(pp, capp, need, first)                                           \
	_Generic((capp), size_t *: mem_grow, unsigned *: mem_grow_uint)((pp), (capp), \
									 (need), sizeof(**(pp)), (first))

/* Read fd to its end into a new NUL-terminated buffer (*len bytes before
 * the NUL): the toolkit's one whole-file reader (configs, procfs files).
 * Past max bytes: EFBIG, or with truncate the first max bytes and 0.
 * Returns 0, read(2)'s errno, ENOMEM or EFBIG; on error *text is NULL. */
int mem_read_fd(int fd, size_t max, bool truncate, char **text, size_t *len);

#endif
