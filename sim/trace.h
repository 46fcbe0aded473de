/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * trace.h - eptsim traces: events, the streaming reader and the writer.
 * The format is specified in traces/FORMAT.md.
 *
 * A trace is a header line and one event per line; files ending in .zst
 * are zstd-compressed and read or written through libzstd transparently.
 * The reader streams: it holds one line at a time, never the file.  It is
 * strict: every malformed line is an error naming the file, the line and
 * the reason; nothing is skipped.
 */
#ifndef EPTSIM_SIM_TRACE_H
#define EPTSIM_SIM_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pmap/pmap.h"

#define TRACE_FORMAT_VERSION 1
#define TRACE_ERR_MAX        512
#define TRACE_LINE_MAX       4096 /* bytes in a line, its newline not counted */

enum trace_op {
	TRACE_VMSPACE_CREATE,  /* vm kind [owner] */
	TRACE_VMSPACE_DESTROY, /* vm */
	TRACE_FORK,            /* vm child: child inherits vm's map, private copy-on-write */
	TRACE_EXEC,            /* vm: the map is emptied (new mappings follow) */
	TRACE_EXIT,            /* vm: the process is gone; its vmspace with it */
	TRACE_MMAP,            /* vm va len prot share backing ... */
	TRACE_MPROTECT,        /* vm va len prot */
	TRACE_MUNMAP,          /* vm va len */
	TRACE_MADVISE,         /* vm va len advice */
	TRACE_WIRE,            /* vm va len */
	TRACE_UNWIRE,          /* vm va len */
	TRACE_FAULT,           /* vm tid cpu va access mode */
	TRACE_COPYIN,          /* vm cpu va len: the kernel reads user memory */
	TRACE_COPYOUT,         /* vm cpu va len: the kernel writes user memory */
	TRACE_PAGEOUT,         /* pages: memory pressure, scan this many pages */
	TRACE_CHECK,           /* a full check point */
	TRACE_SCHED,           /* tid cpu: thread tid now runs on cpu */
	TRACE_OP_COUNT,
};

enum trace_vm_kind {
	TRACE_VM_PROCESS, /* a process's address space (gva -> hpa, x86 tables) */
	TRACE_VM_GUEST,   /* a vkernel guest vmspace (gpa -> hpa, vmspace_create) */
};

enum trace_backing {
	TRACE_BACKING_ANON,
	TRACE_BACKING_FILE,
	TRACE_BACKING_DEVICE,
};

enum trace_advice {
	TRACE_ADVICE_DONTNEED,
};

struct trace_event {
	enum trace_op op;
	uint64_t line; /* line number in the trace file (1 = header) */
	uint32_t vm;   /* vmspace id */
	uint32_t child;
	uint32_t owner; /* vmspace_create of a guest: the vkernel's vmspace */
	uint32_t tid, cpu;
	uint64_t va, len;
	vm_prot_t prot; /* mmap, mprotect: rights; fault: the access (one bit) */
	bool user;      /* fault: user mode (else kernel) */
	bool shared;    /* mmap: MAP_SHARED */
	enum trace_vm_kind kind;
	enum trace_backing backing;
	uint64_t file;             /* mmap file: file id */
	uint64_t offset;           /* mmap file: offset in the file */
	uint64_t hpa;              /* mmap device: physical base */
	enum pmap_memattr memattr; /* mmap device: memory type */
	enum trace_advice advice;
	uint64_t pages; /* pageout */
};

struct trace_reader;
struct trace_writer;

/*
 * Open @path ("-" is standard input; a name ending in .zst is
 * decompressed) and read its header.  Returns NULL with @err filled
 * ("FILE:LINE: reason") when it cannot.
 */
struct trace_reader *trace_open(const char *path, char err[TRACE_ERR_MAX]);

/*
 * Read the next event into @ev.  Returns 1, 0 at the end of the trace, or
 * -1 with trace_error() saying "FILE:LINE: reason".
 */
int trace_next(struct trace_reader *r, struct trace_event *ev);
const char *trace_error(const struct trace_reader *r);
const char *trace_source(const struct trace_reader *r); /* the header's source= */
const char *trace_path(const struct trace_reader *r);
void trace_close(struct trace_reader *r);

/*
 * Parse one event line (no newline) as line @lineno of @path.  Returns 0,
 * or -1 with @err filled.  The reader uses this; so do tests.
 */
int trace_parse_line(const char *line, uint64_t lineno, const char *path, struct trace_event *ev,
                     char err[TRACE_ERR_MAX]);

/* The canonical line for @ev (no newline); returns @buf. */
const char *trace_format(const struct trace_event *ev, char *buf, size_t len);
const char *trace_op_name(enum trace_op op);

/* Do @a and @b hold the same event, field by field (line number included)? */
bool trace_event_equal(const struct trace_event *a, const struct trace_event *b);

/*
 * Create @path (.zst: compressed) with a header naming @source.  Returns
 * NULL with @err filled when it cannot.
 */
struct trace_writer *trace_create(const char *path, const char *source, char err[TRACE_ERR_MAX]);
int trace_write(struct trace_writer *w, const struct trace_event *ev);
int trace_comment(struct trace_writer *w, const char *text);
/* Flush and close; returns 0, or -1 with @err filled. */
int trace_finish(struct trace_writer *w, char err[TRACE_ERR_MAX]);

#endif /* EPTSIM_SIM_TRACE_H */
