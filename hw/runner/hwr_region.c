/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * hwr_region.c - the runner's tiny VM: MAP regions, cut and re-protected
 * the way mmap, munmap and mprotect cut map entries.  An unsorted array;
 * op lists hold a few hundred regions at most.
 */
#include "hw/runner/hwr_var.h"

struct hwr_region *
hwr_region_find(struct hwr_state *st, uint64_t va)
{
	unsigned i;

	for (i = 0; i < st->nreg; i++)
		if (va >= st->reg[i].start && va < st->reg[i].end)
			return &st->reg[i];
	return 0;
}

/* Make @va a region boundary: split the region that strictly contains it. */
static int
hwr_region_split(struct hwr_state *st, uint64_t va)
{
	struct hwr_region *r = hwr_region_find(st, va);

	if (r == 0 || r->start == va)
		return HWR_OK;
	if (st->nreg == HWR_MAX_REGIONS)
		return HWR_E_REGIONS;
	st->reg[st->nreg] = *r;
	st->reg[st->nreg].start = va;
	st->nreg++;
	r->end = va;
	return HWR_OK;
}

/* Split at both ends of [sva, eva) so that every region is inside or outside. */
static int
hwr_region_bound(struct hwr_state *st, uint64_t sva, uint64_t eva)
{
	int error = hwr_region_split(st, sva);

	return error != HWR_OK ? error : hwr_region_split(st, eva);
}

int
hwr_region_unmap(struct hwr_state *st, uint64_t sva, uint64_t eva)
{
	unsigned i = 0;
	int error = hwr_region_bound(st, sva, eva);

	if (error != HWR_OK)
		return error;
	hwr_frame_forget(st, sva, eva);
	while (i < st->nreg) {
		if (st->reg[i].start >= sva && st->reg[i].end <= eva)
			st->reg[i] = st->reg[--st->nreg];
		else
			i++;
	}
	return HWR_OK;
}

int
hwr_region_map(struct hwr_state *st, uint64_t sva, uint64_t eva, uint8_t prot, uint32_t memattr)
{
	int error = hwr_region_unmap(st, sva, eva);

	if (error != HWR_OK)
		return error;
	if (st->nreg == HWR_MAX_REGIONS)
		return HWR_E_REGIONS;
	st->reg[st->nreg].start = sva;
	st->reg[st->nreg].end = eva;
	st->reg[st->nreg].prot = prot;
	st->reg[st->nreg].memattr = memattr;
	st->nreg++;
	return HWR_OK;
}

int
hwr_region_protect(struct hwr_state *st, uint64_t sva, uint64_t eva, uint8_t prot)
{
	unsigned i;
	int error = hwr_region_bound(st, sva, eva);

	if (error != HWR_OK)
		return error;
	for (i = 0; i < st->nreg; i++)
		if (st->reg[i].start >= sva && st->reg[i].end <= eva)
			st->reg[i].prot = prot;
	return HWR_OK;
}
