/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * pmap_formats.c - the two vocabularies.  A pmap copies one of these at
 * pmap_pinit() and never looks at its type again to build an entry.
 *
 * role        x86 (SDM 3A 4.5)     EPT (SDM 3C 29.3.2)   EPT, emulated A/D
 * ----------  -------------------  --------------------  -----------------
 * valid       P (bit 0)            R|X (bits 0, 2)       soft V (bit 53)
 * rw          RW (bit 1)           W (bit 1)             soft RW (bit 54)
 * user        U/S (bit 2)          -                     -
 * accessed    A (bit 5)            A (bit 8)             R (bit 0)
 * modified    D (bit 6)            D (bit 9)             W (bit 1)
 * page size   PS (bit 7)           PS (bit 7)            PS (bit 7)
 * global      G (bit 8)            -                     -
 * wired       avail1 (bit 9)       avail1 (bit 10)       avail1 (bit 10)
 * managed     avail2 (bit 10)      avail2 (bit 11)       avail2 (bit 11)
 * device      avail3 (bit 11)      avail3 (bit 52)       avail3 (bit 52)
 * uncacheable PCD|PWT (bits 4, 3)  IPAT|UC (bit 6, 0)    IPAT|UC
 * no-execute  XD (bit 63)          "no X": X cleared     "no X"
 */
#include "pmap_var.h"

struct pmap_format {
	pmap_pte_t bits[PMAP_BIT_COUNT];
	pmap_pte_t cache_bits[2][PMAP_MA_COUNT];
	pmap_pte_t cache_mask[2];
	pmap_pte_t codes[VM_PROT_ALL + 1];
	pmap_pte_t valid_mask;
	pmap_pte_t nonleaf_bits;
};

#define R VM_PROT_READ
#define W VM_PROT_WRITE
#define X VM_PROT_EXECUTE

/*
 * x86: cache bits select a PAT entry of X86_PAT_MSR.  The PAT bit is bit 7
 * in a PTE and bit 12 in a 2 MiB PDE (SDM 3A table 4-18 vs 4-19).
 */
#define X86_CACHE(pat)                                                                             \
	{                                                                                          \
		[PMAP_MA_WB] = 0, [PMAP_MA_WT] = X86_PG_PWT, [PMAP_MA_UC_MINUS] = X86_PG_PCD,      \
		[PMAP_MA_UC] = X86_PG_PCD | X86_PG_PWT, [PMAP_MA_WP] = (pat),                      \
		[PMAP_MA_WC] = (pat) | X86_PG_PWT,                                                 \
	}

static const struct pmap_format pmap_format_x86 = {
	.bits =
		{
			[PMAP_BIT_TYPE] = PMAP_TYPE_X86,
			[PMAP_BIT_V] = X86_PG_V,
			[PMAP_BIT_RW] = X86_PG_RW,
			[PMAP_BIT_U] = X86_PG_U,
			[PMAP_BIT_A] = X86_PG_A,
			[PMAP_BIT_M] = X86_PG_M,
			[PMAP_BIT_PS] = X86_PG_PS,
			[PMAP_BIT_G] = X86_PG_G,
			[PMAP_BIT_W] = X86_PG_AVAIL1,
			[PMAP_BIT_MANAGED] = X86_PG_AVAIL2,
			[PMAP_BIT_DEVICE] = X86_PG_AVAIL3,
			[PMAP_BIT_N] = X86_PG_PCD | X86_PG_PWT,
			[PMAP_BIT_NX] = X86_PG_NX,
		},
	.cache_bits = {X86_CACHE(X86_PG_PTE_PAT), X86_CACHE(X86_PG_PDE_PAT)},
	.cache_mask = {X86_PG_PCD | X86_PG_PWT | X86_PG_PTE_PAT,
		       X86_PG_PCD | X86_PG_PWT | X86_PG_PDE_PAT},
	/* x86 cannot say write-only or execute-only: W implies R, X implies R. */
	.codes =
		{
			[R] = X86_PG_V | X86_PG_NX,
			[W] = X86_PG_V | X86_PG_RW | X86_PG_NX,
			[R | W] = X86_PG_V | X86_PG_RW | X86_PG_NX,
			[X] = X86_PG_V,
			[R | X] = X86_PG_V,
			[W | X] = X86_PG_V | X86_PG_RW,
			[R | W | X] = X86_PG_V | X86_PG_RW,
		},
	.valid_mask = X86_PG_V,
	.nonleaf_bits = X86_PG_V | X86_PG_RW | X86_PG_U | X86_PG_A,
};

/*
 * EPT: the memory type sits in every leaf (4 KiB and 2 MiB alike) with
 * ignore-PAT set, so the guest's PAT has no say.  UC- does not exist in EPT
 * and becomes UC.
 */
#define EPT_CACHE(t) (EPT_PG_IGNORE_PAT | ((pmap_pte_t)(t) << EPT_PG_MEMTYPE_SHIFT))
#define EPT_CACHE_ALL                                                                              \
	{                                                                                          \
		[PMAP_MA_UC] = EPT_CACHE(PMAP_MA_UC), [PMAP_MA_WC] = EPT_CACHE(PMAP_MA_WC),        \
		[PMAP_MA_WT] = EPT_CACHE(PMAP_MA_WT), [PMAP_MA_WP] = EPT_CACHE(PMAP_MA_WP),        \
		[PMAP_MA_WB] = EPT_CACHE(PMAP_MA_WB), [PMAP_MA_UC_MINUS] = EPT_CACHE(PMAP_MA_UC),  \
	}

