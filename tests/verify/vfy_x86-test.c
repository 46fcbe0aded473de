/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * vfy_x86-test.c - the x86 reference walk against the SDM vol. 3A ch. 4
 * rule text, with tables written by hand in RAM (tests/verify/vfy_test.h).
 * The permutation test is kvm-unit-tests x86/access.c's idea: every
 * combination of the bits that matter, predicted by a small model.
 */
#include <stdio.h>
#include <string.h>

#include "tests/verify/vfy_test.h"

/* Entry bits, SDM 3A 4.5. */
#define P   B(0)
#define RW  B(1)
#define US  B(2)
#define PWT B(3)
#define PCD B(4)
#define A   B(5)
#define D   B(6)
#define PS  B(7)
#define G   B(8)
#define XD  B(63)

#define TABLE        (P | RW | US) /* a table entry that grants everything */
#define PAT_IDENTITY UINT64_C(0x0706050403020100)

static const struct vfy_x86_ctl ctl_default = { .cr0_wp = true, .efer_nxe = true, .pdpe1gb = true };

static enum vfy_x86_outcome
walk(unsigned access, bool user, const struct vfy_x86_ctl *ctl, struct vfy_x86_result *res)
{
	return vfy_walk_x86(t_mem(true), T_TABLE(L_PML4E), T_ADDR, access, user, ctl, res);
}

/* A 4 KiB page at T_FRAME_4K with @pte flags under tables granting all. */
static void
build_4k(uint64_t pte)
{
	const uint64_t e[4] = { T_FRAME_4K | pte, TABLE, TABLE, TABLE };

	t_build(e, L_PTE);
}

/* ---- the permutations ---- */

/* One bit per thing that matters; the counter runs through them all. */
enum {
	AC_UP_P, /* the entry above the leaf: PDE (4 KiB) or PDPTE (2 MiB) */
	AC_UP_RW,
	AC_UP_US,
	AC_UP_XD,
	AC_UP_A,
	AC_LEAF_P,
	AC_LEAF_RW,
	AC_LEAF_US,
	AC_LEAF_XD,
	AC_LEAF_A,
	AC_LEAF_D,
	AC_LARGE, /* leaf is a 2 MiB PDE, else a 4 KiB PTE */
	AC_USER,  /* CPL 3 */
	AC_CR0_WP,
	AC_EFER_NXE,
	AC_NBITS
};

static const char *const ac_names[AC_NBITS] = {
	"up.P",    "up.RW",  "up.US",  "up.XD", "up.A", "leaf.P", "leaf.RW",  "leaf.US",
	"leaf.XD", "leaf.A", "leaf.D", "2M",    "user", "cr0.wp", "efer.nxe",
};

#define F(bit) ((f & (1u << (bit))) != 0)

/* Entry flags from the counter: the upper entry's or the leaf's. */
static uint64_t
ac_entry(unsigned f, bool leaf)
{
	int o = leaf ? AC_LEAF_P - AC_UP_P : 0;
	uint64_t e = 0;

	e |= F(AC_UP_P + o) ? P : 0;
	e |= F(AC_UP_RW + o) ? RW : 0;
	e |= F(AC_UP_US + o) ? US : 0;
	e |= F(AC_UP_XD + o) ? XD : 0;
	e |= F(AC_UP_A + o) ? A : 0;
	e |= (leaf && F(AC_LEAF_D)) ? D : 0;
	return e;
}

/* Build the path of case @f: the leaf and the entry above it vary. */
static int
ac_build(unsigned f)
{
	uint64_t e[4] = { 0, TABLE, TABLE, TABLE };
	int leaf = F(AC_LARGE) ? L_PDE : L_PTE;

	e[leaf + 1] = ac_entry(f, false);
	e[leaf] = ac_entry(f, true) | (F(AC_LARGE) ? T_FRAME_2M | PS : T_FRAME_4K);
	t_build(e, leaf);
	return leaf;
}

struct ac_want {
	enum vfy_x86_outcome o;
	uint32_t ec;
	bool r, w, x, u;
};

