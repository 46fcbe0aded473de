/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * eptsim_shrink.c - `eptsim shrink`: a failing trace made small.
 *
 *   eptsim shrink TRACE -o MIN [--mode=pair|convert|ept] [--ad=hw|emulated]
 *                 [--check=incremental|full|none] [--seed=N] [--ram=PAGES]
 *                 [--inject=skip-inval]
 *
 * Replays TRACE under the options given and takes the identity of its
 * first divergence: the checker's one-line kind ("stale TLB", "formats
 * disagree", ...) and the vmspace it names (0 when it names none).  A
 * replay that ends in a pmap panic or a sanitizer report fails too, with
 * that as its kind.  Then it removes events by delta debugging (ddmin,
 * Zeller and Hildebrandt 2002) as long as the replay of what is left
 * fails the same way: same kind, same vmspace.  A clean replay, another
 * divergence, or a replay error (exit 2: an impossible event) is not the
 * same failure.
 *
 * What is left stays well formed: an event for vmspace V is kept only
 * while the event that created V (its vmspace_create, or the fork that
 * made it) is kept, and a fork or a guest's vmspace_create only while
 * its parent's or owner's creation is; so dropping a creation drops that
 * vmspace's events and its children's.  Events after the first divergent
 * one are dropped first (the replay stops there).  The result is
 * 1-minimal: removing any single event (with what depends on it) makes
 * the failure go away or change.
 *
 * Every replay runs in a child process (fork) of this same program, so
 * a build with a changed pmap shrinks with that pmap, and a panic ends
 * only the child.  MIN is written with a header naming the failure and
 * a comment giving the replay options; the sizes before and after
 * (events and lines) and the divergence are printed.  Exit status: 0
 * written, 2 bad usage, bad input, a trace that does not fail, or one
 * that stops with a replay error.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <zstd.h>

#include "sim/replay.h"
#include "sim/trace.h"
#include "tools/eptsim_cli.h"

#define KIND_MAX 160

/* How a replay ended. */
struct outcome {
	int status; /* 0 clean, 1 failed, 2 replay error, 3 could not run */
	char kind[KIND_MAX];
	uint32_t vm;
	uint64_t event; /* the divergent event (1-based), 0 when unknown */
	char error[TRACE_ERR_MAX];
};

struct shrink {
	const char *trace;
	char source[TRACE_LINE_MAX + 1]; /* the trace's header's source= */
	struct sim_config cfg;
	struct trace_event *ev; /* the trace's events */
	size_t n;
	long *dep;     /* the creation event ev[i] needs, or -1 */
	bool *mark;    /* scratch for shrink_close() */
	char dir[256]; /* scratch directory: cand.trace, cand.log */
	char cand[512], log[512];
	struct outcome want;
	unsigned long replays;
};

static void
shrink_usage(FILE *f)
{
	fprintf(f,
	        "usage: eptsim shrink TRACE -o MIN [--mode=pair|convert|ept] [--ad=hw|emulated]\n"
	        "                     [--check=incremental|full|none] [--seed=N] [--ram=PAGES]\n"
	        "                     [--inject=skip-inval]\n");
}

/* Read @path's events into @sh; 0, or -1 with the reader's message printed. */
static int
shrink_load(struct shrink *sh, const char *path)
{
	char err[TRACE_ERR_MAX];
	struct trace_reader *r = trace_open(path, err);
	size_t cap = 0;
	int rc;

	if (r == NULL) {
		fprintf(stderr, "eptsim: %s\n", err);
		return -1;
	}
	for (;;) {
		if (sh->n == cap) {
			cap = cap ? cap * 2 : 256;
			if ((sh->ev = realloc(sh->ev, cap * sizeof(*sh->ev))) == NULL)
				abort();
		}
		if ((rc = trace_next(r, &sh->ev[sh->n])) <= 0)
			break;
		sh->n++;
	}
	if (rc < 0)
		fprintf(stderr, "eptsim: %s\n", trace_error(r));
	snprintf(sh->source, sizeof(sh->source), "%s", trace_source(r));
	trace_close(r);
	return rc;
}

/*
 * dep[i]: the latest creation, before i, of the vmspace event i acts on
 * (for a fork, of the parent; for a guest's vmspace_create, of its
 * owner); -1 for events of no vmspace and for a process's creation.
 */
