/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * hwh-test.c - the runner on the host model: small op lists and the
 * records they must give, each reasoned out from the SDM (comments) and
 * from what pmap_enter() leaves (accessed; modified when the faulting
 * access writes).
 *
 * Common to every case: the backend's reserved page at 0 was accessed,
 * so PML4E 0 and PDPTE 0 carry A before the first op ("A-A-" then the
 * unreached PDE and PTE, "....").
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hw/host/hwh.h"
#include "hw/runner/hwr.h"
#include "hw/runner/hwr_var.h"
#include "pmap/pmap.h"

#define VA     0x400000ul
#define MAXOPS 16

#define MAP(a, n, p)                                                                               \
	{                                                                                          \
		.kind = HWOPS_MAP, .prot = (p), .memattr = PMAP_MA_WB, .va = (a), .arg = (n)       \
	}
#define RD(a, u)                                                                                   \
	{                                                                                          \
		.kind = HWOPS_ACCESS, .access = HWOPS_ACC_READ, .user = (u), .va = (a)             \
	}
#define WR(a, u, v)                                                                                \
	{                                                                                          \
		.kind = HWOPS_ACCESS, .access = HWOPS_ACC_WRITE, .user = (u), .va = (a),           \
		.arg = (v)                                                                         \
	}
#define FX(a, u)                                                                                   \
	{                                                                                          \
		.kind = HWOPS_ACCESS, .access = HWOPS_ACC_FETCH, .user = (u), .va = (a)            \
	}
#define PROT(a, n, p)                                                                              \
	{                                                                                          \
		.kind = HWOPS_PROTECT, .prot = (p), .va = (a), .arg = (n)                          \
	}
#define UNMAP(a, n)                                                                                \
	{                                                                                          \
		.kind = HWOPS_UNMAP, .va = (a), .arg = (n)                                         \
	}
#define OP(k, a)                                                                                   \
	{                                                                                          \
		.kind = (k), .va = (a)                                                             \
	}

struct hwh_case {
	const char *name;
	enum hwops_mode mode;
	struct hwops_op ops[MAXOPS];
	const char *want; /* the records, END included */
};