/*
 * The SDM's words, in order.  4.5: P=0 at any level is a not-present
 * fault; bit 63 set without EFER.NXE is a reserved-bit fault (the walk
 * meets the upper entry first).  4.6.1: CPL 3 may access only if U/S=1 at
 * every level; it may write only if R/W=1 at every level; CPL 0 may write
 * regardless of R/W when CR0.WP=0; with NXE no fetch where any XD=1.
 * 4.7: error code P, W/R, U/S, RSVD, I/D (fetch with NXE).
 */
static struct ac_want
ac_predict(unsigned f, unsigned acc)
{
	struct ac_want m = { VFY_X86_OK, 0, false, false, false, false };
	bool user = F(AC_USER), nxe = F(AC_EFER_NXE);

	if (!F(AC_UP_P))
		m.o = VFY_X86_NOT_PRESENT;
	else if (F(AC_UP_XD) && !nxe)
		m.o = VFY_X86_RESERVED;
	else if (!F(AC_LEAF_P))
		m.o = VFY_X86_NOT_PRESENT;
	else if (F(AC_LEAF_XD) && !nxe)
		m.o = VFY_X86_RESERVED;
	if (m.o == VFY_X86_OK) {
		m.u = F(AC_UP_US) && F(AC_LEAF_US);
		m.r = !user || m.u;
		m.w = m.r && ((F(AC_UP_RW) && F(AC_LEAF_RW)) || (!user && !F(AC_CR0_WP)));
		m.x = m.r && !(nxe && (F(AC_UP_XD) || F(AC_LEAF_XD)));
		if (!m.r || (acc == VFY_ACC_WRITE && !m.w) || (acc == VFY_ACC_FETCH && !m.x))
			m.o = VFY_X86_PROTECTION;
	}
	if (m.o == VFY_X86_OK)
		return m;
	m.ec = (m.o != VFY_X86_NOT_PRESENT ? VFY_PF_P : 0) |
	       (m.o == VFY_X86_RESERVED ? VFY_PF_RSVD : 0) | (acc == VFY_ACC_WRITE ? VFY_PF_W : 0) |
	       (user ? VFY_PF_U : 0) | (acc == VFY_ACC_FETCH && nxe ? VFY_PF_I : 0);
	return m;
}

/* SDM 3A 4.8: after an allowed access every entry has A, a written leaf D. */
static bool
ac_ad_ok(int leaf, bool write)
{
	int l;

	for (l = L_PML4E; l >= leaf; l--) {
		if (!(t_get(t_entry_hpa(l)) & A))
			return false;
	}
	return !write || (t_get(t_entry_hpa(leaf)) & D) != 0;
}

static int ac_failures;

/* Print one differing case with its values (the first few only). */
static void
ac_report(unsigned f, unsigned acc, const char *what, const struct vfy_x86_result *res,
          const struct ac_want *m)
{
	char buf[200];

	if (++ac_failures > 8)
		return;
	print_error("x86 [%s] acc=%s: %s: got %s ec=0x%x r%d w%d x%d u%d, want %s ec=0x%x "
	            "r%d w%d x%d u%d\n",
	            t_flags(f, ac_names, AC_NBITS, buf, sizeof(buf)), t_acc_name(acc), what,
	            vfy_x86_outcome_name(res->outcome), res->error_code, res->r, res->w, res->x,
	            res->u, vfy_x86_outcome_name(m->o), m->ec, m->r, m->w, m->x, m->u);
}

