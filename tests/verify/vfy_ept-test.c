/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * vfy_ept-test.c - the EPT reference walk against the SDM vol. 3C ch. 29
 * rule text, with tables written by hand in RAM (tests/verify/vfy_test.h).
 * The permutation test enumerates XWR at the leaf and the level above, the
 * page size, every memory type, ipat, execute-only support and EPTP bit 6.
 */
#include <stdio.h>
#include <string.h>

#include "tests/verify/vfy_test.h"

/* Entry bits, SDM 3C 29.3.2. */
#define R     B(0)
#define W     B(1)
#define X     B(2)
#define MT(t) ((uint64_t)(t) << 3)
#define IPAT  B(6)
#define PS    B(7)
#define A     B(8)
#define D     B(9)

#define RWX        (R | W | X)
#define WB         MT(6)
/* EPTP (the VMCS EPT pointer): bits 2:0 type WB (6), bits 5:3 walk length - 1. */
#define EPTP_AT(t) ((t) | 6u | (3u << 3))
#define EPTP       EPTP_AT(T_TABLE(L_PML4E))
#define EPTP_AD    B(6)

static const struct vfy_ept_caps caps_all = { .exec_only = true, .pages_1g = true };

static enum vfy_ept_outcome
walk(uint64_t eptp, unsigned access, const struct vfy_ept_caps *caps, struct vfy_ept_result *res)
{
	return vfy_walk_ept(t_mem(true), eptp, T_ADDR, access, caps, res);
}

/* A 4 KiB page at T_FRAME_4K with @pte bits under tables granting all. */
static void
build_4k(uint64_t pte)
{
	const uint64_t e[4] = { T_FRAME_4K | pte, RWX, RWX, RWX };

	t_build(e, L_PTE);
}

/* ---- the permutations ---- */

enum {
	EC_UP_R, /* the entry above the leaf: PDE (4 KiB) or PDPTE (2 MiB) */
	EC_UP_W,
	EC_UP_X,
	EC_LEAF_R,
	EC_LEAF_W,
	EC_LEAF_X,
	EC_LARGE, /* leaf is a 2 MiB PDE, else a 4 KiB PTE */
	EC_IPAT,
	EC_EXEC_ONLY, /* IA32_VMX_EPT_VPID_CAP bit 0 */
	EC_EPTP_AD,   /* EPTP bit 6 */
	EC_NBITS
};

static const char *const ec_names[EC_NBITS] = {
	"up.R", "up.W", "up.X", "leaf.R", "leaf.W", "leaf.X", "2M", "ipat", "exec-only", "eptp.AD",
};

#define F(bit) ((f & (1u << (bit))) != 0)

/* Build the path of case @f with leaf memory type @mt. */
static int
ec_build(unsigned f, unsigned mt)
{
	uint64_t e[4] = { 0, RWX, RWX, RWX };
	int leaf = F(EC_LARGE) ? L_PDE : L_PTE;

	e[leaf + 1] = f & 7;
	e[leaf] = ((f >> EC_LEAF_R) & 7) | MT(mt) | (F(EC_IPAT) ? IPAT : 0) |
	          (F(EC_LARGE) ? T_FRAME_2M | PS : T_FRAME_4K);
	t_build(e, leaf);
	return leaf;
}

/*
 * SDM 3C 29.3.3.1, in its words: a misconfiguration when "bit 0 of the
 * entry is clear (indicating that data reads are not allowed) and bit 1
 * is set", or when the CPU does not support execute-only translations and
 * bits 2:0 are 100.
 */
static bool
xwr_misconfigured(unsigned xwr, bool exec_only)
{
	if (!(xwr & 1) && (xwr & 2))
		return true;
	return xwr == 4 && !exec_only;
}

struct ec_want {
	enum vfy_ept_outcome o;
	uint64_t qual;
	bool leaf;       /* the walk reaches a well-formed leaf */
	unsigned rights; /* XWR, AND of the two entries that vary */
};

