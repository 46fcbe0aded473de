/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * trace_parse.c - one trace event line to a struct trace_event
 * (traces/FORMAT.md, "Event lines").
 *
 * The line is split into the op and its key=value tokens; each value is
 * parsed by its key's trace_vparse[] into v[], the array of values by
 * key, then trace_checks[] run the rules that span keys, and only then
 * is v[] assembled into the event.  The tables are in trace_tables.c
 * (see trace_var.h); trace_format.c is the way back.
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sim/trace_var.h"

#define TRACE_VA_LIMIT  (1ull << 48) /* 4-level paging: 48 address bits */
#define TRACE_PAGE_MASK (PMAP_PAGE_SIZE - 1)
#define TRACE_QUOTE_MAX 64 /* bytes of a bad token quoted in a message */
#define TRACE_WHY_MAX   384

/* One line being parsed: the op, the values by key, the keys seen. */
struct trace_parse {
	enum trace_op op;
	const struct trace_op_desc *od;
	uint64_t v[K_COUNT];
	uint32_t seen;
	char why[TRACE_WHY_MAX];
};

static int
qlen(size_t n)
{
	return ((int)(n < TRACE_QUOTE_MAX ? n : TRACE_QUOTE_MAX));
}

/* Sets the reason a line is rejected; returns -1. */
static int __attribute__((format(printf, 2, 3)))
trace_why(struct trace_parse *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->why, sizeof(p->why), fmt, ap);
	va_end(ap);
	return (-1);
}

/* Rejects the value @s (@n bytes) of key @k: "key=value: reason"; returns -1. */
static int __attribute__((format(printf, 5, 6)))
trace_bad(struct trace_parse *p, enum trace_key k, const char *s, size_t n, const char *fmt, ...)
{
	va_list ap;
	int used;

	used = snprintf(p->why, sizeof(p->why), "%s=%.*s: ", trace_keys[k].name, qlen(n), s);
	va_start(ap, fmt);
	vsnprintf(p->why + used, sizeof(p->why) - (size_t)used, fmt, ap);
	va_end(ap);
	return (-1);
}

/* Byte classes: a blank, and the bytes that end a token (NUL, blank) or a key ('=' too). */
#define TC_BLANK 0x1
#define TC_ENDT  0x2
#define TC_ENDK  0x4

static const uint8_t trace_class[256] = {
	['\0'] = TC_ENDT | TC_ENDK,
	[' '] = TC_BLANK | TC_ENDT | TC_ENDK,
	['\t'] = TC_BLANK | TC_ENDT | TC_ENDK,
	['='] = TC_ENDK,
};

static bool
trace_is(char c, uint8_t cls)
{
	return ((trace_class[(unsigned char)c] & cls) != 0);
}

static const char *
trace_skip_blanks(const char *s)
{
	while (trace_is(*s, TC_BLANK))
		s++;
	return (s);
}

/* Bytes up to the next NUL or blank. */
static size_t
trace_token_len(const char *s)
{
	size_t n = 0;

	while (!trace_is(s[n], TC_ENDT))
		n++;
	return (n);
}

/* Is @s (@n > 0 bytes, no NUL) the word @name?  A NUL in @name mismatches @s. */
static bool
trace_token_is(const char *s, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] != name[i])
			return (false);
	return (name[n] == '\0');
}

/*
 * Name lookup for ops and keys: an open-addressed table of TRACE_DICT_SLOTS
 * slots, hashed on a name's length and its first, middle and last bytes,
 * built from trace_ops[] / trace_keys[] on first use.  A slot holds the
 * index + 1 (0 is empty); a hit is confirmed by trace_token_is(), so a
 * collision costs a probe, never a wrong answer.
 */
#define TRACE_DICT_SLOTS 128

struct trace_dict {
	bool built;
	uint8_t slot[TRACE_DICT_SLOTS];
};

