/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * vfy_unicorn_mem.c - the Unicorn engine's copy of the caller's memory:
 * which pages it holds (an open hash on hpa), how a run's path is loaded
 * into it, and which frame an access's bytes came from.
 *
 * The loader follows @gva's path by the layout alone (SDM 3A 4.5: bits
 * 51:12 of a present entry address the next table; PS=1 in a PDPTE or PDE,
 * and every PTE, name a page) and checks no right and no reserved bit:
 * what the entries mean is the engine's business.  A CPU that read them
 * otherwise walks into memory that is not loaded, and that shows.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "verify/vfy_bits.h"
#include "verify/vfy_unicorn_priv.h"

#define ENTRY_P  VFY_BIT(0)
#define ENTRY_RW VFY_BIT(1)
#define ENTRY_US VFY_BIT(2)
#define ENTRY_A  VFY_BIT(5)
#define ENTRY_PS VFY_BIT(7)

/* Record a Unicorn error @e from @what in u->err; returns -1. */
int
uc_fail(struct vfy_uc *u, uc_err e, const char *what)
{
	snprintf(u->err, sizeof(u->err), "%s: %s", what, uc_strerror(e));
	return -1;
}

/* The host copy of the 8 bytes at @hpa from the engine (after the CPU wrote them). */
void
uc_host_sync(struct vfy_uc *u, uint64_t hpa)
{
	struct uc_page *pg = uc_page_find(u, hpa);

	if (pg != NULL)
		uc_mem_read(u->uc, hpa, pg->host + (hpa - pg->hpa), 8);
}

/* ---- the page set ---- */

static unsigned
uc_hash(uint64_t hpa, unsigned nslots)
{
	return (unsigned)(((hpa >> 12) * UINT64_C(0x9e3779b97f4a7c15)) >> 40) & (nslots - 1);
}

/* The page holding @hpa, NULL when the engine has none there. */
struct uc_page *
uc_page_find(struct vfy_uc *u, uint64_t hpa)
{
	unsigned n = 2 * u->cap, i;

	hpa &= ~(uint64_t)(UC_PAGE - 1);
	if (u->cap == 0)
		return NULL;
	for (i = uc_hash(hpa, n); u->slot[i] != 0; i = (i + 1) & (n - 1)) {
		if (u->pages[u->slot[i] - 1].hpa == hpa)
			return &u->pages[u->slot[i] - 1];
	}
	return NULL;
}

static void
uc_slot_insert(struct vfy_uc *u, unsigned idx)
{
	unsigned n = 2 * u->cap, i;

	for (i = uc_hash(u->pages[idx].hpa, n); u->slot[i] != 0; i = (i + 1) & (n - 1))
		continue;
	u->slot[i] = idx + 1;
}

/* Double the set's capacity; -1 when out of memory. */
static int
uc_pages_grow(struct vfy_uc *u)
{
	unsigned cap = u->cap != 0 ? 2 * u->cap : 16, i;
	struct uc_page *pages = realloc(u->pages, cap * sizeof(*pages));
	unsigned *slot;

	if (pages == NULL)
		return -1;
	u->pages = pages;
	slot = calloc(2 * (size_t)cap, sizeof(*slot));
	if (slot == NULL)
		return -1;
	free(u->slot);
	u->slot = slot;
	u->cap = cap;
	for (i = 0; i < u->npages; i++)
		uc_slot_insert(u, i);
	return 0;
}

void
uc_pages_free(struct vfy_uc *u)
{
	unsigned i;

	for (i = 0; i < u->npages; i++)
		free(u->pages[i].host);
	free(u->pages);
	free(u->slot);
	free(u->chunks);
	u->pages = NULL;
	u->slot = NULL;
	u->chunks = NULL;
	u->npages = u->cap = u->nchunks = u->chunk_cap = 0;
}

/*
 * Map the UC_CHUNK holding @hpa unless it is mapped (the stub's pages lie
 * in a chunk of their own: uc_is_stub() keeps callers out of it).
 */
