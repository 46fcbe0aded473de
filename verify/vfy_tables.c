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
	uint64_t managed;
	struct sim_hash *writers; /* frame -> vmspace id + 1 */
	void (*leaf)(struct vfy_walkctx *c, uint64_t va, uint64_t pte, int level);
	struct vfy_path path; /* the entries from the root to the current one */
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
	uintptr_t other;

	if (c->writers == NULL || e == NULL || e->shared || e->obj->type != SIM_OBJ_ANON)
		return;
	other = (uintptr_t)sim_hash_get(c->writers, hpa);
	if (other != 0 && other != c->vs->id + 1u)
		sim_diverge(c->s, c->vs, va, "shared writable anonymous page",
		            "hpa %#lx is writable from vmspace %u and vmspace %lu", hpa, c->vs->id,
		            (unsigned long)(other - 1));
	else
		sim_hash_put(c->writers, hpa, (void *)(uintptr_t)(c->vs->id + 1u));
}

/* Note that the x86 walk of @va translated, for the EPT pass that follows. */
static void
vfy_x86_ok_add(struct vfy_walkers *wk, uint64_t va)
{
	struct vfy_span *last = wk->nok ? &wk->x86_ok[wk->nok - 1] : NULL, *grown;
	size_t cap = wk->capok ? 2 * wk->capok : 64;

	if (last != NULL && last->eva == va) {
		last->eva = va + PMAP_PAGE_SIZE;
		return;
	}
	if (wk->nok == wk->capok) {
		if ((grown = realloc(wk->x86_ok, cap * sizeof(*grown))) == NULL) {
			wk->x86_done = false; /* the EPT pass walks x86 again */
			wk->x86_lost = true;
			return;
		}
		wk->x86_ok = grown;
		wk->capok = cap;
	}
	wk->x86_ok[wk->nok++] = (struct vfy_span){ va, va + PMAP_PAGE_SIZE };
}

/* Did the x86 pass translate @va?  The EPT pass asks in ascending order. */
static bool
vfy_x86_ok_has(struct vfy_walkers *wk, uint64_t va)
{
	while (wk->nextok < wk->nok && wk->x86_ok[wk->nextok].eva <= va)
		wk->nextok++;
	return wk->nextok < wk->nok && wk->x86_ok[wk->nextok].sva <= va;
}

/*
 * The scanned format's walk of a leaf's pages: made once, from the path
 * the scan read, at the first page that needs it (@va0), then moved page
 * by page.  Every address of a leaf reads the same entries, so only the
 * address and the frame differ.
 */
struct vfy_leafwalk {
	bool done;
	uint64_t va0;
	struct sim_walk first;
};

static void
vfy_leaf_walk(struct vfy_walkctx *c, struct vfy_leafwalk *lw, uint64_t va, struct sim_walk *w)
{
	struct sim_walker *own = c->pm == &c->vs->ept ? &c->wk->ept : &c->wk->x86;

	if (!lw->done) {
		sim_walker_path(own, &c->path, va, &lw->first);
		lw->va0 = va;
		lw->done = true;
	}
	*w = lw->first;
	if (w->ok)
		w->hpa = lw->first.hpa + (va - lw->va0);
	w->page_va = va & ~(w->page_size ? w->page_size - 1 : PMAP_PAGE_SIZE - 1);
}

/*
 * A page of an x86 leaf: both formats against the VM and each other;
 * with @writers, the writable frames of both (the EPT pass skips the
 * pages the x86 walk translates).
 */
static void
vfy_x86_page(struct vfy_walkctx *c, uint64_t va, struct vfy_leafwalk *lw)
{
	struct vfy_walkers *wk = c->wk;
	struct sim_walk xw, e;
	const struct sim_walk *x = &xw;

	vfy_leaf_walk(c, lw, va, &xw);
	e.ok = false;
	if (c->vs->has_ept)
		sim_walker_walk(&wk->ept, va, &e);
	vfy_check_walked(c->s, c->vs, va, x, &e);
	if (x->ok && !wk->x86_lost)
		vfy_x86_ok_add(wk, va);
	if (c->writers != NULL && x->ok && x->w)
		vfy_leaf_writer(c, va, x->hpa);
	if (c->writers != NULL && x->ok && e.ok && e.w)
		vfy_leaf_writer(c, va, e.hpa);
}

/*
 * A page of an EPT leaf.  In pair mode a page the x86 walk translates was
 * checked, both formats, in the x86 pass: it is not checked (and
 * reported) twice.  After an x86 pass its list says which; otherwise
 * (a conversion's pmap) the x86 tables are walked again.
 */