/*
 * The walk meets the upper entry first: XWR=000 is not present (a
 * violation, rights 0), a bad XWR a misconfiguration; then the leaf, whose
 * memory type 2, 3 or 7 is also a misconfiguration (29.3.7).  A right the
 * access needs missing from the AND is a violation (29.3.3.2) whose exit
 * qualification is the access (read 1, write 2, fetch 4) | R,W,X << 3.
 */
static struct ec_want
ec_predict(unsigned f, unsigned mt, unsigned acc)
{
	unsigned up = f & 7, leaf = (f >> EC_LEAF_R) & 7, need;
	bool xo = F(EC_EXEC_ONLY);
	struct ec_want m = { VFY_EPT_OK, 0, false, 0 };

	need = acc == VFY_ACC_READ ? 1 : acc == VFY_ACC_WRITE ? 2 : 4;
	if (up == 0 || (!xwr_misconfigured(up, xo) && leaf == 0)) {
		m.o = VFY_EPT_VIOLATION;
		m.qual = need;
		return m;
	}
	if (xwr_misconfigured(up, xo) || xwr_misconfigured(leaf, xo) || mt == 2 || mt == 3 ||
	    mt == 7) {
		m.o = VFY_EPT_MISCONFIG;
		return m;
	}
	m.leaf = true;
	m.rights = up & leaf;
	if (!(m.rights & need)) {
		m.o = VFY_EPT_VIOLATION;
		m.qual = need | (uint64_t)m.rights << 3;
	}
	return m;
}

/* SDM 3C 29.3.5: every entry used has A (bit 8), a written leaf D (bit 9). */
static bool
ec_ad_ok(int leaf, bool write)
{
	int l;

	for (l = L_PML4E; l >= leaf; l--) {
		if (!(t_get(t_entry_hpa(l)) & A))
			return false;
	}
	return !write || (t_get(t_entry_hpa(leaf)) & D) != 0;
}

static int ec_failures;

/* Print one differing case with its values (the first few only). */
static void
ec_report(unsigned f, unsigned mt, unsigned acc, const char *what, const struct vfy_ept_result *res,
          const struct ec_want *m)
{
	char buf[200];

	if (++ec_failures > 8)
		return;
	print_error(
	    "EPT [%s] memtype=%u acc=%s: %s: got %s qual=0x%llx (%s), want %s qual=0x%llx\n",
	    t_flags(f, ec_names, EC_NBITS, buf, sizeof(buf)), mt, t_acc_name(acc), what,
	    vfy_ept_outcome_name(res->outcome), (unsigned long long)res->exit_qual,
	    res->reason ? res->reason : "", vfy_ept_outcome_name(m->o),
	    (unsigned long long)m->qual);
}

/* The leaf fields of a walk that reached a legal leaf. */
static bool
ec_leaf_ok(unsigned f, unsigned mt, int leaf, const struct vfy_ept_result *res,
           const struct ec_want *m)
{
	uint64_t size = F(EC_LARGE) ? 0x200000u : 0x1000u;
	uint64_t frame = F(EC_LARGE) ? T_FRAME_2M : T_FRAME_4K;

	return res->level == leaf && res->page_size == size &&
	       res->hpa == (frame | (T_ADDR & (size - 1))) && res->memtype == mt &&
	       res->ipat == F(EC_IPAT) && res->r == ((m->rights & 1) != 0) &&
	       res->w == ((m->rights & 2) != 0) && res->x == ((m->rights & 4) != 0);
}

/* Run case @f, @mt for @acc and compare with the model. */
static void
ec_check(unsigned f, unsigned mt, unsigned acc)
{
	struct vfy_ept_caps caps = { .exec_only = F(EC_EXEC_ONLY), .pages_1g = true };
	struct ec_want m = ec_predict(f, mt, acc);
	uint64_t eptp = EPTP | (F(EC_EPTP_AD) ? EPTP_AD : 0);
	struct vfy_ept_result res;
	uint64_t snap[4];
	int leaf;

	t_setup(NULL);
	leaf = ec_build(f, mt);
	t_snap(snap);
	walk(eptp, acc, &caps, &res);
	if (res.outcome != m.o || res.exit_qual != m.qual)
		ec_report(f, mt, acc, "outcome", &res, &m);
	else if (m.leaf && !ec_leaf_ok(f, mt, leaf, &res, &m))
		ec_report(f, mt, acc, "leaf fields", &res, &m);
	if (m.o == VFY_EPT_OK && F(EC_EPTP_AD) && !ec_ad_ok(leaf, acc == VFY_ACC_WRITE))
		ec_report(f, mt, acc, "A/D not set", &res, &m);
	if ((m.o != VFY_EPT_OK || !F(EC_EPTP_AD)) && !t_same(snap))
		ec_report(f, mt, acc, "A/D written", &res, &m);
}