static int
uc_chunk_map(struct vfy_uc *u, uint64_t hpa)
{
	uint64_t base = hpa & ~(UC_CHUNK - 1), *grown;
	unsigned i;
	uc_err e;

	if (base < u->premapped)
		return 0;
	for (i = 0; i < u->nchunks; i++) {
		if (u->chunks[i] == base)
			return 0;
	}
	if (u->nchunks == u->chunk_cap) {
		grown = realloc(u->chunks, (u->chunk_cap + 16) * sizeof(*grown));
		if (grown == NULL) {
			snprintf(u->err, sizeof(u->err), "out of memory");
			return -1;
		}
		u->chunks = grown;
		u->chunk_cap += 16;
	}
	e = uc_mem_map(u->uc, base, UC_CHUNK, UC_PROT_ALL);
	if (e != UC_ERR_OK)
		return uc_fail(u, e, "uc_mem_map");
	u->chunks[u->nchunks++] = base;
	return 0;
}

int
vfy_uc_premap(struct vfy_uc *u, uint64_t size)
{
	uint64_t end = (size + UC_CHUNK - 1) & ~(UC_CHUNK - 1);
	uc_err e;

	if (u->premapped != 0 || u->nchunks != 0 || end == 0 || end > VFY_UC_PREMAP_MAX) {
		snprintf(u->err, sizeof(u->err),
		         "premap of 0x%llx bytes: only once, first, and at most 0x%llx",
		         (unsigned long long)size, (unsigned long long)VFY_UC_PREMAP_MAX);
		return -1;
	}
	e = uc_mem_map(u->uc, 0, end, UC_PROT_ALL);
	if (e != UC_ERR_OK)
		return uc_fail(u, e, "uc_mem_map (premap)");
	u->premapped = end;
	return 0;
}

/* Map the page at @hpa into the engine (once) with @role.  NULL on failure. */
static struct uc_page *
uc_page_get(struct vfy_uc *u, uint64_t hpa, enum uc_role role)
{
	struct uc_page *pg = uc_page_find(u, hpa);

	if (pg != NULL) {
		pg->role = role;
		pg->patterned &= role == ROLE_FRAME;
		return pg;
	}
	if (u->npages == u->cap && uc_pages_grow(u) != 0) {
		snprintf(u->err, sizeof(u->err), "out of memory");
		return NULL;
	}
	if (uc_chunk_map(u, hpa) != 0)
		return NULL;
	pg = &u->pages[u->npages];
	pg->hpa = hpa & ~(uint64_t)(UC_PAGE - 1);
	pg->role = role;
	pg->patterned = false;
	pg->dirty_lo = pg->dirty_hi = 0;
	pg->code_off = -1;
	pg->host = calloc(1, UC_PAGE);
	if (pg->host == NULL) {
		snprintf(u->err, sizeof(u->err), "out of memory");
		return NULL;
	}
	uc_slot_insert(u, u->npages++);
	return pg;
}

/* ---- contents ---- */

/* The pattern word of the 8-aligned address @a. */
static uint64_t
uc_pattern_word(uint64_t a)
{
	return a ^ UINT64_C(0x5041540000000000); /* "PAT" above any frame address */
}

uint64_t
vfy_uc_pattern(uint64_t hpa)
{
	uint64_t lo = uc_pattern_word(hpa & ~UINT64_C(7));
	uint64_t hi = uc_pattern_word((hpa & ~UINT64_C(7)) + 8);
	unsigned sh = 8 * (unsigned)(hpa & 7);

	return sh == 0 ? lo : (lo >> sh) | (hi << (64 - sh));
}

/* Grow @pg's dirty range to hold [@lo, @hi). */
static void
uc_dirty(struct uc_page *pg, unsigned lo, unsigned hi)
{
	if (pg->dirty_lo >= pg->dirty_hi) {
		pg->dirty_lo = (uint16_t)lo;
		pg->dirty_hi = (uint16_t)hi;
		return;
	}
	pg->dirty_lo = (uint16_t)(lo < pg->dirty_lo ? lo : pg->dirty_lo);
	pg->dirty_hi = (uint16_t)(hi > pg->dirty_hi ? hi : pg->dirty_hi);
}

/*
 * A frame in the host copy: the pattern (where it may have changed), and
 * for a fetch the frame's code at @off.  Returns the byte range of the
 * host copy that changed ([*lo, *hi), empty when nothing did).
 */