/* Run case @f for @acc and compare with the model. */
static void
ac_check(unsigned f, unsigned acc)
{
	struct vfy_x86_ctl ctl = { .cr0_wp = F(AC_CR0_WP),
		                   .efer_nxe = F(AC_EFER_NXE),
		                   .set_ad = true };
	struct ac_want m = ac_predict(f, acc);
	struct vfy_x86_result res;
	uint64_t snap[4];
	int leaf;

	t_setup(NULL);
	leaf = ac_build(f);
	t_snap(snap);
	walk(acc, F(AC_USER), &ctl, &res);
	if (res.outcome != m.o || res.error_code != m.ec)
		ac_report(f, acc, "outcome", &res, &m);
	else if (m.o == VFY_X86_OK || m.o == VFY_X86_PROTECTION) {
		if (res.r != m.r || res.w != m.w || res.x != m.x || res.u != m.u)
			ac_report(f, acc, "rights", &res, &m);
		else if (res.level != leaf || res.page_size != (F(AC_LARGE) ? 0x200000u : 0x1000u))
			ac_report(f, acc, "leaf", &res, &m);
	}
	if (m.o == VFY_X86_OK && !ac_ad_ok(leaf, acc == VFY_ACC_WRITE))
		ac_report(f, acc, "A/D not set", &res, &m);
	if (m.o != VFY_X86_OK && !t_same(snap))
		ac_report(f, acc, "a faulting walk wrote A/D", &res, &m);
}

/* Every combination of the bits above x read/write/fetch, against the model. */
static void
test_vfy_x86_permutations(void **state)
{
	static const unsigned accs[] = { VFY_ACC_READ, VFY_ACC_WRITE, VFY_ACC_FETCH };
	unsigned f, i, n = 0;

	ac_failures = 0;
	for (f = 0; f < (1u << AC_NBITS); f++) {
		for (i = 0; i < NELEM(accs); i++, n++)
			ac_check(f, accs[i]);
	}
	if (ac_failures != 0)
		fail_msg("%d of %u x86 cases differ from the SDM model", ac_failures, n);
}

/* ---- reserved bits, one rule each ---- */

struct rsvd_case {
	const char *name;
	uint64_t e[4]; /* [3] PML4E .. [0] PTE; table addresses are added */
	int leaf;
	int level; /* where the walk stops */
	bool nxe, pdpe1gb;
	const char *reason;
};

static const struct rsvd_case rsvd_cases[] = {
	{ "PML4E PS",
	  { T_FRAME_4K | P, TABLE, TABLE, TABLE | PS },
	  L_PTE,
	  L_PML4E,
	  true,
	  true,
	  "PML4E bit 7 (PS) reserved" },
	{ "PDPTE PS, no 1G pages",
	  { 0, 0, T_FRAME_1G | P | PS, TABLE },
	  L_PDPTE,
	  L_PDPTE,
	  true,
	  false,
	  "PDPTE bit 7 (PS) without 1 GiB pages" },
	{ "PDE XD, no NXE",
	  { T_FRAME_4K | P, TABLE | XD, TABLE, TABLE },
	  L_PTE,
	  L_PDE,
	  false,
	  true,
	  "PDE bit 63 set without EFER.NXE" },
	{ "PTE XD, no NXE",
	  { T_FRAME_4K | P | XD, TABLE, TABLE, TABLE },
	  L_PTE,
	  L_PTE,
	  false,
	  true,
	  "PTE bit 63 set without EFER.NXE" },
	{ "PDPTE bit 46",
	  { T_FRAME_4K | P, TABLE, TABLE | B(46), TABLE },
	  L_PTE,
	  L_PDPTE,
	  true,
	  true,
	  "PDPTE bits 51:maxphyaddr set" },
	{ "PTE bit 51",
	  { T_FRAME_4K | P | B(51), TABLE, TABLE, TABLE },
	  L_PTE,
	  L_PTE,
	  true,
	  true,
	  "PTE bits 51:maxphyaddr set" },
	{ "PML4E bit 47",
	  { T_FRAME_4K | P, TABLE, TABLE, TABLE | B(47) },
	  L_PTE,
	  L_PML4E,
	  true,
	  true,
	  "PML4E bits 51:maxphyaddr set" },
	/* the walk meets the PDPTE before the not-present PDE under it */
	{ "PDPTE bit 50 over a P=0 PDE",
	  { 0, 0, TABLE | B(50), TABLE },
	  L_PDE,
	  L_PDPTE,
	  true,
	  true,
	  "PDPTE bits 51:maxphyaddr set" },
};

