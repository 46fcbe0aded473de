/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * vfy_ept.c - reference walk of 4-level EPT, written from SDM vol. 3C
 * ch. 29 alone (translation and entry formats 29.3.2, misconfigurations
 * 29.3.3.1, violations 29.3.3.2, A/D flags 29.3.5, memory type 29.3.7).
 * No pmap/ code or header.
 *
 * Order of checks, as a walk meets them (SDM 3C 29.3.3):
 *   per level, top down:  XWR=000 -> VIOLATION (not present, walk ends);
 *                         a misconfigured entry -> MISCONFIG
 *   at the leaf:          rights, AND over the levels -> VIOLATION
 * So a misconfiguration anywhere on the path wins over missing rights.
 */
#include "verify/vfy_walk.h"
#include "verify/vfy_bits.h"

/* Entry bits, SDM 3C 29.3.2 (entry formats) and the EPTP's A/D bit 6. */
#define EPT_R        VFY_BIT(0)
#define EPT_W        VFY_BIT(1)
#define EPT_X        VFY_BIT(2)
#define EPT_XWR      VFY_BITS(2, 0)
#define EPT_MT_SHIFT 3 /* bits 5:3, leaves only */
#define EPT_IPAT     VFY_BIT(6)
#define EPT_PS       VFY_BIT(7)
#define EPT_A        VFY_BIT(8)
#define EPT_D        VFY_BIT(9)
#define EPTP_AD      VFY_BIT(6)

/* XWR values (bit 2 X, bit 1 W, bit 0 R). */
#define XWR_W_ONLY 0x2 /* 010 */
#define XWR_WX     0x6 /* 110 */
#define XWR_X_ONLY 0x4 /* 100 */

static const char *const xwr_010[4] = VFY_PER_LEVEL("XWR=010 (write without read)");
static const char *const xwr_110[4] = VFY_PER_LEVEL("XWR=110 (write without read)");
static const char *const xwr_100[4] = VFY_PER_LEVEL("XWR=100 (execute-only not supported)");
static const char *const rsvd_phys[4] = VFY_PER_LEVEL("bits 51:maxphyaddr set");
static const char *const rsvd_table[4] = VFY_PER_LEVEL("bits 6:3 reserved");
static const char *const not_present[4] = VFY_PER_LEVEL("not present (XWR=000)");
static const char *const not_memory[4] = VFY_PER_LEVEL("address is not memory");
static const char *const ad_not_memory[4] = VFY_PER_LEVEL("A/D write-back address is not memory");
static const char *const mt_reserved[8][4] = {
	[2] = VFY_PER_LEVEL("memory type 2 (reserved)"),
	[3] = VFY_PER_LEVEL("memory type 3 (reserved)"),
	[7] = VFY_PER_LEVEL("memory type 7 (reserved)"),
};

/* One walk in progress. */
struct ept_walk {
	const struct vfy_mem *mem;
	const struct vfy_ept_caps *caps;
	uint64_t gpa;
	unsigned access;
	struct vfy_ept_result *res;
	uint64_t rights; /* XWR, AND over the entries read so far */
};

/* SDM 3C 29.3.2: an entry is present when any of bits 2:0 is set. */
static bool
ept_present(uint64_t e)
{
	return (e & EPT_XWR) != 0;
}

/*
 * SDM 3C 29.3.2: a PDPTE or PDE with bit 7 set maps a page, a PTE always
 * does.  A PML4E never does (its bit 7 is reserved).
 */
static bool
ept_is_leaf(int level, uint64_t e)
{
	if (level == VFY_LEVEL_PTE)
		return true;
	if (level == VFY_LEVEL_PML4E)
		return false;
	return (e & EPT_PS) != 0;
}

/*
 * SDM 3C 29.3.3.1: XWR=010 and 110 (write without read) are always
 * misconfigured; XWR=100 (execute-only) unless IA32_VMX_EPT_VPID_CAP
 * bit 0 says the CPU supports it.  NULL when the XWR value is legal.
 */
static const char *
ept_xwr_misconfig(int level, uint64_t e, const struct vfy_ept_caps *caps)
{
	unsigned xwr = (unsigned)(e & EPT_XWR);

	if (xwr == XWR_W_ONLY)
		return xwr_010[level];
	if (xwr == XWR_WX)
		return xwr_110[level];
	if (xwr == XWR_X_ONLY && !caps->exec_only)
		return xwr_100[level];
	return NULL;
}

