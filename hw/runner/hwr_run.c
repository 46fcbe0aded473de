/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * hwr_run.c - the op-list interpreter: check the header, make the pmap of
 * the mode, run each op and emit its record, end with the END line.
 */
#include "hw/runner/hwr_var.h"

static struct hwr_state hwr_st;

static int
hwr_header_ok(const struct hwops_header *h, uint64_t len)
{
	static const char magic[8] = HWOPS_MAGIC;
	int i;

	if (len < sizeof(*h))
		return 0;
	for (i = 0; i < 8; i++)
		if (h->magic[i] != magic[i])
			return 0;
	return h->version == HWOPS_VERSION && h->mode < HWOPS_MODE_COUNT && h->nops >= 1 &&
	       (h->flags & ~(HWOPS_F_SKIP_INVAL | HWOPS_F_GUEST_AP)) == 0 &&
	       ((h->flags & HWOPS_F_GUEST_AP) == 0 || h->mode != HWOPS_MODE_LEGACY) &&
	       h->reserved == 0 && (len - sizeof(*h)) / sizeof(struct hwops_op) >= h->nops;
}

/* pmap_pinit() of the list's mode (both Bochs CPU models allow execute-only EPT). */
static int
hwr_pinit(struct hwr_state *st)
{
	enum pmap_type type = PMAP_TYPE_EPT;
	uint32_t flags = PMAP_SUPPORTS_EXEC_ONLY;

	st->limit = HWOPS_EPT_GPA_LIMIT;
	if (st->h->mode == HWOPS_MODE_LEGACY) {
		type = PMAP_TYPE_X86;
		flags = 0;
		st->limit = HWOPS_LEGACY_VA_LIMIT;
	} else if (st->h->mode == HWOPS_MODE_EPT_EMUL) {
		flags |= PMAP_EMULATE_AD_BITS;
	}
	return pmap_pinit(&st->pm, type, flags, 0) == PMAP_OK ? HWR_OK : HWR_E_PMAP;
}

/* Is [va, va + pages) a page range of the op list's own addresses? */
static int
hwr_range_ok(const struct hwr_state *st, uint64_t va, uint64_t pages)
{
	return (va & (PMAP_PAGE_SIZE - 1)) == 0 && va >= HWOPS_RESERVED_END && va < st->limit &&
	       pages >= 1 && pages <= (st->limit - va) >> PMAP_PAGE_SHIFT;
}

static int
hwr_memattr_ok(uint32_t ma)
{
	uint32_t type = ma & HWOPS_MA_MASK;

	return (ma & ~(HWOPS_MA_MASK | HWOPS_MA_DEVICE)) == 0 && type < PMAP_MA_COUNT &&
	       type != 2 && type != 3;
}

static int
hwr_op_ok(const struct hwr_state *st, const struct hwops_op *op)
{
	switch (op->kind) {
	case HWOPS_MAP:
		/* prot 0: a PROT_NONE region (mprotect ---, then madvise). */
		return hwr_range_ok(st, op->va, op->arg) && op->prot <= VM_PROT_ALL &&
		       hwr_memattr_ok(op->memattr);
	case HWOPS_PROTECT:
		return hwr_range_ok(st, op->va, op->arg) && op->prot <= VM_PROT_ALL;
	case HWOPS_UNMAP:
		return hwr_range_ok(st, op->va, op->arg);
	case HWOPS_ACCESS:
		return (op->va & 7) == 0 && op->va >= HWOPS_RESERVED_END && op->va < st->limit &&
		       (op->access == HWOPS_ACC_READ || op->access == HWOPS_ACC_WRITE ||
		        op->access == HWOPS_ACC_FETCH) &&
		       op->user <= 1;
	case HWOPS_CLEAR_MOD:
	case HWOPS_TS_REF:
		return hwr_range_ok(st, op->va, 1);
	case HWOPS_CHECK:
	case HWOPS_END:
		return 1;
	default:
		return 0;
	}
}

/* CLEAR_MOD and TS_REF: the page mapped at va; val = ts_referenced's count. */
static int
hwr_op_page(struct hwr_state *st, const struct hwops_op *op, struct hwr_record *rec)
{
	struct pmap_mapping m;
	struct pmap_page *pg;

	if (!pmap_lookup(&st->pm, op->va, &m) || (pg = pmap_plat_page_lookup(m.hpa)) == 0)
		return HWR_OK; /* nothing mapped, or device memory: no page-level state */
	if (op->kind == HWOPS_CLEAR_MOD)
		pmap_clear_modify(pg);
	else
		rec->val = (uint64_t)pmap_ts_referenced(pg);
	return HWR_OK;
}

