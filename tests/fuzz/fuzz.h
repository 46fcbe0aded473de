/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * fuzz.h - what the fuzz targets share (tests/fuzz/).
 *
 * Each target is one LLVMFuzzerTestOneInput().  Under clang it links
 * libFuzzer (-fsanitize=fuzzer, `make fuzz`); in every build it also
 * links fuzz_main.c, which runs it once per file named on the command
 * line, so the regression inputs (tests/fuzz/regress/<target>/) and the
 * committed corpus (tests/fuzz/corpus/<target>/) replay in `make test`
 * with any compiler.  A finding is a crash, a sanitizer report, a pmap
 * panic, or a broken oracle, which fuzz_finding() turns into abort().
 */
#ifndef EPTSIM_TESTS_FUZZ_FUZZ_H
#define EPTSIM_TESTS_FUZZ_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * The path of file @name in this process's scratch directory (made on
 * first use under $TMPDIR or /tmp, removed at exit), into @path.
 */
const char *fuzz_path(const char *name, char *path, size_t len);

/* Write @len bytes to @path, replacing it; a failure is a harness error (exit 3). */
void fuzz_write_file(const char *path, const void *data, size_t len);

/* Report a broken oracle on standard error and abort(): libFuzzer saves the input. */
void fuzz_finding(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif /* EPTSIM_TESTS_FUZZ_FUZZ_H */
