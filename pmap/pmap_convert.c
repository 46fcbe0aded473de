/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * pmap_convert.c - build an EPT pmap from a regular pmap's user range
 * (the vkernel design: the guest's address space, made EPT).
 *
 * Each x86 leaf is decoded into format-free terms and entered again in
 * the EPT format: frame, rights, A/D, wired, managed, device and memory
 * type carry over.  What EPT cannot say is reported, per kind, with the
 * first address it happened at; nothing is lost silently:
 *   - PWT/PCD on a table entry: EPT table entries hold no cache bits
 *     (SDM 3C 29.3.2, bits 7:3 / 6:3 reserved in non-leaf entries);
 *   - a user-range leaf without U/S: EPT has no user/supervisor bit;
 *   - G: EPT has no global translations;
 *   - PAT UC-: EPT memory types have no UC- (SDM 3C 29.3.7); it is UC.
 * The conversion cannot be reverted: the EPT pmap does not remember these.
 */
#include "pmap_var.h"

static const char *const pmap_loss_names[PMAP_LOSS_COUNT] = {
	[PMAP_LOSS_NONLEAF_CACHE] = "cache bits on a table entry",
	[PMAP_LOSS_SUPERVISOR] = "supervisor-only page",
	[PMAP_LOSS_GLOBAL] = "global page",
	[PMAP_LOSS_UC_MINUS] = "UC- memory type",
};

const char *
pmap_loss_name(enum pmap_loss loss)
{
	return (unsigned)loss < PMAP_LOSS_COUNT ? pmap_loss_names[loss] : "?";
}

struct pmap_convert {
	struct pmap *src, *dst;
	uint64_t sva, last;
	struct pmap_convert_report *rep;
	int error;
};

static void
pmap_convert_lost(struct pmap_convert *c, enum pmap_loss loss, uint64_t va)
{
	if (c->rep->lost[loss]++ == 0)
		c->rep->first_lost_va[loss] = va;
}

/*
 * Enter @m in the EPT pmap.  With emulated A/D, "accessed" is R, and an
 * entry may not lack it where that would be a misconfiguration (W, or X
 * without execute-only): such a leaf arrives accessed, as pmap_enter()
 * makes every leaf.
 */
static void
pmap_convert_enter(struct pmap_convert *c, uint64_t va, const struct pmap_mapping *m)
{
	struct pmap_mapping em = *m;

	if (!em.accessed && !pmap_safe_to_clear_referenced(c->dst, pmap_pte_encode(c->dst, &em)))
		em.accessed = true;
	if (c->error == PMAP_OK)
		c->error = pmap_enter_pte(c->dst, va, pmap_pte_encode(c->dst, &em), em.level);
	if (c->error == PMAP_OK)
		c->rep->leaves[em.level]++;
}

/*
 * Convert the leaf @pte at @va (@level).  A 2 MiB leaf stays one when the
 * range holds all of it and @dst allows superpages; else the part in range
 * goes as 4 KiB leaves.
 */
static void
pmap_convert_leaf(struct pmap_convert *c, pmap_pte_t pte, uint64_t va, int level)
{
	struct pmap_mapping m;
	uint64_t size = pmap_level_size(level), off;

	pmap_pte_decode(c->src, pte, level, &m);
	if (m.prot == VM_PROT_NONE || m.memattr == PMAP_MA_COUNT)
		PMAP_PANIC("pmap_convert: undecodable leaf va=%#lx pte=%#lx level=%d", va, pte,
		           level);
	if (!m.user)
		pmap_convert_lost(c, PMAP_LOSS_SUPERVISOR, va);
	if (m.global)
		pmap_convert_lost(c, PMAP_LOSS_GLOBAL, va);
	if (m.memattr == PMAP_MA_UC_MINUS)
		pmap_convert_lost(c, PMAP_LOSS_UC_MINUS, va);
	m.user = m.global = false;
	if (level == PMAP_LEVEL_4K ||
	    ((c->dst->pm_flags & PMAP_PDE_SUPERPAGE) && va >= c->sva && va + size - 1 <= c->last)) {
		pmap_convert_enter(c, va, &m);
		return;
	}
	m.level = PMAP_LEVEL_4K;
	for (off = 0; off < size; off += PMAP_PAGE_SIZE) {
		struct pmap_mapping m4 = m;

		m4.hpa = m.hpa + off;
		if (va + off >= c->sva && va + off <= c->last)
			pmap_convert_enter(c, va + off, &m4);
	}
}

/* Visit the entries of @table (at @level, mapping from @base) in range. */
static void
pmap_convert_table(struct pmap_convert *c, uint64_t table, int level, uint64_t base)
{
	const struct pmap *src = c->src;
	uint64_t size = pmap_level_size(level);
	unsigned i;

	for (i = 0; i < PMAP_NPTE && c->error == PMAP_OK; i++) {
		pmap_pte_t pte = pmap_table(table)[i];
		uint64_t va = base + i * size;

		if (va > c->last || va + size - 1 < c->sva || !pmap_pte_valid(src, pte))
			continue;
		if (pmap_pte_is_leaf(src, pte, level)) {
			pmap_convert_leaf(c, pte, va, level);
			continue;
		}
		if (pte & src->pmap_bits[PMAP_BIT_N])
			pmap_convert_lost(c, PMAP_LOSS_NONLEAF_CACHE, va);
		pmap_convert_table(c, pte & PMAP_FRAME_4K, level - 1, va);
	}
}

static void
pmap_convert_report_zero(struct pmap_convert_report *rep)
{
	int i;

	rep->leaves[0] = rep->leaves[1] = 0;
	for (i = 0; i < PMAP_LOSS_COUNT; i++)
		rep->lost[i] = rep->first_lost_va[i] = 0;
}

/*
 * Enter every mapping of the x86 pmap @src in [sva, eva) into the empty
 * EPT pmap @dst at the same address (gva becomes gpa), and report in @rep
 * what EPT could not say.  Refuses (PMAP_EINVAL) kernel addresses, a
 * non-empty @dst and wrong pmap types.  On PMAP_ENOMEM @dst is empty
 * again, as it was.
 */
int
pmap_convert_to_ept(struct pmap *src, struct pmap *dst, uint64_t sva, uint64_t eva,
                    struct pmap_convert_report *rep)
{
	struct pmap_convert c = { src, dst, sva, eva - 1, rep, PMAP_OK };
	uint64_t keep = dst->pm_stats.pv_chunks;

	if (src->pm_type != PMAP_TYPE_X86 || dst->pm_type != PMAP_TYPE_EPT ||
	    dst->pm_stats.resident_count != 0 || sva >= eva || eva > PMAP_USER_MAX ||
	    ((sva | eva) & (PMAP_PAGE_SIZE - 1)) != 0)
		return PMAP_EINVAL;
	pmap_convert_report_zero(rep);
	pmap_convert_table(&c, src->pm_root_hpa, PMAP_NLEVELS - 1, 0);
	if (c.error != PMAP_OK) {
		/* Cannot fail: every 2 MiB leaf entered lies wholly in range. */
		(void)pmap_remove_forget_ad(dst, sva, eva);
		pmap_pv_trim(dst, keep);
		pmap_convert_report_zero(rep);
	}
	return c.error;
}
