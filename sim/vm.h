/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * vm.h - the simulated kernel's VM, inside sim/ (see sim.h for the data).
 */
#ifndef EPTSIM_SIM_VM_H
#define EPTSIM_SIM_VM_H

#include "sim/sim.h"

/* Key of (object, page index) in the page map (s->pages). */
static inline uint64_t
sim_page_key(const struct sim_obj *o, uint64_t pindex)
{
	return (o->id << 36) | pindex;
}

/* Ask the cache for where sim_obj_page() starts looking (no effect). */
static inline __attribute__((always_inline)) void
sim_obj_prefetch(struct sim *s, const struct sim_obj *o, uint64_t pindex)
{
	sim_hash_prefetch(&s->pages, sim_page_key(o, pindex));
}

/* vm_object.c: objects, their pages, and the swap store. */
struct sim_obj *sim_obj_new(struct sim *s, enum sim_obj_type type);
void sim_obj_ref(struct sim_obj *o);
void sim_obj_unref(struct sim *s, struct sim_obj *o);
struct sim_obj *sim_file_obj(struct sim *s, uint64_t file);
struct sim_page *sim_obj_page(struct sim *s, const struct sim_obj *o, uint64_t pindex);
bool sim_obj_in_swap(struct sim *s, const struct sim_obj *o, uint64_t pindex);
struct sim_page *sim_obj_lookup(struct sim *s, struct sim_obj *top, uint64_t pindex,
                                struct sim_obj **where, uint64_t *where_pindex);
struct sim_page *sim_obj_page_in(struct sim *s, struct sim_obj *o, uint64_t pindex);
struct sim_page *sim_obj_copy_page(struct sim *s, struct sim_obj *o, uint64_t pindex,
                                   const struct sim_page *from);
void sim_obj_free_page(struct sim *s, struct sim_page *pg);
void sim_obj_save_page(struct sim *s, struct sim_page *pg);
void *sim_page_data(struct sim *s, const struct sim_page *pg);
uint64_t sim_file_word(uint64_t file, uint64_t pindex, unsigned word);
/* All the words of page @pindex of file @file into @data (a page). */
void sim_file_page(uint64_t file, uint64_t pindex, uint64_t *data);

/* vm_map.c: vmspaces and their entries. */
struct sim_vmspace *sim_vmspace_find(struct sim *s, uint32_t id);
int sim_vmspace_create(struct sim *s, uint32_t id, enum trace_vm_kind kind, uint32_t owner);
void sim_vmspace_destroy(struct sim *s, struct sim_vmspace *vs);
struct sim_entry *sim_entry_find(struct sim_vmspace *vs, uint64_t va);
int sim_vm_mmap(struct sim *s, struct sim_vmspace *vs, const struct trace_event *ev);
int sim_vm_munmap(struct sim *s, struct sim_vmspace *vs, uint64_t va, uint64_t len);
int sim_vm_mprotect(struct sim *s, struct sim_vmspace *vs, uint64_t va, uint64_t len,
                    vm_prot_t prot);
int sim_vm_fork(struct sim *s, struct sim_vmspace *parent, uint32_t child);
int sim_vm_dontneed(struct sim *s, struct sim_vmspace *vs, uint64_t va, uint64_t len);
int sim_vm_wire(struct sim *s, struct sim_vmspace *vs, uint64_t va, uint64_t len, bool wire);
uint64_t sim_vm_user_limit(const struct sim *s, const struct sim_vmspace *vs);

/* vm_pmap.c: the vmspace's pmaps, as the mode has them. */
int sim_pmaps_init(struct sim *s, struct sim_vmspace *vs);
void sim_pmaps_release(struct sim *s, struct sim_vmspace *vs);
int sim_pmaps_enter(struct sim *s, struct sim_vmspace *vs, uint64_t va, uint64_t hpa,
                    vm_prot_t prot, uint32_t flags, enum pmap_memattr ma, enum pmap_level lvl);
int sim_pmaps_remove(struct sim *s, struct sim_vmspace *vs, uint64_t sva, uint64_t eva);
int sim_pmaps_protect(struct sim *s, struct sim_vmspace *vs, uint64_t sva, uint64_t eva,
                      vm_prot_t prot);
int sim_pmaps_unwire(struct sim *s, struct sim_vmspace *vs, uint64_t sva, uint64_t eva);

/* vm_fault.c */
enum sim_access_result sim_vm_fault(struct sim *s, struct sim_vmspace *vs, uint64_t va,
                                    vm_prot_t access);
/* The page (or device address) the VM holds for @va, without faulting. */
bool sim_vm_resident(struct sim *s, struct sim_vmspace *vs, uint64_t va, uint64_t *hpa,
                     vm_prot_t *max_prot, enum pmap_memattr *ma);
/*
 * sim_vm_resident() for @va, and in *@npages how many pages from @va's on,
 * below @eva, the VM holds alike: at *@hpa, *@hpa + 4 KiB, ... with the
 * same rights and type (the pages of one device entry; 1 anywhere else).
 */
bool sim_vm_resident_run(struct sim *s, struct sim_vmspace *vs, uint64_t va, uint64_t eva,
                         uint64_t *hpa, vm_prot_t *max_prot, enum pmap_memattr *ma,
                         uint64_t *npages);

/* vm_pageout.c */
uint64_t sim_pageout(struct sim *s, uint64_t scan);
void sim_clock_insert(struct sim *s, struct sim_page *pg);
void sim_clock_remove(struct sim *s, struct sim_page *pg);

/* sim.c: errors that end the replay, and divergences. */
int sim_fail(struct sim *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A frame, zeroed or (@zeroed false) for the caller to fill whole. */
uint64_t sim_frame_alloc(struct sim *s, bool zeroed);

#endif /* EPTSIM_SIM_VM_H */
