/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * eptsim_dump.c - `eptsim dump`: a vmspace's tables at one point of a trace.
 *
 *   eptsim dump TRACE --at N --vmspace V [--mode=pair|convert|ept]
 *               [--ad=hw|emulated] [--seed=N] [--ram=PAGES]
 *
 * Replays events 1..N (no checks) and prints vmspace V as it stands
 * then: its map entries, and every leaf of each of its pmaps, read raw
 * from the simulated RAM (a non-zero entry is present; bit 7 marks a leaf
 * at levels 1 and 2) and decoded by verify/'s describers:
 *
 *   vmspace 1 (process) after event 7 (line 8) of t.trace, mode pair, ad hw
 *   entries:
 *     0x400000-0x401000 rw- shared device hpa=0x80000000 ma=WB
 *   x86 leaves:
 *     0x400000 4K PTE 0x8000000080000867: P RW US A D avail11 frame=0x80000000 XD
 *   EPT leaves:
 *     0x400000 4K EPT PTE 0x0010000080000373: R W A D memtype=WB ipat sw=0x1 ...
 *
 * Exit status: 0, or 2 when the trace is bad, the replay fails, N is
 * beyond the trace or V does not exist after event N.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/replay.h"
#include "sim/vm.h"
#include "tools/eptsim_cli.h"
#include "verify/vfy_walk.h"

#define DUMP_PS    (1ul << 7)
#define DUMP_FRAME 0x000ffffffffff000ul

static const char *const dump_ma_names[PMAP_MA_COUNT] = {
	[PMAP_MA_UC] = "UC", [PMAP_MA_WC] = "WC", [PMAP_MA_WT] = "WT",
	[PMAP_MA_WP] = "WP", [PMAP_MA_WB] = "WB", [PMAP_MA_UC_MINUS] = "UC-",
};

struct dump_args {
	const char *trace;
	uint64_t at;
	uint32_t vm;
	bool have_at, have_vm;
	struct sim_config cfg;
};

static void
dump_usage(FILE *f)
{
	fprintf(f, "usage: eptsim dump TRACE --at N --vmspace V [--mode=pair|convert|ept]\n"
	           "                   [--ad=hw|emulated] [--seed=N] [--ram=PAGES]\n");
}

/* "rw-" for @prot, in @buf (4 bytes). */
static const char *
dump_prot(vm_prot_t prot, char *buf)
{
	buf[0] = (prot & VM_PROT_READ) ? 'r' : '-';
	buf[1] = (prot & VM_PROT_WRITE) ? 'w' : '-';
	buf[2] = (prot & VM_PROT_EXECUTE) ? 'x' : '-';
	buf[3] = '\0';
	return buf;
}

/* The backing of @e: anon, file=F offset=O, device hpa=H ma=M, via shadows. */
static void
dump_backing(const struct sim_entry *e)
{
	const struct sim_obj *o = e->obj;
	uint64_t pindex = e->pindex;
	unsigned shadows = 0;

	while (o->backing != NULL && o->type == SIM_OBJ_ANON) {
		pindex += o->backing_pindex;
		o = o->backing;
		shadows++;
	}
	switch (o->type) {
	case SIM_OBJ_FILE:
		printf("file=%lu offset=0x%lx", o->file, pindex << PMAP_PAGE_SHIFT);
		break;
	case SIM_OBJ_DEVICE:
		printf("device hpa=0x%lx ma=%s", o->dev_hpa + (pindex << PMAP_PAGE_SHIFT),
		       dump_ma_names[o->memattr] ? dump_ma_names[o->memattr] : "?");
		break;
	default:
		printf("anon");
		break;
	}
	if (shadows != 0)
		printf(" (under %u shadow object%s)", shadows, shadows == 1 ? "" : "s");
}

static void
dump_entries(const struct sim_vmspace *vs)
{
	const struct sim_entry *e;
	char prot[4];

	printf("entries:\n");
	for (e = vs->entries; e != NULL; e = e->next) {
		printf("  0x%lx-0x%lx %s %s ", e->start, e->end, dump_prot(e->prot, prot),
		       e->shared ? "shared" : "private");
		dump_backing(e);
		printf("%s%s\n", e->wired ? " wired" : "", e->needs_copy ? " needs-copy" : "");
	}
}

/* Every leaf under @table (a level-@level table mapping from @base). */
static void
dump_table(struct sim *s, const struct pmap *pm, uint64_t table, int level, uint64_t base)
{
	static const char *const size[3] = { "4K", "2M", "1G" };
	const uint64_t *pt = sim_phys_ptr(s->sp, table);
	char buf[256];
	uint64_t va;
	unsigned i;

	if (pt == NULL) {
		printf("  (level-%d table at hpa 0x%lx is not RAM)\n", level, table);
		return;
	}
	for (i = 0; i < PMAP_NPTE; i++) {
		if (pt[i] == 0)
			continue;
		va = base + ((uint64_t)i << (PMAP_PAGE_SHIFT + 9 * level));
		if (level == 0 || (level < 3 && (pt[i] & DUMP_PS))) {
			if (pm->pm_type == PMAP_TYPE_EPT)
				vfy_describe_ept_entry(level, pt[i], buf, sizeof(buf));
			else
				vfy_describe_x86_entry(level, pt[i], buf, sizeof(buf));
			printf("  0x%lx %s %s\n", va, size[level], buf);
		} else {
			dump_table(s, pm, pt[i] & DUMP_FRAME, level - 1, va);
		}
	}
}

