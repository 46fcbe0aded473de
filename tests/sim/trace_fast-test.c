/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * trace_fast-test.c - the fast path for canonical event lines
 * (sim/trace_fast.c) against the general parser (trace_parse.c).
 *
 * The fast path may decline any line; what it must never do is accept a
 * line the general parser rejects, or give another event.  The oracle,
 * agree(), runs both on one line and holds them to that; every line of
 * every table goes through it.  The tables: canonical lines of every op
 * (the fast path takes each), spellings only the general parser takes
 * (declined), and errors of every kind (declined, and rejected by the
 * general parser: the table is checked to be one).  Then the same oracle
 * over whole traces: the hand-written corpus line by line as written,
 * every event of the corpus (the recorded .zst traces too) as its
 * canonical line, a generated trace of random events, and single-byte
 * and single-token mutations of canonical lines.  The corpus directory
 * is argv[1].
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/trace_var.h"

#define LINENO     5
#define PAD_FILL   "=1 x=0xf" /* what lies past a line's NUL: bytes a key could take */
#define CORPUS_MAX 256        /* files per directory */

static const char *corpus_dir;

/* Counts of agree()'s verdicts, for tests that want the fast path taken or not. */
struct tally {
	unsigned fast, general, rejected;
};

/*
 * @line (@n bytes, NULs allowed) through both parsers.  The fast path
 * gets it in a buffer of exactly n + 1 + TRACE_PARSE_PAD bytes (ASan sees
 * a read past that), the pad not zero.  Returns 0 when the fast path
 * took it, 1 when only the general parser did, 2 when both refused.
 */
static int
agree(const char *line, size_t n, struct tally *t)
{
	char *buf = malloc(n + 1 + TRACE_PARSE_PAD), err[TRACE_ERR_MAX];
	struct trace_event ef, eg;
	int rf, rg;

	assert_non_null(buf);
	memcpy(buf, line, n);
	buf[n] = '\0';
	memcpy(buf + n + 1, PAD_FILL, TRACE_PARSE_PAD);
	rf = trace_parse_fast(buf, n, &ef);
	/* The general parser reads to the first NUL; the reader never gives it a NUL. */
	rg = trace_parse_general(buf, LINENO, "t", &eg, err);
	if (rf == 0) {
		if (memchr(buf, '\0', n) != NULL || memchr(buf, '\r', n) != NULL ||
		    memchr(buf, '#', n) != NULL)
			fail_msg("fast path took a line with NUL, CR or '#': \"%.*s\"", (int)n,
			         line);
		if (rg != 0)
			fail_msg("fast path took \"%s\", the general parser says %s", buf, err);
		ef.line = LINENO;
		if (!trace_event_equal(&ef, &eg)) {
			char a[TRACE_LINE_MAX + 1], b[TRACE_LINE_MAX + 1];

			fail_msg("\"%s\": fast path gives \"%s\", general parser \"%s\"", buf,
			         trace_format(&ef, a, sizeof(a)), trace_format(&eg, b, sizeof(b)));
		}
	}
	free(buf);
	rf = rf == 0 ? 0 : rg == 0 ? 1 : 2;
	if (t != NULL)
		(*(rf == 0 ? &t->fast : rf == 1 ? &t->general : &t->rejected))++;
	return (rf);
}

static int
agree_str(const char *line)
{
	return (agree(line, strlen(line), NULL));
}

