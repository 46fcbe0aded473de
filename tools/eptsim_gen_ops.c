/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * eptsim_gen_ops.c - the generator's steps: each picks what to do from
 * the model (eptsim_gen.h), updates the model and writes the events a
 * kernel would have recorded for it.  A step that cannot be done
 * legitimately right now (no room, over a budget, nothing to act on)
 * writes nothing and returns false.
 */
#include <string.h>

#include "tools/eptsim_gen.h"

/* ---- writing events ---- */

struct trace_event
gen_ev(enum trace_op op, uint32_t vm)
{
	struct trace_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.op = op;
	ev.vm = vm;
	return ev;
}

/* Write @ev; a writer error stops the generator at trace_finish(). */
void
gen_emit(struct gen *g, const struct trace_event *ev)
{
	if (trace_write(g->w, ev) != 0)
		g->target = g->events; /* nothing more: trace_finish() says why */
	else
		g->events++;
}

static void
gen_emit_range(struct gen *g, enum trace_op op, uint32_t vm, uint64_t start, uint64_t end)
{
	struct trace_event ev = gen_ev(op, vm);

	ev.va = start;
	ev.len = end - start;
	if (op == TRACE_MADVISE)
		ev.advice = TRACE_ADVICE_DONTNEED;
	gen_emit(g, &ev);
}

void
gen_emit_sched(struct gen *g, const struct gen_vm *vm)
{
	struct trace_event ev = gen_ev(TRACE_SCHED, 0);

	ev.tid = vm->tid;
	ev.cpu = vm->cpu;
	gen_emit(g, &ev);
}

/* mmap of @s (already in the model) in @vm. */
static void
gen_emit_mmap(struct gen *g, const struct gen_vm *vm, const struct gen_seg *s, uint64_t file,
              uint64_t offset, uint64_t hpa, enum pmap_memattr ma)
{
	struct trace_event ev = gen_ev(TRACE_MMAP, vm->id);

	ev.va = s->start;
	ev.len = s->end - s->start;
	ev.prot = s->prot;
	ev.shared = s->shared;
	ev.backing = s->backing;
	ev.file = file;
	ev.offset = offset;
	ev.hpa = hpa;
	ev.memattr = ma;
	gen_emit(g, &ev);
}

static void
gen_emit_fault(struct gen *g, const struct gen_vm *vm, uint64_t va, vm_prot_t access, bool user)
{
	const struct gen_vm *run = gen_runner(g, vm);
	struct trace_event ev = gen_ev(TRACE_FAULT, vm->id);

	ev.tid = run->tid;
	ev.cpu = run->cpu;
	ev.va = va;
	ev.prot = access;
	ev.user = user;
	gen_emit(g, &ev);
}

/* ---- the steps: each writes at most GEN_MAX_STEP events, or none ---- */

bool
op_fault(struct gen *g)
{
	struct gen_want want = { 0 };
	struct gen_vm *vm = gen_pick_any(g);
	struct gen_seg *s = gen_pick_seg(g, vm, &want);
	bool user = vm->guest ? gen_chance(&g->rng, 60) : !gen_chance(&g->rng, 10);
	vm_prot_t access;

	if (s == NULL)
		return false;
	access = gen_pick_access(g, s->prot, user || vm->guest);
	if (access == 0) {
		user = true;
		access = gen_pick_access(g, s->prot, true);
	}
	if (access == 0)
		return false;
	gen_emit_fault(g, vm, gen_pick_va(g, vm, s), access, user);
	return true;
}

/* A fault the VM refuses: the low hole, or an access the rights forbid. */
static bool
op_segv(struct gen *g)
{
	static const vm_prot_t acc[3] = { VM_PROT_READ, VM_PROT_WRITE, VM_PROT_EXECUTE };
	struct gen_want want = { .any_prot = true };
	struct gen_vm *vm = gen_pick_any(g);
	struct gen_seg *s = gen_pick_seg(g, vm, &want);
	vm_prot_t access = acc[gen_below(&g->rng, 3)];
	uint64_t va;

	if (s != NULL && gen_chance(&g->rng, 70) && (s->prot & access) != 0)
		access = gen_pick_access(g, (vm_prot_t)(~s->prot & VM_PROT_ALL), true);
	if (s != NULL && access != 0 && (s->prot & access) == 0) {
		va = s->start + gen_below(&g->rng, s->end - s->start);
	} else {
		access = acc[gen_below(&g->rng, 3)];
		va = PMAP_PAGE_SIZE + gen_below(&g->rng, GEN_LOW_HOLE - PMAP_PAGE_SIZE);
	}
	gen_emit_fault(g, vm, va, access, true);
	return true;
}

