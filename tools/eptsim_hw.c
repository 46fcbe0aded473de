/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * eptsim_hw.c - `eptsim hw-run TRACE --emulator=bochs|qemu|none
 * [--cpu=haswell|sandybridge] [--mode=legacy|ept] [--ad=hw|emulated] [--cpus=1|2]
 * [--vmspace=N] [--relocate] [--inject=skip-inval [--predict-stale]] [--ops=FILE] [--records]
 * [--timeout=S] [--keep-going] [--json]`
 *
 * Compile one vmspace of TRACE into an op list, predict its records with
 * the runner on the host model, boot the kernel with the list in the
 * emulator, and compare the records line by line.  EPT mode runs the
 * guest on the second of two CPUs unless --cpus=1 (hw/DESIGN.md, "Two
 * CPUs": there the guest keeps its translations across the host's pmap
 * calls, so a skipped INVEPT shows).  --emulator=none only
 * predicts.  --predict-stale makes the host's CPU skip invalidations
 * too, so its TLB model predicts the stale translations the kernel's
 * CPU uses.  Exit status as replay's: 0 every record agrees, 1
 * divergences, 2 bad input or a run that failed (no END line, a nonzero
 * END status, an emulator that would not run: the output's tail shown).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/runner/hwr.h"
#include "tools/eptsim_cli.h"
#include "tools/eptsim_hw_var.h"

static const char *const emu_names[] = { "none", "bochs", "qemu" };
static const char *const cpu_names[] = { "haswell", "sandybridge" };
static const char *const hw_mode_names[] = { "legacy", "ept" };

struct hw_opts {
	struct hwx_run x;
	int mode; /* 0 legacy, 1 ept */
	int ad;   /* 0 hw, 1 emulated */
	uint32_t vm;
	uint32_t flags;
	const char *ops_out;
	bool records;
	bool cpu_given;
	bool relocate;
	bool predict_stale; /* the host's CPU skips invalidations too */
	unsigned cpus;      /* --cpus: 0 when not given */
};

static void
hw_usage(void)
{
	fprintf(stderr, "usage: eptsim hw-run TRACE --emulator=bochs|qemu|none "
	                "[--cpu=haswell|sandybridge]\n"
	                "       [--mode=legacy|ept] [--ad=hw|emulated] [--cpus=1|2] [--vmspace=N] "
	                "[--relocate] [--inject=skip-inval]\n"
	                "       [--predict-stale] [--ops=FILE] [--records] [--timeout=S] "
	                "[--keep-going] [--json]\n");
}

static int
hw_parse(int argc, char **argv, struct hw_opts *o)
{
	static const struct option opts[] = {
		{ "emulator", required_argument, NULL, 'e' },
		{ "cpu", required_argument, NULL, 'c' },
		{ "mode", required_argument, NULL, 'm' },
		{ "ad", required_argument, NULL, 'a' },
		{ "vmspace", required_argument, NULL, 'v' },
		{ "inject", required_argument, NULL, 'i' },
		{ "ops", required_argument, NULL, 'o' },
		{ "records", no_argument, NULL, 'r' },
		{ "timeout", required_argument, NULL, 't' },
		{ "keep-going", no_argument, NULL, 'k' },
		{ "json", no_argument, NULL, 'j' },
		{ "relocate", no_argument, NULL, 'R' },
		{ "predict-stale", no_argument, NULL, 'S' },
		{ "cpus", required_argument, NULL, 'C' },
		{ NULL, 0, NULL, 0 },
	};
	int c, emu = -1;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'e':
			emu = cli_pick("emulator", optarg, emu_names, 3);
			break;
		case 'c':
			o->x.cpu = cpu_names[cli_pick("cpu", optarg, cpu_names, 2)];
			o->cpu_given = true;
			break;
		case 'm':
			o->mode = cli_pick("hw mode", optarg, hw_mode_names, 2);
			break;
		case 'a':
			o->ad = cli_pick("A/D mode", optarg, cli_ad_names, 2);
			break;
		case 'v':
			o->vm = (uint32_t)cli_number("--vmspace", optarg);
			break;
		case 'i':
			if (strcmp(optarg, "skip-inval") != 0) {
				fprintf(stderr, "eptsim: unknown fault to inject '%s'\n", optarg);
				return -1;
			}
			o->flags |= HWOPS_F_SKIP_INVAL;
			break;
		case 'o':
			o->ops_out = optarg;
			break;
		case 'r':
			o->records = true;
			break;
		case 't':
			o->x.timeout = (unsigned)cli_number("--timeout", optarg);
			break;
		case 'k':
			o->x.keep_going = true;
			break;
		case 'j':
			o->x.json = true;
			break;
		case 'R':
			o->relocate = true;
			break;
		case 'S':
			o->predict_stale = true;
			break;
		case 'C':
			o->cpus = (unsigned)cli_number("--cpus", optarg);
			if (o->cpus != 1 && o->cpus != 2) {
				fprintf(stderr, "eptsim: --cpus=%s: 1 or 2\n", optarg);
				return -1;
			}
			break;
		default:
			hw_usage();
			return -1;
		}
	}
	if (optind + 1 != argc || emu < 0) {
		hw_usage();
		return -1;
	}
	o->x.trace = argv[optind];
	o->x.emu = (enum hwx_emulator)emu;
	return 0;
}

