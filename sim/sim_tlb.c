/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * sim_tlb.c - per-cpu TLBs (see mmu.h).  Small and fully associative,
 * replaced round robin; an entry is tagged with its pmap, which stands for
 * the CR3/PCID or the EPTP it was filled under.
 */
#include "sim/mmu.h"
#include "sim/report.h"

static bool
sim_tlb_covers(const struct sim_tlb_entry *t, struct pmap *pm, uint64_t va)
{
	return t->pm == pm && va >= t->va && va - t->va < t->size;
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
	unsigned i;

	for (i = 0; i < SIM_TLB_WAYS; i++)
		if (sim_tlb_covers(&set[i], pm, va))
			return &set[i];
	for (i = SIM_TLB_LARGE_BASE; i < SIM_TLB_ALL; i++)
		if (sim_tlb_covers(&c->tlb[i], pm, va))
			return &c->tlb[i];
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

void
sim_tlb_fill(struct sim *s, unsigned cpu, struct pmap *pm, uint64_t va, const struct sim_walk *w)
{
	struct sim_cpu *c = &s->cpu[cpu];
	struct sim_tlb_entry *t = sim_tlb_lookup(s, cpu, pm, va);

	if (t == NULL || t->size != w->page_size) {
		if (t != NULL)
			t->pm = NULL;
		t = sim_tlb_victim(c, va, w->page_size);
	}
	s->cpus_used |= 1ul << cpu;
	t->pm = pm;
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
		t->pm = NULL;
}

void
sim_tlb_drop_pmap(struct sim *s, struct pmap *pm)
{
	unsigned cpu, i;

	for (cpu = 0; cpu < SIM_MAX_CPUS; cpu++)
		for (i = 0; (s->cpus_used >> cpu & 1) && i < SIM_TLB_ALL; i++)
			if (s->cpu[cpu].tlb[i].pm == pm)
				s->cpu[cpu].tlb[i].pm = NULL;
}

/* The seam's invalidations reach every CPU (the kernel's shootdown). */
static void
sim_tlb_invlpg(void *ctx, struct pmap *pm, uint64_t va)
{
	struct sim *s = ctx;
	unsigned cpu;

	if (s->cfg.inject & SIM_INJECT_SKIP_INVAL)
		return;
	for (cpu = 0; cpu < SIM_MAX_CPUS; cpu++)
		if (s->cpus_used >> cpu & 1)
			sim_tlb_drop_va(s, cpu, pm, va);
}

static void
sim_tlb_invltlb(void *ctx, struct pmap *pm)
{
	struct sim *s = ctx;

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

static bool
sim_tlb_wanted(const struct sim_tlb_entry *t, struct sim_vmspace *vs, uint64_t sva, uint64_t eva)
{
	return t->pm != NULL && (vs == NULL || t->pm->pm_plat == vs) && t->va < eva &&
	       t->va + t->size > sva;
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
	t->pm = NULL; /* reported once */
	return 1;
}

/* The entries of @cpu that may cache [sva, eva): a few sets, or all. */
static uint64_t
sim_tlb_check_cpu(struct sim *s, unsigned cpu, struct sim_vmspace *vs, uint64_t sva, uint64_t eva)
{
	struct sim_cpu *c = &s->cpu[cpu];
	uint64_t found = 0, va;
	unsigned i;

	if (eva - sva > SIM_TLB_SETS * PMAP_PAGE_SIZE) {
		for (i = 0; i < SIM_TLB_ALL; i++)
			if (sim_tlb_wanted(&c->tlb[i], vs, sva, eva))
				found += sim_tlb_check_one(s, cpu, &c->tlb[i]);
		return found;
	}
	for (va = sva; va < eva; va += PMAP_PAGE_SIZE)
		for (i = 0; i < SIM_TLB_WAYS; i++)
			if (sim_tlb_wanted(&sim_tlb_set(c, va)[i], vs, sva, eva))
				found += sim_tlb_check_one(s, cpu, &sim_tlb_set(c, va)[i]);
	for (i = SIM_TLB_LARGE_BASE; i < SIM_TLB_ALL; i++)
		if (sim_tlb_wanted(&c->tlb[i], vs, sva, eva))
			found += sim_tlb_check_one(s, cpu, &c->tlb[i]);
	return found;
}

uint64_t
sim_tlb_check(struct sim *s, struct sim_vmspace *vs, uint64_t sva, uint64_t eva)
{
	uint64_t found = 0;
	unsigned cpu;

	sva &= ~(PMAP_PAGE_SIZE - 1);
	for (cpu = 0; cpu < SIM_MAX_CPUS; cpu++)
		if (s->cpus_used >> cpu & 1)
			found += sim_tlb_check_cpu(s, cpu, vs, sva, eva);
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
			if (t->pm != pm || !sim_tlb_stale(s, t, &w))
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
