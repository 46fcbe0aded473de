/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * trace_write.c - the trace writer (traces/FORMAT.md, "Files"): the
 * mirror image of the reader (trace_read.c), text through
 * ZSTD_compressStream2 for a .zst file.  Every event is checked by the
 * parser before it is written.  Every error is sticky: once a writer
 * failed it keeps its first message.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zstd.h>

#include "sim/trace_var.h"

#define TRACE_OUT_SIZE (1u << 16) /* compressed bytes written at a time */

struct trace_writer {
	FILE *fp;
	bool own_fp;     /* not stdout: fclose it */
	ZSTD_CCtx *cctx; /* NULL for plain text */
	bool failed;
	uint64_t lineno; /* lines written so far */
	char *path;
	char err[TRACE_ERR_MAX];
	char line[TRACE_LINE_MAX + 2];
	unsigned char out[TRACE_OUT_SIZE];
};

/* Fails the writer with a message; returns -1. */
static int __attribute__((format(printf, 3, 4)))
trace_wfail(struct trace_writer *w, uint64_t lineno, const char *fmt, ...)
{
	va_list ap;

	if (w->failed)
		return (-1);
	va_start(ap, fmt);
	trace_vmsg(w->err, w->path, lineno, fmt, ap);
	va_end(ap);
	w->failed = true;
	return (-1);
}

/* @n bytes to the file. */
static int
trace_wraw(struct trace_writer *w, const void *data, size_t n)
{
	if (n > 0 && fwrite(data, 1, n, w->fp) != n)
		return (trace_wfail(w, 0, "write error: %s", strerror(errno)));
	return (0);
}

/* @n bytes through the compressor; ZSTD_e_end also closes the frame. */
static int
trace_zpush(struct trace_writer *w, const void *data, size_t n, ZSTD_EndDirective end)
{
	ZSTD_inBuffer in = { data, n, 0 };
	ZSTD_outBuffer out;
	size_t ret;

	do {
		out = (ZSTD_outBuffer){ w->out, sizeof(w->out), 0 };
		ret = ZSTD_compressStream2(w->cctx, &out, &in, end);
		if (ZSTD_isError(ret))
			return (trace_wfail(w, 0, "zstd: %s", ZSTD_getErrorName(ret)));
		if (trace_wraw(w, w->out, out.pos) != 0)
			return (-1);
	} while (end == ZSTD_e_end ? ret != 0 : in.pos < in.size);
	return (0);
}

/* w->line (already checked) plus a newline as the next line. */
static int
trace_wline(struct trace_writer *w)
{
	size_t n = strlen(w->line);

	w->line[n++] = '\n';
	w->lineno++;
	if (w->cctx != NULL)
		return (trace_zpush(w, w->line, n, ZSTD_e_continue));
	return (trace_wraw(w, w->line, n));
}

/* Text for a line: one line of at most TRACE_LINE_MAX bytes. */
static int
trace_wcheck(struct trace_writer *w, const char *what, const char *text, size_t extra)
{
	if (strpbrk(text, "\r\n") != NULL)
		return (trace_wfail(w, w->lineno + 1, "%s contains a line break", what));
	if (strlen(text) + extra > TRACE_LINE_MAX)
		return (trace_wfail(w, w->lineno + 1, "%s too long (line over %d bytes)", what,
		                    TRACE_LINE_MAX));
	return (0);
}

static int
trace_writer_start(struct trace_writer *w, const char *path, const char *source)
{
	bool std = strcmp(path, "-") == 0;

	w->own_fp = !std;
	w->fp = std ? stdout : fopen(path, "wb");
	if (w->fp == NULL)
		return (trace_wfail(w, 0, "cannot create: %s", strerror(errno)));
	if (!std && trace_is_zst(path)) {
		w->cctx = ZSTD_createCCtx();
		if (w->cctx == NULL)
			return (trace_wfail(w, 0, "out of memory"));
		ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_compressionLevel, ZSTD_CLEVEL_DEFAULT);
		ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_checksumFlag, 1);
	}
	if (trace_wcheck(w, "source", source, strlen("eptsim-trace 1 source=")) != 0)
		return (-1);
	snprintf(w->line, sizeof(w->line), "%s %d %s%s", TRACE_HDR_MAGIC, TRACE_FORMAT_VERSION,
	         TRACE_HDR_SOURCE, source);
	return (trace_wline(w));
}

/*
 * Create @path ("-" is standard output; a name ending in .zst is
 * compressed, with a checksum) and write the header naming @source (one
 * line of text, may be empty).  Returns the writer, or NULL with @err
 * filled.  Nothing is durable until trace_finish().
 */
struct trace_writer *
trace_create(const char *path, const char *source, char err[TRACE_ERR_MAX])
{
	struct trace_writer *w = calloc(1, sizeof(*w));
	bool std = strcmp(path, "-") == 0;

	if (w == NULL || (w->path = strdup(std ? "<stdout>" : path)) == NULL) {
		snprintf(err, TRACE_ERR_MAX, "%s: out of memory", path);
		free(w);
		return (NULL);
	}
	if (trace_writer_start(w, path, source) != 0) {
		trace_finish(w, err);
		return (NULL);
	}
	return (w);
}

/*
 * Append @ev as its canonical line.  An event the reader would reject is
 * not written: the writer fails instead.  Returns 0, or -1 once the
 * writer failed (trace_finish() then says why).
 */
int
trace_write(struct trace_writer *w, const struct trace_event *ev)
{
	struct trace_event back;

	if (w->failed)
		return (-1);
	trace_format(ev, w->line, sizeof(w->line) - 1);
	if (trace_parse_line(w->line, w->lineno + 1, w->path, &back, w->err) != 0) {
		w->failed = true;
		return (-1);
	}
	return (trace_wline(w));
}

/* Append "# @text" (one line, no line break in @text).  Returns 0 or -1. */
int
trace_comment(struct trace_writer *w, const char *text)
{
	if (w->failed || trace_wcheck(w, "comment", text, 2) != 0)
		return (-1);
	snprintf(w->line, sizeof(w->line), "# %s", text);
	return (trace_wline(w));
}

/*
 * End the last zstd frame, flush and close the file, free @w.  Returns 0,
 * or -1 with @err (may be NULL) filled by the first error the writer met.
 */
int
trace_finish(struct trace_writer *w, char err[TRACE_ERR_MAX])
{
	int rc;

	if (!w->failed && w->cctx != NULL)
		trace_zpush(w, NULL, 0, ZSTD_e_end);
	if (w->fp != NULL && fflush(w->fp) != 0)
		trace_wfail(w, 0, "write error: %s", strerror(errno));
	if (w->fp != NULL && w->own_fp && fclose(w->fp) != 0)
		trace_wfail(w, 0, "write error: %s", strerror(errno));
	rc = w->failed ? -1 : 0;
	if (rc != 0 && err != NULL)
		snprintf(err, TRACE_ERR_MAX, "%s", w->err);
	ZSTD_freeCCtx(w->cctx);
	free(w->path);
	free(w);
	return (rc);
}
