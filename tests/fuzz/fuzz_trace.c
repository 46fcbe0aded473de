/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * fuzz_trace.c - the trace reader (sim/trace_read.c, trace_parse.c) on
 * arbitrary bytes.
 *
 * Input that starts with a zstd frame's magic number is read as a .zst
 * file: the decoder must fail cleanly on damage.  Any other input is
 * read as plain text, and then compressed and read again as .zst; the
 * oracles, besides the sanitizers, are
 *
 *   - the two readings give the same events on the same lines and end
 *     the same way (the same message after the path);
 *   - every message is "PATH:LINE: reason" or "PATH: reason";
 *   - every event read is canonical after one trace_format(): parsing
 *     its line gives an event whose line is the same text;
 *   - the writer accepts every event the reader returned, and reading
 *     back what it wrote gives the same lines;
 *   - on every line of the input, the fast path for canonical lines
 *     (trace_parse_fast()) takes only lines the general parser takes
 *     too, and gives the same event.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zstd.h>

#include "sim/trace.h"
#include "sim/trace_var.h"
#include "tests/fuzz/fuzz.h"

#define LINE_BUF (TRACE_LINE_MAX + 1)

/* @msg is "@path: ..." or "@path:DIGITS: ..."; returns the reason, or fails. */
static const char *
reason_of(const char *msg, const char *path)
{
	size_t n = strlen(path);
	const char *p = msg + n;

	if (strncmp(msg, path, n) != 0 || *p != ':')
		fuzz_finding("message does not start with \"%s:\": %s", path, msg);
	p++;
	if (*p >= '0' && *p <= '9') {
		while (*p >= '0' && *p <= '9')
			p++;
		if (*p != ':')
			fuzz_finding("message has no ':' after the line: %s", msg);
		p++;
	}
	if (*p != ' ' || p[1] == '\0')
		fuzz_finding("message has no reason: %s", msg);
	return (p + 1);
}

/* @ev's canonical line into @buf; it must parse back to itself. */
static void
check_canonical(const struct trace_event *ev, char *buf)
{
	char again[LINE_BUF], err[TRACE_ERR_MAX];
	struct trace_event ev2;

	trace_format(ev, buf, LINE_BUF);
	if (trace_parse_line(buf, ev->line, "canonical", &ev2, err) != 0)
		fuzz_finding("the canonical line of an event does not parse: %s: %s", buf, err);
	trace_format(&ev2, again, sizeof(again));
	if (strcmp(buf, again) != 0)
		fuzz_finding("canonical line changes when parsed: \"%s\" -> \"%s\"", buf, again);
}

/* One step of two readers in lockstep; returns the common trace_next() result. */
static int
step_both(struct trace_reader *a, struct trace_reader *b, struct trace_writer *w)
{
	char la[LINE_BUF], lb[LINE_BUF];
	struct trace_event ea, eb;
	int ra = trace_next(a, &ea), rb = trace_next(b, &eb);

	if (ra != rb)
		fuzz_finding("plain text gives %d, its .zst %d (%s | %s)", ra, rb, trace_error(a),
		             trace_error(b));
	if (ra < 0 && strcmp(reason_of(trace_error(a), trace_path(a)),
	                     reason_of(trace_error(b), trace_path(b))) != 0)
		fuzz_finding("plain text and .zst fail differently: %s | %s", trace_error(a),
		             trace_error(b));
	if (ra != 1)
		return (ra);
	check_canonical(&ea, la);
	check_canonical(&eb, lb);
	if (ea.line != eb.line || strcmp(la, lb) != 0)
		fuzz_finding("plain text line %lu \"%s\", .zst line %lu \"%s\"", ea.line, la,
		             eb.line, lb);
	if (trace_write(w, &ea) != 0)
		fuzz_finding("the writer refuses an event the reader returned: %s", la);
	return (1);
}

/* The writer's file holds the events of @ref (read from the start again). */
static void
check_written(const char *written, const char *ref)
{
	char err[TRACE_ERR_MAX], lw[LINE_BUF], lr[LINE_BUF];
	struct trace_reader *w = trace_open(written, err), *r;
	struct trace_event ew, er;
	int rw, rr;

	if (w == NULL)
		fuzz_finding("cannot read back the writer's file: %s", err);
	if ((r = trace_open(ref, err)) == NULL)
		fuzz_finding("cannot reopen %s: %s", ref, err);
	do {
		rw = trace_next(w, &ew);
		rr = trace_next(r, &er);
		if (rr < 0 && rw != 0) /* the writer has the events before the error */
			fuzz_finding("written file gives %d where the original failed", rw);
		if (rr < 0)
			break;
		if (rw != rr)
			fuzz_finding("written file gives %d, the original %d (%s)", rw, rr,
			             trace_error(w));
		if (rw == 1 && strcmp(trace_format(&ew, lw, sizeof(lw)),
		                      trace_format(&er, lr, sizeof(lr))) != 0)
			fuzz_finding("written \"%s\", read \"%s\"", lw, lr);
	} while (rw == 1);
	trace_close(w);
	trace_close(r);
}