/*
 * CHECK: a PAGE record for every mapped page of every region (val: the
 * leaf's VM_PROT, bit 8 managed, bit 9 wired), then the CHECK record
 * (val: how many pages).
 */
static void
hwr_op_check(struct hwr_state *st, struct hwr_record *rec)
{
	struct hwr_record page = *rec;
	struct pmap_mapping m;
	uint64_t va;
	unsigned i;

	page.kind = "PAGE";
	for (i = 0; i < st->nreg; i++) {
		for (va = st->reg[i].start; va < st->reg[i].end; va += PMAP_PAGE_SIZE) {
			if (!pmap_lookup(&st->pm, va, &m))
				continue;
			page.addr = va;
			page.ad_va = va;
			page.val = m.prot | (m.managed ? 0x100u : 0) | (m.wired ? 0x200u : 0);
			hwr_record_emit(st, &page);
			rec->val++;
		}
	}
}

static int
hwr_op_run(struct hwr_state *st, const struct hwops_op *op, struct hwr_record *rec)
{
	uint64_t eva = op->va + (op->arg << PMAP_PAGE_SHIFT);
	int error;

	switch (op->kind) {
	case HWOPS_MAP:
		/* Like mmap(MAP_FIXED): whatever was mapped there goes. */
		error = pmap_remove(&st->pm, op->va, eva);
		return error != PMAP_OK ? HWR_E_PMAP
		                        : hwr_region_map(st, op->va, eva, op->prot, op->memattr);
	case HWOPS_UNMAP:
		error = pmap_remove(&st->pm, op->va, eva);
		return error != PMAP_OK ? HWR_E_PMAP : hwr_region_unmap(st, op->va, eva);
	case HWOPS_PROTECT:
		error = pmap_protect(&st->pm, op->va, eva, op->prot);
		return error != PMAP_OK ? HWR_E_PMAP
		                        : hwr_region_protect(st, op->va, eva, op->prot);
	case HWOPS_ACCESS:
		return hwr_op_access(st, op, rec);
	case HWOPS_CLEAR_MOD:
	case HWOPS_TS_REF:
		return hwr_op_page(st, op, rec);
	case HWOPS_CHECK:
		hwr_op_check(st, rec);
		return HWR_OK;
	default:
		return HWR_E_OP;
	}
}

/* Run the ops; returns the status and stores how many ran in *@done. */
static int
hwr_run_ops(struct hwr_state *st, const struct hwops_op *ops, uint64_t *done)
{
	struct hwr_record rec;
	uint64_t i;
	int status;

	for (i = 0; i < st->h->nops; i++) {
		const struct hwops_op *op = &ops[i];

		if (!hwr_op_ok(st, op))
			return HWR_E_OP;
		if (op->kind == HWOPS_END)
			return HWR_OK;
		rec = (struct hwr_record){ .opno = i,
			                   .kind = hwops_kind_name(op->kind),
			                   .line = op->line,
			                   .addr = op->va,
			                   .ad_va = op->va };
		status = hwr_op_run(st, op, &rec);
		if (status != HWR_OK)
			return status;
		hwr_record_emit(st, &rec);
		*done = i + 1;
	}
	return HWR_E_NO_END;
}

int
hwr_run(const void *list, uint64_t len)
{
	struct hwr_state *st = &hwr_st;
	uint64_t done = 0;
	int status;

	st->h = list;
	st->nreg = 0;
	hwr_frame_reset(st);
	if (!hwr_header_ok(st->h, len)) {
		hwr_emit_end(0, HWR_E_HEADER);
		return HWR_E_HEADER;
	}
	status = hwr_pinit(st);
	if (status != HWR_OK) {
		hwr_emit_end(0, status);
		return status;
	}
	if (hwr_setup(&st->pm, st->h) != 0)
		status = HWR_E_BACKEND;
	else
		status = hwr_run_ops(st, (const struct hwops_op *)(st->h + 1), &done);
	hwr_teardown(&st->pm);
	pmap_release(&st->pm);
	hwr_emit_end(done, status);
	return status;
}
