/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * trace-test.c - the trace format (traces/FORMAT.md) and its reader and
 * writer (sim/trace.h): every op parses and round-trips through
 * trace_format(), every error class has its message pinned, and plain,
 * zstd, multi-frame, truncated, corrupt and large files read back as
 * written.  Files live in a fresh directory under /tmp, removed by the
 * teardown.
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
#include <sys/stat.h>
#include <unistd.h>

#include "sim/trace.h"

#define PATH_LEN 256
#define LINENO   7 /* the line number the parse tests claim */
#define HDR      "eptsim-trace 1 source=t\n"

struct fixture {
	char dir[64];
};

static int
test_setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (fx == NULL)
		return (-1);
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/eptsim-trace-XXXXXX");
	if (mkdtemp(fx->dir) == NULL) {
		free(fx);
		return (-1);
	}
	*state = fx;
	return (0);
}

/* Removes every file the test made, then the directory. */
static int
test_teardown(void **state)
{
	struct fixture *fx = *state;
	struct dirent *de;
	char path[sizeof(fx->dir) + sizeof(de->d_name) + 1];
	DIR *d = opendir(fx->dir);

	while (d != NULL && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", fx->dir, de->d_name);
		unlink(path);
	}
	if (d != NULL)
		closedir(d);
	rmdir(fx->dir);
	free(fx);
	return (0);
}

static const char *
tpath(void **state, const char *name, char buf[PATH_LEN])
{
	struct fixture *fx = *state;

	snprintf(buf, PATH_LEN, "%s/%s", fx->dir, name);
	return (buf);
}