static unsigned
trace_dict_hash(const char *s, size_t n)
{
	return ((unsigned)(n * 37 + (unsigned char)s[0] * 11 + (unsigned char)s[n / 2] * 5 +
	                   (unsigned char)s[n - 1]) %
	        TRACE_DICT_SLOTS);
}

static void
trace_dict_build(struct trace_dict *d, const char *(*name)(int), int count)
{
	unsigned h;
	int i;

	for (i = 0; i < count; i++) {
		h = trace_dict_hash(name(i), strlen(name(i)));
		while (d->slot[h] != 0)
			h = (h + 1) % TRACE_DICT_SLOTS;
		d->slot[h] = (uint8_t)(i + 1);
	}
	d->built = true;
}

/* The index of the name @s (@n > 0 bytes) among @count names, or -1. */
static int
trace_dict_find(struct trace_dict *d, const char *(*name)(int), int count, const char *s, size_t n)
{
	unsigned h;

	if (!d->built)
		trace_dict_build(d, name, count);
	for (h = trace_dict_hash(s, n); d->slot[h] != 0; h = (h + 1) % TRACE_DICT_SLOTS)
		if (trace_token_is(s, n, name(d->slot[h] - 1)))
			return (d->slot[h] - 1);
	return (-1);
}

static const char *
trace_dict_op(int i)
{
	return (trace_ops[i].name);
}

static const char *
trace_dict_key(int i)
{
	return (trace_keys[i].name);
}

_Static_assert(TRACE_OP_COUNT < TRACE_DICT_SLOTS / 2, "op dictionary too full");
_Static_assert(K_COUNT < TRACE_DICT_SLOTS / 2, "key dictionary too full");

/* Value parsers: store the value of key @k spelled @s (@n > 0 bytes) in p->v[k]. */

/*
 * One pass, with the messages in the order of precedence: no prefix, then
 * any byte that is not a hex digit (even after an overflow), then overflow.
 */
static int
trace_parse_hex(struct trace_parse *p, enum trace_key k, const char *s, size_t n)
{
	uint64_t v = 0;
	bool over = false;
	size_t i;
	unsigned d1;

	if (n < 2 || s[0] != '0' || s[1] != 'x')
		return (trace_bad(p, k, s, n, "missing 0x prefix"));
	if (n == 2)
		return (trace_bad(p, k, s, n, "bad hex number"));
	for (i = 2; i < n; i++) {
		d1 = trace_hexval1[(unsigned char)s[i]];
		if (d1 == 0)
			return (trace_bad(p, k, s, n, "bad hex number"));
		over |= v > UINT64_MAX >> 4;
		v = v << 4 | (uint64_t)(d1 - 1);
	}
	if (over)
		return (trace_bad(p, k, s, n, "hex overflow (more than 64 bits)"));
	p->v[k] = v;
	return (0);
}

/* One pass: any byte that is not a digit takes precedence over overflow. */
static int
trace_parse_dec(struct trace_parse *p, enum trace_key k, const char *s, size_t n)
{
	uint64_t v = 0, d, limit = trace_keys[k].limit;
	bool over = false;
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return (trace_bad(p, k, s, n, "bad decimal number"));
		d = (uint64_t)(s[i] - '0');
		if (!over && v > (limit - d) / 10)
			over = true;
		v = v * 10 + d;
	}
	if (over)
		return (trace_bad(p, k, s, n, "decimal overflow (max %" PRIu64 ")", limit));
	p->v[k] = v;
	return (0);
}

/* prot: the letters of trace_prot_letters[] or '-', in that order. */
static int
trace_parse_prot(struct trace_parse *p, enum trace_key k, const char *s, size_t n)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; n == 3 && i < 3; i++) {
		if (s[i] == trace_prot_letters[i])
			v |= trace_prot_bits[i];
		else if (s[i] != '-')
			break;
	}
	if (n != 3 || i < 3)
		return (trace_bad(p, k, s, n, "bad prot (expected [r-][w-][x-], e.g. r-x)"));
	p->v[k] = v;
	return (0);
}