/* Each reserved-bit rule (SDM 3A 4.5): RESERVED, the reason, P|RSVD. */
static void
test_vfy_x86_reserved_rules(void **state)
{
	struct vfy_x86_result res;
	size_t i;

	for (i = 0; i < NELEM(rsvd_cases); i++) {
		const struct rsvd_case *c = &rsvd_cases[i];
		struct vfy_x86_ctl ctl = { .cr0_wp = true,
			                   .efer_nxe = c->nxe,
			                   .pdpe1gb = c->pdpe1gb };

		t_setup(NULL);
		t_build(c->e, c->leaf);
		walk(VFY_ACC_READ, false, &ctl, &res);
		if (res.outcome != VFY_X86_RESERVED || res.level != c->level ||
		    res.error_code != (VFY_PF_P | VFY_PF_RSVD) || res.reason == NULL ||
		    strcmp(res.reason, c->reason) != 0)
			fail_msg(
			    "%s: got %s level=%d ec=0x%x \"%s\", want RESERVED level=%d ec=0x9 "
			    "\"%s\"",
			    c->name, vfy_x86_outcome_name(res.outcome), res.level, res.error_code,
			    res.reason ? res.reason : "(null)", c->level, c->reason);
	}
}

/* Run a read of T_ADDR over leaf @e at @leaf with tables above; check @reason. */
static void
rsvd_bit_check(int leaf, uint64_t e, const char *reason)
{
	uint64_t path[4] = { 0, TABLE, TABLE, TABLE };
	struct vfy_x86_result res;

	t_setup(NULL);
	path[leaf] = e;
	t_build(path, leaf);
	walk(VFY_ACC_READ, false, &ctl_default, &res);
	if (res.outcome != VFY_X86_RESERVED || strcmp(res.reason, reason) != 0)
		fail_msg("leaf 0x%016llx: got %s \"%s\", want RESERVED \"%s\"",
		         (unsigned long long)e, vfy_x86_outcome_name(res.outcome),
		         res.reason ? res.reason : "", reason);
}

/* Large pages: 1 GiB bits 29:13 and 2 MiB bits 20:13 are reserved, bit by bit. */
static void
test_vfy_x86_reserved_large_page_bits(void **state)
{
	int bit;

	for (bit = 13; bit <= 29; bit++)
		rsvd_bit_check(L_PDPTE, T_FRAME_1G | P | PS | B(bit),
		               "PDPTE 1 GiB page bits 29:13 reserved");
	for (bit = 13; bit <= 20; bit++)
		rsvd_bit_check(L_PDE, T_FRAME_2M | P | PS | B(bit),
		               "PDE 2 MiB page bits 20:13 reserved");
}

/* Bits the SDM leaves to software (11:9, 62:52) and PAT bit 12 are no fault. */
static void
test_vfy_x86_ignored_bits(void **state)
{
	static const uint64_t ign = B(9) | B(10) | B(11) | (UINT64_C(0x7ff) << 52);
	const uint64_t e[4] = { 0, T_FRAME_2M | P | PS | B(12) | ign, TABLE | ign, TABLE };
	struct vfy_x86_result res;

	t_build(e, L_PDE);
	assert_int_equal(walk(VFY_ACC_READ, false, &ctl_default, &res), VFY_X86_OK);
	assert_int_equal(res.hpa, T_FRAME_2M | (T_ADDR & 0x1fffff));
}

/* ---- outcomes pinned ---- */

struct ec_case {
	const char *name;
	uint64_t pte; /* PTE flags under tables granting all */
	unsigned access;
	bool user, nxe;
	enum vfy_x86_outcome o;
	uint32_t ec;
};

