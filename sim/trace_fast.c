/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * trace_fast.c - the fast path for event lines spelled the way
 * trace_format() writes them (traces/FORMAT.md, "Event lines"): the op,
 * then each key the op and its values call for, in canonical (key)
 * order, each after one space, and nothing after the last value.
 *
 * One pass over the line.  Each op has a schedule, its required keys in
 * key order; after them come the keys a selector's value (kind,
 * backing) requires by trace_conds[], also in key order (every such key
 * comes after all of its op's required keys: tf_build() checks, and an
 * op for which it does not hold never takes the fast path).  Each
 * expected "key=" is matched by one masked 8-byte compare, as are the op
 * and the names a value may be, the value is parsed in place and stored
 * in the event, then the rules of trace_parse.c that span keys are
 * tested yes or no.  Numbers are read to their last digit, however many
 * leading zeros, as the general parser reads them.  The 8-byte loads may
 * read up to 7 bytes past the line's NUL: the caller's buffer has
 * TRACE_PARSE_PAD bytes there.
 *
 * Any other line - another key order, other blanks, a comment, an error
 * of any kind - is declined, and trace_parse_general() parses it from
 * the start: every message comes from one place, in one order.
 * Declining is always safe; accepting a line the general parser rejects,
 * or giving another event, is the bug tests/sim/trace_fast-test.c looks
 * for.
 */
#include <string.h>

#include "sim/trace_var.h"

#define TF_VA_LIMIT   (1ull << 48) /* as trace_parse.c: 4-level paging */
#define TF_PAGE_MASK  (PMAP_PAGE_SIZE - 1)
#define TF_WORD       8  /* bytes in a word */
#define TF_DEC_DIGITS 19 /* 10^19 - 1 < 2^64: 19 digits never overflow */
#define TF_HEX_DIGITS 16 /* 64 bits */
#define TF_CANDS      4  /* ops that may share a first letter */
#define TF_NAMES      8  /* names a TV_NAME key may have */
#define TF_NO_KEY     K_COUNT
#define TF_INLINE     inline __attribute__((always_inline)) /* the per-byte steps */

_Static_assert(TRACE_PARSE_PAD >= TF_WORD - 1, "a word load may read 7 bytes past the NUL");

/*
 * Words: up to 8 bytes of a spelling in the order they are in memory,
 * zeros after, and the mask of the bytes that count.  A word compare is
 * (load8(p) & mask) == word.
 */
struct tf_word {
	uint64_t word, mask;
};

/*
 * A name, or an op: its word followed by a space and by the NUL (the end
 * of the line), or, for a spelling of 8 bytes or more, its first 8 bytes
 * (both words the same, the rest compared bytewise); its length.
 */
struct tf_name {
	uint64_t mask, word_sp, word_nul;
	size_t len;
	uint64_t val;
	const char *name;
};

/*
 * A key: its "key=" word and length, the values accepted (lo..hi: the
 * range and, for a decimal key, its field's limit) and its names.
 */
struct tf_key {
	struct tf_word eq;
	size_t len;
	enum trace_vtype type;
	uint64_t lo, hi;
	bool words;                     /* "key=" fits a word, the names fit names[] */
	struct tf_name names[TF_NAMES]; /* TV_NAME */
	size_t nnames;
};

/* An op: its name, its schedule (required keys in key order, TF_NO_KEY after). */
struct tf_op {
	struct tf_name name;
	uint8_t keys[K_COUNT + 1];
	bool fast; /* its keys have words, its cond keys come after its required keys */
};

static struct tf_key tf_keys[K_COUNT];
static struct tf_op tf_ops[TRACE_OP_COUNT];
static uint8_t tf_cands[256][TF_CANDS]; /* ops by first letter */
static uint8_t tf_ncands[256];
static bool tf_fault_unrolled; /* tf_fault() has the fault op's schedule */
static bool tf_built;

/* The fault op's schedule as tf_fault() spells it out. */
static const uint8_t tf_fault_keys[] = { K_VM, K_TID, K_CPU, K_VA, K_ACCESS, K_MODE, TF_NO_KEY };
static const enum trace_vtype tf_fault_types[] = {
	TV_DEC, TV_DEC, TV_DEC, TV_HEX, TV_NAME, TV_NAME
};