static void
write_file(const char *path, const void *data, size_t n, const char *mode)
{
	FILE *f = fopen(path, mode);

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

static long
file_size(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return ((long)st.st_size);
}

static void
assert_file_starts(const char *path, const char *magic, size_t n)
{
	char buf[16];
	FILE *f = fopen(path, "rb");

	assert_non_null(f);
	assert_int_equal(fread(buf, 1, n, f), n);
	assert_memory_equal(buf, magic, n);
	fclose(f);
}

static void
assert_event_eq(const struct trace_event *got, const struct trace_event *want)
{
	char g[TRACE_LINE_MAX + 1], w[TRACE_LINE_MAX + 1];

	if (trace_event_equal(got, want))
		return;
	fail_msg("event differs:\n  got  (line %" PRIu64 ") %s\n  want (line %" PRIu64 ") %s",
	         got->line, trace_format(got, g, sizeof(g)), want->line,
	         trace_format(want, w, sizeof(w)));
}

/* One canonical line per op (and per variant of an op), and its event. */
struct op_case {
	const char *line;
	struct trace_event ev;
};

#define EV(...)                                                                                    \
	{                                                                                          \
		.line = LINENO, __VA_ARGS__                                                        \
	}

static const struct op_case op_cases[] = {
	{ "vmspace_create vm=1 kind=process", EV(.op = TRACE_VMSPACE_CREATE, .vm = 1) },
	{ "vmspace_create vm=7 kind=guest owner=1",
	  EV(.op = TRACE_VMSPACE_CREATE, .vm = 7, .kind = TRACE_VM_GUEST, .owner = 1) },
	{ "vmspace_destroy vm=7", EV(.op = TRACE_VMSPACE_DESTROY, .vm = 7) },
	{ "fork vm=1 child=2", EV(.op = TRACE_FORK, .vm = 1, .child = 2) },
	{ "exec vm=2", EV(.op = TRACE_EXEC, .vm = 2) },
	{ "exit vm=4294967295", EV(.op = TRACE_EXIT, .vm = UINT32_MAX) },
	{ "mmap vm=1 va=0x400000 len=0x2000 prot=r-x share=private backing=anon",
	  EV(.op = TRACE_MMAP, .vm = 1, .va = 0x400000, .len = 0x2000,
	     .prot = VM_PROT_READ | VM_PROT_EXECUTE) },
	{ "mmap vm=1 va=0x7f0000000000 len=0x10000 prot=rw- share=shared backing=file file=3 "
	  "offset=0x1000",
	  EV(.op = TRACE_MMAP, .vm = 1, .va = 0x7f0000000000, .len = 0x10000,
	     .prot = VM_PROT_READ | VM_PROT_WRITE, .shared = true, .backing = TRACE_BACKING_FILE,
	     .file = 3, .offset = 0x1000) },
	{ "mmap vm=7 va=0xfee00000 len=0x1000 prot=rw- share=shared backing=device hpa=0xfee00000 "
	  "ma=UC",
	  EV(.op = TRACE_MMAP, .vm = 7, .va = 0xfee00000, .len = 0x1000,
	     .prot = VM_PROT_READ | VM_PROT_WRITE, .shared = true, .backing = TRACE_BACKING_DEVICE,
	     .hpa = 0xfee00000, .memattr = PMAP_MA_UC) },
	{ "mmap vm=7 va=0xc0000000 len=0x200000 prot=-w- share=private backing=device "
	  "hpa=0x80000000 ma=UC-",
	  EV(.op = TRACE_MMAP, .vm = 7, .va = 0xc0000000, .len = 0x200000, .prot = VM_PROT_WRITE,
	     .backing = TRACE_BACKING_DEVICE, .hpa = 0x80000000, .memattr = PMAP_MA_UC_MINUS) },
	{ "mmap vm=7 va=0xffffffffe000 len=0x2000 prot=rwx share=private backing=device hpa=0x0 "
	  "ma=WC",
	  EV(.op = TRACE_MMAP, .vm = 7, .va = 0xffffffffe000, .len = 0x2000, .prot = VM_PROT_ALL,
	     .backing = TRACE_BACKING_DEVICE, .memattr = PMAP_MA_WC) },
	/* the other memory types, one page each */
	{ "mmap vm=7 va=0x1000 len=0x1000 prot=r-- share=shared backing=device hpa=0x1000 ma=WT",
	  EV(.op = TRACE_MMAP, .vm = 7, .va = 0x1000, .len = 0x1000, .prot = VM_PROT_READ,
	     .shared = true, .backing = TRACE_BACKING_DEVICE, .hpa = 0x1000,
	     .memattr = PMAP_MA_WT) },
	{ "mmap vm=7 va=0x2000 len=0x1000 prot=r-- share=shared backing=device hpa=0x2000 ma=WP",
	  EV(.op = TRACE_MMAP, .vm = 7, .va = 0x2000, .len = 0x1000, .prot = VM_PROT_READ,
	     .shared = true, .backing = TRACE_BACKING_DEVICE, .hpa = 0x2000,
	     .memattr = PMAP_MA_WP) },
	{ "mmap vm=7 va=0x3000 len=0x1000 prot=r-- share=shared backing=device hpa=0x3000 ma=WB",
	  EV(.op = TRACE_MMAP, .vm = 7, .va = 0x3000, .len = 0x1000, .prot = VM_PROT_READ,
	     .shared = true, .backing = TRACE_BACKING_DEVICE, .hpa = 0x3000,
	     .memattr = PMAP_MA_WB) },
	{ "mprotect vm=1 va=0x400000 len=0x1000 prot=---",
	  EV(.op = TRACE_MPROTECT, .vm = 1, .va = 0x400000, .len = 0x1000) },
	{ "mprotect vm=1 va=0x0 len=0x1000 prot=--x",
	  EV(.op = TRACE_MPROTECT, .vm = 1, .len = 0x1000, .prot = VM_PROT_EXECUTE) },
	{ "munmap vm=1 va=0x400000 len=0x2000",
	  EV(.op = TRACE_MUNMAP, .vm = 1, .va = 0x400000, .len = 0x2000) },
	{ "madvise vm=1 va=0x400000 len=0x1000 advice=dontneed",
	  EV(.op = TRACE_MADVISE, .vm = 1, .va = 0x400000, .len = 0x1000) },
	{ "wire vm=1 va=0x600000 len=0x3000",
	  EV(.op = TRACE_WIRE, .vm = 1, .va = 0x600000, .len = 0x3000) },
	{ "unwire vm=1 va=0x600000 len=0x3000",
	  EV(.op = TRACE_UNWIRE, .vm = 1, .va = 0x600000, .len = 0x3000) },
	/* r, user */
	{ "fault vm=1 tid=1 cpu=0 va=0x400123 access=r mode=user",
	  EV(.op = TRACE_FAULT, .vm = 1, .tid = 1, .va = 0x400123, .prot = VM_PROT_READ,
	     .user = true) },
	/* w, kernel */
	{ "fault vm=2 tid=9 cpu=63 va=0xffffffffffff access=w mode=kernel",
	  EV(.op = TRACE_FAULT, .vm = 2, .tid = 9, .cpu = 63, .va = 0xffffffffffff,
	     .prot = VM_PROT_WRITE) },
	/* x, user */
	{ "fault vm=7 tid=3 cpu=1 va=0x1000 access=x mode=user",
	  EV(.op = TRACE_FAULT, .vm = 7, .tid = 3, .cpu = 1, .va = 0x1000, .prot = VM_PROT_EXECUTE,
	     .user = true) },
	{ "copyin vm=1 cpu=3 va=0x7fffffffe010 len=0x18",
	  EV(.op = TRACE_COPYIN, .vm = 1, .cpu = 3, .va = 0x7fffffffe010, .len = 0x18) },
	{ "copyout vm=1 cpu=3 va=0x601001 len=0x1fff",
	  EV(.op = TRACE_COPYOUT, .vm = 1, .cpu = 3, .va = 0x601001, .len = 0x1fff) },
	{ "pageout pages=18446744073709551615", EV(.op = TRACE_PAGEOUT, .pages = UINT64_MAX) },
	{ "check", EV(.op = TRACE_CHECK) },
	{ "sched tid=2 cpu=63", EV(.op = TRACE_SCHED, .tid = 2, .cpu = 63) },
};

#define NOPS (sizeof(op_cases) / sizeof(op_cases[0]))

static void
test_trace_parse_ops(void **state)
{
	struct trace_event ev, back;
	char err[TRACE_ERR_MAX], buf[TRACE_LINE_MAX + 1];
	bool seen[TRACE_OP_COUNT] = { false };
	size_t i;

	for (i = 0; i < NOPS; i++) {
		print_message("%s\n", op_cases[i].line);
		assert_int_equal(trace_parse_line(op_cases[i].line, LINENO, "t", &ev, err), 0);
		assert_event_eq(&ev, &op_cases[i].ev);
		assert_string_equal(trace_format(&ev, buf, sizeof(buf)), op_cases[i].line);
		assert_int_equal(trace_parse_line(buf, LINENO, "t", &back, err), 0);
		assert_event_eq(&back, &ev);
		assert_memory_equal(trace_op_name(ev.op), op_cases[i].line,
		                    strlen(trace_op_name(ev.op)));
		seen[ev.op] = true;
	}
	for (i = 0; i < TRACE_OP_COUNT; i++)
		assert_true(seen[i]);
	assert_string_equal(trace_op_name(TRACE_OP_COUNT), "?");
}

/* Spellings the parser accepts and the canonical line it formats them as. */
static const struct {
	const char *in, *canon;
} noncanon_cases[] = {
	{ "  fault\tcpu=0  va=0x400123 mode=user access=r tid=1 vm=1   # a comment",
	  "fault vm=1 tid=1 cpu=0 va=0x400123 access=r mode=user" },
	{ "vmspace_create owner=1 kind=guest vm=7", "vmspace_create vm=7 kind=guest owner=1" },
	{ "mmap backing=anon share=private prot=r-- len=0x1000 va=0xABC000 vm=01\t#x",
	  "mmap vm=1 va=0xabc000 len=0x1000 prot=r-- share=private backing=anon" },
	{ "munmap vm=1 va=0x000000000000000000001000 len=0x1000",
	  "munmap vm=1 va=0x1000 len=0x1000" },
	{ "check   ", "check" },
	{ "check #", "check" },
	{ "check\t#comment # more", "check" },
};

static void
test_trace_parse_noncanonical(void **state)
{
	struct trace_event ev, back;
	char err[TRACE_ERR_MAX], buf[TRACE_LINE_MAX + 1];
	size_t i;

	for (i = 0; i < sizeof(noncanon_cases) / sizeof(noncanon_cases[0]); i++) {
		print_message("%s\n", noncanon_cases[i].in);
		assert_int_equal(trace_parse_line(noncanon_cases[i].in, 3, "t", &ev, err), 0);
		assert_string_equal(trace_format(&ev, buf, sizeof(buf)), noncanon_cases[i].canon);
		assert_int_equal(trace_parse_line(buf, 3, "t", &back, err), 0);
		assert_event_eq(&back, &ev);
	}
}

/* One bad line per error class, and the reason after "t.trace:7: ". */
static const struct {
	const char *line, *reason;
} err_cases[] = {
	/* structure */
	{ "frob vm=1", "unknown op \"frob\"" },
	{ "exec vm=1 color=red", "unknown key \"color\"" },
	{ "exec vm=1 vm=2", "duplicate key \"vm\"" },
	{ "mmap vm=1 va=0x1000 prot=r-- share=private backing=anon",
	  "missing key \"len\" for mmap" },
	{ "fault vm=1 tid=1 va=0x1000 access=r mode=user", "missing key \"cpu\" for fault" },
	{ "exec vm=1 tid=2", "key \"tid\" not allowed for exec" },
	{ "check vm=1", "key \"vm\" not allowed for check" },
	{ "exec vm", "expected key=value, got \"vm\"" },
	{ "exec =1", "expected key=value, got \"=1\"" },
	{ "exec vm=", "empty value for key \"vm\"" },
	{ "exec vm=1# no blank before #", "vm=1#: bad decimal number" },
	{ "", "no event (blank or comment line)" },
	{ " \t # comment", "no event (blank or comment line)" },
	/* numbers */
	{ "munmap vm=1 va=0x10g0 len=0x1000", "va=0x10g0: bad hex number" },
	{ "munmap vm=1 va=0x len=0x1000", "va=0x: bad hex number" },
	{ "munmap vm=1 va=1000 len=0x1000", "va=1000: missing 0x prefix" },
	{ "munmap vm=1 va=0X1000 len=0x1000", "va=0X1000: missing 0x prefix" },
	{ "munmap vm=1 va=0x10000000000000000 len=0x1000",
	  "va=0x10000000000000000: hex overflow (more than 64 bits)" },
	{ "exec vm=4294967296", "vm=4294967296: decimal overflow (max 4294967295)" },
	{ "pageout pages=18446744073709551616",
	  "pages=18446744073709551616: decimal overflow (max 18446744073709551615)" },
	{ "exec vm=-1", "vm=-1: bad decimal number" },
	{ "exec vm=0x1", "vm=0x1: bad decimal number" },
	/* a byte that is not a digit is reported before an overflow it follows */
	{ "munmap vm=1 va=0x10000000000000000g len=0x1000",
	  "va=0x10000000000000000g: bad hex number" },
	{ "exec vm=42949672960x", "vm=42949672960x: bad decimal number" },
	/* names that share a prefix, length or ends with a known one */
	{ "exe vm=1", "unknown op \"exe\"" },
	{ "execs vm=1", "unknown op \"execs\"" },
	{ "exec v=1", "unknown key \"v\"" },
	{ "exec vmm=1", "unknown key \"vmm\"" },
	/* names */
	{ "mprotect vm=1 va=0x1000 len=0x1000 prot=rw",
	  "prot=rw: bad prot (expected [r-][w-][x-], e.g. r-x)" },
	{ "mprotect vm=1 va=0x1000 len=0x1000 prot=wr-",
	  "prot=wr-: bad prot (expected [r-][w-][x-], e.g. r-x)" },
	{ "mprotect vm=1 va=0x1000 len=0x1000 prot=RWX",
	  "prot=RWX: bad prot (expected [r-][w-][x-], e.g. r-x)" },
	{ "mmap vm=1 va=0x1000 len=0x1000 prot=--- share=private backing=anon",
	  "prot=---: allowed only for mprotect" },
	{ "fault vm=1 tid=1 cpu=0 va=0x1000 access=rw mode=user", "access=rw: expected r, w or x" },
	{ "fault vm=1 tid=1 cpu=0 va=0x1000 access=r mode=supervisor",
	  "mode=supervisor: expected user or kernel" },
	{ "mmap vm=1 va=0x1000 len=0x1000 prot=r-- share=both backing=anon",
	  "share=both: expected private or shared" },
	{ "mmap vm=1 va=0x1000 len=0x1000 prot=r-- share=private backing=swap",
	  "backing=swap: expected anon, file or device" },
	{ "mmap vm=1 va=0x1000 len=0x1000 prot=r-- share=private backing=device hpa=0x0 ma=wb",
	  "ma=wb: expected UC, WC, WT, WP, WB or UC-" },
	{ "vmspace_create vm=1 kind=vm", "kind=vm: expected process or guest" },
	{ "madvise vm=1 va=0x1000 len=0x1000 advice=willneed",
	  "advice=willneed: expected dontneed" },
	/* ranges */
	{ "munmap vm=1 va=0x1001 len=0x1000", "va=0x1001: not page-aligned (4096)" },
	{ "wire vm=1 va=0x1000 len=0x800", "len=0x800: not page-aligned (4096)" },
	{ "mmap vm=1 va=0x1000 len=0x1000 prot=r-- share=private backing=device hpa=0xfee00010 "
	  "ma=UC",
	  "hpa=0xfee00010: not page-aligned (4096)" },
	{ "mmap vm=1 va=0x1000 len=0x1000 prot=r-- share=private backing=file file=1 offset=0x10",
	  "offset=0x10: not page-aligned (4096)" },
	{ "munmap vm=1 va=0x1000 len=0x0", "len=0x0: must be >= 1" },
	{ "copyin vm=1 cpu=0 va=0x1000 len=0x0", "len=0x0: must be >= 1" },
	{ "copyin vm=1 cpu=0 va=0xfffffffffffffff0 len=0x20",
	  "va+len overflows 64 bits (va=0xfffffffffffffff0 len=0x20)" },
	{ "munmap vm=1 va=0xfffffffff000 len=0x2000",
	  "va+len=0x1000000001000: beyond 2^48 (0x1000000000000)" },
	{ "copyout vm=1 cpu=0 va=0xffffffffffff len=0x2",
	  "va+len=0x1000000000001: beyond 2^48 (0x1000000000000)" },
	{ "fault vm=1 tid=1 cpu=0 va=0x1000000000000 access=r mode=user",
	  "va=0x1000000000000: beyond 2^48 (0x1000000000000)" },
	{ "sched tid=1 cpu=64", "cpu=64: must be < 64" },
	{ "exec vm=0", "vm=0: must be >= 1" },
	{ "sched tid=0 cpu=0", "tid=0: must be >= 1" },
	{ "fork vm=1 child=0", "child=0: must be >= 1" },
	{ "vmspace_create vm=2 kind=guest owner=0", "owner=0: must be >= 1" },
	{ "pageout pages=0", "pages=0: must be >= 1" },
	{ "fork vm=3 child=3", "child=3: same as vm" },
	/* keys one key's value requires or forbids */
	{ "vmspace_create vm=2 kind=process owner=1",
	  "key \"owner\" not allowed for vmspace_create with kind=process" },
	{ "vmspace_create vm=2 owner=1", "missing key \"kind\" for vmspace_create" },
	{ "vmspace_create vm=2 kind=guest",
	  "missing key \"owner\" for vmspace_create with kind=guest" },
	{ "mmap vm=1 va=0x1000 len=0x1000 prot=r-- share=private backing=file file=1",
	  "missing key \"offset\" for mmap with backing=file" },
	{ "mmap vm=1 va=0x1000 len=0x1000 prot=r-- share=private backing=anon hpa=0x0",
	  "key \"hpa\" not allowed for mmap with backing=anon" },
	{ "mmap vm=1 va=0x1000 len=0x1000 prot=r-- share=private backing=device hpa=0x0",
	  "missing key \"ma\" for mmap with backing=device" },
	{ "mmap vm=1 va=0x1000 len=0x1000 prot=r-- share=private backing=device hpa=0x0 ma=WB "
	  "file=2",
	  "key \"file\" not allowed for mmap with backing=device" },
};

static void
test_trace_parse_errors(void **state)
{
	struct trace_event ev;
	char err[TRACE_ERR_MAX], want[TRACE_ERR_MAX];
	size_t i;

	for (i = 0; i < sizeof(err_cases) / sizeof(err_cases[0]); i++) {
		print_message("%s\n", err_cases[i].line);
		snprintf(want, sizeof(want), "t.trace:%d: %s", LINENO, err_cases[i].reason);
		assert_int_equal(trace_parse_line(err_cases[i].line, LINENO, "t.trace", &ev, err),
		                 -1);
		assert_string_equal(err, want);
	}
}

/* "check # xxx...": a line of exactly @n bytes. */
static char *
long_line(size_t n)
{
	char *s = malloc(n + 1);

	assert_non_null(s);
	memset(s, 'x', n);
	memcpy(s, "check # ", 8);
	s[n] = '\0';
	return (s);
}

static void
test_trace_parse_line_too_long(void **state)
{
	char *ok = long_line(TRACE_LINE_MAX), *bad = long_line(TRACE_LINE_MAX + 1);
	char err[TRACE_ERR_MAX];
	struct trace_event ev;

	assert_int_equal(trace_parse_line(ok, 2, "t", &ev, err), 0);
	assert_int_equal(ev.op, TRACE_CHECK);
	assert_int_equal(trace_parse_line(bad, 2, "t", &ev, err), -1);
	assert_string_equal(err, "t:2: line too long (more than 4096 bytes)");
	free(ok);
	free(bad);
}

static void
test_trace_format_truncates(void **state)
{
	struct trace_event ev = { .op = TRACE_FORK, .vm = 1, .child = 2 };
	char buf[8];

	memset(buf, '@', sizeof(buf));
	assert_string_equal(trace_format(&ev, buf, sizeof(buf)), "fork vm");
	assert_string_equal(trace_format(&ev, buf, 1), "");
	ev.op = TRACE_OP_COUNT;
	assert_string_equal(trace_format(&ev, buf, sizeof(buf)), "?");
}

/* Reads @r to its end; returns the last trace_next() result, *@n the events. */
static int
read_all(struct trace_reader *r, int *n)
{
	struct trace_event ev;
	int rc;

	*n = 0;
	while ((rc = trace_next(r, &ev)) == 1)
		(*n)++;
	return (rc);
}

/* Whole files that fail, at open (events < 0) or after @events events. */
#define RC(data, events, reason)                                                                   \
	{                                                                                          \
		data, sizeof(data) - 1, events, reason                                             \
	}

static const struct {
	const char *data;
	size_t len;
	int events;
	const char *reason; /* after the path */
} read_err_cases[] = {
	RC("", -1, ":1: empty trace (no header line)"),
	RC("eptsim-trace 2 source=t\nexec vm=1\n", -1,
	   ":1: unsupported trace version 2 (this eptsim reads 1)"),
	RC("eptsim-trace 2\n", -1, ":1: unsupported trace version 2 (this eptsim reads 1)"),
	RC("eptsim-trace 99999999999999999999999 source=\n", -1,
	   ":1: unsupported trace version 99999999999999999999999 (this eptsim reads 1)"),
	RC("eptsim-trace 1\n", -1, ":1: bad header (expected \"eptsim-trace 1 source=TEXT\")"),
	RC("eptsim-trace 1 src=t\n", -1,
	   ":1: bad header (expected \"eptsim-trace 1 source=TEXT\")"),
	RC("eptsim-trace one source=t\n", -1,
	   ":1: bad header (expected \"eptsim-trace 1 source=TEXT\")"),
	RC("eptsim-trace1 source=t\n", -1,
	   ":1: bad header (expected \"eptsim-trace 1 source=TEXT\")"),
	RC("# a comment\n" HDR, -1, ":1: bad header (expected \"eptsim-trace 1 source=TEXT\")"),
	RC("exec vm=1\n", -1, ":1: bad header (expected \"eptsim-trace 1 source=TEXT\")"),
	RC("eptsim-trace 1 source=t\r\n", -1,
	   ":1: carriage return in line (lines end with LF only)"),
	RC(HDR "exec vm=1\nexec vm=1\0\n", 1, ":3: NUL byte in line"),
	RC(HDR "exec vm=1\n# \0\n", 1, ":3: NUL byte in line"),
	RC(HDR "exec vm=1\r\n", 0, ":2: carriage return in line (lines end with LF only)"),
	RC(HDR "exec vm=1\nexec vm=1 # ok\nfrob\n", 2, ":4: unknown op \"frob\""),
	RC(HDR "exec vm=1\nexec vm=0", 1, ":3: vm=0: must be >= 1"),
};

static void
test_trace_read_errors(void **state)
{
	char path[PATH_LEN], err[TRACE_ERR_MAX], want[TRACE_ERR_MAX];
	struct trace_reader *r;
	struct trace_event ev;
	size_t i;
	int n;

	tpath(state, "bad.trace", path);
	for (i = 0; i < sizeof(read_err_cases) / sizeof(read_err_cases[0]); i++) {
		print_message("case %zu: %s\n", i, read_err_cases[i].reason);
		write_file(path, read_err_cases[i].data, read_err_cases[i].len, "wb");
		snprintf(want, sizeof(want), "%s%s", path, read_err_cases[i].reason);
		r = trace_open(path, err);
		if (read_err_cases[i].events < 0) {
			assert_null(r);
			assert_string_equal(err, want);
			continue;
		}
		assert_non_null(r);
		assert_int_equal(read_all(r, &n), -1);
		assert_int_equal(n, read_err_cases[i].events);
		assert_string_equal(trace_error(r), want);
		assert_int_equal(trace_next(r, &ev), -1); /* sticky */
		trace_close(r);
	}
}

static void
test_trace_read_missing_file(void **state)
{
	char path[PATH_LEN], err[TRACE_ERR_MAX], want[TRACE_ERR_MAX];

	tpath(state, "nonexistent.trace.zst", path);
	snprintf(want, sizeof(want), "%s: cannot open: No such file or directory", path);
	assert_null(trace_open(path, err));
	assert_string_equal(err, want);
}

/* Lines of 4096 bytes are fine; one more byte is an error naming the line. */
static void
test_trace_read_long_lines(void **state)
{
	char path[PATH_LEN], err[TRACE_ERR_MAX], want[TRACE_ERR_MAX];
	char *ok = long_line(TRACE_LINE_MAX), *bad = long_line(TRACE_LINE_MAX + 1);
	struct trace_reader *r;
	FILE *f;
	int n;

	tpath(state, "long.trace", path);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "%s# %s\n%s\n%s\ncheck\n", HDR, ok + 8, ok, bad);
	assert_int_equal(fclose(f), 0);
	r = trace_open(path, err);
	assert_non_null(r);
	assert_int_equal(read_all(r, &n), -1);
	assert_int_equal(n, 1);
	snprintf(want, sizeof(want), "%s:4: line too long (more than 4096 bytes)", path);
	assert_string_equal(trace_error(r), want);
	trace_close(r);
	free(ok);
	free(bad);
}

