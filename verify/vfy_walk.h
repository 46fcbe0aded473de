/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * vfy_walk.h - reference MMU walks, written from the SDM alone.
 *
 * These walkers read raw table memory through a callback and know nothing
 * of pmap/: no pmap header is included and no pmap function is called, so
 * a misreading of the SDM in pmap/ cannot hide here by being shared.
 *   x86: SDM vol. 3A ch. 4 (4-level paging, 4.5; access rights, 4.6; A/D,
 *        4.8; PAT, 12.12).
 *   EPT: SDM vol. 3C ch. 29 (translation, 29.3.2; violations and
 *        misconfigurations, 29.3.3; A/D, 29.3.5; memory type, 29.3.7).
 */
#ifndef EPTSIM_VERIFY_VFY_WALK_H
#define EPTSIM_VERIFY_VFY_WALK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Access types, one bit each (a walk with 0 only translates). */
#define VFY_ACC_READ  0x1
#define VFY_ACC_WRITE 0x2
#define VFY_ACC_FETCH 0x4

/* Physical memory as the walkers see it. */
struct vfy_mem {
	/* Read the 8-byte entry at @hpa; false when @hpa is not memory. */
	bool (*read64)(void *ctx, uint64_t hpa, uint64_t *val);
	/* Write it back (A/D updates); may be NULL when the walk sets none. */
	bool (*write64)(void *ctx, uint64_t hpa, uint64_t val);
	void *ctx;
	unsigned maxphyaddr; /* physical-address width: bits [51:maxphyaddr] are reserved */
};

/* ---- x86 4-level paging ---- */

struct vfy_x86_ctl {
	bool cr0_wp;   /* supervisor writes honour R/W */
	bool efer_nxe; /* bit 63 is XD (else reserved) */
	bool set_ad;   /* set A at every level and D on a written leaf, as the CPU does */
	bool pdpe1gb;  /* 1 GiB pages supported */
	uint64_t pat;  /* IA32_PAT */
};

enum vfy_x86_outcome {
	VFY_X86_OK,
	VFY_X86_NOT_PRESENT, /* #PF, error code P=0 */
	VFY_X86_PROTECTION,  /* #PF, P=1: the rights forbid the access */
	VFY_X86_RESERVED,    /* #PF, P=1, RSVD=1: a reserved bit is set */
	VFY_X86_BAD_MEMORY,  /* a table address is not memory (no #PF: a model error) */
};

/* #PF error code bits, SDM 3A 4.7. */
#define VFY_PF_P    0x01
#define VFY_PF_W    0x02
#define VFY_PF_U    0x04
#define VFY_PF_RSVD 0x08
#define VFY_PF_I    0x10

struct vfy_x86_result {
	enum vfy_x86_outcome outcome;
	uint32_t error_code; /* the #PF error code the access raises (0 when OK) */
	int level;           /* 3 PML4E .. 0 PTE: the leaf, or where the walk stopped */
	uint64_t entries[4]; /* raw entry read at each level, [3] = PML4E; 0 if not read */
	uint64_t entry_hpa[4];
	const char *reason; /* why RESERVED / BAD_MEMORY, e.g. "PML4E bit 7 (PS)" */
	uint64_t hpa;       /* translation of the address (OK, PROTECTION) */
	uint64_t page_size;
	bool r, w, x, u; /* effective rights: w for the mode asked, u = user page */
	uint8_t memtype; /* PAT type of the leaf (UC 0, WC 1, WT 4, WP 5, WB 6, UC- 7) */
	bool global, dirty, accessed;
};

/*
 * Translate @gva with CR3 @cr3 for @access (VFY_ACC_*, 0: translate only)
 * at CPL 3 when @user, else CPL 0.  Fills @res; returns its outcome.
 */
enum vfy_x86_outcome vfy_walk_x86(const struct vfy_mem *mem, uint64_t cr3, uint64_t gva,
                                  unsigned access, bool user, const struct vfy_x86_ctl *ctl,
                                  struct vfy_x86_result *res);

/*
 * The region a cursor's last result stands for (see vfy_x86_cursor): the
 * addresses whose walks read the entries that walk read, those sharing
 * its index bits down to the level it ended at.
 */
