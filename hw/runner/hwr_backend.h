/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * hwr_backend.h - what the runner (hw/runner) asks of the machine it runs
 * on.  Implemented twice: by the bare-metal kernel (hw/kernel, real
 * paging and VMX/EPT) and by the host (hw/host, the simulator's reference
 * walkers and TLB model).  Besides these the runner calls only pmap/ and
 * its seam (pmap/pmap_plat.h), which the backend also provides; the
 * backend owns the struct pmap_page of every frame it hands out, so that
 * pmap_plat_page_lookup() finds the data frames pmap_enter() manages.
 */
#ifndef EPTSIM_HW_RUNNER_HWR_BACKEND_H
#define EPTSIM_HW_RUNNER_HWR_BACKEND_H

#include <stdint.h>

#include "hw/include/hwops.h"
#include "pmap/pmap.h"

/* hwr_fault.faulted */
#define HWR_FAULT_NONE      0
#define HWR_FAULT_PF        1 /* legacy #PF, or EPT violation (exit 48) */
#define HWR_FAULT_MISCONFIG 2 /* EPT misconfiguration (exit 49): not retried */

struct hwr_fault {
	int faulted;
	uint64_t code; /* #PF error code (SDM 3A 4.7) or exit qualification (SDM 3C 28.2.1) */
	uint64_t addr; /* CR2, or the guest-physical address of the violation */
};

/*
 * Called once after the runner made @pm (pmap_pinit of @h->mode) and
 * before the first op.  The backend maps what it needs below
 * HWOPS_RESERVED_END (kernel: the EPT guest's page tables and code, the
 * CPL3 stub; wired, entered with VM_PROT_ALL so emulated A/D never
 * faults there) and accesses it once, so that the upper-level entries
 * the reserved region shares with op-list addresses (PML4E 0, PDPTE 0)
 * carry A as they will after any access.  @h->flags & HWOPS_F_SKIP_INVAL
 * is the kernel's to honour in pmap_plat_inv*(); the host ignores it (it
 * predicts what a correct machine does).  Returns 0, or nonzero when the
 * machine cannot run the list (the runner ends with HWR_E_SETUP).
 */
int hwr_setup(struct pmap *pm, const struct hwops_header *h);

/* Undo hwr_setup()'s mappings; called before pmap_release(@pm). */
void hwr_teardown(struct pmap *pm);

/*
 * One 8-byte access (@access: one HWOPS_ACC_* bit) at @va (8-aligned)
 * through @pm, at CPL3 when @user (legacy mode only; EPT guests run at
 * CPL0).  A write stores @wval; a read or fetch stores the 8 bytes in
 * *@rval.  Returns 0 and fills @f: f->faulted 0 when the access
 * completed, else the fault it raised (the access is abandoned and the
 * CPU has dropped @va's translations, as on a fault).  Nonzero when the
 * machine could not even try (a backend error).
 */
int hwr_access(struct pmap *pm, uint64_t va, int access, int user, uint64_t wval, uint64_t *rval,
               struct hwr_fault *f);

/* Print one record line (@line has no newline; the backend adds it). */
void hwr_emit(const char *line);

/* A zeroed data frame: 0 with *@hpa, nonzero when memory is out. */
int hwr_frame_alloc(uint64_t *hpa);

#endif /* EPTSIM_HW_RUNNER_HWR_BACKEND_H */