/* Comments and blank lines are skipped but counted: the error is on line 7. */
static void
test_trace_read_line_numbers(void **state)
{
	static const char text[] = HDR "# a comment\n"
	                               "\n"
	                               "exec vm=1 # trailing\n"
	                               "   \n"
	                               "\t# indented\n"
	                               "exec vm=0\n";
	char path[PATH_LEN], err[TRACE_ERR_MAX], want[TRACE_ERR_MAX];
	struct trace_reader *r;
	struct trace_event ev;

	tpath(state, "lines.trace", path);
	write_file(path, text, sizeof(text) - 1, "wb");
	r = trace_open(path, err);
	assert_non_null(r);
	assert_string_equal(trace_source(r), "t");
	assert_int_equal(trace_next(r, &ev), 1);
	assert_int_equal(ev.op, TRACE_EXEC);
	assert_int_equal(ev.line, 4);
	assert_int_equal(trace_next(r, &ev), -1);
	snprintf(want, sizeof(want), "%s:7: vm=0: must be >= 1", path);
	assert_string_equal(trace_error(r), want);
	trace_close(r);
}

/* Writes every op case to @path with a comment after the first; header source @src. */
static void
write_op_cases(const char *path, const char *src)
{
	char err[TRACE_ERR_MAX];
	struct trace_writer *w = trace_create(path, src, err);
	size_t i;

	assert_non_null(w);
	for (i = 0; i < NOPS; i++) {
		assert_int_equal(trace_write(w, &op_cases[i].ev), 0);
		if (i == 0)
			assert_int_equal(trace_comment(w, "after the first event"), 0);
	}
	assert_int_equal(trace_finish(w, err), 0);
}