/* "a, b or c" from a names table. */
static void
trace_name_list(const struct trace_name *names, char *buf, size_t len)
{
	struct trace_out o = { buf, len, 0 };
	size_t i;

	buf[0] = '\0';
	for (i = 0; names[i].name != NULL; i++) {
		if (i > 0)
			trace_out(&o, "%s", names[i + 1].name == NULL ? " or " : ", ");
		trace_out(&o, "%s", names[i].name);
	}
}

static int
trace_parse_name(struct trace_parse *p, enum trace_key k, const char *s, size_t n)
{
	const struct trace_name *nm;
	char list[128];

	for (nm = trace_keys[k].names; nm->name != NULL; nm++) {
		if (trace_token_is(s, n, nm->name)) {
			p->v[k] = nm->val;
			return (0);
		}
	}
	trace_name_list(trace_keys[k].names, list, sizeof(list));
	return (trace_bad(p, k, s, n, "expected %s", list));
}

typedef int trace_vparse_fn(struct trace_parse *, enum trace_key, const char *, size_t);

static trace_vparse_fn *const trace_vparse[] = {
	[TV_HEX] = trace_parse_hex,
	[TV_DEC] = trace_parse_dec,
	[TV_PROT] = trace_parse_prot,
	[TV_NAME] = trace_parse_name,
};

static int
trace_key_lookup(const char *s, size_t n)
{
	static struct trace_dict keys;

	return (trace_dict_find(&keys, trace_dict_key, K_COUNT, s, n));
}

static int
trace_parse_value(struct trace_parse *p, enum trace_key k, const char *s, size_t n)
{
	const struct trace_key_desc *kd = &trace_keys[k];

	if (trace_vparse[kd->type](p, k, s, n) != 0)
		return (-1);
	if (p->v[k] < kd->min)
		return (trace_bad(p, k, s, n, "must be >= %" PRIu64, kd->min));
	if (p->v[k] > kd->max)
		return (trace_bad(p, k, s, n, "must be < %" PRIu64, kd->max + 1));
	return (0);
}

/* One key=value token at @s: the key, up to the first '=', then the value; *@np = its bytes. */
static int
trace_parse_token(struct trace_parse *p, const char *s, size_t *np)
{
	const char *eq;
	size_t klen = 0, n;
	int k;

	while (!trace_is(s[klen], TC_ENDK))
		klen++;
	eq = s + klen;
	n = *eq == '=' ? klen + 1 + trace_token_len(eq + 1) : klen;
	*np = n;
	if (*eq != '=' || eq == s)
		return (trace_why(p, "expected key=value, got \"%.*s\"", qlen(n), s));
	k = trace_key_lookup(s, klen);
	if (k < 0)
		return (trace_why(p, "unknown key \"%.*s\"", qlen(klen), s));
	if (!((p->od->required | p->od->cond) & KB(k)))
		return (
		    trace_why(p, "key \"%s\" not allowed for %s", trace_keys[k].name, p->od->name));
	if (p->seen & KB(k))
		return (trace_why(p, "duplicate key \"%s\"", trace_keys[k].name));
	p->seen |= KB(k);
	if (klen + 1 == n)
		return (trace_why(p, "empty value for key \"%s\"", trace_keys[k].name));
	return (trace_parse_value(p, (enum trace_key)k, eq + 1, n - klen - 1));
}

static int
trace_parse_op(struct trace_parse *p, const char *s, size_t n)
{
	static struct trace_dict ops;
	int op = trace_dict_find(&ops, trace_dict_op, TRACE_OP_COUNT, s, n);

	if (op < 0)
		return (trace_why(p, "unknown op \"%.*s\"", qlen(n), s));
	p->op = (enum trace_op)op;
	p->od = &trace_ops[op];
	return (0);
}