/* Canonical lines: the fast path takes every one (and agree() checks the event). */
static const char *const canon_lines[] = {
	"vmspace_create vm=1 kind=process",
	"vmspace_create vm=7 kind=guest owner=1",
	"vmspace_destroy vm=7",
	"fork vm=1 child=2",
	"exec vm=2",
	"exit vm=4294967295",
	"mmap vm=1 va=0x400000 len=0x2000 prot=r-x share=private backing=anon",
	"mmap vm=1 va=0x7f0000000000 len=0x10000 prot=rw- share=shared backing=file file=3 "
	"offset=0x1000",
	"mmap vm=1 va=0x0 len=0x1000 prot=--x share=private backing=file "
	"file=18446744073709551615 offset=0xfffffffffffff000",
	"mmap vm=7 va=0xfee00000 len=0x1000 prot=rw- share=shared backing=device hpa=0xfee00000 "
	"ma=UC",
	"mmap vm=7 va=0xc0000000 len=0x200000 prot=-w- share=private backing=device "
	"hpa=0x80000000 ma=UC-",
	"mmap vm=7 va=0x1000 len=0x1000 prot=r-- share=shared backing=device hpa=0x1000 ma=WT",
	"mmap vm=7 va=0x2000 len=0x1000 prot=r-- share=shared backing=device hpa=0x2000 ma=WP",
	"mmap vm=7 va=0x3000 len=0x1000 prot=r-- share=shared backing=device hpa=0x3000 ma=WB",
	"mmap vm=7 va=0x4000 len=0x1000 prot=rwx share=shared backing=device hpa=0x3000 ma=WC",
	"mprotect vm=1 va=0x400000 len=0x1000 prot=---",
	"mprotect vm=1 va=0x0 len=0x1000 prot=--x",
	"munmap vm=1 va=0x400000 len=0x2000",
	"munmap vm=1 va=0xfffffffff000 len=0x1000",
	"madvise vm=1 va=0x400000 len=0x1000 advice=dontneed",
	"wire vm=1 va=0x600000 len=0x3000",
	"unwire vm=1 va=0x600000 len=0x3000",
	"fault vm=1 tid=1 cpu=0 va=0x400123 access=r mode=user",
	"fault vm=2 tid=9 cpu=63 va=0xffffffffffff access=w mode=kernel",
	"fault vm=7 tid=4294967295 cpu=1 va=0x0 access=x mode=user",
	"fault vm=1 tid=1 cpu=0 va=0xABCDEF access=r mode=user", /* hex of either case */
	"copyin vm=1 cpu=3 va=0x7fffffffe010 len=0x18",
	"copyout vm=1 cpu=3 va=0x601001 len=0x1fff",
	"copyout vm=1 cpu=3 va=0xfffffffffff0 len=0x10",
	"pageout pages=18446744073709551615",
	"pageout pages=1",
	"check",
	"sched tid=2 cpu=63",
	/* leading zeros, however many */
	"fault vm=0000000000000000001 tid=1 cpu=0 va=0x000000000000001 access=r mode=user",
	"exec vm=00000000000000000000000000000000004294967295",
	"munmap vm=1 va=0x00000000000000000000000000001000 len=0x1000",
	"pageout pages=018446744073709551615",
};

static void
test_fast_canonical(void **state)
{
	bool seen[TRACE_OP_COUNT] = { false };
	struct trace_event ev;
	char buf[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(canon_lines) / sizeof(canon_lines[0]); i++) {
		print_message("%s\n", canon_lines[i]);
		assert_int_equal(agree_str(canon_lines[i]), 0);
		memcpy(buf, canon_lines[i], strcspn(canon_lines[i], " ") + 1);
		buf[strcspn(canon_lines[i], " ")] = '\0';
		for (ev.op = 0; ev.op < TRACE_OP_COUNT; ev.op++)
			if (strcmp(trace_op_name(ev.op), buf) == 0)
				seen[ev.op] = true;
	}
	for (i = 0; i < TRACE_OP_COUNT; i++)
		assert_true(seen[i]);
}

/* Spellings FORMAT.md allows that trace_format() never writes: the general parser's. */
static const char *const general_lines[] = {
	/* keys out of order */
	"fault tid=1 vm=1 cpu=0 va=0x1000 access=r mode=user",
	"fault vm=1 tid=1 cpu=0 va=0x1000 mode=user access=r",
	"mmap vm=1 va=0x1000 len=0x1000 prot=r-- share=private backing=file offset=0x0 file=1",
	"mmap vm=1 va=0x1000 len=0x1000 prot=r-- backing=anon share=private",
	"vmspace_create kind=guest vm=2 owner=1",
	"fork child=2 vm=1",
	/* blanks */
	" exec vm=1",
	"exec  vm=1",
	"exec\tvm=1",
	"exec vm=1 ",
	"exec vm=1\t",
	"check ",
	/* comments */
	"exec vm=1 # why",
	"exec vm=1\t#",
	"check #",
};