/* Every combination x every memory type x read/write/fetch, against the model. */
static void
test_vfy_ept_permutations(void **state)
{
	static const unsigned accs[] = { VFY_ACC_READ, VFY_ACC_WRITE, VFY_ACC_FETCH };
	unsigned f, mt, i, n = 0;

	ec_failures = 0;
	for (f = 0; f < (1u << EC_NBITS); f++) {
		for (mt = 0; mt < 8; mt++) {
			for (i = 0; i < NELEM(accs); i++, n++)
				ec_check(f, mt, accs[i]);
		}
	}
	if (ec_failures != 0)
		fail_msg("%d of %u EPT cases differ from the SDM model", ec_failures, n);
}

/* ---- misconfigurations, one rule each ---- */

struct mis_case {
	uint64_t e[4]; /* [3] PML4E .. [0] PTE; table addresses are added */
	int leaf;
	int level; /* where the walk stops */
	bool exec_only, pages_1g;
	const char *reason;
};

static const struct mis_case mis_cases[] = {
	{ { T_FRAME_4K | RWX | WB, W, RWX, RWX },
	  L_PTE,
	  L_PDE,
	  true,
	  true,
	  "PDE XWR=010 (write without read)" },
	{ { T_FRAME_4K | W | X | WB, RWX, RWX, RWX },
	  L_PTE,
	  L_PTE,
	  true,
	  true,
	  "PTE XWR=110 (write without read)" },
	{ { T_FRAME_4K | RWX | WB, RWX, RWX, X },
	  L_PTE,
	  L_PML4E,
	  false,
	  true,
	  "PML4E XWR=100 (execute-only not supported)" },
	{ { T_FRAME_4K | RWX | WB, RWX, RWX | B(46), RWX },
	  L_PTE,
	  L_PDPTE,
	  true,
	  true,
	  "PDPTE bits 51:maxphyaddr set" },
	{ { T_FRAME_4K | RWX | WB | B(51), RWX, RWX, RWX },
	  L_PTE,
	  L_PTE,
	  true,
	  true,
	  "PTE bits 51:maxphyaddr set" },
	{ { 0, 0, T_FRAME_1G | RWX | WB | PS, RWX },
	  L_PDPTE,
	  L_PDPTE,
	  true,
	  false,
	  "PDPTE bit 7 (PS) without 1 GiB pages" },
	{ { T_FRAME_4K | RWX | MT(2), RWX, RWX, RWX },
	  L_PTE,
	  L_PTE,
	  true,
	  true,
	  "PTE memory type 2 (reserved)" },
	{ { 0, T_FRAME_2M | RWX | MT(3) | PS, RWX, RWX },
	  L_PDE,
	  L_PDE,
	  true,
	  true,
	  "PDE memory type 3 (reserved)" },
	{ { 0, 0, T_FRAME_1G | RWX | MT(7) | PS | IPAT, RWX },
	  L_PDPTE,
	  L_PDPTE,
	  true,
	  true,
	  "PDPTE memory type 7 (reserved)" },
	/* a misconfigured leaf under an entry that denies the write: misconfig wins */
	{ { T_FRAME_4K | W | WB, R, RWX, RWX },
	  L_PTE,
	  L_PTE,
	  true,
	  true,
	  "PTE XWR=010 (write without read)" },
};

