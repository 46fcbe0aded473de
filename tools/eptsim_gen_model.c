/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * eptsim_gen_model.c - the generator's randomness, its model of a
 * vmspace's map, its live vmspaces and its random choices (see
 * eptsim_gen.h).  Nothing here writes an event.
 */
#include <string.h>

#include "tools/eptsim_gen.h"

uint64_t
gen_rand(struct gen_rng *r)
{
	uint64_t z = (r->state += 0x9e3779b97f4a7c15ul);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ul;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebul;
	return z ^ (z >> 31);
}

uint64_t
gen_below(struct gen_rng *r, uint64_t n)
{
	return gen_rand(r) % n;
}

bool
gen_chance(struct gen_rng *r, unsigned pct)
{
	return gen_below(r, 100) < pct;
}

bool
gen_map_room(const struct gen_vm *vm, unsigned extra)
{
	return vm->nseg + extra <= GEN_MAX_SEGS;
}

struct gen_seg *
gen_map_find(struct gen_vm *vm, uint64_t va)
{
	unsigned i;

	for (i = 0; i < vm->nseg && vm->seg[i].start <= va; i++)
		if (va < vm->seg[i].end)
			return &vm->seg[i];
	return NULL;
}

/* Open a hole at index @i for one segment. */
static void
gen_map_open(struct gen_vm *vm, unsigned i)
{
	memmove(&vm->seg[i + 1], &vm->seg[i], (vm->nseg - i) * sizeof(vm->seg[0]));
	vm->nseg++;
}

/* Split the segment holding @va (strictly inside it) at @va. */
static void
gen_map_clip(struct gen_vm *vm, uint64_t va)
{
	struct gen_seg *s = gen_map_find(vm, va);
	unsigned i;

	if (s == NULL || s->start == va)
		return;
	i = (unsigned)(s - vm->seg);
	gen_map_open(vm, i + 1);
	vm->seg[i + 1] = vm->seg[i];
	vm->seg[i].end = va;
	vm->seg[i + 1].start = va;
}

void
gen_map_remove(struct gen_vm *vm, uint64_t start, uint64_t end)
{
	unsigned i, n = 0;

	gen_map_clip(vm, start);
	gen_map_clip(vm, end);
	for (i = 0; i < vm->nseg; i++)
		if (vm->seg[i].start < start || vm->seg[i].end > end)
			vm->seg[n++] = vm->seg[i];
	vm->nseg = n;
}

void
gen_map_insert(struct gen_vm *vm, const struct gen_seg *seg)
{
	unsigned i;

	gen_map_remove(vm, seg->start, seg->end);
	for (i = 0; i < vm->nseg && vm->seg[i].start < seg->start; i++)
		;
	gen_map_open(vm, i);
	vm->seg[i] = *seg;
}

void
gen_map_protect(struct gen_vm *vm, uint64_t start, uint64_t end, vm_prot_t prot)
{
	unsigned i;

	gen_map_clip(vm, start);
	gen_map_clip(vm, end);
	for (i = 0; i < vm->nseg; i++)
		if (vm->seg[i].start >= start && vm->seg[i].end <= end)
			vm->seg[i].prot = prot;
}

void
gen_map_wire(struct gen_vm *vm, uint64_t start, uint64_t end, bool wired)
{
	unsigned i;

	gen_map_clip(vm, start);
	gen_map_clip(vm, end);
	for (i = 0; i < vm->nseg; i++)
		if (vm->seg[i].start >= start && vm->seg[i].end <= end)
			vm->seg[i].wired = wired;
}

uint64_t
gen_vm_pages(const struct gen_vm *vm)
{
	uint64_t n = 0;
	unsigned i;

	for (i = 0; i < vm->nseg; i++)
		if (vm->seg[i].backing != TRACE_BACKING_DEVICE)
			n += (vm->seg[i].end - vm->seg[i].start) >> PMAP_PAGE_SHIFT;
	return n;
}