/* Reads @path back: the op cases, on lines 2, 4, 5, ... (line 3 is the comment). */
static void
read_op_cases(const char *path, const char *src)
{
	char err[TRACE_ERR_MAX];
	struct trace_reader *r = trace_open(path, err);
	struct trace_event ev, want;
	size_t i;

	assert_non_null(r);
	assert_string_equal(trace_source(r), src);
	assert_string_equal(trace_path(r), path);
	for (i = 0; i < NOPS; i++) {
		want = op_cases[i].ev;
		want.line = i == 0 ? 2 : i + 3;
		assert_int_equal(trace_next(r, &ev), 1);
		assert_event_eq(&ev, &want);
	}
	assert_int_equal(trace_next(r, &ev), 0);
	assert_int_equal(trace_next(r, &ev), 0);
	assert_string_equal(trace_error(r), "");
	trace_close(r);
}

static void
test_trace_roundtrip_files(void **state)
{
	static const char *const names[] = { "ops.trace", "ops.trace.zst" };
	static const char *const sources[] = { "recorded on host7: ls -l /", "" };
	char path[PATH_LEN];
	size_t i, j;

	for (i = 0; i < 2; i++) {
		for (j = 0; j < 2; j++) {
			tpath(state, names[i], path);
			write_op_cases(path, sources[j]);
			read_op_cases(path, sources[j]);
		}
	}
	/* The .zst file really is zstd (magic 28 b5 2f fd), the other text. */
	assert_file_starts(tpath(state, names[0], path), "eptsim-trace 1 ", 15);
	assert_file_starts(tpath(state, names[1], path), "\x28\xb5\x2f\xfd", 4);
}