/* One line (@n bytes, any bytes) through both parsers: the fast path may only agree. */
static void
check_fast_line(const char *line, size_t n)
{
	char buf[LINE_BUF + TRACE_PARSE_PAD], err[TRACE_ERR_MAX];
	struct trace_event ef, eg;

	memcpy(buf, line, n);
	memset(buf + n, 0, 1 + TRACE_PARSE_PAD);
	if (trace_parse_fast(buf, n, &ef) != 0)
		return;
	if (memchr(buf, '\0', n) != NULL || memchr(buf, '\r', n) != NULL)
		fuzz_finding("the fast path takes a line with a NUL or CR byte");
	if (trace_parse_general(buf, 1, "general", &eg, err) != 0)
		fuzz_finding("the fast path takes a line the general parser refuses: %s", err);
	ef.line = eg.line;
	if (!trace_event_equal(&ef, &eg))
		fuzz_finding("the fast path and the general parser give other events: %s",
		             trace_format(&eg, buf, sizeof(buf)));
}

/* Every line of @data (split at LF, at most a line's length) through check_fast_line(). */
static void
check_fast(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data, *end = s + size, *nl;

	for (; s < end; s = nl + 1) {
		if ((nl = memchr(s, '\n', (size_t)(end - s))) == NULL)
			nl = end;
		if ((size_t)(nl - s) <= TRACE_LINE_MAX)
			check_fast_line(s, (size_t)(nl - s));
	}
}

static void
fuzz_plain(const uint8_t *data, size_t size)
{
	char plain[512], zst[512], out[512], err[TRACE_ERR_MAX], erz[TRACE_ERR_MAX];
	size_t bound = ZSTD_compressBound(size), n;
	struct trace_reader *a, *b;
	struct trace_writer *w;
	void *z = malloc(bound);

	if (z == NULL)
		abort();
	check_fast(data, size);
	n = ZSTD_compress(z, bound, data, size, 1);
	if (ZSTD_isError(n))
		fuzz_finding("ZSTD_compress: %s", ZSTD_getErrorName(n));
	fuzz_write_file(fuzz_path("in.trace", plain, sizeof(plain)), data, size);
	fuzz_write_file(fuzz_path("in.trace.zst", zst, sizeof(zst)), z, n);
	free(z);
	a = trace_open(plain, err);
	b = trace_open(zst, erz);
	if ((a == NULL) != (b == NULL))
		fuzz_finding("only one reading opens: %s | %s", a ? "ok" : err, b ? "ok" : erz);
	if (a == NULL) {
		if (strcmp(reason_of(err, plain), reason_of(erz, zst)) != 0)
			fuzz_finding("plain text and .zst fail differently: %s | %s", err, erz);
		return;
	}
	if ((w = trace_create(fuzz_path("out.trace", out, sizeof(out)), trace_source(a), err)) ==
	    NULL)
		fuzz_finding("the writer refuses the reader's source: %s", err);
	while (step_both(a, b, w) == 1)
		;
	trace_close(a);
	trace_close(b);
	if (trace_finish(w, err) != 0)
		fuzz_finding("trace_finish: %s", err);
	check_written(out, plain);
}

/* A .zst file of arbitrary bytes: every end is clean, every message well formed. */
static void
fuzz_zst(const uint8_t *data, size_t size)
{
	char path[512], err[TRACE_ERR_MAX];
	char line[LINE_BUF];
	struct trace_reader *r;
	struct trace_event ev;
	int rc;

	fuzz_write_file(fuzz_path("in.trace.zst", path, sizeof(path)), data, size);
	if ((r = trace_open(path, err)) == NULL) {
		reason_of(err, path);
		return;
	}
	while ((rc = trace_next(r, &ev)) == 1)
		check_canonical(&ev, line);
	if (rc < 0)
		reason_of(trace_error(r), path);
	if (trace_next(r, &ev) != rc)
		fuzz_finding("trace_next() after the end gives another answer than %d", rc);
	trace_close(r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t magic[4] = { 0x28, 0xb5, 0x2f, 0xfd };

	if (size >= 4 && memcmp(data, magic, 4) == 0)
		fuzz_zst(data, size);
	else
		fuzz_plain(data, size);
	return (0);
}