static void
test_fast_declines_general(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(general_lines) / sizeof(general_lines[0]); i++) {
		print_message("%s\n", general_lines[i]);
		assert_int_equal(agree_str(general_lines[i]), 1);
	}
}

/* Lines the general parser rejects; the fast path must decline them. */
static const char *const bad_lines[] = {
	/* op */
	"",
	"frob vm=1",
	"faul vm=1 tid=1 cpu=0 va=0x1000 access=r mode=user",
	"faults vm=1 tid=1 cpu=0 va=0x1000 access=r mode=user",
	"Fault vm=1",
	"vmspace_creat vm=1 kind=process",
	"vmspace_createx vm=1 kind=process",
	"vmspace_destroyy vm=1",
	"mprotec vm=1 va=0x0 len=0x1000 prot=r--",
	"mprotectt vm=1 va=0x0 len=0x1000 prot=r--",
	"checkcheck",
	"check=1",
	"exec",
	"exec ",
	/* keys: duplicate, missing, unknown, near misses, not the op's */
	"exec vm=1 vm=1",
	"exec vm=1 vm=2",
	"fault vm=1 tid=1 tid=1 cpu=0 va=0x1000 access=r",
	"fault vm=1 tid=1 cpu=0 va=0x1000 access=r",
	"fault vm=1 tid=1 va=0x1000 access=r mode=user",
	"exec vmm=1",
	"exec v=1",
	"exec VM=1",
	"exec vm:1",
	"exec vm1",
	"exec =1",
	"exec vm=",
	"exec vm=1 tid=2",
	"check vm=1",
	"sched tid=1 cpux=0",
	"sched tid=1 cp=0",
	"munmap vm=1 va=0x1000 length=0x1000",
	"munmap vm=1 vaa=0x1000 len=0x1000",
	/* values */
	"exec vm=0",
	"exec vm=4294967296",
	"exec vm=99999999999999999999",
	"exec vm=-1",
	"exec vm=+1",
	"exec vm=0x1",
	"exec vm=1a",
	"exec vm=1=",
	"exec vm=1#",
	"sched tid=1 cpu=64",
	"sched tid=0 cpu=0",
	"sched tid=1 cpu=4294967296",
	"pageout pages=0",
	"pageout pages=18446744073709551616",
	"pageout pages=99999999999999999999",
	"fork vm=3 child=3",
	"fork vm=1 child=0",
	"munmap vm=1 va=1000 len=0x1000",
	"munmap vm=1 va=0X1000 len=0x1000",
	"munmap vm=1 va=0x len=0x1000",
	"munmap vm=1 va=0x10g0 len=0x1000",
	"munmap vm=1 va=0x10000000000000000 len=0x1000",
	"munmap vm=1 va=0x1000000000000f000 len=0x1000",
	"munmap vm=1 va=0x1001 len=0x1000",
	"munmap vm=1 va=0x1000 len=0x0",
	"munmap vm=1 va=0x1000 len=0x800",
	"munmap vm=1 va=0xfffffffff000 len=0x2000",
	"copyin vm=1 cpu=0 va=0xffffffffffff len=0x2",
	"copyin vm=1 cpu=0 va=0xfffffffffffffff0 len=0x20",
	"fault vm=1 tid=1 cpu=0 va=0x1000000000000 access=r mode=user",
	"fault vm=1 tid=1 cpu=0 va=0x1000 access=rw mode=user",
	"fault vm=1 tid=1 cpu=0 va=0x1000 access=R mode=user",
	"fault vm=1 tid=1 cpu=0 va=0x1000 access= mode=user",
	"fault vm=1 tid=1 cpu=0 va=0x1000 access=r mode=User",
	"fault vm=1 tid=1 cpu=0 va=0x1000 access=r mode=use",
	"fault vm=1 tid=1 cpu=0 va=0x1000 access=r mode=users",
	"fault vm=1 tid=1 cpu=0 va=0x1000 access=r mode=user#",
	"fault vm=1 tid=1 cpu=0 va=0x1000 access=r mode=user=",
	"mprotect vm=1 va=0x1000 len=0x1000 prot=rw",
	"mprotect vm=1 va=0x1000 len=0x1000 prot=wr-",
	"mprotect vm=1 va=0x1000 len=0x1000 prot=RWX",
	"mprotect vm=1 va=0x1000 len=0x1000 prot=r--x",
	"mmap vm=1 va=0x1000 len=0x1000 prot=--- share=private backing=anon",
	"mmap vm=1 va=0x1000 len=0x1000 prot=r-- share=both backing=anon",
	"mmap vm=1 va=0x1000 len=0x1000 prot=r-- share=private backing=swap",
	"mmap vm=1 va=0x1000 len=0x1000 prot=r-- share=private backing=device hpa=0x0 ma=wb",
	"mmap vm=1 va=0x1000 len=0x1000 prot=r-- share=private backing=device hpa=0x0 ma=UC--",
	"mmap vm=1 va=0x1000 len=0x1000 prot=r-- share=private backing=device hpa=0x10 ma=UC",
	"mmap vm=1 va=0x1000 len=0x1000 prot=r-- share=private backing=file file=1 offset=0x10",
	"madvise vm=1 va=0x1000 len=0x1000 advice=dontneeds",
	"madvise vm=1 va=0x1000 len=0x1000 advice=dontnee",
	"madvise vm=1 va=0x1000 len=0x1000 advice=willneed",
	"vmspace_create vm=1 kind=vm",
	"vmspace_create vm=2 kind=guest owner=0",
	/* keys a value brings in, or forbids */
	"vmspace_create vm=2 kind=process owner=1",
	"vmspace_create vm=2 kind=guest",
	"mmap vm=1 va=0x1000 len=0x1000 prot=r-- share=private backing=file file=1",
	"mmap vm=1 va=0x1000 len=0x1000 prot=r-- share=private backing=file offset=0x0",
	"mmap vm=1 va=0x1000 len=0x1000 prot=r-- share=private backing=anon hpa=0x0",
	"mmap vm=1 va=0x1000 len=0x1000 prot=r-- share=private backing=anon file=1 offset=0x0",
	"mmap vm=1 va=0x1000 len=0x1000 prot=r-- share=private backing=device hpa=0x0",
	"mmap vm=1 va=0x1000 len=0x1000 prot=r-- share=private backing=device hpa=0x0 ma=WB "
	"file=2",
	"mmap vm=1 va=0x1000 len=0x1000 prot=r-- share=private backing=file file=1 offset=0x0 "
	"hpa=0x0 ma=WB",
	/* trailing garbage, CR, comments, blanks only */
	"exec vm=1x",
	"exec vm=1 x",
	"exec vm=1 =",
	"exec vm=1\r",
	"check\r",
	"fault vm=1 tid=1 cpu=0 va=0x1000 access=r mode=user\r",
	"exec vm=1#x",
	"#",
	"  ",
	"\t# comment",
};

