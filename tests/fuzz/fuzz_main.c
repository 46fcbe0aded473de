/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * fuzz_main.c - a fuzz target without libFuzzer: run it once on each
 * input file, and on each file of each directory, named on the command
 * line.  This is how `make test` replays the regression inputs and the
 * committed corpus with any compiler (and under ASan+UBSan in the Asan
 * build).  A finding aborts, so the test fails; otherwise it prints how
 * many inputs ran.  No input at all is an error: an empty directory
 * would test nothing.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tests/fuzz/fuzz.h"

static unsigned long fuzz_inputs;

static void
run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *data = NULL;
	long size;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0 || (data = malloc((size_t)size + 1)) == NULL ||
	    fread(data, 1, (size_t)size, f) != (size_t)size) {
		perror(path);
		exit(3);
	}
	fclose(f);
	LLVMFuzzerTestOneInput(data, (size_t)size);
	free(data);
	fuzz_inputs++;
}

static int
by_name(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

/* Every regular file in @dir, in name order (README files excepted). */
static void
run_dir(const char *dir)
{
	char **names = NULL, path[4096];
	size_t n = 0, i;
	struct dirent *de;
	struct stat st;
	DIR *d = opendir(dir);

	if (d == NULL) {
		perror(dir);
		exit(3);
	}
	while ((de = readdir(d)) != NULL) {
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) ||
		    strncmp(de->d_name, "README", 6) == 0)
			continue;
		if ((names = realloc(names, (n + 1) * sizeof(*names))) == NULL ||
		    (names[n++] = strdup(path)) == NULL)
			abort();
	}
	closedir(d);
	if (n > 0) /* qsort() may not be given NULL */
		qsort(names, n, sizeof(*names), by_name);
	for (i = 0; i < n; i++) {
		run_file(names[i]);
		free(names[i]);
	}
	free(names);
}

int
main(int argc, char **argv)
{
	struct stat st;
	int i;

	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode))
			run_dir(argv[i]);
		else
			run_file(argv[i]);
	}
	if (fuzz_inputs == 0) {
		fprintf(stderr, "usage: %s FILE|DIR... (no input given)\n", argv[0]);
		return (2);
	}
	printf("fuzz: %lu inputs, no finding\n", fuzz_inputs);
	return (0);
}