static void
uc_fill_frame(struct uc_page *pg, bool fetch, unsigned off, unsigned *lo, unsigned *hi)
{
	static const uint8_t jmp_r8[3] = { 0x41, 0xff, 0xe0 };
	uint64_t w, tag = pg->hpa ^ FETCH_MAGIC;
	unsigned i;

	*lo = *hi = 0;
	if (pg->patterned && fetch && pg->code_off == (int)off && pg->dirty_lo == off &&
	    pg->dirty_hi == off + FETCH_LEN)
		return; /* the code is there already */
	if (!pg->patterned)
		*hi = UC_PAGE;
	else if (pg->dirty_lo < pg->dirty_hi) {
		*lo = pg->dirty_lo & ~7u;
		*hi = (pg->dirty_hi + 7u) & ~7u;
	}
	for (i = *lo; i < *hi; i += 8) {
		w = uc_pattern_word(pg->hpa + i);
		memcpy(pg->host + i, &w, 8);
	}
	pg->patterned = true;
	pg->dirty_lo = pg->dirty_hi = 0;
	pg->code_off = -1;
	if (!fetch)
		return;
	pg->host[off] = 0x48;     /* REX.W */
	pg->host[off + 1] = 0xb8; /* mov rax, imm64 */
	memcpy(pg->host + off + 2, &tag, 8);
	memcpy(pg->host + off + 10, jmp_r8, sizeof(jmp_r8));
	pg->code_off = (int)off;
	uc_dirty(pg, off, off + FETCH_LEN);
	*lo = *hi == 0 ? off : (off < *lo ? off : *lo);
	*hi = off + FETCH_LEN > *hi ? off + FETCH_LEN : *hi;
}

/* Write @len bytes at @hpa into the engine and the page's host copy. */
static int
uc_page_write(struct vfy_uc *u, struct uc_page *pg, uint64_t hpa, const void *src, unsigned len)
{
	uc_err e;

	pg->patterned = false;
	if (memcmp(pg->host + (hpa - pg->hpa), src, len) == 0)
		return 0; /* the engine holds it */
	memcpy(pg->host + (hpa - pg->hpa), src, len);
	e = uc_mem_write(u->uc, hpa, src, len);
	return e == UC_ERR_OK ? 0 : uc_fail(u, e, "uc_mem_write");
}

/* ---- the stub's PML4 slot ---- */

/* The slot the stub borrows: 0x1ff, or 0x1fe when @gva is in 0x1ff. */
unsigned
uc_stub_slot(uint64_t gva)
{
	return ((gva >> 39) & 0x1ff) == 0x1ff ? 0x1fe : 0x1ff;
}

/* First address of PML4 slot @slot (>= 0x100: the upper half). */
uint64_t
uc_stub_va(unsigned slot)
{
	return ~UINT64_C(0) << 47 | (uint64_t)slot << 39;
}

/* Point slot @slot of the PML4 page at @pml4 (engine copy) at the stub's PDPT. */
int
uc_stub_slot_write(struct vfy_uc *u, uint64_t pml4, unsigned slot)
{
	uint64_t e = (VFY_UC_STUB_HPA + STUB_PDPT) | ENTRY_P | ENTRY_RW | ENTRY_US | ENTRY_A;
	struct uc_page *pg = uc_page_find(u, pml4);
	uc_err err;

	if (pg != NULL && memcmp(pg->host + 8 * slot, &e, 8) == 0)
		return 0;
	if (pg != NULL)
		memcpy(pg->host + 8 * slot, &e, 8);
	err = uc_mem_write(u->uc, pml4 + 8 * slot, &e, 8);
	return err == UC_ERR_OK ? 0 : uc_fail(u, err, "uc_mem_write (stub slot)");
}

/* ---- the loader ---- */

/* Is @hpa beyond MAXPHYADDR (an entry with reserved bits set points there)? */
static bool
uc_beyond(const struct vfy_uc *u, uint64_t hpa)
{
	return hpa >> u->cpu.maxphyaddr != 0;
}

/* Is the page at @hpa in the chunk of the backend's own pages? */
static bool
uc_is_stub(uint64_t hpa)
{
	return (hpa & ~(UC_CHUNK - 1)) == (VFY_UC_STUB_HPA & ~(UC_CHUNK - 1));
}