static TF_INLINE uint64_t
tf_load(const char *p)
{
	uint64_t w;

	memcpy(&w, p, sizeof(w));
	return (w);
}

/* The word of @s's first @n (<= 8) bytes, and its mask. */
static struct tf_word
tf_word_of(const char *s, size_t n)
{
	char w[TF_WORD] = { 0 }, m[TF_WORD] = { 0 };

	memcpy(w, s, n);
	memset(m, 0xff, n);
	return ((struct tf_word){ tf_load(w), tf_load(m) });
}

/* @s as a name or op, spelled "@s " or "@s\0" in a line. */
static void
tf_name_of(struct tf_name *nm, const char *s, uint64_t val)
{
	char b[TF_WORD + 1];
	size_t n = strlen(s);
	struct tf_word w;

	nm->len = n;
	nm->val = val;
	nm->name = s;
	if (n >= TF_WORD) {
		w = tf_word_of(s, TF_WORD);
		nm->mask = w.mask;
		nm->word_sp = nm->word_nul = w.word;
		return;
	}
	memcpy(b, s, n);
	b[n] = ' ';
	w = tf_word_of(b, n + 1);
	nm->mask = w.mask;
	nm->word_sp = w.word;
	b[n] = '\0';
	nm->word_nul = tf_word_of(b, n + 1).word;
}

static void
tf_build_key(enum trace_key k)
{
	const struct trace_key_desc *kd = &trace_keys[k];
	struct tf_key *fk = &tf_keys[k];
	char b[TF_WORD];
	size_t n = strlen(kd->name), i;

	fk->len = n + 1;
	fk->type = kd->type;
	fk->lo = kd->min;
	fk->hi = kd->type == TV_DEC && kd->limit < kd->max ? kd->limit : kd->max;
	fk->words = n + 1 <= TF_WORD;
	if (fk->words) {
		memcpy(b, kd->name, n);
		b[n] = '=';
		fk->eq = tf_word_of(b, n + 1);
	}
	for (i = 0; kd->type == TV_NAME && kd->names[i].name != NULL; i++) {
		if (i == TF_NAMES) {
			fk->words = false;
			return;
		}
		tf_name_of(&fk->names[i], kd->names[i].name, kd->names[i].val);
		fk->nnames = i + 1;
	}
}

static void
tf_build_op(enum trace_op op)
{
	const struct trace_op_desc *od = &trace_ops[op];
	struct tf_op *fo = &tf_ops[op];
	unsigned char c = (unsigned char)od->name[0];
	size_t i = 0;
	int k;

	tf_name_of(&fo->name, od->name, (uint64_t)op);
	fo->fast = tf_ncands[c] < TF_CANDS;
	if (fo->fast)
		tf_cands[c][tf_ncands[c]++] = (uint8_t)op;
	for (k = 0; k < K_COUNT; k++) {
		if (((od->required | od->cond) & KB(k)) && !tf_keys[k].words)
			fo->fast = false;
		if (od->required & KB(k))
			fo->keys[i++] = (uint8_t)k;
	}
	fo->keys[i] = TF_NO_KEY;
	/* Cond keys come after the last required key (the schedule's order). */
	if (i > 0 && (od->cond & (KB(fo->keys[i - 1] + 1) - 1)) != 0)
		fo->fast = false;
}

static void
tf_build(void)
{
	int i;

	for (i = 0; i < K_COUNT; i++)
		tf_build_key((enum trace_key)i);
	for (i = 0; i < TRACE_OP_COUNT; i++)
		tf_build_op((enum trace_op)i);
	tf_fault_unrolled =
	    tf_ops[TRACE_FAULT].fast && trace_ops[TRACE_FAULT].cond == 0 &&
	    memcmp(tf_ops[TRACE_FAULT].keys, tf_fault_keys, sizeof(tf_fault_keys)) == 0;
	for (i = 0; tf_fault_unrolled && tf_fault_keys[i] != TF_NO_KEY; i++)
		tf_fault_unrolled = tf_keys[tf_fault_keys[i]].type == tf_fault_types[i];
	tf_built = true;
}