uint64_t
gen_vm_wired(const struct gen_vm *vm)
{
	uint64_t n = 0;
	unsigned i;

	for (i = 0; i < vm->nseg; i++)
		if (vm->seg[i].wired)
			n += (vm->seg[i].end - vm->seg[i].start) >> PMAP_PAGE_SHIFT;
	return n;
}

/* ---- the live vmspaces ---- */

struct gen_vm *
gen_vm_by_id(struct gen *g, uint32_t id)
{
	unsigned i;

	for (i = 0; i < g->nvm; i++)
		if (g->vm[i].id == id)
			return &g->vm[i];
	return NULL;
}

uint64_t
gen_total_pages(const struct gen *g)
{
	uint64_t n = 0;
	unsigned i;

	for (i = 0; i < g->nvm; i++)
		n += gen_vm_pages(&g->vm[i]);
	return n;
}

uint64_t
gen_total_wired(const struct gen *g)
{
	uint64_t n = 0;
	unsigned i;

	for (i = 0; i < g->nvm; i++)
		n += gen_vm_wired(&g->vm[i]);
	return n;
}

unsigned
gen_nprocs(const struct gen *g)
{
	unsigned i, n = 0;

	for (i = 0; i < g->nvm; i++)
		n += !g->vm[i].guest;
	return n;
}

unsigned
gen_nguests(const struct gen *g, uint32_t owner)
{
	unsigned i, n = 0;

	for (i = 0; i < g->nvm; i++)
		n += g->vm[i].guest && g->vm[i].owner == owner;
	return n;
}

/* A random live process (there is always one). */
struct gen_vm *
gen_pick_proc(struct gen *g)
{
	unsigned i = (unsigned)gen_below(&g->rng, g->nvm), n;

	for (n = 0; n < g->nvm; n++, i = (i + 1) % g->nvm)
		if (!g->vm[i].guest)
			return &g->vm[i];
	return &g->vm[0];
}

/* The running vmspace, now and then another one. */
struct gen_vm *
gen_pick_any(struct gen *g)
{
	if (g->cur >= g->nvm || gen_chance(&g->rng, 8))
		g->cur = (unsigned)gen_below(&g->rng, g->nvm);
	return &g->vm[g->cur];
}

/* Where a vmspace's accesses run: a guest on its vkernel's thread. */
const struct gen_vm *
gen_runner(struct gen *g, const struct gen_vm *vm)
{
	const struct gen_vm *owner = vm->guest ? gen_vm_by_id(g, vm->owner) : NULL;

	return owner != NULL ? owner : vm;
}

struct gen_vm *
gen_vm_new(struct gen *g, bool guest, uint32_t owner)
{
	struct gen_vm *vm = &g->vm[g->nvm++];

	memset(vm, 0, sizeof(*vm));
	vm->id = g->next_id++;
	vm->guest = guest;
	vm->owner = owner;
	if (!guest) {
		vm->tid = g->next_tid++;
		vm->cpu = (unsigned)gen_below(&g->rng, GEN_NCPUS);
	}
	return vm;
}

/* Forget @vm; the caller has written its exit or destroy. */
void
gen_vm_forget(struct gen *g, struct gen_vm *vm)
{
	unsigned i = (unsigned)(vm - g->vm);

	g->vm[i] = g->vm[--g->nvm];
	if (g->cur >= g->nvm)
		g->cur = 0;
}

/* ---- picking things ---- */

static bool
gen_seg_ok(const struct gen_seg *s, const struct gen_want *w)
{
	if (w->no_device && s->backing == TRACE_BACKING_DEVICE)
		return false;
	if (w->no_wired && s->wired)
		return false;
	if (w->only_wired && !s->wired)
		return false;
	if (w->readable_or_writable && !(s->prot & (VM_PROT_READ | VM_PROT_WRITE)))
		return false;
	return w->any_prot || s->prot != VM_PROT_NONE;
}