/* copyin/copyout by a system call of a process; sometimes a bad buffer. */
static bool
op_copy(struct gen *g)
{
	struct gen_want want = { .readable_or_writable = true };
	struct gen_vm *vm = gen_pick_proc(g);
	struct gen_seg *s = gen_pick_seg(g, vm, &want);
	bool out;
	struct trace_event ev;
	uint64_t room;

	if (s == NULL)
		return false;
	out = (s->prot & VM_PROT_WRITE) && (!(s->prot & VM_PROT_READ) || gen_chance(&g->rng, 50));
	if (!out && !(s->prot & VM_PROT_READ))
		return false;
	if (gen_chance(&g->rng, 3)) /* copyout into read-only memory: EFAULT */
		out = !(s->prot & VM_PROT_WRITE);
	ev = gen_ev(out ? TRACE_COPYOUT : TRACE_COPYIN, vm->id);
	ev.cpu = vm->cpu;
	ev.va = s->start + gen_below(&g->rng, s->end - s->start);
	room = s->end - ev.va;
	ev.len = 1 + gen_below(&g->rng, room < 3 * PMAP_PAGE_SIZE ? room : 3 * PMAP_PAGE_SIZE);
	gen_emit(g, &ev);
	return true;
}

/* A new mapping in one of the mmap slots (MAP_FIXED over what was there). */
static bool
op_mmap(struct gen *g)
{
	struct gen_vm *vm = gen_chance(&g->rng, 20) ? gen_pick_any(g) : gen_pick_proc(g);
	uint64_t base = GEN_SLOT_BASE + gen_below(&g->rng, GEN_SLOTS) * GEN_SLOT_SIZE;
	uint64_t pages = 1 + gen_below(&g->rng, 64);
	uint64_t file = 0, offset = 0, kind = gen_below(&g->rng, 100);
	struct gen_seg s = { 0 };

	if (!gen_map_room(vm, 2) || gen_total_pages(g) + pages > GEN_PAGE_BUDGET)
		return false;
	s.start = base + (gen_below(&g->rng, 256) << PMAP_PAGE_SHIFT);
	s.end = s.start + (pages << PMAP_PAGE_SHIFT);
	if (s.end > base + GEN_SLOT_SIZE)
		s.end = base + GEN_SLOT_SIZE;
	s.prot = gen_pick_prot(g, false);
	/* anon private 50%, anon shared 10%, file private 25%, file shared 15% */
	s.shared = kind >= 50 && (kind < 60 || kind >= 85);
	s.backing = kind < 60 ? TRACE_BACKING_ANON : TRACE_BACKING_FILE;
	if (s.backing == TRACE_BACKING_FILE) {
		file = s.shared ? 9 + gen_below(&g->rng, 4) : 1 + gen_below(&g->rng, 8);
		offset = gen_below(&g->rng, 128) << PMAP_PAGE_SHIFT;
	}
	gen_map_insert(vm, &s);
	gen_emit_mmap(g, vm, &s, file, offset, 0, PMAP_MA_WB);
	return true;
}

/* A 2 MiB-aligned device region; now and then its frames are not aligned. */
static bool
op_device(struct gen *g)
{
	static const enum pmap_memattr mas[] = { PMAP_MA_UC, PMAP_MA_WC, PMAP_MA_WT,
		                                 PMAP_MA_WP, PMAP_MA_WB, PMAP_MA_UC_MINUS };
	static const vm_prot_t prots[] = { VM_PROT_READ | VM_PROT_WRITE,
		                           VM_PROT_READ | VM_PROT_WRITE, VM_PROT_READ, VM_PROT_ALL,
		                           VM_PROT_READ | VM_PROT_EXECUTE };
	struct gen_vm *vm = gen_chance(&g->rng, 20) ? gen_pick_any(g) : gen_pick_proc(g);
	uint64_t base = GEN_SLOT_BASE + gen_below(&g->rng, GEN_DEV_SLOTS) * GEN_SLOT_SIZE;
	uint64_t hpa = GEN_DEV_HPA + (g->next_dev++ % 1024) * GEN_SLOT_SIZE;
	struct gen_seg s = { 0 };

	if (!gen_map_room(vm, 2))
		return false;
	s.start = base;
	s.end = base + (gen_chance(&g->rng, 50) ? PMAP_PDE_SIZE : 2 * PMAP_PDE_SIZE);
	s.prot = prots[gen_below(&g->rng, sizeof(prots) / sizeof(prots[0]))];
	s.shared = !gen_chance(&g->rng, 20);
	s.backing = TRACE_BACKING_DEVICE;
	if (gen_chance(&g->rng, 20))
		hpa += (1 + gen_below(&g->rng, 511)) << PMAP_PAGE_SHIFT;
	gen_map_insert(vm, &s);
	gen_emit_mmap(g, vm, &s, 0, 0, hpa, mas[gen_below(&g->rng, sizeof(mas) / sizeof(mas[0]))]);
	return true;
}

