/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * vfy_tables.c - reading a pmap's tables raw, as page_table_check does:
 * every leaf is checked against the VM, and the structure against the
 * pmap's own bookkeeping:
 *   - a table page's reference count equals its non-zero entries;
 *   - every managed leaf has its pv entry, and the pmap has no other;
 *   - no leaf or table reaches a freed frame, or a frame the VM does not
 *     own (a page table mapped as data);
 *   - no private anonymous frame is writable from two vmspaces.
 * A present entry is any non-zero entry (the pmap zeroes what it removes);
 * leaves are entries at level 0 or with bit 7 (PS) at levels 1-2, the same
 * bit in both formats (SDM 3A table 4-18, 3C table 29-5).
 */
#include <stdlib.h>
#include <string.h>

#include "sim/report.h"
#include "sim/vm.h"
#include "verify/vfy_check.h"

#define VFY_PS    (1ul << 7)
#define VFY_FRAME 0x000ffffffffff000ul

struct vfy_walkctx {
	struct sim *s;
	struct sim_vmspace *vs;
	struct vfy_walkers *wk;
	struct pmap *pm;
	uint64_t sva, eva; /* [sva, eva) */
	bool structure;    /* check counts and pv lists too */
	bool prefetch;     /* structure, and more pages than the caches hold: vfy_prefetch() */
	uint64_t managed;
	struct vfy_writers *writers;
	void (*leaf)(struct vfy_walkctx *c, uint64_t va, uint64_t pte, int level);
};

static uint64_t
vfy_level_size(int level)
{
	return 1ul << (12 + 9 * level);
}

static bool
vfy_has_pv(struct pmap_pv *pv, struct pmap *pm, uint64_t va)
{
	for (; pv != NULL; pv = pv->pv_next)
		if (pv->pv_pmap == pm && pv->pv_va == va)
			return true;
	return false;
}

/* The frame a leaf maps must be a live VM page, with its pv entry. */
static void
vfy_leaf_structure(struct vfy_walkctx *c, uint64_t va, uint64_t pte, int level)
{
	uint64_t hpa = pte & (level ? 0x000fffffffe00000ul : VFY_FRAME);
	struct sim_page *pg = sim_phys_page(c->s->sp, hpa);

	if (pg == NULL)
		return; /* device memory */
	if (!pg->allocated || pg->obj == NULL) {
		sim_diverge(c->s, c->vs, va, "leaf reaches a non-VM frame",
		            "leaf %#lx maps hpa %#lx, which is %s", pte, hpa,
		            pg->allocated ? "a page table or pv chunk" : "free");
		return;
	}
	if ((pte & c->pm->pmap_bits[PMAP_BIT_MANAGED]) == 0)
		return;
	c->managed++;
	if (!vfy_has_pv(level ? pg->md.pv_list_2m : pg->md.pv_list, c->pm, va))
		sim_diverge(c->s, c->vs, va, "pv list",
		            "managed leaf %#lx has no pv entry on hpa %#lx", pte, hpa);
}

/* A private anonymous frame writable here must not be writable elsewhere. */
static void
vfy_leaf_writer(struct vfy_walkctx *c, uint64_t va, uint64_t hpa)
{
	struct sim_entry *e = sim_entry_find(c->vs, va);
	struct sim_page *pg = sim_phys_page(c->s->sp, hpa);
	struct vfy_writers *wr = c->writers;
	uintptr_t other;

	if (wr == NULL || e == NULL || e->shared || e->obj->type != SIM_OBJ_ANON)
		return;
	if (pg != NULL)
		other = pg->writer_epoch == wr->epoch ? pg->writer_vm : 0;
	else
		other = (uintptr_t)sim_hash_get(&wr->far, hpa);
	if (other != 0 && other != c->vs->id + 1u) {
		sim_diverge(c->s, c->vs, va, "shared writable anonymous page",
		            "hpa %#lx is writable from vmspace %u and vmspace %lu", hpa, c->vs->id,
		            (unsigned long)(other - 1));
	} else if (pg != NULL) {
		pg->writer_epoch = wr->epoch;
		pg->writer_vm = c->vs->id + 1u;
	} else {
		(void)sim_hash_put(&wr->far, hpa, (void *)(uintptr_t)(c->vs->id + 1u));
	}
}

