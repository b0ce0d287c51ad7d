/* out.c - the output context behind out.h: one sequence of calls becomes
 * either aligned text for people or a json-c document for machines.
 *
 * Text is buffered per section so that labels (and numbers) line up across
 * the whole section, then written when a top-level section or table ends.
 * JSON is built in memory and printed by out_finish(). */
#include "out.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "mem.h"

#define INDENT_STEP 2

/* A growing string; allocation failure is sticky and checked once. */
struct sb {
	char *p;
	size_t len, cap;
	int oom;
};

static void sb_put(struct sb *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (MEM_GROW(&b->p, &b->cap, b->len + n + 1, 128)) {
		b->oom = 1;
		return;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void sb_puts(struct sb *b, const char *s)
{
	sb_put(b, s, strlen(s));
}

static void sb_pad(struct sb *b, size_t n)
{
	static const char spaces[] = "                                ";
	while (n) {
		size_t k = n < sizeof(spaces) - 1 ? n : sizeof(spaces) - 1;
		sb_put(b, spaces, k);
		n -= k;
	}
}

/* End a line: drop the padding that alignment left at its end. */
static void sb_eol(struct sb *b)
{
	while (b->len && b->p[b->len - 1] == ' ')
		b->p[--b->len] = '\0';
	sb_put(b, "\n", 1);
}

/* Columns a UTF-8 string takes (labels may hold "µs"). */
static size_t width(const char *s)
{
	size_t w = 0;
	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

enum item_kind { IT_KV, IT_NOTE, IT_BLOCK };

struct item {
	enum item_kind kind;
	char *label; /* IT_KV */
	char *value; /* IT_KV value, IT_NOTE text, IT_BLOCK rendered lines */
	char *unit;  /* IT_KV, may be NULL */
	int num;     /* IT_KV: right-align */
};

struct frame {
	struct json_object *obj; /* JSON: where members go */
	char *title;             /* text: NULL for an untitled block */
	unsigned indent;         /* text: of the title line */
	unsigned inner;          /* text: of the contents */
	struct item *items;
	size_t nitems, cap;
};

struct table {
	int active;
	int in_row;
	char *title;
	unsigned ncols;
	char **keys;   /* JSON member names (NULL: text only) */
	char **heads;  /* text header */
	struct json_object *arr, *row;
	char **cells;  /* nrows * ncols, text */
	int *num;      /* per cell */
	size_t nrows, rowcap;
	unsigned cur;  /* next cell of the row */
	unsigned indent;
};

struct out {
	enum out_mode mode;
	FILE *f;
	struct json_object *doc;
	struct frame *stack; /* stack[0] is the top level */
	size_t depth, cap;   /* depth = index of the current frame */
	struct table tab;
	int err;             /* first allocation failure */
	int werr;            /* first write failure */
	int printed;         /* text: something was written already */
	unsigned width;      /* text: tables wider than this go in panels; 0 no limit */
};

static char *dup_or_null(struct out *o, const char *s)
{
	if (!s)
		return NULL;
	char *d = strdup(s);
	if (!d)
		o->err = ENOMEM;
	return d;
}

static void free_items(struct frame *fr)
{
	for (size_t i = 0; i < fr->nitems; i++) {
		free(fr->items[i].label);
		free(fr->items[i].value);
		free(fr->items[i].unit);
	}
	free(fr->items);
	fr->items = NULL;
	fr->nitems = fr->cap = 0;
}

static struct frame *top(struct out *o)
{
	return &o->stack[o->depth];
}

/* Takes ownership of label, value and unit. */
static void add_item(struct out *o, enum item_kind kind, char *label, char *value, char *unit, int num)
{
	struct frame *fr = top(o);

	if (!value || (kind == IT_KV && !label)) {
		o->err = ENOMEM;
		goto drop;
	}
	if (MEM_GROW(&fr->items, &fr->cap, fr->nitems + 1, 8)) {
		o->err = ENOMEM;
		goto drop;
	}
	fr->items[fr->nitems++] = (struct item){ kind, label, value, unit, num };
	return;
drop:
	free(label);
	free(value);
	free(unit);
}

static void render_items(struct sb *b, const struct item *it, size_t n, unsigned indent)
{
	size_t lw = 0, vw = 0;

	for (size_t i = 0; i < n; i++) {
		if (it[i].kind != IT_KV)
			continue;
		size_t w = width(it[i].label);
		if (w > lw)
			lw = w;
		if (it[i].num && (w = width(it[i].value)) > vw)
			vw = w;
	}
	for (size_t i = 0; i < n; i++) {
		switch (it[i].kind) {
		case IT_KV:
			sb_pad(b, indent);
			sb_puts(b, it[i].label);
			sb_pad(b, lw - width(it[i].label) + 2);
			if (it[i].num)
				sb_pad(b, vw - width(it[i].value));
			sb_puts(b, it[i].value);
			if (it[i].unit && *it[i].unit) {
				sb_puts(b, " ");
				sb_puts(b, it[i].unit);
			}
			sb_eol(b);
			break;
		case IT_NOTE:
			sb_pad(b, indent);
			sb_puts(b, it[i].value);
			sb_eol(b);
			break;
		case IT_BLOCK:
			sb_puts(b, it[i].value);
			break;
		}
	}
}

static void put(struct out *o, const char *s)
{
	errno = 0;
	if (fputs(s, o->f) == EOF && !o->werr)
		o->werr = errno ? errno : EIO;
}

static void write_text(struct out *o, const char *s)
{
	if (o->printed)
		put(o, "\n");
	put(o, s);
	o->printed = 1;
}

/* Write the top level's pending lines as one aligned group. */
static void flush_root(struct out *o)
{
	struct frame *root = &o->stack[0];
	struct sb b = {0};

	if (!root->nitems)
		return;
	render_items(&b, root->items, root->nitems, 0);
	if (b.oom)
		o->err = ENOMEM;
	else if (b.len)
		write_text(o, b.p);
	free(b.p);
	free_items(root);
}

/* A rendered section or table joins its parent; at the top level it is
 * written at once, so long runs show results as they complete. */
static void add_block(struct out *o, struct sb *b)
{
	if (b->oom) {
		o->err = ENOMEM;
		free(b->p);
		return;
	}
	if (!b->len) {
		free(b->p);
		return;
	}
	if (o->depth == 0) {
		flush_root(o);
		write_text(o, b->p);
		free(b->p);
		return;
	}
	add_item(o, IT_BLOCK, NULL, b->p, NULL, 0);
}

int out_new(struct out **op, enum out_mode mode, FILE *f, const char *schema)
{
	struct out *o = calloc(1, sizeof(*o));

	*op = NULL;
	if (!o)
		return ENOMEM;
	o->mode = mode;
	o->f = f;
	o->cap = 8;
	o->width = OUT_WIDTH;
	o->stack = calloc(o->cap, sizeof(*o->stack));
	if (!o->stack)
		goto fail;
	if (mode == OUT_JSON) {
		struct json_object *s;
		o->doc = json_object_new_object();
		if (!o->doc)
			goto fail;
		/* first member, so a reader (or head -3) sees it first */
		s = json_object_new_string(schema ? schema : "");
		if (!s || json_object_object_add(o->doc, "schema", s)) {
			json_object_put(s);
			goto fail;
		}
		o->stack[0].obj = o->doc;
	}
	*op = o;
	return 0;
fail:
	json_object_put(o->doc);
	free(o->stack);
	free(o);
	return ENOMEM;
}

void out_set_width(struct out *o, unsigned cols)
{
	o->width = cols;
}

enum out_mode out_mode(const struct out *o)
{
	return o->mode;
}

struct json_object *out_doc(struct out *o)
{
	return o->mode == OUT_JSON ? o->doc : NULL;
}

/* Panels of a table: how many the columns w[1..] need (each led by w[0])
 * when a line may be lim wide. */
static unsigned panels(const size_t *w, unsigned n, size_t inner, size_t lim)
{
	unsigned k = 1;
	size_t used = inner + w[0];
	for (unsigned c = 1; c < n; c++) {
		if (used + 2 + w[c] > lim && used > inner + w[0]) {
			k++;
			used = inner + w[0];
		}
		used += 2 + w[c];
	}
	return k;
}

/* The line width to fill panels to: as many panels as width forces, but
 * even, not full ones and a last one of a single column. 0: one panel. */
static size_t balanced(const size_t *w, unsigned n, size_t inner, size_t width)
{
	if (!width || n < 2)
		return 0;
	unsigned k = panels(w, n, inner, width);
	if (k == 1)
		return 0;
	size_t lim = inner + w[0];
	while (lim < width && panels(w, n, inner, lim) > k)
		lim++;
	return lim;
}

static void table_finish(struct out *o);

void out_begin(struct out *o, const char *key, const char *title)
{
	if (o->tab.active)
		table_finish(o); /* sections do not live inside tables */
	if (MEM_GROW(&o->stack, &o->cap, o->depth + 2, 8)) {
		o->err = ENOMEM;
		return;
	}
	struct frame *parent = top(o);
	struct frame fr = {0};

	if (o->mode == OUT_JSON) {
		fr.obj = parent->obj;
		if (key && parent->obj) {
			struct json_object *ex;
			/* reopening a section adds to it rather than replacing it */
			if (json_object_object_get_ex(parent->obj, key, &ex) &&
			    json_object_is_type(ex, json_type_object)) {
				fr.obj = ex;
			} else {
				fr.obj = json_object_new_object();
				if (!fr.obj || json_object_object_add(parent->obj, key, fr.obj)) {
					json_object_put(fr.obj);
					fr.obj = NULL;
					o->err = ENOMEM;
				}
			}
		}
	} else {
		fr.title = dup_or_null(o, title);
		fr.indent = parent->inner;
		fr.inner = title ? parent->inner + INDENT_STEP : parent->inner;
	}
	o->stack[++o->depth] = fr;
}

void out_end(struct out *o)
{
	if (o->tab.active)
		table_finish(o);
	if (o->depth == 0)
		return;

	struct frame fr = o->stack[o->depth--];
	if (o->mode == OUT_TEXT) {
		struct sb b = {0};
		if (fr.title && fr.nitems) {
			sb_pad(&b, fr.indent);
			sb_puts(&b, fr.title);
			sb_eol(&b);
		}
		render_items(&b, fr.items, fr.nitems, fr.inner);
		add_block(o, &b);
	}
	free(fr.title);
	free_items(&fr);
}

static void json_add(struct out *o, const char *key, struct json_object *v, int is_null_ok)
{
	struct json_object *obj = top(o)->obj;

	if (!v && !is_null_ok) {
		o->err = ENOMEM;
		return;
	}
	if (!obj || json_object_object_add(obj, key, v)) {
		json_object_put(v);
		if (obj)
			o->err = ENOMEM;
	}
}

/* JSON numbers must be finite; the shortest text that reads back as the
 * same double beats json-c's "%.17g" (0.1 stays 0.1). */
static struct json_object *json_dbl(double v)
{
	char buf[40];

	if (!isfinite(v))
		return NULL;
	if (v == trunc(v) && fabs(v) < 9007199254740992.0) {
		/* a whole number is written out: 40000.0, never "4e+04" */
		snprintf(buf, sizeof(buf), "%.0f", v);
	} else {
		for (int prec = 1; prec <= 17; prec++) {
			snprintf(buf, sizeof(buf), "%.*g", prec, v);
			if (strtod(buf, NULL) == v)
				break;
		}
	}
	/* a locale with a decimal comma would make invalid JSON */
	for (char *p = buf; *p; p++)
		if (*p == ',')
			*p = '.';
	if (!strpbrk(buf, ".e"))
		strcat(buf, ".0"); /* stays a double when read back */
	return json_object_new_double_s(v, buf);
}

static void kv(struct out *o, const char *label, const char *text, const char *unit, int num)
{
	add_item(o, IT_KV, dup_or_null(o, label), dup_or_null(o, text), dup_or_null(o, unit), num);
}

void out_u64(struct out *o, const char *key, const char *label, uint64_t v, const char *unit)
{
	if (o->mode == OUT_JSON) {
		if (key)
			json_add(o, key, json_object_new_uint64(v), 0);
	} else if (label) {
		char buf[24];
		snprintf(buf, sizeof(buf), "%" PRIu64, v);
		kv(o, label, buf, unit, 1);
	}
}

void out_i64(struct out *o, const char *key, const char *label, int64_t v, const char *unit)
{
	if (o->mode == OUT_JSON) {
		if (key)
			json_add(o, key, json_object_new_int64(v), 0);
	} else if (label) {
		char buf[24];
		snprintf(buf, sizeof(buf), "%" PRId64, v);
		kv(o, label, buf, unit, 1);
	}
}

static void fmt_dbl(char *buf, size_t len, double v, const char *fmt)
{
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	snprintf(buf, len, fmt ? fmt : "%g", v);
#pragma GCC diagnostic pop
}

void out_dbl(struct out *o, const char *key, const char *label, double v, const char *fmt,
	     const char *unit)
{
	if (o->mode == OUT_JSON) {
		if (key)
			json_add(o, key, json_dbl(v), 1);
	} else if (label) {
		char buf[64];
		fmt_dbl(buf, sizeof(buf), v, fmt);
		kv(o, label, buf, unit, 1);
	}
}

void out_dbl_unit(struct out *o, const char *key, const char *label, double v, enum out_unit u)
{
	if (o->mode == OUT_JSON) {
		if (key)
			json_add(o, key, json_dbl(v), 1);
	} else if (label) {
		char buf[64];
		out_fmt(buf, sizeof(buf), v, u);
		kv(o, label, buf, NULL, 1);
	}
}

void out_str(struct out *o, const char *key, const char *label, const char *v)
{
	if (o->mode == OUT_JSON) {
		if (key)
			json_add(o, key, v ? json_object_new_string(v) : NULL, !v);
	} else if (label) {
		kv(o, label, v ? v : "-", NULL, 0);
	}
}

void out_bool(struct out *o, const char *key, const char *label, bool v)
{
	if (o->mode == OUT_JSON) {
		if (key)
			json_add(o, key, json_object_new_boolean(v), 0);
	} else if (label) {
		kv(o, label, v ? "yes" : "no", NULL, 0);
	}
}

void out_json(struct out *o, const char *key, struct json_object *v)
{
	if (o->mode == OUT_JSON && key)
		json_add(o, key, v, 1);
	else
		json_object_put(v);
}

void out_note(struct out *o, const char *fmt, ...)
{
	va_list ap;
	char *s;

	if (o->mode != OUT_TEXT)
		return;
	va_start(ap, fmt);
	int n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0) {
		o->err = ENOMEM;
		return;
	}
	add_item(o, IT_NOTE, NULL, s, NULL, 0);
}

/* ------------------------------------------------------------------ */
/* Tables                                                               */

static void table_free(struct table *t)
{
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	for (unsigned c = 0; c < t->ncols; c++) {
		if (t->keys)
			free(t->keys[c]);
		if (t->heads)
			free(t->heads[c]);
	}
	free(t->cells);
	free(t->num);
	free(t->keys);
	free(t->heads);
	free(t->title);
	memset(t, 0, sizeof(*t));
}

void out_table_begin(struct out *o, const char *key, const char *title,
		     const struct out_col *cols, unsigned ncols)
{
	struct table *t = &o->tab;

	if (t->active)
		table_finish(o);
	memset(t, 0, sizeof(*t));
	t->active = 1;
	t->ncols = ncols;
	if (o->mode == OUT_JSON) {
		t->keys = calloc(ncols ? ncols : 1, sizeof(*t->keys));
		if (!t->keys) {
			o->err = ENOMEM;
			t->ncols = 0;
			return;
		}
		for (unsigned c = 0; c < ncols; c++)
			t->keys[c] = dup_or_null(o, cols[c].key);
		if (key) {
			t->arr = json_object_new_array();
			json_add(o, key, t->arr, 0);
			if (o->err)
				t->arr = NULL;
		}
		return;
	}
	t->heads = calloc(ncols ? ncols : 1, sizeof(*t->heads));
	if (!t->heads) {
		o->err = ENOMEM;
		t->ncols = 0;
		return;
	}
	for (unsigned c = 0; c < ncols; c++) {
		const char *h = cols[c].title ? cols[c].title : cols[c].key;
		t->heads[c] = dup_or_null(o, h ? h : "");
	}
	t->title = dup_or_null(o, title);
	t->indent = top(o)->inner;
}

void out_row_begin(struct out *o)
{
	struct table *t = &o->tab;

	if (!t->active)
		return;
	if (t->in_row)
		out_row_end(o);
	t->in_row = 1;
	t->cur = 0;
	if (o->mode == OUT_JSON) {
		if (!t->arr)
			return;
		t->row = json_object_new_object();
		if (!t->row || json_object_array_add(t->arr, t->row)) {
			json_object_put(t->row);
			t->row = NULL;
			o->err = ENOMEM;
		}
		return;
	}
	/* cells and num grow in step, a row of ncols at a time */
	size_t row = t->ncols ? t->ncols : 1, ccap = t->rowcap, ncap = t->rowcap;
	if (mem_grow(&t->cells, &ccap, t->nrows + 1, row * sizeof(*t->cells), 16) ||
	    mem_grow(&t->num, &ncap, t->nrows + 1, row * sizeof(*t->num), 16)) {
		o->err = ENOMEM;
		t->in_row = 0;
		return;
	}
	t->rowcap = ccap;
	for (unsigned c = 0; c < t->ncols; c++) {
		t->cells[t->nrows * t->ncols + c] = NULL;
		t->num[t->nrows * t->ncols + c] = 0;
	}
	t->nrows++;
}

/* Place one cell; text takes ownership of s, JSON of v. */
static void cell(struct out *o, char *s, int num, struct json_object *v, int null_ok)
{
	struct table *t = &o->tab;

	if (!t->active || !t->in_row || t->cur >= t->ncols) {
		free(s);
		json_object_put(v);
		return;
	}
	unsigned c = t->cur++;
	if (o->mode == OUT_JSON) {
		if (!v && !null_ok)
			o->err = ENOMEM;
		if (!t->row || !t->keys[c] || json_object_object_add(t->row, t->keys[c], v))
			json_object_put(v);
		return;
	}
	if (!s) {
		o->err = ENOMEM;
		return;
	}
	size_t i = (t->nrows - 1) * t->ncols + c;
	t->cells[i] = s;
	t->num[i] = num;
}

void out_cell_u64(struct out *o, uint64_t v)
{
	if (o->mode == OUT_JSON) {
		cell(o, NULL, 1, json_object_new_uint64(v), 0);
	} else {
		char buf[24];
		snprintf(buf, sizeof(buf), "%" PRIu64, v);
		cell(o, strdup(buf), 1, NULL, 0);
	}
}

void out_cell_dbl(struct out *o, double v, const char *fmt)
{
	if (o->mode == OUT_JSON) {
		cell(o, NULL, 1, json_dbl(v), 1);
	} else {
		char buf[64];
		fmt_dbl(buf, sizeof(buf), v, fmt);
		cell(o, strdup(buf), 1, NULL, 0);
	}
}

void out_cell_unit(struct out *o, double v, enum out_unit u)
{
	if (o->mode == OUT_JSON) {
		cell(o, NULL, 1, json_dbl(v), 1);
	} else {
		char buf[64];
		out_fmt(buf, sizeof(buf), v, u);
		cell(o, strdup(buf), 1, NULL, 0);
	}
}

void out_cell_str(struct out *o, const char *v)
{
	if (o->mode == OUT_JSON)
		cell(o, NULL, 0, v ? json_object_new_string(v) : NULL, !v);
	else
		cell(o, strdup(v ? v : "-"), 0, NULL, 0);
}

void out_row_end(struct out *o)
{
	o->tab.in_row = 0;
	o->tab.row = NULL;
}

static void table_finish(struct out *o)
{
	struct table *t = &o->tab;

	if (!t->active)
		return;
	if (o->mode == OUT_TEXT && t->ncols) {
		struct sb b = {0};
		size_t *w = calloc(t->ncols, sizeof(*w));
		int *numcol = calloc(t->ncols, sizeof(*numcol));
		unsigned inner = t->title ? t->indent + INDENT_STEP : t->indent;

		if (!w || !numcol) {
			o->err = ENOMEM;
			goto done;
		}
		/* a column of numbers is right-aligned, header included */
		for (unsigned c = 0; c < t->ncols; c++) {
			int nums = 0, strs = 0;
			w[c] = t->heads[c] ? width(t->heads[c]) : 0;
			for (size_t r = 0; r < t->nrows; r++) {
				size_t i = r * t->ncols + c;
				if (!t->cells[i])
					continue;
				if (width(t->cells[i]) > w[c])
					w[c] = width(t->cells[i]);
				if (t->num[i])
					nums++;
				else
					strs++;
			}
			numcol[c] = nums > 0 && strs == 0;
		}
		if (t->title) {
			sb_pad(&b, t->indent);
			sb_puts(&b, t->title);
			sb_eol(&b);
		}
		/* Wider than o->width: the columns go in panels one under the
		 * other, each led by the first (key) column again, so a line
		 * never wraps on a 120-column terminal. JSON keeps every row
		 * whole. */
		size_t lim = balanced(w, t->ncols, inner, o->width);
		for (unsigned c0 = 1, panel = 0; c0 < t->ncols || panel == 0; panel++) {
			size_t used = inner + w[0];
			unsigned c1 = c0;
			while (c1 < t->ncols && (c1 == c0 || !lim || used + 2 + w[c1] <= lim))
				used += 2 + w[c1++];
			if (panel)
				sb_eol(&b);
			for (size_t r = 0; r <= t->nrows; r++) {
				sb_pad(&b, inner);
				for (unsigned c = 0; c < t->ncols; c++) {
					const char *s;
					int right;
					if (c && (c < c0 || c >= c1))
						continue;
					if (r == 0) {
						s = t->heads[c] ? t->heads[c] : "";
						right = numcol[c];
					} else {
						size_t i = (r - 1) * t->ncols + c;
						s = t->cells[i] ? t->cells[i] : "";
						right = t->num[i];
					}
					if (c)
						sb_pad(&b, 2);
					if (right)
						sb_pad(&b, w[c] - width(s));
					sb_puts(&b, s);
					if (!right && c + 1 < c1)
						sb_pad(&b, w[c] - width(s));
				}
				sb_eol(&b);
			}
			c0 = c1;
		}
		/* finishing must not re-enter this table */
		t->active = 0;
		add_block(o, &b);
		b.p = NULL;
done:
		free(w);
		free(numcol);
		free(b.p);
	}
	table_free(t);
}

void out_table_end(struct out *o)
{
	table_finish(o);
}

void out_free(struct out *o)
{
	if (!o)
		return;
	table_finish(o);
	while (o->depth)
		out_end(o);
	free_items(&o->stack[0]);
	free(o->stack);
	json_object_put(o->doc);
	free(o);
}

int out_finish(struct out *o)
{
	int rc;

	if (!o)
		return EINVAL;
	table_finish(o);
	while (o->depth)
		out_end(o);
	if (o->mode == OUT_TEXT) {
		flush_root(o);
	} else {
		const char *s = json_object_to_json_string_ext(o->doc,
			JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
		if (s) {
			put(o, s);
			put(o, "\n");
		} else {
			o->err = ENOMEM;
		}
	}
	errno = 0;
	if (fflush(o->f) && !o->werr)
		o->werr = errno ? errno : EIO;
	if (ferror(o->f) && !o->werr)
		o->werr = EIO;
	rc = o->werr ? o->werr : o->err;

	free_items(&o->stack[0]);
	free(o->stack);
	json_object_put(o->doc);
	free(o);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Human units                                                          */

/* Three significant digits: 1.23, 12.3, 123. */
static void sig3(char *buf, size_t len, double x, const char *unit)
{
	if (x < 9.995)
		snprintf(buf, len, "%.2f%s", x, unit);
	else if (x < 99.95)
		snprintf(buf, len, "%.1f%s", x, unit);
	else
		snprintf(buf, len, "%.0f%s", x, unit);
}

const char *out_fmt_ns(char *buf, size_t len, uint64_t ns)
{
	if (!len)
		return buf;
	if (ns < 1000)
		snprintf(buf, len, "%" PRIu64 "ns", ns);
	else if (ns < 999500)
		sig3(buf, len, (double)ns / 1e3, "us");
	else if (ns < 999500000)
		sig3(buf, len, (double)ns / 1e6, "ms");
	else
		sig3(buf, len, (double)ns / 1e9, "s");
	return buf;
}

const char *out_fmt_bytes(char *buf, size_t len, double bytes)
{
	static const char *const units[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
	double x = fabs(bytes);
	const char *sign = bytes < 0 ? "-" : "";

	if (!len)
		return buf;
	if (!isfinite(bytes)) {
		snprintf(buf, len, "%g", bytes);
		return buf;
	}
	if (x < 1023.5) {
		snprintf(buf, len, "%s%.0fB", sign, x);
		return buf;
	}
	unsigned u = 0;
	x /= 1024;
	/* 1023.97 KiB would print as "1024.0KiB": move up a unit instead */
	while (x >= 1023.95 && u + 1 < sizeof(units) / sizeof(units[0])) {
		x /= 1024;
		u++;
	}
	snprintf(buf, len, "%s%.1f%s", sign, x, units[u]);
	return buf;
}

/* Numbers in units, three significant digits, no exponent. */

/* Three significant digits without trailing zeros: 850, 1.35, 2. A value
 * that rounds up to 1000 goes to the next unit first (the caller's loop). */
static void sig(char *buf, size_t len, double x, const char *unit)
{
	/* 1000..1023 (IEC) keeps its digits: never "1.02e+03" */
	snprintf(buf, len, fabs(x) >= 999.5 ? "%.0f%s%s" : "%.3g%s%s", x, unit[0] ? " " : "", unit);
}

static const char *scaled(char *buf, size_t len, double v, double base, const char *const *units, unsigned nu)
{
	double x = fabs(v);
	unsigned u = 0;
	while (x >= base - base * 5e-4 && u + 1 < nu) {
		x /= base;
		u++;
	}
	sig(buf, len, v < 0 ? -x : x, units[u]);
	return buf;
}

const char *out_fmt(char *buf, size_t len, double v, enum out_unit u)
{
	static const char *const ns[] = {"ns", "us", "ms", "s"};
	static const char *const iec[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
	static const char *const si[] = {"B/s", "kB/s", "MB/s", "GB/s", "TB/s"};
	static const char *const num[] = {"", "k", "M", "G", "T"};
	if (!len)
		return buf;
	if (!isfinite(v)) {
		snprintf(buf, len, "-");
		return buf;
	}
	switch (u) {
	case OUT_U_NS:
		if (fabs(v) >= 999.5e9)
			return out_fmt(buf, len, v / 1e9, OUT_U_SEC);
		return scaled(buf, len, v, 1000, ns, 4);
	case OUT_U_SEC:
		if (fabs(v) < 1 && v != 0)
			return scaled(buf, len, v * 1e9, 1000, ns, 4);
		if (fabs(v) < 120)
			sig(buf, len, v, "s");
		else if (fabs(v) < 7200)
			sig(buf, len, v / 60, "min");
		else
			sig(buf, len, v / 3600, "h");
		return buf;
	case OUT_U_BYTES: return scaled(buf, len, v, 1024, iec, 6);
	case OUT_U_RATE: return scaled(buf, len, v, 1000, si, 5);
	case OUT_U_FRAC:
		snprintf(buf, len, fabs(v) >= 9.995 ? "%.0f%%" : "%.3g%%", v * 100);
		return buf;
	case OUT_U_NUM:
	default:
		if (fabs(v) < 10000) {
			snprintf(buf, len, "%.4g", v);
			return buf;
		}
		return scaled(buf, len, v, 1000, num, 5);
	}
}
