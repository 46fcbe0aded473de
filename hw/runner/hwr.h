/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * hwr.h - the hardware runner: the one interpreter of op lists
 * (hw/include/hwops.h), compiled into the bare-metal kernel and into the
 * host.  It makes the pmap of the list's mode, keeps the MAP regions (a
 * tiny VM), performs each op through pmap/ and hwr_access(), reads the
 * A/D bits back from the raw tables and emits one record per op through
 * hwr_emit() (format: hw/DESIGN.md, "Records").  Freestanding: no libc.
 */
#ifndef EPTSIM_HW_RUNNER_HWR_H
#define EPTSIM_HW_RUNNER_HWR_H

#include <stdint.h>

/* The status on the END line. */
enum hwr_status {
	HWR_OK = 0,
	HWR_E_HEADER = 1,  /* bad magic, version, mode, size or reserved field */
	HWR_E_OP = 2,      /* an op the runner refuses (kind, alignment, range) */
	HWR_E_PMAP = 3,    /* pmap_pinit or a pmap call failed */
	HWR_E_NOMEM = 4,   /* hwr_frame_alloc failed */
	HWR_E_REGIONS = 5, /* more regions than HWR_MAX_REGIONS */
	HWR_E_LOOP = 6,    /* an access still faulting after HWR_MAX_RETRIES fixes */
	HWR_E_BACKEND = 7, /* hwr_setup or hwr_access could not run */
	HWR_E_NO_END = 8,  /* the list ends without END */
};

#define HWR_MAX_REGIONS 512
#define HWR_MAX_RETRIES 3

/*
 * Run the op list at @list (@len bytes).  Emits a record per op and the
 * END line ("END <ops done> <status>"), even after an error (the ops
 * done say where it stopped).  Returns the status.
 */
int hwr_run(const void *list, uint64_t len);

/* The record formatter's hex: "0x" and lowercase digits, no leading zeros. */
char *hwr_fmt_hex(char *p, uint64_t v);
char *hwr_fmt_dec(char *p, uint64_t v);

#endif /* EPTSIM_HW_RUNNER_HWR_H */