static void
vfy_ept_page(struct vfy_walkctx *c, uint64_t va, struct vfy_leafwalk *lw)
{
	struct vfy_walkers *wk = c->wk;
	struct sim_walk x, ew;
	const struct sim_walk *e = &ew;

	x.ok = false;
	if (wk->x86_done) {
		if (vfy_x86_ok_has(wk, va))
			return; /* checked, its writable frames noted, in the x86 pass */
	} else if (c->vs->has_x86) {
		sim_walker_walk(&wk->x86, va, &x);
		if (x.ok && c->writers == NULL)
			return;
	}
	vfy_leaf_walk(c, lw, va, &ew);
	if (!x.ok)
		vfy_check_walked(c->s, c->vs, va, &x, e);
	if (c->writers != NULL && e->ok && e->w)
		vfy_leaf_writer(c, va, e->hpa);
}

/* Each 4 KiB page of a leaf in [sva, eva). */
static void
vfy_leaf_pages(struct vfy_walkctx *c, uint64_t va, uint64_t pte, int level)
{
	uint64_t sva = va > c->sva ? va : c->sva, eva = va + vfy_level_size(level);
	struct vfy_leafwalk lw = { .done = false };

	if (c->structure)
		vfy_leaf_structure(c, va, pte, level);
	if (eva > c->eva)
		eva = c->eva;
	for (va = sva; va < eva; va += PMAP_PAGE_SIZE)
		if (c->pm == &c->vs->ept)
			vfy_ept_page(c, va, &lw);
		else
			vfy_x86_page(c, va, &lw);
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
	uint64_t size = vfy_level_size(level);

	*first = 0;
	*last = 511;
	if (c->structure)
		return;
	if (c->sva > base)
		*first = (unsigned)((c->sva - base) / size);
	if (c->eva - 1 - base < 512 * size)
		*last = (unsigned)((c->eva - 1 - base) / size);
}

/* The first non-zero entry of @pt in [i, last], or last + 1; eight at a time when aligned. */
static unsigned
vfy_next_entry(const uint64_t *pt, unsigned i, unsigned last)
{
	for (; i <= last; i++) {
		while ((i & 7) == 0 && i + 7 <= last &&
		       (pt[i] | pt[i + 1] | pt[i + 2] | pt[i + 3] | pt[i + 4] | pt[i + 5] |
		        pt[i + 6] | pt[i + 7]) == 0)
			i += 8;
		if (i > last || pt[i] != 0)
			break;
	}
	return i;
}

static void
vfy_table(struct vfy_walkctx *c, uint64_t table, int level, uint64_t base)
{
	const uint64_t *pt = sim_phys_ptr(c->s->sp, table);
	uint64_t size = vfy_level_size(level), va;
	unsigned i, first, last, nonzero = 0;

	if (pt == NULL)
		return vfy_table_count(c, table, level, 0, base);
	vfy_table_span(c, level, base, &first, &last);
	for (i = vfy_next_entry(pt, first, last); i <= last; i = vfy_next_entry(pt, i + 1, last)) {
		nonzero++;
		va = base + i * size;
		if (va >= c->eva || va + size <= c->sva)
			continue;
		c->path.level = level;
		c->path.entries[level] = pt[i];
		c->path.entry_hpa[level] = table + 8 * i;
		if (level == 0 || (level < 3 && (pt[i] & VFY_PS)))
			c->leaf(c, va, pt[i], level);
		else
			vfy_table(c, pt[i] & VFY_FRAME, level - 1, va);
	}
	if (c->structure)
		vfy_table_count(c, table, level, nonzero, base);
}

/* Check every leaf of @pm in [sva, eva); with @structure, the invariants too. */
void
vfy_check_tables(struct sim *s, struct sim_vmspace *vs, struct vfy_walkers *wk, struct pmap *pm,
                 uint64_t sva, uint64_t eva, bool structure, struct sim_hash *writers)
{
	struct vfy_walkctx c = { .s = s,
		                 .vs = vs,
		                 .wk = wk,
		                 .pm = pm,
		                 .sva = sva,
		                 .eva = eva,
		                 .structure = structure,
		                 .writers = writers,
		                 .leaf = vfy_leaf_pages };

	vfy_table(&c, pm->pm_root_hpa, 3, 0);
	if (structure && c.managed != pm->pm_stats.pv_used)
		sim_diverge(s, vs, 0, "pv list", "%lu managed leaves, %lu pv entries in the pmap",
		            c.managed, pm->pm_stats.pv_used);
}
