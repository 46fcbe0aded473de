/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * sim.c - the machine's life: create, destroy, and the replay-ending
 * errors.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/mmu.h"
#include "sim/replay.h"
#include "sim/vm.h"

/*
 * Stop the replay: s->fatal becomes "FILE:LINE: reason" for the event
 * being replayed.  Returns -1 so callers can `return sim_fail(...)`.
 */
int
sim_fail(struct sim *s, const char *fmt, ...)
{
	char reason[TRACE_ERR_MAX - 64];
	va_list ap;

	if (s->fatal[0] != '\0')
		return -1; /* the first reason stands */
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	snprintf(s->fatal, sizeof(s->fatal), "%s:%lu: %s",
	         s->report && s->report->trace_path ? s->report->trace_path : "-",
	         s->ev ? s->ev->line : 0, reason);
	return -1;
}

/* A frame for the VM; under pressure the pageout daemon makes room. */
uint64_t
sim_frame_alloc(struct sim *s, bool zeroed)
{
	uint64_t hpa;

	while ((hpa = zeroed ? sim_phys_alloc(s->sp) : sim_phys_alloc_raw(s->sp)) == 0)
		if (sim_pageout(s, 0) == 0) {
			sim_fail(s, "physical memory is full (%lu pages, none can be paged out)",
			         s->sp->npages);
			return 0;
		}
	return hpa;
}

struct sim *
sim_create(const struct sim_config *cfg, struct sim_report *report)
{
	struct sim *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->cfg = *cfg;
	s->report = report;
	s->sp = sim_phys_create(cfg->ram_pages, cfg->ram_pages, cfg->seed);
	if (s->sp == NULL) {
		free(s);
		return NULL;
	}
	sim_hash_init(&s->vmspaces);
	sim_hash_init(&s->files);
	sim_hash_init(&s->pages);
	sim_hash_init(&s->threads);
	sim_tlb_init(s);
	return s;
}

static void
sim_collect(uint64_t key, void *val, void *arg)
{
	void ***at = arg;

	(void)key;
	*(*at)++ = val;
}

/* Destroy every vmspace, then the file objects; returns frames still in use. */
uint64_t
sim_teardown(struct sim *s)
{
	size_t n = s->vmspaces.n, i;
	void **all = calloc(n + 1, sizeof(*all)), **at = all;

	sim_hash_each(&s->vmspaces, sim_collect, &at);
	for (i = 0; i < n; i++)
		sim_vmspace_destroy(s, all[i]);
	free(all);
	n = s->files.n;
	all = calloc(n + 1, sizeof(*all));
	at = all;
	sim_hash_each(&s->files, sim_collect, &at);
	for (i = 0; i < n; i++) {
		sim_hash_del(&s->files, ((struct sim_obj *)all[i])->file);
		sim_obj_unref(s, all[i]);
	}
	free(all);
	return s->sp->stats.in_use;
}

void
sim_destroy(struct sim *s)
{
	if (s == NULL)
		return;
	sim_hash_fini(&s->vmspaces);
	sim_hash_fini(&s->files);
	sim_hash_fini(&s->pages);
	sim_hash_fini(&s->threads);
	free(s->touched);
	sim_phys_destroy(s->sp);
	free(s);
}
