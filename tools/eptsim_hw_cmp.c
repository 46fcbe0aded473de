/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * eptsim_hw_cmp.c - the kernel's records against the host's prediction,
 * line by line; each disagreement is reported by eptsim_hw_report.c.
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
const char *
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
const char *
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

/*
 * Compare; returns the number of divergences.  The first is reported
 * (eptsim_hw_report.c), all of them with keep_going.
 */
uint64_t
hwx_compare(const struct hwx_run *x, const struct hwx_lines *got, const struct hwx_lines *want)
{
	size_t i, n = got->n < want->n ? got->n : want->n, shown = 0;
	size_t *idx = calloc(n ? n : 1, sizeof(*idx));
	uint64_t div = 0;

	if (idx == NULL)
		abort();
	for (i = 0; i < n; i++) {
		if (strcmp(got->v[i], want->v[i]) == 0)
			continue;
		if (div++ == 0 || x->keep_going)
			idx[shown++] = i;
	}
	if (shown != 0)
		hwx_report(x, got, want, idx, shown);
	free(idx);
	if (got->n != want->n) {
		div++;
		printf("eptsim: DIVERGENCE #%lu after record %zu (%s): record count (kernel vs "
		       "predicted)\n  records: kernel %zu, predicted %zu\n",
		       div, n, x->trace, got->n, want->n);
		if (n < want->n)
			printf("  first missing: %s\n", want->v[n]);
		else
			printf("  first extra:   %s\n", got->v[n]);
	}
	return div;
}
