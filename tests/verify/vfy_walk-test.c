/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * vfy_walk-test.c - the RAM fixture of the reference-walker tests, the
 * describe tests, and main: runs the x86 (vfy_x86-test.c), EPT
 * (vfy_ept-test.c), cursor (vfy_cursor-test.c) and describe groups.
 */
#include <stdio.h>
#include <string.h>

#include "tests/verify/vfy_test.h"

struct t_ram t_ram;

static bool
t_read64(void *ctx, uint64_t hpa, uint64_t *val)
{
	struct t_ram *r = ctx;

	if (hpa >= T_RAM_SIZE || (hpa & 7) != 0)
		return false;
	*val = r->w[hpa / 8];
	return true;
}

static bool
t_write64(void *ctx, uint64_t hpa, uint64_t val)
{
	struct t_ram *r = ctx;

	if (hpa >= T_RAM_SIZE || (hpa & 7) != 0 || (r->ro_hpa != 0 && hpa == r->ro_hpa))
		return false;
	r->w[hpa / 8] = val;
	r->writes++;
	return true;
}

int
t_setup(void **state)
{
	memset(&t_ram, 0, sizeof(t_ram));
	t_ram.maxphy = T_MAXPHY;
	return 0;
}

const struct vfy_mem *
t_mem(bool with_write)
{
	static struct vfy_mem mem;

	mem.read64 = t_read64;
	mem.write64 = with_write ? t_write64 : NULL;
	mem.ctx = &t_ram;
	mem.maxphyaddr = t_ram.maxphy;
	return &mem;
}

void
t_set(uint64_t hpa, uint64_t val)
{
	assert_true(hpa < T_RAM_SIZE && (hpa & 7) == 0);
	t_ram.w[hpa / 8] = val;
}

uint64_t
t_get(uint64_t hpa)
{
	assert_true(hpa < T_RAM_SIZE && (hpa & 7) == 0);
	return t_ram.w[hpa / 8];
}

uint64_t
t_entry_hpa(int level)
{
	return T_TABLE(level) + T_IDX(level) * 8;
}

void
t_build(const uint64_t e[4], int leaf)
{
	int l;

	for (l = L_PML4E; l > leaf; l--)
		t_set(t_entry_hpa(l), T_TABLE(l - 1) | e[l]);
	t_set(t_entry_hpa(leaf), e[leaf]);
}

void
t_snap(uint64_t out[4])
{
	int l;

	for (l = 0; l < 4; l++)
		out[l] = t_get(t_entry_hpa(l));
}

bool
t_same(const uint64_t snap[4])
{
	uint64_t now[4];

	t_snap(now);
	return memcmp(now, snap, sizeof(now)) == 0;
}

const char *
t_flags(unsigned f, const char *const *names, size_t n, char *buf, size_t len)
{
	size_t i, used = 0;

	buf[0] = '\0';
	for (i = 0; i < n && used + 1 < len; i++) {
		if ((f & (1u << i)) && names[i] != NULL)
			used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? " " : "",
			                         names[i]);
	}
	return buf;
}

const char *
t_acc_name(unsigned acc)
{
	static const char *const names[8] = { "none",        "read",
		                              "write",       "read+write",
		                              "fetch",       "read+fetch",
		                              "write+fetch", "read+write+fetch" };

	return names[acc & 7];
}

/* ---- describe ---- */

struct describe_case {
	bool ept;
	int level;
	uint64_t entry;
	const char *want;
};

static const struct describe_case describe_cases[] = {
	/* 2 MiB x86 leaf: P RW US A PS, XD */
	{ false, L_PDE, UINT64_C(0x80000000002000a7),
	  "PDE 0x80000000002000a7: P RW US A PS frame=0x200000 XD" },
	/* 4 KiB x86 leaf: P PWT PCD D PAT G avail9 avail11, sw bits 52 and 62 */
	{ false, L_PTE, UINT64_C(0x4010000007654bd9),
	  "PTE 0x4010000007654bd9: P PWT PCD D PAT G avail9 avail11 sw=0x401 frame=0x7654000" },
	/* 1 GiB x86 leaf with PAT (bit 12) and reserved bit 13 in the frame */
	{ false, L_PDPTE, UINT64_C(0x00000001c0003083),
	  "PDPTE 0x00000001c0003083: P RW PS PAT frame=0x1c0002000" },
	/* x86 table entry, not present, avail10 */
	{ false, L_PML4E, UINT64_C(0x0000000000002402),
	  "PML4E 0x0000000000002402: RW avail10 frame=0x2000" },
	/* 2 MiB EPT leaf, WB, ipat, A/D */
	{ true, L_PDE, UINT64_C(0x00000000002003f7),
	  "EPT PDE 0x00000000002003f7: R W X A D PS memtype=WB ipat frame=0x200000" },
	/* 4 KiB EPT leaf with reserved memory type 2, avail11, SVE */
	{ true, L_PTE, UINT64_C(0x8000000007654813),
	  "EPT PTE 0x8000000007654813: R W memtype=(reserved 2) avail11 SVE frame=0x7654000" },
	/* EPT table entry with reserved bits 6:3 and ignored bits 52..53 */
	{ true, L_PDPTE, UINT64_C(0x0030000000003047),
	  "EPT PDPTE 0x0030000000003047: R W X rsvd6:3=0x8 sw=0x3 frame=0x3000" },
	/* EPT PTE, execute-only, UC */
	{ true, L_PTE, UINT64_C(0x0000000007654004),
	  "EPT PTE 0x0000000007654004: X memtype=UC frame=0x7654000" },
};