static void
shrink_deps(struct shrink *sh)
{
	const struct trace_event *e;
	struct sim_hash made; /* vmspace id -> creating event + 1 */
	uint32_t on;
	void *at;
	size_t i;

	sim_hash_init(&made);
	if ((sh->dep = calloc(sh->n + 1, sizeof(*sh->dep))) == NULL ||
	    (sh->mark = calloc(sh->n + 1, sizeof(*sh->mark))) == NULL)
		abort();
	for (i = 0; i < sh->n; i++) {
		e = &sh->ev[i];
		sh->dep[i] = -1;
		if (e->op == TRACE_PAGEOUT || e->op == TRACE_CHECK || e->op == TRACE_SCHED)
			continue;
		on = e->op == TRACE_VMSPACE_CREATE ? e->owner : e->vm;
		if (on != 0 && (at = sim_hash_get(&made, on)) != NULL)
			sh->dep[i] = (long)(uintptr_t)at - 1;
		if ((e->op == TRACE_VMSPACE_CREATE || e->op == TRACE_FORK) &&
		    !sim_hash_put(&made, e->op == TRACE_FORK ? e->child : e->vm,
		                  (void *)(uintptr_t)(i + 1)))
			abort();
	}
	sim_hash_fini(&made);
}

/* @in (@n ascending event indexes) without the events whose creation is not in it, into @out. */
static size_t
shrink_close(struct shrink *sh, const size_t *in, size_t n, size_t *out)
{
	size_t i, m = 0;

	for (i = 0; i < n; i++)
		sh->mark[in[i]] = true;
	for (i = 0; i < n; i++) {
		if (sh->dep[in[i]] >= 0 && !sh->mark[sh->dep[in[i]]]) {
			sh->mark[in[i]] = false;
			continue;
		}
		out[m++] = in[i];
	}
	for (i = 0; i < n; i++)
		sh->mark[in[i]] = false;
	return m;
}

/* The events @set (@n indexes) as a trace at @path; 0, or -1 with a message. */
static int
shrink_write(struct shrink *sh, const char *path, const char *source, const char *comment,
             const size_t *set, size_t n)
{
	char err[TRACE_ERR_MAX];
	struct trace_writer *w = trace_create(path, source, err);
	size_t i;

	if (w == NULL) {
		fprintf(stderr, "eptsim: %s\n", err);
		return -1;
	}
	if (comment != NULL)
		trace_comment(w, comment);
	for (i = 0; i < n; i++)
		trace_write(w, &sh->ev[set[i]]);
	if (trace_finish(w, err) != 0) {
		fprintf(stderr, "eptsim: %s\n", err);
		return -1;
	}
	return 0;
}

/* @s up to the first digit, without trailing blanks or ':'. */
static void
shrink_kind(char *kind, const char *prefix, const char *s)
{
	size_t n = strcspn(s, "0123456789\n");

	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == ':' || s[n - 1] == '('))
		n--;
	snprintf(kind, KIND_MAX, "%s%.*s", prefix, (int)n, s);
}

/*
 * The failure in a replay's output @text: the first divergence's kind
 * and vmspace, a pmap panic, a sanitizer report.  false when none.
 */
static bool
shrink_parse(const char *text, struct outcome *o)
{
	const char *d = strstr(text, "eptsim: DIVERGENCE"), *p, *next;

	if (d != NULL && strncmp(d, "eptsim: DIVERGENCE #", 20) == 0 &&
	    (p = strstr(d, "): ")) != NULL) {
		sscanf(d, "eptsim: DIVERGENCE #%*u at event %lu", &o->event);
		snprintf(o->kind, KIND_MAX, "%.*s", (int)strcspn(p + 3, "\n"), p + 3);
		next = strstr(p, "\neptsim: ");
		p = strstr(p, "\n  vmspace ");
		if (p != NULL && (next == NULL || p < next))
			sscanf(p, "\n  vmspace %u,", &o->vm);
		return true;
	}
	if (d != NULL) {
		snprintf(o->kind, KIND_MAX, "frames leaked");
		return true;
	}
	if ((p = strstr(text, "eptsim: pmap panic: ")) != NULL) {
		shrink_kind(o->kind, "pmap panic: ", p + 20);
		return true;
	}
	if ((p = strstr(text, "ERROR: AddressSanitizer: ")) != NULL) {
		shrink_kind(o->kind, "AddressSanitizer: ", p + 25);
		o->kind[18 + strcspn(o->kind + 18, " ")] = '\0'; /* the report's class */
		return true;
	}
	if ((p = strstr(text, "runtime error: ")) != NULL) {
		shrink_kind(o->kind, "runtime error: ", p + 15);
		return true;
	}
	return false;
}