static const struct ec_case ec_cases[] = {
	{ "user write, P=0", 0, VFY_ACC_WRITE, true, true, VFY_X86_NOT_PRESENT, 0x6 },
	{ "supervisor read, P=0", 0, VFY_ACC_READ, false, true, VFY_X86_NOT_PRESENT, 0x0 },
	{ "fetch, P=0, NXE", 0, VFY_ACC_FETCH, false, true, VFY_X86_NOT_PRESENT, 0x10 },
	{ "fetch, P=0, no NXE", 0, VFY_ACC_FETCH, false, false, VFY_X86_NOT_PRESENT, 0x0 },
	{ "supervisor write, R/W=0, WP", P, VFY_ACC_WRITE, false, true, VFY_X86_PROTECTION, 0x3 },
	{ "user read, U/S=0", P | RW, VFY_ACC_READ, true, true, VFY_X86_PROTECTION, 0x5 },
	{ "user fetch, XD", P | US | XD, VFY_ACC_FETCH, true, true, VFY_X86_PROTECTION, 0x15 },
	{ "user write, XD no NXE", P | US | RW | XD, VFY_ACC_WRITE, true, false, VFY_X86_RESERVED,
	  0xf },
	{ "user read, U/S=0 and a reserved bit", P | B(50), VFY_ACC_READ, true, true,
	  VFY_X86_RESERVED, 0xd },
};

/* #PF error codes (SDM 3A 4.7) of a few faults, as numbers. */
static void
test_vfy_x86_error_codes(void **state)
{
	struct vfy_x86_result res;
	size_t i;

	for (i = 0; i < NELEM(ec_cases); i++) {
		const struct ec_case *c = &ec_cases[i];
		struct vfy_x86_ctl ctl = { .cr0_wp = true, .efer_nxe = c->nxe };

		t_setup(NULL);
		build_4k(c->pte);
		walk(c->access, c->user, &ctl, &res);
		if (res.outcome != c->o || res.error_code != c->ec)
			fail_msg("%s: got %s ec=0x%x, want %s ec=0x%x", c->name,
			         vfy_x86_outcome_name(res.outcome), res.error_code,
			         vfy_x86_outcome_name(c->o), c->ec);
	}
}

/*
 * A not-present PML4E ends the walk: nothing below it is read, and its
 * other bits mean nothing (bit 51, PS: no reserved-bit fault).
 */
static void
test_vfy_x86_not_present_stops(void **state)
{
	const uint64_t pml4e = T_TABLE(L_PDPTE) | RW | US | PS | B(51);
	struct vfy_x86_result res;

	t_set(t_entry_hpa(L_PML4E), pml4e);
	assert_int_equal(walk(VFY_ACC_READ, false, &ctl_default, &res), VFY_X86_NOT_PRESENT);
	assert_int_equal(res.level, L_PML4E);
	assert_int_equal(res.entries[L_PML4E], pml4e);
	assert_int_equal(res.entries[L_PDPTE], 0);
	assert_int_equal(res.entry_hpa[L_PML4E], t_entry_hpa(L_PML4E));
	assert_string_equal(res.reason, "PML4E not present (P=0)");
}

/* A 1 GiB page: translation, size, and the entries the walk read. */
static void
test_vfy_x86_1g_translation(void **state)
{
	const uint64_t e[4] = { 0, 0, T_FRAME_1G | P | RW | PS | G, TABLE };
	struct vfy_x86_result res;

	t_build(e, L_PDPTE);
	assert_int_equal(walk(VFY_ACC_WRITE, false, &ctl_default, &res), VFY_X86_OK);
	assert_int_equal(res.level, L_PDPTE);
	assert_int_equal(res.page_size, UINT64_C(1) << 30);
	assert_int_equal(res.hpa, T_FRAME_1G | (T_ADDR & 0x3fffffff));
	assert_true(res.global);
	assert_false(res.u);
	assert_int_equal(res.entries[L_PDE], 0);
	assert_int_equal(res.entry_hpa[L_PDPTE], t_entry_hpa(L_PDPTE));
}

/* ---- PAT ---- */

/*
 * SDM 3A 12.12.3: index = PAT*4 + PCD*2 + PWT, PAT = bit 7 of a PTE, bit
 * 12 of a 2 MiB PDE.  PAT_IDENTITY (entry i holds i, types 2 and 3 being
 * reserved: a value no CPU would take) makes the type name its index.
 */
