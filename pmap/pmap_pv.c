/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * pmap_pv.c - pv entries: for every managed page, the list of the
 * (pmap, va) pairs that map it, across every pmap of either format.
 *
 * Entries live in chunk pages owned by the pmap.  A chunk is one page:
 *
 *   +-----------------+---------+---------+-----+-----------+
 *   | next chunk hpa  | pv 0    | pv 1    | ... | pv N-1    |
 *   +-----------------+---------+---------+-----+-----------+
 *
 * Free entries sit on pm_pv_free.  Chunks go back to the platform only
 * at pmap_release() or pmap_pv_trim().
 */
#include "pmap_var.h"

#define PMAP_PV_PER_CHUNK ((PMAP_PAGE_SIZE - sizeof(uint64_t)) / sizeof(struct pmap_pv))

struct pmap_pv_chunk {
	uint64_t next_hpa;
	struct pmap_pv pv[PMAP_PV_PER_CHUNK];
};

/* The pmap_page of @hpa, which must be RAM; @who names the caller. */
struct pmap_page *
pmap_page_of(uint64_t hpa, const char *who)
{
	struct pmap_page *pg = pmap_plat_page_lookup(hpa);

	if (pg == NULL)
		PMAP_PANIC("%s: no page for hpa=%#lx", who, hpa);
	return pg;
}

static struct pmap_pv_chunk *
pmap_pv_chunk(uint64_t hpa)
{
	return (struct pmap_pv_chunk *)pmap_phys(hpa);
}

static uint64_t
pmap_pv_nfree(const struct pmap *pm)
{
	return pm->pm_stats.pv_chunks * PMAP_PV_PER_CHUNK - pm->pm_stats.pv_used;
}

static void
pmap_pv_chunk_link(struct pmap *pm, uint64_t hpa)
{
	struct pmap_pv_chunk *c = pmap_pv_chunk(hpa);
	size_t i;

	c->next_hpa = pm->pm_pv_chunk_hpa;
	pm->pm_pv_chunk_hpa = hpa;
	for (i = PMAP_PV_PER_CHUNK; i-- > 0;) {
		c->pv[i].pv_next = pm->pm_pv_free;
		pm->pm_pv_free = &c->pv[i];
	}
	pm->pm_stats.pv_chunks++;
}

/*
 * Make sure @npv free entries exist, adding chunks.  Stores how many
 * chunks it added, for pmap_pv_unreserve().  Returns PMAP_ENOMEM with
 * nothing added when a page cannot be had.
 */
int
pmap_pv_reserve(struct pmap *pm, uint32_t npv, uint32_t *new_chunks)
{
	uint64_t hpa;

	*new_chunks = 0;
	while (pmap_pv_nfree(pm) < npv) {
		if (pmap_plat_page_alloc(pm, &hpa) != PMAP_OK) {
			pmap_pv_unreserve(pm, *new_chunks);
			*new_chunks = 0;
			return PMAP_ENOMEM;
		}
		pmap_pv_chunk_link(pm, hpa);
		(*new_chunks)++;
	}
	return PMAP_OK;
}

/*
 * Undo the last pmap_pv_reserve() that added @nchunks, before any entry
 * was taken: those chunks head both lists.
 */
void
pmap_pv_unreserve(struct pmap *pm, uint32_t nchunks)
{
	while (nchunks-- > 0) {
		uint64_t hpa = pm->pm_pv_chunk_hpa;
		struct pmap_pv_chunk *c = pmap_pv_chunk(hpa);

		if (pm->pm_pv_free != &c->pv[0])
			PMAP_PANIC("pmap_pv_unreserve: chunk %#lx in use", hpa);
		pm->pm_pv_free = c->pv[PMAP_PV_PER_CHUNK - 1].pv_next;
		pm->pm_pv_chunk_hpa = c->next_hpa;
		pm->pm_stats.pv_chunks--;
		pmap_plat_page_free(pm, hpa);
	}
}

static struct pmap_pv **
pmap_pv_head(struct pmap_page *pg, int level)
{
	return level == PMAP_LEVEL_4K ? &pg->pv_list : &pg->pv_list_2m;
}

/* Record that @pm maps @pg at @va with a leaf at @level.  Never fails. */
void
pmap_pv_insert(struct pmap *pm, struct pmap_page *pg, uint64_t va, int level)
{
	struct pmap_pv **head = pmap_pv_head(pg, level);
	struct pmap_pv *pv = pm->pm_pv_free;

	if (pv == NULL)
		PMAP_PANIC("pmap_pv_insert: no reserved pv va=%#lx hpa=%#lx", va, pg->hpa);
	pm->pm_pv_free = pv->pv_next;
	pm->pm_stats.pv_used++;
	pv->pv_pmap = pm;
	pv->pv_va = va;
	pv->pv_next = *head;
	*head = pv;
}

/* Forget the mapping of @pg at (@pm, @va); it must be on the list. */
void
pmap_pv_remove(struct pmap *pm, struct pmap_page *pg, uint64_t va, int level)
{
	struct pmap_pv **pp, *pv;

	for (pp = pmap_pv_head(pg, level); (pv = *pp) != NULL; pp = &pv->pv_next) {
		if (pv->pv_pmap == pm && pv->pv_va == va) {
			*pp = pv->pv_next;
			pv->pv_next = pm->pm_pv_free;
			pm->pm_pv_free = pv;
			pm->pm_stats.pv_used--;
			return;
		}
	}
	PMAP_PANIC("pmap_pv_remove: no pv va=%#lx hpa=%#lx level=%d", va, pg->hpa, level);
}

/*
 * A wired leaf on @pg's @level list came (@delta 1) or went (-1), or a
 * leaf there was wired or unwired.  The counts make
 * pmap_page_wired_mappings() one read instead of a walk per pv entry.
 */
void
pmap_pv_wire(struct pmap_page *pg, int level, int delta)
{
	if (level == PMAP_LEVEL_4K)
		pg->pv_wired += delta;
	else
		pg->pv_wired_2m += delta;
}

/*
 * With no entry in use, give back all chunks but the oldest @keep and
 * rebuild the free list from those.
 */
void
pmap_pv_trim(struct pmap *pm, uint64_t keep)
{
	uint64_t hpa, kept = 0;

	if (pm->pm_stats.pv_used != 0)
		PMAP_PANIC("pmap_pv_trim: %lu entries in use", pm->pm_stats.pv_used);
	while (pm->pm_stats.pv_chunks > keep) {
		hpa = pm->pm_pv_chunk_hpa;
		pm->pm_pv_chunk_hpa = pmap_pv_chunk(hpa)->next_hpa;
		pm->pm_stats.pv_chunks--;
		pmap_plat_page_free(pm, hpa);
	}
	pm->pm_pv_free = NULL;
	hpa = pm->pm_pv_chunk_hpa;
	pm->pm_pv_chunk_hpa = 0;
	pm->pm_stats.pv_chunks = 0;
	while (kept++ < keep) {
		uint64_t next = pmap_pv_chunk(hpa)->next_hpa;

		pmap_pv_chunk_link(pm, hpa);
		hpa = next;
	}
}

/* Free every chunk; no entry may be in use. */
void
pmap_pv_release(struct pmap *pm)
{
	pmap_pv_trim(pm, 0);
}