/* A segment of @vm that @w allows (superpage: device memory first). */
struct gen_seg *
gen_pick_seg(struct gen *g, struct gen_vm *vm, const struct gen_want *w)
{
	struct gen_seg *s;
	unsigned i, tries;

	if (vm->nseg == 0)
		return NULL;
	if (g->shape == GEN_SUPERPAGE && gen_chance(&g->rng, 70))
		for (tries = 0, i = (unsigned)gen_below(&g->rng, vm->nseg); tries < vm->nseg;
		     tries++, i = (i + 1) % vm->nseg)
			if (vm->seg[i].backing == TRACE_BACKING_DEVICE &&
			    gen_seg_ok(&vm->seg[i], w))
				return &vm->seg[i];
	for (tries = 0; tries < 8; tries++) {
		s = &vm->seg[gen_below(&g->rng, vm->nseg)];
		if (gen_seg_ok(s, w))
			return s;
	}
	return NULL;
}

/* Part of @s: all of it, or a random run of at most @max pages. */
void
gen_subrange(struct gen *g, const struct gen_seg *s, uint64_t max, uint64_t *start, uint64_t *end)
{
	uint64_t pages = (s->end - s->start) >> PMAP_PAGE_SHIFT, first, n;

	if (pages <= max && gen_chance(&g->rng, 40)) {
		*start = s->start;
		*end = s->end;
		return;
	}
	first = gen_below(&g->rng, pages);
	n = 1 + gen_below(&g->rng, pages - first < max ? pages - first : max);
	*start = s->start + (first << PMAP_PAGE_SHIFT);
	*end = *start + (n << PMAP_PAGE_SHIFT);
}

/* Rights for a new mapping or an mprotect (--- only when @none). */
vm_prot_t
gen_pick_prot(struct gen *g, bool none)
{
	static const vm_prot_t prots[] = {
		VM_PROT_READ | VM_PROT_WRITE,
		VM_PROT_READ | VM_PROT_WRITE,
		VM_PROT_READ | VM_PROT_WRITE,
		VM_PROT_READ | VM_PROT_WRITE,
		VM_PROT_READ | VM_PROT_WRITE,
		VM_PROT_READ,
		VM_PROT_READ,
		VM_PROT_READ | VM_PROT_EXECUTE,
		VM_PROT_READ | VM_PROT_EXECUTE,
		VM_PROT_ALL,
		VM_PROT_ALL,
		VM_PROT_WRITE,
		VM_PROT_EXECUTE,
	};
	size_t n = sizeof(prots) / sizeof(prots[0]);

	if (none && gen_chance(&g->rng, 8))
		return VM_PROT_NONE;
	return prots[gen_below(&g->rng, n)];
}

/* One access the rights allow (0: none); kernel accesses never fetch. */
vm_prot_t
gen_pick_access(struct gen *g, vm_prot_t prot, bool fetch_ok)
{
	vm_prot_t bits[3];
	unsigned n = 0;

	if (prot & VM_PROT_READ)
		bits[n++] = VM_PROT_READ;
	if (prot & VM_PROT_WRITE)
		bits[n++] = VM_PROT_WRITE;
	if ((prot & VM_PROT_EXECUTE) && fetch_ok)
		bits[n++] = VM_PROT_EXECUTE;
	return n == 0 ? 0 : bits[gen_below(&g->rng, n)];
}

/* An address in @s, near the vmspace's last one more often than not. */
uint64_t
gen_pick_va(struct gen *g, struct gen_vm *vm, const struct gen_seg *s)
{
	uint64_t pages = (s->end - s->start) >> PMAP_PAGE_SHIFT, page;

	if (vm->last_va >= s->start && vm->last_va < s->end && gen_chance(&g->rng, 60)) {
		page = ((vm->last_va - s->start) >> PMAP_PAGE_SHIFT) + gen_below(&g->rng, 5);
		page = page >= 2 ? page - 2 : 0;
		if (page >= pages)
			page = pages - 1;
	} else {
		page = gen_below(&g->rng, pages);
	}
	vm->last_va = s->start + (page << PMAP_PAGE_SHIFT) + (gen_below(&g->rng, 512) << 3);
	return vm->last_va;
}
