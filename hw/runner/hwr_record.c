/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * hwr_record.c - record lines (hw/DESIGN.md, "Records"), with the
 * runner's own number formatting (no libc), and the A/D read-back from
 * the pmap's raw tables.
 */
#include "hw/runner/hwr_var.h"

#define HWR_FRAME 0x000ffffffffff000ul

char *
hwr_fmt_hex(char *p, uint64_t v)
{
	int shift = 60;

	*p++ = '0';
	*p++ = 'x';
	while (shift > 0 && ((v >> shift) & 0xf) == 0)
		shift -= 4;
	for (; shift >= 0; shift -= 4)
		*p++ = "0123456789abcdef"[(v >> shift) & 0xf];
	*p = '\0';
	return p;
}

char *
hwr_fmt_dec(char *p, uint64_t v)
{
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	while (n > 0)
		*p++ = tmp[--n];
	*p = '\0';
	return p;
}

static char *
hwr_fmt_str(char *p, const char *s)
{
	while (*s != '\0')
		*p++ = *s++;
	*p = '\0';
	return p;
}

/*
 * The A and D bits of each level's entry on @va's path, PML4E first, two
 * characters a level: "A"/"-" then "D"/"-" (the pmap's own A and M bits:
 * for emulated A/D those are EPT R and W); ".." for a level the walk did
 * not reach (an invalid entry above it, or below a leaf), and for every
 * address of the reserved region (whose mappings are the backend's own).
 */
static void
hwr_read_ad(struct pmap *pm, uint64_t va, char out[9])
{
	pmap_pte_t a = pm->pmap_bits[PMAP_BIT_A], d = pm->pmap_bits[PMAP_BIT_M];
	pmap_pte_t ps = pm->pmap_bits[PMAP_BIT_PS], e;
	uint64_t table = pm->pm_root_hpa;
	int level, i;

	for (i = 0; i < 8; i++)
		out[i] = '.';
	out[8] = '\0';
	if (va < HWOPS_RESERVED_END)
		return;
	for (level = PMAP_NLEVELS - 1; level >= 0; level--) {
		e = ((pmap_pte_t *)pmap_plat_phys_to_virt(table))[(va >> (12 + 9 * level)) & 511];
		if ((e & pm->pm_valid_mask) == 0)
			return;
		out[2 * (3 - level)] = (e & a) ? 'A' : '-';
		out[2 * (3 - level) + 1] = (e & d) ? 'D' : '-';
		if (level == 0 || (e & ps) != 0)
			return;
		table = e & HWR_FRAME;
	}
}

static const char *const hwr_out_names[] = {
	[HWR_OUT_OK] = "ok",
	[HWR_OUT_SEGV] = "segv",
	[HWR_OUT_MISCONFIG] = "misconfig",
};

/* "R <op#> <kind> line=<n> fault=<n> out=<..> code=<hex> addr=<hex> val=<hex> ad=<8>" */
void
hwr_record_emit(struct hwr_state *st, const struct hwr_record *rec)
{
	char buf[HWR_RECORD_MAX], ad[9], *p = buf;

	hwr_read_ad(&st->pm, rec->ad_va, ad);
	p = hwr_fmt_str(p, "R ");
	p = hwr_fmt_dec(p, rec->opno);
	p = hwr_fmt_str(p, " ");
	p = hwr_fmt_str(p, rec->kind);
	p = hwr_fmt_str(p, " line=");
	p = hwr_fmt_dec(p, rec->line);
	p = hwr_fmt_str(p, " fault=");
	p = hwr_fmt_dec(p, rec->faults);
	p = hwr_fmt_str(p, " out=");
	p = hwr_fmt_str(p, hwr_out_names[rec->out]);
	p = hwr_fmt_str(p, " code=");
	p = hwr_fmt_hex(p, rec->code);
	p = hwr_fmt_str(p, " addr=");
	p = hwr_fmt_hex(p, rec->addr);
	p = hwr_fmt_str(p, " val=");
	p = hwr_fmt_hex(p, rec->val);
	p = hwr_fmt_str(p, " ad=");
	(void)hwr_fmt_str(p, ad);
	hwr_emit(buf);
}

/* "END <ops done> <status>" */
void
hwr_emit_end(uint64_t ops, int status)
{
	char buf[64], *p = buf;

	p = hwr_fmt_str(p, "END ");
	p = hwr_fmt_dec(p, ops);
	p = hwr_fmt_str(p, " ");
	(void)hwr_fmt_dec(p, (uint64_t)status);
	hwr_emit(buf);
}
