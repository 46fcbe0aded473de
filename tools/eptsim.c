/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * eptsim.c - the command line.
 *
 *   eptsim replay TRACE... [--mode=pair|convert|ept] [--ad=hw|emulated]
 *                 [--check=incremental|full|none] [--seed=N] [--ram=PAGES]
 *                 [--keep-going] [--json] [--inject=skip-inval|skip-invlpg]
 *                 [--oracle=unicorn]
 *   eptsim stat TRACE...
 *   eptsim gen [--seed=N] [--events=N] [--shape=...] [-o OUT]    (eptsim_gen.c)
 *   eptsim dump TRACE --at N --vmspace V [--mode=...] [--ad=...]  (eptsim_dump.c)
 *   eptsim shrink TRACE -o MIN [replay options]                  (eptsim_shrink.c)
 *   eptsim hw-run TRACE --emulator=bochs|qemu|none [...]          (eptsim_hw.c)
 *
 * Exit status: 0 clean, 1 divergences, 2 bad input or a replay that could
 * not go on (the message names the file, the line and the reason).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/replay.h"
#include "sim/trace.h"
#include "tools/eptsim_cli.h"
#include "verify/vfy_unicorn_oracle.h"
#include "tools/eptsim_hw.h"

/* Option spellings, in enum sim_mode / sim_ad / sim_check order. */
const char *const cli_mode_names[3] = { "pair", "convert", "ept" };
const char *const cli_ad_names[2] = { "hw", "emulated" };
static const char *const check_names[] = { "none", "incremental", "full" };

static void
usage(FILE *f)
{
	fprintf(f,
	        "usage: eptsim replay TRACE... [--mode=pair|convert|ept] [--ad=hw|emulated]\n"
	        "                     [--check=incremental|full|none] [--seed=N] [--ram=PAGES]\n"
	        "                     [--keep-going] [--json] [--inject=skip-inval|skip-invlpg]\n"
	        "                     [--oracle=unicorn]\n"
	        "       eptsim stat TRACE...\n"
	        "       eptsim gen [--seed=N] [--events=N] [-o OUT]\n"
	        "                  [--shape=mixed|fork-tree|mmap-storm|superpage|copy|pageout]\n"
	        "       eptsim dump TRACE --at N --vmspace V [--mode=pair|convert|ept]\n"
	        "                   [--ad=hw|emulated] [--seed=N] [--ram=PAGES]\n"
	        "       eptsim shrink TRACE -o MIN [--mode=...] [--ad=...] [--check=...]\n"
	        "                     [--seed=N] [--ram=PAGES] [--inject=skip-inval]\n"
	        "       eptsim hw-run TRACE --emulator=bochs|qemu|none [--mode=legacy|ept]\n"
	        "                     [--ad=hw|emulated] [--cpu=haswell|sandybridge] ...\n");
}

/* The oracle's figures: JSON fields (no closing brace), or a summary line. */
static void
print_oracle(const struct vfy_uco_stats *u, bool json)
{
	double rate = u->seconds > 0 ? u->accesses / u->seconds : 0;

	if (json) {
		printf(",\"oracle_accesses\":%lu,\"oracle_faults\":%lu,\"oracle_spurious\":%lu,"
		       "\"oracle_divergences\":%lu,\"oracle_accesses_per_s\":%.0f",
		       u->accesses, u->faults, u->spurious, u->divergences, rate);
		return;
	}
	printf("  unicorn oracle: %lu accesses (%lu #PF, %lu spurious, %lu walks setting A/D, "
	       "%lu execute-only reads EPT refused) on %u engines;\n    %lu fresh runs, %lu "
	       "INVLPG, %lu CR3 writes forwarded; %lu divergences; %.3f s, %.0f accesses/s\n",
	       u->accesses, u->faults, u->spurious, u->walks, u->exec_only_reads, u->engines,
	       u->switches, u->invlpg, u->invltlb, u->divergences, u->seconds, rate);
}

/*
 * @s as the inside of a JSON string (RFC 8259, 7: '"', '\\' and control
 * characters escaped) in @buf, cut short rather than overflowing.
 */