/* Each misconfiguration (SDM 3C 29.3.3.1): MISCONFIG, the level, the reason. */
static void
test_vfy_ept_misconfig_rules(void **state)
{
	struct vfy_ept_result res;
	size_t i;

	for (i = 0; i < NELEM(mis_cases); i++) {
		const struct mis_case *c = &mis_cases[i];
		struct vfy_ept_caps caps = { .exec_only = c->exec_only, .pages_1g = c->pages_1g };

		t_setup(NULL);
		t_build(c->e, c->leaf);
		walk(EPTP, VFY_ACC_WRITE, &caps, &res);
		if (res.outcome != VFY_EPT_MISCONFIG || res.level != c->level ||
		    res.exit_qual != 0 || res.reason == NULL || strcmp(res.reason, c->reason) != 0)
			fail_msg(
			    "case %zu: got %s level=%d qual=0x%llx \"%s\", want MISCONFIG level=%d "
			    "\"%s\"",
			    i, vfy_ept_outcome_name(res.outcome), res.level,
			    (unsigned long long)res.exit_qual, res.reason ? res.reason : "(null)",
			    c->level, c->reason);
	}
}

/* Walk T_ADDR with entry @e at @level (tables above, leaf below as needed). */
static void
mis_bit_check(int level, uint64_t e, const char *reason)
{
	uint64_t path[4] = { T_FRAME_4K | RWX | WB, RWX, RWX, RWX };
	int leaf = (level != L_PML4E && (e & PS)) ? level : L_PTE;
	struct vfy_ept_result res;

	t_setup(NULL);
	path[level] = e;
	t_build(path, leaf);
	walk(EPTP, VFY_ACC_READ, &caps_all, &res);
	if (res.outcome != VFY_EPT_MISCONFIG || strcmp(res.reason, reason) != 0)
		fail_msg("%s 0x%016llx: got %s \"%s\", want MISCONFIG \"%s\"",
		         level == L_PML4E ? "PML4E" : "entry", (unsigned long long)e,
		         vfy_ept_outcome_name(res.outcome), res.reason ? res.reason : "", reason);
}

/* Reserved bits, bit by bit: PML4E 7:3, table PDPTE/PDE 6:3, 1G 29:12, 2M 20:12. */
static void
test_vfy_ept_reserved_bits(void **state)
{
	int bit;

	for (bit = 3; bit <= 7; bit++)
		mis_bit_check(L_PML4E, RWX | B(bit), "PML4E bits 7:3 reserved");
	for (bit = 3; bit <= 6; bit++) {
		mis_bit_check(L_PDPTE, RWX | B(bit), "PDPTE bits 6:3 reserved");
		mis_bit_check(L_PDE, RWX | B(bit), "PDE bits 6:3 reserved");
	}
	for (bit = 12; bit <= 29; bit++)
		mis_bit_check(L_PDPTE, T_FRAME_1G | RWX | WB | PS | B(bit),
		              "PDPTE 1 GiB page bits 29:12 reserved");
	for (bit = 12; bit <= 20; bit++)
		mis_bit_check(L_PDE, T_FRAME_2M | RWX | WB | PS | B(bit),
		              "PDE 2 MiB page bits 20:12 reserved");
}

/*
 * A not-present PDE hides a misconfigured PTE under it: the walk stops.
 * Its own reserved bits (51, 6:3) make no misconfiguration: only present
 * entries are checked (SDM 3C 29.3.3.1).
 */
static void
test_vfy_ept_not_present_stops(void **state)
{
	const uint64_t e[4] = { T_FRAME_4K | W | WB, 0, RWX, RWX };
	struct vfy_ept_result res;

	t_build(e, L_PTE);
	t_set(t_entry_hpa(L_PDE), T_TABLE(L_PTE) | B(51) | MT(2)); /* XWR=000 */
	assert_int_equal(walk(EPTP, VFY_ACC_READ, &caps_all, &res), VFY_EPT_VIOLATION);
	assert_int_equal(res.level, L_PDE);
	assert_int_equal(res.entries[L_PTE], 0);
	assert_string_equal(res.reason, "PDE not present (XWR=000)");
}

/* ---- exit qualifications pinned ---- */

struct qual_case {
	const char *name;
	uint64_t pde, pte;
	unsigned access;
	uint64_t qual;
};