/*
 * A zstd frame holding @text verbatim (RFC 8878, 3.1.1): magic, a frame
 * header descriptor with only Single_Segment_Flag (0x20) and so a 1-byte
 * content size, then one block header (Last_Block, Raw_Block, Block_Size)
 * and the bytes.  @text is under 256 bytes.
 */
static size_t
zst_raw_frame(const char *text, unsigned char *buf)
{
	size_t n = strlen(text);
	uint32_t bh = (uint32_t)n << 3 | 1;
	const unsigned char hdr[] = { 0x28,
		                      0xb5,
		                      0x2f,
		                      0xfd,
		                      0x20,
		                      (unsigned char)n,
		                      bh & 0xff,
		                      (bh >> 8) & 0xff,
		                      (bh >> 16) & 0xff };

	memcpy(buf, hdr, sizeof(hdr));
	memcpy(buf + sizeof(hdr), text, n);
	return (sizeof(hdr) + n);
}

/* A skippable frame (RFC 8878, 3.1.2) of 3 bytes. */
static const unsigned char zst_skippable[] = { 0x50, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 'a', 'b', 'c' };

/* Frames one after another, a skippable one and no final newline: all read. */
static void
test_trace_zst_multiframe(void **state)
{
	static const struct trace_event first = { .op = TRACE_CHECK };
	char path[PATH_LEN], err[TRACE_ERR_MAX];
	struct trace_writer *w;
	struct trace_reader *r;
	struct trace_event ev;
	unsigned char buf[512];
	size_t n;

	tpath(state, "multi.trace.zst", path);
	w = trace_create(path, "frames", err);
	assert_non_null(w);
	assert_int_equal(trace_write(w, &first), 0);
	assert_int_equal(trace_finish(w, err), 0);
	n = zst_raw_frame("exec vm=1\nex", buf);
	memcpy(buf + n, zst_skippable, sizeof(zst_skippable));
	n += sizeof(zst_skippable);
	n += zst_raw_frame("it vm=1\nfork vm=1 child=2", buf + n);
	write_file(path, buf, n, "ab");

	r = trace_open(path, err);
	assert_non_null(r);
	assert_int_equal(trace_next(r, &ev), 1);
	assert_int_equal(ev.op, TRACE_CHECK);
	assert_int_equal(trace_next(r, &ev), 1);
	assert_int_equal(ev.op, TRACE_EXEC);
	assert_int_equal(trace_next(r, &ev), 1);
	assert_int_equal(ev.op, TRACE_EXIT);
	assert_int_equal(trace_next(r, &ev), 1);
	assert_int_equal(ev.op, TRACE_FORK);
	assert_int_equal(ev.line, 5);
	assert_int_equal(trace_next(r, &ev), 0);
	trace_close(r);
}

