/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * vfy_x86.c - reference walk of x86 4-level paging, written from SDM
 * vol. 3A ch. 4 alone (entry formats 4.5, access rights 4.6, #PF error
 * code 4.7, A/D flags 4.8) and 12.12 (PAT).  No pmap/ code or header.
 *
 * Order of checks, as a walk meets them (SDM 3A 4.5, 4.7):
 *   per level, top down:  P=0 -> NOT_PRESENT;  a reserved bit -> RESERVED
 *   at the leaf:          rights (4.6) -> PROTECTION;  then A/D (4.8)
 * A not-present or reserved entry ends the walk: nothing below is read.
 */
#include "verify/vfy_walk.h"
#include "verify/vfy_bits.h"

/* Entry bits, SDM 3A 4.5 (the PML4E .. PTE format tables). */
#define X86_P         VFY_BIT(0)
#define X86_RW        VFY_BIT(1)
#define X86_US        VFY_BIT(2)
#define X86_PWT       VFY_BIT(3)
#define X86_PCD       VFY_BIT(4)
#define X86_A         VFY_BIT(5)
#define X86_D         VFY_BIT(6)
#define X86_PS        VFY_BIT(7) /* PDPTE, PDE; reserved in a PML4E */
#define X86_PTE_PAT   VFY_BIT(7) /* in a PTE, bit 7 is PAT */
#define X86_G         VFY_BIT(8)
#define X86_LARGE_PAT VFY_BIT(12) /* in a PDPTE/PDE that maps a page */
#define X86_XD        VFY_BIT(63)

static const char *const rsvd_phys[4] = VFY_PER_LEVEL("bits 51:maxphyaddr set");
static const char *const rsvd_xd[4] = VFY_PER_LEVEL("bit 63 set without EFER.NXE");
static const char *const not_present[4] = VFY_PER_LEVEL("not present (P=0)");
static const char *const not_memory[4] = VFY_PER_LEVEL("address is not memory");
static const char *const ad_not_memory[4] = VFY_PER_LEVEL("A/D write-back address is not memory");

/* One walk in progress. */
struct x86_walk {
	const struct vfy_mem *mem;
	const struct vfy_x86_ctl *ctl;
	uint64_t gva;
	unsigned access;
	bool user;
	struct vfy_x86_result *res;
	bool rw_all; /* R/W=1 in every entry so far */
	bool us_all; /* U/S=1 in every entry so far */
	bool xd_any; /* bit 63 set in some entry so far */
};

/*
 * SDM 3A 4.5: a PDPTE or PDE with PS=1 maps a page, a PTE always does.
 * A PML4E never does: its bit 7 is reserved.
 */
static bool
x86_is_leaf(int level, uint64_t e)
{
	if (level == VFY_LEVEL_PTE)
		return true;
	if (level == VFY_LEVEL_PML4E)
		return false;
	return (e & X86_PS) != 0;
}

/* SDM 3A 4.5: bit 63 is XD when EFER.NXE=1, else reserved, at every level. */
static bool
x86_xd_reserved(uint64_t e, const struct vfy_x86_ctl *ctl)
{
	return (e & X86_XD) != 0 && !ctl->efer_nxe;
}

/*
 * Reserved bits that only some levels have (SDM 3A 4.5):
 * PML4E bit 7; PDPTE bit 7 without 1 GiB pages (CPUID 80000001H:EDX.26);
 * bits 29:13 of a 1 GiB page and bits 20:13 of a 2 MiB page (bit 12 is
 * PAT there).  NULL when none is set.
 */
static const char *
x86_level_reserved(int level, uint64_t e, const struct vfy_x86_ctl *ctl)
{
	if (level == VFY_LEVEL_PML4E && (e & X86_PS))
		return "PML4E bit 7 (PS) reserved";
	if (level == VFY_LEVEL_PDPTE && (e & X86_PS)) {
		if (!ctl->pdpe1gb)
			return "PDPTE bit 7 (PS) without 1 GiB pages";
		if (e & VFY_BITS(29, 13))
			return "PDPTE 1 GiB page bits 29:13 reserved";
	}
	if (level == VFY_LEVEL_PDE && (e & X86_PS) && (e & VFY_BITS(20, 13)))
		return "PDE 2 MiB page bits 20:13 reserved";
	return NULL;
}

/*
 * The first reserved bit set in the present entry @e at @level (SDM 3A
 * 4.5): bits 51:MAXPHYADDR, then bit 63 without NXE, then the level's own.
 * NULL when the entry is well-formed.
 */