static const struct qual_case qual_cases[] = {
	{ "write, PDE not present", 0, RWX | WB, VFY_ACC_WRITE, 0x2 },
	{ "write, PTE r--", RWX, R | WB, VFY_ACC_WRITE, 0x2 | 0x8 },
	{ "fetch, PDE r--, PTE rwx", R, RWX | WB, VFY_ACC_FETCH, 0x4 | 0x8 },
	{ "write, PDE r-x, PTE rwx", R | X, RWX | WB, VFY_ACC_WRITE, 0x2 | 0x8 | 0x20 },
	{ "read, PTE --x (execute-only)", RWX, X | WB, VFY_ACC_READ, 0x1 | 0x20 },
	{ "read+write, PTE not present", RWX, 0, VFY_ACC_READ | VFY_ACC_WRITE, 0x3 },
};

/* EPT-violation exit qualifications (SDM 3C table 28-7 bits 5:0), as numbers. */
static void
test_vfy_ept_exit_qual(void **state)
{
	struct vfy_ept_result res;
	size_t i;

	for (i = 0; i < NELEM(qual_cases); i++) {
		const struct qual_case *c = &qual_cases[i];
		const uint64_t e[4] = { T_FRAME_4K | c->pte, c->pde, RWX, RWX };

		t_setup(NULL);
		t_build(e, L_PTE);
		walk(EPTP, c->access, &caps_all, &res);
		if (res.outcome != VFY_EPT_VIOLATION || res.exit_qual != c->qual)
			fail_msg("%s: got %s qual=0x%llx, want VIOLATION qual=0x%llx", c->name,
			         vfy_ept_outcome_name(res.outcome),
			         (unsigned long long)res.exit_qual, (unsigned long long)c->qual);
	}
}

/* Execute-only where supported: a fetch goes through, a read does not. */
static void
test_vfy_ept_exec_only(void **state)
{
	struct vfy_ept_result res;

	build_4k(X | WB);
	assert_int_equal(walk(EPTP, VFY_ACC_FETCH, &caps_all, &res), VFY_EPT_OK);
	assert_true(res.x);
	assert_false(res.r);
	assert_int_equal(res.hpa, T_FRAME_4K | 0x567);
	assert_int_equal(walk(EPTP, VFY_ACC_READ, &caps_all, &res), VFY_EPT_VIOLATION);
	assert_string_equal(res.reason, "read without R");
}

/* A 1 GiB leaf: translation, size, type. */
static void
test_vfy_ept_1g_translation(void **state)
{
	const uint64_t e[4] = { 0, 0, T_FRAME_1G | R | W | MT(4) | PS, RWX };
	struct vfy_ept_result res;

	t_build(e, L_PDPTE);
	assert_int_equal(walk(EPTP, VFY_ACC_WRITE, &caps_all, &res), VFY_EPT_OK);
	assert_int_equal(res.level, L_PDPTE);
	assert_int_equal(res.page_size, UINT64_C(1) << 30);
	assert_int_equal(res.hpa, T_FRAME_1G | (T_ADDR & 0x3fffffff));
	assert_int_equal(res.memtype, 4);
	assert_false(res.ipat);
	assert_false(res.x);
}

/* ---- A/D (SDM 3C 29.3.5) ---- */

/* EPTP bit 6: a read sets A everywhere, a write D in the leaf only. */
static void
test_vfy_ept_ad_set(void **state)
{
	struct vfy_ept_result res;
	int l;

	build_4k(R | W | WB);
	assert_int_equal(walk(EPTP | EPTP_AD, VFY_ACC_READ, &caps_all, &res), VFY_EPT_OK);
	for (l = L_PML4E; l >= L_PTE; l--)
		assert_int_equal(t_get(t_entry_hpa(l)) & (A | D), A);
	assert_true(res.accessed);
	assert_false(res.dirty);
	assert_int_equal(walk(EPTP | EPTP_AD, VFY_ACC_WRITE, &caps_all, &res), VFY_EPT_OK);
	assert_int_equal(t_get(t_entry_hpa(L_PTE)), T_FRAME_4K | R | W | WB | A | D);
	for (l = L_PML4E; l > L_PTE; l--)
		assert_int_equal(t_get(t_entry_hpa(l)) & (A | D), A);
	assert_true(res.dirty);
	assert_int_equal(t_ram.writes, 5);
}

