/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * hwk_vmcs.h - VMX MSRs, VMCS field encodings (SDM 3D appendix B) and
 * the VMREAD/VMWRITE wrappers.
 */
#ifndef EPTSIM_HWK_VMCS_H
#define EPTSIM_HWK_VMCS_H

#include "hwk.h"

#define MSR_FEATURE_CONTROL 0x03a
#define MSR_VMX_BASIC       0x480
#define MSR_VMX_PIN         0x481
#define MSR_VMX_PROC        0x482
#define MSR_VMX_EXIT        0x483
#define MSR_VMX_ENTRY       0x484
#define MSR_VMX_CR0_FIXED0  0x486
#define MSR_VMX_CR0_FIXED1  0x487
#define MSR_VMX_CR4_FIXED0  0x488
#define MSR_VMX_CR4_FIXED1  0x489
#define MSR_VMX_PROC2       0x48b
#define MSR_VMX_EPT_VPID    0x48c
#define MSR_VMX_TRUE_PIN    0x48d /* the TRUE_* four follow in this order */

/* 16-bit fields */
#define VMCS_VPID           0x0000
#define VMCS_GUEST_ES_SEL   0x0800 /* ES, CS, SS, DS, FS, GS, LDTR, TR: step 2 */
#define VMCS_HOST_ES_SEL    0x0c00 /* ES, CS, SS, DS, FS, GS, TR: step 2 */
/* 64-bit fields */
#define VMCS_EPTP           0x201a
#define VMCS_GUEST_PHYS     0x2400
#define VMCS_LINK_PTR       0x2800
#define VMCS_GUEST_DEBUGCTL 0x2802
/* 32-bit fields */
#define VMCS_PIN_CTL        0x4000
#define VMCS_PROC_CTL       0x4002
#define VMCS_EXC_BITMAP     0x4004
#define VMCS_PF_ERR_MASK    0x4006 /* then PF_ERR_MATCH, CR3_TARGET_COUNT: step 2 */
#define VMCS_EXIT_CTL       0x400c
#define VMCS_EXIT_MSR_ST_N  0x400e /* then EXIT_MSR_LD_N */
#define VMCS_ENTRY_CTL      0x4012
#define VMCS_ENTRY_MSR_LD_N 0x4014 /* then ENTRY_INTR_INFO */
#define VMCS_PROC2_CTL      0x401e
#define VMCS_INSN_ERROR     0x4400
#define VMCS_EXIT_REASON    0x4402
#define VMCS_EXIT_INTR_INFO 0x4404
#define VMCS_GUEST_ES_LIMIT 0x4800 /* ES .. TR, GDTR, IDTR: step 2 */
#define VMCS_GUEST_ES_AR    0x4814 /* ES .. TR: step 2 */
#define VMCS_GUEST_INTR     0x4824
#define VMCS_GUEST_ACTIVITY 0x4826
#define VMCS_GUEST_SE_CS    0x482a
#define VMCS_HOST_SE_CS     0x4c00
#define VMCS_CR0_MASK       0x6000 /* then CR4_MASK, CR0_SHADOW, CR4_SHADOW: step 2 */
/* natural-width fields */
#define VMCS_EXIT_QUAL      0x6400
#define VMCS_GUEST_LINEAR   0x640a
#define VMCS_GUEST_CR0      0x6800
#define VMCS_GUEST_CR3      0x6802
#define VMCS_GUEST_CR4      0x6804
#define VMCS_GUEST_ES_BASE  0x6806 /* ES .. TR, GDTR, IDTR: step 2 */
#define VMCS_GUEST_DR7      0x681a
#define VMCS_GUEST_RSP      0x681c
#define VMCS_GUEST_RIP      0x681e
#define VMCS_GUEST_RFLAGS   0x6820
#define VMCS_GUEST_PEND_DBG 0x6822 /* then GUEST SYSENTER_ESP, SYSENTER_EIP */
#define VMCS_HOST_CR0       0x6c00
#define VMCS_HOST_CR3       0x6c02
#define VMCS_HOST_CR4       0x6c04
#define VMCS_HOST_FS_BASE   0x6c06
#define VMCS_HOST_GS_BASE   0x6c08
#define VMCS_HOST_TR_BASE   0x6c0a
#define VMCS_HOST_GDTR_BASE 0x6c0c
#define VMCS_HOST_IDTR_BASE 0x6c0e
#define VMCS_HOST_SE_ESP    0x6c10 /* then SYSENTER_EIP */
#define VMCS_HOST_RIP       0x6c16

/* Exit reasons (SDM 3D appendix C). */
#define EXIT_EXCEPTION  0
#define EXIT_VMCALL     18
#define EXIT_EPT_VIOL   48
#define EXIT_EPT_MISCFG 49

static inline void
vmwrite(uint64_t field, uint64_t v)
{
	uint8_t bad;

	__asm__ volatile("vmwrite %2, %1; setna %0" : "=q"(bad) : "r"(field), "rm"(v) : "cc");
	if (bad)
		hwk_fatal("vmwrite field=0x%lx value=0x%lx failed", field, v);
}

static inline uint64_t
vmread(uint64_t field)
{
	uint64_t v;

	__asm__ volatile("vmread %1, %0" : "=rm"(v) : "r"(field) : "cc");
	return v;
}

#endif /* EPTSIM_HWK_VMCS_H */