static const char *
x86_reserved(int level, uint64_t e, const struct x86_walk *w)
{
	if (e & vfy_phys_reserved(w->mem->maxphyaddr))
		return rsvd_phys[level];
	if (x86_xd_reserved(e, w->ctl))
		return rsvd_xd[level];
	return x86_level_reserved(level, e, w->ctl);
}

/*
 * #PF error code (SDM 3A 4.7): P=0 for a not-present entry, else 1; W/R
 * for a write; U/S for CPL 3; RSVD for a reserved bit; I/D for a fetch
 * when EFER.NXE=1 (SMEP is not modelled).
 */
static uint32_t
x86_error_code(enum vfy_x86_outcome o, const struct x86_walk *w)
{
	uint32_t ec = 0;

	if (o != VFY_X86_NOT_PRESENT)
		ec |= VFY_PF_P;
	if (o == VFY_X86_RESERVED)
		ec |= VFY_PF_RSVD;
	if (w->access & VFY_ACC_WRITE)
		ec |= VFY_PF_W;
	if (w->user)
		ec |= VFY_PF_U;
	if ((w->access & VFY_ACC_FETCH) && w->ctl->efer_nxe)
		ec |= VFY_PF_I;
	return ec;
}

/* End the walk with outcome @o and @reason. */
static enum vfy_x86_outcome
x86_fail(struct x86_walk *w, enum vfy_x86_outcome o, const char *reason)
{
	w->res->outcome = o;
	w->res->reason = reason;
	w->res->error_code = o == VFY_X86_BAD_MEMORY ? 0 : x86_error_code(o, w);
	return o;
}

/* SDM 3A 4.6.1: R/W and U/S combine by AND over the levels, XD by OR. */
static void
x86_combine(struct x86_walk *w, uint64_t e)
{
	w->rw_all = w->rw_all && (e & X86_RW) != 0;
	w->us_all = w->us_all && (e & X86_US) != 0;
	w->xd_any = w->xd_any || (e & X86_XD) != 0;
}

/*
 * Read and check the entry at @level of the table at *@table; on success
 * fold its rights in and point *@table at the next table.
 */
static enum vfy_x86_outcome
x86_step(struct x86_walk *w, int level, uint64_t *table)
{
	struct vfy_x86_result *res = w->res;
	const char *why;
	uint64_t e;

	res->level = level;
	res->entry_hpa[level] = vfy_entry_hpa(*table, w->gva, level);
	if (!w->mem->read64(w->mem->ctx, res->entry_hpa[level], &e))
		return x86_fail(w, VFY_X86_BAD_MEMORY, not_memory[level]);
	res->entries[level] = e;
	if (!(e & X86_P))
		return x86_fail(w, VFY_X86_NOT_PRESENT, not_present[level]);
	why = x86_reserved(level, e, w);
	if (why != NULL)
		return x86_fail(w, VFY_X86_RESERVED, why);
	x86_combine(w, e);
	*table = e & VFY_ADDR_4K;
	return VFY_X86_OK;
}

/*
 * SDM 3A 4.6.1, data writes.  CPL 3 needs R/W=1 at every level.  CPL 0
 * needs it too with CR0.WP=1; with CR0.WP=0 it may write any page.
 */
static bool
x86_write_ok(bool rw_all, bool user, bool cr0_wp)
{
	if (rw_all)
		return true;
	return !user && !cr0_wp;
}

/* SDM 3A 4.6.1: CPL 3 reaches only user pages, U/S=1 at every level. */
static bool
x86_reach_ok(bool us_all, bool user)
{
	return us_all || !user;
}

/*
 * SDM 3A 4.6.1, fetches: with EFER.NXE=1, not from a page with XD=1 at
 * any level; with NXE=0 any page may be executed.
 */
static bool
x86_fetch_ok(bool xd_any, bool efer_nxe)
{
	return !(efer_nxe && xd_any);
}

/*
 * The effective rights for the mode asked.  Returns why @access is
 * denied (SDM 3A 4.6.1), NULL when it is allowed.
 */
static const char *
x86_rights(struct x86_walk *w)
{
	struct vfy_x86_result *res = w->res;
	bool reach = x86_reach_ok(w->us_all, w->user);

	res->u = w->us_all;
	res->r = reach;
	res->w = reach && x86_write_ok(w->rw_all, w->user, w->ctl->cr0_wp);
	res->x = reach && x86_fetch_ok(w->xd_any, w->ctl->efer_nxe);
	if (w->access != 0 && !reach)
		return "user access to a supervisor page (U/S=0)";
	if ((w->access & VFY_ACC_WRITE) && !res->w)
		return "write to a read-only page (R/W=0)";
	if ((w->access & VFY_ACC_FETCH) && !res->x)
		return "fetch from a no-execute page (XD=1)";
	return NULL;
}

