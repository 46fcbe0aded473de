/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * trace_file.c - what the trace reader (trace_read.c) and writer
 * (trace_write.c) share: the form of their messages and which files are
 * compressed (traces/FORMAT.md, "Files").
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sim/trace_var.h"

/* "PATH:LINE: reason" into @err, or "PATH: reason" when @lineno is 0. */
void
trace_vmsg(char *err, const char *path, uint64_t lineno, const char *fmt, va_list ap)
{
	int n;

	if (lineno > 0)
		n = snprintf(err, TRACE_ERR_MAX, "%s:%" PRIu64 ": ", path, lineno);
	else
		n = snprintf(err, TRACE_ERR_MAX, "%s: ", path);
	if (n >= 0 && n < TRACE_ERR_MAX)
		vsnprintf(err + n, TRACE_ERR_MAX - (size_t)n, fmt, ap);
}

/* @path ends in .zst: the file is zstd-compressed. */
bool
trace_is_zst(const char *path)
{
	size_t n = strlen(path);

	return (n >= 4 && strcmp(path + n - 4, ".zst") == 0);
}