/*
 * Reserved bits by level (SDM 3C 29.3.2, 29.3.3.1): PML4E 7:3; PDPTE
 * bit 7 without 1 GiB pages (IA32_VMX_EPT_VPID_CAP bit 17); 6:3 in a
 * PDPTE/PDE that references a table; 29:12 of a 1 GiB page, 20:12 of a
 * 2 MiB page.  A PTE has none below bit 12.
 */
static const char *
ept_level_reserved(int level, uint64_t e, const struct vfy_ept_caps *caps)
{
	if (level == VFY_LEVEL_PML4E)
		return (e & VFY_BITS(7, 3)) ? "PML4E bits 7:3 reserved" : NULL;
	if (level == VFY_LEVEL_PTE)
		return NULL;
	if (!(e & EPT_PS))
		return (e & VFY_BITS(6, 3)) ? rsvd_table[level] : NULL;
	if (level == VFY_LEVEL_PDPTE && !caps->pages_1g)
		return "PDPTE bit 7 (PS) without 1 GiB pages";
	if (level == VFY_LEVEL_PDPTE && (e & VFY_BITS(29, 12)))
		return "PDPTE 1 GiB page bits 29:12 reserved";
	if (level == VFY_LEVEL_PDE && (e & VFY_BITS(20, 12)))
		return "PDE 2 MiB page bits 20:12 reserved";
	return NULL;
}

/* SDM 3C 29.3.7: EPT memory types 2, 3 and 7 are reserved. */
static bool
ept_memtype_reserved(unsigned mt)
{
	return mt == 2 || mt == 3 || mt == 7;
}

/*
 * The misconfiguration of the present entry @e at @level (SDM 3C
 * 29.3.3.1), first found of: XWR, bits 51:MAXPHYADDR, the level's reserved
 * bits, a leaf's memory type.  NULL when the entry is well-formed.
 */
static const char *
ept_misconfig(int level, uint64_t e, const struct ept_walk *w)
{
	const char *why = ept_xwr_misconfig(level, e, w->caps);
	unsigned mt = (unsigned)(e >> EPT_MT_SHIFT) & 7;

	if (why != NULL)
		return why;
	if (e & vfy_phys_reserved(w->mem->maxphyaddr))
		return rsvd_phys[level];
	why = ept_level_reserved(level, e, w->caps);
	if (why != NULL)
		return why;
	if (ept_is_leaf(level, e) && ept_memtype_reserved(mt))
		return mt_reserved[mt][level];
	return NULL;
}

/*
 * Exit qualification of an EPT violation (SDM 3C 29.3.3.2, table 28-7):
 * bits 2:0 the access (read, write, fetch), bits 5:3 the AND over the
 * entries walked of R, W and X (0 past a not-present entry).
 */
static uint64_t
ept_exit_qual(unsigned access, uint64_t rights)
{
	uint64_t q = 0;

	q |= (access & VFY_ACC_READ) ? VFY_EPTQ_READ : 0;
	q |= (access & VFY_ACC_WRITE) ? VFY_EPTQ_WRITE : 0;
	q |= (access & VFY_ACC_FETCH) ? VFY_EPTQ_FETCH : 0;
	q |= (rights & EPT_R) ? VFY_EPTQ_R : 0;
	q |= (rights & EPT_W) ? VFY_EPTQ_W : 0;
	q |= (rights & EPT_X) ? VFY_EPTQ_X : 0;
	return q;
}

/* End the walk with outcome @o and @reason. */
static enum vfy_ept_outcome
ept_fail(struct ept_walk *w, enum vfy_ept_outcome o, const char *reason)
{
	w->res->outcome = o;
	w->res->reason = reason;
	if (o == VFY_EPT_VIOLATION)
		w->res->exit_qual = ept_exit_qual(w->access, w->rights);
	return o;
}

/*
 * Read and check the entry at @level of the table at *@table; on success
 * fold its rights in and point *@table at the next table.
 */
