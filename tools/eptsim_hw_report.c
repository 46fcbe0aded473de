/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * eptsim_hw_report.c - hw-run's divergences in the shape of the replay's
 * report (sim/report.h): the op and trace line, the field with both
 * values, the address, the host model's tables for it after that op
 * decoded by field name, both records, and the last ops that touched the
 * page with their trace events.
 *
 * The tables are those of the host runner's pmap when it printed the
 * predicted record: the list is run once more on the host (it is
 * deterministic, and each rerun record is checked against the
 * prediction), describing each divergent record's address from the
 * record hook.  One rerun serves every report; none runs without a
 * divergence.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pmap/pmap.h"
#include "tools/eptsim_hw_var.h"

#define HWX_LAST_OPS 6 /* ops shown per report, as the replay shows events */

/* The rerun: which records to describe, and what it said of each. */
struct hwx_snap {
	const struct hwx_lines *want;
	const size_t *idx; /* record numbers, ascending */
	size_t n, next, recno;
	char **text; /* [n], malloc'd */
};

static void
hwx_snap_hook(void *arg, const char *line, struct pmap *pm)
{
	struct hwx_snap *s = arg;
	size_t i = s->recno++, sz;
	char addr[32];
	FILE *f;

	if (s->next >= s->n || s->idx[s->next] != i)
		return;
	f = open_memstream(&s->text[s->next++], &sz);
	if (f == NULL)
		return;
	if (strcmp(line, s->want->v[i]) != 0)
		fprintf(f, "  (the host's rerun printed '%s' here, not the prediction)\n", line);
	hwx_field(s->want->v[i], "addr", addr, sizeof(addr));
	hwh_describe_walk(pm, strtoull(addr, NULL, 0), f);
	fclose(f);
}

/* Each shown record's table description, by one rerun of the list (NULL text: none). */
static char **
hwx_snapshots(const struct hwx_run *x, const struct hwx_lines *want, const size_t *idx, size_t n)
{
	struct hwx_snap s = { want, idx, n, 0, 0, calloc(n, sizeof(char *)) };
	char *scratch = NULL;
	size_t sl;
	FILE *f;

	if (s.text == NULL || (f = open_memstream(&scratch, &sl)) == NULL)
		return s.text;
	(void)hwh_run_hook(x->list, x->len, f, x->hflags, hwx_snap_hook, &s);
	fclose(f);
	free(scratch);
	return s.text;
}

static const struct hwops_op *
hwx_ops(const struct hwx_run *x, size_t *nops)
{
	const struct hwops_header *h = x->list;

	*nops = h->nops;
	return (const struct hwops_op *)(h + 1);
}

/* Does @op name the page of @va? CHECK and END name none. */
static bool
hwx_op_touches(const struct hwops_op *op, uint64_t va)
{
	uint64_t page = va & ~(PMAP_PAGE_SIZE - 1);

	switch (op->kind) {
	case HWOPS_MAP:
	case HWOPS_UNMAP:
	case HWOPS_PROTECT:
		return page >= op->va && (page - op->va) >> PMAP_PAGE_SHIFT < op->arg;
	case HWOPS_ACCESS:
	case HWOPS_CLEAR_MOD:
	case HWOPS_TS_REF:
		return (op->va & ~(PMAP_PAGE_SIZE - 1)) == page;
	default:
		return false;
	}
}

/* The last HWX_LAST_OPS ops up to @k touching @va, newest first; how many. */
static size_t
hwx_last_ops(const struct hwx_run *x, uint64_t k, uint64_t va, size_t out[HWX_LAST_OPS])
{
	size_t nops, n = 0, j;
	const struct hwops_op *ops = hwx_ops(x, &nops);

	for (j = k < nops ? k + 1 : nops; j > 0 && n < HWX_LAST_OPS; j--)
		if (hwx_op_touches(&ops[j - 1], va))
			out[n++] = j - 1;
	return n;
}

/* The trace events of lines @lines[@n] (ascending) as text, by one pass over the trace. */
static char **
hwx_trace_lines(const char *path, const uint64_t *lines, size_t n)
{
	char **text = calloc(n ? n : 1, sizeof(char *)), err[TRACE_ERR_MAX], buf[512];
	struct trace_reader *r;
	struct trace_event ev;
	size_t i = 0;

	if (text == NULL || n == 0 || (r = trace_open(path, err)) == NULL)
		return text;
	while (i < n && trace_next(r, &ev) > 0) {
		while (i < n && lines[i] < ev.line)
			i++;
		if (i < n && lines[i] == ev.line)
			text[i++] = strdup(trace_format(&ev, buf, sizeof(buf)));
	}
	trace_close(r);
	return text;
}

