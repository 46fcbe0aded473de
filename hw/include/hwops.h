/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * hwops.h - the operation list the host hands to the hardware runner
 * (hw/DESIGN.md).  Little-endian, fixed-size records: a 32-byte header,
 * then hwops_header.nops 32-byte ops, the last one END.  Freestanding:
 * included by the bare-metal kernel, the runner and the host compiler.
 */
#ifndef EPTSIM_HW_HWOPS_H
#define EPTSIM_HW_HWOPS_H

#include <stdint.h>

#define HWOPS_MAGIC   "EPTHWOPS" /* 8 bytes, no NUL stored */
#define HWOPS_VERSION 1

/* hwops_header.mode: which pmap the runner makes and what runs the accesses. */
enum hwops_mode {
	HWOPS_MODE_LEGACY = 0,   /* x86 pmap, CR3, CPL3/CPL0 accesses, #PF */
	HWOPS_MODE_EPT_AD = 1,   /* EPT pmap with hardware A/D (EPTP bit 6) */
	HWOPS_MODE_EPT_EMUL = 2, /* EPT pmap, PMAP_EMULATE_AD_BITS */
	HWOPS_MODE_COUNT,
};

/* hwops_header.flags */
#define HWOPS_F_SKIP_INVAL 0x1u /* the kernel's invalidations do nothing (negative test) */
/*
 * EPT modes only: the guest runs on a second CPU and stays in it between
 * ops, so its cached translations outlive the host's pmap calls; INVEPT
 * is a shootdown to that CPU (hw/DESIGN.md, "Two CPUs").
 */
#define HWOPS_F_GUEST_AP   0x2u

/*
 * Addresses below this are the runner's own (the EPT guest's page tables
 * and code, the legacy CPL3 stub): an op list never names them.
 */
#define HWOPS_RESERVED_END 0x200000ul

/*
 * EPT modes: the guest identity-maps guest-physical [0, this) with 2 MiB
 * pages, so every gpa of an op list lies below it.
 */
#define HWOPS_EPT_GPA_LIMIT 0x100000000ul

/* Legacy mode: every va lies in the x86 user half. */
#define HWOPS_LEGACY_VA_LIMIT 0x0000800000000000ul

struct hwops_header {
	char magic[8];
	uint32_t version;
	uint32_t mode; /* enum hwops_mode */
	uint32_t nops; /* ops that follow, END included */
	uint32_t flags;
	uint64_t reserved; /* 0 */
};

_Static_assert(sizeof(struct hwops_header) == 32, "hwops_header is 32 bytes");

enum hwops_kind {
	HWOPS_MAP = 1,       /* region [va, va + arg pages) with prot and memattr */
	HWOPS_UNMAP = 2,     /* pmap_remove of [va, va + arg pages); region forgotten */
	HWOPS_PROTECT = 3,   /* pmap_protect of [va, va + arg pages) to prot */
	HWOPS_ACCESS = 4,    /* one 8-byte access at va; arg: the value written */
	HWOPS_CLEAR_MOD = 5, /* pmap_clear_modify of the page mapped at va */
	HWOPS_TS_REF = 6,    /* pmap_ts_referenced of the page mapped at va */
	HWOPS_CHECK = 7,     /* a record for every mapped page of every region */
	HWOPS_END = 8,       /* the last op */
	HWOPS_KIND_COUNT,
};

/* The record's spelling of op @kind ("MAP", ...); NULL for no kind. */
static inline const char *
hwops_kind_name(unsigned kind)
{
	static const char *const names[HWOPS_KIND_COUNT] = {
		[HWOPS_MAP] = "MAP",
		[HWOPS_UNMAP] = "UNMAP",
		[HWOPS_PROTECT] = "PROTECT",
		[HWOPS_ACCESS] = "ACCESS",
		[HWOPS_CLEAR_MOD] = "CLEAR_MOD",
		[HWOPS_TS_REF] = "TS_REF",
		[HWOPS_CHECK] = "CHECK",
		[HWOPS_END] = "END",
	};

	return kind < HWOPS_KIND_COUNT ? names[kind] : 0;
}

/* hwops_op.access: one bit (VM_PROT_* values). */
#define HWOPS_ACC_READ  0x1
#define HWOPS_ACC_WRITE 0x2
#define HWOPS_ACC_FETCH 0x4

/*
 * hwops_op.memattr of a MAP: bits 0-7 the memory type (enum
 * pmap_memattr), bit 8 device memory (entered PMAP_ENTER_DEVICE: no pv
 * entry; the runner still backs it with a RAM frame).
 */
#define HWOPS_MA_MASK   0xffu
#define HWOPS_MA_DEVICE 0x100u

struct hwops_op {
	uint8_t kind;     /* enum hwops_kind */
	uint8_t access;   /* ACCESS: HWOPS_ACC_* */
	uint8_t user;     /* ACCESS, legacy mode: CPL3 (else CPL0) */
	uint8_t prot;     /* MAP, PROTECT: VM_PROT_* */
	uint32_t memattr; /* MAP: HWOPS_MA_* */
	uint64_t va;      /* page-aligned except for ACCESS (8-byte aligned) */
	uint64_t arg;     /* MAP, UNMAP, PROTECT: pages; ACCESS write: the value */
	uint64_t line;    /* trace line, for reports (0: synthetic) */
};

_Static_assert(sizeof(struct hwops_op) == 32, "hwops_op is 32 bytes");

#endif /* EPTSIM_HW_HWOPS_H */