/* mprotect of part of a mapping, --- included (a cut through a 2 MiB leaf demotes it). */
static bool
op_mprotect(struct gen *g)
{
	struct gen_want want = { .any_prot = true };
	struct gen_vm *vm = gen_pick_proc(g);
	struct gen_seg *s = gen_pick_seg(g, vm, &want);
	struct trace_event ev = gen_ev(TRACE_MPROTECT, vm->id);
	uint64_t end;

	if (s == NULL || !gen_map_room(vm, 2))
		return false;
	gen_subrange(g, s, 1024, &ev.va, &end);
	ev.len = end - ev.va;
	ev.prot = gen_pick_prot(g, true);
	gen_map_protect(vm, ev.va, end, ev.prot);
	gen_emit(g, &ev);
	return true;
}

/* munmap of part of a mapping, or of a whole slot (holes and all). */
static bool
op_munmap(struct gen *g)
{
	struct gen_want want = { .any_prot = true };
	struct gen_vm *vm = gen_chance(&g->rng, 20) ? gen_pick_any(g) : gen_pick_proc(g);
	struct gen_seg *s = gen_pick_seg(g, vm, &want);
	uint64_t start, end;

	if (!gen_map_room(vm, 2))
		return false;
	if (s == NULL || gen_chance(&g->rng, 25)) {
		start = GEN_SLOT_BASE + gen_below(&g->rng, GEN_SLOTS) * GEN_SLOT_SIZE;
		end = start + GEN_SLOT_SIZE;
	} else {
		gen_subrange(g, s, 1024, &start, &end);
	}
	gen_map_remove(vm, start, end);
	gen_emit_range(g, TRACE_MUNMAP, vm->id, start, end);
	return true;
}

/* madvise(DONTNEED) of unwired RAM, in a process or a guest. */
static bool
op_madvise(struct gen *g)
{
	struct gen_want want = { .no_device = true, .no_wired = true, .any_prot = true };
	struct gen_vm *vm = gen_pick_any(g);
	struct gen_seg *s = gen_pick_seg(g, vm, &want);
	uint64_t start, end;

	if (s == NULL)
		return false;
	gen_subrange(g, s, 256, &start, &end);
	gen_emit_range(g, TRACE_MADVISE, vm->id, start, end);
	return true;
}

/* mlock of at most 32 pages the process may read or write. */
static bool
op_wire(struct gen *g)
{
	struct gen_want want = { .no_device = true,
		                 .no_wired = true,
		                 .readable_or_writable = true };
	struct gen_vm *vm = gen_pick_proc(g);
	struct gen_seg *s = gen_pick_seg(g, vm, &want);
	uint64_t start, end;

	if (s == NULL || !gen_map_room(vm, 2))
		return false;
	gen_subrange(g, s, 32, &start, &end);
	if (gen_total_wired(g) + ((end - start) >> PMAP_PAGE_SHIFT) > GEN_WIRE_BUDGET)
		return false;
	gen_map_wire(vm, start, end, true);
	gen_emit_range(g, TRACE_WIRE, vm->id, start, end);
	return true;
}

/* munlock of wired memory only (an unwire of pages never wired panics the replay). */
static bool
op_unwire(struct gen *g)
{
	struct gen_want want = { .only_wired = true, .any_prot = true };
	struct gen_vm *vm = gen_pick_proc(g);
	struct gen_seg *s = gen_pick_seg(g, vm, &want);
	uint64_t start, end;

	if (s == NULL || !gen_map_room(vm, 2))
		return false;
	gen_subrange(g, s, 1024, &start, &end);
	gen_map_wire(vm, start, end, false);
	gen_emit_range(g, TRACE_UNWIRE, vm->id, start, end);
	return true;
}

