/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * trace_format.c - a struct trace_event to its canonical line
 * (traces/FORMAT.md, "Event lines"): the event is extracted into v[],
 * the array of values by key that trace_parse.c assembles events from,
 * and printed in key order with trace_vformat[].
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

#include "sim/trace_var.h"

/* printf-append to @o, truncating; buf stays terminated.  Nothing once @o is full. */
void
trace_out(struct trace_out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->pos + 1 >= o->len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->pos, o->len - o->pos, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->pos += (size_t)n < o->len - o->pos ? (size_t)n : o->len - o->pos - 1;
}

/* Value formatters: the canonical spelling of @v for key @k. */

static void
trace_format_hex(struct trace_out *o, enum trace_key k, uint64_t v)
{
	trace_out(o, "0x%" PRIx64, v);
}

static void
trace_format_dec(struct trace_out *o, enum trace_key k, uint64_t v)
{
	trace_out(o, "%" PRIu64, v);
}

static void
trace_format_prot(struct trace_out *o, enum trace_key k, uint64_t v)
{
	size_t i;

	for (i = 0; i < 3; i++)
		trace_out(o, "%c", (v & trace_prot_bits[i]) ? trace_prot_letters[i] : '-');
}

static void
trace_format_name(struct trace_out *o, enum trace_key k, uint64_t v)
{
	trace_out(o, "%s", trace_name_of(k, v));
}

typedef void trace_vformat_fn(struct trace_out *, enum trace_key, uint64_t);

static trace_vformat_fn *const trace_vformat[] = {
	[TV_HEX] = trace_format_hex,
	[TV_DEC] = trace_format_dec,
	[TV_PROT] = trace_format_prot,
	[TV_NAME] = trace_format_name,
};

/* The keys a line of @op with values @v has: required plus those its conds bring in. */
static uint32_t
trace_keys_needed(enum trace_op op, const uint64_t *v)
{
	uint32_t keys = trace_ops[op].required;
	size_t i;

	for (i = 0; i < trace_nconds; i++)
		if (trace_conds[i].op == op && v[trace_conds[i].sel] == trace_conds[i].val)
			keys |= trace_conds[i].keys;
	return (keys);
}

/* The event to v[]: the inverse of trace_assemble() (trace_parse.c). */
static void
trace_extract(const struct trace_event *ev, uint64_t *v)
{
	v[K_VM] = ev->vm;
	v[K_CHILD] = ev->child;
	v[K_KIND] = ev->kind;
	v[K_OWNER] = ev->owner;
	v[K_TID] = ev->tid;
	v[K_CPU] = ev->cpu;
	v[K_VA] = ev->va;
	v[K_LEN] = ev->len;
	v[K_PROT] = ev->prot;
	v[K_ACCESS] = ev->prot;
	v[K_MODE] = ev->user;
	v[K_SHARE] = ev->shared;
	v[K_BACKING] = ev->backing;
	v[K_FILE] = ev->file;
	v[K_OFFSET] = ev->offset;
	v[K_HPA] = ev->hpa;
	v[K_MA] = ev->memattr;
	v[K_ADVICE] = ev->advice;
	v[K_PAGES] = ev->pages;
}

/*
 * The canonical line for @ev in @buf (@len bytes, truncated to fit,
 * always terminated when @len > 0): the op, then its keys in the order
 * of traces/FORMAT.md, single spaces, no comment.  A line is at most a
 * few hundred bytes; TRACE_LINE_MAX + 1 always suffices.  An out-of-range
 * value prints as "?", which the parser rejects.  Returns @buf.
 */
const char *
trace_format(const struct trace_event *ev, char *buf, size_t len)
{
	struct trace_out o = { buf, len, 0 };
	uint64_t v[K_COUNT];
	uint32_t keys;
	int k;

	if (len == 0)
		return (buf);
	buf[0] = '\0';
	trace_out(&o, "%s", trace_op_name(ev->op));
	if ((unsigned)ev->op >= TRACE_OP_COUNT)
		return (buf);
	trace_extract(ev, v);
	keys = trace_keys_needed(ev->op, v);
	for (k = 0; k < K_COUNT; k++) {
		if (!(keys & KB(k)))
			continue;
		trace_out(&o, " %s=", trace_keys[k].name);
		trace_vformat[trace_keys[k].type](&o, (enum trace_key)k, v[k]);
	}
	return (buf);
}

bool
trace_event_equal(const struct trace_event *a, const struct trace_event *b)
{
	return a->op == b->op && a->line == b->line && a->vm == b->vm && a->child == b->child &&
	       a->owner == b->owner && a->tid == b->tid && a->cpu == b->cpu && a->va == b->va &&
	       a->len == b->len && a->prot == b->prot && a->user == b->user &&
	       a->shared == b->shared && a->kind == b->kind && a->backing == b->backing &&
	       a->file == b->file && a->offset == b->offset && a->hpa == b->hpa &&
	       a->memattr == b->memattr && a->advice == b->advice && a->pages == b->pages;
}
