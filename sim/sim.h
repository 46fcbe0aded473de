/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * sim.h - the simulated machine and the BSD-style VM around the pmap.
 *
 *   vmspace --entries--> sim_entry --obj--> sim_obj --backing--> sim_obj ...
 *      |                                      |  pages (hash: obj, pindex)
 *      +-- pmap x86 / pmap EPT (by mode)      v
 *                                          sim_page (frame) --md--> pv lists
 *
 * Anonymous memory lives in objects with shadow chains (fork makes private
 * entries copy-on-write); file objects are shared by every mapping of a
 * file; device objects name physical addresses outside RAM.  The fault
 * path is vm_fault's: zero fill, COW on write, SIGSEGV on a bad access.
 */
#ifndef EPTSIM_SIM_SIM_H
#define EPTSIM_SIM_SIM_H

#include <stdbool.h>
#include <stdint.h>

#include "pmap/pmap.h"
#include "sim/sim_hash.h"
#include "sim/sim_phys.h"
#include "sim/trace.h"

#define SIM_MAX_CPUS 64

enum sim_mode {
	SIM_MODE_PAIR,    /* a regular and an EPT pmap per vmspace, both entered */
	SIM_MODE_CONVERT, /* regular only, converted to EPT at CHECK and at the end */
	SIM_MODE_EPT,     /* EPT only */
};

enum sim_ad {
	SIM_AD_HW,       /* EPT A/D flags in hardware (EPTP bit 6) */
	SIM_AD_EMULATED, /* PMAP_EMULATE_AD_BITS */
};

enum sim_obj_type {
	SIM_OBJ_ANON,
	SIM_OBJ_FILE,
	SIM_OBJ_DEVICE,
};

struct sim_obj {
	uint64_t id;
	enum sim_obj_type type;
	uint32_t refs;           /* entries and shadowing objects */
	struct sim_obj *backing; /* shadow chain: where missing pages come from */
	uint64_t backing_pindex; /* page 0 of this object is that page of backing */
	uint64_t file;           /* FILE: the file id */
	uint64_t dev_hpa;        /* DEVICE: physical base */
	enum pmap_memattr memattr;
	uint64_t resident;
	struct sim_hash swap;   /* pindex -> saved contents (the swap store) */
	struct sim_page *pages; /* resident pages, linked by obj_next */
};

/*
 * A CPU's TLB: 4 KiB translations in SIM_TLB_SETS sets of SIM_TLB_WAYS
 * ways, indexed by the page number; larger pages in a small fully
 * associative array (as real CPUs keep separate large-page TLBs).
 */
#define SIM_TLB_SETS  64
#define SIM_TLB_WAYS  4
#define SIM_TLB_LARGE 32

#define SIM_TLB_LARGE_BASE (SIM_TLB_SETS * SIM_TLB_WAYS)
#define SIM_TLB_ALL        (SIM_TLB_LARGE_BASE + SIM_TLB_LARGE)
/* Slot masks (bit i: slot i): the 4 KiB slots' words, then one for the large slots. */
#define SIM_TLB_MASK_WORDS (SIM_TLB_LARGE_BASE / 64 + 1)

struct sim_tlb_mask {
	uint64_t w[SIM_TLB_MASK_WORDS];
};

struct sim_entry {
	struct sim_entry *next; /* sorted by start, disjoint */
	uint64_t start, end;
	vm_prot_t prot;
	bool shared;
	bool needs_copy; /* private and not yet given its own shadow */
	bool wired;
	struct sim_obj *obj;
	uint64_t pindex; /* object page that start maps */
};

struct sim_vmspace {
	uint32_t id;
	enum trace_vm_kind kind;
	uint32_t owner;
	struct sim_entry *entries;
	struct sim_entry *hint; /* the entry sim_entry_find() found last */
	struct pmap x86, ept;
	bool has_x86, has_ept;
	/*
	 * A conversion's view (verify/vfy_full.c): the EPT pmap was copied
	 * from the x86 one, so it must hold every x86 page, and it can no
	 * more say execute-only than x86 can.
	 */
	bool converted;
	/*
	 * Bit n: cpu n may hold a TLB entry of these pmaps (set by each fill;
	 * a range check clears it for a cpu found holding none).
	 */
	uint64_t tlb_cpus;
	/*
	 * [pmap: x86, EPT][cpu] bit i: slot i of the cpu is tagged with that
	 * pmap (its tag[i]), so lookups, invalidations and range checks visit
	 * only those.
	 */
	struct sim_tlb_mask tlb_slots[2][SIM_MAX_CPUS];
};

/* Why an access could not be completed. */
enum sim_access_result {
	SIM_ACCESS_OK,
	SIM_ACCESS_SEGV,   /* the VM refuses: the process gets SIGSEGV */
	SIM_ACCESS_EFAULT, /* a kernel copy of a bad user address */
};

