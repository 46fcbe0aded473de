/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * eptsim_gen.h - private to `eptsim gen`: the generator's model of the
 * processes it invents, so that every event it writes is one a kernel
 * could have recorded.  eptsim_gen.c is the command and the mix of
 * steps, eptsim_gen_ops.c the steps, eptsim_gen_model.c the model.
 *
 * The model keeps, per live vmspace, its map as a sorted array of
 * disjoint segments [start, end) with their rights, sharing, backing and
 * wiring: exactly what the replay's VM will hold, so that mprotect,
 * madvise and wire only ever name mapped ranges and faults mostly land
 * where the access is allowed.  Pages, objects and frames are the
 * replay's business, not the model's.
 *
 * Layout of a process (gva) and of a guest (gpa), never below 4 MiB:
 *
 *   0x0 .. 0x400000          never mapped: faults there are SIGSEGV
 *   0x400000                 text (file, private, r-x)
 *   0x800000                 data (file, private, rw-)
 *   0x1000000                heap (anon, private, rw-)
 *   0x40000000               guest RAM (guests only: the vkernel's file)
 *   0x7f0000000000 + k*4M    mmap slot k (k < GEN_SLOTS); device regions
 *                            fill slot k < GEN_DEV_SLOTS from its start;
 *                            a vkernel maps its guests' memory file in
 *                            the last slot
 *   0x7ffffffe0000 .. +128K  stack (anon, private, rw-)
 */
#ifndef EPTSIM_TOOLS_EPTSIM_GEN_H
#define EPTSIM_TOOLS_EPTSIM_GEN_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/trace.h"

#define GEN_MAX_VMS     12    /* live vmspaces, guests included */
#define GEN_MAX_SEGS    48    /* segments per vmspace */
#define GEN_MAX_GUESTS  2     /* guests per vkernel process */
#define GEN_MAX_DEPTH   6     /* fork generations before a process must exec */
#define GEN_PAGE_BUDGET 12288 /* RAM-backed pages mapped by all live vmspaces */
#define GEN_WIRE_BUDGET 1024  /* wired pages, all vmspaces */
#define GEN_NCPUS       4
#define GEN_SLOTS       32
#define GEN_SLOT_BASE   0x7f0000000000ul
#define GEN_SLOT_SIZE   0x400000ul
#define GEN_DEV_SLOTS   4          /* device regions go in the first slots only */
#define GEN_LOW_HOLE    0x400000ul /* [0, GEN_LOW_HOLE) is never mapped */
#define GEN_GUEST_RAM   0x40000000ul
#define GEN_DEV_HPA     0x100000000ul /* device memory: far above any default RAM */

/* A mapped range of a vmspace, as the replay's VM will have it. */
struct gen_seg {
	uint64_t start, end;
	vm_prot_t prot;
	bool shared;
	bool wired;
	enum trace_backing backing;
};

struct gen_vm {
	uint32_t id;
	bool guest;
	uint32_t owner; /* guest: the vkernel process's id */
	uint32_t tid;   /* process: its thread; guests run on the owner's */
	unsigned cpu;
	unsigned depth; /* fork generations since the map was last emptied */
	uint64_t last_va;
	unsigned nseg;
	struct gen_seg seg[GEN_MAX_SEGS];
};

/* splitmix64: the one source of randomness, so a seed fixes the trace. */
struct gen_rng {
	uint64_t state;
};

uint64_t gen_rand(struct gen_rng *r);
/* Uniform in [0, n) (n > 0; the modulo bias is irrelevant here). */
uint64_t gen_below(struct gen_rng *r, uint64_t n);
/* True with probability @pct percent. */
bool gen_chance(struct gen_rng *r, unsigned pct);

/*
 * The map model (eptsim_gen_model.c).  Every call keeps the segments
 * sorted and disjoint; ranges are page-aligned.  An operation on part of
 * a segment clips it first, as the VM does, so the callers must leave
 * room: gen_map_room(vm, 2) before any call.
 */
bool gen_map_room(const struct gen_vm *vm, unsigned extra);
struct gen_seg *gen_map_find(struct gen_vm *vm, uint64_t va);
void gen_map_remove(struct gen_vm *vm, uint64_t start, uint64_t end);
void gen_map_insert(struct gen_vm *vm, const struct gen_seg *seg); /* replaces what was there */
void gen_map_protect(struct gen_vm *vm, uint64_t start, uint64_t end, vm_prot_t prot);
void gen_map_wire(struct gen_vm *vm, uint64_t start, uint64_t end, bool wired);
/* Pages of RAM-backed (non-device) mappings; wired pages. */
uint64_t gen_vm_pages(const struct gen_vm *vm);
uint64_t gen_vm_wired(const struct gen_vm *vm);

#define GEN_MAX_STEP 16 /* the most events one step writes */

enum gen_shape {
	GEN_MIXED,
	GEN_FORK_TREE,
	GEN_MMAP_STORM,
	GEN_SUPERPAGE,
	GEN_COPY,
	GEN_PAGEOUT,
	GEN_SHAPES,
};

/* The steps a shape mixes (eptsim_gen_ops.c). */
enum gen_op {
	OP_FAULT,
	OP_SEGV,
	OP_COPY,
	OP_MMAP,
	OP_MPROTECT,
	OP_MUNMAP,
	OP_MADVISE,
	OP_WIRE,
	OP_UNWIRE,
	OP_FORK,
	OP_EXIT,
	OP_EXEC,
	OP_GUEST,
	OP_GUEST_DESTROY,
	OP_DEVICE,
	OP_PAGEOUT,
	OP_CHECK,
	OP_SCHED,
	OP_COUNT,
};

/* The generator: the live vmspaces and where the trace stands. */
struct gen {
	struct gen_rng rng;
	enum gen_shape shape;
	struct trace_writer *w;
	uint64_t events, target;
	struct gen_vm vm[GEN_MAX_VMS];
	unsigned nvm;
	unsigned cur; /* the vmspace that is running: faults mostly go here */
	uint32_t next_id, next_tid;
	uint64_t next_dev;
};

/* What a step wants of a segment (gen_pick_seg). */
struct gen_want {
	bool no_device, no_wired, only_wired, readable_or_writable, any_prot;
};

/* The live vmspaces (eptsim_gen_model.c). */
struct gen_vm *gen_vm_by_id(struct gen *g, uint32_t id);
struct gen_vm *gen_vm_new(struct gen *g, bool guest, uint32_t owner);
void gen_vm_forget(struct gen *g, struct gen_vm *vm); /* moves the others around */
uint64_t gen_total_pages(const struct gen *g);
uint64_t gen_total_wired(const struct gen *g);
unsigned gen_nprocs(const struct gen *g);
unsigned gen_nguests(const struct gen *g, uint32_t owner);

/* Random choices (eptsim_gen_model.c). */
struct gen_vm *gen_pick_proc(struct gen *g);
struct gen_vm *gen_pick_any(struct gen *g);
const struct gen_vm *gen_runner(struct gen *g, const struct gen_vm *vm);
struct gen_seg *gen_pick_seg(struct gen *g, struct gen_vm *vm, const struct gen_want *w);
void gen_subrange(struct gen *g, const struct gen_seg *s, uint64_t max, uint64_t *start,
                  uint64_t *end);
vm_prot_t gen_pick_prot(struct gen *g, bool none);
vm_prot_t gen_pick_access(struct gen *g, vm_prot_t prot, bool fetch_ok);
uint64_t gen_pick_va(struct gen *g, struct gen_vm *vm, const struct gen_seg *s);

/* Writing events, and the steps (eptsim_gen_ops.c). */
struct trace_event gen_ev(enum trace_op op, uint32_t vm);
void gen_emit(struct gen *g, const struct trace_event *ev);
void gen_emit_sched(struct gen *g, const struct gen_vm *vm);
void gen_image(struct gen *g, struct gen_vm *vm);
void gen_destroy_guests(struct gen *g, uint32_t owner);
bool op_fault(struct gen *g);
bool op_sched(struct gen *g);
/* Each step writes at most GEN_MAX_STEP events; false: it could not, and wrote none. */
extern bool (*const gen_ops[OP_COUNT])(struct gen *g);

#endif /* EPTSIM_TOOLS_EPTSIM_GEN_H */
