/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * vm_object.c - VM objects: anonymous (with shadow chains), file, device;
 * their resident pages; and the swap store that keeps a page's contents
 * while it is paged out (anonymous pages) or written back (file pages).
 */
#include <stdlib.h>
#include <string.h>

#include "sim/vm.h"

struct sim_obj *
sim_obj_new(struct sim *s, enum sim_obj_type type)
{
	struct sim_obj *o = calloc(1, sizeof(*o));

	if (o == NULL)
		return NULL;
	o->id = ++s->next_obj_id;
	o->type = type;
	o->refs = 1;
	o->memattr = PMAP_MA_WB;
	return o;
}

void
sim_obj_ref(struct sim_obj *o)
{
	o->refs++;
}

static void
sim_obj_free_saved(uint64_t key, void *val, void *arg)
{
	(void)key;
	(void)arg;
	free(val);
}

/* The object's last reference went: its pages, its swap, its backing. */
static void
sim_obj_destroy(struct sim *s, struct sim_obj *o)
{
	struct sim_obj *backing = o->backing;

	while (o->pages != NULL)
		sim_obj_free_page(s, o->pages);
	sim_hash_each(&o->swap, sim_obj_free_saved, NULL);
	sim_hash_fini(&o->swap);
	free(o);
	if (backing != NULL)
		sim_obj_unref(s, backing);
}

void
sim_obj_unref(struct sim *s, struct sim_obj *o)
{
	if (--o->refs == 0)
		sim_obj_destroy(s, o);
}

/* The object of file @file, made on first use; the file table holds it. */
struct sim_obj *
sim_file_obj(struct sim *s, uint64_t file)
{
	struct sim_obj *o = sim_hash_get(&s->files, file);

	if (o != NULL)
		return o;
	o = sim_obj_new(s, SIM_OBJ_FILE);
	if (o == NULL)
		return NULL;
	o->file = file;
	if (!sim_hash_put(&s->files, file, o)) {
		free(o);
		return NULL;
	}
	return o;
}

bool
sim_obj_in_swap(struct sim *s, const struct sim_obj *o, uint64_t pindex)
{
	(void)s;
	return sim_hash_get(&o->swap, pindex) != NULL;
}

struct sim_page *
sim_obj_page(struct sim *s, const struct sim_obj *o, uint64_t pindex)
{
	return sim_hash_get(&s->pages, sim_page_key(o, pindex));
}

/*
 * Find page @pindex of @top, looking down the shadow chain.  Stores in
 * *where and *where_pindex the object that holds it, or that would page it
 * in (one with it in swap, else the bottom object), and its index there.
 */
struct sim_page *
sim_obj_lookup(struct sim *s, struct sim_obj *top, uint64_t pindex, struct sim_obj **where,
               uint64_t *where_pindex)
{
	struct sim_obj *o = top;
	struct sim_page *pg;

	for (;;) {
		*where = o;
		*where_pindex = pindex;
		if ((pg = sim_obj_page(s, o, pindex)) != NULL)
			return pg;
		if (sim_obj_in_swap(s, o, pindex) || o->backing == NULL)
			return NULL;
		pindex += o->backing_pindex;
		o = o->backing;
	}
}

void *
sim_page_data(struct sim *s, const struct sim_page *pg)
{
	return sim_phys_ptr(s->sp, pg->md.hpa);
}

#define SIM_FILE_SEED 0x9e3779b97f4a7c15ul
#define SIM_FILE_MUL  0xbf58476d1ce4e5b9ul

/* Word @word of page @pindex of file @file: what the disk holds. */
uint64_t
sim_file_word(uint64_t file, uint64_t pindex, unsigned word)
{
	uint64_t x = (file << 40) ^ (pindex << 9) ^ word ^ SIM_FILE_SEED;

	x ^= x >> 31;
	x *= SIM_FILE_MUL;
	return x ^ (x >> 29);
}

/*
 * Page @pindex of file @file: its 512 sim_file_word()s, without a multiply
 * per word.  The word number only reaches bits 8:0 of x, which x >> 31
 * drops, so x = k ^ word for a k of the page; and with word = 16q + j,
 * k ^ word = (k & ~511) + 16 (q ^ k8:4) + (j ^ k3:0), three terms with no
 * bit in common, so x * MUL is a row part (r = q ^ k8:4, the same in a
 * row of 16 words, one more 16 * MUL from row to row) plus a column part
 * (j), the same in every row.
 */
/* Two words at once (GCC and Clang vector extensions): adds, shifts and xors lane by lane. */
typedef uint64_t sim_u64x2 __attribute__((vector_size(16)));

