/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * pagemap-stop.c - a cross-check sample (tools/eptsim-crosscheck): touch
 * known amounts of memory, stop, then exit without touching anything more.
 *
 * It writes every page of the first WPAGES of a private anonymous region
 * of APAGES pages and reads RPAGES more (they map the shared zero page),
 * writes a HPAGES-page malloc buffer (below the mmap threshold: the brk
 * heap) and SPAGES pages of stack, prints one line, then raises SIGSTOP.
 * While it is stopped its /proc/PID/pagemap is the ground truth to compare
 * with the simulator's present pages; after SIGCONT it calls _exit(0), so
 * the page set at the stop is the set at exit.
 *
 * Build: gcc -O1 -o pagemap-stop pagemap-stop.c
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#define PAGE   4096
#define APAGES 64
#define WPAGES 32
#define RPAGES 16
#define HPAGES 10
#define SPAGES 4

/* Write SPAGES pages of stack; returns a value that depends on them. */
static int
touch_stack(int seed)
{
	volatile char buf[SPAGES * PAGE];
	int i, sum = 0;

	for (i = 0; i < SPAGES; i++)
		buf[i * PAGE] = (char)(seed + i);
	for (i = 0; i < SPAGES; i++)
		sum += buf[i * PAGE];
	return sum;
}

int
main(void)
{
	volatile char *anon, *heap;
	int i, sum = 0;

	anon =
	    mmap(NULL, APAGES * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	heap = malloc(HPAGES * PAGE);
	if (anon == MAP_FAILED || heap == NULL) {
		perror("pagemap-stop");
		return 1;
	}
	for (i = 0; i < WPAGES; i++)
		anon[i * PAGE] = (char)i;
	for (i = WPAGES; i < WPAGES + RPAGES; i++)
		sum += anon[i * PAGE];
	for (i = 0; i < HPAGES; i++)
		heap[i * PAGE] = (char)i;
	sum += touch_stack(sum);
	printf("pagemap-stop: %d written, %d read, %d heap, %d stack pages: %d\n", WPAGES, RPAGES,
	       HPAGES, SPAGES, sum);
	fflush(stdout);
	raise(SIGSTOP);
	_exit(0);
}
