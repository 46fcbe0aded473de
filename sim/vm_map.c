/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * vm_map.c - vmspaces and their map entries: mmap, munmap, mprotect,
 * fork (copy-on-write inheritance), madvise(DONTNEED), wiring.
 *
 * Entries are a sorted list of disjoint [start, end) ranges.  An
 * operation on part of an entry first clips it, so every entry is either
 * wholly in the range or wholly out.
 */
#include <stdlib.h>

#include "sim/mmu.h"
#include "sim/vm.h"

struct sim_vmspace *
sim_vmspace_find(struct sim *s, uint32_t id)
{
	return sim_hash_get(&s->vmspaces, id);
}

/* The end of the addresses a vmspace may map. */
uint64_t
sim_vm_user_limit(const struct sim *s, const struct sim_vmspace *vs)
{
	if (vs->kind == TRACE_VM_GUEST && s->cfg.mode == SIM_MODE_EPT)
		return PMAP_GPA_LIMIT;
	return PMAP_USER_MAX;
}

int
sim_vmspace_create(struct sim *s, uint32_t id, enum trace_vm_kind kind, uint32_t owner)
{
	struct sim_vmspace *vs;

	if (sim_vmspace_find(s, id) != NULL)
		return sim_fail(s, "vmspace %u already exists", id);
	if (kind == TRACE_VM_GUEST && sim_vmspace_find(s, owner) == NULL)
		return sim_fail(s, "guest vmspace %u: owner vmspace %u does not exist", id, owner);
	if ((vs = calloc(1, sizeof(*vs))) == NULL)
		return sim_fail(s, "out of host memory for vmspace %u", id);
	vs->id = id;
	vs->kind = kind;
	vs->owner = owner;
	if (sim_pmaps_init(s, vs) != 0 || !sim_hash_put(&s->vmspaces, id, vs)) {
		sim_pmaps_release(s, vs);
		free(vs);
		return s->fatal[0] ? -1 : sim_fail(s, "out of host memory for vmspace %u", id);
	}
	s->stats.vmspaces++;
	return 0;
}

static void
sim_entry_free(struct sim *s, struct sim_entry *e)
{
	if (e->obj != NULL)
		sim_obj_unref(s, e->obj);
	free(e);
}

/* Every entry goes, the pmaps are released, the vmspace is freed. */
void
sim_vmspace_destroy(struct sim *s, struct sim_vmspace *vs)
{
	struct sim_entry *e;

	if (s->cfg.oracle != NULL)
		s->cfg.oracle->gone(s->cfg.oracle->arg, vs);
	sim_pmaps_release(s, vs);
	sim_tlb_forget_vmspace(s, vs);
	while ((e = vs->entries) != NULL) {
		vs->entries = e->next;
		sim_entry_free(s, e);
	}
	sim_hash_del(&s->vmspaces, vs->id);
	free(vs);
}

/* The entry holding @va, or NULL; the last one found is tried first. */
struct sim_entry *
sim_entry_find(struct sim_vmspace *vs, uint64_t va)
{
	struct sim_entry *e = vs->hint;

	if (e != NULL && va >= e->start && va < e->end)
		return e;
	for (e = vs->entries; e != NULL && e->start <= va; e = e->next)
		if (va < e->end)
			return vs->hint = e;
	return NULL;
}

/* Split the entry holding @va (strictly inside it) at @va. */
static int
sim_entry_clip(struct sim *s, struct sim_vmspace *vs, uint64_t va)
{
	struct sim_entry *e = sim_entry_find(vs, va), *e2;

	if (e == NULL || e->start == va)
		return 0;
	if ((e2 = malloc(sizeof(*e2))) == NULL)
		return sim_fail(s, "out of host memory clipping an entry");
	*e2 = *e;
	e2->start = va;
	e2->pindex += (va - e->start) >> PMAP_PAGE_SHIFT;
	e->end = va;
	e->next = e2;
	if (e2->obj != NULL)
		sim_obj_ref(e2->obj);
	return 0;
}

static int
sim_range_clip(struct sim *s, struct sim_vmspace *vs, uint64_t va, uint64_t len)
{
	if (va + len > sim_vm_user_limit(s, vs))
		return sim_fail(s, "range %#lx+%#lx is outside vmspace %u (limit %#lx)", va, len,
		                vs->id, sim_vm_user_limit(s, vs));
	if (sim_entry_clip(s, vs, va) != 0)
		return -1;
	return sim_entry_clip(s, vs, va + len);
}