void
sim_file_page(uint64_t file, uint64_t pindex, uint64_t *data)
{
	uint64_t k = (file << 40) ^ (pindex << 9) ^ SIM_FILE_SEED;
	sim_u64x2 col[8], row, y;
	uint64_t *out;
	unsigned r, j;

	k ^= k >> 31;
	for (j = 0; j < 8; j++)
		col[j] = (sim_u64x2){ ((2 * j) ^ (k & 15)) * SIM_FILE_MUL,
			              ((2 * j + 1) ^ (k & 15)) * SIM_FILE_MUL };
	row = (sim_u64x2){ (k & ~511ul) * SIM_FILE_MUL, (k & ~511ul) * SIM_FILE_MUL };
	for (r = 0; r < PMAP_PAGE_SIZE / 8 / 16; r++, row += 16 * SIM_FILE_MUL) {
		out = &data[(r ^ (k >> 4 & 31)) * 16];
		for (j = 0; j < 8; j++) {
			y = row + col[j];
			y ^= y >> 29;
			memcpy(&out[2 * j], &y, sizeof(y));
		}
	}
}

/* Make a frame page @pindex of @o: zeroed, or (@zeroed false) for the caller to fill. */
static struct sim_page *
sim_obj_insert_new(struct sim *s, struct sim_obj *o, uint64_t pindex, bool zeroed)
{
	uint64_t hpa = sim_frame_alloc(s, zeroed);
	struct sim_page *pg;

	if (hpa == 0)
		return NULL;
	pg = sim_phys_page(s->sp, hpa);
	if (!sim_hash_put(&s->pages, sim_page_key(o, pindex), pg)) {
		sim_phys_free(s->sp, hpa);
		sim_fail(s, "out of host memory for the page map");
		return NULL;
	}
	pg->obj = o;
	pg->pindex = pindex;
	pg->dirty_truth = false;
	pg->ref_truth = false;
	pg->md.flags = 0;
	pg->obj_prev = NULL;
	pg->obj_next = o->pages;
	if (o->pages != NULL)
		o->pages->obj_prev = pg;
	o->pages = pg;
	o->resident++;
	sim_clock_insert(s, pg);
	if (++s->resident > s->stats.peak_resident_pages)
		s->stats.peak_resident_pages = s->resident;
	return pg;
}

/*
 * Bring page @pindex of @o in: from the swap store if it was saved, else
 * zero (anonymous) or the file's contents.  NULL when memory is full
 * (s->fatal says so).
 */
struct sim_page *
sim_obj_page_in(struct sim *s, struct sim_obj *o, uint64_t pindex)
{
	/* The saved copy stays: a clean page may be dropped again unsaved. */
	uint64_t *saved = sim_hash_get(&o->swap, pindex), *data;
	struct sim_page *pg =
	    sim_obj_insert_new(s, o, pindex, saved == NULL && o->type != SIM_OBJ_FILE);

	if (pg == NULL)
		return NULL;
	data = sim_page_data(s, pg);
	if (saved != NULL) {
		memcpy(data, saved, PMAP_PAGE_SIZE);
		s->stats.swap_ins++;
	} else if (o->type == SIM_OBJ_FILE) {
		sim_file_page(o->file, pindex, data);
		s->stats.file_reads++;
	} else {
		s->stats.zero_fills++; /* the allocator zeroed it */
	}
	return pg;
}

/* A copy of @from as page @pindex of @o (copy-on-write). */
struct sim_page *
sim_obj_copy_page(struct sim *s, struct sim_obj *o, uint64_t pindex, const struct sim_page *from)
{
	struct sim_page *pg = sim_obj_insert_new(s, o, pindex, false);

	if (pg == NULL)
		return NULL;
	memcpy(sim_page_data(s, pg), sim_page_data(s, from), PMAP_PAGE_SIZE);
	pg->dirty_truth = true;
	s->stats.cow_copies++;
	return pg;
}

/* Keep @pg's contents in its object's swap store (page-out or write-back). */
void
sim_obj_save_page(struct sim *s, struct sim_page *pg)
{
	struct sim_obj *o = pg->obj;
	void *copy = sim_hash_get(&o->swap, pg->pindex);

	if (copy == NULL) {
		copy = malloc(PMAP_PAGE_SIZE);
		if (copy == NULL || !sim_hash_put(&o->swap, pg->pindex, copy)) {
			free(copy);
			sim_fail(s, "out of host memory for the swap store");
			return;
		}
	}
	memcpy(copy, sim_page_data(s, pg), PMAP_PAGE_SIZE);
	s->stats.swap_outs++;
}

/* Unmap @pg everywhere, take it out of its object and free the frame. */
void
sim_obj_free_page(struct sim *s, struct sim_page *pg)
{
	struct sim_obj *o = pg->obj;

	pmap_page_protect(&pg->md, VM_PROT_NONE);
	sim_hash_del(&s->pages, sim_page_key(o, pg->pindex));
	if (pg->obj_prev != NULL)
		pg->obj_prev->obj_next = pg->obj_next;
	else
		o->pages = pg->obj_next;
	if (pg->obj_next != NULL)
		pg->obj_next->obj_prev = pg->obj_prev;
	o->resident--;
	s->resident--;
	sim_clock_remove(s, pg);
	pg->obj = NULL;
	pg->md.flags = 0;
	sim_phys_free(s->sp, pg->md.hpa);
}
