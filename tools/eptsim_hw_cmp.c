/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * eptsim_hw_cmp.c - the kernel's records against the host's prediction,
 * line by line, each disagreement reported in the shape of the replay's
 * divergence report: op number, trace line, address, field, both values.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/eptsim_hw_var.h"

/* Split @text into its record lines ("R ..." and "END ..."); others are the kernel's log. */
void
hwx_records(char *text, struct hwx_lines *out)
{
	char *save = NULL, *line;

	out->n = 0;
	out->end = NULL;
	for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "END ", 4) == 0) {
			out->end = line;
			break;
		}
		if (strncmp(line, "R ", 2) != 0)
			continue;
		if (out->n == out->cap) {
			out->cap = out->cap ? 2 * out->cap : 256;
			out->v = realloc(out->v, out->cap * sizeof(*out->v));
			if (out->v == NULL)
				abort();
		}
		out->v[out->n++] = line;
	}
}

/* The value of "key=" in record @rec, copied into @buf ("" when absent). */
static const char *
hwx_field(const char *rec, const char *key, char *buf, size_t len)
{
	size_t kl = strlen(key);
	const char *p = rec, *e;

	buf[0] = '\0';
	while ((p = strstr(p, key)) != NULL) {
		if ((p == rec || p[-1] == ' ') && p[kl] == '=') {
			p += kl + 1;
			e = strchr(p, ' ');
			snprintf(buf, len, "%.*s", (int)(e ? (size_t)(e - p) : strlen(p)), p);
			return buf;
		}
		p += kl;
	}
	return buf;
}

/* The first field that differs between @got and @want ("record" when the heads do). */
static const char *
hwx_first_diff(const char *got, const char *want)
{
	static const char *const keys[] = { "fault", "out", "code", "addr", "val", "ad" };
	char a[64], b[64];
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcmp(hwx_field(got, keys[i], a, sizeof(a)),
		           hwx_field(want, keys[i], b, sizeof(b))) != 0)
			return keys[i];
	return "record";
}

static void
hwx_report(const struct hwx_run *x, const char *got, const char *want)
{
	const char *field = hwx_first_diff(got, want);
	char opno[24] = "?", kind[24] = "?", line[24], addr[32], a[64], b[64];

	(void)sscanf(want, "R %23s %23s", opno, kind);
	hwx_field(want, "line", line, sizeof(line));
	hwx_field(want, "addr", addr, sizeof(addr));
	if (strcmp(field, "record") == 0)
		snprintf(a, sizeof(a), "(other record)"), snprintf(b, sizeof(b), "(see below)");
	else
		hwx_field(got, field, a, sizeof(a)), hwx_field(want, field, b, sizeof(b));
	printf("DIVERGENCE op %s (%s:%s) %s va %s: %s: kernel %s, predicted %s\n", opno, x->trace,
	       line, kind, addr, field, a, b);
	printf("  kernel:    %s\n  predicted: %s\n", got, want);
}

/* Compare; returns the number of divergences (only the first is printed without keep_going). */
uint64_t
hwx_compare(const struct hwx_run *x, const struct hwx_lines *got, const struct hwx_lines *want)
{
	size_t i, n = got->n < want->n ? got->n : want->n;
	uint64_t div = 0;

	for (i = 0; i < n; i++) {
		if (strcmp(got->v[i], want->v[i]) == 0)
			continue;
		if (div++ == 0 || x->keep_going)
			hwx_report(x, got->v[i], want->v[i]);
	}
	if (got->n != want->n) {
		div++;
		printf("DIVERGENCE: the kernel printed %zu records, the host predicted %zu\n",
		       got->n, want->n);
		if (n < want->n)
			printf("  first missing: %s\n", want->v[n]);
		else
			printf("  first extra:   %s\n", got->v[n]);
	}
	return div;
}