/* Destroy @owner's guests (before it exits or execs). */
void
gen_destroy_guests(struct gen *g, uint32_t owner)
{
	unsigned i = 0;

	while (i < g->nvm) {
		if (g->vm[i].guest && g->vm[i].owner == owner) {
			struct trace_event ev = gen_ev(TRACE_VMSPACE_DESTROY, g->vm[i].id);

			gen_emit(g, &ev);
			gen_vm_forget(g, &g->vm[i]);
		} else {
			i++;
		}
	}
}

/* A new image: text, data, heap and stack. */
void
gen_image(struct gen *g, struct gen_vm *vm)
{
	uint64_t file = 1 + gen_below(&g->rng, 8);
	struct gen_seg s[4] = {
		{ 0x400000, 0x400000 + ((1 + gen_below(&g->rng, 16)) << PMAP_PAGE_SHIFT),
		  VM_PROT_READ | VM_PROT_EXECUTE, false, false, TRACE_BACKING_FILE },
		{ 0x800000, 0x800000 + ((1 + gen_below(&g->rng, 8)) << PMAP_PAGE_SHIFT),
		  VM_PROT_READ | VM_PROT_WRITE, false, false, TRACE_BACKING_FILE },
		{ 0x1000000, 0x1000000 + ((1 + gen_below(&g->rng, 64)) << PMAP_PAGE_SHIFT),
		  VM_PROT_READ | VM_PROT_WRITE, false, false, TRACE_BACKING_ANON },
		{ 0x7ffffffe0000, 0x800000000000, VM_PROT_READ | VM_PROT_WRITE, false, false,
		  TRACE_BACKING_ANON },
	};
	unsigned i;

	for (i = 0; i < 4; i++) {
		gen_map_insert(vm, &s[i]);
		gen_emit_mmap(g, vm, &s[i], file, i == 1 ? 0x40000 : 0, 0, PMAP_MA_WB);
	}
	vm->last_va = s[0].start;
}

#define GEN_IMAGE_PAGES (16 + 8 + 64 + 32)

static bool
gen_exec(struct gen *g, struct gen_vm *vm)
{
	struct trace_event ev = gen_ev(TRACE_EXEC, vm->id);

	if (gen_total_pages(g) - gen_vm_pages(vm) + GEN_IMAGE_PAGES > GEN_PAGE_BUDGET)
		return false;
	gen_destroy_guests(g, ev.vm); /* moves the vmspaces around */
	vm = gen_vm_by_id(g, ev.vm);
	gen_emit(g, &ev);
	vm->nseg = 0;
	vm->depth = 0;
	gen_image(g, vm);
	return true;
}

static bool
op_exec(struct gen *g)
{
	return gen_exec(g, gen_pick_proc(g));
}

/* fork: the child inherits every mapping, unwired; it runs next. */
static bool
op_fork(struct gen *g)
{
	struct gen_vm *parent = gen_pick_proc(g), *child;
	struct trace_event ev;
	unsigned i;

	if (parent->depth >= GEN_MAX_DEPTH)
		return gen_exec(g, parent);
	if (g->nvm >= GEN_MAX_VMS || gen_total_pages(g) + gen_vm_pages(parent) > GEN_PAGE_BUDGET)
		return false;
	parent->depth++;
	child = gen_vm_new(g, false, 0);
	child->depth = parent->depth;
	child->nseg = parent->nseg;
	memcpy(child->seg, parent->seg, parent->nseg * sizeof(parent->seg[0]));
	for (i = 0; i < child->nseg; i++)
		child->seg[i].wired = false;
	child->last_va = parent->last_va;
	ev = gen_ev(TRACE_FORK, parent->id);
	ev.child = child->id;
	gen_emit(g, &ev);
	gen_emit_sched(g, child);
	g->cur = (unsigned)(child - g->vm);
	return true;
}

/* A process exits (never the last one), its guests first. */
static bool
op_exit(struct gen *g)
{
	struct gen_vm *vm = gen_pick_proc(g);
	uint32_t id = vm->id;
	struct trace_event ev = gen_ev(TRACE_EXIT, id);

	if (gen_nprocs(g) < 2)
		return false;
	gen_destroy_guests(g, id);
	gen_emit(g, &ev);
	gen_vm_forget(g, gen_vm_by_id(g, id));
	return true;
}

/*
 * The vkernel maps the guest's memory from its memory file into itself
 * too (the last mmap slot): the same file pages, shared by a process and
 * its guest.
 */
