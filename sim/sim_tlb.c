/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * sim_tlb.c - per-cpu TLBs (see mmu.h): set associative for 4 KiB pages,
 * a small fully associative array for large ones, replaced round robin.
 * An entry is tagged with its pmap, which stands for the CR3/PCID or the
 * EPTP it was filled under, and with the pmap's TLB generation: a flush
 * of a whole pmap (full flush, INVEPT) moves the generation on instead of
 * visiting every entry of every CPU, and an entry of an older generation
 * is empty.
 */
#include "sim/mmu.h"
#include "sim/report.h"

/*
 * The TLB generation of @pm: a vmspace's own pmaps keep one; any other
 * (a conversion's scratch EPT pmap, or a pmap no vmspace owns, such as
 * the hardware runner's on the host, pm_plat NULL) has none, and its
 * flushes visit the entries.
 */
static uint64_t *
sim_tlb_genp(struct pmap *pm)
{
	struct sim_vmspace *vs = pm->pm_plat;

	if (vs == NULL)
		return NULL;
	if (pm == &vs->x86)
		return &vs->tlb_gen[0];
	if (pm == &vs->ept)
		return &vs->tlb_gen[1];
	return NULL;
}

static uint64_t
sim_tlb_gen(struct pmap *pm)
{
	uint64_t *genp = sim_tlb_genp(pm);

	return genp != NULL ? *genp : 0;
}

/*
 * The CPUs that may hold entries of @pm: those that filled one for a pmap
 * of its vmspace (a fill records itself there); any CPU used for a pmap
 * without a vmspace.
 */
static uint64_t
sim_tlb_cpus(const struct sim *s, struct pmap *pm)
{
	const struct sim_vmspace *vs = pm->pm_plat;

	return (vs != NULL ? vs->tlb_cpus : ~0ul) & s->cpus_used;
}

/* Does @t hold a translation (of its pmap's current generation)? */
static bool
sim_tlb_live(const struct sim_tlb_entry *t)
{
	return t->pm != NULL && t->gen == sim_tlb_gen(t->pm);
}

static void
sim_tlb_clear(struct sim_cpu *c, struct sim_tlb_entry *t)
{
	unsigned i = (unsigned)(t - c->tlb);

	t->pm = NULL;
	c->tag[i] = NULL;
	if (i >= SIM_TLB_LARGE_BASE)
		c->large_used &= ~(1u << (i - SIM_TLB_LARGE_BASE));
}

/* @gen: the current generation of @pm. */
static bool
sim_tlb_covers(const struct sim_tlb_entry *t, struct pmap *pm, uint64_t gen, uint64_t va)
{
	return t->pm == pm && t->gen == gen && va >= t->va && va - t->va < t->size;
}

/* The ways of the 4 KiB set @va falls in. */
static struct sim_tlb_entry *
sim_tlb_set(struct sim_cpu *c, uint64_t va)
{
	return &c->tlb[((va >> PMAP_PAGE_SHIFT) % SIM_TLB_SETS) * SIM_TLB_WAYS];
}

struct sim_tlb_entry *
sim_tlb_lookup(struct sim *s, unsigned cpu, struct pmap *pm, uint64_t va)
{
	struct sim_cpu *c = &s->cpu[cpu];
	struct sim_tlb_entry *set = sim_tlb_set(c, va);
	uint64_t gen = sim_tlb_gen(pm);
	uint32_t used;
	unsigned i;

	for (i = 0; i < SIM_TLB_WAYS; i++)
		if (sim_tlb_covers(&set[i], pm, gen, va))
			return &set[i];
	for (used = c->large_used; used != 0; used &= used - 1) {
		i = SIM_TLB_LARGE_BASE + (unsigned)__builtin_ctz(used);
		if (sim_tlb_covers(&c->tlb[i], pm, gen, va))
			return &c->tlb[i];
	}
	return NULL;
}

/* The slot a new translation of @size for @va goes to (round robin). */
static struct sim_tlb_entry *
sim_tlb_victim(struct sim_cpu *c, uint64_t va, uint64_t size)
{
	if (size == PMAP_PAGE_SIZE) {
		unsigned set = (va >> PMAP_PAGE_SHIFT) % SIM_TLB_SETS;

		return &sim_tlb_set(c, va)[c->victim[set]++ % SIM_TLB_WAYS];
	}
	return &c->tlb[SIM_TLB_LARGE_BASE + c->large_victim++ % SIM_TLB_LARGE];
}

