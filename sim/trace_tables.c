/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * trace_tables.c - the tables of the trace event format (traces/FORMAT.md,
 * "Event lines"): each key's spelling and range, each op's keys, the keys
 * one key's value brings in, and the names of values.  trace_var.h says
 * how trace_parse.c and trace_format.c use them.
 */
#include "sim/trace_var.h"

#define TRACE_NCPU 64

static const struct trace_name trace_kind_names[] = {
	{ "process", TRACE_VM_PROCESS },
	{ "guest", TRACE_VM_GUEST },
	{ NULL, 0 },
};

static const struct trace_name trace_access_names[] = {
	{ "r", VM_PROT_READ },
	{ "w", VM_PROT_WRITE },
	{ "x", VM_PROT_EXECUTE },
	{ NULL, 0 },
};

static const struct trace_name trace_mode_names[] = {
	{ "user", 1 },
	{ "kernel", 0 },
	{ NULL, 0 },
};

static const struct trace_name trace_share_names[] = {
	{ "private", 0 },
	{ "shared", 1 },
	{ NULL, 0 },
};

static const struct trace_name trace_backing_names[] = {
	{ "anon", TRACE_BACKING_ANON },
	{ "file", TRACE_BACKING_FILE },
	{ "device", TRACE_BACKING_DEVICE },
	{ NULL, 0 },
};

static const struct trace_name trace_ma_names[] = {
	{ "UC", PMAP_MA_UC }, { "WC", PMAP_MA_WC }, { "WT", PMAP_MA_WT },
	{ "WP", PMAP_MA_WP }, { "WB", PMAP_MA_WB }, { "UC-", PMAP_MA_UC_MINUS },
	{ NULL, 0 },
};

static const struct trace_name trace_advice_names[] = {
	{ "dontneed", TRACE_ADVICE_DONTNEED },
	{ NULL, 0 },
};

/* The key's name, how its value is spelled, the field's limit, the accepted range, names. */
const struct trace_key_desc trace_keys[K_COUNT] = {
	[K_VM] = { "vm", TV_DEC, UINT32_MAX, 1, UINT32_MAX, NULL },
	[K_CHILD] = { "child", TV_DEC, UINT32_MAX, 1, UINT32_MAX, NULL },
	[K_KIND] = { "kind", TV_NAME, 0, 0, UINT64_MAX, trace_kind_names },
	[K_OWNER] = { "owner", TV_DEC, UINT32_MAX, 1, UINT32_MAX, NULL },
	[K_TID] = { "tid", TV_DEC, UINT32_MAX, 1, UINT32_MAX, NULL },
	[K_CPU] = { "cpu", TV_DEC, UINT32_MAX, 0, TRACE_NCPU - 1, NULL },
	[K_VA] = { "va", TV_HEX, UINT64_MAX, 0, UINT64_MAX, NULL },
	[K_LEN] = { "len", TV_HEX, UINT64_MAX, 1, UINT64_MAX, NULL },
	[K_PROT] = { "prot", TV_PROT, 0, 0, UINT64_MAX, NULL },
	[K_ACCESS] = { "access", TV_NAME, 0, 0, UINT64_MAX, trace_access_names },
	[K_MODE] = { "mode", TV_NAME, 0, 0, UINT64_MAX, trace_mode_names },
	[K_SHARE] = { "share", TV_NAME, 0, 0, UINT64_MAX, trace_share_names },
	[K_BACKING] = { "backing", TV_NAME, 0, 0, UINT64_MAX, trace_backing_names },
	[K_FILE] = { "file", TV_DEC, UINT64_MAX, 0, UINT64_MAX, NULL },
	[K_OFFSET] = { "offset", TV_HEX, UINT64_MAX, 0, UINT64_MAX, NULL },
	[K_HPA] = { "hpa", TV_HEX, UINT64_MAX, 0, UINT64_MAX, NULL },
	[K_MA] = { "ma", TV_NAME, 0, 0, UINT64_MAX, trace_ma_names },
	[K_ADVICE] = { "advice", TV_NAME, 0, 0, UINT64_MAX, trace_advice_names },
	[K_PAGES] = { "pages", TV_DEC, UINT64_MAX, 1, UINT64_MAX, NULL },
};