/* The whole of file @path (NUL-terminated; NULL on error). */
static char *
shrink_slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0, cap = 0, got;

	if (f == NULL)
		return NULL;
	do {
		if (len + 4096 + 1 > cap && (buf = realloc(buf, cap = cap * 2 + 8192)) == NULL)
			abort();
		got = fread(buf + len, 1, 4096, f);
		len += got;
	} while (got > 0);
	fclose(f);
	buf[len] = '\0';
	return buf;
}

/* The replay of @path in a child process: the summary's error, divergence reports. */
static void
shrink_child(struct shrink *sh, const char *path)
{
	struct replay_summary sum;
	int rc;

	rc = sim_replay_file(path, &sh->cfg, stdout, &sum);
	if (rc == 2)
		printf("eptsim: error: %s\n", sum.fatal);
	fflush(stdout);
	_exit(rc);
}

/* Replay the trace at @path and say how it ended. */
static void
shrink_run(struct shrink *sh, const char *path, struct outcome *o)
{
	char *text, *e;
	int fd, st;
	pid_t pid;

	memset(o, 0, sizeof(*o));
	o->status = 3;
	sh->replays++;
	fflush(stdout);
	fflush(stderr);
	if ((pid = fork()) < 0) {
		snprintf(o->error, sizeof(o->error), "fork: %s", strerror(errno));
		return;
	}
	if (pid == 0) {
		if ((fd = open(sh->log, O_WRONLY | O_CREAT | O_TRUNC, 0600)) < 0 ||
		    dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
			_exit(3);
		close(fd);
		shrink_child(sh, path);
	}
	if (waitpid(pid, &st, 0) != pid || (text = shrink_slurp(sh->log)) == NULL) {
		snprintf(o->error, sizeof(o->error), "lost the replay of %s", path);
		return;
	}
	/* A replay error stands even after a divergence in the same event. */
	if (WIFEXITED(st) && WEXITSTATUS(st) == 2)
		o->status = 2;
	else if (shrink_parse(text, o))
		o->status = 1;
	else if (WIFEXITED(st) && WEXITSTATUS(st) <= 1)
		o->status = WEXITSTATUS(st);
	if (o->status == 2 && (e = strstr(text, "eptsim: error: ")) != NULL)
		snprintf(o->error, sizeof(o->error), "%.*s", (int)strcspn(e + 15, "\n"), e + 15);
	else if (o->status == 3)
		snprintf(o->error, sizeof(o->error), "the replay ended with status %#x", st);
	free(text);
}

/* Do the events @set (@n) fail the way the whole trace does? */
static bool
shrink_fails(struct shrink *sh, const size_t *set, size_t n)
{
	struct outcome o;

	if (shrink_write(sh, sh->cand, "eptsim shrink candidate", NULL, set, n) != 0)
		exit(2);
	shrink_run(sh, sh->cand, &o);
	return o.status == 1 && strcmp(o.kind, sh->want.kind) == 0 && o.vm == sh->want.vm;
}

/*
 * ddmin over @cur (@*n ascending indexes, every candidate closed by
 * shrink_close()): try each of @gran chunks alone, then each
 * complement; on a failure keep it and start again, else split finer,
 * until the chunks are single events.
 */
static void
shrink_ddmin(struct shrink *sh, size_t *cur, size_t *n)
{
	size_t *cand = malloc((*n + 1) * sizeof(*cand)),
	       *closed = malloc((*n + 1) * sizeof(*closed));
	size_t gran = 2, i, lo, hi, m;
	bool reduced;

	if (cand == NULL || closed == NULL)
		abort();
	while (*n >= 2) {
		reduced = false;
		for (i = 0; gran > 2 && i < gran && !reduced; i++) {
			lo = i * *n / gran;
			hi = (i + 1) * *n / gran;
			m = shrink_close(sh, cur + lo, hi - lo, closed);
			if (m > 0 && shrink_fails(sh, closed, m)) {
				memcpy(cur, closed, m * sizeof(*cur));
				*n = m;
				gran = 2;
				reduced = true;
			}
		}
		for (i = 0; i < gran && !reduced; i++) {
			lo = i * *n / gran;
			hi = (i + 1) * *n / gran;
			memcpy(cand, cur, lo * sizeof(*cand));
			memcpy(cand + lo, cur + hi, (*n - hi) * sizeof(*cand));
			m = shrink_close(sh, cand, *n - (hi - lo), closed);
			if (m < *n && shrink_fails(sh, closed, m)) {
				memcpy(cur, closed, m * sizeof(*cur));
				*n = m;
				gran = gran > 3 ? gran - 1 : 2;
				reduced = true;
			}
		}
		if (!reduced) {
			if (gran >= *n)
				break;
			gran = gran * 2 < *n ? gran * 2 : *n;
		}
	}
	free(cand);
	free(closed);
}

/* Lines of text in @path (.zst: decompressed); 0 when it cannot be read. */
static uint64_t
shrink_lines(const char *path)
{
	static char in[1 << 16], out[1 << 16];
	size_t len = strlen(path), got, i;
	bool zst = len > 4 && strcmp(path + len - 4, ".zst") == 0;
	ZSTD_DCtx *z = zst ? ZSTD_createDCtx() : NULL;
	FILE *f = fopen(path, "rb");
	uint64_t lines = 0;
	ZSTD_inBuffer zi;
	ZSTD_outBuffer zo;

	while (f != NULL && (got = fread(in, 1, sizeof(in), f)) > 0) {
		for (i = 0; !zst && i < got; i++)
			lines += in[i] == '\n';
		zi = (ZSTD_inBuffer){ in, zst ? got : 0, 0 };
		while (zi.pos < zi.size) {
			zo = (ZSTD_outBuffer){ out, sizeof(out), 0 };
			if (ZSTD_isError(ZSTD_decompressStream(z, &zo, &zi)))
				break;
			for (i = 0; i < zo.pos; i++)
				lines += out[i] == '\n';
		}
	}
	if (f != NULL)
		fclose(f);
	ZSTD_freeDCtx(z);
	return lines;
}

/* The options a replay of MIN needs, as a comment line. */
static void
shrink_options(const struct shrink *sh, char *buf, size_t len)
{
	static const char *const check_names[3] = { "none", "incremental", "full" };

	snprintf(buf, len, "replay: --mode=%s --ad=%s --check=%s --seed=%lu --ram=%lu%s",
	         cli_mode_names[sh->cfg.mode], cli_ad_names[sh->cfg.ad], check_names[sh->cfg.check],
	         sh->cfg.seed, sh->cfg.ram_pages,
	         sh->cfg.inject & SIM_INJECT_SKIP_INVAL ? " --inject=skip-inval" : "");
}

/* Parse the options into @sh; the output path, or NULL (usage printed). */
static const char *
shrink_args(struct shrink *sh, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "mode", required_argument, NULL, 'm' },
		{ "ad", required_argument, NULL, 'a' },
		{ "check", required_argument, NULL, 'c' },
		{ "seed", required_argument, NULL, 's' },
		{ "ram", required_argument, NULL, 'r' },
		{ "inject", required_argument, NULL, 'i' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const check_names[3] = { "none", "incremental", "full" };
	static const char *const inject_names[1] = { "skip-inval" };
	const char *out = NULL;
	int c;

	while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'm':
			sh->cfg.mode = cli_pick("mode", optarg, cli_mode_names, 3);
			break;
		case 'a':
			sh->cfg.ad = cli_pick("A/D mode", optarg, cli_ad_names, 2);
			break;
		case 'c':
			sh->cfg.check = cli_pick("check level", optarg, check_names, 3);
			break;
		case 's':
			sh->cfg.seed = cli_number("--seed", optarg);
			break;
		case 'r':
			sh->cfg.ram_pages = cli_number("--ram", optarg);
			break;
		case 'i':
			cli_pick("fault to inject", optarg, inject_names, 1);
			sh->cfg.inject |= SIM_INJECT_SKIP_INVAL;
			break;
		default:
			shrink_usage(stderr);
			return NULL;
		}
	}
	if (out == NULL || optind != argc - 1 || sh->cfg.ram_pages < 16) {
		shrink_usage(stderr);
		return NULL;
	}
	sh->trace = argv[optind];
	return out;
}