static void
test_fast_declines_errors(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad_lines) / sizeof(bad_lines[0]); i++) {
		print_message("%s\n", bad_lines[i]);
		assert_int_equal(agree_str(bad_lines[i]), 2);
	}
}

/* Lines with NUL bytes (the reader's message, but the fast path must not take them). */
static void
test_fast_nul(void **state)
{
	static const struct {
		const char *line;
		size_t n;
	} cases[] = {
		{ "exec vm=1\0", 10 },
		{ "exec vm=1\0 ", 11 },
		{ "exec vm=\0"
		  "1",
		  10 },
		{ "check\0", 6 },
		{ "check\0 x", 8 },
		{ "fault vm=1 tid=1 cpu=0 va=0x1000 access=r mode=user\0", 52 },
		{ "fault vm=1 tid=1 cpu=0 va=0x1000 access=r\0mode=user", 51 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_not_equal(agree(cases[i].line, cases[i].n, NULL), 0);
}

/* Single-byte and single-token edits of @line, each through agree(). */
static void
mutate(const char *line, struct tally *t)
{
	static const char bytes[] = " \t#=0 9xXfFg-\r\0zrwu";
	char m[TRACE_LINE_MAX + 2];
	size_t n = strlen(line), i, b, j, tok[64], ntok = 0;

	for (i = 0; i < n; i++) {
		memcpy(m, line, i); /* delete byte i */
		memcpy(m + i, line + i + 1, n - i - 1);
		agree(m, n - 1, t);
		for (b = 0; b < sizeof(bytes) - 1; b++) {
			memcpy(m, line, n); /* replace byte i */
			m[i] = bytes[b];
			agree(m, n, t);
			memcpy(m, line, i); /* insert before byte i */
			m[i] = bytes[b];
			memcpy(m + i + 1, line + i, n - i);
			agree(m, n + 1, t);
		}
	}
	for (i = 0; i <= n; i++) /* tokens: where each starts */
		if ((i == 0 || line[i - 1] == ' ') && i < n && ntok < 64)
			tok[ntok++] = i;
	for (j = 1; j < ntok; j++) {
		size_t s = tok[j], e = j + 1 < ntok ? tok[j + 1] - 1 : n, len = e - s;

		/* drop token j (with its space) */
		memcpy(m, line, s - 1);
		memcpy(m + s - 1, line + e, n - e);
		agree(m, n - len - 1, t);
		/* token j twice */
		memcpy(m, line, e);
		m[e] = ' ';
		memcpy(m + e + 1, line + s, len);
		memcpy(m + e + 1 + len, line + e, n - e);
		agree(m, n + len + 1, t);
		/* token j after token j + 1 */
		if (j + 1 < ntok) {
			size_t e2 = j + 2 < ntok ? tok[j + 2] - 1 : n;

			memcpy(m, line, s);
			memcpy(m + s, line + tok[j + 1], e2 - tok[j + 1]);
			m[s + e2 - tok[j + 1]] = ' ';
			memcpy(m + s + e2 - tok[j + 1] + 1, line + s, len);
			memcpy(m + e2, line + e2, n - e2);
			agree(m, n, t);
		}
	}
}

static void
test_fast_mutations(void **state)
{
	struct tally t = { 0, 0, 0 };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(canon_lines) / sizeof(canon_lines[0]); i++)
		mutate(canon_lines[i], &t);
	print_message("mutations: fast %u, general %u, rejected %u\n", t.fast, t.general,
	              t.rejected);
	/* Some edits keep a line canonical (a digit for a digit), most do not. */
	assert_true(t.fast > 0);
	assert_true(t.general > 0);
	assert_true(t.rejected > t.fast);
}

/* A 64-bit xorshift: the generated trace is the same on every run. */
static uint64_t
rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return (*s);
}

