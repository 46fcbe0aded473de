/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * panic_cmocka.c - the pmap panic seam for unit tests: keep the message
 * and hand the failure to cmocka, so expect_panic() catches an expected
 * panic and any other panic fails the test with its values.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "pmap/pmap_plat.h"
#include "tests/stubs/panic_cmocka.h"

char test_panic_msg[TEST_PANIC_MSG_MAX];
unsigned test_panic_count;

void
pmap_plat_panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(test_panic_msg, sizeof(test_panic_msg), fmt, ap);
	va_end(ap);
	test_panic_count++;
	mock_assert(0, test_panic_msg, __FILE__, __LINE__);
	abort();
}