static const struct hwh_case cases[] = {
	{
	    /*
	     * SDM 3A 4.7: a user read of a not-present page: P=0 W=0 U=1 ->
	     * 0x4.  The entered leaf is accessed, clean; the walk sets A on
	     * the PDE and PTE.  The write then re-walks (the TLB entry is
	     * clean) and sets D (4.8); the read sees the value.
	     */
	    "legacy read, write, read",
	    HWOPS_MODE_LEGACY,
	    { MAP(VA, 1, VM_PROT_READ | VM_PROT_WRITE), RD(VA, 1), WR(VA + 8, 1, 0x1122),
	      RD(VA + 8, 1) },
	    "R 0 MAP line=0 fault=0 out=ok code=0x0 addr=0x400000 val=0x0 ad=A-A-....\n"
	    "R 1 ACCESS line=0 fault=1 out=ok code=0x4 addr=0x400000 val=0x0 ad=A-A-A-A-\n"
	    "R 2 ACCESS line=0 fault=0 out=ok code=0x0 addr=0x400008 val=0x1122 ad=A-A-A-AD\n"
	    "R 3 ACCESS line=0 fault=0 out=ok code=0x0 addr=0x400008 val=0x1122 ad=A-A-A-AD\n"
	    "END 4 0\n",
	},
	{
	    /*
	     * A user write to a present read-only user page: P=1 W=1 U=1 ->
	     * 0x7; the region forbids writing: SIGSEGV, nothing written.  A
	     * supervisor write (CR0.WP=1) to it: P=1 W=1 U=0 -> 0x3.
	     */
	    "legacy write to read-only",
	    HWOPS_MODE_LEGACY,
	    { MAP(VA, 1, VM_PROT_READ), RD(VA, 1), WR(VA, 1, 5), WR(VA, 0, 5) },
	    "R 0 MAP line=0 fault=0 out=ok code=0x0 addr=0x400000 val=0x0 ad=A-A-....\n"
	    "R 1 ACCESS line=0 fault=1 out=ok code=0x4 addr=0x400000 val=0x0 ad=A-A-A-A-\n"
	    "R 2 ACCESS line=0 fault=1 out=segv code=0x7 addr=0x400000 val=0x0 ad=A-A-A-A-\n"
	    "R 3 ACCESS line=0 fault=1 out=segv code=0x3 addr=0x400000 val=0x0 ad=A-A-A-A-\n"
	    "END 4 0\n",
	},
	{
	    /*
	     * A user fetch from a not-present page with EFER.NXE: U=1 I=1 ->
	     * 0x14; the region has no execute: SIGSEGV, nothing entered.  A
	     * write to not-present: W=1 U=1 -> 0x6, entered accessed and
	     * modified.  Then a fetch from the present NX page: P W=0 U I ->
	     * 0x15.
	     */
	    "legacy fetch",
	    HWOPS_MODE_LEGACY,
	    { MAP(VA, 1, VM_PROT_READ | VM_PROT_WRITE), FX(VA, 1), WR(VA, 1, 9), FX(VA, 1) },
	    "R 0 MAP line=0 fault=0 out=ok code=0x0 addr=0x400000 val=0x0 ad=A-A-....\n"
	    "R 1 ACCESS line=0 fault=1 out=segv code=0x14 addr=0x400000 val=0x0 ad=A-A-....\n"
	    "R 2 ACCESS line=0 fault=1 out=ok code=0x6 addr=0x400000 val=0x9 ad=A-A-A-AD\n"
	    "R 3 ACCESS line=0 fault=1 out=segv code=0x15 addr=0x400000 val=0x0 ad=A-A-A-AD\n"
	    "END 4 0\n",
	},
	{
	    /*
	     * SDM 3C table 28-7: a read of a not-present gpa -> read (bit 0),
	     * no rights, linear address valid and translated (bits 7, 8):
	     * 0x181.  With EPT A/D (29.3.5) the read sets A; the write to the
	     * read-only page: write (bit 1), readable (bit 3) -> 0x18A.
	     */
	    "ept hw A/D read, write to read-only",
	    HWOPS_MODE_EPT_AD,
	    { MAP(VA, 1, VM_PROT_READ), RD(VA, 0), WR(VA + 16, 0, 1) },
	    "R 0 MAP line=0 fault=0 out=ok code=0x0 addr=0x400000 val=0x0 ad=A-A-....\n"
	    "R 1 ACCESS line=0 fault=1 out=ok code=0x181 addr=0x400000 val=0x0 ad=A-A-A-A-\n"
	    "R 2 ACCESS line=0 fault=1 out=segv code=0x18a addr=0x400010 val=0x0 ad=A-A-A-A-\n"
	    "END 3 0\n",
	},
	{
	    /*
	     * EPT with emulated A/D: A is R and D is W (table entries are
	     * RWX: "AD").  The read enters the page accessed (R); the write
	     * finds W withheld -> write, readable: 0x18A, which
	     * pmap_emulate_ad() grants (A and D), retried once.
	     */
	    "ept emulated A/D read then write",
	    HWOPS_MODE_EPT_EMUL,
	    { MAP(VA, 1, VM_PROT_READ | VM_PROT_WRITE), RD(VA, 0), WR(VA, 0, 7), RD(VA, 0) },
	    "R 0 MAP line=0 fault=0 out=ok code=0x0 addr=0x400000 val=0x0 ad=ADAD....\n"
	    "R 1 ACCESS line=0 fault=1 out=ok code=0x181 addr=0x400000 val=0x0 ad=ADADADA-\n"
	    "R 2 ACCESS line=0 fault=1 out=ok code=0x18a addr=0x400000 val=0x7 ad=ADADADAD\n"
	    "R 3 ACCESS line=0 fault=0 out=ok code=0x0 addr=0x400000 val=0x7 ad=ADADADAD\n"
	    "END 4 0\n",
	},
	{
	    /*
	     * pmap_clear_modify clears the leaf's D and invalidates: the next
	     * write re-walks and sets it again.  pmap_ts_referenced counts
	     * the one accessed mapping and clears its A; a read sets it again.
	     */
	    "ept hw A/D clear_modify, ts_referenced",
	    HWOPS_MODE_EPT_AD,
	    { MAP(VA, 1, VM_PROT_READ | VM_PROT_WRITE), WR(VA, 0, 3), OP(HWOPS_CLEAR_MOD, VA),
	      WR(VA, 0, 4), OP(HWOPS_TS_REF, VA), RD(VA, 0) },
	    "R 0 MAP line=0 fault=0 out=ok code=0x0 addr=0x400000 val=0x0 ad=A-A-....\n"
	    "R 1 ACCESS line=0 fault=1 out=ok code=0x182 addr=0x400000 val=0x3 ad=A-A-A-AD\n"
	    "R 2 CLEAR_MOD line=0 fault=0 out=ok code=0x0 addr=0x400000 val=0x0 ad=A-A-A-A-\n"
	    "R 3 ACCESS line=0 fault=0 out=ok code=0x0 addr=0x400000 val=0x4 ad=A-A-A-AD\n"
	    "R 4 TS_REF line=0 fault=0 out=ok code=0x0 addr=0x400000 val=0x1 ad=A-A-A--D\n"
	    "R 5 ACCESS line=0 fault=0 out=ok code=0x0 addr=0x400000 val=0x4 ad=A-A-A-AD\n"
	    "END 6 0\n",
	},
	{
	    /*
	     * mprotect to read-only, then write: pmap_protect took W away
	     * and invalidated, so the write faults (P W U: 0x7) and the
	     * region refuses it.  munmap: the next read faults not-present
	     * and the region is gone: SIGSEGV.  CHECK lists the mapped
	     * page (val: VM_PROT_READ | managed 0x100) after the PROTECT;
	     * the CHECK record itself shows no path.  The munmap empties the
	     * page table, which the pmap frees: the PDE goes too.
	     */
	    "legacy protect, check, unmap",
	    HWOPS_MODE_LEGACY,
	    { MAP(VA, 2, VM_PROT_READ | VM_PROT_WRITE), WR(VA, 1, 1), PROT(VA, 2, VM_PROT_READ),
	      WR(VA, 1, 2), OP(HWOPS_CHECK, 0), UNMAP(VA, 2), RD(VA, 1) },
	    "R 0 MAP line=0 fault=0 out=ok code=0x0 addr=0x400000 val=0x0 ad=A-A-....\n"
	    "R 1 ACCESS line=0 fault=1 out=ok code=0x6 addr=0x400000 val=0x1 ad=A-A-A-AD\n"
	    "R 2 PROTECT line=0 fault=0 out=ok code=0x0 addr=0x400000 val=0x0 ad=A-A-A-A-\n"
	    "R 3 ACCESS line=0 fault=1 out=segv code=0x7 addr=0x400000 val=0x0 ad=A-A-A-A-\n"
	    "R 4 PAGE line=0 fault=0 out=ok code=0x0 addr=0x400000 val=0x101 ad=A-A-A-A-\n"
	    "R 4 CHECK line=0 fault=0 out=ok code=0x0 addr=0x0 val=0x1 ad=........\n"
	    "R 5 UNMAP line=0 fault=0 out=ok code=0x0 addr=0x400000 val=0x0 ad=A-A-....\n"
	    "R 6 ACCESS line=0 fault=1 out=segv code=0x4 addr=0x400000 val=0x0 ad=A-A-....\n"
	    "END 7 0\n",
	},
};