/*
 * Large slot @i of @cpu now holds an entry of @pm: its vmspace's mask
 * gains the slot, the previous holder's loses it.  A vmspace's mask is a
 * superset of the large slots holding its pmaps' entries, so range checks
 * visit only those.
 */
static void
sim_tlb_large_owner(struct sim_cpu *c, unsigned cpu, unsigned i, struct pmap *pm)
{
	struct pmap *old = c->tag[SIM_TLB_LARGE_BASE + i];

	if (old != NULL && old != pm && sim_tlb_genp(old) != NULL)
		((struct sim_vmspace *)old->pm_plat)->tlb_large[cpu] &= ~(1u << i);
	if (sim_tlb_genp(pm) != NULL)
		((struct sim_vmspace *)pm->pm_plat)->tlb_large[cpu] |= 1u << i;
	c->large_used |= 1u << i;
}

void
sim_tlb_fill(struct sim *s, unsigned cpu, struct pmap *pm, uint64_t va, const struct sim_walk *w)
{
	struct sim_cpu *c = &s->cpu[cpu];
	struct sim_tlb_entry *t = sim_tlb_lookup(s, cpu, pm, va);

	if (t == NULL || t->size != w->page_size) {
		if (t != NULL)
			sim_tlb_clear(c, t);
		t = sim_tlb_victim(c, va, w->page_size);
	}
	s->cpus_used |= 1ul << cpu;
	if (pm->pm_plat != NULL)
		((struct sim_vmspace *)pm->pm_plat)->tlb_cpus |= 1ul << cpu;
	if (t - c->tlb >= SIM_TLB_LARGE_BASE)
		sim_tlb_large_owner(c, cpu, (unsigned)(t - c->tlb - SIM_TLB_LARGE_BASE), pm);
	t->pm = pm;
	c->tag[t - c->tlb] = pm;
	t->gen = sim_tlb_gen(pm);
	t->size = w->page_size;
	t->va = va & ~(w->page_size - 1);
	t->hpa = w->hpa - (va - t->va);
	t->r = w->r;
	t->w = w->w;
	t->x = w->x;
	t->dirty = w->dirty;
	t->filled_event = s->report ? s->report->event_no : 0;
}

/* What a fault on @va does to @cpu's TLB (SDM 3A 4.10.4.1, 3C 29.4.3.1). */
void
sim_tlb_drop_va(struct sim *s, unsigned cpu, struct pmap *pm, uint64_t va)
{
	struct sim_tlb_entry *t;

	while ((t = sim_tlb_lookup(s, cpu, pm, va)) != NULL)
		sim_tlb_clear(&s->cpu[cpu], t);
}

/*
 * Empty every entry of @pm (a pmap of @vs, maybe unused; @vs NULL for a
 * pmap without a vmspace), of any generation.
 */
static void
sim_tlb_visit_drop(struct sim *s, struct sim_vmspace *vs, struct pmap *pm)
{
	uint64_t cpus;
	unsigned cpu, i;

	for (cpus = (vs != NULL ? vs->tlb_cpus : ~0ul) & s->cpus_used; cpus != 0;
	     cpus &= cpus - 1) {
		cpu = (unsigned)__builtin_ctzll(cpus);
		for (i = 0; i < SIM_TLB_ALL; i++)
			if (s->cpu[cpu].tag[i] == pm)
				sim_tlb_clear(&s->cpu[cpu], &s->cpu[cpu].tlb[i]);
	}
}

void
sim_tlb_drop_pmap(struct sim *s, struct pmap *pm)
{
	uint64_t *genp = sim_tlb_genp(pm);

	if (genp != NULL)
		*genp = ++s->tlb_gen;
	else
		sim_tlb_visit_drop(s, pm->pm_plat, pm);
}

void
sim_tlb_forget_vmspace(struct sim *s, struct sim_vmspace *vs)
{
	sim_tlb_visit_drop(s, vs, &vs->x86);
	sim_tlb_visit_drop(s, vs, &vs->ept);
}

/*
 * The seam's invalidations reach every CPU (the kernel's shootdown) and
 * the oracle's; skip-inval makes the simulated CPUs ignore them, while
 * skip-invlpg loses the pmap's INVLPG in the seam, before any CPU.
 */
static void
sim_tlb_invlpg(void *ctx, struct pmap *pm, uint64_t va)
{
	struct sim *s = ctx;
	unsigned cpu;
	uint64_t cpus;

	if (s->cfg.inject & SIM_INJECT_SKIP_INVLPG)
		return; /* lost before any CPU, the oracle's included, sees it */
	if (s->cfg.oracle != NULL)
		s->cfg.oracle->invlpg(s->cfg.oracle->arg, pm, va);
	if (s->cfg.inject & SIM_INJECT_SKIP_INVAL)
		return;
	for (cpus = sim_tlb_cpus(s, pm); cpus != 0; cpus &= cpus - 1) {
		cpu = (unsigned)__builtin_ctzll(cpus);
		sim_tlb_drop_va(s, cpu, pm, va);
	}
}