/*
 * Is name @nm at @p, followed by a space or the end?  @w is the word at
 * @p.  A spelling of 8 bytes or more compares its tail bytewise.
 */
static TF_INLINE bool
tf_name_at(const char *p, uint64_t w, const struct tf_name *nm)
{
	size_t i;

	w &= nm->mask;
	if (w != nm->word_sp && w != nm->word_nul)
		return (false);
	if (nm->len < TF_WORD)
		return (true);
	for (i = TF_WORD; i < nm->len; i++)
		if (p[i] != nm->name[i])
			return (false);
	return (p[i] == ' ' || p[i] == '\0');
}

/* The op at the start of @s, or -1; *@len its length. */
static int
tf_op_find(const char *s, size_t *len)
{
	unsigned char c = (unsigned char)s[0];
	uint64_t w = tf_load(s);
	const struct tf_op *fo;
	size_t i;

	for (i = 0; i < tf_ncands[c]; i++) {
		fo = &tf_ops[tf_cands[c][i]];
		if (tf_name_at(s, w, &fo->name)) {
			*len = fo->name.len;
			return ((int)fo->name.val);
		}
	}
	return (-1);
}

/* @n decimal digits at @p (more than 19), or false when they overflow 64 bits. */
static __attribute__((noinline)) bool
tf_dec_long(const char *p, size_t n, uint64_t *v)
{
	uint64_t x = 0;
	size_t i;

	for (i = 0; i < n; i++)
		if (__builtin_mul_overflow(x, 10, &x) ||
		    __builtin_add_overflow(x, (uint64_t)(p[i] - '0'), &x))
			return (false);
	*v = x;
	return (true);
}

/*
 * Value parsers: the value at *@pp (the line is NUL-terminated), *@pp
 * moved past it; false when it is not spelled as trace_format() spells
 * it.  What follows the value is the caller's to check.
 */
static TF_INLINE bool
tf_dec(const char **pp, uint64_t *v)
{
	const char *p = *pp;
	uint64_t x = (unsigned)(unsigned char)p[0] - '0';
	unsigned d;

	if (x <= 9 && (unsigned)(unsigned char)p[1] - '0' > 9) { /* one digit, the usual */
		*pp = p + 1;
		*v = x;
		return (true);
	}
	x = 0;
	while ((d = (unsigned)(unsigned char)*p - '0') <= 9) {
		x = x * 10 + d; /* wraps past 19 digits: tf_dec_long() redoes those */
		p++;
	}
	if (p == *pp || (p - *pp > TF_DEC_DIGITS && !tf_dec_long(*pp, (size_t)(p - *pp), &x)))
		return (false);
	*pp = p;
	*v = x;
	return (true);
}

/* @n > 16 hex digits at @p fit 64 bits when all but the last 16 are zeros. */
static __attribute__((noinline)) bool
tf_hex_long(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n - TF_HEX_DIGITS; i++)
		if (p[i] != '0')
			return (false);
	return (true);
}

static TF_INLINE bool
tf_hex(const char **pp, uint64_t *v)
{
	const char *p = *pp + 2;
	uint64_t x = 0;
	unsigned d1;

	if ((*pp)[0] != '0' || (*pp)[1] != 'x')
		return (false);
	while ((d1 = trace_hexval1[(unsigned char)*p]) != 0) {
		x = x << 4 | (d1 - 1); /* keeps the last 16 digits */
		p++;
	}
	if (p == *pp + 2 ||
	    (p - *pp - 2 > TF_HEX_DIGITS && !tf_hex_long(*pp + 2, (size_t)(p - *pp - 2))))
		return (false);
	*pp = p;
	*v = x;
	return (true);
}

static bool
tf_prot(const char **pp, uint64_t *v)
{
	const char *p = *pp;
	uint64_t x = 0;
	size_t b;

	for (b = 0; b < 3; b++) {
		if (p[b] == trace_prot_letters[b])
			x |= trace_prot_bits[b];
		else if (p[b] != '-')
			return (false); /* the NUL too: nothing past it is read */
	}
	*pp = p + 3;
	*v = x;
	return (true);
}