/* A value for key @k of a random event: edges and anything between. */
static uint64_t
rnd_val(uint64_t *s, uint64_t lo, uint64_t hi)
{
	switch (rnd(s) % 4) {
	case 0:
		return (lo);
	case 1:
		return (hi);
	default:
		return (hi - lo == UINT64_MAX ? rnd(s) : lo + rnd(s) % (hi - lo + 1));
	}
}

/* A random event, valid or not (the parsers must agree either way). */
static void
rnd_event(uint64_t *s, struct trace_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->op = (enum trace_op)(rnd(s) % TRACE_OP_COUNT);
	ev->vm = (uint32_t)rnd_val(s, 0, 5);
	ev->child = (uint32_t)rnd_val(s, 0, 5);
	ev->kind = (enum trace_vm_kind)(rnd(s) % 2);
	ev->owner = (uint32_t)rnd_val(s, 0, UINT32_MAX);
	ev->tid = (uint32_t)rnd_val(s, 0, UINT32_MAX);
	ev->cpu = (uint32_t)rnd_val(s, 0, 64);
	ev->va = rnd(s) % 2 ? rnd_val(s, 0, 1ull << 48) & ~0xfffull : rnd_val(s, 0, UINT64_MAX);
	ev->len = rnd(s) % 2 ? rnd_val(s, 0, 1ull << 32) & ~0xfffull : rnd_val(s, 0, UINT64_MAX);
	ev->prot = (vm_prot_t)(rnd(s) % 8);
	if (ev->op == TRACE_FAULT)
		ev->prot = (vm_prot_t)(1u << (rnd(s) % 3));
	ev->user = rnd(s) % 2;
	ev->shared = rnd(s) % 2;
	ev->backing = (enum trace_backing)(rnd(s) % 3);
	ev->file = rnd_val(s, 0, UINT64_MAX);
	ev->offset = rnd(s) % 2 ? rnd_val(s, 0, UINT64_MAX) & ~0xfffull : rnd_val(s, 0, 0x2000);
	ev->hpa = rnd(s) % 2 ? rnd_val(s, 0, UINT64_MAX) & ~0xfffull : rnd_val(s, 0, 0x2000);
	ev->memattr = (enum pmap_memattr)(rnd(s) % 6);
	ev->pages = rnd_val(s, 0, UINT64_MAX);
}

