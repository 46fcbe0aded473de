/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * eptsim_hw_ops.c - one vmspace of a trace compiled into an op list for
 * the hardware runner (hw/DESIGN.md):
 *
 *   mmap                       MAP (anon; file as anon, counted; device
 *                              with its memory type and HWOPS_MA_DEVICE)
 *   mprotect                   PROTECT
 *   munmap                     UNMAP
 *   madvise dontneed           UNMAP, then MAP again of each region piece
 *   exec                       UNMAP of every region
 *   fault                      ACCESS (user or kernel; EPT modes: kernel)
 *   copyin, copyout            ACCESS of each touched page (kernel)
 *   wire                       ACCESS read of each page (counted: not wired)
 *   check                      CHECK
 *   fork into the vmspace      MAP of the parent's regions (counted)
 *   exit, vmspace_destroy      the end
 *
 * and counted as dropped: sched, pageout, unwire, fork of the vmspace
 * (its copy-on-write downgrade), other vmspaces' events.  Every address
 * must lie in the mode's range and above the runner's reserved region;
 * anything else is an error naming the line.
 *
 * Relocation (hwc_compile's @relocate, for EPT modes, whose guest reaches
 * only 4 GiB): each 2 MiB window of the trace's addresses goes, in order
 * of first use, to the next free 2 MiB window above the reserved region;
 * offsets within a window stay, so 4 KiB page and page-table sharing
 * inside it does too.  Ranges spanning windows become one op per run of
 * consecutive windows.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/eptsim_hw.h"

const char *const hwc_drop_names[HWC_DROP_COUNT] = {
	[HWC_DROP_OTHER_VM] = "events of other vmspaces (dropped)",
	[HWC_DROP_SCHED] = "sched (dropped: one CPU)",
	[HWC_DROP_PAGEOUT] = "pageout (dropped: no page daemon)",
	[HWC_DROP_FORK] = "fork of the vmspace (dropped: no copy-on-write downgrade)",
	[HWC_DROP_UNWIRE] = "unwire (dropped: wiring not modelled)",
	[HWC_NOTE_FILE] = "file mappings compiled as anonymous memory",
	[HWC_NOTE_WIRE] = "wire compiled as a read of each page",
	[HWC_NOTE_FORK_CHILD] = "fork into the vmspace: the parent's regions, no pages",
};

struct hwc_region {
	uint64_t start, end;
	uint8_t prot;
	uint32_t memattr;
};

/* A vmspace's regions, tracked for exec, madvise and fork. */
struct hwc_vm {
	uint32_t id;
	struct hwc_region *reg;
	size_t nreg, cap;
};

struct hwc {
	struct hwh_list *l;
	struct hwc_result *res;
	struct hwc_vm *vms;
	size_t nvms;
	uint64_t limit;
	bool ept;
	bool done;
	bool quiet; /* another vmspace: track its regions, emit and check nothing */
	bool relocate;
	uint64_t *windows; /* trace window of each relocated window, in order */
	size_t nwindows;
	const char *path;
	char *err;
};

static struct hwc_vm *
hwc_vm_find(struct hwc *c, uint32_t id)
{
	size_t i;

	for (i = 0; i < c->nvms; i++)
		if (c->vms[i].id == id)
			return &c->vms[i];
	return NULL;
}

static struct hwc_vm *
hwc_vm_get(struct hwc *c, uint32_t id)
{
	struct hwc_vm *v = hwc_vm_find(c, id), *nv;

	if (v != NULL)
		return v;
	nv = realloc(c->vms, (c->nvms + 1) * sizeof(*nv));
	if (nv == NULL)
		return NULL;
	c->vms = nv;
	v = &c->vms[c->nvms++];
	memset(v, 0, sizeof(*v));
	v->id = id;
	return v;
}

static bool
hwc_region_add(struct hwc_vm *v, uint64_t start, uint64_t end, uint8_t prot, uint32_t memattr)
{
	struct hwc_region *nr;

	if (v->nreg == v->cap) {
		v->cap = v->cap ? 2 * v->cap : 16;
		nr = realloc(v->reg, v->cap * sizeof(*nr));
		if (nr == NULL)
			return false;
		v->reg = nr;
	}
	v->reg[v->nreg++] = (struct hwc_region){ start, end, prot, memattr };
	return true;
}

/* Make @va a region boundary. */
static bool
hwc_region_split(struct hwc_vm *v, uint64_t va)
{
	size_t i;

	for (i = 0; i < v->nreg; i++) {
		struct hwc_region r = v->reg[i];

		if (va > r.start && va < r.end) {
			v->reg[i].end = va;
			return hwc_region_add(v, va, r.end, r.prot, r.memattr);
		}
	}
	return true;
}

