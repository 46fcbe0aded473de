/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * vfy_bits.h - private to verify/: what the x86 and EPT reference walks
 * share, all of it from the SDM's common 4-level layout (SDM 3A 4.5,
 * SDM 3C 29.3.2).  Level numbers run 3 (PML4E) .. 0 (PTE).
 *
 *   63       52 51      M M-1           12 11        0
 *  +-----------+---------+----------------+-----------+
 *  | XD or SVE,| rsvd    |  frame / table |   flags   |   M = MAXPHYADDR
 *  |  ignored  |         |                |           |
 *  +-----------+---------+----------------+-----------+
 */
#ifndef EPTSIM_VERIFY_VFY_BITS_H
#define EPTSIM_VERIFY_VFY_BITS_H

#include <stdbool.h>
#include <stdint.h>

#include "verify/vfy_walk.h"

#define VFY_BIT(n)       (UINT64_C(1) << (n))
/* Bits hi..lo set, hi >= lo. */
#define VFY_BITS(hi, lo) ((~UINT64_C(0) >> (63 - (hi))) & (~UINT64_C(0) << (lo)))

/* Bits 51:12: the address of the next table or of a 4 KiB page. */
#define VFY_ADDR_4K VFY_BITS(51, 12)
#define VFY_ADDR_2M VFY_BITS(51, 21)
#define VFY_ADDR_1G VFY_BITS(51, 30)

#define VFY_LEVEL_PTE   0
#define VFY_LEVEL_PDE   1
#define VFY_LEVEL_PDPTE 2
#define VFY_LEVEL_PML4E 3

/* Static per-level strings, indexed by level: VFY_PER_LEVEL("rule"). */
#define VFY_PER_LEVEL(rule)                                                                        \
	{                                                                                          \
		"PTE " rule, "PDE " rule, "PDPTE " rule, "PML4E " rule                             \
	}

/* Name of a level as the SDM writes it: PML4E, PDPTE, PDE, PTE. */
static inline const char *
vfy_level_name(int level)
{
	static const char *const names[4] = { "PTE", "PDE", "PDPTE", "PML4E" };

	if (level < 0 || level > 3)
		return "L?";
	return names[level];
}

/*
 * Bits 51:MAXPHYADDR, reserved in every present entry (SDM 3A 4.5, 3C
 * 29.3.3.1).  A MAXPHYADDR of 52 or more leaves none.
 */
static inline uint64_t
vfy_phys_reserved(unsigned maxphyaddr)
{
	if (maxphyaddr >= 52)
		return 0;
	return VFY_BITS(51, maxphyaddr);
}

/* Address of the entry for @addr at @level in the table at @table. */
static inline uint64_t
vfy_entry_hpa(uint64_t table, uint64_t addr, int level)
{
	return table + ((addr >> (12 + 9 * level)) & 0x1ff) * 8;
}

/* Size of the page a leaf at @level maps: 4 KiB, 2 MiB or 1 GiB. */
static inline uint64_t
vfy_page_size(int level)
{
	return UINT64_C(1) << (12 + 9 * level);
}

/* Frame of a leaf at @level: bits 51:12, 51:21 or 51:30. */
static inline uint64_t
vfy_leaf_frame(uint64_t entry, int level)
{
	static const uint64_t mask[3] = { VFY_ADDR_4K, VFY_ADDR_2M, VFY_ADDR_1G };

	return entry & mask[level];
}

/*
 * Set @bits in the entry at @hpa as the CPU does, with a fresh read (a
 * table may map itself, so an earlier copy may be stale).  Writes only
 * when a bit changes.  False when @hpa is not memory.
 */
static inline bool
vfy_or64(const struct vfy_mem *mem, uint64_t hpa, uint64_t bits, uint64_t *out)
{
	uint64_t v;

	if (!mem->read64(mem->ctx, hpa, &v))
		return false;
	*out = v | bits;
	if (*out == v)
		return true;
	return mem->write64(mem->ctx, hpa, *out);
}

/* A vfy_mem reading a struct vfy_path (ctx) first, then its memory (vfy_x86.c). */
bool vfy_path_read64(void *ctx, uint64_t hpa, uint64_t *val);

#endif /* EPTSIM_VERIFY_VFY_BITS_H */
