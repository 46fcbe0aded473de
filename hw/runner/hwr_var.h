/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * hwr_var.h - the runner's insides, shared by its files only.
 */
#ifndef EPTSIM_HW_RUNNER_HWR_VAR_H
#define EPTSIM_HW_RUNNER_HWR_VAR_H

#include "hw/include/hwops.h"
#include "hw/runner/hwr.h"
#include "hw/runner/hwr_backend.h"
#include "pmap/pmap.h"
#include "pmap/pmap_plat.h"

#define HWR_RECORD_MAX 192
#define HWR_FRAMES     8192 /* slots of the page -> frame table (a power of two) */

/* A MAP region: what the tiny VM allows at [start, end). */
struct hwr_region {
	uint64_t start, end;
	uint8_t prot;
	uint32_t memattr; /* HWOPS_MA_* */
};

/* How an access ended. */
enum hwr_outcome {
	HWR_OUT_OK,        /* completed, maybe after faults the runner fixed */
	HWR_OUT_SEGV,      /* a fault the tiny VM refuses: no retry */
	HWR_OUT_MISCONFIG, /* EPT misconfiguration: the pmap wrote a bad entry */
};

/* One record's fields (hw/DESIGN.md, "Records"). */
struct hwr_record {
	uint64_t opno;
	const char *kind;
	uint64_t line;
	uint64_t faults;
	enum hwr_outcome out;
	uint64_t code, addr, val;
	uint64_t ad_va; /* whose path the ad= field shows */
};

struct hwr_state {
	struct pmap pm;
	const struct hwops_header *h;
	uint64_t limit; /* addresses of the mode lie below */
	struct hwr_region reg[HWR_MAX_REGIONS];
	unsigned nreg;
	struct hwr_frame_slot {
		uint64_t page; /* 0: empty */
		uint64_t hpa;
	} frames[HWR_FRAMES];
	unsigned nframes;
};

/* hwr_frames.c */
uint64_t hwr_frame_find(struct hwr_state *st, uint64_t page);
void hwr_frame_remember(struct hwr_state *st, uint64_t page, uint64_t hpa);
void hwr_frame_forget(struct hwr_state *st, uint64_t sva, uint64_t eva);
void hwr_frame_reset(struct hwr_state *st);

/* hwr_region.c */
struct hwr_region *hwr_region_find(struct hwr_state *st, uint64_t va);
int hwr_region_map(struct hwr_state *st, uint64_t sva, uint64_t eva, uint8_t prot,
                   uint32_t memattr);
int hwr_region_unmap(struct hwr_state *st, uint64_t sva, uint64_t eva);
int hwr_region_protect(struct hwr_state *st, uint64_t sva, uint64_t eva, uint8_t prot);

/* hwr_fault.c */
int hwr_op_access(struct hwr_state *st, const struct hwops_op *op, struct hwr_record *rec);

/* hwr_record.c */
void hwr_record_emit(struct hwr_state *st, const struct hwr_record *rec);
void hwr_emit_end(uint64_t ops, int status);

#endif /* EPTSIM_HW_RUNNER_HWR_VAR_H */