static char *
run_list(enum hwops_mode mode, uint32_t flags, uint32_t hflags, const struct hwops_op *ops,
         size_t nops, int *status)
{
	struct hwh_list l;
	char *out = NULL;
	size_t len, i;
	const void *list;
	FILE *f;

	assert_true(hwh_list_init(&l, mode, flags));
	for (i = 0; i < nops; i++)
		assert_true(hwh_list_add(&l, &ops[i]));
	list = hwh_list_finish(&l, &len);
	assert_non_null(list);
	f = open_memstream(&out, &len);
	assert_non_null(f);
	*status = hwh_run(list, len, f, hflags);
	fclose(f);
	hwh_list_free(&l);
	return out;
}

/* The hook's view: each record's walk of VA, as the divergence report shows it. */
struct describe_log {
	unsigned n;
	char *walk[MAXOPS];
};

static void
describe_hook(void *arg, const char *line, struct pmap *pm)
{
	struct describe_log *d = arg;
	size_t len;
	FILE *f;

	(void)line;
	assert_true(d->n < MAXOPS);
	f = open_memstream(&d->walk[d->n++], &len);
	assert_non_null(f);
	hwh_describe_walk(pm, VA, f);
	fclose(f);
}

static void
walk_has(const char *walk, const char *want)
{
	if (strstr(walk, want) == NULL)
		fail_msg("walk lacks '%s':\n%s", want, walk);
}

