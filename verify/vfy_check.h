/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * vfy_check.h - the replay's independent checks.  They read the tables
 * through the reference walkers (vfy_walk.h) and the raw table memory,
 * and judge them against each other and against the VM's ground truth.
 */
#ifndef EPTSIM_VERIFY_VFY_CHECK_H
#define EPTSIM_VERIFY_VFY_CHECK_H

#include "sim/mmu.h"
#include "sim/sim.h"

/* After @ev: the addresses it touched, and every TLB of its vmspaces. */
void vfy_check_event(struct sim *s, const struct trace_event *ev);

/* Everything: every leaf of every pmap, the structural invariants, the TLBs. */
void vfy_check_full(struct sim *s);

/* @va in @vs: both formats, and the VM. */
void vfy_check_va(struct sim *s, struct sim_vmspace *vs, uint64_t va);

/* The @n bytes a copy routine reached at @hpa for @va, read the other ways. */
void vfy_check_copy(struct sim *s, struct sim_vmspace *vs, uint64_t va, uint64_t hpa, uint64_t n);

/*
 * Walkers of a vmspace's pmaps for one check, during which no table
 * changes: consecutive addresses share the walk of the tables above them.
 */
struct vfy_walkers {
	struct sim_walker x86, ept;
	/*
	 * Pair mode: the pages of the range the x86 walk translated, in
	 * ascending spans, kept by the x86 pass for the EPT pass (which
	 * skips them: they were checked in both formats).
	 */
	bool x86_done, x86_lost; /* the list is complete / host memory ran out */
	struct vfy_span {
		uint64_t sva, eva;
	} * x86_ok; /* ok_inline until it outgrows it, then the heap */
	size_t nok, capok, nextok;
	struct vfy_span ok_inline[8];
	uint64_t both_ok; /* pages the x86 pass found translated in both formats */
};

/* Not to be moved once initialised. */
void vfy_walkers_init(struct sim *s, struct sim_vmspace *vs, struct vfy_walkers *wk);
void vfy_walkers_fini(struct vfy_walkers *wk);
/*
 * The next range of the same check (the tables unchanged since the
 * init): the cursors go on, the x86 pass's list starts empty (its buffer
 * kept).
 */
void vfy_walkers_range(struct vfy_walkers *wk);

/* vfy_check_va with @vs's walks at @va done (x->ok / e->ok false where none). */
void vfy_check_walked(struct sim *s, struct sim_vmspace *vs, uint64_t va, const struct sim_walk *x,
                      const struct sim_walk *e);

/*
 * vfy_check_walked() at @va (page-aligned) and at the pages after it,
 * below @eva, that it stands for: @x and @e translate from leaves that go
 * on, the VM holds those pages alike (sim_vm_resident_run) and @va was
 * found clean, so each of them would be found clean too.  Returns the
 * pages checked, at least 1.
 */
uint64_t vfy_check_run(struct sim *s, struct sim_vmspace *vs, uint64_t va, uint64_t eva,
                       const struct sim_walk *x, const struct sim_walk *e);

/*
 * vfy_pageout.c: after pmap_ts_referenced (@dirty false) or
 * pmap_clear_modify (@dirty true) no mapping of @pg may still say accessed
 * or dirty: the next access must be seen.
 */
void vfy_check_rearmed(struct sim *s, struct sim_page *pg, bool dirty);

/* vfy_full.c: @ept, converted from a user range, maps nothing above it. */
void vfy_check_user_only(struct sim *s, struct sim_vmspace *vs, struct pmap *ept);

/*
 * A full check's record of the vmspace each private anonymous frame is
 * writable from: a mark on the frame's page (sim_page.writer_epoch and
 * writer_vm, this check's epoch and the vmspace's id + 1), and a hash for
 * addresses outside RAM, which have no page (only a broken leaf maps an
 * anonymous page there).
 */
struct vfy_writers {
	uint32_t epoch;
	struct sim_hash far; /* hpa -> vmspace id + 1 */
};

/* vfy_full.c: a new epoch, so no mark of an earlier check counts. */
void vfy_writers_begin(struct sim *s, struct vfy_writers *wr);
void vfy_writers_end(struct vfy_writers *wr);

/* vfy_tables.c: every leaf of @pm in [sva, eva); with @structure, the invariants. */
void vfy_check_tables(struct sim *s, struct sim_vmspace *vs, struct vfy_walkers *wk,
                      struct pmap *pm, uint64_t sva, uint64_t eva, bool structure,
                      struct vfy_writers *writers);

/* vfy_check.c: an EPT pmap against the x86 walk of the same address. */
void vfy_check_pair(struct sim *s, struct sim_vmspace *vs, struct pmap *ept, uint64_t va,
                    const struct sim_walk *x, const struct sim_walk *e);

#endif /* EPTSIM_VERIFY_VFY_CHECK_H */
