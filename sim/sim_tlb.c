/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * sim_tlb.c - per-cpu TLBs (see mmu.h): set associative for 4 KiB pages,
 * a small fully associative array for large ones, replaced round robin.
 * An entry is tagged with its pmap, which stands for the CR3/PCID or the
 * EPTP it was filled under.  A vmspace keeps, for each of its pmaps and
 * each CPU, a mask of the slots tagged with the pmap: a lookup, an
 * invalidation, a flush of a whole pmap (full flush, INVEPT) and a range
 * check visit only those slots, not every entry of every CPU.
 */
#include "sim/mmu.h"
#include "sim/report.h"

_Static_assert(SIM_TLB_LARGE_BASE % 64 == 0 && 64 % SIM_TLB_WAYS == 0 && SIM_TLB_LARGE <= 64,
               "a set's ways share one mask word; the large slots fill the last one");

/*
 * The slot masks of @pm, one per CPU, when it is a vmspace's own pmap;
 * NULL for any other (a conversion's scratch EPT pmap, or a pmap no
 * vmspace owns, such as the hardware runner's on the host, pm_plat NULL).
 */
static struct sim_tlb_mask *
sim_tlb_masks(struct pmap *pm)
{
	struct sim_vmspace *vs = pm->pm_plat;

	if (vs == NULL)
		return NULL;
	if (pm == &vs->x86)
		return vs->tlb_slots[0];
	if (pm == &vs->ept)
		return vs->tlb_slots[1];
	return NULL;
}

/*
 * The slots of @cpu that may hold entries of @pm: those tagged with it,
 * or every tagged slot for a pmap without masks.
 */