/*
 * hwh_run_hook() describes the tables as each op left them, and reading
 * them sets no A/D: the records equal hwh_run()'s.  VA's PDE (index 2)
 * is empty until the first access; the write fault enters the leaf
 * writable, accessed and dirty (managed: avail10 / EPT avail11, the
 * region rw-: XD / no X); the unmap clears it (its page table stays: it
 * maps the second page).
 */
static void
test_describe_hook(void **state)
{
	static const struct {
		enum hwops_mode mode;
		const char *empty, *leaf, *gone;
	} dcases[] = {
		{ HWOPS_MODE_LEGACY, "    PDE 0x0000000000000000: frame=0x0\n",
		  ": P RW US A D avail10 frame=", "    PTE 0x0000000000000000: frame=0x0\n" },
		{ HWOPS_MODE_EPT_AD, "    EPT PDE 0x0000000000000000: frame=0x0\n",
		  ": R W A D memtype=WB ipat avail11 frame=",
		  "    EPT PTE 0x0000000000000000: memtype=UC frame=0x0\n" },
	};
	static const struct hwops_op ops[] = { MAP(VA, 2, VM_PROT_READ | VM_PROT_WRITE),
		                               WR(VA, 1, 0x55), WR(VA + 0x1000, 1, 0x66), RD(VA, 1),
		                               UNMAP(VA, 1) };
	size_t i, j, len;
	int status;

	(void)state;
	for (i = 0; i < sizeof(dcases) / sizeof(dcases[0]); i++) {
		struct describe_log d = { 0 };
		struct hwh_list l;
		char *out = NULL, *plain;
		const void *list;
		FILE *f;

		plain = run_list(dcases[i].mode, 0, 0, ops, 5, &status);
		assert_true(hwh_list_init(&l, dcases[i].mode, 0));
		for (j = 0; j < 5; j++)
			assert_true(hwh_list_add(&l, &ops[j]));
		list = hwh_list_finish(&l, &len);
		f = open_memstream(&out, &len);
		assert_non_null(f);
		assert_int_equal(hwh_run_hook(list, len, f, 0, describe_hook, &d), HWR_OK);
		fclose(f);
		assert_string_equal(out, plain);
		assert_int_equal(d.n, 5);
		walk_has(d.walk[0], dcases[i].empty);
		walk_has(d.walk[0], "not present");
		walk_has(d.walk[1], dcases[i].leaf);
		walk_has(d.walk[2], dcases[i].leaf);
		walk_has(d.walk[3], dcases[i].leaf);
		walk_has(d.walk[4], dcases[i].gone);
		for (j = 0; j < d.n; j++)
			free(d.walk[j]);
		free(out);
		free(plain);
		hwh_list_free(&l);
	}
}

static void
test_cases(void **state)
{
	size_t i, n;
	int status;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct hwh_case *c = &cases[i];
		char *out;

		for (n = 0; n < MAXOPS && c->ops[n].kind != 0; n++)
			;
		out = run_list(c->mode, 0, 0, c->ops, n, &status);
		if (strcmp(out, c->want) != 0)
			fail_msg("%s:\n--- got\n%s--- want\n%s", c->name, out, c->want);
		assert_int_equal(status, HWR_OK);
		free(out);
	}
}