/* Split at both ends; then apply @prot (0: remove) to the regions inside. */
static bool
hwc_region_change(struct hwc_vm *v, uint64_t sva, uint64_t eva, bool remove, uint8_t prot)
{
	size_t i = 0;

	if (!hwc_region_split(v, sva) || !hwc_region_split(v, eva))
		return false;
	while (i < v->nreg) {
		bool inside = v->reg[i].start >= sva && v->reg[i].end <= eva;

		if (inside && remove) {
			v->reg[i] = v->reg[--v->nreg];
			continue;
		}
		if (inside)
			v->reg[i].prot = prot;
		i++;
	}
	return true;
}

static int __attribute__((format(printf, 3, 4)))
hwc_fail(struct hwc *c, const struct trace_event *ev, const char *fmt, ...)
{
	char why[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	snprintf(c->err, TRACE_ERR_MAX, "%s:%lu: %s", c->path, ev->line, why);
	return -1;
}

static int
hwc_nomem(struct hwc *c, const struct trace_event *ev)
{
	return hwc_fail(c, ev, "out of memory compiling the op list");
}

/* [va, va + len) must be the op list's own: above the reserved region, below the limit. */
static int
hwc_range(struct hwc *c, const struct trace_event *ev, uint64_t va, uint64_t len)
{
	if (c->quiet || c->relocate)
		return 0; /* relocated addresses are checked as they are made */
	if (va < HWOPS_RESERVED_END)
		return hwc_fail(c, ev,
		                "va=0x%lx: below 0x%lx, the hardware runner's reserved region "
		                "(hw/DESIGN.md)",
		                va, HWOPS_RESERVED_END);
	if (va + len > c->limit)
		return hwc_fail(c, ev, "va+len=0x%lx: beyond 0x%lx, the limit of this hw mode",
		                va + len, c->limit);
	return 0;
}

/* Where @va goes when relocating (a new window when it is the first use). */
static int
hwc_reloc(struct hwc *c, const struct trace_event *ev, uint64_t va, uint64_t *out)
{
	uint64_t win = va & ~(PMAP_PDE_SIZE - 1), *nw;
	size_t i;

	for (i = 0; i < c->nwindows && c->windows[i] != win; i++)
		;
	if (i == c->nwindows) {
		if (HWOPS_RESERVED_END + (i + 1) * PMAP_PDE_SIZE > c->limit)
			return hwc_fail(
			    c, ev, "va=0x%lx: more than %lu distinct 2 MiB windows to relocate", va,
			    (c->limit - HWOPS_RESERVED_END) / PMAP_PDE_SIZE);
		nw = realloc(c->windows, (i + 1) * sizeof(*nw));
		if (nw == NULL)
			return hwc_nomem(c, ev);
		c->windows = nw;
		c->windows[c->nwindows++] = win;
	}
	*out = HWOPS_RESERVED_END + i * PMAP_PDE_SIZE + (va - win);
	return 0;
}

static int
hwc_emit(struct hwc *c, const struct trace_event *ev, const struct hwops_op *op)
{
	struct hwops_op o = *op;

	if (c->quiet)
		return 0;
	o.line = ev->line;
	return hwh_list_add(c->l, &o) ? 0 : hwc_nomem(c, ev);
}

static int
hwc_range_op(struct hwc *c, const struct trace_event *ev, uint8_t kind, uint64_t va, uint64_t len,
             uint8_t prot, uint32_t memattr)
{
	struct hwops_op op = { .kind = kind,
		               .prot = prot,
		               .memattr = memattr,
		               .va = va,
		               .arg = len >> PMAP_PAGE_SHIFT };
	uint64_t s, e, rs = 0, eva = va + len;

	if (!c->relocate || c->quiet)
		return hwc_emit(c, ev, &op);
	op.arg = 0;
	for (s = va; s < eva; s = e) {
		e = (s | (PMAP_PDE_SIZE - 1)) + 1;
		e = e < eva ? e : eva;
		if (hwc_reloc(c, ev, s, &rs) != 0)
			return -1;
		if (op.arg != 0 && rs != op.va + (op.arg << PMAP_PAGE_SHIFT)) {
			if (hwc_emit(c, ev, &op) != 0)
				return -1;
			op.arg = 0;
		}
		if (op.arg == 0)
			op.va = rs;
		op.arg += (e - s) >> PMAP_PAGE_SHIFT;
	}
	return hwc_emit(c, ev, &op);
}

static int
hwc_access(struct hwc *c, const struct trace_event *ev, uint64_t va, vm_prot_t access, bool user)
{
	struct hwops_op op = {
		.kind = HWOPS_ACCESS, .access = access, .user = user && !c->ept, .va = va & ~7ul
	};

	if (hwc_range(c, ev, op.va, 8) != 0)
		return -1;
	if (c->relocate && !c->quiet && hwc_reloc(c, ev, va & ~7ul, &op.va) != 0)
		return -1;
	if (access == VM_PROT_WRITE)
		op.arg = ev->line << 16 | (va & 0xffff); /* a value naming the write */
	return hwc_emit(c, ev, &op);
}

static int
hwc_mmap(struct hwc *c, struct hwc_vm *v, const struct trace_event *ev)
{
	uint32_t ma = PMAP_MA_WB;

	if (hwc_range(c, ev, ev->va, ev->len) != 0)
		return -1;
	if (ev->backing == TRACE_BACKING_FILE)
		c->res->counts[HWC_NOTE_FILE]++;
	if (ev->backing == TRACE_BACKING_DEVICE)
		ma = ev->memattr | HWOPS_MA_DEVICE;
	if (!hwc_region_change(v, ev->va, ev->va + ev->len, true, 0) ||
	    !hwc_region_add(v, ev->va, ev->va + ev->len, ev->prot, ma))
		return hwc_nomem(c, ev);
	return hwc_range_op(c, ev, HWOPS_MAP, ev->va, ev->len, ev->prot, ma);
}

/* madvise dontneed: the pages go, the regions stay. */
static int
hwc_dontneed(struct hwc *c, struct hwc_vm *v, const struct trace_event *ev)
{
	uint64_t eva = ev->va + ev->len;
	size_t i;

	if (hwc_range(c, ev, ev->va, ev->len) != 0 ||
	    hwc_range_op(c, ev, HWOPS_UNMAP, ev->va, ev->len, 0, 0) != 0)
		return -1;
	if (!hwc_region_split(v, ev->va) || !hwc_region_split(v, eva))
		return hwc_nomem(c, ev);
	for (i = 0; i < v->nreg; i++) {
		const struct hwc_region *r = &v->reg[i];

		if (r->start >= ev->va && r->end <= eva &&
		    hwc_range_op(c, ev, HWOPS_MAP, r->start, r->end - r->start, r->prot,
		                 r->memattr) != 0)
			return -1;
	}
	return 0;
}

/* Every region goes (exec). */
static int
hwc_unmap_all(struct hwc *c, struct hwc_vm *v, const struct trace_event *ev)
{
	size_t i;

	for (i = 0; i < v->nreg; i++)
		if (hwc_range_op(c, ev, HWOPS_UNMAP, v->reg[i].start,
		                 v->reg[i].end - v->reg[i].start, 0, 0) != 0)
			return -1;
	v->nreg = 0;
	return 0;
}

/* The vmspace born by fork starts with its parent's regions. */
static int
hwc_fork_child(struct hwc *c, struct hwc_vm *v, const struct trace_event *ev)
{
	struct hwc_vm *parent = hwc_vm_find(c, ev->vm);
	size_t i;

	c->res->counts[HWC_NOTE_FORK_CHILD]++;
	for (i = 0; parent != NULL && i < parent->nreg; i++) {
		const struct hwc_region *r = &parent->reg[i];

		if (!hwc_region_add(v, r->start, r->end, r->prot, r->memattr))
			return hwc_nomem(c, ev);
		if (hwc_range_op(c, ev, HWOPS_MAP, r->start, r->end - r->start, r->prot,
		                 r->memattr) != 0)
			return -1;
	}
	return 0;
}

/* Each page [va, va + len) touches, by the kernel. */
static int
hwc_copy(struct hwc *c, const struct trace_event *ev, vm_prot_t access)
{
	uint64_t va = ev->va, eva = ev->va + ev->len;

	while (va < eva) {
		if (hwc_access(c, ev, va, access, false) != 0)
			return -1;
		va = (va | (PMAP_PAGE_SIZE - 1)) + 1;
	}
	return 0;
}

/* The events that change the compiled vmspace's map. */
static int
hwc_map_event(struct hwc *c, struct hwc_vm *v, const struct trace_event *ev)
{
	switch (ev->op) {
	case TRACE_MMAP:
		return hwc_mmap(c, v, ev);
	case TRACE_MPROTECT:
		if (hwc_range(c, ev, ev->va, ev->len) != 0)
			return -1;
		if (!hwc_region_change(v, ev->va, ev->va + ev->len, false, ev->prot))
			return hwc_nomem(c, ev);
		return hwc_range_op(c, ev, HWOPS_PROTECT, ev->va, ev->len, ev->prot, 0);
	case TRACE_MUNMAP:
		if (hwc_range(c, ev, ev->va, ev->len) != 0)
			return -1;
		if (!hwc_region_change(v, ev->va, ev->va + ev->len, true, 0))
			return hwc_nomem(c, ev);
		return hwc_range_op(c, ev, HWOPS_UNMAP, ev->va, ev->len, 0, 0);
	case TRACE_MADVISE:
		return hwc_dontneed(c, v, ev);
	case TRACE_EXEC:
		return hwc_unmap_all(c, v, ev);
	default:
		return 1; /* not a map event */
	}
}

static int
hwc_event(struct hwc *c, struct hwc_vm *v, const struct trace_event *ev)
{
	uint64_t va;
	int r = hwc_map_event(c, v, ev);

	if (r <= 0)
		return r;
	switch (ev->op) {
	case TRACE_FAULT:
		return hwc_access(c, ev, ev->va, ev->prot, ev->user);
	case TRACE_COPYIN:
		return hwc_copy(c, ev, VM_PROT_READ);
	case TRACE_COPYOUT:
		return hwc_copy(c, ev, VM_PROT_WRITE);
	case TRACE_WIRE:
		c->res->counts[HWC_NOTE_WIRE]++;
		for (va = ev->va; va < ev->va + ev->len; va += PMAP_PAGE_SIZE)
			if (hwc_access(c, ev, va, VM_PROT_READ, false) != 0)
				return -1;
		return 0;
	case TRACE_UNWIRE:
		c->res->counts[HWC_DROP_UNWIRE]++;
		return 0;
	case TRACE_FORK:
		c->res->counts[HWC_DROP_FORK]++;
		return 0;
	case TRACE_EXIT:
	case TRACE_VMSPACE_DESTROY:
		c->done = true;
		return 0;
	case TRACE_VMSPACE_CREATE:
		return 0;
	default:
		return hwc_fail(c, ev, "%s: cannot be compiled for the hardware runner",
		                trace_op_name(ev->op));
	}
}

/* Keep every vmspace's regions (a fork may copy them into the compiled one). */
static int
hwc_track(struct hwc *c, const struct trace_event *ev)
{
	struct hwc_vm *v;
	int r;

	if (ev->op == TRACE_VMSPACE_CREATE && c->res->vm == 0)
		c->res->vm = ev->vm;
	if (ev->op == TRACE_FORK && ev->child == c->res->vm) {
		v = hwc_vm_get(c, ev->child);
		return v == NULL ? hwc_nomem(c, ev) : hwc_fork_child(c, v, ev);
	}
	if (ev->op == TRACE_SCHED || ev->op == TRACE_PAGEOUT) {
		c->res->counts[ev->op == TRACE_SCHED ? HWC_DROP_SCHED : HWC_DROP_PAGEOUT]++;
		return 0;
	}
	if (ev->op == TRACE_CHECK) {
		struct hwops_op check = { .kind = HWOPS_CHECK };

		return c->res->vm != 0 ? hwc_emit(c, ev, &check) : 0;
	}
	if (ev->vm != c->res->vm) {
		c->res->counts[HWC_DROP_OTHER_VM]++;
		v = hwc_vm_get(c, ev->vm);
		if (v == NULL)
			return hwc_nomem(c, ev);
		c->quiet = true;
		r = hwc_map_event(c, v, ev);
		c->quiet = false;
		return r < 0 ? -1 : 0;
	}
	v = hwc_vm_get(c, ev->vm);
	if (v == NULL)
		return hwc_nomem(c, ev);
	c->res->events++;
	return hwc_event(c, v, ev);
}

int
hwc_compile(const char *path, uint32_t vm, bool relocate, struct hwh_list *l,
            struct hwc_result *res, char err[TRACE_ERR_MAX])
{
	struct hwc c = { .l = l, .res = res, .path = path, .err = err, .relocate = relocate };
	struct trace_reader *r;
	struct trace_event ev;
	int got = 0;
	size_t i;

	memset(res, 0, sizeof(*res));
	res->vm = vm;
	c.ept = l->buf->mode != HWOPS_MODE_LEGACY;
	c.limit = c.ept ? HWOPS_EPT_GPA_LIMIT : HWOPS_LEGACY_VA_LIMIT;
	r = trace_open(path, err);
	if (r == NULL)
		return -1;
	while (!c.done && (got = trace_next(r, &ev)) > 0)
		if (hwc_track(&c, &ev) != 0)
			break;
	if (got < 0)
		snprintf(err, TRACE_ERR_MAX, "%s", trace_error(r));
	else if (got > 0 && !c.done)
		got = -1; /* hwc_track filled err */
	else if (res->events == 0)
		got = -1,
		snprintf(err, TRACE_ERR_MAX, "%s: no events of vmspace %u", path, res->vm);
	trace_close(r);
	for (i = 0; i < c.nvms; i++)
		free(c.vms[i].reg);
	free(c.vms);
	free(c.windows);
	res->windows = c.nwindows;
	return got < 0 ? -1 : 0;
}
