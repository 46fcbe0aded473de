/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * trace_read.c - the streaming trace reader (traces/FORMAT.md, "Files").
 *
 * A reader holds fixed-size buffers and nothing else: at most TRACE_IN_SIZE
 * compressed bytes, TRACE_BUF_SIZE bytes of text and one line, whatever
 * the size of the trace.  Bytes flow
 *
 *   file --fread--> in[] --ZSTD_decompressStream--> buf[] --lines--> line[]
 *
 * and a plain file skips the middle step (fread straight into buf[]).  A
 * line that buf[] holds whole is not copied: its newline becomes the NUL
 * and the line is read in place; only a line split across two fills of
 * buf[] is assembled in line[].  Either way lp points at the current
 * line.  Each event line goes to trace_parse_fast() first; what it
 * declines is checked for bad bytes, skipped as a comment or parsed by
 * trace_parse_general(), in that order, so messages keep their order.
 * The writer (trace_write.c) is the mirror image.  Every error is sticky:
 * once a reader failed it keeps its first message.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zstd.h>

#include "sim/trace_var.h"

#define TRACE_IN_SIZE  (1u << 17) /* compressed bytes read at a time */
#define TRACE_BUF_SIZE (1u << 17) /* text bytes decompressed or read at a time */

struct trace_reader {
	FILE *fp;
	bool own_fp;     /* not stdin: fclose it */
	ZSTD_DCtx *dctx; /* NULL for plain text */
	ZSTD_inBuffer zin;
	size_t zret; /* last ZSTD_decompressStream(): 0 at a frame's end */
	bool zflush; /* the decoder may still hold output: call it again */
	bool in_eof; /* fread() saw the end of the file */
	bool failed;
	size_t pos, len; /* unread text: buf[pos..len) */
	uint64_t lineno; /* lines read so far */
	const char *lp;  /* the current line: in buf[] or line[], NUL-terminated */
	size_t ln;       /* its bytes, the NUL not counted */
	char *path;      /* as named in messages */
	char source[TRACE_LINE_MAX + 1];
	char err[TRACE_ERR_MAX];
	char line[TRACE_LINE_MAX + 1 + TRACE_PARSE_PAD];
	unsigned char in[TRACE_IN_SIZE];
	char buf[TRACE_BUF_SIZE + TRACE_PARSE_PAD]; /* text in the first TRACE_BUF_SIZE */
};

/* Fails the reader with a message; returns -1. */
static int __attribute__((format(printf, 3, 4)))
trace_rfail(struct trace_reader *r, uint64_t lineno, const char *fmt, ...)
{
	va_list ap;

	if (r->failed)
		return (-1);
	va_start(ap, fmt);
	trace_vmsg(r->err, r->path, lineno, fmt, ap);
	va_end(ap);
	r->failed = true;
	return (-1);
}

/* Up to TRACE_IN_SIZE compressed bytes into in[]; returns the count, 0 at EOF, -1. */
static int
trace_read_in(struct trace_reader *r)
{
	size_t n = 0;

	if (!r->in_eof)
		n = fread(r->in, 1, sizeof(r->in), r->fp);
	if (n == 0 && ferror(r->fp))
		return (trace_rfail(r, 0, "read error: %s", strerror(errno)));
	r->in_eof = n == 0;
	r->zin = (ZSTD_inBuffer){ r->in, n, 0 };
	return (n > 0);
}

/*
 * Decompress into buf[]: 1 with some text, 0 at the end of the input after
 * a complete frame, -1 on corrupt data or input that ends inside a frame
 * (@lineno names the line being read then).
 */
static int
trace_zfill(struct trace_reader *r, uint64_t lineno)
{
	ZSTD_outBuffer out;
	size_t ret;
	int rc;

	for (;;) {
		if (r->zin.pos == r->zin.size && !r->zflush) {
			if ((rc = trace_read_in(r)) < 0)
				return (-1);
			if (rc == 0 && r->zret == 0)
				return (0);
			if (rc == 0)
				return (trace_rfail(r, lineno, "truncated zstd stream"));
		}
		out = (ZSTD_outBuffer){ r->buf, TRACE_BUF_SIZE, 0 };
		ret = ZSTD_decompressStream(r->dctx, &out, &r->zin);
		if (ZSTD_isError(ret))
			return (
			    trace_rfail(r, 0, "corrupt zstd stream: %s", ZSTD_getErrorName(ret)));
		r->zret = ret;
		r->zflush = ret != 0 && out.pos == out.size;
		if (out.pos > 0) {
			r->pos = 0;
			r->len = out.pos;
			return (1);
		}
	}
}

