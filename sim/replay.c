/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * replay.c - one event at a time through the VM, the pmaps and the
 * simulated CPUs, checked after each.
 */
#include <string.h>
#include <time.h>

#include "sim/mmu.h"
#include "sim/replay.h"
#include "sim/vm.h"
#include "verify/vfy_check.h"

static struct sim_vmspace *
sim_need_vmspace(struct sim *s, uint32_t id)
{
	struct sim_vmspace *vs = sim_vmspace_find(s, id);

	if (vs == NULL)
		sim_fail(s, "vmspace %u does not exist", id);
	return vs;
}

/*
 * The pmap an access goes through: in pair mode the guest's own accesses
 * use the EPT tables and the kernel's copy routines the regular ones.
 */
static struct pmap *
sim_access_pmap(struct sim_vmspace *vs, bool kernel)
{
	if (!vs->has_ept)
		return &vs->x86;
	if (!vs->has_x86)
		return &vs->ept;
	return kernel ? &vs->x86 : &vs->ept;
}

/* The oracle executes what the simulator's MMU just did (sim.h). */
static void
sim_oracle_access(struct sim *s, struct sim_vmspace *vs, unsigned cpu, uint64_t va,
                  vm_prot_t access, bool user, enum sim_access_result r, uint64_t hpa)
{
	if (s->cfg.oracle != NULL && s->fatal[0] == '\0')
		s->cfg.oracle->access(s->cfg.oracle->arg, s, vs, cpu, va, access, user, r, hpa);
}

static int
sim_replay_fault(struct sim *s, struct sim_vmspace *vs, const struct trace_event *ev)
{
	uint64_t hpa = 0;
	enum sim_access_result r;

	r = sim_mmu_access(s, vs, sim_access_pmap(vs, !ev->user), ev->cpu, ev->va, ev->prot,
	                   ev->user, &hpa);
	sim_oracle_access(s, vs, ev->cpu, ev->va, ev->prot, ev->user, r, hpa);
	return r == SIM_ACCESS_EFAULT && s->fatal[0] ? -1 : 0;
}

/* 16 bytes as one vector: the copy pattern 16 bytes a step (GCC and clang). */
typedef uint8_t sim_v16 __attribute__((vector_size(16)));
#define SIM_V16 16

/*
 * The byte pattern copyout writes, a function of the event and the
 * address: (event * 131) ^ (va * 7) ^ (va >> 12), low byte.  @n bytes
 * from @va within one page (va >> 12 fixed): byte i is
 * fixed ^ (v7 + 7 * i) mod 256, so each 16-byte step adds 7 * 16 to
 * every byte of the vector (wrapping per byte, as uint8_t does), and the
 * tail is done a byte at a time.
 */
static void
sim_copy_fill(uint8_t *p, uint64_t event, uint64_t va, uint64_t n)
{
	uint8_t fixed = (uint8_t)((event * 131) ^ (va >> 12)), v7 = (uint8_t)(va * 7);
	sim_v16 v, out;
	uint64_t i;

	for (i = 0; i < SIM_V16; i++)
		v[i] = (uint8_t)(v7 + 7 * i);
	for (i = 0; i + SIM_V16 <= n; i += SIM_V16) {
		out = v ^ fixed;
		memcpy(p + i, &out, sizeof(out));
		v += (uint8_t)(7 * SIM_V16);
	}
	for (; i < n; i++)
		p[i] = fixed ^ (uint8_t)(v7 + 7 * (uint8_t)i);
}

/*
 * copyin/copyout: a kernel copy routine touches each page of the range in
 * supervisor mode, faulting and retrying; a bad address ends the copy
 * with EFAULT, as the syscall would.
 */
static int
sim_replay_copy(struct sim *s, struct sim_vmspace *vs, const struct trace_event *ev)
{
	bool out = ev->op == TRACE_COPYOUT;
	struct pmap *pm = sim_access_pmap(vs, true);
	uint64_t va, end = ev->va + ev->len, hpa = 0, n;
	enum sim_access_result r;

	for (va = ev->va; va < end; va = (va | (PMAP_PAGE_SIZE - 1)) + 1) {
		n = ((va | (PMAP_PAGE_SIZE - 1)) + 1 < end ? (va | (PMAP_PAGE_SIZE - 1)) + 1
		                                           : end) -
		    va;
		r = sim_mmu_access(s, vs, pm, ev->cpu, va, out ? VM_PROT_WRITE : VM_PROT_READ,
		                   false, &hpa);
		sim_oracle_access(s, vs, ev->cpu, va, out ? VM_PROT_WRITE : VM_PROT_READ, false, r,
		                  hpa);
		switch (r) {
		case SIM_ACCESS_OK:
			break;
		case SIM_ACCESS_SEGV:
			s->stats.efault++;
			return 0;
		default:
			return s->fatal[0] ? -1 : 0;
		}
		s->stats.copy_bytes += n;
		/* Device memory (outside RAM) holds no simulated bytes. */
		if (sim_phys_ptr(s->sp, hpa) == NULL)
			continue;
		if (out)
			sim_copy_fill(sim_phys_ptr(s->sp, hpa), s->report->event_no, va, n);
		vfy_check_copy(s, vs, va, hpa, n);
	}
	return 0;
}

static int
sim_replay_sched(struct sim *s, const struct trace_event *ev)
{
	if (!sim_hash_put(&s->threads, ev->tid, (void *)(uintptr_t)(ev->cpu + 1)))
		return sim_fail(s, "out of host memory for threads");
	return 0;
}