const struct trace_op_desc trace_ops[TRACE_OP_COUNT] = {
	[TRACE_VMSPACE_CREATE] = { "vmspace_create", KB(K_VM) | KB(K_KIND), KB(K_OWNER), 0, false },
	[TRACE_VMSPACE_DESTROY] = { "vmspace_destroy", KB(K_VM), 0, 0, false },
	[TRACE_FORK] = { "fork", KB(K_VM) | KB(K_CHILD), 0, 0, false },
	[TRACE_EXEC] = { "exec", KB(K_VM), 0, 0, false },
	[TRACE_EXIT] = { "exit", KB(K_VM), 0, 0, false },
	[TRACE_MMAP] = { "mmap", VA_LEN | KB(K_PROT) | KB(K_SHARE) | KB(K_BACKING),
	                 KB(K_FILE) | KB(K_OFFSET) | KB(K_HPA) | KB(K_MA),
	                 KB(K_VA) | KB(K_LEN) | KB(K_OFFSET) | KB(K_HPA), false },
	[TRACE_MPROTECT] = { "mprotect", VA_LEN | KB(K_PROT), 0, KB(K_VA) | KB(K_LEN), true },
	[TRACE_MUNMAP] = { "munmap", VA_LEN, 0, KB(K_VA) | KB(K_LEN), false },
	[TRACE_MADVISE] = { "madvise", VA_LEN | KB(K_ADVICE), 0, KB(K_VA) | KB(K_LEN), false },
	[TRACE_WIRE] = { "wire", VA_LEN, 0, KB(K_VA) | KB(K_LEN), false },
	[TRACE_UNWIRE] = { "unwire", VA_LEN, 0, KB(K_VA) | KB(K_LEN), false },
	[TRACE_FAULT] = { "fault",
	                  KB(K_VM) | KB(K_TID) | KB(K_CPU) | KB(K_VA) | KB(K_ACCESS) | KB(K_MODE),
	                  0, 0, false },
	[TRACE_COPYIN] = { "copyin", VA_LEN | KB(K_CPU), 0, 0, false },
	[TRACE_COPYOUT] = { "copyout", VA_LEN | KB(K_CPU), 0, 0, false },
	[TRACE_PAGEOUT] = { "pageout", KB(K_PAGES), 0, 0, false },
	[TRACE_CHECK] = { "check", 0, 0, 0, false },
	[TRACE_SCHED] = { "sched", KB(K_TID) | KB(K_CPU), 0, 0, false },
};

const struct trace_cond trace_conds[] = {
	{ TRACE_VMSPACE_CREATE, K_KIND, TRACE_VM_GUEST, KB(K_OWNER) },
	{ TRACE_MMAP, K_BACKING, TRACE_BACKING_FILE, KB(K_FILE) | KB(K_OFFSET) },
	{ TRACE_MMAP, K_BACKING, TRACE_BACKING_DEVICE, KB(K_HPA) | KB(K_MA) },
};

const size_t trace_nconds = sizeof(trace_conds) / sizeof(trace_conds[0]);

/* prot: position i is the letter "rwx"[i] (that right) or '-' (not). */
const char trace_prot_letters[3] = { 'r', 'w', 'x' };
const vm_prot_t trace_prot_bits[3] = { VM_PROT_READ, VM_PROT_WRITE, VM_PROT_EXECUTE };

/* Hex digit value + 1 by byte; 0 for every byte that is not one of [0-9a-fA-F]. */
const uint8_t trace_hexval1[256] = {
	['0'] = 1,  ['1'] = 2,  ['2'] = 3,  ['3'] = 4,  ['4'] = 5,  ['5'] = 6,
	['6'] = 7,  ['7'] = 8,  ['8'] = 9,  ['9'] = 10, ['a'] = 11, ['b'] = 12,
	['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16, ['A'] = 11, ['B'] = 12,
	['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

/* The name of value @v of key @k, or "?" when it has none. */
const char *
trace_name_of(enum trace_key k, uint64_t v)
{
	const struct trace_name *nm;

	for (nm = trace_keys[k].names; nm->name != NULL; nm++)
		if (nm->val == v)
			return (nm->name);
	return ("?");
}

/* The op's name in a trace ("vmspace_create", ...), or "?" out of range. */
const char *
trace_op_name(enum trace_op op)
{
	if ((unsigned)op >= TRACE_OP_COUNT)
		return ("?");
	return (trace_ops[op].name);
}