static const uint64_t *
sim_tlb_mask(struct sim *s, unsigned cpu, struct pmap *pm)
{
	struct sim_tlb_mask *ms = sim_tlb_masks(pm);

	return ms != NULL ? ms[cpu].w : s->cpu[cpu].used;
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

/*
 * Slot @i of @cpu is now tagged @pm (NULL: empty).  The masks follow the
 * tags exactly: the CPU's used mask has the slot while it is tagged, and
 * a pmap's mask while it is tagged with that pmap.
 */
static void
sim_tlb_retag(struct sim *s, unsigned cpu, unsigned i, struct pmap *pm)
{
	struct sim_cpu *c = &s->cpu[cpu];
	uint64_t bit = 1ul << (i % 64);
	struct sim_tlb_mask *ms;

	if (c->tag[i] == pm)
		return;
	if (c->tag[i] != NULL && (ms = sim_tlb_masks(c->tag[i])) != NULL)
		ms[cpu].w[i / 64] &= ~bit;
	if (pm != NULL && (ms = sim_tlb_masks(pm)) != NULL)
		ms[cpu].w[i / 64] |= bit;
	if (pm != NULL)
		c->used[i / 64] |= bit;
	else
		c->used[i / 64] &= ~bit;
	c->tag[i] = pm;
}

static void
sim_tlb_clear(struct sim *s, unsigned cpu, unsigned i)
{
	s->cpu[cpu].tlb[i].pm = NULL;
	sim_tlb_retag(s, cpu, i, NULL);
}

static bool
sim_tlb_covers(const struct sim_tlb_entry *t, struct pmap *pm, uint64_t va)
{
	return t->pm == pm && va >= t->va && va - t->va < t->size;
}

/* The first slot of the 4 KiB set @va falls in. */
static unsigned
sim_tlb_set(uint64_t va)
{
	return (unsigned)((va >> PMAP_PAGE_SHIFT) % SIM_TLB_SETS) * SIM_TLB_WAYS;
}

/* The slot of @cpu among @bits (slots @base + bit) caching @va for @pm, or -1. */
static int
sim_tlb_find(struct sim_cpu *c, unsigned base, uint64_t bits, struct pmap *pm, uint64_t va)
{
	unsigned i;

	for (; bits != 0; bits &= bits - 1) {
		i = base + (unsigned)__builtin_ctzll(bits);
		if (sim_tlb_covers(&c->tlb[i], pm, va))
			return (int)i;
	}
	return -1;
}

/*
 * The slot of @cpu caching @va for @pm, or -1: the ways of its set, then
 * the large slots, visiting only the slots tagged with @pm's vmspace.
 */
static int
sim_tlb_slot(struct sim *s, unsigned cpu, struct pmap *pm, uint64_t va)
{
	struct sim_cpu *c = &s->cpu[cpu];
	const uint64_t *m = sim_tlb_mask(s, cpu, pm);
	unsigned set = sim_tlb_set(va);
	uint64_t ways = m[set / 64] >> (set % 64) & ((1ul << SIM_TLB_WAYS) - 1);
	int i;

	if ((i = sim_tlb_find(c, set, ways, pm, va)) >= 0)
		return i;
	return sim_tlb_find(c, SIM_TLB_LARGE_BASE, m[SIM_TLB_LARGE_BASE / 64], pm, va);
}

struct sim_tlb_entry *
sim_tlb_lookup(struct sim *s, unsigned cpu, struct pmap *pm, uint64_t va)
{
	int i = sim_tlb_slot(s, cpu, pm, va);

	return i >= 0 ? &s->cpu[cpu].tlb[i] : NULL;
}

/* The slot a new translation of @size for @va goes to (round robin). */
static unsigned
sim_tlb_victim(struct sim_cpu *c, uint64_t va, uint64_t size)
{
	if (size == PMAP_PAGE_SIZE) {
		unsigned set = sim_tlb_set(va);

		return set + c->victim[set / SIM_TLB_WAYS]++ % SIM_TLB_WAYS;
	}
	return SIM_TLB_LARGE_BASE + c->large_victim++ % SIM_TLB_LARGE;
}

void
sim_tlb_fill(struct sim *s, unsigned cpu, struct pmap *pm, uint64_t va, const struct sim_walk *w)
{
	struct sim_cpu *c = &s->cpu[cpu];
	int found = sim_tlb_slot(s, cpu, pm, va);
	struct sim_tlb_entry *t;
	unsigned i;

	if (found >= 0 && c->tlb[found].size == w->page_size) {
		i = (unsigned)found;
	} else {
		if (found >= 0)
			sim_tlb_clear(s, cpu, (unsigned)found);
		i = sim_tlb_victim(c, va, w->page_size);
	}
	s->cpus_used |= 1ul << cpu;
	if (pm->pm_plat != NULL)
		((struct sim_vmspace *)pm->pm_plat)->tlb_cpus |= 1ul << cpu;
	sim_tlb_retag(s, cpu, i, pm);
	t = &c->tlb[i];
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
	int i;

	while ((i = sim_tlb_slot(s, cpu, pm, va)) >= 0)
		sim_tlb_clear(s, cpu, (unsigned)i);
}

/* Empty the slots of @ms (a pmap's masks) on the CPUs @cpus, all at once. */
static void
sim_tlb_drop_masked(struct sim *s, struct sim_tlb_mask *ms, uint64_t cpus)
{
	struct sim_cpu *c;
	uint64_t bits;
	unsigned cpu, i, k;

	for (; cpus != 0; cpus &= cpus - 1) {
		cpu = (unsigned)__builtin_ctzll(cpus);
		c = &s->cpu[cpu];
		for (k = 0; k < SIM_TLB_MASK_WORDS; k++) {
			if ((bits = ms[cpu].w[k]) == 0)
				continue;
			c->used[k] &= ~bits;
			ms[cpu].w[k] = 0;
			for (; bits != 0; bits &= bits - 1) {
				i = k * 64 + (unsigned)__builtin_ctzll(bits);
				c->tlb[i].pm = c->tag[i] = NULL;
			}
		}
	}
}

/*
 * Empty every entry of @pm on every CPU: the slots its masks have; every
 * tagged slot that holds @pm for a pmap without masks.
 */
void
sim_tlb_drop_pmap(struct sim *s, struct pmap *pm)
{
	struct sim_tlb_mask *ms = sim_tlb_masks(pm);
	uint64_t cpus = sim_tlb_cpus(s, pm), bits;
	unsigned cpu, i, k;

	if (ms != NULL) {
		sim_tlb_drop_masked(s, ms, cpus);
		return;
	}
	for (; cpus != 0; cpus &= cpus - 1) {
		cpu = (unsigned)__builtin_ctzll(cpus);
		for (k = 0; k < SIM_TLB_MASK_WORDS; k++) {
			for (bits = s->cpu[cpu].used[k]; bits != 0; bits &= bits - 1) {
				i = k * 64 + (unsigned)__builtin_ctzll(bits);
				if (s->cpu[cpu].tag[i] == pm)
					sim_tlb_clear(s, cpu, i);
			}
		}
	}
}

void
sim_tlb_forget_vmspace(struct sim *s, struct sim_vmspace *vs)
{
	sim_tlb_drop_pmap(s, &vs->x86);
	sim_tlb_drop_pmap(s, &vs->ept);
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
/*
 * The walk of @va for @t's pmap: through @wk, a cursor of that pmap, when
 * not NULL (mmu.h: the same result), else a plain walk.
 */
static void
sim_tlb_walk(struct sim *s, const struct sim_tlb_entry *t, struct sim_walker *wk, uint64_t va,
             struct sim_walk *w)
{
	if (wk != NULL)
		sim_walker_walk(wk, va, w);
	else
		sim_mmu_walk(s, t->pm, va, w);
}

static bool
sim_tlb_stale(struct sim *s, const struct sim_tlb_entry *t, struct sim_walker *wk,
              struct sim_walk *w)
{
	uint64_t off;

	sim_tlb_walk(s, t, wk, t->va, w);
	if (sim_tlb_page_stale(t, 0, w))
		return true;
	if (w->page_size >= t->size)
		return false;
	for (off = PMAP_PAGE_SIZE; off < t->size; off += PMAP_PAGE_SIZE) {
		sim_tlb_walk(s, t, wk, t->va + off, w);
		if (sim_tlb_page_stale(t, off, w))
			return true;
	}
	return false;
}

/*
 * What a range check looks for: the entries of @vs's pmaps (any
 * vmspace's when NULL) caching an address in [sva, eva); walked through
 * @wk[0] (x86) and @wk[1] (EPT) where they are cursors of the entry's
 * pmap.
 */
struct sim_tlb_scope {
	struct sim_vmspace *vs;
	uint64_t sva, eva;
	struct sim_walker *wk[2];
};

/* Does @t hold a translation @sc looks for? */
static bool
sim_tlb_wanted(const struct sim_tlb_entry *t, const struct sim_tlb_scope *sc)
{
	if (t->pm == NULL || t->va >= sc->eva || t->va + t->size <= sc->sva)
		return false;
	return sc->vs == NULL || t->pm->pm_plat == sc->vs;
}

/* The cursor of @sc for @t's pmap, or NULL. */
static struct sim_walker *
sim_tlb_cursor(const struct sim_tlb_scope *sc, const struct sim_tlb_entry *t)
{
	if (sc->wk[0] != NULL && sc->wk[0]->pm == t->pm)
		return sc->wk[0];
	if (sc->wk[1] != NULL && sc->wk[1]->pm == t->pm)
		return sc->wk[1];
	return NULL;
}

static uint64_t
sim_tlb_check_one(struct sim *s, unsigned cpu, struct sim_tlb_entry *t,
                  const struct sim_tlb_scope *sc)
{
	struct sim_walk w;
	char desc[160];

	if (!sim_tlb_stale(s, t, sim_tlb_cursor(sc, t), &w))
		return 0;
	sim_diverge(s, t->pm->pm_plat, t->va, "stale TLB",
	            "cpu %u caches %#lx -> hpa %#lx %c%c%c (%s, filled at event %lu); the tables "
	            "now say: %s",
	            cpu, t->va, t->hpa, t->r ? 'r' : '-', t->w ? 'w' : '-', t->x ? 'x' : '-',
	            t->pm->pm_type == PMAP_TYPE_EPT ? "EPT" : "x86", t->filled_event,
	            sim_walk_describe(&w, desc, sizeof(desc)));
	sim_tlb_clear(s, cpu, (unsigned)(t - s->cpu[cpu].tlb)); /* reported once */
	return 1;
}

/* Slot @i of @cpu: reported when it caches a stale translation @sc looks for. */
static uint64_t
sim_tlb_check_slot(struct sim *s, unsigned cpu, unsigned i, const struct sim_tlb_scope *sc)
{
	if (!sim_tlb_wanted(&s->cpu[cpu].tlb[i], sc))
		return 0;
	return sim_tlb_check_one(s, cpu, &s->cpu[cpu].tlb[i], sc);
}

/* The slots among @bits (slot @base + bit) of @cpu, in order. */
static inline uint64_t
sim_tlb_check_bits(struct sim *s, unsigned cpu, unsigned base, uint64_t bits,
                   const struct sim_tlb_scope *sc)
{
	uint64_t found = 0;

	for (; bits != 0; bits &= bits - 1)
		found += sim_tlb_check_slot(s, cpu, base + (unsigned)__builtin_ctzll(bits), sc);
	return found;
}

/* Add slots [lo, hi) of the 4 KiB ones to @m. */
static void
sim_tlb_mask_range(uint64_t *m, unsigned lo, unsigned hi)
{
	unsigned k;

	for (k = lo / 64; k * 64 < hi; k++)
		m[k] |= (lo > k * 64 ? ~0ul << (lo - k * 64) : ~0ul) &
		        (hi < k * 64 + 64 ? ~0ul >> (k * 64 + 64 - hi) : ~0ul);
}

/*
 * The 4 KiB slots among @a | @b of @cpu in the sets @sc's range covers
 * (all of them past SIM_TLB_SETS pages), from its first set on round the
 * ring.
 */
static uint64_t
sim_tlb_check_ring(struct sim *s, unsigned cpu, const uint64_t *a, const uint64_t *b,
                   const struct sim_tlb_scope *sc)
{
	uint64_t range[SIM_TLB_LARGE_BASE / 64] = { 0 }, m[SIM_TLB_LARGE_BASE / 64];
	uint64_t found = 0, npages, sva = sc->sva, eva = sc->eva;
	const unsigned words = SIM_TLB_LARGE_BASE / 64;
	unsigned first = 0, end, k, w, sh;

	if (eva - sva > SIM_TLB_SETS * PMAP_PAGE_SIZE) {
		sim_tlb_mask_range(range, 0, SIM_TLB_LARGE_BASE);
	} else {
		npages = (eva - sva + PMAP_PAGE_SIZE - 1) >> PMAP_PAGE_SHIFT;
		first = sim_tlb_set(sva);
		end = first + (unsigned)npages * SIM_TLB_WAYS;
		sim_tlb_mask_range(range, first,
		                   end < SIM_TLB_LARGE_BASE ? end : SIM_TLB_LARGE_BASE);
		if (end > SIM_TLB_LARGE_BASE)
			sim_tlb_mask_range(range, 0, end - SIM_TLB_LARGE_BASE);
	}
	for (k = 0; k < words; k++)
		m[k] = a[k] | b[k];
	w = first / 64;
	sh = first % 64;
	found += sim_tlb_check_bits(s, cpu, w * 64, m[w] & range[w] & (~0ul << sh), sc);
	for (k = 1; k < words; k++) {
		w = (first / 64 + k) % words;
		found += sim_tlb_check_bits(s, cpu, w * 64, m[w] & range[w], sc);
	}
	w = first / 64;
	if (sh != 0)
		found +=
		    sim_tlb_check_bits(s, cpu, w * 64, m[w] & range[w] & ((1ul << sh) - 1), sc);
	return found;
}

/* The sets of at most this many pages are visited page by page. */
#define SIM_TLB_FEW_PAGES 8

/*
 * The entries of @cpu that may cache @sc's range: the 4 KiB ones of the
 * sets it covers, in address order, then the large ones; among them only
 * the slots @a or @b has.
 */
static uint64_t
sim_tlb_check_cpu(struct sim *s, unsigned cpu, const uint64_t *a, const uint64_t *b,
                  const struct sim_tlb_scope *sc)
{
	const unsigned large = SIM_TLB_LARGE_BASE / 64;
	uint64_t found = 0, va, ways;
	unsigned set;

	if (sc->eva - sc->sva <= SIM_TLB_FEW_PAGES * PMAP_PAGE_SIZE) {
		for (va = sc->sva; va < sc->eva; va += PMAP_PAGE_SIZE) {
			set = sim_tlb_set(va);
			ways =
			    (a[set / 64] | b[set / 64]) >> (set % 64) & ((1ul << SIM_TLB_WAYS) - 1);
			found += sim_tlb_check_bits(s, cpu, set, ways, sc);
		}
	} else {
		found += sim_tlb_check_ring(s, cpu, a, b, sc);
	}
	return found + sim_tlb_check_bits(s, cpu, SIM_TLB_LARGE_BASE, a[large] | b[large], sc);
}

/* Does @cpu hold an entry of @vs's pmaps? */
static bool
sim_tlb_holds(const struct sim_vmspace *vs, unsigned cpu)
{
	uint64_t any = 0;
	unsigned k;

	for (k = 0; k < SIM_TLB_MASK_WORDS; k++)
		any |= vs->tlb_slots[0][cpu].w[k] | vs->tlb_slots[1][cpu].w[k];
	return any != 0;
}

uint64_t
sim_tlb_check_walkers(struct sim *s, struct sim_vmspace *vs, uint64_t sva, uint64_t eva,
                      struct sim_walker *x86, struct sim_walker *ept)
{
	static const uint64_t none[SIM_TLB_MASK_WORDS];
	const struct sim_tlb_scope sc = { vs, sva & ~(PMAP_PAGE_SIZE - 1), eva, { x86, ept } };
	uint64_t found = 0, cpus = vs != NULL ? vs->tlb_cpus & s->cpus_used : s->cpus_used;
	unsigned cpu;

	for (; cpus != 0; cpus &= cpus - 1) {
		cpu = (unsigned)__builtin_ctzll(cpus);
		if (vs == NULL)
			found += sim_tlb_check_cpu(s, cpu, s->cpu[cpu].used, none, &sc);
		else if (sim_tlb_holds(vs, cpu))
			found += sim_tlb_check_cpu(s, cpu, vs->tlb_slots[0][cpu].w,
			                           vs->tlb_slots[1][cpu].w, &sc);
		else
			vs->tlb_cpus &= ~(1ul << cpu); /* until its next fill for @vs */
	}
	return found;
}

uint64_t
sim_tlb_check(struct sim *s, struct sim_vmspace *vs, uint64_t sva, uint64_t eva)
{
	return sim_tlb_check_walkers(s, vs, sva, eva, NULL, NULL);
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
/* Slot @i of @cpu, when it caches a translation of @pm the tables no longer give. */
static void
sim_tlb_freed_one(struct sim *s, unsigned cpu, unsigned i, struct pmap *pm, uint64_t hpa)
{
	struct sim_tlb_entry *t = &s->cpu[cpu].tlb[i];
	struct sim_walk w;
	char desc[160];

	if (t->pm != pm || !sim_tlb_stale(s, t, NULL, &w))
		return;
	sim_diverge(s, pm->pm_plat, t->va, "page freed before invalidation",
	            "the pmap freed its page %#lx while cpu %u caches %#lx -> hpa "
	            "%#lx (%s, filled at event %lu); the tables now say: %s",
	            hpa, cpu, t->va, t->hpa, pm->pm_type == PMAP_TYPE_EPT ? "EPT" : "x86",
	            t->filled_event, sim_walk_describe(&w, desc, sizeof(desc)));
	sim_tlb_clear(s, cpu, i); /* reported once */
}

static void
sim_tlb_page_free(void *ctx, struct pmap *pm, uint64_t hpa)
{
	struct sim *s = ctx;
	uint64_t cpus, bits;
	unsigned cpu, k;

	if (s->cfg.check != SIM_CHECK_FULL || (s->cfg.inject & SIM_INJECT_SKIP_INVAL))
		return;
	for (cpus = s->cpus_used; cpus != 0; cpus &= cpus - 1) {
		cpu = (unsigned)__builtin_ctzll(cpus);
		for (k = 0; k < SIM_TLB_MASK_WORDS; k++)
			for (bits = sim_tlb_mask(s, cpu, pm)[k]; bits != 0; bits &= bits - 1)
				sim_tlb_freed_one(s, cpu, k * 64 + (unsigned)__builtin_ctzll(bits),
				                  pm, hpa);
	}
}