static int
sim_replay_vm_event(struct sim *s, struct sim_vmspace *vs, const struct trace_event *ev)
{
	switch (ev->op) {
	case TRACE_VMSPACE_DESTROY:
	case TRACE_EXIT:
		sim_vmspace_destroy(s, vs);
		return 0;
	case TRACE_FORK:
		return sim_vm_fork(s, vs, ev->child);
	case TRACE_EXEC:
		return sim_vm_munmap(s, vs, 0, sim_vm_user_limit(s, vs));
	case TRACE_MMAP:
		return sim_vm_mmap(s, vs, ev);
	case TRACE_MPROTECT:
		return sim_vm_mprotect(s, vs, ev->va, ev->len, ev->prot);
	case TRACE_MUNMAP:
		return sim_vm_munmap(s, vs, ev->va, ev->len);
	case TRACE_MADVISE:
		return sim_vm_dontneed(s, vs, ev->va, ev->len);
	case TRACE_WIRE:
	case TRACE_UNWIRE:
		return sim_vm_wire(s, vs, ev->va, ev->len, ev->op == TRACE_WIRE);
	case TRACE_FAULT:
		return sim_replay_fault(s, vs, ev);
	case TRACE_COPYIN:
	case TRACE_COPYOUT:
		return sim_replay_copy(s, vs, ev);
	default:
		return sim_fail(s, "event %s has no vmspace handler", trace_op_name(ev->op));
	}
}

static int
sim_replay_dispatch(struct sim *s, const struct trace_event *ev)
{
	struct sim_vmspace *vs;

	switch (ev->op) {
	case TRACE_VMSPACE_CREATE:
		return sim_vmspace_create(s, ev->vm, ev->kind, ev->owner);
	case TRACE_PAGEOUT:
		sim_pageout(s, ev->pages);
		return 0;
	case TRACE_CHECK:
		vfy_check_full(s);
		return 0;
	case TRACE_SCHED:
		return sim_replay_sched(s, ev);
	default:
		if ((vs = sim_need_vmspace(s, ev->vm)) == NULL)
			return -1;
		if (ev->op == TRACE_FORK && sim_vmspace_find(s, ev->child) != NULL)
			return sim_fail(s, "fork: child vmspace %u already exists", ev->child);
		if (ev->va + ev->len > sim_vm_user_limit(s, vs) ||
		    (ev->op == TRACE_FAULT && ev->va >= sim_vm_user_limit(s, vs)))
			return sim_fail(s, "address 0x%lx+0x%lx is outside vmspace %u (limit %#lx)",
			                ev->va, ev->len, ev->vm, sim_vm_user_limit(s, vs));
		return sim_replay_vm_event(s, vs, ev);
	}
}

int
sim_replay_event(struct sim *s, const struct trace_event *ev)
{
	s->ev = ev;
	s->ntouched = 0;
	s->touched_overflow = false;
	s->stats.events++;
	sim_report_event(s->report, ev);
	if (sim_replay_dispatch(s, ev) != 0 || s->fatal[0] != '\0')
		return -1;
	if (s->cfg.check != SIM_CHECK_NONE && ev->op != TRACE_CHECK)
		vfy_check_event(s, ev);
	return 0;
}

static double
sim_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
sim_replay_stream(struct sim *s, struct trace_reader *r, struct replay_summary *sum)
{
	struct trace_event ev;
	int got;

	while ((got = trace_next(r, &ev)) > 0) {
		if (sim_replay_event(s, &ev) != 0)
			return -1;
		if (s->report->divergences != 0 && !s->cfg.keep_going)
			return 0;
		if (s->cfg.progress != NULL && (s->stats.events & 0xfff) == 0)
			s->cfg.progress(s->stats.events, s->cfg.progress_arg);
	}
	if (got < 0)
		snprintf(sum->fatal, sizeof(sum->fatal), "%s", trace_error(r));
	return got;
}

int
sim_replay_file(const char *path, const struct sim_config *cfg, FILE *out,
                struct replay_summary *sum)
{
	struct sim_report report;
	struct trace_reader *r;
	struct sim *s;
	double t0 = sim_now();
	int rc;

	memset(sum, 0, sizeof(*sum));
	sum->trace = path;
	if ((r = trace_open(path, sum->fatal)) == NULL)
		return 2;
	sim_report_init(&report, out, path);
	if ((s = sim_create(cfg, &report)) == NULL) {
		trace_close(r);
		snprintf(sum->fatal, sizeof(sum->fatal), "%s: cannot create a machine of %lu pages",
		         path, cfg->ram_pages);
		return 2;
	}
	rc = sim_replay_stream(s, r, sum);
	if (rc == 0 && s->fatal[0] == '\0' &&
	    (cfg->check != SIM_CHECK_NONE || cfg->mode == SIM_MODE_CONVERT) &&
	    (report.divergences == 0 || cfg->keep_going))
		vfy_check_full(s);
	if (s->fatal[0] != '\0')
		snprintf(sum->fatal, sizeof(sum->fatal), "%s", s->fatal);
	/* Tear down even after an error (no leak verdict then: the replay stopped). */
	sum->leaked_frames = sim_teardown(s);
	if (s->fatal[0] != '\0')
		sum->leaked_frames = 0;
	sum->events = s->stats.events;
	sum->checks = s->stats.checks;
	sum->divergences = report.divergences;
	sum->stats = s->stats;
	sum->seconds = sim_now() - t0;
	sim_destroy(s);
	trace_close(r);
	if (sum->fatal[0] != '\0')
		return 2;
	if (sum->leaked_frames != 0 && sum->divergences++ == 0)
		fprintf(out,
		        "eptsim: DIVERGENCE: %lu frames still in use after every vmspace "
		        "exited (page tables or pv chunks leaked)\n",
		        sum->leaked_frames);
	return sum->divergences != 0 ? 1 : 0;
}