static void
test_vfy_x86_pat_indexes(void **state)
{
	struct vfy_x86_ctl ctl = ctl_default;
	struct vfy_x86_result res;
	unsigned idx;

	ctl.pat = PAT_IDENTITY;
	for (idx = 0; idx < 8; idx++) {
		uint64_t cache = ((idx & 1) ? PWT : 0) | ((idx & 2) ? PCD : 0);
		const uint64_t e2m[4] = { 0, T_FRAME_2M | P | PS | cache | ((idx & 4) ? B(12) : 0),
			                  TABLE, TABLE };

		t_setup(NULL);
		build_4k(P | cache | ((idx & 4) ? B(7) : 0));
		walk(VFY_ACC_READ, false, &ctl, &res);
		if (res.outcome != VFY_X86_OK || res.memtype != idx)
			fail_msg("4K PAT index %u: got %s memtype %u", idx,
			         vfy_x86_outcome_name(res.outcome), res.memtype);
		t_setup(NULL);
		t_build(e2m, L_PDE);
		walk(VFY_ACC_READ, false, &ctl, &res);
		if (res.outcome != VFY_X86_OK || res.memtype != idx)
			fail_msg("2M PAT index %u: got %s memtype %u", idx,
			         vfy_x86_outcome_name(res.outcome), res.memtype);
	}
}

/* With the usual IA32_PAT (WB WT UC- UC WP WC UC- UC), types as SDM 3A 12.12 encodes them. */
static void
test_vfy_x86_pat_types(void **state)
{
	static const uint8_t want[8] = { 6, 4, 7, 0, 5, 1, 7, 0 };
	struct vfy_x86_ctl ctl = ctl_default;
	struct vfy_x86_result res;
	unsigned idx;

	ctl.pat = UINT64_C(0x0007010500070406);
	for (idx = 0; idx < 8; idx++) {
		t_setup(NULL);
		build_4k(P | ((idx & 1) ? PWT : 0) | ((idx & 2) ? PCD : 0) |
		         ((idx & 4) ? B(7) : 0));
		walk(VFY_ACC_READ, false, &ctl, &res);
		assert_int_equal(res.memtype, want[idx]);
	}
}

/* ---- A/D (SDM 3A 4.8) ---- */

/* A read sets A at every level and no D; a write then sets D in the leaf only. */
static void
test_vfy_x86_ad_set(void **state)
{
	struct vfy_x86_ctl ctl = ctl_default;
	struct vfy_x86_result res;
	int l;

	ctl.set_ad = true;
	build_4k(P | RW);
	assert_int_equal(walk(VFY_ACC_READ, false, &ctl, &res), VFY_X86_OK);
	for (l = L_PML4E; l >= L_PTE; l--)
		assert_int_equal(t_get(t_entry_hpa(l)) & (A | D), A);
	assert_true(res.accessed);
	assert_false(res.dirty);
	assert_int_equal(res.entries[L_PTE], T_FRAME_4K | P | RW); /* as read */
	assert_int_equal(walk(VFY_ACC_WRITE, false, &ctl, &res), VFY_X86_OK);
	assert_int_equal(t_get(t_entry_hpa(L_PTE)), T_FRAME_4K | P | RW | A | D);
	for (l = L_PML4E; l > L_PTE; l--)
		assert_int_equal(t_get(t_entry_hpa(l)) & (A | D), A);
	assert_true(res.dirty);
	assert_int_equal(t_ram.writes, 5);
	/* all set already: nothing is written */
	walk(VFY_ACC_WRITE, false, &ctl, &res);
	assert_int_equal(t_ram.writes, 5);
}

/* D goes in a 2 MiB leaf, the PDE. */
static void
test_vfy_x86_ad_2m_leaf(void **state)
{
	const uint64_t e[4] = { 0, T_FRAME_2M | P | RW | PS, TABLE, TABLE };
	struct vfy_x86_ctl ctl = ctl_default;
	struct vfy_x86_result res;

	ctl.set_ad = true;
	t_build(e, L_PDE);
	assert_int_equal(walk(VFY_ACC_WRITE, false, &ctl, &res), VFY_X86_OK);
	assert_int_equal(t_get(t_entry_hpa(L_PDE)), T_FRAME_2M | P | RW | PS | A | D);
	assert_int_equal(t_get(t_entry_hpa(L_PDPTE)) & (A | D), A);
	assert_int_equal(t_get(t_entry_hpa(L_PTE)), 0);
}