static enum vfy_ept_outcome
ept_step(struct ept_walk *w, int level, uint64_t *table)
{
	struct vfy_ept_result *res = w->res;
	const char *why;
	uint64_t e;

	res->level = level;
	res->entry_hpa[level] = vfy_entry_hpa(*table, w->gpa, level);
	if (!w->mem->read64(w->mem->ctx, res->entry_hpa[level], &e))
		return ept_fail(w, VFY_EPT_BAD_MEMORY, not_memory[level]);
	res->entries[level] = e;
	w->rights &= e & EPT_XWR;
	if (!ept_present(e))
		return ept_fail(w, VFY_EPT_VIOLATION, not_present[level]);
	why = ept_misconfig(level, e, w);
	if (why != NULL)
		return ept_fail(w, VFY_EPT_MISCONFIG, why);
	*table = e & VFY_ADDR_4K;
	return VFY_EPT_OK;
}

/*
 * The rights the walk grants (AND over the levels, SDM 3C 29.3.3.2).
 * Returns why @access is denied, NULL when it is allowed.
 */
static const char *
ept_rights(struct ept_walk *w)
{
	struct vfy_ept_result *res = w->res;

	res->r = (w->rights & EPT_R) != 0;
	res->w = (w->rights & EPT_W) != 0;
	res->x = (w->rights & EPT_X) != 0;
	if ((w->access & VFY_ACC_READ) && !res->r)
		return "read without R";
	if ((w->access & VFY_ACC_WRITE) && !res->w)
		return "write without W";
	if ((w->access & VFY_ACC_FETCH) && !res->x)
		return "fetch without X";
	return NULL;
}

/* What the leaf @e at @level says: address, size, type, A, D. */
static void
ept_leaf(struct ept_walk *w, int level, uint64_t e)
{
	struct vfy_ept_result *res = w->res;

	res->page_size = vfy_page_size(level);
	res->hpa = vfy_leaf_frame(e, level) | (w->gpa & (res->page_size - 1));
	res->memtype = (uint8_t)((e >> EPT_MT_SHIFT) & 7);
	res->ipat = (e & EPT_IPAT) != 0;
	res->accessed = (e & EPT_A) != 0;
	res->dirty = (e & EPT_D) != 0;
}

/*
 * SDM 3C 29.3.5: with EPTP bit 6 set, an allowed access sets A in every
 * entry it used and, for a write, D in the leaf.  Entries are re-read and
 * written only on change.
 */
static enum vfy_ept_outcome
ept_set_ad(struct ept_walk *w)
{
	struct vfy_ept_result *res = w->res;
	uint64_t bits, now = res->entries[res->level];
	int level;

	for (level = VFY_LEVEL_PML4E; level >= res->level; level--) {
		bits = EPT_A;
		if (level == res->level && (w->access & VFY_ACC_WRITE))
			bits |= EPT_D;
		if (!vfy_or64(w->mem, res->entry_hpa[level], bits, &now))
			return ept_fail(w, VFY_EPT_BAD_MEMORY, ad_not_memory[level]);
	}
	res->accessed = (now & EPT_A) != 0;
	res->dirty = (now & EPT_D) != 0;
	return VFY_EPT_OK;
}

/*
 * Walk the EPT at @eptp bits 51:12 for @gpa (bits 47:0; the EPTP's
 * memory type and walk length are not checked: a bad EPTP fails VM entry,
 * not a walk).  Fills @res: entries[] as read, accessed/dirty as the leaf
 * is left in memory.  An @access of 0 checks no rights and sets no A/D.
 */
enum vfy_ept_outcome
vfy_walk_ept(const struct vfy_mem *mem, uint64_t eptp, uint64_t gpa, unsigned access,
             const struct vfy_ept_caps *caps, struct vfy_ept_result *res)
{
	struct ept_walk w = { mem, caps, gpa, access, res, EPT_XWR };
	uint64_t table = eptp & VFY_ADDR_4K;
	const char *why;
	int level;

	*res = (struct vfy_ept_result){ .outcome = VFY_EPT_OK };
	for (level = VFY_LEVEL_PML4E;; level--) {
		if (ept_step(&w, level, &table) != VFY_EPT_OK)
			return res->outcome;
		if (ept_is_leaf(level, res->entries[level]))
			break;
	}
	ept_leaf(&w, level, res->entries[level]);
	why = ept_rights(&w);
	if (why != NULL)
		return ept_fail(&w, VFY_EPT_VIOLATION, why);
	if ((eptp & EPTP_AD) && mem->write64 != NULL && access != 0)
		return ept_set_ad(&w);
	return VFY_EPT_OK;
}