/* Is @e at @level a page by the layout (PTE; PS in a PDPTE or PDE)? */
static bool
uc_names_page(int level, uint64_t e)
{
	if (level == VFY_LEVEL_PTE)
		return true;
	return level != VFY_LEVEL_PML4E && (e & ENTRY_PS) != 0;
}

/* Copy @gva's entry at @level of the table at @table into the engine and @res. */
static int
uc_load_level(struct vfy_uc *u, const struct vfy_mem *mem, uint64_t table, uint64_t gva, int level,
              struct vfy_uc_result *res)
{
	struct vfy_uc_level *lv = &res->lv[level];
	struct uc_page *pg;

	lv->hpa = vfy_entry_hpa(table, gva, level);
	if (!mem->read64(mem->ctx, lv->hpa, &lv->before)) {
		snprintf(u->err, sizeof(u->err), "%s at 0x%llx is not memory",
		         vfy_level_name(level), (unsigned long long)lv->hpa);
		return -1;
	}
	pg = uc_page_get(u, table, ROLE_TABLE);
	if (pg == NULL || uc_page_write(u, pg, lv->hpa, &lv->before, 8) != 0)
		return -1;
	lv->loaded = true;
	lv->after = lv->before;
	res->stop_level = level;
	return 0;
}

/* Is the page at @hpa one of the tables on the path loaded so far? */
static bool
uc_on_path(const struct vfy_uc_result *res, uint64_t hpa)
{
	int level;

	for (level = VFY_LEVEL_PML4E; level >= res->stop_level; level--) {
		if (res->lv[level].loaded && (res->lv[level].hpa & VFY_ADDR_4K) == hpa)
			return true;
	}
	return false;
}

/*
 * Load the frame page at @frame, patterned, unless it is one of this
 * path's tables (it then stays raw) or beyond MAXPHYADDR (reserved bits:
 * the CPU faults).  0, or -1 (a frame in the backend's pages).
 */
static int
uc_load_frame(struct vfy_uc *u, const struct vfy_uc_req *req, uint64_t frame,
              const struct vfy_uc_result *res)
{
	struct uc_page *pg;
	unsigned lo, hi;
	uc_err e;

	if (uc_beyond(u, frame) || uc_on_path(res, frame))
		return 0;
	if (uc_is_stub(frame)) {
		snprintf(u->err, sizeof(u->err), "frame 0x%llx is in the backend's pages",
		         (unsigned long long)frame);
		return -1;
	}
	pg = uc_page_get(u, frame, ROLE_FRAME);
	if (pg == NULL)
		return -1;
	u->run_frame = pg->hpa;
	uc_fill_frame(pg, req->access == VFY_ACC_FETCH, (unsigned)(req->gva & (UC_PAGE - 1)), &lo,
	              &hi);
	if (lo >= hi)
		return 0;
	e = uc_mem_write(u->uc, pg->hpa + lo, pg->host + lo, hi - lo);
	return e == UC_ERR_OK ? 0 : uc_fail(u, e, "uc_mem_write (frame)");
}

/*
 * Load @req->gva's path (see the file comment): each entry on it, and the
 * frame its leaf names, patterned.  Nothing else is read: the access
 * reads nothing else.  Pages loaded by earlier runs keep what they held
 * (a TLB kept across runs may still reach them).  Returns 0 or -1 (u->err).
 */
int
uc_load(struct vfy_uc *u, const struct vfy_mem *mem, const struct vfy_uc_req *req,
        struct vfy_uc_result *res)
{
	uint64_t table = req->cr3 & VFY_ADDR_4K, e, frame;
	int level;