static void
dump_vmspace(struct sim *s, const struct dump_args *a, const struct trace_event *last)
{
	struct sim_vmspace *vs = sim_vmspace_find(s, a->vm);

	printf("vmspace %u (", vs->id);
	if (vs->kind == TRACE_VM_GUEST)
		printf("guest of %u", vs->owner);
	else
		printf("process");
	printf(") after event %lu (line %lu) of %s, mode %s, ad %s\n", a->at, last->line, a->trace,
	       cli_mode_names[a->cfg.mode], cli_ad_names[a->cfg.ad]);
	dump_entries(vs);
	if (vs->has_x86) {
		printf("x86 leaves:\n");
		dump_table(s, &vs->x86, vs->x86.pm_root_hpa, 3, 0);
	}
	if (vs->has_ept) {
		printf("EPT leaves:\n");
		dump_table(s, &vs->ept, vs->ept.pm_root_hpa, 3, 0);
	}
}

/* Replay events 1..a->at of @r into @s; 0, or 2 with the message printed. */
static int
dump_replay(struct sim *s, struct trace_reader *r, const struct dump_args *a,
            struct trace_event *ev)
{
	uint64_t n;
	int got;

	for (n = 0; n < a->at; n++) {
		if ((got = trace_next(r, ev)) < 0) {
			fprintf(stderr, "eptsim: %s\n", trace_error(r));
			return 2;
		}
		if (got == 0) {
			fprintf(stderr, "eptsim: %s: --at %lu is beyond the trace (%lu events)\n",
			        a->trace, a->at, n);
			return 2;
		}
		if (sim_replay_event(s, ev) != 0) {
			fprintf(stderr, "eptsim: %s\n", s->fatal);
			return 2;
		}
	}
	return 0;
}

static int
dump_run(const struct dump_args *a)
{
	struct trace_event ev = { .line = 1 };
	struct sim_report report;
	char err[TRACE_ERR_MAX];
	struct trace_reader *r;
	struct sim *s;
	int rc;

	if ((r = trace_open(a->trace, err)) == NULL) {
		fprintf(stderr, "eptsim: %s\n", err);
		return 2;
	}
	sim_report_init(&report, stdout, a->trace);
	report.quiet = true; /* a CHECK event in convert mode still checks */
	if ((s = sim_create(&a->cfg, &report)) == NULL) {
		fprintf(stderr, "eptsim: %s: cannot create a machine of %lu pages\n", a->trace,
		        a->cfg.ram_pages);
		trace_close(r);
		return 2;
	}
	rc = dump_replay(s, r, a, &ev);
	if (rc == 0 && sim_vmspace_find(s, a->vm) == NULL) {
		fprintf(stderr, "eptsim: %s:%lu: vmspace %u does not exist after event %lu\n",
		        a->trace, ev.line, a->vm, a->at);
		rc = 2;
	}
	if (rc == 0)
		dump_vmspace(s, a, &ev);
	sim_teardown(s); /* after a replay error too, as sim_replay_file does */
	sim_destroy(s);
	trace_close(r);
	return rc;
}

static int
dump_parse(int argc, char **argv, struct dump_args *a)
{
	static const struct option opts[] = {
		{ "at", required_argument, NULL, 'n' },
		{ "vmspace", required_argument, NULL, 'v' },
		{ "mode", required_argument, NULL, 'm' },
		{ "ad", required_argument, NULL, 'a' },
		{ "seed", required_argument, NULL, 's' },
		{ "ram", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			a->at = cli_number("--at", optarg);
			a->have_at = true;
			break;
		case 'v':
			a->vm = (uint32_t)cli_number("--vmspace", optarg);
			a->have_vm = true;
			break;
		case 'm':
			a->cfg.mode = cli_pick("mode", optarg, cli_mode_names, 3);
			break;
		case 'a':
			a->cfg.ad = cli_pick("A/D mode", optarg, cli_ad_names, 2);
			break;
		case 's':
			a->cfg.seed = cli_number("--seed", optarg);
			break;
		case 'r':
			a->cfg.ram_pages = cli_number("--ram", optarg);
			break;
		default:
			return -1;
		}
	}
	if (optind + 1 != argc || !a->have_at || !a->have_vm || a->cfg.ram_pages < 16)
		return -1;
	a->trace = argv[optind];
	return 0;
}

int
cmd_dump(int argc, char **argv)
{
	struct dump_args a = { .cfg = { .mode = SIM_MODE_PAIR,
		                        .ad = SIM_AD_HW,
		                        .check = SIM_CHECK_NONE,
		                        .ram_pages = 65536,
		                        .seed = 1 } };

	if (dump_parse(argc, argv, &a) != 0) {
		dump_usage(stderr);
		return 2;
	}
	return dump_run(&a);
}