/* Is [va, va+len) entirely mapped?  (Syscalls other than munmap fail on holes.) */
static bool
sim_range_mapped(struct sim_vmspace *vs, uint64_t va, uint64_t len)
{
	struct sim_entry *e;
	uint64_t at = va;

	for (e = vs->entries; e != NULL && at < va + len; e = e->next) {
		if (e->end <= at)
			continue;
		if (e->start > at)
			return false;
		at = e->end;
	}
	return at >= va + len;
}

int
sim_vm_munmap(struct sim *s, struct sim_vmspace *vs, uint64_t va, uint64_t len)
{
	struct sim_entry **pp, *e;

	if (sim_range_clip(s, vs, va, len) != 0)
		return -1;
	if (sim_pmaps_remove(s, vs, va, va + len) != 0)
		return -1;
	for (pp = &vs->entries; (e = *pp) != NULL;) {
		if (e->start >= va && e->end <= va + len) {
			*pp = e->next;
			if (vs->hint == e)
				vs->hint = NULL;
			sim_entry_free(s, e);
		} else {
			pp = &e->next;
		}
	}
	return 0;
}

static struct sim_obj *
sim_mmap_obj(struct sim *s, const struct trace_event *ev)
{
	struct sim_obj *o;

	switch (ev->backing) {
	case TRACE_BACKING_FILE:
		o = sim_file_obj(s, ev->file);
		if (o != NULL)
			sim_obj_ref(o);
		return o;
	case TRACE_BACKING_DEVICE:
		if ((o = sim_obj_new(s, SIM_OBJ_DEVICE)) != NULL) {
			o->dev_hpa = ev->hpa;
			o->memattr = ev->memattr;
		}
		return o;
	default:
		return sim_obj_new(s, SIM_OBJ_ANON);
	}
}

static void
sim_entry_link(struct sim_vmspace *vs, struct sim_entry *ne)
{
	struct sim_entry **pp = &vs->entries;

	while (*pp != NULL && (*pp)->start < ne->start)
		pp = &(*pp)->next;
	ne->next = *pp;
	*pp = ne;
}

/* mmap(MAP_FIXED): whatever was in the range goes first. */
int
sim_vm_mmap(struct sim *s, struct sim_vmspace *vs, const struct trace_event *ev)
{
	struct sim_entry *e;

	if (ev->backing == TRACE_BACKING_DEVICE && (ev->hpa >> PMAP_PAGE_SHIFT) < s->sp->npages)
		return sim_fail(s, "device memory at hpa %#lx is inside RAM (%lu pages)", ev->hpa,
		                s->sp->npages);
	if (sim_vm_munmap(s, vs, ev->va, ev->len) != 0)
		return -1;
	if ((e = calloc(1, sizeof(*e))) == NULL || (e->obj = sim_mmap_obj(s, ev)) == NULL) {
		free(e);
		return sim_fail(s, "out of host memory for a mapping");
	}
	e->start = ev->va;
	e->end = ev->va + ev->len;
	e->prot = ev->prot;
	e->shared = ev->shared;
	e->needs_copy = !ev->shared && ev->backing == TRACE_BACKING_FILE;
	e->pindex = ev->backing == TRACE_BACKING_FILE ? ev->offset >> PMAP_PAGE_SHIFT : 0;
	sim_entry_link(vs, e);
	return 0;
}

int
sim_vm_mprotect(struct sim *s, struct sim_vmspace *vs, uint64_t va, uint64_t len, vm_prot_t prot)
{
	struct sim_entry *e;

	if (!sim_range_mapped(vs, va, len))
		return sim_fail(s, "mprotect of unmapped memory in %#lx+%#lx", va, len);
	if (sim_range_clip(s, vs, va, len) != 0)
		return -1;
	for (e = vs->entries; e != NULL; e = e->next)
		if (e->start >= va && e->end <= va + len)
			e->prot = prot;
	return sim_pmaps_protect(s, vs, va, va + len, prot);
}

