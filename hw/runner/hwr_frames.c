/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * hwr_frames.c - the frame behind each page of the runner's regions, so
 * that a page keeps its contents while its region maps it: after
 * pmap_protect(VM_PROT_NONE), a pmap_ts_referenced() that had to remove
 * the mapping (emulated A/D), the fault enters the same frame again.
 * MAP over a range and UNMAP forget its pages (new contents: zeros).
 *
 * Open addressing with linear probing and backward-shift deletion (no
 * tombstones), HWR_FRAMES slots; past 3/4 full a new page is not
 * remembered (hw/DESIGN.md): kernel and host alike.
 */
#include "hw/runner/hwr_var.h"

static unsigned
hwr_frame_slot0(uint64_t page)
{
	return (unsigned)((page >> PMAP_PAGE_SHIFT) * 0x9e3779b97f4a7c15ul >> 40) &
	       (HWR_FRAMES - 1);
}

/* The frame of @page, 0 when none is remembered. */
uint64_t
hwr_frame_find(struct hwr_state *st, uint64_t page)
{
	unsigned i = hwr_frame_slot0(page);

	for (; st->frames[i].page != 0; i = (i + 1) & (HWR_FRAMES - 1))
		if (st->frames[i].page == page)
			return st->frames[i].hpa;
	return 0;
}

void
hwr_frame_remember(struct hwr_state *st, uint64_t page, uint64_t hpa)
{
	unsigned i = hwr_frame_slot0(page);

	if (st->nframes >= HWR_FRAMES / 4 * 3)
		return;
	while (st->frames[i].page != 0 && st->frames[i].page != page)
		i = (i + 1) & (HWR_FRAMES - 1);
	if (st->frames[i].page == 0)
		st->nframes++;
	st->frames[i].page = page;
	st->frames[i].hpa = hpa;
}

/*
 * Empty slot @hole and move back the entries after it that probing
 * would no longer find (Knuth 6.4, algorithm R).
 */
static void
hwr_frame_delete(struct hwr_state *st, unsigned hole)
{
	unsigned i = hole, home;

	for (;;) {
		st->frames[hole].page = 0;
		do {
			i = (i + 1) & (HWR_FRAMES - 1);
			if (st->frames[i].page == 0)
				goto done;
			home = hwr_frame_slot0(st->frames[i].page);
		} while (hole <= i ? (hole < home && home <= i) : (hole < home || home <= i));
		st->frames[hole] = st->frames[i];
		hole = i;
	}
done:
	st->nframes--;
}

/* Forget every page in [sva, eva). */
void
hwr_frame_forget(struct hwr_state *st, uint64_t sva, uint64_t eva)
{
	unsigned i = 0;

	while (i < HWR_FRAMES) {
		uint64_t page = st->frames[i].page;

		if (page != 0 && page >= sva && page < eva)
			hwr_frame_delete(st, i); /* slot i holds a moved entry now: look again */
		else
			i++;
	}
}

void
hwr_frame_reset(struct hwr_state *st)
{
	unsigned i;

	for (i = 0; i < HWR_FRAMES; i++)
		st->frames[i].page = 0;
	st->nframes = 0;
}
