/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * sim_describe.c - mappings and pmaps in words.
 */
#include <stdio.h>

#include "sim/sim_describe.h"

const char *
sim_memattr_name(enum pmap_memattr ma)
{
	static const char *const names[PMAP_MA_COUNT] = {
		[PMAP_MA_UC] = "UC", [PMAP_MA_WC] = "WC", [PMAP_MA_WT] = "WT",
		[PMAP_MA_WP] = "WP", [PMAP_MA_WB] = "WB", [PMAP_MA_UC_MINUS] = "UC-",
	};

	if ((unsigned)ma >= PMAP_MA_COUNT || names[ma] == NULL)
		return "??";
	return names[ma];
}

const char *
sim_describe_mapping(const struct pmap_mapping *m, char *buf, size_t len)
{
	static const char *const sizes[] = { "4K", "2M", "1G", "512G" };

	snprintf(buf, len, "%c%c%c %s %s%s%s%s%s%s%s", (m->prot & VM_PROT_READ) ? 'r' : '-',
	         (m->prot & VM_PROT_WRITE) ? 'w' : '-', (m->prot & VM_PROT_EXECUTE) ? 'x' : '-',
	         sim_memattr_name(m->memattr), sizes[m->level & 3], m->accessed ? " A" : "",
	         m->modified ? " D" : "", m->wired ? " wired" : "", m->managed ? " managed" : "",
	         m->device ? " device" : "", m->user ? " user" : "");
	return buf;
}

const char *
sim_describe_pmap(const struct pmap *pm, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s%s", pm->pm_type == PMAP_TYPE_EPT ? "ept" : "x86",
	         (pm->pm_flags & PMAP_EMULATE_AD_BITS) ? "/emulated-ad" : "",
	         (pm->pm_flags & PMAP_SUPPORTS_EXEC_ONLY) ? ",exec-only" : "",
	         (pm->pm_flags & PMAP_PDE_SUPERPAGE) ? ",superpages" : "");
	return buf;
}