struct vfy_region {
	bool valid;     /* the cursor holds a last result */
	unsigned shift; /* 12 + 9 * its level */
	uint64_t tag;   /* its address >> shift */
};

static inline bool
vfy_region_covers(const struct vfy_region *r, uint64_t addr)
{
	return r->valid && addr >> r->shift == r->tag;
}

/* The last result is now the walk of @addr, which ended at @level. */
static inline void
vfy_region_set(struct vfy_region *r, uint64_t addr, int level)
{
	r->shift = 12 + 9 * (unsigned)level;
	r->tag = addr >> r->shift;
	r->valid = true;
}

/*
 * The translation @hpa of a page of @page_size (0: none) for another
 * address @addr of the region: the frame kept, @addr's offset in the page
 * (SDM 3A 4.5, 3C 29.3.2: the low bits come from the address).
 */
static inline uint64_t
vfy_region_hpa(uint64_t hpa, uint64_t page_size, uint64_t addr)
{
	if (page_size == 0)
		return hpa;
	return (hpa & ~(page_size - 1)) | (addr & (page_size - 1));
}

/*
 * A walk cursor: translations (access 0, no A/D) of many addresses under
 * one CR3 whose tables do not change in between, as a range check makes
 * them.  The path of the last walk stays cached level by level, so the
 * next address in the same 2 MiB (1 GiB, 512 GiB) region reads only the
 * entries below the table they share.  Each result is the one
 * vfy_walk_x86() gives with @access 0 for the same memory: the cached
 * entries are the ones it would read again.  A caller that changes the
 * tables starts a new cursor.
 *
 * The last result is kept too, with the region of addresses whose walk
 * reads the same entries: those that share its index bits down to the
 * level the walk ended at (gva >> (12 + 9 * level)).  An address in that
 * region gets that result with only the translation's offset moved
 * (hpa keeps the frame, takes the address's bits below the page size),
 * without a read: the walk of a leaf's next page, or past an entry that
 * is not present, is made once.
 */
struct vfy_x86_cursor {
	const struct vfy_mem *mem;
	const struct vfy_x86_ctl *ctl;
	uint64_t cr3;
	bool user;
	int depth;           /* levels 3 .. depth hold a cached table entry; 4: none */
	uint64_t tag[4];     /* gva >> (12 + 9 * level) of the cached entry */
	uint64_t next[4];    /* the table it points to */
	uint64_t entries[4]; /* and its raw value and address */
	uint64_t entry_hpa[4];
	bool rw_all[4], us_all[4], xd_any[4]; /* rights folded down to that level */
	struct vfy_region region;             /* the addresses last stands for */
	struct vfy_x86_result last;
	uint64_t hits; /* results given from last */
};

void vfy_x86_cursor_init(struct vfy_x86_cursor *c, const struct vfy_mem *mem, uint64_t cr3,
                         bool user, const struct vfy_x86_ctl *ctl);
enum vfy_x86_outcome vfy_walk_x86_cursor(struct vfy_x86_cursor *c, uint64_t gva,
                                         struct vfy_x86_result *res);

/*
 * The cursor's last result after a walk of @gva when its region is not
 * the last one's: @gva's result but for the translation's offset within
 * the page (hpa holds the offset of the address first walked in the
 * region).  Valid until the next walk through @c.
 */
const struct vfy_x86_result *vfy_x86_cursor_result(struct vfy_x86_cursor *c, uint64_t gva);

/*
 * The entries a table scan read on its way from the root to a leaf,
 * levels 3 .. level, each with its address.  A path walk reads an entry
 * from here when its address is one of these and from @mem otherwise, so
 * it gives what the plain walk of the same memory gives with access 0,
 * without going back to memory for the entries the scan already holds.
 */
struct vfy_path {
	const struct vfy_mem *mem;
	int level;
	uint64_t entries[4];
	uint64_t entry_hpa[4];
};

/* vfy_walk_x86(@p->mem, @cr3, @gva, 0, @user, @ctl, @res), entries from @p. */
enum vfy_x86_outcome vfy_walk_x86_path(const struct vfy_path *p, uint64_t cr3, uint64_t gva,
                                       bool user, const struct vfy_x86_ctl *ctl,
                                       struct vfy_x86_result *res);

