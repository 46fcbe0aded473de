/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * sim_panic.c - the panic half of the seam for programs: print and abort.
 * Unit tests link tests/stubs/panic_cmocka.c instead.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "pmap/pmap_plat.h"

void
pmap_plat_panic(const char *fmt, ...)
{
	va_list ap;

	fputs("eptsim: pmap panic: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}