static void
sim_tlb_invltlb(void *ctx, struct pmap *pm)
{
	struct sim *s = ctx;

	if (s->cfg.oracle != NULL)
		s->cfg.oracle->invltlb(s->cfg.oracle->arg, pm);
	if (!(s->cfg.inject & SIM_INJECT_SKIP_INVAL))
		sim_tlb_drop_pmap(s, pm);
}

static void
sim_tlb_invept(void *ctx, struct pmap *pm, uint64_t eptp)
{
	struct sim *s = ctx;

	(void)eptp; /* one EPTP per pmap: the pmap is the tag */
	if (!(s->cfg.inject & SIM_INJECT_SKIP_INVAL))
		sim_tlb_drop_pmap(s, pm);
}

static void sim_tlb_page_free(void *ctx, struct pmap *pm, uint64_t hpa);

void
sim_tlb_init(struct sim *s)
{
	s->sp->hooks.invlpg = sim_tlb_invlpg;
	s->sp->hooks.invltlb = sim_tlb_invltlb;
	s->sp->hooks.invept = sim_tlb_invept;
	s->sp->hooks.page_free = sim_tlb_page_free;
	s->sp->hooks.ctx = s;
}

/*
 * A cached translation may grant less than the tables (a later upgrade;
 * the CPU takes a spurious fault) but never more, and never another
 * frame: that would be a missing invalidation.
 */
/* Does the translation @w of page @off of @t's span still allow what @t caches? */
static bool
sim_tlb_page_stale(const struct sim_tlb_entry *t, uint64_t off, const struct sim_walk *w)
{
	if (!w->ok || w->hpa != t->hpa + off)
		return true;
	return (t->r && !w->r) || (t->w && !w->w) || (t->x && !w->x);
}

/*
 * A cached translation may grant less than the tables (a later upgrade;
 * the CPU takes a spurious fault) but never more, and never another
 * frame: that would be a missing invalidation.  A large entry the tables
 * now map with smaller pages (a demotion) must still hold for every 4 KiB
 * page of its span.
 */
static bool
sim_tlb_stale(struct sim *s, const struct sim_tlb_entry *t, struct sim_walk *w)
{
	uint64_t off;

	sim_mmu_walk(s, t->pm, t->va, w);
	if (sim_tlb_page_stale(t, 0, w))
		return true;
	if (w->page_size >= t->size)
		return false;
	for (off = PMAP_PAGE_SIZE; off < t->size; off += PMAP_PAGE_SIZE) {
		sim_mmu_walk(s, t->pm, t->va + off, w);
		if (sim_tlb_page_stale(t, off, w))
			return true;
	}
	return false;
}

/* Is @t live, of @vs's pmaps (any vmspace's when NULL), and in [sva, eva)? */
static bool
sim_tlb_wanted(const struct sim_tlb_entry *t, struct sim_vmspace *vs, uint64_t sva, uint64_t eva)
{
	if (t->pm == NULL || t->va >= eva || t->va + t->size <= sva)
		return false;
	if (vs != NULL && t->pm->pm_plat != vs)
		return false;
	return sim_tlb_live(t);
}

static uint64_t
sim_tlb_check_one(struct sim *s, unsigned cpu, struct sim_tlb_entry *t)
{
	struct sim_walk w;
	char desc[160];

	if (!sim_tlb_stale(s, t, &w))
		return 0;
	sim_diverge(s, t->pm->pm_plat, t->va, "stale TLB",
	            "cpu %u caches %#lx -> hpa %#lx %c%c%c (%s, filled at event %lu); the tables "
	            "now say: %s",
	            cpu, t->va, t->hpa, t->r ? 'r' : '-', t->w ? 'w' : '-', t->x ? 'x' : '-',
	            t->pm->pm_type == PMAP_TYPE_EPT ? "EPT" : "x86", t->filled_event,
	            sim_walk_describe(&w, desc, sizeof(desc)));
	sim_tlb_clear(&s->cpu[cpu], t); /* reported once */
	return 1;
}

/*
 * May slot @i of @c hold an entry of @vs (of any vmspace when NULL)?
 * From the packed tags, without touching the entry: the CPUs fill
 * entries only for a vmspace's own two pmaps.
 */
