/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * vfy_unicorn_oracle.h - `eptsim replay --oracle=unicorn`: every access
 * the replay makes (each fault event's access, each page of a copyin or
 * copyout) is executed again by Unicorn's x86 CPU (vfy_unicorn.h) against
 * the vmspace's regular (x86) tables, and its outcome is compared with
 * the SDM walker (verify/vfy_x86.c) on the same tables, with what the
 * simulator's MMU did and with the VM's page.
 *
 * One engine per simulated CPU.  Its TLB is kept from one access to the
 * next while the CPU stays in one vmspace, and gets the pmap's INVLPG and
 * full flushes (the seam's pmap_plat_invlpg / _invltlb) when that
 * vmspace's x86 pmap is the one loaded in it; when the CPU's next access
 * is in another vmspace, the engine takes a fresh run, a CR3 write (which
 * flushes the TLB: no PCID, no global pages), as a CPU without PCID does
 * at a switch, and as the seam's contract assumes ("every CPU where @pm
 * is active", pmap_plat.h).  An engine per vmspace and CPU would keep
 * entries across switches, as PCIDs do, but costs an engine (5 ms to
 * open, 3 MiB) for every vmspace; the simulator's own TLB model (tagged
 * by pmap) already keeps entries across switches.
 *
 * The engine is a CPU sharing the tables: the A/D bits it sets are
 * written back to the simulator's memory, so a pmap that skips the
 * invalidation of an entry whose A is clear (no CPU can cache it) is
 * not blamed for the engine's TLB.
 *
 * Rules, in the order they are applied (the first that fails is the
 * divergence, "unicorn oracle: ..."):
 *   - an exception other than #PF, or a #PF with CR2 not the address;
 *   - a #PF where the SDM walker allows the access, after one retry that
 *     follows an INVLPG (a real CPU faults on a TLB entry granting less
 *     than the tables, SDM 3A 4.10.4.3; the handler returns and the
 *     retry walks; counted as spurious when it succeeds);
 *   - a #PF whose error code differs from the walker's on the bits known
 *     (Unicorn does not expose it: W, U/S and I/D always, P and RSVD only
 *     after a fresh run; vfy_uc_ec_matches());
 *   - success where the walker faults, or another frame than the
 *     walker's: the engine's TLB kept what the pmap changed without an
 *     invalidation ("stale TLB");
 *   - Unicorn and the walker agree but the simulator's MMU did otherwise
 *     (its TLB model was stale, or it faulted), except a user read that
 *     EPT refused in pair mode of a page the VM makes execute-only: x86
 *     has no execute-only pages (SDM 3A 4.6), so its tables allow it
 *     (counted as exec_only_reads);
 *   - Unicorn, the walker and the simulator agree but the VM holds
 *     another page there, or does not allow the write (the tables are
 *     wrong, and the reference walker agrees with them: the pmap is);
 *   - the A/D bits: when the engine changed any entry (it walked), each
 *     entry of the path must be what the walker predicts (A at every
 *     level, D on a written leaf; on a fault A above the level that
 *     faulted, as in the permutation test); an engine that changed
 *     nothing may have used its TLB (not compared).
 * The engine's TLB may hold less than the simulator's (a switch
 * flushed it, QEMU's TLB evicts, mapping a new 2 MiB chunk of guest
 * memory flushes it): it then walks where the simulator used its TLB,
 * which the rules above accept as long as the tables agree.
 *
 * An access the simulator could not complete (an invalid entry or a fault
 * loop, which it reported) is not executed again.
 *
 * A copy is executed as one 8-byte load (copyin) or store (copyout) at
 * CPL 0 per page, at the copy's first address in the page (aligned down
 * to 8); a fault event as one load, store or 13-byte fetch at its
 * address (moved back into the page when it would cross it), at CPL 3
 * for a user fault.  The bytes are patterns naming the frame (the
 * simulator's bytes are checked by vfy_check_copy()).
 *
 * EPT tables are not executed (Unicorn cannot run VMX): the Bochs
 * hardware path (hw/) covers them; --oracle=unicorn needs x86 tables
 * (modes pair and convert).
 */
#ifndef EPTSIM_VERIFY_VFY_UNICORN_ORACLE_H
#define EPTSIM_VERIFY_VFY_UNICORN_ORACLE_H

#include <stddef.h>
#include <stdint.h>

#include "sim/sim.h"

struct vfy_uco_stats {
	uint64_t accesses;        /* executed in an engine */
	uint64_t faults;          /* of which ended in a #PF */
	uint64_t spurious;        /* #PF that the retry after INVLPG did not repeat */
	uint64_t walks;           /* accesses where the engine set A/D (it walked) */
	uint64_t switches;        /* fresh runs: a CPU's first access, or another vmspace */
	uint64_t invlpg;          /* INVLPG forwarded to an engine */
	uint64_t invltlb;         /* CR3 writes forwarded */
	uint64_t exec_only_reads; /* refused by EPT, allowed by x86 (see the rules) */
	uint64_t divergences;     /* reported by the oracle */
	unsigned engines;
	double seconds; /* in the oracle's hooks */
};

struct vfy_uco;

/* An oracle with no engine yet (engines open at a CPU's first access). */
struct vfy_uco *vfy_uco_create(void);
void vfy_uco_destroy(struct vfy_uco *o);
/* The hooks to put in sim_config.oracle (valid while @o lives). */
const struct sim_oracle *vfy_uco_hooks(struct vfy_uco *o);
const struct vfy_uco_stats *vfy_uco_stats(const struct vfy_uco *o);

#endif /* EPTSIM_VERIFY_VFY_UNICORN_ORACLE_H */