/*
 * The TLB model is what makes a missing invalidation visible.  A write
 * caches the page writable and dirty; PROTECT to read-only takes W away.
 * A correct machine faults on the next write (legacy P|W|U: 0x7; EPT
 * write to a readable page: 0x18a) and the region refuses it.  When the
 * host honours the skip flag (as the kernel does), the CPU keeps its
 * entry: the write completes through it, without a walk, so the leaf's
 * D (cleared by the downgrade) stays clear, and the read sees the value.
 * Without HWH_HONOUR_SKIP_INVAL the host ignores the flag.
 */
static void
test_stale_tlb(void **state)
{
	static const struct hwops_op ops[] = { MAP(VA, 1, VM_PROT_READ | VM_PROT_WRITE),
		                               WR(VA, 1, 1), PROT(VA, 1, VM_PROT_READ),
		                               WR(VA, 1, 2), RD(VA, 1) };
	static const struct {
		enum hwops_mode mode;
		const char *code1, *segv, *map, *w, *r; /* ad strings: MAP, written, read-only */
	} modes[] = {
		{ HWOPS_MODE_LEGACY, "0x6", "0x7", "A-A-....", "A-A-A-AD", "A-A-A-A-" },
		{ HWOPS_MODE_EPT_AD, "0x182", "0x18a", "A-A-....", "A-A-A-AD", "A-A-A-A-" },
		{ HWOPS_MODE_EPT_EMUL, "0x182", "0x18a", "ADAD....", "ADADADAD", "ADADADA-" },
	};
	char want_ok[1024], want_stale[1024], head[512], *out;
	size_t i;
	int status;

	(void)state;
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		snprintf(head, sizeof(head),
		         "R 0 MAP line=0 fault=0 out=ok code=0x0 addr=0x400000 val=0x0 ad=%s\n"
		         "R 1 ACCESS line=0 fault=1 out=ok code=%s addr=0x400000 val=0x1 ad=%s\n"
		         "R 2 PROTECT line=0 fault=0 out=ok code=0x0 addr=0x400000 val=0x0 ad=%s\n",
		         modes[i].map, modes[i].code1, modes[i].w, modes[i].r);
		snprintf(
		    want_ok, sizeof(want_ok),
		    "%sR 3 ACCESS line=0 fault=1 out=segv code=%s addr=0x400000 val=0x0 ad=%s\n"
		    "R 4 ACCESS line=0 fault=0 out=ok code=0x0 addr=0x400000 val=0x1 ad=%s\n"
		    "END 5 0\n",
		    head, modes[i].segv, modes[i].r, modes[i].r);
		snprintf(want_stale, sizeof(want_stale),
		         "%sR 3 ACCESS line=0 fault=0 out=ok code=0x0 addr=0x400000 val=0x2 ad=%s\n"
		         "R 4 ACCESS line=0 fault=0 out=ok code=0x0 addr=0x400000 val=0x2 ad=%s\n"
		         "END 5 0\n",
		         head, modes[i].r, modes[i].r);
		out = run_list(modes[i].mode, HWOPS_F_SKIP_INVAL, 0, ops, 5, &status);
		assert_string_equal(out, want_ok);
		free(out);
		out = run_list(modes[i].mode, HWOPS_F_SKIP_INVAL, HWH_HONOUR_SKIP_INVAL, ops, 5,
		               &status);
		assert_string_equal(out, want_stale);
		free(out);
	}
}

/* A PROT_NONE region (mprotect ---, then madvise re-maps it): every access is SIGSEGV. */
static void
test_prot_none_region(void **state)
{
	static const struct hwops_op ops[] = { MAP(VA, 1, VM_PROT_NONE), RD(VA, 1) };
	char *out;
	int status;

	(void)state;
	out = run_list(HWOPS_MODE_LEGACY, 0, 0, ops, 2, &status);
	assert_string_equal(
	    out, "R 0 MAP line=0 fault=0 out=ok code=0x0 addr=0x400000 val=0x0 ad=A-A-....\n"
	         "R 1 ACCESS line=0 fault=1 out=segv code=0x4 addr=0x400000 val=0x0 "
	         "ad=A-A-....\n"
	         "END 2 0\n");
	free(out);
}

/*
 * A page keeps its frame while its region maps it: mprotect --- removes
 * the mapping (pmap_protect without read or execute), mprotect rw- adds
 * nothing to the pmap, and the read faults not-present (U: 0x4); the
 * runner enters the same frame again, clean (the new leaf is accessed,
 * not modified), so the value written before is read back.  munmap and
 * a new mmap give a new, zeroed page.
 */