/* Note that the x86 walk of [va, eva) translated, for the EPT pass that follows. */
static void
vfy_x86_ok_add(struct vfy_walkers *wk, uint64_t va, uint64_t eva)
{
	struct vfy_span *last = wk->nok ? &wk->x86_ok[wk->nok - 1] : NULL, *grown;
	size_t cap = 2 * wk->capok;

	if (last != NULL && last->eva == va) {
		last->eva = eva;
		return;
	}
	if (wk->nok == wk->capok) {
		grown = malloc(cap * sizeof(*grown));
		if (grown == NULL) {
			wk->x86_done = false; /* the EPT pass walks x86 again */
			wk->x86_lost = true;
			return;
		}
		memcpy(grown, wk->x86_ok, wk->nok * sizeof(*grown));
		if (wk->x86_ok != wk->ok_inline)
			free(wk->x86_ok);
		wk->x86_ok = grown;
		wk->capok = cap;
	}
	wk->x86_ok[wk->nok++] = (struct vfy_span){ va, eva };
}

/*
 * The end of the run of pages from @va on that the x86 pass translated,
 * @va itself when it did not translate @va.  The EPT pass asks in
 * ascending order.
 */
static uint64_t
vfy_x86_ok_end(struct vfy_walkers *wk, uint64_t va)
{
	while (wk->nextok < wk->nok && wk->x86_ok[wk->nextok].eva <= va)
		wk->nextok++;
	if (wk->nextok < wk->nok && wk->x86_ok[wk->nextok].sva <= va)
		return wk->x86_ok[wk->nextok].eva;
	return va;
}

/*
 * The scanned format's walk of a leaf's page, through its walker: the
 * first page of the leaf walks (below the tables the last walk shared),
 * the others are given that walk moved to their address (mmu.h).
 */
static void
vfy_leaf_walk(struct vfy_walkctx *c, uint64_t va, struct sim_walk *w)
{
	sim_walker_walk(c->pm == &c->vs->ept ? &c->wk->ept : &c->wk->x86, va, w);
}

/*
 * The pages of an x86 leaf from @va on, below @eva, that one check covers
 * (vfy_check_run: a page, or a run of a device's pages): both formats
 * against the VM and each other; with @writers, the writable frames of
 * both (the EPT pass skips the pages the x86 walk translates).  A run's
 * pages are one device entry's, which have no writer to note (not
 * anonymous).  Returns the pages checked.
 */
static uint64_t
vfy_x86_pages(struct vfy_walkctx *c, uint64_t va, uint64_t eva)
{
	struct vfy_walkers *wk = c->wk;
	struct sim_walk xw, e;
	const struct sim_walk *x = &xw;
	uint64_t n;

	vfy_leaf_walk(c, va, &xw);
	e.ok = false;
	if (c->vs->has_ept)
		sim_walker_walk(&wk->ept, va, &e);
	n = vfy_check_run(c->s, c->vs, va, eva, x, &e);
	if (x->ok && !wk->x86_lost)
		vfy_x86_ok_add(wk, va, va + n * PMAP_PAGE_SIZE);
	if (x->ok && e.ok)
		wk->both_ok += n;
	if (c->writers != NULL && x->ok && x->w)
		vfy_leaf_writer(c, va, x->hpa);
	if (c->writers != NULL && x->ok && e.ok && e.w)
		vfy_leaf_writer(c, va, e.hpa);
	return n;
}

/*
 * A page of an EPT leaf that the x86 pass did not check (or there was
 * none).  In pair mode a page the x86 walk translates was checked, both
 * formats, in the x86 pass: it is not checked (and reported) twice.
 * After an x86 pass its list says which (vfy_leaf_pages skips them);
 * otherwise (a conversion's pmap) the x86 tables are walked again.
 * Without x86 tables one check may cover a run of pages below @eva
 * (vfy_check_run).  Returns the pages checked.
 */