/* D goes in a 2 MiB leaf, the PDE. */
static void
test_vfy_ept_ad_2m_leaf(void **state)
{
	const uint64_t e[4] = { 0, T_FRAME_2M | RWX | WB | PS, RWX, RWX };
	struct vfy_ept_result res;

	t_build(e, L_PDE);
	assert_int_equal(walk(EPTP | EPTP_AD, VFY_ACC_WRITE, &caps_all, &res), VFY_EPT_OK);
	assert_int_equal(t_get(t_entry_hpa(L_PDE)), T_FRAME_2M | RWX | WB | PS | A | D);
	assert_int_equal(t_get(t_entry_hpa(L_PDPTE)) & (A | D), A);
}

/* No A/D without EPTP bit 6, without write64, translating only, or on a violation. */
static void
test_vfy_ept_ad_not_set(void **state)
{
	struct vfy_ept_result res;

	build_4k(R | WB);
	assert_int_equal(walk(EPTP, VFY_ACC_READ, &caps_all, &res), VFY_EPT_OK);
	assert_int_equal(
	    vfy_walk_ept(t_mem(false), EPTP | EPTP_AD, T_ADDR, VFY_ACC_READ, &caps_all, &res),
	    VFY_EPT_OK);
	assert_int_equal(walk(EPTP | EPTP_AD, 0, &caps_all, &res), VFY_EPT_OK);
	assert_int_equal(walk(EPTP | EPTP_AD, VFY_ACC_WRITE, &caps_all, &res), VFY_EPT_VIOLATION);
	assert_int_equal(t_ram.writes, 0);
}

/* ---- memory that is not there ---- */

/* A table outside RAM, an EPTP outside RAM, a failed write-back. */
static void
test_vfy_ept_bad_memory(void **state)
{
	struct vfy_ept_result res;

	build_4k(RWX | WB);
	t_set(t_entry_hpa(L_PDPTE), T_NOT_RAM | RWX);
	assert_int_equal(walk(EPTP, VFY_ACC_READ, &caps_all, &res), VFY_EPT_BAD_MEMORY);
	assert_string_equal(res.reason, "PDE address is not memory");
	assert_int_equal(res.entry_hpa[L_PDE], T_NOT_RAM + T_IDX(L_PDE) * 8);
	assert_int_equal(walk(EPTP_AT(T_NOT_RAM), VFY_ACC_READ, &caps_all, &res),
	                 VFY_EPT_BAD_MEMORY);
	assert_string_equal(res.reason, "PML4E address is not memory");

	t_setup(NULL);
	build_4k(RWX | WB);
	t_ram.ro_hpa = t_entry_hpa(L_PTE);
	assert_int_equal(walk(EPTP | EPTP_AD, VFY_ACC_WRITE, &caps_all, &res), VFY_EPT_BAD_MEMORY);
	assert_string_equal(res.reason, "PTE A/D write-back address is not memory");
}

const struct CMUnitTest vfy_ept_tests[] = {
	cmocka_unit_test_setup(test_vfy_ept_permutations, t_setup),
	cmocka_unit_test_setup(test_vfy_ept_misconfig_rules, t_setup),
	cmocka_unit_test_setup(test_vfy_ept_reserved_bits, t_setup),
	cmocka_unit_test_setup(test_vfy_ept_not_present_stops, t_setup),
	cmocka_unit_test_setup(test_vfy_ept_exit_qual, t_setup),
	cmocka_unit_test_setup(test_vfy_ept_exec_only, t_setup),
	cmocka_unit_test_setup(test_vfy_ept_1g_translation, t_setup),
	cmocka_unit_test_setup(test_vfy_ept_ad_set, t_setup),
	cmocka_unit_test_setup(test_vfy_ept_ad_2m_leaf, t_setup),
	cmocka_unit_test_setup(test_vfy_ept_ad_not_set, t_setup),
	cmocka_unit_test_setup(test_vfy_ept_bad_memory, t_setup),
};
const size_t vfy_ept_ntests = NELEM(vfy_ept_tests);