void
vfy_ept_cursor_init(struct vfy_ept_cursor *c, const struct vfy_mem *mem, uint64_t eptp,
                    const struct vfy_ept_caps *caps)
{
	c->mem = mem;
	c->caps = caps;
	c->eptp = eptp;
	c->depth = VFY_LEVEL_PML4E + 1;
	c->region.valid = false;
	c->hits = 0;
}

/*
 * Resume a walk of @gpa below the deepest cached table entry on its path
 * (see x86_cursor_resume).  Returns the level to read next.
 */
static int
ept_cursor_resume(const struct vfy_ept_cursor *c, struct ept_walk *w, uint64_t *table)
{
	int level, l;

	for (level = c->depth; level <= VFY_LEVEL_PML4E; level++)
		if (w->gpa >> (12 + 9 * level) == c->tag[level])
			break;
	if (level > VFY_LEVEL_PML4E)
		return VFY_LEVEL_PML4E;
	for (l = VFY_LEVEL_PML4E; l >= level; l--) {
		w->res->entries[l] = c->entries[l];
		w->res->entry_hpa[l] = c->entry_hpa[l];
	}
	w->rights = c->rights[level];
	*table = c->next[level];
	return level - 1;
}

/* Remember the table entry the walk of @w just went through at @level. */
static void
ept_cursor_keep(struct vfy_ept_cursor *c, const struct ept_walk *w, int level, uint64_t table)
{
	c->depth = level;
	c->tag[level] = w->gpa >> (12 + 9 * level);
	c->next[level] = table;
	c->entries[level] = w->res->entries[level];
	c->entry_hpa[level] = w->res->entry_hpa[level];
	c->rights[level] = w->rights;
}

/* vfy_walk_ept(@access 0) through the cached table entries. */
static enum vfy_ept_outcome
ept_cursor_walk(struct vfy_ept_cursor *c, uint64_t gpa, struct vfy_ept_result *res)
{
	struct ept_walk w = { c->mem, c->caps, gpa, 0, res, EPT_XWR };
	uint64_t table = c->eptp & VFY_ADDR_4K;
	const char *why;
	int level;

	*res = (struct vfy_ept_result){ .outcome = VFY_EPT_OK };
	for (level = ept_cursor_resume(c, &w, &table);; level--) {
		if (ept_step(&w, level, &table) != VFY_EPT_OK)
			return res->outcome;
		if (ept_is_leaf(level, res->entries[level]))
			break;
		ept_cursor_keep(c, &w, level, table);
	}
	ept_leaf(&w, level, res->entries[level]);
	why = ept_rights(&w);
	if (why != NULL)
		return ept_fail(&w, VFY_EPT_VIOLATION, why);
	return VFY_EPT_OK;
}

/*
 * vfy_walk_ept(@access 0) through the cursor (see vfy_walk.h): the last
 * result stands for its region (see vfy_walk_x86_cursor), the frame's
 * offset taken from the guest-physical address (SDM 3C 29.3.2).
 */
const struct vfy_ept_result *
vfy_ept_cursor_result(struct vfy_ept_cursor *c, uint64_t gpa)
{
	if (vfy_region_covers(&c->region, gpa)) {
		c->hits++;
		return &c->last;
	}
	ept_cursor_walk(c, gpa, &c->last);
	vfy_region_set(&c->region, gpa, c->last.level);
	return &c->last;
}

enum vfy_ept_outcome
vfy_walk_ept_cursor(struct vfy_ept_cursor *c, uint64_t gpa, struct vfy_ept_result *res)
{
	*res = *vfy_ept_cursor_result(c, gpa);
	res->hpa = vfy_region_hpa(res->hpa, res->page_size, gpa);
	return res->outcome;
}

/* The plain walk with access 0 over the path's memory (see vfy_walk.h). */
enum vfy_ept_outcome
vfy_walk_ept_path(const struct vfy_path *p, uint64_t eptp, uint64_t gpa,
                  const struct vfy_ept_caps *caps, struct vfy_ept_result *res)
{
	struct vfy_mem mem = { vfy_path_read64, NULL, (void *)(uintptr_t)p, p->mem->maxphyaddr };

	return vfy_walk_ept(&mem, eptp, gpa, 0, caps, res);
}