static uint64_t
vfy_ept_pages(struct vfy_walkctx *c, uint64_t va, uint64_t eva)
{
	struct vfy_walkers *wk = c->wk;
	struct sim_walk x, ew;
	const struct sim_walk *e = &ew;
	uint64_t n = 1;

	x.ok = false;
	if (!wk->x86_done && c->vs->has_x86) {
		sim_walker_walk(&wk->x86, va, &x);
		if (x.ok && c->writers == NULL)
			return 1;
	}
	vfy_leaf_walk(c, va, &ew);
	if (!c->vs->has_x86)
		n = vfy_check_run(c->s, c->vs, va, eva, &x, e);
	else if (!x.ok)
		vfy_check_walked(c->s, c->vs, va, &x, e);
	if (c->writers != NULL && e->ok && e->w)
		vfy_leaf_writer(c, va, e->hpa);
	return n;
}

/* Each 4 KiB page of a leaf in [sva, eva). */
static void
vfy_leaf_pages(struct vfy_walkctx *c, uint64_t va, uint64_t pte, int level)
{
	uint64_t sva = va > c->sva ? va : c->sva, eva = va + vfy_level_size(level), next, n;

	if (c->structure)
		vfy_leaf_structure(c, va, pte, level);
	if (eva > c->eva)
		eva = c->eva;
	if (c->pm != &c->vs->ept) {
		for (va = sva; va < eva; va += n * PMAP_PAGE_SIZE)
			n = vfy_x86_pages(c, va, eva);
		return;
	}
	for (va = sva; va < eva; va = next) {
		/* checked, its writable frames noted, in the x86 pass */
		next = c->wk->x86_done ? vfy_x86_ok_end(c->wk, va) : va;
		if (next == va)
			next = va + vfy_ept_pages(c, va, eva) * PMAP_PAGE_SIZE;
	}
}

static void
vfy_table_count(struct vfy_walkctx *c, uint64_t table, int level, unsigned nonzero, uint64_t base)
{
	struct sim_page *pg = sim_phys_page(c->s->sp, table);

	if (pg == NULL || !pg->allocated || pg->obj != NULL)
		sim_diverge(c->s, c->vs, base, "table frame", "level-%d table at hpa %#lx is %s",
		            level, table,
		            pg == NULL ? "not RAM"
		            : pg->obj  ? "a VM page"
		                       : "free");
	else if (pg->md.ptp_refs != nonzero)
		sim_diverge(c->s, c->vs, base, "table count",
		            "level-%d table at hpa %#lx holds %u entries, its count says %u", level,
		            table, nonzero, pg->md.ptp_refs);
}

/*
 * The entries of a table at @level mapping from @base that [sva, eva)
 * reaches: all 512 when the structure is checked (counts need them all).
 */
static void
vfy_table_span(const struct vfy_walkctx *c, int level, uint64_t base, unsigned *first,
               unsigned *last)
{
	unsigned shift = 12 + 9 * (unsigned)level; /* log2 of vfy_level_size(level) */

	*first = 0;
	*last = 511;
	if (c->structure)
		return;
	if (c->sva > base)
		*first = (unsigned)((c->sva - base) >> shift);
	if ((c->eva - 1 - base) >> shift < 512)
		*last = (unsigned)((c->eva - 1 - base) >> shift);
}

/*
 * Are the @n entries from @pt, 64-byte aligned, all zero?  (A loop the
 * compiler widens, reading aligned vectors straight into the ORs.)
 */
static inline bool
vfy_zero(const uint64_t *at, unsigned n)
{
	const uint64_t *pt = __builtin_assume_aligned(at, 64);
	uint64_t any = 0;
	unsigned k;

	for (k = 0; k < n; k++)
		any |= pt[k];
	return any == 0;
}

/*
 * The first non-zero entry of @pt in [i, last], or last + 1; 32 or 8 at a
 * time when aligned (a run of 8 ending on a 32-entry boundary goes on 32
 * at a time).
 */
static unsigned
vfy_next_entry(const uint64_t *pt, unsigned i, unsigned last)
{
	while (i <= last) {
		if ((i & 31) == 0 && i + 31 <= last && vfy_zero(pt + i, 32))
			i += 32;
		else if ((i & 7) == 0 && i + 7 <= last && vfy_zero(pt + i, 8))
			i += 8;
		else if (pt[i] != 0)
			break;
		else
			i++;
	}
	return i;
}