/* No A/D without set_ad, for a translate-only walk, or on a faulting walk. */
static void
test_vfy_x86_ad_not_set(void **state)
{
	struct vfy_x86_ctl ctl = ctl_default;
	struct vfy_x86_result res;

	build_4k(P);
	assert_int_equal(walk(VFY_ACC_READ, false, &ctl, &res), VFY_X86_OK);
	ctl.set_ad = true;
	assert_int_equal(walk(0, true, &ctl, &res), VFY_X86_OK);
	assert_int_equal(walk(VFY_ACC_WRITE, false, &ctl, &res), VFY_X86_PROTECTION);
	assert_string_equal(res.reason, "write to a read-only page (R/W=0)");
	assert_int_equal(t_ram.writes, 0);
}

/* ---- memory that is not there ---- */

/* A table outside RAM, CR3 outside RAM, a failed write-back, no write64. */
static void
test_vfy_x86_bad_memory(void **state)
{
	struct vfy_x86_ctl ctl = ctl_default;
	struct vfy_x86_result res;

	build_4k(P | RW);
	t_set(t_entry_hpa(L_PDE), T_NOT_RAM | TABLE);
	assert_int_equal(walk(VFY_ACC_READ, false, &ctl, &res), VFY_X86_BAD_MEMORY);
	assert_string_equal(res.reason, "PTE address is not memory");
	assert_int_equal(res.level, L_PTE);
	assert_int_equal(res.entry_hpa[L_PTE], T_NOT_RAM + T_IDX(L_PTE) * 8);
	assert_int_equal(res.error_code, 0);
	vfy_walk_x86(t_mem(true), T_NOT_RAM, T_ADDR, VFY_ACC_READ, false, &ctl, &res);
	assert_int_equal(res.outcome, VFY_X86_BAD_MEMORY);
	assert_string_equal(res.reason, "PML4E address is not memory");

	t_setup(NULL);
	build_4k(P | RW);
	ctl.set_ad = true;
	t_ram.ro_hpa = t_entry_hpa(L_PDE);
	assert_int_equal(walk(VFY_ACC_READ, false, &ctl, &res), VFY_X86_BAD_MEMORY);
	assert_string_equal(res.reason, "PDE A/D write-back address is not memory");
	vfy_walk_x86(t_mem(false), T_TABLE(L_PML4E), T_ADDR, VFY_ACC_READ, false, &ctl, &res);
	assert_string_equal(res.reason, "set_ad without mem->write64");
}

const struct CMUnitTest vfy_x86_tests[] = {
	cmocka_unit_test_setup(test_vfy_x86_permutations, t_setup),
	cmocka_unit_test_setup(test_vfy_x86_reserved_rules, t_setup),
	cmocka_unit_test_setup(test_vfy_x86_reserved_large_page_bits, t_setup),
	cmocka_unit_test_setup(test_vfy_x86_ignored_bits, t_setup),
	cmocka_unit_test_setup(test_vfy_x86_error_codes, t_setup),
	cmocka_unit_test_setup(test_vfy_x86_not_present_stops, t_setup),
	cmocka_unit_test_setup(test_vfy_x86_1g_translation, t_setup),
	cmocka_unit_test_setup(test_vfy_x86_pat_indexes, t_setup),
	cmocka_unit_test_setup(test_vfy_x86_pat_types, t_setup),
	cmocka_unit_test_setup(test_vfy_x86_ad_set, t_setup),
	cmocka_unit_test_setup(test_vfy_x86_ad_2m_leaf, t_setup),
	cmocka_unit_test_setup(test_vfy_x86_ad_not_set, t_setup),
	cmocka_unit_test_setup(test_vfy_x86_bad_memory, t_setup),
};
const size_t vfy_x86_ntests = NELEM(vfy_x86_tests);