static bool
sim_tlb_tagged(const struct sim_cpu *c, unsigned i, struct sim_vmspace *vs)
{
	struct pmap *pm = c->tag[i];

	return pm != NULL && (vs == NULL || pm == &vs->x86 || pm == &vs->ept);
}

/* Slot @i of @c: reported when stale and wanted. */
static uint64_t
sim_tlb_check_slot(struct sim *s, unsigned cpu, unsigned i, struct sim_vmspace *vs, uint64_t sva,
                   uint64_t eva)
{
	struct sim_cpu *c = &s->cpu[cpu];

	if (!sim_tlb_tagged(c, i, vs) || !sim_tlb_wanted(&c->tlb[i], vs, sva, eva))
		return 0;
	return sim_tlb_check_one(s, cpu, &c->tlb[i]);
}

/* The entries of @cpu that may cache [sva, eva): a few sets, or all. */
static uint64_t
sim_tlb_check_cpu(struct sim *s, unsigned cpu, struct sim_vmspace *vs, uint64_t sva, uint64_t eva)
{
	struct sim_cpu *c = &s->cpu[cpu];
	uint64_t found = 0, va;
	uint32_t used;
	unsigned i, set;

	if (eva - sva > SIM_TLB_SETS * PMAP_PAGE_SIZE) {
		for (i = 0; i < SIM_TLB_ALL; i++)
			found += sim_tlb_check_slot(s, cpu, i, vs, sva, eva);
		return found;
	}
	for (va = sva; va < eva; va += PMAP_PAGE_SIZE) {
		set = (unsigned)((va >> PMAP_PAGE_SHIFT) % SIM_TLB_SETS) * SIM_TLB_WAYS;
		for (i = 0; i < SIM_TLB_WAYS; i++)
			found += sim_tlb_check_slot(s, cpu, set + i, vs, sva, eva);
	}
	used = c->large_used & (vs != NULL ? vs->tlb_large[cpu] : ~0u);
	for (; used != 0; used &= used - 1) {
		i = SIM_TLB_LARGE_BASE + (unsigned)__builtin_ctz(used);
		found += sim_tlb_check_slot(s, cpu, i, vs, sva, eva);
	}
	return found;
}

uint64_t
sim_tlb_check(struct sim *s, struct sim_vmspace *vs, uint64_t sva, uint64_t eva)
{
	uint64_t found = 0, cpus = vs != NULL ? vs->tlb_cpus & s->cpus_used : s->cpus_used;
	unsigned cpu;

	sva &= ~(PMAP_PAGE_SIZE - 1);
	for (; cpus != 0; cpus &= cpus - 1) {
		cpu = (unsigned)__builtin_ctzll(cpus);
		found += sim_tlb_check_cpu(s, cpu, vs, sva, eva);
	}
	return found;
}

/*
 * A page the pmap frees (a page table, a pv chunk) may be reused at once,
 * so every invalidation its call owes must be done by then (SDM 3A
 * 4.10.4.1, 3C 29.4.3.1: a CPU may hold translations and paging-structure
 * entries cached through the freed table until the INVLPG/INVEPT).  A
 * translation of @pm that the tables no longer give is one such owed
 * invalidation.  With --check=full only: a walk of every cached
 * translation of @pm at every free costs incremental replays about 9%.
 */
static void
sim_tlb_page_free(void *ctx, struct pmap *pm, uint64_t hpa)
{
	struct sim *s = ctx;
	struct sim_tlb_entry *t;
	struct sim_walk w;
	char desc[160];
	unsigned cpu, i;

	if (s->cfg.check != SIM_CHECK_FULL || (s->cfg.inject & SIM_INJECT_SKIP_INVAL))
		return;
	for (cpu = 0; cpu < SIM_MAX_CPUS; cpu++) {
		for (i = 0; (s->cpus_used >> cpu & 1) && i < SIM_TLB_ALL; i++) {
			t = &s->cpu[cpu].tlb[i];
			if (t->pm != pm || !sim_tlb_live(t) || !sim_tlb_stale(s, t, &w))
				continue;
			sim_diverge(s, pm->pm_plat, t->va, "page freed before invalidation",
			            "the pmap freed its page %#lx while cpu %u caches %#lx -> hpa "
			            "%#lx (%s, filled at event %lu); the tables now say: %s",
			            hpa, cpu, t->va, t->hpa,
			            pm->pm_type == PMAP_TYPE_EPT ? "EPT" : "x86", t->filled_event,
			            sim_walk_describe(&w, desc, sizeof(desc)));
			t->pm = NULL; /* reported once */
		}
	}
}
