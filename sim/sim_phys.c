/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * sim_phys.c - simulated RAM and the memory half of the pmap seam.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "pmap/pmap_plat.h"
#include "sim/sim_phys.h"

static struct sim_phys *sim_phys_cur;

struct sim_phys *
sim_phys_current(void)
{
	return sim_phys_cur;
}

/* xorshift64*: small, seedable, the same on every host. */
static uint64_t
sim_rand(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dull;
}

static void
sim_phys_shuffle(struct sim_phys *sp, uint64_t seed)
{
	uint64_t i, j, t, state = seed;

	if (seed == 0)
		return;
	for (i = sp->nfree - 1; i > 0; i--) {
		j = sim_rand(&state) % (i + 1);
		t = sp->free_stack[i];
		sp->free_stack[i] = sp->free_stack[j];
		sp->free_stack[j] = t;
	}
}

struct sim_phys *
sim_phys_create(uint64_t npages, uint64_t nalloc, uint64_t seed)
{
	struct sim_phys *sp = calloc(1, sizeof(*sp));
	uint64_t i;

	if (sp == NULL || nalloc < 2 || nalloc > npages)
		goto fail;
	sp->npages = npages;
	sp->nalloc = nalloc;
	sp->mem = mmap(NULL, npages * PMAP_PAGE_SIZE, PROT_READ | PROT_WRITE,
	               MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (sp->mem == MAP_FAILED)
		goto fail;
	sp->pages = calloc(npages, sizeof(*sp->pages));
	sp->free_stack = malloc(npages * sizeof(*sp->free_stack));
	if (sp->pages == NULL || sp->free_stack == NULL)
		goto fail_mem;
	for (i = 0; i < npages; i++)
		sp->pages[i].md.hpa = i << PMAP_PAGE_SHIFT;
	/* Pop order is from the top: lowest frames first when unshuffled. */
	for (i = nalloc - 1; i >= 1; i--)
		sp->free_stack[sp->nfree++] = i;
	sim_phys_shuffle(sp, seed);
	sim_phys_cur = sp;
	/* All of RAM is one linear mapping: the pmap may translate inline. */
	pmap_dmap = (struct pmap_dmap){ 0, npages << PMAP_PAGE_SHIFT, (char *)sp->mem };
	return sp;
fail_mem:
	munmap(sp->mem, npages * PMAP_PAGE_SIZE);
fail:
	free(sp ? sp->pages : NULL);
	free(sp ? sp->free_stack : NULL);
	free(sp);
	return NULL;
}

void
sim_phys_destroy(struct sim_phys *sp)
{
	if (sp == NULL)
		return;
	if (sim_phys_cur == sp) {
		sim_phys_cur = NULL;
		pmap_dmap = (struct pmap_dmap){ 0, 0, NULL };
	}
	munmap(sp->mem, sp->npages * PMAP_PAGE_SIZE);
	free(sp->pages);
	free(sp->free_stack);
	free(sp);
}

void
sim_phys_fail_nth(struct sim_phys *sp, uint64_t nth)
{
	sp->fail_at = nth == 0 ? 0 : sp->attempts + nth;
}

uint64_t
sim_phys_alloc_raw(struct sim_phys *sp)
{
	uint64_t frame;
	struct sim_page *pg;

	sp->attempts++;
	if (sp->nfree == 0 || sp->attempts == sp->fail_at) {
		sp->stats.alloc_failures++;
		return 0;
	}
	frame = sp->free_stack[--sp->nfree];
	pg = &sp->pages[frame];
	pg->allocated = 1;
	pg->md.ptp_refs = 0;
	sp->stats.allocs++;
	if (++sp->stats.in_use > sp->stats.peak_in_use)
		sp->stats.peak_in_use = sp->stats.in_use;
	return frame << PMAP_PAGE_SHIFT;
}

uint64_t
sim_phys_alloc(struct sim_phys *sp)
{
	uint64_t hpa = sim_phys_alloc_raw(sp);

	if (hpa != 0)
		memset(sp->mem + hpa, 0, PMAP_PAGE_SIZE);
	return hpa;
}

void
sim_phys_free(struct sim_phys *sp, uint64_t hpa)
{
	struct sim_page *pg = sim_phys_page(sp, hpa);

	if (pg == NULL || !pg->allocated || (hpa & (PMAP_PAGE_SIZE - 1)) != 0 || hpa == 0)
		pmap_plat_panic("sim_phys_free: not an allocated frame hpa=%#lx", hpa);
	pg->allocated = 0;
	memset(sp->mem + hpa, SIM_POISON, PMAP_PAGE_SIZE);
	sp->free_stack[sp->nfree++] = hpa >> PMAP_PAGE_SHIFT;
	sp->stats.frees++;
	sp->stats.in_use--;
}

/* The seam: memory. */

int
pmap_plat_page_alloc(struct pmap *pm, uint64_t *hpa)
{
	uint64_t frame = sim_phys_alloc(sim_phys_cur);

	(void)pm;
	if (frame == 0)
		return PMAP_ENOMEM;
	*hpa = frame;
	return PMAP_OK;
}

void
pmap_plat_page_free(struct pmap *pm, uint64_t hpa)
{
	struct sim_phys *sp = sim_phys_cur;

	if (sp->hooks.page_free != NULL)
		sp->hooks.page_free(sp->hooks.ctx, pm, hpa);
	sim_phys_free(sp, hpa);
}

void *
pmap_plat_phys_to_virt(uint64_t hpa)
{
	void *p = sim_phys_ptr(sim_phys_cur, hpa);

	if (p == NULL)
		pmap_plat_panic("pmap_plat_phys_to_virt: not RAM hpa=%#lx", hpa);
	return p;
}

struct pmap_page *
pmap_plat_page_lookup(uint64_t hpa)
{
	struct sim_page *pg = sim_phys_page(sim_phys_cur, hpa);

	return pg == NULL ? NULL : &pg->md;
}

/* The seam: invalidation, counted and handed to the TLB model's hooks. */

void
pmap_plat_invlpg(struct pmap *pm, uint64_t va)
{
	struct sim_phys *sp = sim_phys_cur;

	sp->stats.invlpg++;
	if (sp->hooks.invlpg != NULL)
		sp->hooks.invlpg(sp->hooks.ctx, pm, va);
}

void
pmap_plat_invltlb(struct pmap *pm)
{
	struct sim_phys *sp = sim_phys_cur;

	sp->stats.invltlb++;
	if (sp->hooks.invltlb != NULL)
		sp->hooks.invltlb(sp->hooks.ctx, pm);
}

void
pmap_plat_invept(struct pmap *pm, uint64_t eptp)
{
	struct sim_phys *sp = sim_phys_cur;

	sp->stats.invept++;
	if (sp->hooks.invept != NULL)
		sp->hooks.invept(sp->hooks.ctx, pm, eptp);
}