/* The emulator must have what the mode needs. */
static int
hw_check_machine(struct hw_opts *o)
{
	if (!o->cpu_given)
		o->x.cpu = o->ad == 1 ? "sandybridge" : "haswell";
	if (o->mode == 1 && o->x.emu == HWX_EMU_QEMU) {
		fprintf(stderr,
		        "eptsim: QEMU (TCG) has no VMX: --mode=ept needs --emulator=bochs\n");
		return -1;
	}
	if (o->cpus == 2 && o->mode == 0) {
		fprintf(stderr, "eptsim: --cpus=2 runs the EPT guest on the second CPU: it needs "
		                "--mode=ept\n");
		return -1;
	}
	if (o->cpus == 0)
		o->cpus = o->mode == 1 ? 2 : 1;
	o->x.cpus = o->cpus;
	if (o->cpus == 2)
		o->flags |= HWOPS_F_GUEST_AP;
	if (o->mode == 1 && o->ad == 0 && strcmp(o->x.cpu, "sandybridge") == 0) {
		fprintf(stderr, "eptsim: sandybridge has no EPT A/D flags: use --ad=emulated or "
		                "--cpu=haswell\n");
		return -1;
	}
	return 0;
}

static enum hwops_mode
hw_list_mode(const struct hw_opts *o)
{
	if (o->mode == 0)
		return HWOPS_MODE_LEGACY;
	return o->ad == 0 ? HWOPS_MODE_EPT_AD : HWOPS_MODE_EPT_EMUL;
}

static void
hw_print_drops(const struct hwc_result *res, size_t nops)
{
	int i;

	fprintf(stderr, "eptsim hw-run: vmspace %u: %lu events -> %zu ops\n", res->vm, res->events,
	        nops);
	if (res->windows != 0)
		fprintf(stderr, "  %lu 2 MiB windows relocated\n", res->windows);
	for (i = 0; i < HWC_DROP_COUNT; i++)
		if (res->counts[i] != 0)
			fprintf(stderr, "  %lu %s\n", res->counts[i], hwc_drop_names[i]);
}

/* The host's records for @list, as text. */
static char *
hw_predict(const void *list, size_t len, uint32_t hflags, int *status)
{
	char *text = NULL;
	size_t tl = 0;
	FILE *f = open_memstream(&text, &tl);

	*status = -1;
	if (f == NULL)
		return NULL;
	*status = hwh_run(list, len, f, hflags);
	fclose(f);
	return text;
}

/* The last @n lines of @text on stderr. */
static void
hw_tail(const char *what, const char *text, int n)
{
	const char *p = text + strlen(text);

	while (p > text && n >= 0)
		if (*--p == '\n')
			n--;
	fprintf(stderr, "--- last lines of %s ---\n%s\n---\n", what, p == text ? p : p + 1);
}

static void
hw_summary(const struct hw_opts *o, const struct hwc_result *res, size_t nrec, uint64_t div,
           double secs, const char *error)
{
	double rate = secs > 0 ? (double)res->events / secs : 0;

	if (o->x.json) {
		printf("{\"trace\":\"%s\",\"vmspace\":%u,\"mode\":\"%s\",\"ad\":\"%s\","
		       "\"emulator\":\"%s\",\"cpu\":\"%s\",\"cpus\":%u,\"events\":%lu,"
		       "\"records\":%zu,"
		       "\"divergences\":%lu,\"seconds\":%.3f,\"events_per_s\":%.0f,\"error\":\"%"
		       "s\"}\n",
		       o->x.trace, res->vm, hw_mode_names[o->mode], cli_ad_names[o->ad],
		       emu_names[o->x.emu], o->x.cpu, o->cpus, res->events, nrec, div, secs, rate,
		       error);
		return;
	}
	printf("eptsim hw-run %s (vmspace %u, mode %s, ad %s, %s %s, %u CPU%s)\n", o->x.trace,
	       res->vm, hw_mode_names[o->mode], cli_ad_names[o->ad], emu_names[o->x.emu], o->x.cpu,
	       o->cpus, o->cpus == 1 ? "" : "s");
	if (o->x.emu == HWX_EMU_NONE) {
		printf("  %lu events, %zu records predicted (no emulator run)\n", res->events,
		       nrec);
		return;
	}
	printf("  %lu events, %zu records, %lu divergences; boot-to-result %.3f s, %.0f "
	       "hardware-checked events/s\n",
	       res->events, nrec, div, secs, rate);
}

