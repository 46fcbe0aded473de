/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * eptsim_hw.h - `eptsim hw-run`: a trace compiled into an op list
 * (hw/include/hwops.h), run by the runner on the host model and by the
 * bare-metal kernel in an emulator, the records compared.
 */
#ifndef EPTSIM_TOOLS_EPTSIM_HW_H
#define EPTSIM_TOOLS_EPTSIM_HW_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/host/hwh.h"
#include "sim/trace.h"

/* What the compiler could not express, counted (printed by hw-run). */
enum hwc_drop {
	HWC_DROP_OTHER_VM,   /* events of other vmspaces */
	HWC_DROP_SCHED,      /* sched: one CPU runs every access */
	HWC_DROP_PAGEOUT,    /* pageout: the page daemon is not modelled */
	HWC_DROP_FORK,       /* fork of the vmspace: its copy-on-write downgrade */
	HWC_DROP_UNWIRE,     /* unwire: wiring is not modelled */
	HWC_NOTE_FILE,       /* file mappings compiled as anonymous memory */
	HWC_NOTE_WIRE,       /* wire compiled as a read of each page (not wired) */
	HWC_NOTE_FORK_CHILD, /* the vmspace born by fork: the parent's regions, empty */
	HWC_DROP_COUNT,
};

struct hwc_result {
	uint32_t vm;                     /* the vmspace compiled */
	uint64_t events;                 /* its events */
	uint64_t counts[HWC_DROP_COUNT]; /* indexed by enum hwc_drop */
	uint64_t windows;                /* 2 MiB windows relocated */
};

extern const char *const hwc_drop_names[HWC_DROP_COUNT];

/*
 * Compile the events of vmspace @vm (0: the first one created) of the
 * trace @path into @l (made with hwh_list_init of the wanted mode; END
 * appended by the caller), relocating addresses by 2 MiB windows when
 * @relocate (eptsim_hw_ops.c).  Returns 0, or -1 with @err "FILE:LINE:
 * reason" (a trace error, an address the mode cannot hold, the reserved
 * region).
 */
int hwc_compile(const char *path, uint32_t vm, bool relocate, struct hwh_list *l,
                struct hwc_result *res, char err[TRACE_ERR_MAX]);

/* `eptsim hw-run ...` (eptsim_hw.c): exit status. */
int cmd_hw_run(int argc, char **argv);

#endif /* EPTSIM_TOOLS_EPTSIM_HW_H */
