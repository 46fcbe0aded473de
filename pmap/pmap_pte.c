/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * pmap_pte.c - leaf entries to and from format-free mappings, through the
 * pmap's own vocabulary.  Nothing here knows which format it speaks.
 */
#include "pmap_var.h"

static int
pmap_cache_level(int level)
{
	return level == PMAP_LEVEL_4K ? 0 : 1;
}

/* The leaf entry that says @m in @pm's format. */
pmap_pte_t
pmap_pte_encode(const struct pmap *pm, const struct pmap_mapping *m)
{
	const pmap_pte_t *bits = pm->pmap_bits;
	pmap_pte_t pte;

	pte = m->hpa | pm->protection_codes[m->prot] |
	      pm->pmap_cache_bits[pmap_cache_level(m->level)][m->memattr];
	if (m->level != PMAP_LEVEL_4K)
		pte |= bits[PMAP_BIT_PS];
	if (m->accessed)
		pte |= bits[PMAP_BIT_A];
	if (m->modified)
		pte |= bits[PMAP_BIT_M];
	if (m->wired)
		pte |= bits[PMAP_BIT_W];
	if (m->managed)
		pte |= bits[PMAP_BIT_MANAGED];
	if (m->device)
		pte |= bits[PMAP_BIT_DEVICE];
	if (m->user)
		pte |= bits[PMAP_BIT_U];
	if (m->global)
		pte |= bits[PMAP_BIT_G];
	return pte;
}

/*
 * The rights a leaf grants: the widest VM_PROT whose code matches, so an
 * x86 entry without XD reads back as R|X, never as X alone.  0 when no
 * code matches (not a leaf of this pmap).
 */
vm_prot_t
pmap_pte_prot(const struct pmap *pm, pmap_pte_t pte)
{
	pmap_pte_t field = pte & pm->pm_prot_mask;
	int p;

	for (p = VM_PROT_ALL; p > VM_PROT_NONE; p--)
		if (pm->protection_codes[p] == field)
			return (vm_prot_t)p;
	return VM_PROT_NONE;
}

/* @pte with its permission field replaced by the code for @prot. */
pmap_pte_t
pmap_pte_set_prot(const struct pmap *pm, pmap_pte_t pte, vm_prot_t prot)
{
	return (pte & ~pm->pm_prot_mask) | pm->protection_codes[prot];
}

static enum pmap_memattr
pmap_pte_memattr(const struct pmap *pm, pmap_pte_t pte, int level)
{
	int lvl = pmap_cache_level(level);
	pmap_pte_t field = pte & pm->pmap_cache_mask[lvl];
	int ma;

	for (ma = 0; ma < PMAP_MA_COUNT; ma++)
		if (pmap_memattr_valid(ma) && pm->pmap_cache_bits[lvl][ma] == field)
			return (enum pmap_memattr)ma;
	return PMAP_MA_COUNT;
}

/*
 * Decode a valid leaf at @level.  memattr is PMAP_MA_COUNT when the cache
 * bits name no type this pmap writes (e.g. x86 PAT entries 6 and 7).
 */
void
pmap_pte_decode(const struct pmap *pm, pmap_pte_t pte, int level, struct pmap_mapping *m)
{
	const pmap_pte_t *bits = pm->pmap_bits;

	m->pte = pte;
	m->hpa = pmap_leaf_frame(pte, level);
	m->level = (enum pmap_level)level;
	m->prot = pmap_pte_prot(pm, pte);
	m->memattr = pmap_pte_memattr(pm, pte, level);
	m->accessed = (pte & bits[PMAP_BIT_A]) != 0;
	m->modified = (pte & bits[PMAP_BIT_M]) != 0;
	m->wired = (pte & bits[PMAP_BIT_W]) != 0;
	m->managed = (pte & bits[PMAP_BIT_MANAGED]) != 0;
	m->device = (pte & bits[PMAP_BIT_DEVICE]) != 0;
	m->user = (pte & bits[PMAP_BIT_U]) != 0;
	m->global = (pte & bits[PMAP_BIT_G]) != 0;
}

/*
 * May "accessed" be cleared from @pte?  Always, unless A/D is emulated:
 * there A is the R permission, and
 *   XWR = 010 or 110 is an EPT misconfiguration, so R stays while W is set;
 *   XWR = 100 is legal only with execute-only support (SDM 3C 29.3.3.1).
 */
bool
pmap_safe_to_clear_referenced(const struct pmap *pm, pmap_pte_t pte)
{
	if ((pm->pm_flags & PMAP_EMULATE_AD_BITS) == 0)
		return true;
	if (pte & EPT_PG_WRITE)
		return false;
	return (pte & EPT_PG_EXECUTE) == 0 || (pm->pm_flags & PMAP_SUPPORTS_EXEC_ONLY) != 0;
}
