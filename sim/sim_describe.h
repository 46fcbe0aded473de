/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * sim_describe.h - mappings and pmaps in words, for the demo, reports and
 * failure messages.
 */
#ifndef EPTSIM_SIM_DESCRIBE_H
#define EPTSIM_SIM_DESCRIBE_H

#include <stddef.h>

#include "pmap/pmap.h"

/* "rw- A D wired managed WB 2M" */
const char *sim_describe_mapping(const struct pmap_mapping *m, char *buf, size_t len);

/* "x86", "ept", "ept/emulated-ad", with ",exec-only" / ",superpages" */
const char *sim_describe_pmap(const struct pmap *pm, char *buf, size_t len);

const char *sim_memattr_name(enum pmap_memattr ma);

#endif /* EPTSIM_SIM_DESCRIBE_H */
