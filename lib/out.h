/* out.h - one output path for people and machines (after iproute2's print_*).
 *
 * A program describes its results once, through these calls. In text mode
 * they become aligned "label  value unit" blocks and aligned tables; in JSON
 * mode the same calls build a json-c document, printed by out_finish(), whose
 * top level always carries "schema": "<program>/<version>".
 *
 * Keys are JSON member names; labels are what people read. A NULL label
 * means "JSON only" (for example histogram buckets); a NULL key means
 * "text only" (for example a hint line).
 *
 * Text layout: each section is buffered until out_end() so its labels line
 * up (numbers right-aligned in one column, strings left-aligned, the unit
 * after the number). Top-level groups are written as they complete,
 * separated by a blank line; a section with nothing in it prints nothing.
 * Booleans print as yes/no, NULL strings as "-".
 * JSON: doubles are written in the shortest form that reads back exactly;
 * NaN and infinities (which JSON cannot hold) become null, as do NULL
 * strings. Reopening a section key adds to the existing object.
 * Allocation failures are remembered and returned by out_finish().
 */
#ifndef NFSTK_OUT_H
#define NFSTK_OUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct json_object;

enum out_mode { OUT_TEXT, OUT_JSON };

struct out;

/* What a number is, for out_fmt (text cells, HTML axes and cells). */
enum out_unit {
	OUT_U_NUM,   /* plain number: "0.25", "1234", "12.5 k" beyond 10000 */
	OUT_U_NS,    /* a duration in ns: "850 us", "1.35 ms" */
	OUT_U_SEC,   /* seconds since the start: "90 s", "2 min" */
	OUT_U_BYTES, /* IEC: "2.4 GiB" */
	OUT_U_RATE,  /* bytes per second, SI: "1.35 GB/s" */
	OUT_U_FRAC,  /* 0..1 as a percentage */
};

/* Create an output context writing to f. schema is e.g. "nfsbench/1".
 * Returns 0 or ENOMEM, and fills *o. */
int out_new(struct out **o, enum out_mode mode, FILE *f, const char *schema);
enum out_mode out_mode(const struct out *o);
/* Text tables wider than cols characters (OUT_WIDTH unless set; 0: no
 * limit) are printed in panels, each led by the table's first column. */
#define OUT_WIDTH 120
void out_set_width(struct out *o, unsigned cols);

/* Nested sections: a JSON object under key, a titled, indented block in text.
 * A NULL key groups in text only; a NULL title groups in JSON only (text
 * keeps the parent's indent). */
void out_begin(struct out *o, const char *key, const char *title);
void out_end(struct out *o);

/* Scalars inside the current section (or the top level). unit may be NULL;
 * in JSON the unit is not printed (it belongs in the key name, e.g. "lat_ns"). */
void out_u64(struct out *o, const char *key, const char *label, uint64_t v, const char *unit);
void out_i64(struct out *o, const char *key, const char *label, int64_t v, const char *unit);
/* fmt is the printf format for text, e.g. "%.1f"; JSON gets the full double. */
void out_dbl(struct out *o, const char *key, const char *label, double v, const char *fmt, const char *unit);
/* v in unit u: text "1.35 GB/s" (out_fmt), JSON the exact number. */
void out_dbl_unit(struct out *o, const char *key, const char *label, double v, enum out_unit u);
void out_str(struct out *o, const char *key, const char *label, const char *v);
void out_bool(struct out *o, const char *key, const char *label, bool v);
/* Attach an existing json-c value (ownership passes to o). Ignored (and
 * released) in text mode. */
void out_json(struct out *o, const char *key, struct json_object *v);
/* A free text line (text mode only). */
void out_note(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Tables: a JSON array of objects under key; in text an aligned table with a
 * header line. Column keys double as JSON member names of each row object
 * (a NULL column key: text only; a NULL title: the key is the header).
 * Numeric cells are right-aligned, strings left-aligned; a header is
 * right-aligned over a column of numbers. Cells fill columns left to right;
 * missing ones are blank (text) or absent (JSON), extra ones are dropped.
 * cols is copied. Tables do not nest; out_begin/out_end end an open one. */
struct out_col {
	const char *key;   /* JSON member name */
	const char *title; /* text header */
};
void out_table_begin(struct out *o, const char *key, const char *title, const struct out_col *cols, unsigned ncols);
void out_row_begin(struct out *o);
void out_cell_u64(struct out *o, uint64_t v);
void out_cell_dbl(struct out *o, double v, const char *fmt);
void out_cell_unit(struct out *o, double v, enum out_unit u);
void out_cell_str(struct out *o, const char *v);
void out_row_end(struct out *o);
void out_table_end(struct out *o);

/* Print (JSON: the whole document, pretty, with a trailing newline) and free.
 * Returns 0 or the errno of a failed write. */
int out_finish(struct out *o);
/* Free without printing: for a document built only to be read through
 * out_doc() (the HTML report renders the JSON one's tables). */
void out_free(struct out *o);
/* The document built so far (JSON mode), still owned by o. */
struct json_object *out_doc(struct out *o);

/* v in unit u with three significant digits, e.g. "850 us", "1.35 GB/s". */
const char *out_fmt(char *buf, size_t len, double v, enum out_unit u);
/* Human-friendly formatting used in text mode, exposed for progress lines:
 * ns -> "812ns", "41.3us", "2.07ms", "1.50s"; bytes -> "4.0KiB", "1.2GiB". */
const char *out_fmt_ns(char *buf, size_t len, uint64_t ns);
const char *out_fmt_bytes(char *buf, size_t len, double bytes);

#endif
