/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * vfy_unicorn.h - an independent x86 MMU: Unicorn 2.1 (QEMU's TCG MMU)
 * executes one access as real guest code against raw x86 4-level tables.
 *
 * The tables are copied into the engine's guest-physical memory at their
 * own addresses (guest-physical = simulator-physical) from a struct
 * vfy_mem, entry by entry along the accessed address's path; the frame
 * the leaf maps gets a known pattern instead of its bytes, so the bytes an
 * access reads, writes or fetches name the frame.  The
 * CPU runs 4-level long mode (CR0.PE|PG, CR4.PAE, EFER.LME|LMA|SCE,
 * CR0.WP and EFER.NXE as asked; no SMEP, SMAP, PKE, PCIDE) and makes the
 * access at CPL 0, or at CPL 3 after a SYSRET from CPL 0.
 *
 * The backend owns the 2 MiB at VFY_UC_STUB_HPA (its code and the tables
 * mapping it) and borrows one PML4 slot, 0x1ff or 0x1fe, whichever the
 * accessed address does not use, in the engine's copy of the PML4 page;
 * the caller's tables and frames must stay out of those 2 MiB.
 *
 * Guest-physical memory is mapped in 2 MiB chunks as pages are first
 * loaded; mapping a chunk flushes Unicorn's TLB (uc_mem_map does).  A
 * caller that keeps the TLB maps its RAM up front (vfy_uc_premap()).
 *
 * Unicorn cannot run VMX: EPT tables are not executed here (the Bochs
 * hardware path covers EPT).  This header does not include unicorn.h.
 */
#ifndef EPTSIM_VERIFY_VFY_UNICORN_H
#define EPTSIM_VERIFY_VFY_UNICORN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "verify/vfy_walk.h"

/* Private pages of the backend: the 2 MiB below 64 GiB (MAXPHYADDR >= 36). */
#define VFY_UC_STUB_HPA UINT64_C(0xfffe00000)

/*
 * The 8 bytes a store writes ("WRITTEN!" in memory order).  Once the
 * frame is found, the store is undone in the engine: a later store to
 * the same place, through a stale translation say, is seen again.
 */
#define VFY_UC_WRITE_TAG UINT64_C(0x214e455454495257)

/* Exception vectors the engine reports. */
#define VFY_UC_VEC_BP 3  /* breakpoint: the int3 that ends every run */
#define VFY_UC_VEC_DF 8  /* double fault */
#define VFY_UC_VEC_GP 13 /* general protection */
#define VFY_UC_VEC_PF 14 /* page fault */

/* The emulated CPU; its CPUID decides 1 GiB pages and MAXPHYADDR. */
enum vfy_uc_cpu_model {
	VFY_UC_CPU_SKYLAKE_SERVER, /* the default: CPUID says 1 GiB pages, NX */
	VFY_UC_CPU_QEMU64,         /* Unicorn's own default: no 1 GiB pages in CPUID */
};

/* What CPUID says inside the engine. */
struct vfy_uc_cpu {
	const char *model;
	bool pdpe1gb;        /* CPUID.80000001H:EDX[26] */
	bool nx;             /* CPUID.80000001H:EDX[20] */
	unsigned maxphyaddr; /* CPUID.80000008H:EAX[7:0] */
};

/* One access. */
struct vfy_uc_req {
	uint64_t cr3;
	uint64_t gva;    /* canonical; 8 bytes (fetch: 13) must fit in its 4 KiB page */
	unsigned access; /* exactly one of VFY_ACC_READ, _WRITE, _FETCH */
	bool user;       /* CPL 3 (entered by SYSRET), else CPL 0 */
	bool cr0_wp;
	bool efer_nxe;
	/*
	 * Keep Unicorn's TLB from the previous run: memory is copied again
	 * but neither the TLB is flushed nor CR0/CR3/EFER are rewritten (cr3,
	 * cr0_wp and efer_nxe must equal the previous run's), so a changed
	 * entry stays stale until vfy_uc_invlpg() or vfy_uc_write_cr3() (or
	 * until a page in a chunk not mapped before is loaded: see above).
	 * No probe run either: the error code's P and RSVD stay unknown.
	 */
	bool keep_tlb;
};

/* One level of @gva's path, as copied into the engine and read back. */
struct vfy_uc_level {
	bool loaded;     /* the loader reached this level */
	uint64_t hpa;    /* address of the entry */
	uint64_t before; /* the entry as copied in */
	uint64_t after;  /* the entry after the run (A/D the CPU set) */
};

struct vfy_uc_result {
	bool fault;      /* an exception ended the access */
	unsigned vector; /* VFY_UC_VEC_* when fault */
	uint64_t cr2;    /* CR2 after a #PF */
	/*
	 * The #PF error code.  Unicorn 2.1.1 does not expose it (CR2 it
	 * does), so it is inferred and ec_inferred is set: W/R from the
	 * access, U/S from the CPL, I/D for a fetch with EFER.NXE (SDM 3A
	 * 4.7); P=1 RSVD=0 when the same address read at CPL 0 does not
	 * fault (a protection fault), else P and RSVD stay unknown (P=0
	 * RSVD=0 and P=1 RSVD=1 both fault every access).  ec_known masks
	 * the bits that were determined.
	 */
	uint32_t error_code;
	uint32_t ec_known;
	bool ec_inferred;
	bool ec_p_eq_rsvd; /* the CPL 0 read faulted too: P and RSVD are equal, unknown */
	bool frame_found;  /* the bytes name exactly one frame */
	uint64_t frame;    /* 4 KiB frame read, written or fetched from */
	uint64_t value;    /* bytes read (fetch: the immediate); a write: VFY_UC_WRITE_TAG */
	int stop_level;    /* lowest level loaded */
	struct vfy_uc_level lv[4]; /* [3] PML4E .. [0] PTE */
	char why[160];             /* the reason when vfy_uc_run() returns -1 */
};

struct vfy_uc;

/*
 * Open an engine for @model with its private pages mapped and paging set
 * up.  Returns 0, or -1 with the reason in @err.  Free with vfy_uc_close().
 */
int vfy_uc_open(struct vfy_uc **out, enum vfy_uc_cpu_model model, char *err, size_t errlen);
void vfy_uc_close(struct vfy_uc *uc);
/* CPUID of the engine (read once at open). */
const struct vfy_uc_cpu *vfy_uc_cpu(const struct vfy_uc *uc);

/*
 * Copy @req->gva's path through the tables at @req->cr3 from @mem into
 * the engine (each entry on it as it is; the 4 KiB page of the frame the
 * leaf names, patterned; pages loaded by earlier runs keep their bytes),
 * then execute the access from a clean CPU context (a second #PF in one
 * context would be a #DF) and fill @res.  Returns 0 whether or not the
 * access faulted; -1 when the engine failed (res->why says why).
 */
int vfy_uc_run(struct vfy_uc *uc, const struct vfy_mem *mem, const struct vfy_uc_req *req,
               struct vfy_uc_result *res);

/*
 * Execute INVLPG [@gva] / MOV CR3, @cr3 as guest code at CPL 0 in the
 * last run's context (for keep_tlb runs).  The PML4 page at @cr3 must be
 * one an earlier run loaded.  0, or -1 (vfy_uc_error() says why).
 */
int vfy_uc_invlpg(struct vfy_uc *uc, uint64_t gva);
int vfy_uc_write_cr3(struct vfy_uc *uc, uint64_t cr3);
/*
 * Map guest-physical [0, @size) now (rounded up to 2 MiB; at most
 * VFY_UC_PREMAP_MAX), so that loading pages there never flushes the TLB.
 * Memory is committed only where pages are loaded.  0, or -1
 * (vfy_uc_error() says why).
 */
#define VFY_UC_PREMAP_MAX (UINT64_C(4) << 30)
int vfy_uc_premap(struct vfy_uc *uc, uint64_t size);
/* Why the last call failed. */
const char *vfy_uc_error(const struct vfy_uc *uc);

/*
 * The 8 bytes a patterned frame holds at @hpa (its page's pattern: a read
 * of a frame returns this).  Not meaningful for table pages.
 */
uint64_t vfy_uc_pattern(uint64_t hpa);

/* Does @ec agree with the inferred error code in @res on its known bits? */
bool vfy_uc_ec_matches(const struct vfy_uc_result *res, uint32_t ec);

#endif /* EPTSIM_VERIFY_VFY_UNICORN_H */