/* A copy of @e for the child; private memory becomes copy-on-write in both. */
static struct sim_entry *
sim_fork_entry(struct sim *s, struct sim_vmspace *parent, struct sim_entry *e)
{
	struct sim_entry *c = malloc(sizeof(*c));

	if (c == NULL)
		return NULL;
	*c = *e;
	c->next = NULL;
	c->wired = false;
	sim_obj_ref(e->obj);
	if (!e->shared && e->obj->type != SIM_OBJ_DEVICE) {
		e->needs_copy = c->needs_copy = true;
		if (sim_pmaps_protect(s, parent, e->start, e->end,
		                      e->prot & (vm_prot_t)~VM_PROT_WRITE) != 0) {
			sim_obj_unref(s, c->obj);
			free(c);
			return NULL;
		}
	}
	return c;
}

int
sim_vm_fork(struct sim *s, struct sim_vmspace *parent, uint32_t child)
{
	struct sim_vmspace *cs;
	struct sim_entry *e, **tail;

	if (sim_vmspace_create(s, child, parent->kind, parent->owner) != 0)
		return -1;
	cs = sim_vmspace_find(s, child);
	tail = &cs->entries;
	for (e = parent->entries; e != NULL; e = e->next) {
		if ((*tail = sim_fork_entry(s, parent, e)) == NULL)
			return s->fatal[0] ? -1 : sim_fail(s, "out of host memory in fork");
		tail = &(*tail)->next;
	}
	return 0;
}

/*
 * madvise(MADV_DONTNEED), as the recording kernel (Linux) does it: the
 * range is unmapped and private memory starts again from its backing
 * (zero for anonymous memory, the file for file mappings); shared memory
 * keeps its contents.
 */
int
sim_vm_dontneed(struct sim *s, struct sim_vmspace *vs, uint64_t va, uint64_t len)
{
	struct sim_entry *e;

	if (!sim_range_mapped(vs, va, len))
		return sim_fail(s, "madvise of unmapped memory in %#lx+%#lx", va, len);
	if (sim_range_clip(s, vs, va, len) != 0 || sim_pmaps_remove(s, vs, va, va + len) != 0)
		return -1;
	for (e = vs->entries; e != NULL; e = e->next) {
		struct sim_obj *o = e->obj, *base;

		if (e->start < va || e->end > va + len || e->shared || o->type == SIM_OBJ_DEVICE)
			continue;
		for (base = o; base->backing != NULL; base = base->backing)
			e->pindex += base->backing_pindex;
		if (base->type == SIM_OBJ_FILE) {
			sim_obj_ref(base);
			e->obj = base;
			e->needs_copy = true;
		} else if ((e->obj = sim_obj_new(s, SIM_OBJ_ANON)) == NULL) {
			e->obj = o;
			return sim_fail(s, "out of host memory in madvise");
		} else {
			e->pindex = 0;
			e->needs_copy = false;
		}
		sim_obj_unref(s, o);
	}
	return 0;
}

/*
 * munlock: the wired entries in the range are unwired, in the pmaps too;
 * pages never wired are left as they are (munlock of them succeeds).
 */
static int
sim_vm_unwire(struct sim *s, struct sim_vmspace *vs, uint64_t va, uint64_t len)
{
	struct sim_entry *e;

	for (e = vs->entries; e != NULL; e = e->next) {
		if (e->start < va || e->end > va + len || !e->wired)
			continue;
		e->wired = false;
		if (sim_pmaps_unwire(s, vs, e->start, e->end) != 0)
			return -1;
	}
	return 0;
}

/* mlock/munlock: wiring faults every page in (writes break COW). */
int
sim_vm_wire(struct sim *s, struct sim_vmspace *vs, uint64_t va, uint64_t len, bool wire)
{
	struct sim_entry *e;
	uint64_t at;

	if (!sim_range_mapped(vs, va, len))
		return sim_fail(s, "%s of unmapped memory in %#lx+%#lx", wire ? "wire" : "unwire",
		                va, len);
	if (sim_range_clip(s, vs, va, len) != 0)
		return -1;
	if (!wire)
		return sim_vm_unwire(s, vs, va, len);
	for (e = vs->entries; e != NULL; e = e->next)
		if (e->start >= va && e->end <= va + len)
			e->wired = true;
	for (at = va; at < va + len; at += PMAP_PAGE_SIZE) {
		e = sim_entry_find(vs, at);
		if (sim_vm_fault(s, vs, at,
		                 (e->prot & VM_PROT_WRITE) ? VM_PROT_WRITE : VM_PROT_READ) !=
		    SIM_ACCESS_OK)
			return s->fatal[0] ? -1
			                   : sim_fail(s,
			                              "wire of %#lx: the process may not "
			                              "access it (prot %#x)",
			                              at, e->prot);
	}
	return 0;
}
