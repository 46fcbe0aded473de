/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * vfy_test.h - the fixture the reference-walker tests share: a small RAM
 * array the tables are written into by hand, bit by bit from the SDM (no
 * pmap/ header, no pmap/ code), and one fixed path through four levels.
 *
 *   hpa 0x0000  0x1000  0x2000  0x3000  0x4000            T_RAM_SIZE
 *   +-------+-------+-------+-------+-------+- - - - - - -+
 *   | spare | PML4  | PDPT  |  PD   |  PT   |   spare     |  beyond: not memory
 *   +-------+-------+-------+-------+-------+- - - - - - -+
 *
 *   T_ADDR = PML4[1] -> PDPT[0x102] -> PD[0x1a3] -> PT[0x1f4] + 0x567
 *   (indexes past 0xff at three levels: all nine index bits count)
 */
#ifndef EPTSIM_TESTS_VERIFY_VFY_TEST_H
#define EPTSIM_TESTS_VERIFY_VFY_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "verify/vfy_walk.h"

#define B(n)       (UINT64_C(1) << (n))
#define NELEM(a)   (sizeof(a) / sizeof((a)[0]))
#define T_RAM_SIZE 0x10000ul /* 16 pages */
#define T_MAXPHY   46u
#define T_TABLE(l) (0x4000ul - 0x1000ul * (unsigned)(l)) /* table of level l */
#define T_ADDR                                                                                     \
	((UINT64_C(1) << 39) | (UINT64_C(0x102) << 30) | (UINT64_C(0x1a3) << 21) |                 \
	 (UINT64_C(0x1f4) << 12) | 0x567)
#define T_IDX(l)  ((T_ADDR >> (12 + 9 * (l))) & 0x1ff) /* T_ADDR's index at level l */
#define T_NOT_RAM 0x40000000ul                         /* a table address past the RAM */

/* Frames the leaves map (data pages are never read: they need not be RAM). */
#define T_FRAME_4K 0x7654000ul
#define T_FRAME_2M 0x80200000ul
#define T_FRAME_1G 0x1c0000000ul

/* Level indexes: 3 PML4E .. 0 PTE, as in vfy_walk.h. */
enum { L_PTE, L_PDE, L_PDPTE, L_PML4E };

struct t_ram {
	uint64_t w[T_RAM_SIZE / 8];
	unsigned writes; /* write64 calls that succeeded */
	uint64_t ro_hpa; /* write64 to this address fails (0: none) */
	unsigned maxphy; /* MAXPHYADDR given to the walkers */
};

extern struct t_ram t_ram;

/* Fresh RAM (all zero), no writes, MAXPHYADDR T_MAXPHY. */
int t_setup(void **state);
/* The walkers' view of t_ram; with_write false leaves write64 NULL. */
const struct vfy_mem *t_mem(bool with_write);
void t_set(uint64_t hpa, uint64_t val);
uint64_t t_get(uint64_t hpa);
/* Address of the T_ADDR entry at @level. */
uint64_t t_entry_hpa(int level);
/*
 * Write the T_ADDR path: e[l] at each level from the PML4E down to the
 * leaf @leaf, each upper entry pointing at the next table (its address
 * ORed into e[l]); e[leaf] is written as given (flags and frame).
 */
void t_build(const uint64_t e[4], int leaf);
/* Snapshot / compare of the path's entries, to prove a walk wrote nothing. */
void t_snap(uint64_t out[4]);
bool t_same(const uint64_t snap[4]);
/* "read", "write", "fetch", "read+write", ... for VFY_ACC_* bits; "none" for 0. */
const char *t_acc_name(unsigned acc);
/* "P RW ..." for the set bits of @f named in @names (NULL names skipped). */
const char *t_flags(unsigned f, const char *const *names, size_t n, char *buf, size_t len);

extern const struct CMUnitTest vfy_x86_tests[];
extern const size_t vfy_x86_ntests;
extern const struct CMUnitTest vfy_ept_tests[];
extern const size_t vfy_ept_ntests;
extern const struct CMUnitTest vfy_cursor_tests[];
extern const size_t vfy_cursor_ntests;

#endif /* EPTSIM_TESTS_VERIFY_VFY_TEST_H */
