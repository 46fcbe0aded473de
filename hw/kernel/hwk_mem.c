/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * hwk_mem.c - what the loader handed over, and physical pages.
 *
 * Both loaders give a memory map (E820 entries from hw/boot/boot.S, tag 6
 * from Multiboot2) and the op list (after the kernel on the boot disk, or
 * the first Multiboot2 module).  The page pool is the usable range that
 * holds the first byte past the kernel, the op list and the boot
 * information, clipped to the direct map (1 GiB).  Its head holds the
 * vm_page array (one struct hwk_page per pool frame, for
 * pmap_plat_page_lookup); the rest is handed out by a bump pointer and a
 * free list threaded through the free frames.
 */
#include "hwk.h"
#include "pmap/pmap_plat.h"

#define MB2_BOOT_MAGIC 0x36d76289u
#define MB2_TAG_END    0
#define MB2_TAG_MODULE 3
#define MB2_TAG_MMAP   6
#define E820_USABLE    1
#define BOOT_E820_MAX  32

/* hw/boot/boot.S leaves this at physical 0x500. */
struct hwk_bootinfo {
	uint32_t ops_pa, ops_bytes;
	uint32_t e820_count, pad;
	struct {
		uint64_t base, len;
		uint32_t type, ext;
	} e820[BOOT_E820_MAX];
};

struct hwk_range {
	uint64_t base, end;
};

extern char __kernel_end[];

static struct hwk_range hwk_usable[BOOT_E820_MAX];
static int hwk_nusable;
static uint64_t hwk_ops_pa, hwk_ops_bytes;
static uint64_t pool_base, pool_end, pool_next, pool_free_list, pool_nfree;
static struct hwk_page *pool_pages;

static uint64_t
max64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

static void
add_usable(uint64_t base, uint64_t len, uint32_t type)
{
	if (type != E820_USABLE || hwk_nusable == BOOT_E820_MAX)
		return;
	hwk_usable[hwk_nusable].base = base;
	hwk_usable[hwk_nusable].end = base + len;
	hwk_nusable++;
}

static uint64_t
parse_bootinfo(uint32_t info_pa)
{
	const struct hwk_bootinfo *bi = hwk_p2v(info_pa);
	uint32_t i;

	for (i = 0; i < bi->e820_count && i < BOOT_E820_MAX; i++)
		add_usable(bi->e820[i].base, bi->e820[i].len, bi->e820[i].type);
	hwk_ops_pa = bi->ops_pa;
	hwk_ops_bytes = bi->ops_bytes;
	return info_pa + sizeof(*bi);
}

static void
parse_mb2_mmap(const uint8_t *tag, uint32_t size)
{
	uint32_t esize = *(const uint32_t *)(tag + 8), off;

	for (off = 16; esize != 0 && off + esize <= size; off += esize) {
		const uint64_t *e = (const uint64_t *)(tag + off);

		add_usable(e[0], e[1], (uint32_t)e[2]);
	}
}

/* Multiboot2 information (its spec, 3.6): 8-aligned tags after 8 bytes. */
static uint64_t
parse_mb2(uint32_t info_pa)
{
	const uint8_t *p = hwk_p2v(info_pa);
	uint32_t total = *(const uint32_t *)p, off;

	for (off = 8; off + 8 <= total;) {
		uint32_t type = *(const uint32_t *)(p + off),
		         size = *(const uint32_t *)(p + off + 4);

		if (type == MB2_TAG_END || size < 8)
			break;
		if (type == MB2_TAG_MMAP)
			parse_mb2_mmap(p + off, size);
		if (type == MB2_TAG_MODULE && hwk_ops_bytes == 0) {
			hwk_ops_pa = *(const uint32_t *)(p + off + 8);
			hwk_ops_bytes = *(const uint32_t *)(p + off + 12) - hwk_ops_pa;
		}
		off += (size + 7) & ~7u;
	}
	return info_pa + total;
}

static void
pool_init(uint64_t floor)
{
	uint64_t npages, arr_bytes;
	int i;

	floor = (floor + HWK_PAGE - 1) & ~(HWK_PAGE - 1);
	for (i = 0; i < hwk_nusable; i++)
		if (hwk_usable[i].base <= floor && floor < hwk_usable[i].end)
			break;
	if (i == hwk_nusable)
		hwk_fatal("hwk_mem_init: no usable memory at 0x%lx (%d ranges)", floor,
		          hwk_nusable);
	pool_end = hwk_usable[i].end & ~(HWK_PAGE - 1);
	if (pool_end > HWK_DIRECT_SIZE)
		pool_end = HWK_DIRECT_SIZE;
	npages = (pool_end - floor) / HWK_PAGE;
	arr_bytes = (npages * sizeof(struct hwk_page) + HWK_PAGE - 1) & ~(HWK_PAGE - 1);
	pool_pages = hwk_p2v(floor);
	hwk_memset(pool_pages, 0, arr_bytes);
	pool_base = floor;
	pool_next = floor + arr_bytes;
	for (i = 0; (uint64_t)i < npages; i++)
		pool_pages[i].pp.hpa = floor + (uint64_t)i * HWK_PAGE;
}

void
hwk_mem_init(uint32_t magic, uint32_t info_pa)
{
	uint64_t floor = hwk_v2p(__kernel_end);

	if (magic == HWK_BOOT_MAGIC)
		floor = max64(floor, parse_bootinfo(info_pa));
	else if (magic == MB2_BOOT_MAGIC)
		floor = max64(floor, parse_mb2(info_pa));
	else
		hwk_fatal("hwk_mem_init: unknown loader magic 0x%x", magic);
	if (hwk_ops_bytes != 0)
		floor = max64(floor, hwk_ops_pa + hwk_ops_bytes);
	pool_init(floor);
	/* The boot tables' direct map, which pmap_plat_phys_to_virt() serves too. */
	pmap_dmap = (struct pmap_dmap){ 0, HWK_DIRECT_SIZE, (char *)HWK_DIRECT_MAP };
}

bool
hwk_page_alloc(uint64_t *hpa)
{
	uint64_t pa;

	if (pool_free_list != 0) {
		pa = pool_free_list;
		pool_free_list = *(uint64_t *)hwk_p2v(pa);
		pool_nfree--;
	} else if (pool_next < pool_end) {
		pa = pool_next;
		pool_next += HWK_PAGE;
	} else {
		return false;
	}
	hwk_memset(hwk_p2v(pa), 0, HWK_PAGE);
	*hpa = pa;
	return true;
}

void
hwk_page_free(uint64_t hpa)
{
	if (hwk_page_of(hpa) == NULL || hpa >= pool_next || (hpa & (HWK_PAGE - 1)) != 0)
		hwk_fatal("hwk_page_free: 0x%lx is not a pool page [0x%lx, 0x%lx)", hpa, pool_base,
		          pool_next);
	*(uint64_t *)hwk_p2v(hpa) = pool_free_list;
	pool_free_list = hpa;
	pool_nfree++;
}

uint64_t
hwk_pages_free(void)
{
	return (pool_end - pool_next) / HWK_PAGE + pool_nfree;
}

struct hwk_page *
hwk_page_of(uint64_t hpa)
{
	if (hpa < pool_base || hpa >= pool_end)
		return NULL;
	return &pool_pages[(hpa - pool_base) / HWK_PAGE];
}

const void *
hwk_oplist(uint64_t *bytes)
{
	*bytes = hwk_ops_bytes;
	return hwk_ops_bytes != 0 ? hwk_p2v(hwk_ops_pa) : NULL;
}
