/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * forkcow.c - a recording sample (tools/eptsim-record): children that
 * write to copy-on-write memory.
 *
 * The parent fills a private anonymous region and a shared one, then
 * forks CHILDREN children.  Child i writes every CHILDREN-th page of the
 * private region from page i (copy-on-write breaks), reads the rest, adds
 * its number into its own page of the shared region, and forks one
 * grandchild that writes the same pages again (a COW chain two deep).
 * The parent writes half of its private pages while the children run,
 * waits for them all, and checks the shared sums and that its own private
 * pages kept its values.  Exit status 0 when every check holds.
 *
 * Build: gcc -O1 -o forkcow forkcow.c
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGES    64
#define CHILDREN 4
#define PAGE     4096

/* The value page p holds for writer w (0: the parent). */
static uint64_t
stamp(int w, int p)
{
	return (uint64_t)w << 32 | (uint64_t)p;
}

/* Write `w`'s stamp into every `step`-th page from `first`. */
static void
write_pages(volatile uint64_t *mem, int first, int step, int w)
{
	int p;

	for (p = first; p < PAGES; p += step)
		mem[p * PAGE / sizeof(*mem)] = stamp(w, p);
}

/* Sum of the first word of each page: reads every page. */
static uint64_t
read_pages(volatile uint64_t *mem)
{
	uint64_t sum = 0;
	int p;

	for (p = 0; p < PAGES; p++)
		sum += mem[p * PAGE / sizeof(*mem)];
	return sum;
}

/* A child's work; returns its exit status. */
static int
child(volatile uint64_t *priv, volatile uint64_t *shared, int i)
{
	pid_t g;
	int st;

	write_pages(priv, i, CHILDREN, i + 1);
	(void)read_pages(priv);
	shared[i * PAGE / sizeof(*shared)] += (uint64_t)(i + 1);
	g = fork();
	if (g < 0)
		return 3;
	if (g == 0) {
		write_pages(priv, i, CHILDREN, 100 + i);
		_exit(priv[i * PAGE / sizeof(*priv)] == stamp(100 + i, i) ? 0 : 4);
	}
	if (waitpid(g, &st, 0) != g || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return 5;
	/* The grandchild's writes went to its own copies. */
	return priv[i * PAGE / sizeof(*priv)] == stamp(i + 1, i) ? 0 : 6;
}

int
main(void)
{
	volatile uint64_t *priv, *shared;
	pid_t pids[CHILDREN];
	int i, st, bad = 0;

	priv = mmap(NULL, PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	shared =
	    mmap(NULL, CHILDREN * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (priv == MAP_FAILED || shared == MAP_FAILED) {
		perror("forkcow: mmap");
		return 1;
	}
	write_pages(priv, 0, 1, 0);
	for (i = 0; i < CHILDREN; i++) {
		if ((pids[i] = fork()) < 0) {
			perror("forkcow: fork");
			return 1;
		}
		if (pids[i] == 0)
			_exit(child(priv, shared, i));
	}
	write_pages(priv, 0, 2, 0);
	for (i = 0; i < CHILDREN; i++) {
		if (waitpid(pids[i], &st, 0) != pids[i] || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			fprintf(stderr, "forkcow: child %d failed (status %#x)\n", i, st);
			bad = 1;
		}
		if (shared[i * PAGE / sizeof(*shared)] != (uint64_t)(i + 1)) {
			fprintf(stderr, "forkcow: shared page %d holds %ju, expected %d\n", i,
			        (uintmax_t)shared[i * PAGE / sizeof(*shared)], i + 1);
			bad = 1;
		}
	}
	for (i = 0; i < PAGES; i++)
		if (priv[i * PAGE / sizeof(*priv)] != stamp(0, i)) {
			fprintf(stderr, "forkcow: private page %d changed\n", i);
			bad = 1;
		}
	printf("forkcow: %d children, %d pages: %s\n", CHILDREN, PAGES, bad ? "FAIL" : "ok");
	return bad;
}
