/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * eptsim_hw_var.h - the insides of `eptsim hw-run`, shared by its files.
 */
#ifndef EPTSIM_TOOLS_EPTSIM_HW_VAR_H
#define EPTSIM_TOOLS_EPTSIM_HW_VAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tools/eptsim_hw.h"

enum hwx_emulator {
	HWX_EMU_NONE, /* predict only */
	HWX_EMU_BOCHS,
	HWX_EMU_QEMU,
};

struct hwx_run {
	const char *trace;
	enum hwx_emulator emu;
	const char *cpu; /* haswell | sandybridge (Bochs) */
	unsigned cpus;   /* 1, or 2: the EPT guest on the second CPU */
	unsigned timeout;
	bool keep_going;
	bool json;
	/* For the divergence report: the list, replayed on the host up to each divergent op. */
	const void *list;
	size_t len;
	uint32_t hflags; /* hwh_run() flags of the prediction */
	uint32_t vm;     /* the vmspace compiled */
};

/* Record lines of a run: pointers into its text. */
struct hwx_lines {
	char **v;
	size_t n, cap;
	char *end; /* the END line, NULL when missing */
};

/* eptsim_hw_cmp.c */
void hwx_records(char *text, struct hwx_lines *out);
uint64_t hwx_compare(const struct hwx_run *x, const struct hwx_lines *got,
                     const struct hwx_lines *want);
const char *hwx_field(const char *rec, const char *key, char *buf, size_t len);
const char *hwx_first_diff(const char *got, const char *want);

/* eptsim_hw_report.c: report the divergent records @idx[@n] (ascending), numbered from 1. */
void hwx_report(const struct hwx_run *x, const struct hwx_lines *got, const struct hwx_lines *want,
                const size_t *idx, size_t n);

/* eptsim_hw_emu.c */
/* Write the op list to @path; -1 with a message on stderr when it cannot. */
int hwx_save(const char *path, const void *list, size_t len);
/*
 * Build the disk image with the op list @list (@len bytes) and boot it
 * under x->emu; the guest's output in *@out (malloc'd).  Returns 0, or -1
 * with @err saying why (a missing piece, an emulator that would not run).
 */
int hwx_boot(const struct hwx_run *x, const void *list, size_t len, char **out, double *seconds,
             char *err, size_t errlen);

#endif /* EPTSIM_TOOLS_EPTSIM_HW_VAR_H */
