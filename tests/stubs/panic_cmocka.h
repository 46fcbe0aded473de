/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * panic_cmocka.h - catch pmap panics in cmocka tests.
 *
 *   expect_panic(pmap_unwire(pm, va, va + PAGE), "pmap_unwire: not wired");
 *
 * runs the call, requires that it panics, and requires that the panic
 * message contains the given text (the message is pinned).
 */
#ifndef EPTSIM_TESTS_PANIC_CMOCKA_H
#define EPTSIM_TESTS_PANIC_CMOCKA_H

#include <string.h>

#define TEST_PANIC_MSG_MAX 512
extern char test_panic_msg[TEST_PANIC_MSG_MAX];
extern unsigned test_panic_count;

#define expect_panic(call, text)                                                                   \
	do {                                                                                       \
		test_panic_msg[0] = '\0';                                                          \
		expect_assert_failure(call);                                                       \
		if (strstr(test_panic_msg, (text)) == NULL)                                        \
			fail_msg("panic message \"%s\" lacks \"%s\"", test_panic_msg, (text));     \
	} while (0)

#endif /* EPTSIM_TESTS_PANIC_CMOCKA_H */
