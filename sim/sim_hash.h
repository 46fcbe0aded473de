/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * sim_hash.h - a map from 64-bit keys to non-NULL pointers (open
 * addressing, linear probing, backward-shift deletion).  The simulator's
 * object pages, files, vmspaces and swap slots live in these.
 */
#ifndef EPTSIM_SIM_HASH_H
#define EPTSIM_SIM_HASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sim_hash {
	uint64_t *keys;
	void **vals; /* NULL: empty slot */
	size_t cap;  /* a power of two, or 0 before the first insert */
	size_t n;
};

void sim_hash_init(struct sim_hash *h);
void sim_hash_fini(struct sim_hash *h);
void *sim_hash_get(const struct sim_hash *h, uint64_t key);
/* Insert or replace; returns false when memory runs out. */
bool sim_hash_put(struct sim_hash *h, uint64_t key, void *val);
/* Remove @key; returns its value or NULL. */
void *sim_hash_del(struct sim_hash *h, uint64_t key);

/* The slot where @key's probe starts in a map of @cap slots. */
static inline size_t
sim_hash_slot(uint64_t key, size_t cap)
{
	key ^= key >> 33;
	key *= 0xff51afd7ed558ccdull;
	key ^= key >> 33;
	return (size_t)key & (cap - 1);
}

/* Ask the cache for the slot where @key's probe starts (no effect on the map). */
static inline __attribute__((always_inline)) void
sim_hash_prefetch(const struct sim_hash *h, uint64_t key)
{
	size_t i;

	if (h->cap == 0)
		return;
	i = sim_hash_slot(key, h->cap);
	__builtin_prefetch(&h->keys[i]);
	__builtin_prefetch(&h->vals[i]);
}

/* Visit every entry (in no order); @fn may not change the map. */
void sim_hash_each(const struct sim_hash *h, void (*fn)(uint64_t key, void *val, void *arg),
                   void *arg);

#endif /* EPTSIM_SIM_HASH_H */