#define EPT_COMMON_BITS                                                                            \
	[PMAP_BIT_TYPE] = PMAP_TYPE_EPT, [PMAP_BIT_U] = 0, [PMAP_BIT_PS] = EPT_PG_PS,              \
	[PMAP_BIT_G] = 0, [PMAP_BIT_W] = EPT_PG_AVAIL1, [PMAP_BIT_MANAGED] = EPT_PG_AVAIL2,        \
	[PMAP_BIT_DEVICE] = EPT_PG_AVAIL3, [PMAP_BIT_N] = EPT_CACHE(PMAP_MA_UC), [PMAP_BIT_NX] = 0

static const struct pmap_format pmap_format_ept = {
	.bits =
		{
			EPT_COMMON_BITS,
			[PMAP_BIT_V] = EPT_PG_READ | EPT_PG_EXECUTE,
			[PMAP_BIT_RW] = EPT_PG_WRITE,
			[PMAP_BIT_A] = EPT_PG_A,
			[PMAP_BIT_M] = EPT_PG_M,
		},
	.cache_bits = {EPT_CACHE_ALL, EPT_CACHE_ALL},
	.cache_mask = {EPT_PG_IGNORE_PAT | EPT_PG_MEMTYPE_MASK,
		       EPT_PG_IGNORE_PAT | EPT_PG_MEMTYPE_MASK},
	/* XWR=010 is a misconfiguration, so W always brings R. */
	.codes =
		{
			[R] = EPT_PG_READ,
			[W] = EPT_PG_READ | EPT_PG_WRITE,
			[R | W] = EPT_PG_READ | EPT_PG_WRITE,
			[X] = EPT_PG_READ | EPT_PG_EXECUTE, /* EPT_PG_EXECUTE if exec-only */
			[R | X] = EPT_PG_READ | EPT_PG_EXECUTE,
			[W | X] = EPT_PG_RWX,
			[R | W | X] = EPT_PG_RWX,
		},
	.valid_mask = EPT_PG_RWX,
	.nonleaf_bits = EPT_PG_RWX,
};

/*
 * EPT without hardware A/D (FreeBSD's emulation): "accessed" is the R
 * permission and "modified" the W permission, withheld until the guest's
 * access takes an EPT violation that pmap_emulate_ad() answers.  Valid and
 * writable move to software bits.
 */
static const struct pmap_format pmap_format_ept_emul = {
	.bits =
		{
			EPT_COMMON_BITS,
			[PMAP_BIT_V] = EPT_PG_EMUL_V,
			[PMAP_BIT_RW] = EPT_PG_EMUL_RW,
			[PMAP_BIT_A] = EPT_PG_READ,
			[PMAP_BIT_M] = EPT_PG_WRITE,
		},
	.cache_bits = {EPT_CACHE_ALL, EPT_CACHE_ALL},
	.cache_mask = {EPT_PG_IGNORE_PAT | EPT_PG_MEMTYPE_MASK,
		       EPT_PG_IGNORE_PAT | EPT_PG_MEMTYPE_MASK},
	.codes =
		{
			[R] = EPT_PG_EMUL_V,
			[W] = EPT_PG_EMUL_V | EPT_PG_EMUL_RW,
			[R | W] = EPT_PG_EMUL_V | EPT_PG_EMUL_RW,
			[X] = EPT_PG_EMUL_V | EPT_PG_EXECUTE,
			[R | X] = EPT_PG_EMUL_V | EPT_PG_EXECUTE,
			[W | X] = EPT_PG_EMUL_V | EPT_PG_EMUL_RW | EPT_PG_EXECUTE,
			[R | W | X] = EPT_PG_EMUL_V | EPT_PG_EMUL_RW | EPT_PG_EXECUTE,
		},
	.valid_mask = EPT_PG_EMUL_V,
	.nonleaf_bits = EPT_PG_RWX | EPT_PG_EMUL_V | EPT_PG_EMUL_RW,
};

#undef R
#undef W
#undef X

bool
pmap_memattr_valid(int ma)
{
	return ma >= 0 && ma < PMAP_MA_COUNT && ma != 2 && ma != 3;
}

static const struct pmap_format *
pmap_format_pick(enum pmap_type type, uint32_t flags)
{
	if (type == PMAP_TYPE_X86)
		return &pmap_format_x86;
	if (flags & PMAP_EMULATE_AD_BITS)
		return &pmap_format_ept_emul;
	return &pmap_format_ept;
}

/*
 * Fill @pm's vocabulary for @type and @flags.  The only flag-dependent
 * entry is EPT's execute-only code: XWR=100 is legal only where the CPU
 * reports execute-only support (SDM 3C 29.3.3.1); in the emulated-A/D
 * format X never needs R, which is granted with "accessed".
 */
void
pmap_format_apply(struct pmap *pm, enum pmap_type type, uint32_t flags)
{
	const struct pmap_format *f = pmap_format_pick(type, flags);
	int i, lvl;

	for (i = 0; i < PMAP_BIT_COUNT; i++)
		pm->pmap_bits[i] = f->bits[i];
	for (lvl = 0; lvl < 2; lvl++) {
		for (i = 0; i < PMAP_MA_COUNT; i++)
			pm->pmap_cache_bits[lvl][i] = f->cache_bits[lvl][i];
		pm->pmap_cache_mask[lvl] = f->cache_mask[lvl];
	}
	pm->pm_prot_mask = 0;
	for (i = 0; i <= VM_PROT_ALL; i++) {
		pm->protection_codes[i] = f->codes[i];
		pm->pm_prot_mask |= f->codes[i];
	}
	if (f == &pmap_format_ept && (flags & PMAP_SUPPORTS_EXEC_ONLY))
		pm->protection_codes[VM_PROT_EXECUTE] = EPT_PG_EXECUTE;
	pm->pm_valid_mask = f->valid_mask;
	pm->pm_nonleaf_bits = f->nonleaf_bits;
	pm->pm_type = type;
	pm->pm_flags = flags;
}