static void
test_fast_generated(void **state)
{
	char line[TRACE_LINE_MAX + 1];
	struct tally t = { 0, 0, 0 };
	struct trace_event ev;
	uint64_t s = 0x9e3779b97f4a7c15ull;
	int i;

	(void)state;
	for (i = 0; i < 20000; i++) {
		rnd_event(&s, &ev);
		trace_format(&ev, line, sizeof(line));
		/* A canonical line: the fast path takes it exactly when it is valid. */
		assert_int_not_equal(agree(line, strlen(line), &t), 1);
		if (i < 30)
			mutate(line, NULL);
	}
	print_message("generated: fast %u, rejected %u\n", t.fast, t.rejected);
	assert_true(t.fast > 2000);
	assert_true(t.rejected > 2000);
}

static bool
has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return (n >= m && strcmp(s + n - m, suffix) == 0);
}

/* Every line of a plain trace file as written (header and comments too). */
static void
raw_lines(const char *path, struct tally *t)
{
	char line[TRACE_LINE_MAX + 2];
	FILE *f = fopen(path, "r");
	size_t n;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		n = strlen(line);
		if (n > 0 && line[n - 1] == '\n')
			line[--n] = '\0';
		agree(line, n, t);
	}
	fclose(f);
}

/* Every event of a trace (plain or .zst) as its canonical line; returns the events. */
static unsigned
canonical_lines(const char *path, struct tally *t)
{
	char line[TRACE_LINE_MAX + 1], err[TRACE_ERR_MAX];
	struct trace_reader *r = trace_open(path, err);
	struct trace_event ev;
	unsigned n = 0;

	if (r == NULL)
		fail_msg("%s", err);
	while (trace_next(r, &ev) == 1) {
		trace_format(&ev, line, sizeof(line));
		assert_int_equal(agree(line, strlen(line), t), 0);
		n++;
	}
	trace_close(r);
	return (n);
}

static void
corpus(const char *sub, struct tally *raw, struct tally *canon)
{
	char dir[512], path[1024];
	struct dirent *de;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/%s", corpus_dir, sub);
	d = opendir(dir);
	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (has_suffix(de->d_name, ".trace"))
			raw_lines(path, raw);
		if (has_suffix(de->d_name, ".trace") || has_suffix(de->d_name, ".trace.zst"))
			canonical_lines(path, canon);
	}
	closedir(d);
}

static void
test_fast_corpus(void **state)
{
	struct tally raw = { 0, 0, 0 }, canon = { 0, 0, 0 };

	(void)state;
	if (corpus_dir == NULL)
		fail_msg("usage: trace_fast TRACES_CORPUS_DIR");
	corpus("hand", &raw, &canon);
	corpus("bad", &raw, &canon);
	corpus("real", &raw, &canon);
	print_message("corpus as written: fast %u, general %u, rejected %u; canonical: %u\n",
	              raw.fast, raw.general, raw.rejected, canon.fast);
	assert_true(raw.fast > 100);
	assert_true(canon.fast > 1000);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fast_canonical),
		cmocka_unit_test(test_fast_declines_general),
		cmocka_unit_test(test_fast_declines_errors),
		cmocka_unit_test(test_fast_nul),
		cmocka_unit_test(test_fast_mutations),
		cmocka_unit_test(test_fast_generated),
		cmocka_unit_test(test_fast_corpus),
	};

	corpus_dir = argc > 1 ? argv[1] : NULL;
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