static TF_INLINE bool
tf_name(const char **pp, const struct tf_key *fk, uint64_t *v)
{
	const struct tf_name *nm, *end = fk->names + fk->nnames;
	uint64_t w = tf_load(*pp);

	for (nm = fk->names; nm < end; nm++) {
		if (tf_name_at(*pp, w, nm)) {
			*pp += nm->len;
			*v = nm->val;
			return (true);
		}
	}
	return (false);
}

/* Key @k's value at *@pp in its spelling and range (tf_key.lo..hi). */
static bool
tf_value(const char **pp, enum trace_key k, uint64_t *v)
{
	const struct tf_key *fk = &tf_keys[k];

	switch (fk->type) {
	case TV_DEC:
		return (tf_dec(pp, v) && *v - fk->lo <= fk->hi - fk->lo);
	case TV_HEX:
		return (tf_hex(pp, v) && *v - fk->lo <= fk->hi - fk->lo);
	case TV_PROT:
		return (tf_prot(pp, v));
	default:
		return (tf_name(pp, fk, v));
	}
}

/* Key @k's value @x into its field of @ev, as trace_assemble() does. */
static void
tf_store(struct trace_event *ev, enum trace_key k, uint64_t x)
{
	switch (k) {
	case K_VM:
		ev->vm = (uint32_t)x;
		break;
	case K_CHILD:
		ev->child = (uint32_t)x;
		break;
	case K_KIND:
		ev->kind = (enum trace_vm_kind)x;
		break;
	case K_OWNER:
		ev->owner = (uint32_t)x;
		break;
	case K_TID:
		ev->tid = (uint32_t)x;
		break;
	case K_CPU:
		ev->cpu = (uint32_t)x;
		break;
	case K_VA:
		ev->va = x;
		break;
	case K_LEN:
		ev->len = x;
		break;
	case K_PROT:
	case K_ACCESS:
		ev->prot = (vm_prot_t)x; /* a line has one of the two */
		break;
	case K_MODE:
		ev->user = x != 0;
		break;
	case K_SHARE:
		ev->shared = x != 0;
		break;
	case K_BACKING:
		ev->backing = (enum trace_backing)x;
		break;
	case K_FILE:
		ev->file = x;
		break;
	case K_OFFSET:
		ev->offset = x;
		break;
	case K_HPA:
		ev->hpa = x;
		break;
	case K_MA:
		ev->memattr = (enum pmap_memattr)x;
		break;
	case K_ADVICE:
		ev->advice = (enum trace_advice)x;
		break;
	case K_PAGES:
	default:
		ev->pages = x;
		break;
	}
}

/*
 * The keys @op's selectors require for their values (v[], set for the
 * keys in @seen), in key order, into @keys; returns it.
 */
static const uint8_t *
tf_cond_keys(enum trace_op op, const uint64_t *v, uint32_t seen, uint8_t *keys)
{
	uint32_t want = 0;
	size_t c, i = 0;

	for (c = 0; c < trace_nconds; c++)
		if (trace_conds[c].op == op && (seen & KB(trace_conds[c].sel)) &&
		    v[trace_conds[c].sel] == trace_conds[c].val)
			want |= trace_conds[c].keys;
	for (; want != 0; want &= want - 1)
		keys[i++] = (uint8_t)__builtin_ctz(want);
	keys[i] = TF_NO_KEY;
	return (keys);
}

/* trace_parse.c's alignment, range, child and prot rules, yes or no. */
static bool
tf_rules_ok(const struct trace_op_desc *od, const uint64_t *v, uint32_t seen)
{
	uint32_t keys = od->aligned & seen;
	uint64_t end;

	for (; keys != 0; keys &= keys - 1)
		if ((v[__builtin_ctz(keys)] & TF_PAGE_MASK) != 0)
			return (false);
	if ((seen & KB(K_VA)) && (seen & KB(K_LEN))) {
		end = v[K_VA] + v[K_LEN];
		if (end < v[K_VA] || end > TF_VA_LIMIT)
			return (false);
	} else if ((seen & KB(K_VA)) && v[K_VA] >= TF_VA_LIMIT) {
		return (false);
	}
	if ((seen & KB(K_CHILD)) && v[K_CHILD] == v[K_VM])
		return (false);
	return (!((seen & KB(K_PROT)) && v[K_PROT] == VM_PROT_NONE && !od->prot_none));
}