/*
 * SDM 3A 12.12.3: the leaf selects PAT entry PAT*4 + PCD*2 + PWT, PAT
 * being bit 7 of a PTE and bit 12 of a PDE/PDPTE that maps a page; the
 * type is that byte of IA32_PAT.
 */
static uint8_t
x86_memtype(int level, uint64_t e, uint64_t pat)
{
	uint64_t pat_bit = level == VFY_LEVEL_PTE ? X86_PTE_PAT : X86_LARGE_PAT;
	unsigned idx = 0;

	if (e & pat_bit)
		idx |= 4;
	if (e & X86_PCD)
		idx |= 2;
	if (e & X86_PWT)
		idx |= 1;
	return (uint8_t)(pat >> (8 * idx));
}

/* What the leaf @e at @level says: address, size, type, G, A, D. */
static void
x86_leaf(struct x86_walk *w, int level, uint64_t e)
{
	struct vfy_x86_result *res = w->res;

	res->page_size = vfy_page_size(level);
	res->hpa = vfy_leaf_frame(e, level) | (w->gva & (res->page_size - 1));
	res->memtype = x86_memtype(level, e, w->ctl->pat);
	res->global = (e & X86_G) != 0;
	res->accessed = (e & X86_A) != 0;
	res->dirty = (e & X86_D) != 0;
}

/*
 * SDM 3A 4.8: an allowed access sets A in every entry it used and, for a
 * write, D in the leaf.  Entries are re-read and written only on change.
 */
static enum vfy_x86_outcome
x86_set_ad(struct x86_walk *w)
{
	struct vfy_x86_result *res = w->res;
	uint64_t bits, now = res->entries[res->level];
	int level;

	if (w->mem->write64 == NULL)
		return x86_fail(w, VFY_X86_BAD_MEMORY, "set_ad without mem->write64");
	for (level = VFY_LEVEL_PML4E; level >= res->level; level--) {
		bits = X86_A;
		if (level == res->level && (w->access & VFY_ACC_WRITE))
			bits |= X86_D;
		if (!vfy_or64(w->mem, res->entry_hpa[level], bits, &now))
			return x86_fail(w, VFY_X86_BAD_MEMORY, ad_not_memory[level]);
	}
	res->accessed = (now & X86_A) != 0;
	res->dirty = (now & X86_D) != 0;
	return VFY_X86_OK;
}

/*
 * Walk the tables at CR3 @cr3 for @gva (bits 47:0; canonical form is the
 * caller's: a non-canonical address faults #GP before paging).  Fills
 * @res: entries[] as read, accessed/dirty as the leaf is left in memory.
 * An @access of 0 checks no rights and sets no A/D.
 */
enum vfy_x86_outcome
vfy_walk_x86(const struct vfy_mem *mem, uint64_t cr3, uint64_t gva, unsigned access, bool user,
             const struct vfy_x86_ctl *ctl, struct vfy_x86_result *res)
{
	struct x86_walk w = { mem, ctl, gva, access, user, res, true, true, false };
	uint64_t table = cr3 & VFY_ADDR_4K;
	const char *why;
	int level;

	*res = (struct vfy_x86_result){ .outcome = VFY_X86_OK };
	for (level = VFY_LEVEL_PML4E;; level--) {
		if (x86_step(&w, level, &table) != VFY_X86_OK)
			return res->outcome;
		if (x86_is_leaf(level, res->entries[level]))
			break;
	}
	x86_leaf(&w, level, res->entries[level]);
	why = x86_rights(&w);
	if (why != NULL)
		return x86_fail(&w, VFY_X86_PROTECTION, why);
	if (ctl->set_ad && access != 0)
		return x86_set_ad(&w);
	return VFY_X86_OK;
}

void
vfy_x86_cursor_init(struct vfy_x86_cursor *c, const struct vfy_mem *mem, uint64_t cr3, bool user,
                    const struct vfy_x86_ctl *ctl)
{
	c->mem = mem;
	c->ctl = ctl;
	c->cr3 = cr3;
	c->user = user;
	c->depth = VFY_LEVEL_PML4E + 1;
	c->region.valid = false;
	c->hits = 0;
}

/*
 * Resume a walk of @gva below the deepest cached table entry on its path:
 * the entries above, their rights folded, and the next table.  Returns
 * the level to read next (3 when nothing is cached for @gva).
 */