/* ---- EPT ---- */

struct vfy_ept_caps {
	bool exec_only; /* IA32_VMX_EPT_VPID_CAP bit 0: XWR=100 legal */
	bool pages_1g;  /* bit 17 */
};

enum vfy_ept_outcome {
	VFY_EPT_OK,
	VFY_EPT_VIOLATION,  /* exit 48 */
	VFY_EPT_MISCONFIG,  /* exit 49 */
	VFY_EPT_BAD_MEMORY, /* a table address is not memory (a model error) */
};

/* EPT-violation exit qualification bits, SDM 3C table 28-7. */
#define VFY_EPTQ_READ  0x01
#define VFY_EPTQ_WRITE 0x02
#define VFY_EPTQ_FETCH 0x04
#define VFY_EPTQ_R     0x08 /* the gpa was readable */
#define VFY_EPTQ_W     0x10
#define VFY_EPTQ_X     0x20

struct vfy_ept_result {
	enum vfy_ept_outcome outcome;
	uint64_t exit_qual; /* VIOLATION: access bits | rights bits */
	int level;
	uint64_t entries[4];
	uint64_t entry_hpa[4];
	const char *reason; /* MISCONFIG: e.g. "PDE XWR=010 (write without read)" */
	uint64_t hpa;
	uint64_t page_size;
	bool r, w, x;    /* rights: AND over the levels */
	uint8_t memtype; /* leaf EPT memory type */
	bool ipat;       /* leaf ignore-PAT */
	bool dirty, accessed;
};

/*
 * Translate @gpa through the EPT whose pointer is @eptp for @access.  A/D
 * flags are set as the CPU would when EPTP bit 6 is set and mem->write64
 * is given.  Fills @res; returns its outcome.
 */
enum vfy_ept_outcome vfy_walk_ept(const struct vfy_mem *mem, uint64_t eptp, uint64_t gpa,
                                  unsigned access, const struct vfy_ept_caps *caps,
                                  struct vfy_ept_result *res);

/* The EPT counterpart of struct vfy_x86_cursor (access 0, no A/D). */
struct vfy_ept_cursor {
	const struct vfy_mem *mem;
	const struct vfy_ept_caps *caps;
	uint64_t eptp;
	int depth;
	uint64_t tag[4];
	uint64_t next[4];
	uint64_t entries[4];
	uint64_t entry_hpa[4];
	uint64_t rights[4];       /* XWR, AND down to that level */
	struct vfy_region region; /* the addresses last stands for, as in the x86 cursor */
	struct vfy_ept_result last;
	uint64_t hits;
};

void vfy_ept_cursor_init(struct vfy_ept_cursor *c, const struct vfy_mem *mem, uint64_t eptp,
                         const struct vfy_ept_caps *caps);
enum vfy_ept_outcome vfy_walk_ept_cursor(struct vfy_ept_cursor *c, uint64_t gpa,
                                         struct vfy_ept_result *res);

/* The EPT counterpart of vfy_x86_cursor_result(). */
const struct vfy_ept_result *vfy_ept_cursor_result(struct vfy_ept_cursor *c, uint64_t gpa);

/* vfy_walk_ept(@p->mem, @eptp, @gpa, 0, @caps, @res), entries from @p. */
enum vfy_ept_outcome vfy_walk_ept_path(const struct vfy_path *p, uint64_t eptp, uint64_t gpa,
                                       const struct vfy_ept_caps *caps, struct vfy_ept_result *res);

/* ---- words, for reports ---- */

/* "PDE 0x...: P RW US A PS frame=0x200000 XD" (x86) */
const char *vfy_describe_x86_entry(int level, uint64_t entry, char *buf, size_t len);
/* "EPT PDE 0x...: R W X A D PS memtype=WB ipat frame=0x200000" */
const char *vfy_describe_ept_entry(int level, uint64_t entry, char *buf, size_t len);
const char *vfy_x86_outcome_name(enum vfy_x86_outcome o);
const char *vfy_ept_outcome_name(enum vfy_ept_outcome o);

#endif /* EPTSIM_VERIFY_VFY_WALK_H */