static const char *
json_escape(const char *s, char *buf, size_t len)
{
	size_t n = 0;

	for (; *s != '\0' && n + 7 < len; s++) {
		if (*s == '"' || *s == '\\')
			n += snprintf(buf + n, len - n, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			n += snprintf(buf + n, len - n, "\\u%04x", (unsigned char)*s);
		else
			buf[n++] = *s;
	}
	buf[n] = '\0';
	return buf;
}

static void
print_summary(const struct replay_summary *r, const struct sim_config *cfg,
              const struct vfy_uco_stats *u)
{
	const struct sim_stats *st = &r->stats;
	double rate = r->seconds > 0 ? r->events / r->seconds : 0;
	char trace[8192], error[6 * TRACE_ERR_MAX + 8];

	if (cfg->json) {
		printf("{\"trace\":\"%s\",\"mode\":\"%s\",\"ad\":\"%s\",\"check\":\"%s\","
		       "\"events\":%lu,\"faults\":%lu,\"spurious_faults\":%lu,\"emulated_ad\":%lu,"
		       "\"segv\":%lu,\"efault\":%lu,\"peak_resident_pages\":%lu,\"checks\":%lu,"
		       "\"divergences\":%lu,\"events_per_s\":%.0f,\"error\":\"%s\"",
		       json_escape(r->trace, trace, sizeof(trace)), cli_mode_names[cfg->mode],
		       cli_ad_names[cfg->ad], check_names[cfg->check], r->events, st->faults,
		       st->spurious_faults, st->emulated_ad, st->segv, st->efault,
		       st->peak_resident_pages, r->checks, r->divergences, rate,
		       json_escape(r->fatal, error, sizeof(error)));
		if (u != NULL)
			print_oracle(u, true);
		printf("}\n");
		return;
	}
	printf("eptsim replay %s (mode %s, ad %s, check %s)\n", r->trace, cli_mode_names[cfg->mode],
	       cli_ad_names[cfg->ad], check_names[cfg->check]);
	printf("  events %lu, faults %lu (spurious %lu, emulated A/D %lu, SIGSEGV %lu), "
	       "copy EFAULT %lu, copied %lu bytes\n",
	       r->events, st->faults, st->spurious_faults, st->emulated_ad, st->segv, st->efault,
	       st->copy_bytes);
	printf("  pages: zero-filled %lu, COW copies %lu, file reads %lu, paged out %lu, "
	       "peak resident %lu\n",
	       st->zero_fills, st->cow_copies, st->file_reads, st->pageouts,
	       st->peak_resident_pages);
	printf("  accesses %lu (TLB hits %lu, walks %lu); checks %lu, full checks %lu\n",
	       st->accesses, st->tlb_hits, st->walks, r->checks, st->full_checks);
	printf("  divergences %lu; %.3f s, %.0f events/s\n", r->divergences, r->seconds, rate);
	if (u != NULL)
		print_oracle(u, false);
	if (r->fatal[0] != '\0')
		printf("  error: %s\n", r->fatal);
}

static int
cmd_replay(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "mode", required_argument, NULL, 'm' },
		{ "ad", required_argument, NULL, 'a' },
		{ "check", required_argument, NULL, 'c' },
		{ "seed", required_argument, NULL, 's' },
		{ "ram", required_argument, NULL, 'r' },
		{ "keep-going", no_argument, NULL, 'k' },
		{ "json", no_argument, NULL, 'j' },
		{ "inject", required_argument, NULL, 'i' },
		{ "oracle", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	struct sim_config cfg = { .mode = SIM_MODE_PAIR,
		                  .ad = SIM_AD_HW,
		                  .check = SIM_CHECK_INCREMENTAL,
		                  .ram_pages = 65536,
		                  .seed = 1 };
	struct replay_summary sum;
	struct cli_progress progress;
	struct vfy_uco *uco = NULL;
	int c, i, rc, worst = 0;
	bool oracle = false;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			cfg.mode = cli_pick("mode", optarg, cli_mode_names, 3);
			break;
		case 'a':
			cfg.ad = cli_pick("A/D mode", optarg, cli_ad_names, 2);
			break;
		case 'c':
			cfg.check = cli_pick("check level", optarg, check_names, 3);
			break;
		case 's':
			cfg.seed = cli_number("--seed", optarg);
			break;
		case 'r':
			cfg.ram_pages = cli_number("--ram", optarg);
			break;
		case 'k':
			cfg.keep_going = true;
			break;
		case 'j':
			cfg.json = true;
			break;
		case 'i':
			if (strcmp(optarg, "skip-inval") == 0)
				cfg.inject |= SIM_INJECT_SKIP_INVAL;
			else if (strcmp(optarg, "skip-invlpg") == 0)
				cfg.inject |= SIM_INJECT_SKIP_INVLPG;
			else {
				fprintf(stderr, "eptsim: unknown fault to inject '%s'\n", optarg);
				return 2;
			}
			break;
		case 'o':
			if (strcmp(optarg, "unicorn") != 0) {
				fprintf(stderr, "eptsim: unknown oracle '%s' (known: unicorn)\n",
				        optarg);
				return 2;
			}
			oracle = true;
			break;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc || cfg.ram_pages < 16) {
		usage(stderr);
		return 2;
	}
	if (oracle && cfg.mode == SIM_MODE_EPT) {
		fprintf(stderr, "eptsim: --oracle=unicorn executes x86 tables: use --mode=pair or "
		                "--mode=convert (EPT tables: the Bochs hardware path, hw/)\n");
		return 2;
	}
	for (i = optind; i < argc; i++) {
		if (oracle && (uco = vfy_uco_create()) == NULL) {
			fprintf(stderr, "eptsim: out of memory\n");
			return 2;
		}
		cfg.oracle = oracle ? vfy_uco_hooks(uco) : NULL;
		cli_progress_attach(&progress, &cfg, argv[i]);
		rc = sim_replay_file(argv[i], &cfg, stdout, &sum);
		cli_progress_end(&progress);
		print_summary(&sum, &cfg, oracle ? vfy_uco_stats(uco) : NULL);
		vfy_uco_destroy(uco);
		uco = NULL;
		if (rc == 2)
			fprintf(stderr, "eptsim: %s\n", sum.fatal);
		worst = rc > worst ? rc : worst;
	}
	return worst;
}