/* Drop what follows the divergent event, then ddmin; @cur, *@n as for shrink_ddmin(). */
static void
shrink_reduce(struct shrink *sh, size_t *cur, size_t *n)
{
	if (sh->want.event > 0 && sh->want.event < *n && shrink_fails(sh, cur, sh->want.event))
		*n = sh->want.event;
	shrink_ddmin(sh, cur, n);
}

/* MIN: the original source, the failure, the replay options; then the events. */
static int
shrink_save(struct shrink *sh, const char *out, const size_t *cur, size_t n)
{
	char source[TRACE_LINE_MAX + 1], opts[256];

	snprintf(source, sizeof(source), "%.3000s (eptsim shrink: %s in vmspace %u)", sh->source,
	         sh->want.kind, sh->want.vm);
	shrink_options(sh, opts, sizeof(opts));
	return shrink_write(sh, out, source, opts, cur, n);
}

/* The first replay of the whole trace gives the failure to keep; 0, or 2 with a message. */
static int
shrink_start(struct shrink *sh)
{
	static const char *const check_names[3] = { "none", "incremental", "full" };

	shrink_run(sh, sh->trace, &sh->want);
	switch (sh->want.status) {
	case 1:
		return 0;
	case 0:
		fprintf(stderr,
		        "eptsim: %s: does not fail (mode %s, ad %s, check %s): nothing to shrink\n",
		        sh->trace, cli_mode_names[sh->cfg.mode], cli_ad_names[sh->cfg.ad],
		        check_names[sh->cfg.check]);
		return 2;
	case 2:
		fprintf(stderr,
		        "eptsim: %s: the replay stops with an error, not a divergence: %s\n",
		        sh->trace, sh->want.error);
		return 2;
	default:
		fprintf(stderr, "eptsim: %s: %s\n", sh->trace, sh->want.error);
		return 2;
	}
}