/* " key=" of key @k at *@pp; *@pp past it. */
static TF_INLINE bool
tf_key(const char **pp, enum trace_key k)
{
	const char *p = *pp;

	if (*p != ' ' || (tf_load(p + 1) & tf_keys[k].eq.mask) != tf_keys[k].eq.word)
		return (false);
	*pp = p + 1 + tf_keys[k].len;
	return (true);
}

static TF_INLINE bool
tf_in(uint64_t x, enum trace_key k)
{
	return (x - tf_keys[k].lo <= tf_keys[k].hi - tf_keys[k].lo);
}

/*
 * The rest of a fault line at @p, the loop of trace_parse_fast() unrolled
 * for the op most traces are made of: the same steps in the same order
 * (tf_fault_keys[], which tf_build() holds to the fault op's schedule),
 * with each value's spelling known.
 */
static int
tf_fault(const char *p, const char *end, struct trace_event *ev)
{
	uint64_t v[K_COUNT];

	if (!tf_key(&p, K_VM) || !tf_dec(&p, &v[K_VM]) || !tf_in(v[K_VM], K_VM) ||
	    !tf_key(&p, K_TID) || !tf_dec(&p, &v[K_TID]) || !tf_in(v[K_TID], K_TID) ||
	    !tf_key(&p, K_CPU) || !tf_dec(&p, &v[K_CPU]) || !tf_in(v[K_CPU], K_CPU) ||
	    !tf_key(&p, K_VA) || !tf_hex(&p, &v[K_VA]) || !tf_in(v[K_VA], K_VA) ||
	    !tf_key(&p, K_ACCESS) || !tf_name(&p, &tf_keys[K_ACCESS], &v[K_ACCESS]) ||
	    !tf_key(&p, K_MODE) || !tf_name(&p, &tf_keys[K_MODE], &v[K_MODE]) || p != end ||
	    !tf_rules_ok(&trace_ops[TRACE_FAULT], v, trace_ops[TRACE_FAULT].required))
		return (-1);
	ev->vm = (uint32_t)v[K_VM];
	ev->tid = (uint32_t)v[K_TID];
	ev->cpu = (uint32_t)v[K_CPU];
	ev->va = v[K_VA];
	ev->prot = (vm_prot_t)v[K_ACCESS];
	ev->user = v[K_MODE] != 0;
	return (0);
}

/*
 * @s (@n bytes, s[n] NUL, TRACE_PARSE_PAD readable bytes after it) as a
 * canonical event line: 0 and @ev (all but ev->line), or -1 for the
 * general parser to take it (trace_var.h).
 */
int
trace_parse_fast(const char *s, size_t n, struct trace_event *ev)
{
	uint8_t cond[K_COUNT + 1];
	const uint8_t *kp;
	uint64_t v[K_COUNT]; /* set for the keys in seen only */
	uint32_t seen = 0;
	const char *p;
	bool conds;
	size_t len;
	int op, k;

	if (!tf_built)
		tf_build();
	if ((op = tf_op_find(s, &len)) < 0 || !tf_ops[op].fast)
		return (-1);
	memset(ev, 0, sizeof(*ev));
	ev->op = (enum trace_op)op;
	p = s + len;
	if (op == TRACE_FAULT && tf_fault_unrolled)
		return (tf_fault(p, s + n, ev));
	conds = trace_ops[op].cond == 0;
	for (kp = tf_ops[op].keys;; kp++) {
		if (*kp == TF_NO_KEY) {
			if (conds)
				break;
			kp = tf_cond_keys(ev->op, v, seen, cond);
			conds = true;
			if (*kp == TF_NO_KEY)
				break;
		}
		k = *kp;
		if (!tf_key(&p, k) || !tf_value(&p, k, &v[k]))
			return (-1);
		seen |= KB(k);
		tf_store(ev, k, v[k]);
	}
	if (p != s + n || !tf_rules_ok(&trace_ops[op], v, seen))
		return (-1);
	return (0);
}