	u->run_frame = ~UINT64_C(0);
	for (level = VFY_LEVEL_PML4E; level >= VFY_LEVEL_PTE; level--) {
		if (uc_beyond(u, table))
			break; /* reserved address bits: the CPU faults */
		if (uc_is_stub(table)) {
			snprintf(u->err, sizeof(u->err),
			         "%s table 0x%llx is in the backend's pages", vfy_level_name(level),
			         (unsigned long long)table);
			return -1;
		}
		if (uc_load_level(u, mem, table, req->gva, level, res) != 0)
			return -1;
		e = res->lv[level].before;
		if (!(e & ENTRY_P))
			break;
		if (uc_names_page(level, e)) {
			frame = vfy_leaf_frame(e, level) |
			        (req->gva & (vfy_page_size(level) - 1) & VFY_ADDR_4K);
			if (uc_load_frame(u, req, frame, res) != 0)
				return -1;
			break;
		}
		table = e & VFY_ADDR_4K;
	}
	return uc_stub_slot_write(u, req->cr3 & VFY_ADDR_4K, uc_stub_slot(req->gva));
}

/* ---- which frame ---- */

/*
 * The bytes at @off of the frame page at @hpa, if the engine holds one
 * there, equal @rax: as they were loaded (@host) for a read, newly the
 * store's tag in the engine for a write (the store is then undone).
 */
static bool
uc_frame_holds(struct vfy_uc *u, uint64_t hpa, unsigned off, uint64_t rax, bool write)
{
	struct uc_page *pg = hpa == ~UINT64_C(0) ? NULL : uc_page_find(u, hpa);
	uint8_t now[8];

	if (pg == NULL)
		return false;
	if (!write)
		return memcmp(pg->host + off, &rax, 8) == 0;
	if (memcmp(pg->host + off, &rax, 8) == 0 ||
	    uc_mem_read(u->uc, pg->hpa + off, now, 8) != UC_ERR_OK)
		return false;
	if (memcmp(now, &rax, 8) != 0)
		return false;
	/* undone: the next store there must be new again, whichever run makes it */
	uc_mem_write(u->uc, pg->hpa + off, pg->host + off, 8);
	return true;
}

/*
 * The page whose bytes at @off are @rax (read: as loaded; write: the tag,
 * new since the load).  The candidates first: a read's pattern names its
 * page (uc_pattern_word() is a xor), and a store lands in one place, so
 * the frame this run's path led to holding the new tag is the one; else
 * every page, and a read's bytes must then be in exactly one.
 */
static void
uc_identify_data(struct vfy_uc *u, unsigned off, uint64_t rax, bool write,
                 struct vfy_uc_result *res)
{
	uint64_t named = (uc_pattern_word(rax) - (off & ~7u)) & ~(uint64_t)(UC_PAGE - 1);
	unsigned i, hits = 0;

	res->value = rax;
	if ((off & 7) == 0 && !write && uc_frame_holds(u, named, off, rax, false)) {
		res->frame = named;
		res->frame_found = true;
		return;
	}
	if (uc_frame_holds(u, u->run_frame, off, rax, write)) {
		res->frame = u->run_frame;
		res->frame_found = true;
		return;
	}
	for (i = 0; i < u->npages; i++) {
		if (uc_frame_holds(u, u->pages[i].hpa, off, rax, write)) {
			hits++;
			res->frame = u->pages[i].hpa;
		}
	}
	res->frame_found = hits == 1;
}

static void
uc_identify_fetch(struct vfy_uc *u, uint64_t rax, struct vfy_uc_result *res)
{
	const struct uc_page *pg = uc_page_find(u, rax ^ FETCH_MAGIC);

	res->value = rax;
	res->frame_found = pg != NULL && pg->role == ROLE_FRAME && pg->hpa == (rax ^ FETCH_MAGIC);
	if (res->frame_found)
		res->frame = pg->hpa;
}

/*
 * After an access that did not fault: which frame its bytes came from
 * (read: the page whose bytes were loaded, unique; write: the page that
 * now holds VFY_UC_WRITE_TAG; fetch: the frame named by its code's
 * immediate).
 */
void
uc_identify(struct vfy_uc *u, const struct vfy_uc_req *req, uint64_t rax, struct vfy_uc_result *res)
{
	unsigned off = (unsigned)(req->gva & (UC_PAGE - 1));

	if (req->access == VFY_ACC_READ)
		uc_identify_data(u, off, rax, false, res);
	else if (req->access == VFY_ACC_WRITE)
		uc_identify_data(u, off, VFY_UC_WRITE_TAG, true, res);
	else
		uc_identify_fetch(u, rax, res);
}