/* Splits @line into the op and its key=value tokens, up to a " # comment". */
static int
trace_parse_tokens(struct trace_parse *p, const char *line)
{
	const char *s = trace_skip_blanks(line);
	size_t n;

	if (strnlen(line, TRACE_LINE_MAX + 1) > TRACE_LINE_MAX)
		return (trace_why(p, "line too long (more than %d bytes)", TRACE_LINE_MAX));
	if (*s == '\0' || *s == '#')
		return (trace_why(p, "no event (blank or comment line)"));
	n = trace_token_len(s);
	if (trace_parse_op(p, s, n) != 0)
		return (-1);
	for (s = trace_skip_blanks(s + n); *s != '\0' && *s != '#'; s = trace_skip_blanks(s + n)) {
		if (trace_parse_token(p, s, &n) != 0)
			return (-1);
	}
	return (0);
}

/* Checks across keys, run in this order once every token parsed. */

static int
trace_check_missing(struct trace_parse *p)
{
	uint32_t missing = p->od->required & ~p->seen;
	int k;

	if (missing == 0)
		return (0);
	for (k = 0; k < K_COUNT; k++)
		if (missing & KB(k))
			return (trace_why(p, "missing key \"%s\" for %s", trace_keys[k].name,
			                  p->od->name));
	return (0);
}

/* Key @k of cond @c: required when the selector has the cond's value, else forbidden. */
static int
trace_check_cond_key(struct trace_parse *p, const struct trace_cond *c, enum trace_key k)
{
	bool want = p->v[c->sel] == c->val, have = (p->seen & KB(k)) != 0;
	const char *sel = trace_keys[c->sel].name, *val = trace_name_of(c->sel, p->v[c->sel]);

	if (want && !have)
		return (trace_why(p, "missing key \"%s\" for %s with %s=%s", trace_keys[k].name,
		                  p->od->name, sel, val));
	if (!want && have)
		return (trace_why(p, "key \"%s\" not allowed for %s with %s=%s", trace_keys[k].name,
		                  p->od->name, sel, val));
	return (0);
}

static int
trace_check_cond(struct trace_parse *p)
{
	size_t i;
	int k;

	for (i = 0; i < trace_nconds; i++) {
		if (trace_conds[i].op != p->op)
			continue;
		for (k = 0; k < K_COUNT; k++)
			if ((trace_conds[i].keys & KB(k)) &&
			    trace_check_cond_key(p, &trace_conds[i], (enum trace_key)k) != 0)
				return (-1);
	}
	return (0);
}

static int
trace_check_align(struct trace_parse *p)
{
	uint32_t keys = p->od->aligned & p->seen;
	int k;

	if (keys == 0)
		return (0);
	for (k = 0; k < K_COUNT; k++)
		if ((keys & KB(k)) && (p->v[k] & TRACE_PAGE_MASK) != 0)
			return (trace_why(p, "%s=0x%" PRIx64 ": not page-aligned (%lu)",
			                  trace_keys[k].name, p->v[k], PMAP_PAGE_SIZE));
	return (0);
}

/* [va, va+len) must fit below 2^48; a fault's va likewise. */
static int
trace_check_range(struct trace_parse *p)
{
	uint64_t va = p->v[K_VA], len = p->v[K_LEN], end = va + len;

	if (!(p->seen & KB(K_VA)))
		return (0);
	if (!(p->seen & KB(K_LEN))) {
		if (va >= TRACE_VA_LIMIT)
			return (trace_why(p, "va=0x%" PRIx64 ": beyond 2^48 (0x%llx)", va,
			                  TRACE_VA_LIMIT));
		return (0);
	}
	if (end < va)
		return (trace_why(
		    p, "va+len overflows 64 bits (va=0x%" PRIx64 " len=0x%" PRIx64 ")", va, len));
	if (end > TRACE_VA_LIMIT)
		return (trace_why(p, "va+len=0x%" PRIx64 ": beyond 2^48 (0x%llx)", end,
		                  TRACE_VA_LIMIT));
	return (0);
}

static int
trace_check_child(struct trace_parse *p)
{
	if ((p->seen & KB(K_CHILD)) && p->v[K_CHILD] == p->v[K_VM])
		return (trace_why(p, "child=%" PRIu64 ": same as vm", p->v[K_CHILD]));
	return (0);
}