/* Each entry word by word, as divergence reports print it. */
static void
test_vfy_describe_entries(void **state)
{
	char buf[160];
	size_t i;

	for (i = 0; i < NELEM(describe_cases); i++) {
		const struct describe_case *c = &describe_cases[i];
		const char *got =
		    c->ept ? vfy_describe_ept_entry(c->level, c->entry, buf, sizeof(buf))
		           : vfy_describe_x86_entry(c->level, c->entry, buf, sizeof(buf));

		if (strcmp(got, c->want) != 0)
			fail_msg("case %zu: entry=0x%016llx level=%d\n got  \"%s\"\n want \"%s\"",
			         i, (unsigned long long)c->entry, c->level, got, c->want);
	}
}

/* A short buffer is filled, cut and terminated, never overrun. */
static void
test_vfy_describe_truncates(void **state)
{
	char buf[16];

	memset(buf, 'x', sizeof(buf));
	vfy_describe_x86_entry(L_PDE, UINT64_C(0x80000000002000a7), buf, 12);
	assert_string_equal(buf, "PDE 0x80000");
	assert_int_equal(buf[12], 'x');
	vfy_describe_ept_entry(L_PTE, 7, buf, 1);
	assert_string_equal(buf, "");
}

/* Outcome names, and "??" for a value out of range. */
static void
test_vfy_describe_outcome_names(void **state)
{
	assert_string_equal(vfy_x86_outcome_name(VFY_X86_OK), "OK");
	assert_string_equal(vfy_x86_outcome_name(VFY_X86_NOT_PRESENT), "NOT_PRESENT");
	assert_string_equal(vfy_x86_outcome_name(VFY_X86_PROTECTION), "PROTECTION");
	assert_string_equal(vfy_x86_outcome_name(VFY_X86_RESERVED), "RESERVED");
	assert_string_equal(vfy_x86_outcome_name(VFY_X86_BAD_MEMORY), "BAD_MEMORY");
	assert_string_equal(vfy_x86_outcome_name((enum vfy_x86_outcome)99), "??");
	assert_string_equal(vfy_ept_outcome_name(VFY_EPT_OK), "OK");
	assert_string_equal(vfy_ept_outcome_name(VFY_EPT_VIOLATION), "VIOLATION");
	assert_string_equal(vfy_ept_outcome_name(VFY_EPT_MISCONFIG), "MISCONFIG");
	assert_string_equal(vfy_ept_outcome_name(VFY_EPT_BAD_MEMORY), "BAD_MEMORY");
	assert_string_equal(vfy_ept_outcome_name((enum vfy_ept_outcome)99), "??");
}

static const struct CMUnitTest describe_tests[] = {
	cmocka_unit_test(test_vfy_describe_entries),
	cmocka_unit_test(test_vfy_describe_truncates),
	cmocka_unit_test(test_vfy_describe_outcome_names),
};

int
main(void)
{
	int failed = 0;

	failed += _cmocka_run_group_tests("vfy_x86", vfy_x86_tests, vfy_x86_ntests, NULL, NULL);
	failed += _cmocka_run_group_tests("vfy_ept", vfy_ept_tests, vfy_ept_ntests, NULL, NULL);
	failed +=
	    _cmocka_run_group_tests("vfy_cursor", vfy_cursor_tests, vfy_cursor_ntests, NULL, NULL);
	failed += cmocka_run_group_tests_name("vfy_describe", describe_tests, NULL, NULL);
	return failed;
}