static void
test_frame_kept(void **state)
{
	static const struct hwops_op ops[] = {
		MAP(VA, 1, VM_PROT_READ | VM_PROT_WRITE),
		WR(VA, 1, 0x55),
		PROT(VA, 1, VM_PROT_NONE),
		PROT(VA, 1, VM_PROT_READ | VM_PROT_WRITE),
		RD(VA, 1),
		UNMAP(VA, 1),
		MAP(VA, 1, VM_PROT_READ | VM_PROT_WRITE),
		RD(VA, 1),
	};
	char *out;
	int status;

	(void)state;
	out = run_list(HWOPS_MODE_LEGACY, 0, 0, ops, 8, &status);
	assert_string_equal(
	    out, "R 0 MAP line=0 fault=0 out=ok code=0x0 addr=0x400000 val=0x0 ad=A-A-....\n"
	         "R 1 ACCESS line=0 fault=1 out=ok code=0x6 addr=0x400000 val=0x55 ad=A-A-A-AD\n"
	         "R 2 PROTECT line=0 fault=0 out=ok code=0x0 addr=0x400000 val=0x0 ad=A-A-....\n"
	         "R 3 PROTECT line=0 fault=0 out=ok code=0x0 addr=0x400000 val=0x0 ad=A-A-....\n"
	         "R 4 ACCESS line=0 fault=1 out=ok code=0x4 addr=0x400000 val=0x55 ad=A-A-A-A-\n"
	         "R 5 UNMAP line=0 fault=0 out=ok code=0x0 addr=0x400000 val=0x0 ad=A-A-....\n"
	         "R 6 MAP line=0 fault=0 out=ok code=0x0 addr=0x400000 val=0x0 ad=A-A-....\n"
	         "R 7 ACCESS line=0 fault=1 out=ok code=0x4 addr=0x400000 val=0x0 ad=A-A-A-A-\n"
	         "END 8 0\n");
	free(out);
}

/*
 * The frame table under deletions: 900 pages written (page i holds i+1),
 * the odd ones unmapped one by one (450 deletions among colliding
 * slots), every mapping removed and the region made writable again: each
 * even page's read refaults and must find its own frame.
 */
static void
test_frame_table(void **state)
{
	enum { N = 900 };
	static struct hwops_op ops[2 * N + 3];
	char line[160], *out;
	size_t n = 0, i;
	int status;

	(void)state;
	ops[n++] = (struct hwops_op)MAP(VA, N, VM_PROT_READ | VM_PROT_WRITE);
	for (i = 0; i < N; i++)
		ops[n++] = (struct hwops_op)WR(VA + i * 4096, 1, i + 1);
	for (i = 1; i < N; i += 2)
		ops[n++] = (struct hwops_op)UNMAP(VA + i * 4096, 1);
	ops[n++] = (struct hwops_op)PROT(VA, N, VM_PROT_NONE);
	ops[n++] = (struct hwops_op)PROT(VA, N, VM_PROT_READ | VM_PROT_WRITE);
	for (i = 0; i < N; i += 2)
		ops[n++] = (struct hwops_op)RD(VA + i * 4096, 1);
	out = run_list(HWOPS_MODE_LEGACY, 0, 0, ops, n, &status);
	assert_int_equal(status, HWR_OK);
	for (i = 0; i < N; i += 2) {
		snprintf(line, sizeof(line),
		         "ACCESS line=0 fault=1 out=ok code=0x4 addr=%#lx val=%#lx ", VA + i * 4096,
		         i + 1);
		if (strstr(out, line) == NULL)
			fail_msg("page %zu: no record \"%s\"", i, line);
	}
	free(out);
}

/*
 * The table itself at 73% load (collision chains): 6000 pages in, every
 * third forgotten by range (backward-shift deletion), the rest must all
 * be found with their frames and the forgotten ones not; then the 3/4
 * limit: page 6145 is not remembered.
 */