/* Event @i of a generated trace: faults, mmaps and scheds, fields varied. */
static void
gen_event(uint64_t i, struct trace_event *ev)
{
	static const vm_prot_t access[3] = { VM_PROT_READ, VM_PROT_WRITE, VM_PROT_EXECUTE };

	if (i % 3 == 0) {
		*ev = (struct trace_event){ .op = TRACE_FAULT,
			                    .line = i + 2,
			                    .vm = 1 + i % 5,
			                    .tid = 1 + i % 7,
			                    .cpu = i % 64,
			                    .va = (i * 0x1234567) & 0xffffffffffff,
			                    .prot = access[i % 9 / 3],
			                    .user = i % 2 };
	} else if (i % 3 == 1) {
		*ev = (struct trace_event){ .op = TRACE_MMAP,
			                    .line = i + 2,
			                    .vm = 1 + i % 5,
			                    .va = (i % (1u << 30)) << 12,
			                    .len = (1 + i % 16) << 12,
			                    .prot = VM_PROT_READ | (i % 2 ? VM_PROT_WRITE : 0),
			                    .shared = i % 4 == 1 };
	} else {
		*ev = (struct trace_event){
			.op = TRACE_SCHED, .line = i + 2, .tid = 1 + i % 9, .cpu = i % 64
		};
	}
}

