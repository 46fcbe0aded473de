/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * vm_fault.c - the page-fault path, after BSD vm_fault(): find the entry,
 * check the access against it, find or make the page (zero fill, file
 * read, swap in, copy-on-write), and enter it in the vmspace's pmaps.
 */
#include "sim/vm.h"

/* Give a needs-copy entry its own shadow object (first write after fork). */
static int
sim_entry_shadow(struct sim *s, struct sim_entry *e)
{
	struct sim_obj *shadow = sim_obj_new(s, SIM_OBJ_ANON);

	if (shadow == NULL)
		return sim_fail(s, "out of host memory for a shadow object");
	shadow->backing = e->obj; /* the entry's reference moves to the shadow */
	shadow->backing_pindex = e->pindex;
	e->obj = shadow;
	e->pindex = 0;
	e->needs_copy = false;
	return 0;
}

/* Device memory: a 2 MiB leaf where the entry and the address allow one. */
static enum sim_access_result
sim_fault_device(struct sim *s, struct sim_vmspace *vs, struct sim_entry *e, uint64_t va,
                 vm_prot_t access, uint32_t wired)
{
	uint64_t base = va & ~(PMAP_PDE_SIZE - 1);
	uint64_t off = (e->pindex << PMAP_PAGE_SHIFT) + (base - e->start);
	uint64_t hpa = e->obj->dev_hpa + off;
	enum pmap_level lvl = PMAP_LEVEL_2M;

	if (base < e->start || base + PMAP_PDE_SIZE > e->end || (hpa & (PMAP_PDE_SIZE - 1)) != 0) {
		lvl = PMAP_LEVEL_4K;
		base = va & ~(PMAP_PAGE_SIZE - 1);
		hpa = e->obj->dev_hpa + (e->pindex << PMAP_PAGE_SHIFT) + (base - e->start);
	}
	if (sim_pmaps_enter(s, vs, base, hpa, e->prot, access | wired | PMAP_ENTER_DEVICE,
	                    e->obj->memattr, lvl) != 0)
		return SIM_ACCESS_EFAULT;
	return SIM_ACCESS_OK;
}

/*
 * The page for @pindex of @e, made resident; *top says whether it is in
 * the entry's own object (else it is shared down the chain).  A write
 * copies a shared page into the entry's object first.
 */
static struct sim_page *
sim_fault_page(struct sim *s, struct sim_entry *e, uint64_t pindex, vm_prot_t access, bool *top)
{
	struct sim_obj *where;
	uint64_t where_pindex;
	struct sim_page *pg = sim_obj_lookup(s, e->obj, pindex, &where, &where_pindex), *copy;

	if (pg == NULL) {
		/* Anonymous memory never written anywhere is zero-filled at the top. */
		if (where->type == SIM_OBJ_ANON && !sim_obj_in_swap(s, where, where_pindex)) {
			where = e->obj;
			where_pindex = pindex;
		}
		if ((pg = sim_obj_page_in(s, where, where_pindex)) == NULL)
			return NULL;
	}
	*top = where == e->obj;
	if (!*top && (access & VM_PROT_WRITE) && !e->shared) {
		/* The copy's frame may come from the pageout daemon: not this page. */
		pg->busy = true;
		copy = sim_obj_copy_page(s, e->obj, pindex, pg);
		pg->busy = false;
		pg = copy;
		*top = true;
	}
	return pg;
}

/*
 * Resolve a fault on @va for @access (one VM_PROT bit).  Returns OK with
 * the page entered, SEGV when the map forbids the access, or EFAULT when
 * the replay must stop (s->fatal says why).
 */
enum sim_access_result
sim_vm_fault(struct sim *s, struct sim_vmspace *vs, uint64_t va, vm_prot_t access)
{
	struct sim_entry *e = sim_entry_find(vs, va);
	uint32_t wired;
	struct sim_page *pg;
	vm_prot_t prot;
	bool top;
	int rc;

	s->stats.faults++;
	if (e == NULL || (e->prot & access) != access) {
		s->stats.segv++;
		return SIM_ACCESS_SEGV;
	}
	wired = e->wired ? PMAP_ENTER_WIRED : 0;
	if (e->obj->type == SIM_OBJ_DEVICE)
		return sim_fault_device(s, vs, e, va, access, wired);
	if ((access & VM_PROT_WRITE) && e->needs_copy && sim_entry_shadow(s, e) != 0)
		return SIM_ACCESS_EFAULT;
	pg = sim_fault_page(s, e, e->pindex + ((va - e->start) >> PMAP_PAGE_SHIFT), access, &top);
	if (pg == NULL)
		return SIM_ACCESS_EFAULT;
	prot = e->prot;
	if (!e->shared && (!top || e->needs_copy))
		prot &= (vm_prot_t)~VM_PROT_WRITE; /* copy-on-write still to come */
	/*
	 * Busy while entered, as vm_fault busies it: the page tables the
	 * pmap allocates may come from the pageout daemon, which must not
	 * free this page (not mapped yet, so clean and unreferenced).
	 */
	pg->busy = true;
	rc = sim_pmaps_enter(s, vs, va & ~(PMAP_PAGE_SIZE - 1), pg->md.hpa, prot, access | wired,
	                     PMAP_MA_WB, PMAP_LEVEL_4K);
	pg->busy = false;
	return rc != 0 ? SIM_ACCESS_EFAULT : SIM_ACCESS_OK;
}

/*
 * What the VM holds for @va without faulting anything in: the frame (or
 * device address), the most rights a mapping of it may have now, and its
 * memory type.  False when nothing is resident there.
 */
bool
sim_vm_resident(struct sim *s, struct sim_vmspace *vs, uint64_t va, uint64_t *hpa,
                vm_prot_t *max_prot, enum pmap_memattr *ma)
{
	uint64_t npages;

	return sim_vm_resident_run(s, vs, va, va, hpa, max_prot, ma, &npages);
}

bool
sim_vm_resident_run(struct sim *s, struct sim_vmspace *vs, uint64_t va, uint64_t eva, uint64_t *hpa,
                    vm_prot_t *max_prot, enum pmap_memattr *ma, uint64_t *npages)
{
	struct sim_entry *e = sim_entry_find(vs, va);
	uint64_t pindex, where_pindex;
	struct sim_obj *where;
	struct sim_page *pg;

	*npages = 1;
	if (e == NULL)
		return false;
	pindex = e->pindex + ((va - e->start) >> PMAP_PAGE_SHIFT);
	*max_prot = e->prot;
	*ma = e->obj->memattr;
	if (e->obj->type == SIM_OBJ_DEVICE) {
		/* the entry's pages are the device's, in order, with its rights and type */
		*hpa = e->obj->dev_hpa + (pindex << PMAP_PAGE_SHIFT);
		if (eva > e->end)
			eva = e->end;
		if (eva > va + PMAP_PAGE_SIZE)
			*npages = (eva - (va & ~(PMAP_PAGE_SIZE - 1))) >> PMAP_PAGE_SHIFT;
		return true;
	}
	if ((pg = sim_obj_lookup(s, e->obj, pindex, &where, &where_pindex)) == NULL)
		return false;
	if (!e->shared && (where != e->obj || e->needs_copy))
		*max_prot &= (vm_prot_t)~VM_PROT_WRITE;
	*hpa = pg->md.hpa;
	return true;
}