static void
test_frame_table_direct(void **state)
{
	static struct hwr_state st;
	uint64_t i, page;

	(void)state;
	hwr_frame_reset(&st);
	for (i = 0; i < 6000; i++)
		hwr_frame_remember(&st, VA + i * 0x3000, 0x1000 * (i + 1));
	assert_int_equal(st.nframes, 6000);
	for (i = 0; i < 6000; i += 3)
		hwr_frame_forget(&st, VA + i * 0x3000, VA + i * 0x3000 + 0x1000);
	assert_int_equal(st.nframes, 4000);
	for (i = 0; i < 6000; i++) {
		page = VA + i * 0x3000;
		if (hwr_frame_find(&st, page) != (i % 3 == 0 ? 0 : 0x1000 * (i + 1)))
			fail_msg("page %#lx: frame %#lx", page, hwr_frame_find(&st, page));
	}
	for (i = 6000; st.nframes < HWR_FRAMES / 4 * 3; i++)
		hwr_frame_remember(&st, VA + i * 0x3000, 0x1000 * (i + 1));
	hwr_frame_remember(&st, VA + i * 0x3000, 0x1000 * (i + 1));
	assert_int_equal(hwr_frame_find(&st, VA + i * 0x3000), 0);
	hwr_frame_forget(&st, 0, ~0ul);
	assert_int_equal(st.nframes, 0);
}

/* The runner's own refusals end the list with their status. */
static void
test_refusals(void **state)
{
	static const struct hwops_op reserved[] = { MAP(0x1000, 1, VM_PROT_READ) };
	static const struct hwops_op unaligned[] = { RD(VA + 4, 1) };
	static const struct hwops_op beyond[] = { MAP(HWOPS_EPT_GPA_LIMIT - 0x1000, 2,
		                                      VM_PROT_READ) };
	char *out;
	int status;

	(void)state;
	out = run_list(HWOPS_MODE_LEGACY, 0, 0, reserved, 1, &status);
	assert_string_equal(out, "END 0 2\n");
	assert_int_equal(status, HWR_E_OP);
	free(out);
	out = run_list(HWOPS_MODE_LEGACY, 0, 0, unaligned, 1, &status);
	assert_string_equal(out, "END 0 2\n");
	free(out);
	out = run_list(HWOPS_MODE_EPT_AD, 0, 0, beyond, 1, &status);
	assert_string_equal(out, "END 0 2\n");
	free(out);
	out = run_list(HWOPS_MODE_COUNT, 0, 0, beyond, 0, &status);
	assert_string_equal(out, "END 0 1\n");
	assert_int_equal(status, HWR_E_HEADER);
	free(out);
	/* The guest on the second CPU: EPT modes only; unknown flag bits are refused. */
	out = run_list(HWOPS_MODE_LEGACY, HWOPS_F_GUEST_AP, 0, beyond, 0, &status);
	assert_string_equal(out, "END 0 1\n");
	free(out);
	out = run_list(HWOPS_MODE_EPT_AD, 0x4, 0, beyond, 0, &status);
	assert_string_equal(out, "END 0 1\n");
	free(out);
	out = run_list(HWOPS_MODE_EPT_EMUL, HWOPS_F_GUEST_AP | HWOPS_F_SKIP_INVAL, 0, beyond, 0,
	               &status);
	assert_string_equal(out, "END 0 0\n");
	assert_int_equal(status, HWR_OK);
	free(out);
}

static void
test_hex(void **state)
{
	char buf[24];

	(void)state;
	hwr_fmt_hex(buf, 0);
	assert_string_equal(buf, "0x0");
	hwr_fmt_hex(buf, 0x18a);
	assert_string_equal(buf, "0x18a");
	hwr_fmt_hex(buf, ~0ul);
	assert_string_equal(buf, "0xffffffffffffffff");
	hwr_fmt_dec(buf, 18446744073709551615ul);
	assert_string_equal(buf, "18446744073709551615");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_stale_tlb),
		cmocka_unit_test(test_prot_none_region),
		cmocka_unit_test(test_frame_kept),
		cmocka_unit_test(test_frame_table),
		cmocka_unit_test(test_frame_table_direct),
		cmocka_unit_test(test_hex),
		cmocka_unit_test(test_describe_hook),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