/* Writes @n generated events to @path. */
static void
write_generated(const char *path, uint64_t n)
{
	char err[TRACE_ERR_MAX];
	struct trace_writer *w = trace_create(path, "generated", err);
	struct trace_event ev;
	uint64_t i;

	assert_non_null(w);
	for (i = 0; i < n; i++) {
		gen_event(i, &ev);
		if (trace_write(w, &ev) != 0)
			break;
	}
	assert_int_equal(trace_finish(w, err), 0);
}

/* A .zst cut short: events up to the cut, then -1 and a message, never 0. */
static void
expect_truncated(const char *path, int min_events, int max_events)
{
	char err[TRACE_ERR_MAX];
	struct trace_reader *r = trace_open(path, err);
	const char *msg, *suffix = ": truncated zstd stream";
	int n;

	assert_non_null(r);
	assert_int_equal(read_all(r, &n), -1);
	assert_in_range(n, min_events, max_events);
	msg = trace_error(r);
	print_message("%d events, then %s\n", n, msg);
	assert_memory_equal(msg, path, strlen(path));
	assert_true(msg[strlen(path)] == ':');
	assert_true(strlen(msg) > strlen(suffix));
	assert_string_equal(msg + strlen(msg) - strlen(suffix), suffix);
	trace_close(r);
}

static void
test_trace_zst_truncated(void **state)
{
	char path[PATH_LEN], err[TRACE_ERR_MAX], want[TRACE_ERR_MAX];
	long size;

	tpath(state, "cut.trace.zst", path);
	write_generated(path, 20000);
	size = file_size(path);
	assert_int_equal(truncate(path, size / 2), 0);
	expect_truncated(path, 1, 19999);

	write_generated(path, 20000);
	assert_int_equal(truncate(path, size - 1), 0); /* into the checksum */
	expect_truncated(path, 20000, 20000);

	write_file(path, "", 0, "wb");
	snprintf(want, sizeof(want), "%s:1: truncated zstd stream", path);
	assert_null(trace_open(path, err));
	assert_string_equal(err, want);
}

/*
 * Reads @path to its end: *@n events (-1 when trace_open() failed), @err
 * the message that ended it, "" at a clean end.
 */
static void
read_to_error(const char *path, char err[TRACE_ERR_MAX], int *n)
{
	struct trace_reader *r = trace_open(path, err);

	*n = -1;
	if (r == NULL)
		return;
	err[0] = '\0';
	if (read_all(r, n) == -1)
		snprintf(err, TRACE_ERR_MAX, "%s", trace_error(r));
	trace_close(r);
}