static void vfy_table(struct vfy_walkctx *c, uint64_t table, int level, uint64_t base);

/*
 * How far ahead of the level-0 leaf being checked the structure pass asks
 * the cache for what a leaf's check reads that lies scattered in host
 * memory: the frame's page (vfy_leaf_structure, and the VM's answer) and
 * the slot of the VM's page map where the lookup of its address starts
 * (when the map entry sim_entry_find() found last holds it).  Hints only:
 * nothing is read or changed.  Inlined always: a call of a function that
 * only prefetches counts as having no effect and is dropped.
 */
#define VFY_AHEAD 8

/*
 * From how many 4 KiB pages mapped in a pmap the structure pass
 * prefetches: the page structures and VM page map slots of fewer pages
 * stay in the host's caches, where prefetching only costs instructions.
 */
#define VFY_PREFETCH_PAGES 16384

static inline __attribute__((always_inline)) void
vfy_prefetch(const struct vfy_walkctx *c, uint64_t pte, uint64_t va)
{
	struct sim_phys *sp = c->s->sp;
	const struct sim_entry *e = c->vs->hint;
	uint64_t frame = (pte & VFY_FRAME) >> PMAP_PAGE_SHIFT;

	if (frame < sp->npages)
		__builtin_prefetch(&sp->pages[frame]);
	if (e != NULL && va >= e->start && va < e->end && e->obj->type != SIM_OBJ_DEVICE)
		sim_obj_prefetch(c->s, e->obj, e->pindex + ((va - e->start) >> PMAP_PAGE_SHIFT));
}

/* The non-zero entry @e at @level mapping from @va: a leaf, or the table below. */
static void
vfy_entry(struct vfy_walkctx *c, uint64_t e, int level, uint64_t va)
{
	if (va >= c->eva || va + vfy_level_size(level) <= c->sva)
		return;
	if (level == 0 || (level < 3 && (e & VFY_PS)))
		c->leaf(c, va, e, level);
	else
		vfy_table(c, e & VFY_FRAME, level - 1, va);
}

static void
vfy_table(struct vfy_walkctx *c, uint64_t table, int level, uint64_t base)
{
	const uint64_t *pt = sim_phys_ptr(c->s->sp, table);
	uint64_t size = vfy_level_size(level);
	unsigned i, first, last, nonzero = 0;

	if (pt == NULL)
		return vfy_table_count(c, table, level, 0, base);
	vfy_table_span(c, level, base, &first, &last);
	if (first == last) {
		/* one entry reaches the range (and no count is checked: not all are read) */
		if (pt[first] != 0)
			vfy_entry(c, pt[first], level, base + first * size);
		return;
	}
	for (i = vfy_next_entry(pt, first, last); i <= last; i = vfy_next_entry(pt, i + 1, last)) {
		nonzero++;
		if (level == 0 && c->prefetch && i + VFY_AHEAD <= last)
			vfy_prefetch(c, pt[i + VFY_AHEAD], base + (i + VFY_AHEAD) * PMAP_PAGE_SIZE);
		vfy_entry(c, pt[i], level, base + i * size);
	}
	if (c->structure)
		vfy_table_count(c, table, level, nonzero, base);
}

/* Check every leaf of @pm in [sva, eva); with @structure, the invariants too. */
void
vfy_check_tables(struct sim *s, struct sim_vmspace *vs, struct vfy_walkers *wk, struct pmap *pm,
                 uint64_t sva, uint64_t eva, bool structure, struct vfy_writers *writers)
{
	struct vfy_walkctx c = { .s = s,
		                 .vs = vs,
		                 .wk = wk,
		                 .pm = pm,
		                 .sva = sva,
		                 .eva = eva,
		                 .structure = structure,
		                 .prefetch =
		                     structure && pm->pm_stats.resident_count >= VFY_PREFETCH_PAGES,
		                 .writers = writers,
		                 .leaf = vfy_leaf_pages };

	vfy_table(&c, pm->pm_root_hpa, 3, 0);
	if (structure && c.managed != pm->pm_stats.pv_used)
		sim_diverge(s, vs, 0, "pv list", "%lu managed leaves, %lu pv entries in the pmap",
		            c.managed, pm->pm_stats.pv_used);
}
