/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * trace_var.h - what the sim/trace_*.c files share; private to them.
 * The public API is sim/trace.h, the format traces/FORMAT.md.
 *
 * Everything is a table.  trace_keys[] says how each key's value is
 * spelled (trace_vparse[] in trace_parse.c, trace_vformat[] in
 * trace_format.c) and which values are in range; trace_ops[] which keys
 * each op requires and which must be page-aligned; trace_conds[] the
 * keys that one key's value brings in (owner for kind=guest, file/offset
 * and hpa/ma for the mmap backings); trace_checks[] (trace_parse.c) the
 * rules that span keys.  A line is parsed into an array of values
 * indexed by key, v[], and only then assembled into the event;
 * trace_format() extracts the same array and prints it in key order,
 * which is the canonical order.  The tables are in trace_tables.c.
 *
 * The reader (trace_read.c) and the writer (trace_write.c) share the
 * header line's spelling and the message helpers of trace_file.c.
 */
#ifndef EPTSIM_SIM_TRACE_VAR_H
#define EPTSIM_SIM_TRACE_VAR_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/trace.h"

/* The keys, in canonical order: trace_format() prints them so. */
enum trace_key {
	K_VM,
	K_CHILD,
	K_KIND,
	K_OWNER,
	K_TID,
	K_CPU,
	K_VA,
	K_LEN,
	K_PROT,
	K_ACCESS,
	K_MODE,
	K_SHARE,
	K_BACKING,
	K_FILE,
	K_OFFSET,
	K_HPA,
	K_MA,
	K_ADVICE,
	K_PAGES,
	K_COUNT,
};

#define KB(k)  (1u << (k))
#define VA_LEN (KB(K_VM) | KB(K_VA) | KB(K_LEN))

enum trace_vtype {
	TV_HEX,  /* 0x then hex digits, 64 bits */
	TV_DEC,  /* decimal digits, at most the key's limit */
	TV_PROT, /* [r-][w-][x-] */
	TV_NAME, /* one of the key's names[] */
};

struct trace_name {
	const char *name;
	uint64_t val;
};

struct trace_key_desc {
	const char *name;
	enum trace_vtype type;
	uint64_t limit;                 /* TV_DEC: the field's largest value; more overflows */
	uint64_t min, max;              /* the accepted range */
	const struct trace_name *names; /* TV_NAME: NULL-terminated */
};

struct trace_op_desc {
	const char *name;
	uint32_t required; /* keys every line of this op has */
	uint32_t cond;     /* keys trace_conds[] requires or forbids */
	uint32_t aligned;  /* keys that must be multiples of 4096 */
	bool prot_none;    /* prot=--- is allowed */
};

/* For @op, key @sel having value @val requires @keys; any other value forbids them. */
struct trace_cond {
	enum trace_op op;
	enum trace_key sel;
	uint64_t val;
	uint32_t keys;
};

/* Appends to a caller's buffer, truncating; buf is always terminated. */
struct trace_out {
	char *buf;
	size_t len, pos;
};

/* trace_tables.c: the key, op and cond tables. */
extern const struct trace_key_desc trace_keys[K_COUNT];
extern const struct trace_op_desc trace_ops[TRACE_OP_COUNT];
extern const struct trace_cond trace_conds[];
extern const size_t trace_nconds; /* entries in trace_conds[] */

/* prot: position i is the letter "rwx"[i] (that right) or '-' (not). */
extern const char trace_prot_letters[3];
extern const vm_prot_t trace_prot_bits[3];

/* Hex digit value + 1 by byte; 0 for a byte that is not one of [0-9a-fA-F]. */
extern const uint8_t trace_hexval1[256];

/* The name of value @v of key @k (a TV_NAME key), or "?" when it has none. */
const char *trace_name_of(enum trace_key k, uint64_t v);

/*
 * trace_parse.c: the general parser, which accepts every spelling
 * FORMAT.md allows and words every error; trace_parse_line() is it
 * behind the fast path.
 */
int trace_parse_general(const char *line, uint64_t lineno, const char *path, struct trace_event *ev,
                        char err[TRACE_ERR_MAX]);

/*
 * trace_fast.c: @line (@n bytes, any bytes, line[n] NUL followed by
 * TRACE_PARSE_PAD more readable bytes) as an event line spelled the way
 * trace_format() spells it.  Returns 0 with @ev
 * filled (ev->line excepted) when it is such a line and valid, and then
 * trace_parse_general() gives the same event; returns -1 otherwise, with
 * @ev undefined, and says nothing: the caller passes the line to
 * trace_parse_general(), which accepts a non-canonical spelling or words
 * the error.  A line it accepts holds no NUL, CR or '#' and starts with
 * an op, so it is neither bad bytes nor a comment.
 */
int trace_parse_fast(const char *line, size_t n, struct trace_event *ev);
#define TRACE_PARSE_PAD 8 /* trace_parse_fast() reads words that may end past the NUL */

/* trace_format.c: printf-append to @o; does nothing once @o is full. */
void trace_out(struct trace_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The header line: "eptsim-trace" VERSION "source=" TEXT. */
#define TRACE_HDR_MAGIC  "eptsim-trace"
#define TRACE_HDR_SOURCE "source="

/*
 * trace_file.c: "PATH:LINE: reason" into @err (TRACE_ERR_MAX bytes), or
 * "PATH: reason" when @lineno is 0.
 */
void trace_vmsg(char *err, const char *path, uint64_t lineno, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));

/* @path names a zstd-compressed file (ends in .zst). */
bool trace_is_zst(const char *path);

#endif /* EPTSIM_SIM_TRACE_VAR_H */