/* Boot, compare, report: the exit status. */
static int
hw_against_kernel(const struct hw_opts *o, const struct hwc_result *res, const void *list,
                  size_t len, struct hwx_lines *want)
{
	struct hwx_lines got = { 0 };
	char err[512] = "", *text = NULL, *copy;
	double secs = 0;
	uint64_t div = 0;
	int rc = 2;

	if (hwx_boot(&o->x, list, len, &text, &secs, err, sizeof(err)) != 0) {
		fprintf(stderr, "eptsim: %s\n", err);
		free(text);
		hw_summary(o, res, 0, 0, secs, "emulator");
		return 2;
	}
	copy = strdup(text);
	hwx_records(copy, &got);
	if (got.end == NULL) {
		fprintf(stderr,
		        "eptsim: %s: the kernel's run has no END line (hang, crash or "
		        "timeout)\n",
		        o->x.trace);
		hw_tail("the emulator's output", text, 20);
		snprintf(err, sizeof(err), "no END");
	} else if (strcmp(got.end, want->end) != 0 && strncmp(got.end, "END ", 4) == 0 &&
	           strcmp(strrchr(got.end, ' '), " 0") != 0) {
		fprintf(stderr, "eptsim: %s: the kernel's runner failed: '%s' (predicted '%s')\n",
		        o->x.trace, got.end, want->end);
		hw_tail("the emulator's output", text, 20);
		snprintf(err, sizeof(err), "runner status");
	} else {
		div = hwx_compare(&o->x, &got, want);
		rc = div != 0 ? 1 : 0;
	}
	hw_summary(o, res, got.n, div, secs, err);
	free(got.v);
	free(copy);
	free(text);
	return rc;
}

int
cmd_hw_run(int argc, char **argv)
{
	struct hw_opts o = { .x = { .timeout = 60, .cpu = "haswell" }, .mode = 1 };
	struct hwx_lines want = { 0 };
	struct hwc_result res;
	struct hwh_list l;
	char err[TRACE_ERR_MAX], *predicted;
	const void *list;
	size_t len;
	int status, rc = 2;

	if (hw_parse(argc, argv, &o) != 0 || hw_check_machine(&o) != 0)
		return 2;
	if (!hwh_list_init(&l, hw_list_mode(&o), o.flags))
		return 2;
	if (hwc_compile(o.x.trace, o.vm, o.relocate, &l, &res, err) != 0) {
		fprintf(stderr, "eptsim: %s\n", err);
		goto out;
	}
	list = hwh_list_finish(&l, &len);
	hw_print_drops(&res, l.nops);
	if (o.ops_out != NULL && hwx_save(o.ops_out, list, len) != 0)
		goto out;
	predicted = hw_predict(list, len, o.predict_stale ? HWH_HONOUR_SKIP_INVAL : 0, &status);
	if (predicted == NULL || status != HWR_OK) {
		fprintf(stderr, "eptsim: %s: the host runner failed (status %d)\n", o.x.trace,
		        status);
		if (predicted != NULL)
			hw_tail("the host runner's records", predicted, 5);
		free(predicted);
		goto out;
	}
	if (o.records)
		fputs(predicted, stdout);
	hwx_records(predicted, &want);
	o.x.list = list;
	o.x.len = len;
	o.x.hflags = o.predict_stale ? HWH_HONOUR_SKIP_INVAL : 0;
	o.x.vm = res.vm;
	if (o.x.emu == HWX_EMU_NONE) {
		hw_summary(&o, &res, want.n, 0, 0, "");
		rc = 0;
	} else {
		rc = hw_against_kernel(&o, &res, list, len, &want);
	}
	free(want.v);
	free(predicted);
out:
	hwh_list_free(&l);
	return rc;
}