static int
x86_cursor_resume(const struct vfy_x86_cursor *c, struct x86_walk *w, uint64_t *table)
{
	int level, l;

	for (level = c->depth; level <= VFY_LEVEL_PML4E; level++)
		if (w->gva >> (12 + 9 * level) == c->tag[level])
			break;
	if (level > VFY_LEVEL_PML4E)
		return VFY_LEVEL_PML4E;
	for (l = VFY_LEVEL_PML4E; l >= level; l--) {
		w->res->entries[l] = c->entries[l];
		w->res->entry_hpa[l] = c->entry_hpa[l];
	}
	w->rw_all = c->rw_all[level];
	w->us_all = c->us_all[level];
	w->xd_any = c->xd_any[level];
	*table = c->next[level];
	return level - 1;
}

/* Remember the table entry the walk of @w just went through at @level. */
static void
x86_cursor_keep(struct vfy_x86_cursor *c, const struct x86_walk *w, int level, uint64_t table)
{
	c->depth = level;
	c->tag[level] = w->gva >> (12 + 9 * level);
	c->next[level] = table;
	c->entries[level] = w->res->entries[level];
	c->entry_hpa[level] = w->res->entry_hpa[level];
	c->rw_all[level] = w->rw_all;
	c->us_all[level] = w->us_all;
	c->xd_any[level] = w->xd_any;
}

/* vfy_walk_x86(@access 0) through the cached table entries. */
static enum vfy_x86_outcome
x86_cursor_walk(struct vfy_x86_cursor *c, uint64_t gva, struct vfy_x86_result *res)
{
	struct x86_walk w = { c->mem, c->ctl, gva, 0, c->user, res, true, true, false };
	uint64_t table = c->cr3 & VFY_ADDR_4K;
	const char *why;
	int level;

	*res = (struct vfy_x86_result){ .outcome = VFY_X86_OK };
	for (level = x86_cursor_resume(c, &w, &table);; level--) {
		if (x86_step(&w, level, &table) != VFY_X86_OK)
			return res->outcome;
		if (x86_is_leaf(level, res->entries[level]))
			break;
		x86_cursor_keep(c, &w, level, table);
	}
	x86_leaf(&w, level, res->entries[level]);
	why = x86_rights(&w);
	if (why != NULL)
		return x86_fail(&w, VFY_X86_PROTECTION, why);
	return VFY_X86_OK;
}

/*
 * vfy_walk_x86(@access 0) through the cursor (see vfy_walk.h).  Every
 * address of the last result's region reads the entries it read, at the
 * same addresses (the index bits of levels 3 .. level are the same), so
 * the walk ends the same way; only a translation's offset within the
 * page (SDM 3A 4.5: the low bits of the linear address) differs.
 */
const struct vfy_x86_result *
vfy_x86_cursor_result(struct vfy_x86_cursor *c, uint64_t gva)
{
	if (vfy_region_covers(&c->region, gva)) {
		c->hits++;
		return &c->last;
	}
	x86_cursor_walk(c, gva, &c->last);
	vfy_region_set(&c->region, gva, c->last.level);
	return &c->last;
}

enum vfy_x86_outcome
vfy_walk_x86_cursor(struct vfy_x86_cursor *c, uint64_t gva, struct vfy_x86_result *res)
{
	*res = *vfy_x86_cursor_result(c, gva);
	res->hpa = vfy_region_hpa(res->hpa, res->page_size, gva);
	return res->outcome;
}

/* The path's entry at @hpa, else the memory's. */
bool
vfy_path_read64(void *ctx, uint64_t hpa, uint64_t *val)
{
	const struct vfy_path *p = ctx;
	int level;

	for (level = VFY_LEVEL_PML4E; level >= p->level; level--)
		if (p->entry_hpa[level] == hpa) {
			*val = p->entries[level];
			return true;
		}
	return p->mem->read64(p->mem->ctx, hpa, val);
}

/* The plain walk with access 0 over the path's memory (see vfy_walk.h). */
enum vfy_x86_outcome
vfy_walk_x86_path(const struct vfy_path *p, uint64_t cr3, uint64_t gva, bool user,
                  const struct vfy_x86_ctl *ctl, struct vfy_x86_result *res)
{
	struct vfy_mem mem = { vfy_path_read64, NULL, (void *)(uintptr_t)p, p->mem->maxphyaddr };

	return vfy_walk_x86(&mem, cr3, gva, 0, user, ctl, res);
}