static int
trace_check_prot(struct trace_parse *p)
{
	if ((p->seen & KB(K_PROT)) && p->v[K_PROT] == VM_PROT_NONE && !p->od->prot_none)
		return (trace_why(p, "prot=---: allowed only for mprotect"));
	return (0);
}

static int (*const trace_checks[])(struct trace_parse *) = {
	trace_check_missing, trace_check_cond,  trace_check_align,
	trace_check_range,   trace_check_child, trace_check_prot,
};

static int
trace_run_checks(struct trace_parse *p)
{
	size_t i;

	for (i = 0; i < sizeof(trace_checks) / sizeof(trace_checks[0]); i++)
		if (trace_checks[i](p) != 0)
			return (-1);
	return (0);
}

/* v[] to the event; keys a line does not have are 0 in v[] and in the event. */
static void
trace_assemble(const uint64_t *v, struct trace_event *ev)
{
	ev->vm = (uint32_t)v[K_VM];
	ev->child = (uint32_t)v[K_CHILD];
	ev->kind = (enum trace_vm_kind)v[K_KIND];
	ev->owner = (uint32_t)v[K_OWNER];
	ev->tid = (uint32_t)v[K_TID];
	ev->cpu = (uint32_t)v[K_CPU];
	ev->va = v[K_VA];
	ev->len = v[K_LEN];
	ev->prot = (vm_prot_t)(v[K_PROT] | v[K_ACCESS]); /* a line has one of the two */
	ev->user = v[K_MODE] != 0;
	ev->shared = v[K_SHARE] != 0;
	ev->backing = (enum trace_backing)v[K_BACKING];
	ev->file = v[K_FILE];
	ev->offset = v[K_OFFSET];
	ev->hpa = v[K_HPA];
	ev->memattr = (enum pmap_memattr)v[K_MA];
	ev->advice = (enum trace_advice)v[K_ADVICE];
	ev->pages = v[K_PAGES];
}

/*
 * Parse @line (one event, no newline) as line @lineno of @path.  On
 * success @ev is the event, every field the op has no key for zero, and
 * ev->line = @lineno; returns 0.  Otherwise fills @err with
 * "PATH:LINENO: reason" and returns -1.  Blank and comment lines are
 * errors here: the reader skips them before calling this.  A canonical
 * line takes trace_parse_fast(); any other, and any error, the general
 * parser, which gives the same event for the lines both accept.
 */
int
trace_parse_line(const char *line, uint64_t lineno, const char *path, struct trace_event *ev,
                 char err[TRACE_ERR_MAX])
{
	char padded[TRACE_LINE_MAX + 1 + TRACE_PARSE_PAD];
	size_t n = strnlen(line, TRACE_LINE_MAX + 1);

	if (n <= TRACE_LINE_MAX) {
		memcpy(padded, line, n);
		memset(padded + n, 0, 1 + TRACE_PARSE_PAD);
		if (trace_parse_fast(padded, n, ev) == 0) {
			ev->line = lineno;
			return (0);
		}
	}
	return (trace_parse_general(line, lineno, path, ev, err));
}

/* trace_parse_line() without the fast path: every spelling, every message. */
int
trace_parse_general(const char *line, uint64_t lineno, const char *path, struct trace_event *ev,
                    char err[TRACE_ERR_MAX])
{
	struct trace_parse p;

	memset(ev, 0, sizeof(*ev));
	memset(&p, 0, offsetof(struct trace_parse, why)); /* why is written before it is read */
	p.why[0] = '\0';
	if (trace_parse_tokens(&p, line) != 0 || trace_run_checks(&p) != 0) {
		snprintf(err, TRACE_ERR_MAX, "%s:%" PRIu64 ": %s", path, lineno, p.why);
		return (-1);
	}
	ev->op = p.op;
	trace_assemble(p.v, ev);
	ev->line = lineno;
	return (0);
}
