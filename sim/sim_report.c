/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * sim_report.c - divergence reports (see report.h).
 */
#include <stdarg.h>
#include <string.h>

#include "sim/mmu.h"
#include "sim/report.h"
#include "sim/vm.h"
#include "verify/vfy_walk.h"

void
sim_report_init(struct sim_report *r, FILE *out, const char *trace_path)
{
	memset(r, 0, sizeof(*r));
	r->out = out;
	r->trace_path = trace_path;
}

void
sim_report_event(struct sim_report *r, const struct trace_event *ev)
{
	unsigned slot = r->event_no % SIM_HISTORY;

	r->history[slot] = *ev;
	r->history_no[slot] = ++r->event_no;
}

static bool
sim_event_touches(const struct trace_event *ev, uint32_t vm, uint64_t va)
{
	switch (ev->op) {
	case TRACE_PAGEOUT:
	case TRACE_CHECK:
	case TRACE_SCHED:
		return ev->op == TRACE_PAGEOUT;
	case TRACE_FAULT:
		return ev->vm == vm && (ev->va >> PMAP_PAGE_SHIFT) == (va >> PMAP_PAGE_SHIFT);
	case TRACE_VMSPACE_CREATE:
	case TRACE_VMSPACE_DESTROY:
	case TRACE_EXEC:
	case TRACE_EXIT:
		return ev->vm == vm;
	case TRACE_FORK:
		return ev->vm == vm || ev->child == vm;
	default:
		return ev->vm == vm && va >= (ev->va & ~(PMAP_PAGE_SIZE - 1)) &&
		       va < ev->va + ev->len;
	}
}

static void
sim_report_history(struct sim *s, uint32_t vm, uint64_t va)
{
	struct sim_report *r = s->report;
	uint64_t n, shown = 0;
	char line[512];

	fprintf(r->out, "  last events touching this page:\n");
	for (n = r->event_no; n > 0 && r->event_no - n < SIM_HISTORY && shown < 6; n--) {
		const struct trace_event *ev = &r->history[(n - 1) % SIM_HISTORY];

		if (!sim_event_touches(ev, vm, va))
			continue;
		fprintf(r->out, "    #%lu %s:%lu: %s\n", n, r->trace_path, ev->line,
		        trace_format(ev, line, sizeof(line)));
		shown++;
	}
	if (shown == 0)
		fprintf(r->out, "    (none in the last %d events)\n", SIM_HISTORY);
}

/* Each level of @pm's walk of @va, decoded by field name. */
static void
sim_report_walk(struct sim *s, struct sim_vmspace *vs, struct pmap *pm, uint64_t va)
{
	struct sim_walk w;
	char buf[256];
	int l;

	sim_mmu_walk(s, pm, va, &w);
	fprintf(s->report->out, "  %s tables (%s %#lx): %s\n",
	        pm->pm_type == PMAP_TYPE_EPT ? "EPT" : "x86",
	        pm->pm_type == PMAP_TYPE_EPT ? "EPTP" : "CR3", pm->pm_hw_root,
	        sim_walk_describe(&w, buf, sizeof(buf)));
	for (l = 3; l >= 0 && l >= w.level; l--) {
		if (pm->pm_type == PMAP_TYPE_EPT)
			vfy_describe_ept_entry(l, w.entries[l], buf, sizeof(buf));
		else
			vfy_describe_x86_entry(l, w.entries[l], buf, sizeof(buf));
		fprintf(s->report->out, "    %s\n", buf);
	}
	(void)vs;
}

static void
sim_report_vm(struct sim *s, struct sim_vmspace *vs, uint64_t va)
{
	vm_prot_t prot;
	enum pmap_memattr ma;
	uint64_t hpa;

	if (!sim_vm_resident(s, vs, va, &hpa, &prot, &ma))
		fprintf(s->report->out, "  VM: %s\n",
		        sim_entry_find(vs, va) ? "mapped, no page resident" : "nothing mapped");
	else
		fprintf(s->report->out, "  VM: frame %#lx, at most %c%c%c\n", hpa,
		        (prot & VM_PROT_READ) ? 'r' : '-', (prot & VM_PROT_WRITE) ? 'w' : '-',
		        (prot & VM_PROT_EXECUTE) ? 'x' : '-');
}

void
sim_diverge(struct sim *s, struct sim_vmspace *vs, uint64_t va, const char *what, const char *fmt,
            ...)
{
	struct sim_report *r = s->report;
	va_list ap;

	r->divergences++;
	if (r->quiet)
		return;
	fprintf(r->out, "eptsim: DIVERGENCE #%lu at event %lu (%s:%lu): %s\n", r->divergences,
	        r->event_no, r->trace_path, s->ev ? s->ev->line : 0, what);
	fprintf(r->out, "  ");
	va_start(ap, fmt);
	vfprintf(r->out, fmt, ap);
	va_end(ap);
	fprintf(r->out, "\n");
	if (vs == NULL)
		return;
	fprintf(r->out, "  vmspace %u, va %#lx\n", vs->id, va);
	if (vs->has_x86)
		sim_report_walk(s, vs, &vs->x86, va);
	if (vs->has_ept)
		sim_report_walk(s, vs, &vs->ept, va);
	sim_report_vm(s, vs, va);
	sim_report_history(s, vs->id, va);
}

/* A page divergence is reported once, at the first address mapping it. */
void
sim_diverge_page(struct sim *s, struct sim_page *pg, const char *what, const char *detail)
{
	struct pmap_pv *pv = pg->md.pv_list;

	if (pv != NULL)
		sim_diverge(s, pv->pv_pmap->pm_plat, pv->pv_va, what, "%s (page %#lx)", detail,
		            pg->md.hpa);
	else
		sim_diverge(s, NULL, 0, what, "%s (page %#lx, no mapping left)", detail,
		            pg->md.hpa);
}