/* Plain text into buf[]: 1, 0 at the end of the file, -1 on a read error. */
static int
trace_pfill(struct trace_reader *r)
{
	size_t n = 0;

	if (!r->in_eof)
		n = fread(r->buf, 1, TRACE_BUF_SIZE, r->fp);
	if (n == 0 && ferror(r->fp))
		return (trace_rfail(r, 0, "read error: %s", strerror(errno)));
	r->in_eof = n == 0;
	r->pos = 0;
	r->len = n;
	return (n > 0);
}

/*
 * Move text up to and including the next newline from buf[] to line[]
 * (@n bytes there so far).  Returns 1 when the newline was consumed, 0
 * when buf[] ran out first, -1 when the line is too long.
 */
static int
trace_take(struct trace_reader *r, size_t *n, uint64_t lineno)
{
	const char *s = r->buf + r->pos, *nl = memchr(s, '\n', r->len - r->pos);
	size_t take = nl != NULL ? (size_t)(nl - s) : r->len - r->pos;

	if (*n + take > TRACE_LINE_MAX)
		return (
		    trace_rfail(r, lineno, "line too long (more than %d bytes)", TRACE_LINE_MAX));
	memcpy(r->line + *n, s, take);
	*n += take;
	r->pos += take + (nl != NULL);
	return (nl != NULL);
}

/* Bytes no line may hold: 1, or -1 naming the first kind found. */
static int
trace_check_bytes(struct trace_reader *r)
{
	if (memchr(r->lp, '\0', r->ln) != NULL)
		return (trace_rfail(r, r->lineno, "NUL byte in line"));
	if (memchr(r->lp, '\r', r->ln) != NULL)
		return (
		    trace_rfail(r, r->lineno, "carriage return in line (lines end with LF only)"));
	return (1);
}

/*
 * The line at buf[pos] when buf[] holds it whole: 1 with lp at it (its
 * newline now NUL), 0 when it runs past the end of buf[], -1 when it is
 * too long.
 */
static inline __attribute__((always_inline)) int
trace_inplace(struct trace_reader *r, uint64_t lineno)
{
	char *s = r->buf + r->pos, *nl = memchr(s, '\n', r->len - r->pos);

	if (nl == NULL)
		return (0);
	if ((size_t)(nl - s) > TRACE_LINE_MAX)
		return (
		    trace_rfail(r, lineno, "line too long (more than %d bytes)", TRACE_LINE_MAX));
	*nl = '\0';
	r->lp = s;
	r->ln = (size_t)(nl - s);
	r->pos += r->ln + 1;
	r->lineno = lineno;
	return (1);
}

/*
 * The next line, without its newline, at lp (a last line without one is
 * accepted); its bytes are not checked yet (trace_check_bytes()).
 * Returns 1, 0 at the end of the trace, or -1.
 */
static inline __attribute__((always_inline)) int
trace_getline(struct trace_reader *r)
{
	uint64_t lineno = r->lineno + 1;
	size_t n = 0;
	int rc = 0;

	if (r->pos < r->len && (rc = trace_inplace(r, lineno)) != 0)
		return (rc);
	while (rc == 0) {
		if (r->pos == r->len) {
			rc = r->dctx != NULL ? trace_zfill(r, lineno) : trace_pfill(r);
			if (rc < 0 || (rc == 0 && n == 0))
				return (rc);
			if (rc == 0)
				break;
		}
		if ((rc = trace_take(r, &n, lineno)) < 0)
			return (-1);
	}
	r->line[n] = '\0';
	r->lp = r->line;
	r->ln = n;
	r->lineno = lineno;
	return (1);
}

/* A blank line or one whose first non-blank character is '#'. */
static bool
trace_is_comment(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return (*s == '\0' || *s == '#');
}

/* Skips "[ \t]+" at *@s; false when there is none. */
static bool
trace_blanks(const char **s)
{
	const char *p = *s;

	while (**s == ' ' || **s == '\t')
		(*s)++;
	return (*s != p);
}

/* The version's digits at *@s (advanced past them): 0 and @v, or -1. */
static int
trace_header_version(const char **s, uint64_t *v)
{
	const char *p = *s;

	*v = 0;
	while (*p >= '0' && *p <= '9') {
		*v = *v > UINT32_MAX ? *v : *v * 10 + (uint64_t)(*p - '0');
		p++;
	}
	if (p == *s || (*p != '\0' && *p != ' ' && *p != '\t'))
		return (-1);
	*s = p;
	return (0);
}

/*
 * line[] as the header: "eptsim-trace" blanks VERSION blanks "source=" TEXT.
 * The version is checked before the rest: another version may say more.
 */