static void
gen_vkernel_memfile(struct gen *g, struct gen_vm *owner, uint64_t file, uint64_t offset,
                    uint64_t pages)
{
	struct gen_seg s = { 0 };

	s.start = GEN_SLOT_BASE + (GEN_SLOTS - 1) * GEN_SLOT_SIZE;
	s.end = s.start + (pages << PMAP_PAGE_SHIFT);
	s.prot = VM_PROT_READ | VM_PROT_WRITE;
	s.shared = true;
	s.backing = TRACE_BACKING_FILE;
	gen_map_insert(owner, &s);
	gen_emit_mmap(g, owner, &s, file, offset, 0, PMAP_MA_WB);
}

/* A vkernel process creates a guest and maps its memory file into it. */
static bool
op_guest(struct gen *g)
{
	struct gen_vm *owner = gen_pick_proc(g), *vm;
	uint64_t pages = 64 + gen_below(&g->rng, 192), file = 20 + owner->id % 4;
	uint64_t offset = gen_below(&g->rng, 4) << 20;
	struct gen_seg s = { GEN_GUEST_RAM, GEN_GUEST_RAM + (pages << PMAP_PAGE_SHIFT),
		             VM_PROT_ALL,   true,
		             false,         TRACE_BACKING_FILE };
	uint32_t owner_id = owner->id;
	struct trace_event ev;

	if (g->nvm >= GEN_MAX_VMS || gen_nguests(g, owner_id) >= GEN_MAX_GUESTS ||
	    gen_total_pages(g) + 2 * pages > GEN_PAGE_BUDGET || !gen_map_room(owner, 2))
		return false;
	gen_vkernel_memfile(g, owner, file, offset, pages);
	vm = gen_vm_new(g, true, owner_id);
	ev = gen_ev(TRACE_VMSPACE_CREATE, vm->id);
	ev.kind = TRACE_VM_GUEST;
	ev.owner = owner_id;
	gen_emit(g, &ev);
	gen_map_insert(vm, &s);
	gen_emit_mmap(g, vm, &s, file, offset, 0, PMAP_MA_WB);
	vm->last_va = s.start;
	g->cur = (unsigned)(vm - g->vm);
	return true;
}

static bool
op_guest_destroy(struct gen *g)
{
	unsigned i = (unsigned)gen_below(&g->rng, g->nvm), n;

	for (n = 0; n < g->nvm; n++, i = (i + 1) % g->nvm) {
		if (g->vm[i].guest) {
			struct trace_event ev = gen_ev(TRACE_VMSPACE_DESTROY, g->vm[i].id);

			gen_emit(g, &ev);
			gen_vm_forget(g, &g->vm[i]);
			return true;
		}
	}
	return false;
}

static bool
op_pageout(struct gen *g)
{
	struct trace_event ev = gen_ev(TRACE_PAGEOUT, 0);

	ev.pages = 64ul << gen_below(&g->rng, g->shape == GEN_PAGEOUT ? 7 : 5);
	gen_emit(g, &ev);
	return true;
}

static bool
op_check(struct gen *g)
{
	struct trace_event ev = gen_ev(TRACE_CHECK, 0);

	gen_emit(g, &ev);
	return true;
}

/* A process moves to another CPU. */
bool
op_sched(struct gen *g)
{
	struct gen_vm *vm = gen_pick_proc(g);

	vm->cpu = (vm->cpu + 1 + (unsigned)gen_below(&g->rng, GEN_NCPUS - 1)) % GEN_NCPUS;
	gen_emit_sched(g, vm);
	return true;
}

/* clang-format off */
bool (*const gen_ops[OP_COUNT])(struct gen *) = {
	[OP_FAULT] = op_fault,
	[OP_SEGV] = op_segv,
	[OP_COPY] = op_copy,
	[OP_MMAP] = op_mmap,
	[OP_MPROTECT] = op_mprotect,
	[OP_MUNMAP] = op_munmap,
	[OP_MADVISE] = op_madvise,
	[OP_WIRE] = op_wire,
	[OP_UNWIRE] = op_unwire,
	[OP_FORK] = op_fork,
	[OP_EXIT] = op_exit,
	[OP_EXEC] = op_exec,
	[OP_GUEST] = op_guest,
	[OP_GUEST_DESTROY] = op_guest_destroy,
	[OP_DEVICE] = op_device,
	[OP_PAGEOUT] = op_pageout,
	[OP_CHECK] = op_check,
	[OP_SCHED] = op_sched,
};
/* clang-format on */
