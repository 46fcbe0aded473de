/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * eptsim_cli.h - the subcommands of eptsim that live outside eptsim.c,
 * and the option helpers they share.
 */
#ifndef EPTSIM_TOOLS_EPTSIM_CLI_H
#define EPTSIM_TOOLS_EPTSIM_CLI_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/sim.h"

/* `eptsim gen ...` (eptsim_gen.c) and `eptsim dump ...` (eptsim_dump.c): exit status. */
int cmd_gen(int argc, char **argv);
int cmd_dump(int argc, char **argv);
/* `eptsim shrink ...` (eptsim_shrink.c): exit status. */
int cmd_shrink(int argc, char **argv);

/*
 * The index of @val in @names (@n of them); an unknown value ends the
 * program with status 2 and "eptsim: unknown WHAT 'VAL'".
 */
extern const char *const cli_mode_names[3];
extern const char *const cli_ad_names[2];

int cli_pick(const char *what, const char *val, const char *const *names, int n);
/* @val as a number (C syntax: 10, 0x10); anything else ends the program with status 2. */
uint64_t cli_number(const char *what, const char *val);

/*
 * The replay's progress line (eptsim_progress.c): on standard error, only
 * when it is a terminal and the replay has run for a second, at most ten
 * updates a second, erased at the end.
 */
struct cli_progress {
	const char *trace;
	double start, last;
	bool shown;
};

/* Point @cfg's progress callback at @p when standard error is a terminal. */
void cli_progress_attach(struct cli_progress *p, struct sim_config *cfg, const char *trace);
/* Erase the line if it was shown. */
void cli_progress_end(struct cli_progress *p);

#endif /* EPTSIM_TOOLS_EPTSIM_CLI_H */