static int
cmd_stat(int argc, char **argv)
{
	uint64_t count[TRACE_OP_COUNT];
	char err[TRACE_ERR_MAX];
	struct trace_event ev;
	struct trace_reader *r;
	int i, op, got, worst = 0;

	for (i = 1; i < argc; i++) {
		if ((r = trace_open(argv[i], err)) == NULL) {
			fprintf(stderr, "eptsim: %s\n", err);
			worst = 2;
			continue;
		}
		memset(count, 0, sizeof(count));
		while ((got = trace_next(r, &ev)) > 0)
			count[ev.op]++;
		printf("%s: source %s\n", argv[i], trace_source(r));
		for (op = 0; op < TRACE_OP_COUNT; op++)
			if (count[op] != 0)
				printf("  %-16s %lu\n", trace_op_name(op), count[op]);
		if (got < 0) {
			fprintf(stderr, "eptsim: %s\n", trace_error(r));
			worst = 2;
		}
		trace_close(r);
	}
	return worst;
}

int
main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "replay") == 0)
		return cmd_replay(argc - 1, argv + 1);
	if (strcmp(argv[1], "stat") == 0)
		return cmd_stat(argc - 1, argv + 1);
	if (strcmp(argv[1], "gen") == 0)
		return cmd_gen(argc - 1, argv + 1);
	if (strcmp(argv[1], "dump") == 0)
		return cmd_dump(argc - 1, argv + 1);
	if (strcmp(argv[1], "shrink") == 0)
		return cmd_shrink(argc - 1, argv + 1);
	if (strcmp(argv[1], "hw-run") == 0)
		return cmd_hw_run(argc - 1, argv + 1);
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return 0;
	}
	fprintf(stderr, "eptsim: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
