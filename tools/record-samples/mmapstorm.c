/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * mmapstorm.c - a recording sample (tools/eptsim-record): a program that
 * maps and unmaps heavily.
 *
 * ROUNDS rounds, each of which
 *  - maps an anonymous region of 1-32 pages, writes every page, punches a
 *    hole in the middle (munmap), makes the first page read-only
 *    (mprotect), reads it back and unmaps the rest;
 *  - every 8th round: grows a region with mremap (it may move), shrinks
 *    it, drops it with madvise(MADV_DONTNEED) and checks it reads zero;
 *  - every 16th round: reserves 256 pages PROT_NONE, opens windows in it
 *    with mprotect, writes them, and maps a fresh region over one window
 *    with MAP_FIXED;
 *  - every 32nd round: maps a temporary file shared and private, writes
 *    both, and checks that the private write stayed private.
 * Exit status 0 when every content check holds.
 *
 * Build: gcc -O1 -o mmapstorm mmapstorm.c
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define ROUNDS 256
#define PAGE   4096

static int failures;

static void
check(int ok, const char *what, int round)
{
	if (!ok) {
		fprintf(stderr, "mmapstorm: round %d: %s\n", round, what);
		failures++;
	}
}

static char *
map_anon(size_t len, int prot)
{
	char *p = mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		perror("mmapstorm: mmap");
		exit(1);
	}
	return p;
}

/* Write byte v at the start of every page of [p, p + pages * PAGE). */
static void
touch(char *p, int pages, char v)
{
	int i;

	for (i = 0; i < pages; i++)
		p[(size_t)i * PAGE] = v;
}

static void
round_basic(int r)
{
	int pages = 1 + (r * 7) % 32;
	char *p = map_anon((size_t)pages * PAGE, PROT_READ | PROT_WRITE);

	touch(p, pages, (char)r);
	if (pages >= 4)
		munmap(p + PAGE * 2, PAGE); /* a hole */
	mprotect(p, PAGE, PROT_READ);
	check(p[0] == (char)r, "read-only page lost its value", r);
	munmap(p, (size_t)pages * PAGE);
}

static void
round_mremap(int r)
{
	char *p = map_anon(4 * PAGE, PROT_READ | PROT_WRITE), *q;

	touch(p, 4, 'a');
	q = mremap(p, 4 * PAGE, 24 * PAGE, MREMAP_MAYMOVE);
	if (q == MAP_FAILED) {
		perror("mmapstorm: mremap");
		exit(1);
	}
	check(q[3 * PAGE] == 'a', "mremap lost a page", r);
	touch(q, 24, 'b');
	q = mremap(q, 24 * PAGE, 8 * PAGE, 0);
	madvise(q, 8 * PAGE, MADV_DONTNEED);
	check(q[5 * PAGE] == 0, "MADV_DONTNEED page not zero", r);
	touch(q, 8, 'c');
	munmap(q, 8 * PAGE);
}

static void
round_reserve(int r)
{
	char *p = map_anon(256 * PAGE, PROT_NONE), *f;
	int w;

	for (w = 0; w < 256; w += 32) {
		mprotect(p + (size_t)w * PAGE, 8 * PAGE, PROT_READ | PROT_WRITE);
		touch(p + (size_t)w * PAGE, 8, (char)w);
	}
	f = mmap(p + 64 * PAGE, 8 * PAGE, PROT_READ | PROT_WRITE,
	         MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	check(f == p + 64 * PAGE && f[0] == 0, "MAP_FIXED did not give fresh zero pages", r);
	touch(f, 8, 'f');
	check(p[96 * PAGE] == 96, "a window lost its value", r);
	munmap(p, 256 * PAGE);
}

static void
round_file(int r)
{
	char path[] = "/tmp/mmapstorm.XXXXXX", buf[2];
	int fd = mkstemp(path);
	char *s, *v;

	if (fd < 0 || ftruncate(fd, 16 * PAGE) != 0) {
		perror("mmapstorm: temporary file");
		exit(1);
	}
	unlink(path);
	s = mmap(NULL, 16 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	v = mmap(NULL, 16 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	if (s == MAP_FAILED || v == MAP_FAILED) {
		perror("mmapstorm: mmap file");
		exit(1);
	}
	touch(s, 16, 's');
	check(v[PAGE] == 's', "private mapping does not see the file", r);
	touch(v, 8, 'v');
	check(pread(fd, buf, 1, PAGE) == 1 && buf[0] == 's', "private write reached the file", r);
	check(s[PAGE] == 's' && v[9 * PAGE] == 's', "shared write lost", r);
	munmap(s, 16 * PAGE);
	munmap(v, 16 * PAGE);
	close(fd);
}

int
main(void)
{
	int r;

	for (r = 0; r < ROUNDS; r++) {
		round_basic(r);
		if (r % 8 == 0)
			round_mremap(r);
		if (r % 16 == 0)
			round_reserve(r);
		if (r % 32 == 0)
			round_file(r);
	}
	printf("mmapstorm: %d rounds: %s\n", ROUNDS, failures ? "FAIL" : "ok");
	return failures != 0;
}
