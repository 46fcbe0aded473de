/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * vfy_unicorn_priv.h - private to vfy_unicorn*.c: the engine, its page
 * set and its code.
 *
 * Guest-physical memory of the engine:
 *
 *   simulator pages, at their own hpa      VFY_UC_STUB_HPA + ...
 *   +------+------+- - -+------+            +------+------+------+------+-------+-------+
 *   |table |frame |     |table |            | PML4 | PDPT |  PD  |  PT  | KCODE | UCODE |
 *   +------+------+- - -+------+            +------+------+------+------+-------+-------+
 *   path    pattern      path                0x0000 0x1000 0x2000 0x3000 0x4000  0x5000
 *   entries              entries
 *
 * The stub's PT maps KCODE (supervisor, read-only) at the borrowed PML4
 * slot's first page and UCODE (user) at the next; both hold the same code.
 */
#ifndef EPTSIM_VERIFY_VFY_UNICORN_PRIV_H
#define EPTSIM_VERIFY_VFY_UNICORN_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include <unicorn/unicorn.h>

#include "verify/vfy_unicorn.h"

#define UC_PAGE  0x1000u
/*
 * Guest-physical memory is mapped in chunks of this size: uc_mem_map()
 * flushes Unicorn's TLB, so a page in a chunk mapped before is loaded
 * without a flush (a kept TLB stays stale, as a real one would).
 */
#define UC_CHUNK UINT64_C(0x200000)

/* Stub pages, offsets from VFY_UC_STUB_HPA. */
#define STUB_PML4  0x0000u /* CR3 of the base context only */
#define STUB_PDPT  0x1000u
#define STUB_PD    0x2000u
#define STUB_PT    0x3000u
#define STUB_KCODE 0x4000u
#define STUB_UCODE 0x5000u
#define STUB_SIZE  0x6000u

/* Code offsets in KCODE and UCODE (the same bytes in both). */
#define CODE_READ   0x00u  /* mov rax, [rbx]; jmp r8 (every operation ends at CODE_DONE) */
#define CODE_WRITE  0x10u  /* mov [rbx], rdx */
#define CODE_FETCH  0x20u  /* jmp rbx: the frame's code does mov rax, imm64; jmp r8 */
#define CODE_INVLPG 0x30u  /* invlpg [rbx] */
#define CODE_CR3    0x40u  /* mov cr3, rbx */
#define CODE_SYSRET 0x50u  /* sysretq: to rcx at CPL 3 */
#define CODE_CPUID  0x60u  /* cpuid */
#define CODE_DONE   0x80u  /* int3: where every run ends */
#define CODE_NEVER  0xf00u /* the stop address given to uc_emu_start: never reached */

/* A frame's code at the fetched offset: mov rax, imm64; jmp r8. */
#define FETCH_LEN   13u
#define FETCH_MAGIC UINT64_C(0x4645544348000000) /* "FETCH" above any frame address */

enum uc_role {
	ROLE_TABLE, /* copied raw from the caller's memory */
	ROLE_FRAME, /* patterned */
};

struct uc_page {
	uint64_t hpa;
	enum uc_role role;
	uint8_t *host; /* the engine's bytes as last written or read back (4 KiB) */
	/*
	 * A frame's bytes are its pattern except in [dirty_lo, dirty_hi)
	 * (a store's tag, a fetch's code at code_off, -1 none): a frame
	 * loaded again is rewritten there only, so the code Unicorn
	 * translated from an unchanged page stays valid.
	 */
	bool patterned;
	uint16_t dirty_lo, dirty_hi;
	int code_off;
};

struct vfy_uc {
	uc_engine *uc;
	uc_hook intr;
	uc_context *base; /* paging on, stub CR3: after open */
	uc_context *cur;  /* base + the last run's CR0/CR3/EFER */
	struct vfy_uc_cpu cpu;
	int last_vector; /* set by the interrupt hook, -1 none */
	bool done;       /* the run reached the int3 at CODE_DONE */
	bool have_cur;
	uint64_t cur_cr3;
	bool cur_wp, cur_nxe;
	unsigned cur_slot;  /* PML4 slot of the stub in the last run */
	uint64_t run_frame; /* the frame page this run's path led to (~0: none) */
	/* pages of the caller's memory held by the engine: an open hash on hpa */
	struct uc_page *pages;
	unsigned npages, cap;
	unsigned *slot;     /* index + 1 into pages, 0 empty; 2 * cap entries */
	uint64_t premapped; /* [0, premapped) is mapped (vfy_uc_premap()) */
	uint64_t *chunks;   /* bases of the other mapped UC_CHUNKs */
	unsigned nchunks, chunk_cap;
	char err[160];
};

/* vfy_unicorn_mem.c: the page set, the loader and the frame's identity. */
struct uc_page *uc_page_find(struct vfy_uc *u, uint64_t hpa);
void uc_pages_free(struct vfy_uc *u);
int uc_load(struct vfy_uc *u, const struct vfy_mem *mem, const struct vfy_uc_req *req,
            struct vfy_uc_result *res);
int uc_stub_slot_write(struct vfy_uc *u, uint64_t pml4, unsigned slot);
unsigned uc_stub_slot(uint64_t gva);
uint64_t uc_stub_va(unsigned slot);
void uc_identify(struct vfy_uc *u, const struct vfy_uc_req *req, uint64_t rax,
                 struct vfy_uc_result *res);
int uc_fail(struct vfy_uc *u, uc_err e, const char *what);
void uc_host_sync(struct vfy_uc *u, uint64_t hpa);

#endif /* EPTSIM_VERIFY_VFY_UNICORN_PRIV_H */
