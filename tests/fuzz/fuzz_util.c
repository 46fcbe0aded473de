/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * fuzz_util.c - scratch files and findings for the fuzz targets (fuzz.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/fuzz/fuzz.h"

static char fuzz_dir[256];

/* At exit: remove the scratch files the targets use, then the directory. */
static void
fuzz_cleanup(void)
{
	static const char *const names[] = { "in.trace", "in.trace.zst", "out.trace",
		                             "replay.trace" };
	char path[512];
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		unlink(fuzz_path(names[i], path, sizeof(path)));
	rmdir(fuzz_dir);
}

const char *
fuzz_path(const char *name, char *path, size_t len)
{
	const char *tmp = getenv("TMPDIR");

	if (fuzz_dir[0] == '\0') {
		snprintf(fuzz_dir, sizeof(fuzz_dir), "%s/eptsim-fuzz.XXXXXX",
		         tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
		if (mkdtemp(fuzz_dir) == NULL) {
			perror("eptsim fuzz: mkdtemp");
			exit(3);
		}
		atexit(fuzz_cleanup);
	}
	snprintf(path, len, "%s/%s", fuzz_dir, name);
	return (path);
}

void
fuzz_write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (f == NULL || (len > 0 && fwrite(data, 1, len, f) != len) || fclose(f) != 0) {
		perror(path);
		exit(3);
	}
}

void
fuzz_finding(const char *fmt, ...)
{
	va_list ap;

	fputs("eptsim fuzz: FINDING: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}