static void
shrink_cleanup(struct shrink *sh)
{
	unlink(sh->cand);
	unlink(sh->log);
	rmdir(sh->dir);
	free(sh->ev);
	free(sh->dep);
	free(sh->mark);
}

int
cmd_shrink(int argc, char **argv)
{
	struct shrink sh = { .cfg = { .mode = SIM_MODE_PAIR,
		                      .ad = SIM_AD_HW,
		                      .check = SIM_CHECK_INCREMENTAL,
		                      .ram_pages = 65536,
		                      .seed = 1 } };
	const char *out, *tmp = getenv("TMPDIR");
	size_t *cur = NULL, n, i;
	int rc = 2;

	if ((out = shrink_args(&sh, argc, argv)) == NULL)
		return 2;
	snprintf(sh.dir, sizeof(sh.dir), "%s/eptsim-shrink.XXXXXX",
	         tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
	if (mkdtemp(sh.dir) == NULL) {
		fprintf(stderr, "eptsim: %s: %s\n", sh.dir, strerror(errno));
		return 2;
	}
	snprintf(sh.cand, sizeof(sh.cand), "%s/cand.trace", sh.dir);
	snprintf(sh.log, sizeof(sh.log), "%s/cand.log", sh.dir);
	if (shrink_load(&sh, sh.trace) != 0 || shrink_start(&sh) != 0)
		goto done;
	shrink_deps(&sh);
	if ((cur = malloc((sh.n + 1) * sizeof(*cur))) == NULL)
		abort();
	for (i = 0; i < sh.n; i++)
		cur[i] = i;
	n = sh.n;
	shrink_reduce(&sh, cur, &n);
	if (shrink_save(&sh, out, cur, n) != 0)
		goto done;
	printf("eptsim shrink: %s: %s in vmspace %u (mode %s, ad %s)\n", sh.trace, sh.want.kind,
	       sh.want.vm, cli_mode_names[sh.cfg.mode], cli_ad_names[sh.cfg.ad]);
	printf("  %zu events (%lu lines) -> %zu events (%lu lines) in %s, %lu replays\n", sh.n,
	       shrink_lines(sh.trace), n, shrink_lines(out), out, sh.replays);
	rc = 0;
done:
	free(cur);
	shrink_cleanup(&sh);
	return rc;
}
