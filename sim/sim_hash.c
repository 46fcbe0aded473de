/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * sim_hash.c - open-addressing hash map (see sim_hash.h).
 */
#include <stdlib.h>

#include "sim/sim_hash.h"

void
sim_hash_init(struct sim_hash *h)
{
	h->keys = NULL;
	h->vals = NULL;
	h->cap = 0;
	h->n = 0;
}

void
sim_hash_fini(struct sim_hash *h)
{
	free(h->keys);
	free(h->vals);
	sim_hash_init(h);
}

void *
sim_hash_get(const struct sim_hash *h, uint64_t key)
{
	size_t i;

	if (h->cap == 0)
		return NULL;
	for (i = sim_hash_slot(key, h->cap); h->vals[i] != NULL; i = (i + 1) & (h->cap - 1))
		if (h->keys[i] == key)
			return h->vals[i];
	return NULL;
}

static void
sim_hash_place(struct sim_hash *h, uint64_t key, void *val)
{
	size_t i = sim_hash_slot(key, h->cap);

	while (h->vals[i] != NULL && h->keys[i] != key)
		i = (i + 1) & (h->cap - 1);
	if (h->vals[i] == NULL)
		h->n++;
	h->keys[i] = key;
	h->vals[i] = val;
}

static bool
sim_hash_grow(struct sim_hash *h)
{
	struct sim_hash old = *h;
	size_t i, cap = old.cap ? old.cap * 2 : 64;

	h->keys = malloc(cap * sizeof(*h->keys));
	h->vals = calloc(cap, sizeof(*h->vals));
	if (h->keys == NULL || h->vals == NULL) {
		free(h->keys);
		free(h->vals);
		*h = old;
		return false;
	}
	h->cap = cap;
	h->n = 0;
	for (i = 0; i < old.cap; i++)
		if (old.vals[i] != NULL)
			sim_hash_place(h, old.keys[i], old.vals[i]);
	free(old.keys);
	free(old.vals);
	return true;
}

bool
sim_hash_put(struct sim_hash *h, uint64_t key, void *val)
{
	if ((h->n + 1) * 4 > h->cap * 3 && !sim_hash_grow(h))
		return false;
	sim_hash_place(h, key, val);
	return true;
}

void *
sim_hash_del(struct sim_hash *h, uint64_t key)
{
	size_t i, j, home;
	void *val;

	if (h->cap == 0)
		return NULL;
	for (i = sim_hash_slot(key, h->cap); h->vals[i] != NULL; i = (i + 1) & (h->cap - 1))
		if (h->keys[i] == key)
			break;
	if ((val = h->vals[i]) == NULL)
		return NULL;
	/* Backward shift: pull later members of the run into the hole. */
	for (j = (i + 1) & (h->cap - 1); h->vals[j] != NULL; j = (j + 1) & (h->cap - 1)) {
		home = sim_hash_slot(h->keys[j], h->cap);
		if (((j - home) & (h->cap - 1)) >= ((j - i) & (h->cap - 1))) {
			h->keys[i] = h->keys[j];
			h->vals[i] = h->vals[j];
			i = j;
		}
	}
	h->vals[i] = NULL;
	h->n--;
	return val;
}

void
sim_hash_each(const struct sim_hash *h, void (*fn)(uint64_t key, void *val, void *arg), void *arg)
{
	size_t i;

	for (i = 0; i < h->cap; i++)
		if (h->vals[i] != NULL)
			fn(h->keys[i], h->vals[i], arg);
}