static int
trace_parse_header(struct trace_reader *r)
{
	const char *s = r->lp + strlen(TRACE_HDR_MAGIC), *digits;
	uint64_t version;

	if (strncmp(r->lp, TRACE_HDR_MAGIC, strlen(TRACE_HDR_MAGIC)) != 0 || !trace_blanks(&s))
		goto bad;
	digits = s;
	if (trace_header_version(&s, &version) != 0)
		goto bad;
	if (version != TRACE_FORMAT_VERSION)
		return (trace_rfail(r, 1, "unsupported trace version %.*s (this eptsim reads %d)",
		                    (int)(s - digits < 64 ? s - digits : 64), digits,
		                    TRACE_FORMAT_VERSION));
	if (!trace_blanks(&s) || strncmp(s, TRACE_HDR_SOURCE, strlen(TRACE_HDR_SOURCE)) != 0)
		goto bad;
	snprintf(r->source, sizeof(r->source), "%s", s + strlen(TRACE_HDR_SOURCE));
	return (0);
bad:
	return (trace_rfail(r, 1, "bad header (expected \"%s %d %sTEXT\")", TRACE_HDR_MAGIC,
	                    TRACE_FORMAT_VERSION, TRACE_HDR_SOURCE));
}

/* A reader for @path, its file open, nothing read; NULL with @err filled. */
static struct trace_reader *
trace_reader_alloc(const char *path, char err[TRACE_ERR_MAX])
{
	bool std = strcmp(path, "-") == 0;
	struct trace_reader *r = calloc(1, sizeof(*r));

	if (r == NULL || (r->path = strdup(std ? "<stdin>" : path)) == NULL) {
		snprintf(err, TRACE_ERR_MAX, "%s: out of memory", path);
		free(r);
		return (NULL);
	}
	r->zret = 1; /* no frame yet: an empty .zst file is truncated */
	r->own_fp = !std;
	r->fp = std ? stdin : fopen(path, "rb");
	if (r->fp == NULL)
		trace_rfail(r, 0, "cannot open: %s", strerror(errno));
	else if (!std && trace_is_zst(path) && (r->dctx = ZSTD_createDCtx()) == NULL)
		trace_rfail(r, 0, "out of memory");
	if (r->failed) {
		snprintf(err, TRACE_ERR_MAX, "%s", r->err);
		trace_close(r);
		return (NULL);
	}
	return (r);
}

/*
 * Open @path ("-" is standard input, named "<stdin>" in messages; a name
 * ending in .zst is decompressed) and read its header line.  The reader
 * allocates about 260 KiB, fixed.  Returns it, or NULL with @err filled
 * ("FILE: reason" or "FILE:1: reason").  Release it with trace_close().
 */
struct trace_reader *
trace_open(const char *path, char err[TRACE_ERR_MAX])
{
	struct trace_reader *r = trace_reader_alloc(path, err);
	int rc;

	if (r == NULL)
		return (NULL);
	rc = trace_getline(r);
	if (rc == 0)
		trace_rfail(r, 1, "empty trace (no header line)");
	if (rc <= 0 || trace_check_bytes(r) < 0 || trace_parse_header(r) != 0) {
		snprintf(err, TRACE_ERR_MAX, "%s", r->err);
		trace_close(r);
		return (NULL);
	}
	return (r);
}

/*
 * The next event into @ev, comment and blank lines skipped, ev->line its
 * line number.  Returns 1, 0 at the end of the trace, or -1 with
 * trace_error() set; after -1 every call returns -1.
 */
int
trace_next(struct trace_reader *r, struct trace_event *ev)
{
	int rc;

	if (r->failed)
		return (-1);
	while ((rc = trace_getline(r)) == 1) {
		if (trace_parse_fast(r->lp, r->ln, ev) == 0) {
			ev->line = r->lineno;
			return (1);
		}
		if (trace_check_bytes(r) < 0)
			return (-1);
		if (trace_is_comment(r->lp))
			continue;
		if (trace_parse_general(r->lp, r->lineno, r->path, ev, r->err) != 0) {
			r->failed = true;
			return (-1);
		}
		return (1);
	}
	return (rc);
}

/* The message of the error trace_next() returned -1 for; "" before one. */
const char *
trace_error(const struct trace_reader *r)
{
	return (r->err);
}

const char *
trace_source(const struct trace_reader *r)
{
	return (r->source);
}

const char *
trace_path(const struct trace_reader *r)
{
	return (r->path);
}

/* Free @r and close its file (not stdin).  NULL is a no-op. */
void
trace_close(struct trace_reader *r)
{
	if (r == NULL)
		return;
	if (r->fp != NULL && r->own_fp)
		fclose(r->fp);
	ZSTD_freeDCtx(r->dctx);
	free(r->path);
	free(r);
}
