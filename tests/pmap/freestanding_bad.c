/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * freestanding_bad.c - the freestanding check's negative test: a file
 * that calls a libc function the seam does not provide.
 */
#include <stddef.h>

void *memcpy(void *dst, const void *src, size_t n);
void pmap_bad_copy(void *dst, const void *src);

void
pmap_bad_copy(void *dst, const void *src)
{
	memcpy(dst, src, 4096);
}
