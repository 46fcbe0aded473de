/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * vm_pmap.c - a vmspace's pmaps, as the replay mode has them:
 *   pair     a regular x86 pmap and an EPT pmap, both entered on every
 *            fault (the seed design: the guest runs on EPT, the kernel's
 *            copyin/copyout use the regular tables);
 *   convert  the regular pmap only (converted to EPT at check points);
 *   ept      the EPT pmap only.
 * A pmap call that runs out of pages is retried after the pageout daemon
 * has freed some; only when it cannot is the replay stopped.
 */
#include "sim/vm.h"

static uint32_t
sim_ept_flags(const struct sim *s)
{
	uint32_t flags = PMAP_PDE_SUPERPAGE | PMAP_SUPPORTS_EXEC_ONLY;

	if (s->cfg.ad == SIM_AD_EMULATED)
		flags = PMAP_PDE_SUPERPAGE | PMAP_EMULATE_AD_BITS;
	return flags;
}

int
sim_pmaps_init(struct sim *s, struct sim_vmspace *vs)
{
	vs->has_x86 = s->cfg.mode != SIM_MODE_EPT;
	vs->has_ept = s->cfg.mode != SIM_MODE_CONVERT;
	if (vs->has_x86 && pmap_pinit(&vs->x86, PMAP_TYPE_X86, PMAP_PDE_SUPERPAGE, vs) != 0) {
		vs->has_x86 = vs->has_ept = false;
		return sim_fail(s, "no memory for vmspace %u's page tables", vs->id);
	}
	if (vs->has_ept && pmap_pinit(&vs->ept, PMAP_TYPE_EPT, sim_ept_flags(s), vs) != 0) {
		vs->has_ept = false;
		return sim_fail(s, "no memory for vmspace %u's EPT tables", vs->id);
	}
	return 0;
}

void
sim_pmaps_release(struct sim *s, struct sim_vmspace *vs)
{
	if (vs->has_x86)
		pmap_release(&vs->x86);
	if (vs->has_ept)
		pmap_release(&vs->ept);
	vs->has_x86 = vs->has_ept = false;
}

/* Call @op on each pmap; on ENOMEM page out and try again, then give up. */
#define SIM_PMAPS_EACH(s, vs, what, call)                                                          \
	do {                                                                                       \
		struct pmap *pms_[2] = { (vs)->has_x86 ? &(vs)->x86 : NULL,                        \
			                 (vs)->has_ept ? &(vs)->ept : NULL };                      \
		int i_, err_;                                                                      \
		for (i_ = 0; i_ < 2; i_++) {                                                       \
			struct pmap *pm = pms_[i_];                                                \
			if (pm == NULL)                                                            \
				continue;                                                          \
			while ((err_ = (call)) == PMAP_ENOMEM && sim_pageout(s, 0) != 0)           \
				;                                                                  \
			if (err_ != PMAP_OK)                                                       \
				return sim_fail(s, "%s in vmspace %u failed: %s", what, (vs)->id,  \
				                err_ == PMAP_ENOMEM ? "physical memory is full"    \
				                                    : "invalid request");          \
		}                                                                                  \
		return 0;                                                                          \
	} while (0)

int
sim_pmaps_enter(struct sim *s, struct sim_vmspace *vs, uint64_t va, uint64_t hpa, vm_prot_t prot,
                uint32_t flags, enum pmap_memattr ma, enum pmap_level lvl)
{
	SIM_PMAPS_EACH(s, vs, "pmap_enter", pmap_enter(pm, va, hpa, prot, flags, ma, lvl));
}

int
sim_pmaps_remove(struct sim *s, struct sim_vmspace *vs, uint64_t sva, uint64_t eva)
{
	SIM_PMAPS_EACH(s, vs, "pmap_remove", pmap_remove(pm, sva, eva));
}

int
sim_pmaps_protect(struct sim *s, struct sim_vmspace *vs, uint64_t sva, uint64_t eva, vm_prot_t prot)
{
	SIM_PMAPS_EACH(s, vs, "pmap_protect", pmap_protect(pm, sva, eva, prot));
}

int
sim_pmaps_unwire(struct sim *s, struct sim_vmspace *vs, uint64_t sva, uint64_t eva)
{
	SIM_PMAPS_EACH(s, vs, "pmap_unwire", pmap_unwire(pm, sva, eva));
}
