/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * vfy_describe.c - entries and outcomes in words, for divergence reports.
 * Field names follow the entry-format tables of SDM 3A 4.5 (x86) and SDM
 * 3C 29.3.2 (EPT); a name is printed when its bit is set.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

#include "verify/vfy_walk.h"
#include "verify/vfy_bits.h"

/* Output so far; never runs past the caller's buffer. */
struct dbuf {
	char *p;
	size_t len;
	size_t used;
};

static void dbuf_add(struct dbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Append to @b, clipped at its end (the result stays terminated). */
static void
dbuf_add(struct dbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->used + 1 >= b->len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->p + b->used, b->len - b->used, fmt, ap);
	va_end(ap);
	if (n > 0)
		b->used += (size_t)n;
}

/* Append " @name" when bit @bit of @e is set. */
static void
dbuf_flag(struct dbuf *b, uint64_t e, int bit, const char *name)
{
	if (e & VFY_BIT(bit))
		dbuf_add(b, " %s", name);
}

/* Bits 62:52, free for software in both formats, as one number. */
static void
dbuf_sw(struct dbuf *b, uint64_t e)
{
	unsigned sw = (unsigned)((e >> 52) & 0x7ff);

	if (sw != 0)
		dbuf_add(b, " sw=0x%x", sw);
}

/* A PDPTE or PDE with bit 7 set maps a page; a PTE always does. */
static bool
describe_is_leaf(int level, uint64_t e)
{
	if (level == VFY_LEVEL_PTE)
		return true;
	return (level == VFY_LEVEL_PDE || level == VFY_LEVEL_PDPTE) && (e & VFY_BIT(7));
}

/*
 * "PDE 0x00000000002000a7: P RW US A PS frame=0x200000 XD" (SDM 3A 4.5).
 * Bit 7 is PAT in a PTE, PS elsewhere; bit 12 is PAT in a large leaf,
 * where the frame is bits 51:13.  Returns @buf (@len > 0).
 */
const char *
vfy_describe_x86_entry(int level, uint64_t entry, char *buf, size_t len)
{
	static const char *const low[] = { "P", "RW", "US", "PWT", "PCD", "A", "D" };
	struct dbuf b = { buf, len, 0 };
	bool large = level != VFY_LEVEL_PTE && describe_is_leaf(level, entry);
	int bit;

	if (len == 0)
		return buf;
	buf[0] = '\0';
	dbuf_add(&b, "%s 0x%016" PRIx64 ":", vfy_level_name(level), entry);
	for (bit = 0; bit < 7; bit++)
		dbuf_flag(&b, entry, bit, low[bit]);
	dbuf_flag(&b, entry, 7, level == VFY_LEVEL_PTE ? "PAT" : "PS");
	dbuf_flag(&b, entry, 8, "G");
	dbuf_flag(&b, entry, 9, "avail9");
	dbuf_flag(&b, entry, 10, "avail10");
	dbuf_flag(&b, entry, 11, "avail11");
	if (large)
		dbuf_flag(&b, entry, 12, "PAT");
	dbuf_sw(&b, entry);
	dbuf_add(&b, " frame=0x%" PRIx64, entry & (large ? VFY_BITS(51, 13) : VFY_ADDR_4K));
	dbuf_flag(&b, entry, 63, "XD");
	return buf;
}

/* Names of an EPT memory type (SDM 3C 29.3.7; the PAT encodings of 3A 12.12). */
static void
dbuf_ept_memtype(struct dbuf *b, unsigned mt)
{
	static const char *const names[8] = { "UC", "WC", NULL, NULL, "WT", "WP", "WB", NULL };

	if (names[mt] == NULL)
		dbuf_add(b, " memtype=(reserved %u)", mt);
	else
		dbuf_add(b, " memtype=%s", names[mt]);
}

/*
 * "EPT PDE 0x0000000000200f77: R W X A D PS memtype=WB ipat frame=0x200000"
 * (SDM 3C 29.3.2).  Memory type and ipat are shown for leaves; in a table
 * entry bits 6:3 are reserved and shown as rsvd6:3 when set.  Frame is
 * bits 51:12.  Returns @buf (@len > 0).
 */
const char *
vfy_describe_ept_entry(int level, uint64_t entry, char *buf, size_t len)
{
	struct dbuf b = { buf, len, 0 };
	unsigned mid = (unsigned)(entry >> 3) & 0xf;

	if (len == 0)
		return buf;
	buf[0] = '\0';
	dbuf_add(&b, "EPT %s 0x%016" PRIx64 ":", vfy_level_name(level), entry);
	dbuf_flag(&b, entry, 0, "R");
	dbuf_flag(&b, entry, 1, "W");
	dbuf_flag(&b, entry, 2, "X");
	dbuf_flag(&b, entry, 8, "A");
	dbuf_flag(&b, entry, 9, "D");
	dbuf_flag(&b, entry, 7, "PS");
	if (describe_is_leaf(level, entry)) {
		dbuf_ept_memtype(&b, mid & 7);
		dbuf_flag(&b, entry, 6, "ipat");
	} else if (mid != 0) {
		dbuf_add(&b, " rsvd6:3=0x%x", mid);
	}
	dbuf_flag(&b, entry, 10, "avail10");
	dbuf_flag(&b, entry, 11, "avail11");
	dbuf_sw(&b, entry);
	dbuf_flag(&b, entry, 63, "SVE");
	dbuf_add(&b, " frame=0x%" PRIx64, entry & VFY_ADDR_4K);
	return buf;
}

/* "OK", "NOT_PRESENT", "PROTECTION", "RESERVED", "BAD_MEMORY". */
const char *
vfy_x86_outcome_name(enum vfy_x86_outcome o)
{
	static const char *const names[] = {
		[VFY_X86_OK] = "OK",
		[VFY_X86_NOT_PRESENT] = "NOT_PRESENT",
		[VFY_X86_PROTECTION] = "PROTECTION",
		[VFY_X86_RESERVED] = "RESERVED",
		[VFY_X86_BAD_MEMORY] = "BAD_MEMORY",
	};

	if ((unsigned)o >= sizeof(names) / sizeof(names[0]))
		return "??";
	return names[o];
}

/* "OK", "VIOLATION", "MISCONFIG", "BAD_MEMORY". */
const char *
vfy_ept_outcome_name(enum vfy_ept_outcome o)
{
	static const char *const names[] = {
		[VFY_EPT_OK] = "OK",
		[VFY_EPT_VIOLATION] = "VIOLATION",
		[VFY_EPT_MISCONFIG] = "MISCONFIG",
		[VFY_EPT_BAD_MEMORY] = "BAD_MEMORY",
	};

	if ((unsigned)o >= sizeof(names) / sizeof(names[0]))
		return "??";
	return names[o];
}