/* The zstd decoder reports corruption once it sees it: at open or later. */
static void
test_trace_zst_corrupt(void **state)
{
	char path[PATH_LEN], err[TRACE_ERR_MAX], want[TRACE_ERR_MAX];
	unsigned char c;
	FILE *f;
	int n;

	/* The last byte of the checksum flipped. */
	tpath(state, "bad.trace.zst", path);
	write_generated(path, 1000);
	f = fopen(path, "r+b");
	assert_non_null(f);
	assert_int_equal(fseek(f, -1, SEEK_END), 0);
	c = (unsigned char)fgetc(f);
	assert_int_equal(fseek(f, -1, SEEK_END), 0);
	fputc(c ^ 0xff, f);
	assert_int_equal(fclose(f), 0);
	read_to_error(path, err, &n);
	snprintf(want, sizeof(want),
	         "%s: corrupt zstd stream: Restored data doesn't match checksum", path);
	assert_string_equal(err, want);

	/* Plain text under a .zst name. */
	write_file(path, HDR, strlen(HDR), "wb");
	read_to_error(path, err, &n);
	snprintf(want, sizeof(want), "%s: corrupt zstd stream: Unknown frame descriptor", path);
	assert_string_equal(err, want);
	assert_int_equal(n, -1);
}

/* "-" reads standard input, named <stdin>. */
static void
test_trace_read_stdin(void **state)
{
	char path[PATH_LEN], err[TRACE_ERR_MAX];
	struct trace_reader *r;
	struct trace_event ev;

	tpath(state, "stdin.trace", path);
	write_file(path, HDR "check\nexec vm=0\n", strlen(HDR) + 16, "wb");
	assert_non_null(freopen(path, "rb", stdin));
	r = trace_open("-", err);
	assert_non_null(r);
	assert_string_equal(trace_path(r), "<stdin>");
	assert_int_equal(trace_next(r, &ev), 1);
	assert_int_equal(trace_next(r, &ev), -1);
	assert_string_equal(trace_error(r), "<stdin>:3: vm=0: must be >= 1");
	trace_close(r);
}

/* The writer refuses what the reader would reject, and reports I/O errors. */
static void
test_trace_writer_errors(void **state)
{
	static const struct trace_event bad = { .op = TRACE_EXEC };
	char path[PATH_LEN], err[TRACE_ERR_MAX], want[TRACE_ERR_MAX];
	struct trace_writer *w;

	tpath(state, "w.trace.zst", path);
	w = trace_create(path, "s", err);
	assert_non_null(w);
	assert_int_equal(trace_write(w, &bad), -1);
	assert_int_equal(trace_comment(w, "later"), -1); /* sticky */
	assert_int_equal(trace_finish(w, err), -1);
	snprintf(want, sizeof(want), "%s:2: vm=0: must be >= 1", path);
	assert_string_equal(err, want);

	w = trace_create(path, "s", err);
	assert_non_null(w);
	assert_int_equal(trace_comment(w, "two\nlines"), -1);
	assert_int_equal(trace_finish(w, err), -1);
	snprintf(want, sizeof(want), "%s:2: comment contains a line break", path);
	assert_string_equal(err, want);

	assert_null(trace_create(path, "a\nb", err));
	snprintf(want, sizeof(want), "%s:1: source contains a line break", path);
	assert_string_equal(err, want);

	tpath(state, "no/such/dir.trace", path);
	assert_null(trace_create(path, "s", err));
	snprintf(want, sizeof(want), "%s: cannot create: No such file or directory", path);
	assert_string_equal(err, want);
}

static void
test_trace_writer_full_disk(void **state)
{
	static const struct trace_event ev = { .op = TRACE_CHECK };
	char err[TRACE_ERR_MAX];
	struct trace_writer *w;

	if (access("/dev/full", W_OK) != 0)
		skip();
	w = trace_create("/dev/full", "s", err);
	assert_non_null(w);
	assert_int_equal(trace_write(w, &ev), 0); /* buffered */
	assert_int_equal(trace_finish(w, err), -1);
	assert_string_equal(err, "/dev/full: write error: No space left on device");
}

/*
 * 200000 events through a .zst and back.  The reader's buffers are
 * fixed-size members of its struct, so this only counts and spot-checks.
 */
static void
test_trace_stream_200k(void **state)
{
	const uint64_t total = 200000;
	char path[PATH_LEN], err[TRACE_ERR_MAX];
	struct trace_event ev, want;
	struct trace_reader *r;
	uint64_t n = 0;
	int rc;

	tpath(state, "big.trace.zst", path);
	write_generated(path, total);
	print_message("%" PRIu64 " events: %ld bytes compressed\n", total, file_size(path));
	r = trace_open(path, err);
	assert_non_null(r);
	while ((rc = trace_next(r, &ev)) == 1) {
		if (n % 9973 == 0 || n == total - 1) {
			gen_event(n, &want);
			assert_event_eq(&ev, &want);
		}
		n++;
	}
	assert_int_equal(rc, 0);
	assert_int_equal(n, total);
	trace_close(r);
}

#define T(f) cmocka_unit_test_setup_teardown(f, test_setup, test_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_trace_parse_ops),
		cmocka_unit_test(test_trace_parse_noncanonical),
		cmocka_unit_test(test_trace_parse_errors),
		cmocka_unit_test(test_trace_parse_line_too_long),
		cmocka_unit_test(test_trace_format_truncates),
		T(test_trace_read_errors),
		T(test_trace_read_missing_file),
		T(test_trace_read_long_lines),
		T(test_trace_read_line_numbers),
		T(test_trace_roundtrip_files),
		T(test_trace_zst_multiframe),
		T(test_trace_zst_truncated),
		T(test_trace_zst_corrupt),
		T(test_trace_read_stdin),
		T(test_trace_writer_errors),
		T(test_trace_writer_full_disk),
		T(test_trace_stream_200k),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