static int
hwx_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* "ACCESS write 0x400000 user", "UNMAP 0x400000 +1 pages", ... */
static const char *
hwx_op_words(const struct hwops_op *op, char *buf, size_t len)
{
	const char *kind = hwops_kind_name(op->kind);
	char prot[4] = { op->prot & VM_PROT_READ ? 'r' : '-', op->prot & VM_PROT_WRITE ? 'w' : '-',
		         op->prot & VM_PROT_EXECUTE ? 'x' : '-', '\0' };

	kind = kind ? kind : "?";
	if (op->kind == HWOPS_ACCESS)
		snprintf(buf, len, "%s %s %#lx%s", kind,
		         op->access == HWOPS_ACC_WRITE  ? "write"
		         : op->access == HWOPS_ACC_READ ? "read"
		                                        : "fetch",
		         op->va, op->user ? " user" : "");
	else if (op->kind == HWOPS_MAP || op->kind == HWOPS_PROTECT)
		snprintf(buf, len, "%s %#lx +%lu pages %s", kind, op->va, op->arg, prot);
	else if (op->kind == HWOPS_UNMAP)
		snprintf(buf, len, "%s %#lx +%lu pages", kind, op->va, op->arg);
	else
		snprintf(buf, len, "%s %#lx", kind, op->va);
	return buf;
}

/* One report's facts, gathered before printing. */
struct hwx_div {
	size_t rec;  /* record number */
	uint64_t op; /* its op */
	uint64_t va;
	size_t last[HWX_LAST_OPS], nlast;
};

static void
hwx_print(const struct hwx_run *x, const struct hwx_div *d, uint64_t no, const char *got,
          const char *want, const char *tables, const uint64_t *lines, char **ltext, size_t nlines)
{
	const struct hwops_header *h = x->list;
	const char *field = hwx_first_diff(got, want);
	char kind[24] = "?", line[24], a[64], b[64], words[128];
	size_t nops, i;
	const struct hwops_op *ops = hwx_ops(x, &nops);

	(void)sscanf(want, "R %*s %23s", kind);
	hwx_field(want, "line", line, sizeof(line));
	printf("eptsim: DIVERGENCE #%lu at op %lu (%s:%s): %s (kernel vs predicted)\n", no, d->op,
	       x->trace, line, field);
	if (strcmp(field, "record") == 0)
		printf("  the records differ outside the compared fields\n");
	else
		printf("  %s: kernel %s, predicted %s\n", field,
		       hwx_field(got, field, a, sizeof(a)), hwx_field(want, field, b, sizeof(b)));
	printf("  vmspace %u, %s %s %#lx; the host model after op %lu:\n", x->vm, kind,
	       h->mode == HWOPS_MODE_LEGACY ? "va" : "gpa", d->va, d->op);
	fputs(tables != NULL ? tables : "  (no tables: the host's rerun did not reach it)\n",
	      stdout);
	printf("  kernel:    %s\n  predicted: %s\n", got, want);
	printf("  last ops touching this page:\n");
	for (i = 0; i < d->nlast; i++) {
		const struct hwops_op *op = &ops[d->last[i]];
		const uint64_t *l = bsearch(&op->line, lines, nlines, sizeof(*lines), hwx_cmp_u64);
		const char *ev = l != NULL ? ltext[l - lines] : NULL;

		printf("    op %zu %s:%lu: %s%s%s\n", d->last[i], x->trace, op->line,
		       hwx_op_words(op, words, sizeof(words)), ev ? " <- " : "", ev ? ev : "");
	}
	if (d->nlast == 0)
		printf("    (none)\n");
}

void
hwx_report(const struct hwx_run *x, const struct hwx_lines *got, const struct hwx_lines *want,
           const size_t *idx, size_t n)
{
	struct hwx_div *d = calloc(n ? n : 1, sizeof(*d));
	uint64_t *lines = calloc(n * HWX_LAST_OPS + 1, sizeof(*lines));
	size_t i, j, nl = 0, nops;
	char **tables, **ltext, buf[32];
	const struct hwops_op *ops = hwx_ops(x, &nops);

	if (d == NULL || lines == NULL)
		abort();
	for (i = 0; i < n; i++) {
		d[i].rec = idx[i];
		d[i].op = strtoull(want->v[idx[i]] + 2, NULL, 10);
		d[i].va = strtoull(hwx_field(want->v[idx[i]], "addr", buf, sizeof(buf)), NULL, 0);
		d[i].nlast = hwx_last_ops(x, d[i].op, d[i].va, d[i].last);
		for (j = 0; j < d[i].nlast; j++)
			lines[nl++] = ops[d[i].last[j]].line;
	}
	qsort(lines, nl, sizeof(*lines), hwx_cmp_u64);
	for (i = 0, j = 0; i < nl; i++)
		if (j == 0 || lines[j - 1] != lines[i])
			lines[j++] = lines[i];
	nl = j;
	tables = hwx_snapshots(x, want, idx, n);
	ltext = hwx_trace_lines(x->trace, lines, nl);
	for (i = 0; i < n; i++)
		hwx_print(x, &d[i], i + 1, got->v[idx[i]], want->v[idx[i]],
		          tables ? tables[i] : NULL, lines, ltext, nl);
	for (i = 0; i < n; i++)
		free(tables ? tables[i] : NULL);
	for (i = 0; i < nl; i++)
		free(ltext ? ltext[i] : NULL);
	free(tables);
	free(ltext);
	free(lines);
	free(d);
}