struct sim_stats {
	uint64_t events;
	uint64_t accesses, tlb_hits, walks;
	uint64_t faults, spurious_faults, emulated_ad, segv, efault;
	uint64_t zero_fills, cow_copies, file_reads, swap_ins;
	uint64_t pageouts, swap_outs, pageout_scanned;
	uint64_t copy_bytes;
	uint64_t vmspaces, peak_resident_pages;
	uint64_t checks, full_checks, converted_leaves;
};

/*
 * A TLB entry: one translation a CPU cached, for one pmap (tagged by its
 * CR3 or EPTP), kept until the pmap invalidates it or the CPU faults on
 * its address.  Rights are what the walk granted when it was filled.
 */
struct sim_tlb_entry {
	struct pmap *pm; /* NULL: empty */
	uint64_t va;     /* first address of the page (4 KiB or 2 MiB) */
	uint64_t size;
	uint64_t hpa;
	bool r, w, x;
	bool dirty; /* the leaf's D was set when filled (a write re-walks otherwise) */
	uint64_t filled_event;
};

struct sim_cpu {
	/* [set * WAYS + way] for 4 KiB pages, then [LARGE_BASE + i] for large ones */
	struct sim_tlb_entry tlb[SIM_TLB_ALL];
	uint8_t victim[SIM_TLB_SETS];
	unsigned large_victim;
	struct pmap *tag[SIM_TLB_ALL];     /* tlb[i].pm, packed */
	uint64_t used[SIM_TLB_MASK_WORDS]; /* bit i: tag[i] is not NULL */
};

/* Replay configuration. */
enum sim_check {
	SIM_CHECK_NONE,
	SIM_CHECK_INCREMENTAL, /* the addresses each event touched, and full at CHECK */
	SIM_CHECK_FULL,        /* every mapped address after every event */
};

/*
 * Faults to inject, to prove the checks see them (negative tests, and
 * `eptsim replay --inject=...`).
 */
#define SIM_INJECT_SKIP_INVAL  0x1 /* the CPUs ignore INVLPG / flushes / INVEPT */
#define SIM_INJECT_SKIP_INVLPG 0x2 /* the pmap's INVLPG calls are lost in the seam */

/*
 * An independent MMU that executes the replay's accesses again (the
 * Unicorn oracle, verify/vfy_unicorn_oracle.h), told of the pmap's
 * invalidations as the CPUs are.  Hooks only: sim/ does not link it.
 *   access   after each access of a fault event or of a copy's page:
 *            what the simulator's MMU did (@r, and @hpa when OK)
 *   invlpg   pmap_plat_invlpg / _invltlb as the seam saw them
 *   invltlb
 *   gone     @vs is about to be destroyed (its pmaps released)
 */
struct sim;
struct sim_oracle {
	void (*access)(void *arg, struct sim *s, struct sim_vmspace *vs, unsigned cpu, uint64_t va,
	               vm_prot_t access, bool user, enum sim_access_result r, uint64_t hpa);
	void (*invlpg)(void *arg, struct pmap *pm, uint64_t va);
	void (*invltlb)(void *arg, struct pmap *pm);
	void (*gone)(void *arg, struct sim_vmspace *vs);
	void *arg;
};

struct sim_config {
	enum sim_mode mode;
	enum sim_ad ad;
	enum sim_check check;
	uint64_t ram_pages;
	uint64_t seed;
	bool keep_going;
	bool json;
	uint32_t inject;
	const struct sim_oracle *oracle; /* NULL: none */
	/* Called every 65536 events with the count so far (NULL: none). */
	void (*progress)(uint64_t events, void *arg);
	void *progress_arg;
};

struct sim_report;

struct sim {
	struct sim_config cfg;
	struct sim_phys *sp;
	struct sim_hash vmspaces; /* id -> sim_vmspace */
	struct sim_hash files;    /* file id -> sim_obj */
	struct sim_hash pages;    /* (obj id, pindex) -> sim_page */
	uint64_t next_obj_id;
	struct sim_cpu cpu[SIM_MAX_CPUS];
	uint64_t cpus_used; /* bit n: cpu n has filled its TLB */
	/*
	 * Addresses the pageout daemon touched during this event (the
	 * mappings of the pages it scanned), for the incremental check.  The
	 * array grows as needed; when host memory runs out the check is a
	 * full one (touched_overflow).
	 */
	struct sim_touched {
		struct sim_vmspace *vs;
		uint64_t va;
	} * touched;
	size_t ntouched, touched_cap;
	bool touched_overflow;
	struct sim_hash threads; /* tid -> cpu + 1 */
	struct sim_page *clock;  /* pageout hand over the resident pages (circular) */
	uint64_t resident;
	const struct trace_event *ev; /* the event being replayed */
	struct sim_stats stats;
	struct sim_report *report;
	char fatal[TRACE_ERR_MAX]; /* why the replay cannot go on */
};

#endif /* EPTSIM_SIM_SIM_H */
