/* cfg.c - loading JSON profiles (with comments) and parsing the human forms
 * of sizes, durations, rates and CPU lists. Every error points at the file,
 * line, column and key path, because a profile is written by hand and a
 * message without a place costs the reader a search. */
#include "cfg.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <json-c/json.h>

#include "mem.h"

/* Profiles are small; anything this big is a mistake (or an attack). */
#define CFG_MAX_FILE (64u << 20)

/* One JSON value of the document. Paths are kept as a tree (parent index
 * plus own name or index) so memory stays linear in the document size. */
struct cfg_pos {
	size_t parent;     /* index of the containing value; SIZE_MAX for root */
	char *key;         /* member name; NULL for an array element or root */
	size_t idx;        /* array index when key is NULL */
	unsigned line, col;   /* where the value starts */
	unsigned kline, kcol; /* where the member's name starts (0 if none) */
};

/* ------------------------------------------------------------------ */
/* Messages                                                             */

static const char *cfg_name(const struct cfg *c)
{
	return c->path ? c->path : "<config>";
}

/* Copy s into buf for quoting in a one-line message: control bytes become
 * '?', and very long inputs are cut. */
static const char *quote(char *buf, size_t len, const char *s)
{
	size_t n = 0, max = len - 1;
	int cut = 0;

	if (max > 48)
		max = 48;
	for (; *s; s++) {
		if (n == max) {
			cut = 1;
			break;
		}
		unsigned char ch = (unsigned char)*s;
		buf[n++] = (ch < 0x20 || ch == 0x7f) ? '?' : (char)ch;
	}
	buf[n] = '\0';
	if (cut && n >= 3)
		memcpy(buf + n - 3, "...", 3);
	return buf;
}

/* Append s to dst (capacity cap, *len used), cutting at the end. */
static void append(char *dst, size_t cap, size_t *len, const char *s)
{
	size_t n = strlen(s);
	if (n > cap - 1 - *len)
		n = cap - 1 - *len;
	memcpy(dst + *len, s, n);
	*len += n;
	dst[*len] = '\0';
}

static void vset_err(struct cfg *c, const char *keypath, unsigned line, unsigned col,
		     const char *fmt, va_list ap)
{
	char msg[sizeof(c->err)];
	char where[64] = "";
	size_t len = 0;

	/* format first: fmt's arguments may point into c->err itself */
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (line)
		snprintf(where, sizeof(where), ":%u:%u", line, col);
	/* a long message is cut: staying one line matters more */
	c->err[0] = '\0';
	append(c->err, sizeof(c->err), &len, cfg_name(c));
	append(c->err, sizeof(c->err), &len, where);
	append(c->err, sizeof(c->err), &len, ": ");
	if (keypath && *keypath) {
		append(c->err, sizeof(c->err), &len, keypath);
		append(c->err, sizeof(c->err), &len, ": ");
	}
	append(c->err, sizeof(c->err), &len, msg);
}

static void set_err(struct cfg *c, const char *keypath, unsigned line, unsigned col,
		    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void set_err(struct cfg *c, const char *keypath, unsigned line, unsigned col,
		    const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vset_err(c, keypath, line, col, fmt, ap);
	va_end(ap);
}

/* ------------------------------------------------------------------ */
/* Position index: a second, forgiving pass over text that json-c has   */
/* already accepted. It follows json-c's lenient grammar: comments,     */
/* single-quoted strings, trailing commas. It also finds what json-c    */
/* accepts but turns into a value nobody wrote: a \u0000 that cuts a    */
/* string short, bytes that are not UTF-8, integers json-c clamps to    */
/* 64 bits, Infinity and NaN, and (in check_duplicates) a key given     */
/* twice, of which json-c silently keeps the last.                      */

struct scan {
	struct cfg *c;
	const char *s;
	size_t len, i;
	unsigned line;
	size_t line_start;
	size_t cap;
	int oom;
	int incomplete;    /* input ended inside a container or string */
	size_t open_comment; /* offset of a comment left open, or SIZE_MAX */
	char *kbuf; /* decoded member name */
	size_t klen, kcap;
	/* the first value json-c would take wrongly: offset or SIZE_MAX */
	size_t bad_at;
	char bad_path[256], bad_why[192];
};

static void pos_path(const struct cfg *c, size_t k, char *buf, size_t len);

/* Remember the first problem only: one message, the earliest place. */
static void flag(struct scan *sc, size_t at, size_t owner, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void flag(struct scan *sc, size_t at, size_t owner, const char *fmt, ...)
{
	va_list ap;

	if (sc->bad_at != SIZE_MAX)
		return;
	sc->bad_at = at;
	sc->bad_path[0] = '\0';
	if (owner != SIZE_MAX)
		pos_path(sc->c, owner, sc->bad_path, sizeof(sc->bad_path));
	va_start(ap, fmt);
	vsnprintf(sc->bad_why, sizeof(sc->bad_why), fmt, ap);
	va_end(ap);
}

/* Length of the UTF-8 sequence at p (RFC 3629: no overlong forms, no
 * surrogates, nothing above U+10FFFF), or 0 when it is not one. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
	unsigned char b = p[0];
	size_t need;
	unsigned char lo = 0x80, hi = 0xbf;

	if (b < 0x80)
		return 1;
	if (b >= 0xc2 && b <= 0xdf)
		need = 1;
	else if (b >= 0xe0 && b <= 0xef)
		need = 2, lo = b == 0xe0 ? 0xa0 : 0x80, hi = b == 0xed ? 0x9f : 0xbf;
	else if (b >= 0xf0 && b <= 0xf4)
		need = 3, lo = b == 0xf0 ? 0x90 : 0x80, hi = b == 0xf4 ? 0x8f : 0xbf;
	else
		return 0;
	if (n < need + 1 || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t k = 2; k <= need; k++)
		if (p[k] < 0x80 || p[k] > 0xbf)
			return 0;
	return need + 1;
}

static void adv(struct scan *sc)
{
	if (sc->s[sc->i] == '\n') {
		sc->line++;
		sc->line_start = sc->i + 1;
	}
	sc->i++;
}

static unsigned col_of(const struct scan *sc)
{
	size_t col = sc->i - sc->line_start + 1;
	return col > UINT_MAX ? UINT_MAX : (unsigned)col;
}

static void skip_ws(struct scan *sc)
{
	while (sc->i < sc->len) {
		char ch = sc->s[sc->i];
		if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r') {
			adv(sc);
		} else if (ch == '/' && sc->i + 1 < sc->len && sc->s[sc->i + 1] == '*') {
			size_t start = sc->i;
			adv(sc);
			adv(sc);
			while (sc->i < sc->len &&
			       !(sc->s[sc->i] == '*' && sc->i + 1 < sc->len && sc->s[sc->i + 1] == '/'))
				adv(sc);
			if (sc->i < sc->len) {
				adv(sc);
				adv(sc);
			} else if (sc->open_comment == SIZE_MAX) {
				sc->open_comment = start;
			}
		} else if (ch == '/' && sc->i + 1 < sc->len && sc->s[sc->i + 1] == '/') {
			while (sc->i < sc->len && sc->s[sc->i] != '\n')
				adv(sc);
		} else {
			break;
		}
	}
}

static void kput(struct scan *sc, char ch)
{
	if (sc->oom)
		return;
	if (MEM_GROW(&sc->kbuf, &sc->kcap, sc->klen + 2, 64)) {
		sc->oom = 1;
		return;
	}
	sc->kbuf[sc->klen++] = ch;
	sc->kbuf[sc->klen] = '\0';
}

static void kput_utf8(struct scan *sc, unsigned long cp)
{
	if (cp < 0x80) {
		kput(sc, (char)cp);
	} else if (cp < 0x800) {
		kput(sc, (char)(0xc0 | (cp >> 6)));
		kput(sc, (char)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000) {
		kput(sc, (char)(0xe0 | (cp >> 12)));
		kput(sc, (char)(0x80 | ((cp >> 6) & 0x3f)));
		kput(sc, (char)(0x80 | (cp & 0x3f)));
	} else {
		kput(sc, (char)(0xf0 | (cp >> 18)));
		kput(sc, (char)(0x80 | ((cp >> 12) & 0x3f)));
		kput(sc, (char)(0x80 | ((cp >> 6) & 0x3f)));
		kput(sc, (char)(0x80 | (cp & 0x3f)));
	}
}

static int hex4(struct scan *sc, unsigned long *v)
{
	*v = 0;
	for (int k = 0; k < 4; k++) {
		if (sc->i >= sc->len)
			return -1;
		char ch = sc->s[sc->i];
		unsigned d;
		if (ch >= '0' && ch <= '9')
			d = (unsigned)(ch - '0');
		else if (ch >= 'a' && ch <= 'f')
			d = (unsigned)(ch - 'a' + 10);
		else if (ch >= 'A' && ch <= 'F')
			d = (unsigned)(ch - 'A' + 10);
		else
			return -1;
		*v = *v * 16 + d;
		adv(sc);
	}
	return 0;
}

/* Skip a string starting at its quote; when decode is set, leave its value
 * in sc->kbuf (member names are looked up by their decoded form). owner is
 * the value the string belongs to, for messages. */
static void scan_string(struct scan *sc, int decode, size_t owner)
{
	char q = sc->s[sc->i];
	const char *what = decode ? "a key" : "a string";

	sc->klen = 0;
	if (decode) {
		/* an empty name must still read as "" */
		kput(sc, 'x');
		sc->klen = 0;
		if (sc->kbuf)
			sc->kbuf[0] = '\0';
	}
	adv(sc);
	while (sc->i < sc->len && sc->s[sc->i] != q) {
		char ch = sc->s[sc->i];
		if (ch != '\\') {
			size_t n = utf8_len((const unsigned char *)sc->s + sc->i, sc->len - sc->i);
			if (!n) {
				/* json-c passes the bytes on: names that match nothing,
				 * output that is not JSON */
				flag(sc, sc->i, owner, "byte 0x%02x in %s is not UTF-8 (save the file as UTF-8)",
				     (unsigned char)ch, what);
				n = 1;
			}
			for (; n && sc->i < sc->len; n--) {
				if (decode)
					kput(sc, sc->s[sc->i]);
				adv(sc);
			}
			continue;
		}
		size_t esc = sc->i;
		adv(sc);
		if (sc->i >= sc->len)
			break;
		ch = sc->s[sc->i];
		adv(sc);
		if (ch == 'u' && sc->i + 4 <= sc->len && !memcmp(sc->s + sc->i, "0000", 4))
			/* json-c's C strings end there: "a\u0000b" would be "a" */
			flag(sc, esc, owner, "\\u0000 in %s: a NUL character would cut it short", what);
		if (!decode)
			continue;
		switch (ch) {
		case 'b': kput(sc, '\b'); break;
		case 'f': kput(sc, '\f'); break;
		case 'n': kput(sc, '\n'); break;
		case 'r': kput(sc, '\r'); break;
		case 't': kput(sc, '\t'); break;
		case 'u': {
			unsigned long cp, lo;
			if (hex4(sc, &cp))
				break;
			if (cp >= 0xd800 && cp <= 0xdbff && sc->i + 1 < sc->len &&
			    sc->s[sc->i] == '\\' && sc->s[sc->i + 1] == 'u') {
				size_t save = sc->i;
				adv(sc);
				adv(sc);
				if (!hex4(sc, &lo) && lo >= 0xdc00 && lo <= 0xdfff) {
					kput_utf8(sc, 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00));
					break;
				}
				sc->i = save; /* no newline inside, so line is intact */
			}
			if (cp >= 0xd800 && cp <= 0xdfff)
				cp = 0xfffd;
			kput_utf8(sc, cp);
			break;
		}
		default: kput(sc, ch); break;
		}
	}
	if (sc->i < sc->len)
		adv(sc);
	else
		sc->incomplete = 1;
}

/* Takes ownership of key (malloc'd, or NULL). */
static size_t record(struct scan *sc, size_t parent, char *key, size_t idx,
		     unsigned line, unsigned col, unsigned kline, unsigned kcol)
{
	struct cfg *c = sc->c;

	if (sc->oom) {
		free(key);
		return SIZE_MAX;
	}
	if (MEM_GROW(&c->pos, &sc->cap, c->npos + 1, 32)) {
		free(key);
		sc->oom = 1;
		return SIZE_MAX;
	}
	struct cfg_pos *p = &c->pos[c->npos];
	p->parent = parent;
	p->key = key;
	p->idx = idx;
	p->line = line;
	p->col = col;
	p->kline = kline;
	p->kcol = kcol;
	return c->npos++;
}

static int is_delim(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == ',' ||
	       ch == ']' || ch == '}' || ch == ':' || ch == '/' || ch == '"' || ch == '\'';
}

static int is_digit(char ch);

/* A literal json-c accepted: true, false, null or a number. json-c clamps
 * integers beyond 64 bits to INT64_MIN or UINT64_MAX and reads Infinity,
 * NaN and 1e999 as non-finite doubles; none is what was written. */
static void check_scalar(struct scan *sc, size_t at, size_t n, size_t self)
{
	static const char *const words[] = {"true", "false", "null", NULL};
	const char *t = sc->s + at;
	char q[64];

	for (int k = 0; words[k]; k++)
		if (strlen(words[k]) == n && !strncasecmp(t, words[k], n))
			return;
	char *tok = strndup(t, n);
	if (!tok) {
		sc->oom = 1;
		return;
	}
	size_t digits = tok[0] == '-';
	while (is_digit(tok[digits]))
		digits++;
	errno = 0;
	if (!tok[digits] && digits > (size_t)(tok[0] == '-')) {
		if (tok[0] == '-')
			(void)strtoll(tok, NULL, 10);
		else
			(void)strtoull(tok, NULL, 10);
		if (errno == ERANGE)
			flag(sc, at, self, "integer %s is out of range (-9223372036854775808..18446744073709551615)",
			     quote(q, sizeof(q), tok));
	} else if (!isfinite(strtod(tok, NULL))) {
		flag(sc, at, self, "%s is not a finite number", quote(q, sizeof(q), tok));
	}
	free(tok);
}

/* Takes ownership of key. */
static void scan_value(struct scan *sc, size_t parent, char *key, size_t idx,
		       unsigned kline, unsigned kcol, int depth)
{
	if (sc->i >= sc->len || sc->oom) {
		free(key);
		return;
	}
	size_t self = record(sc, parent, key, idx, sc->line, col_of(sc), kline, kcol);
	if (self == SIZE_MAX)
		return;

	char ch = sc->s[sc->i];
	if (ch == '{' || ch == '[') {
		char close = ch == '{' ? '}' : ']';
		size_t n = 0;
		adv(sc);
		for (;;) {
			skip_ws(sc);
			if (sc->i >= sc->len)
				sc->incomplete = 1;
			if (sc->i >= sc->len || sc->oom)
				return;
			ch = sc->s[sc->i];
			if (ch == close) {
				adv(sc);
				return;
			}
			if (ch == ',') {
				adv(sc);
				continue;
			}
			if (depth > 256) {
				/* json-c's own limit is far lower; just move on */
				adv(sc);
				continue;
			}
			if (close == ']') {
				scan_value(sc, self, NULL, n++, 0, 0, depth + 1);
				continue;
			}
			if (ch != '"' && ch != '\'') {
				adv(sc); /* not JSON json-c accepted; keep going */
				continue;
			}
			unsigned kl = sc->line, kc = col_of(sc);
			scan_string(sc, 1, self);
			if (sc->oom)
				return;
			skip_ws(sc);
			if (sc->i < sc->len && sc->s[sc->i] == ':')
				adv(sc);
			skip_ws(sc);
			/* the name must outlive the nested scan, which reuses kbuf */
			char *name = strdup(sc->kbuf ? sc->kbuf : "");
			if (!name) {
				sc->oom = 1;
				return;
			}
			scan_value(sc, self, name, 0, kl, kc, depth + 1);
		}
	}
	if (ch == '"' || ch == '\'') {
		scan_string(sc, 0, self);
		return;
	}
	size_t start = sc->i;
	while (sc->i < sc->len && !is_delim(sc->s[sc->i]))
		adv(sc);
	if (sc->i == start)
		adv(sc);
	else
		check_scalar(sc, start, sc->i - start, self);
}

/* Fills sc: i is the offset just past the root value, incomplete tells
 * whether the text ended inside it, open_comment (or SIZE_MAX) where a
 * comment was left open, bad_at (or SIZE_MAX) the first value json-c read
 * wrongly. */
static void build_index(struct cfg *c, struct scan *sc)
{
	*sc = (struct scan){
		.c = c, .s = c->text, .len = c->len, .line = 1, .open_comment = SIZE_MAX, .bad_at = SIZE_MAX,
	};
	skip_ws(sc);
	scan_value(sc, SIZE_MAX, NULL, 0, 0, 0, 0);
	free(sc->kbuf);
	sc->kbuf = NULL;
}

/* The key path of value k ("a.b[2]"), cut to len. */
static void pos_path(const struct cfg *c, size_t k, char *buf, size_t len)
{
	char tail[256];

	buf[0] = '\0';
	if (k == SIZE_MAX || c->pos[k].parent == SIZE_MAX)
		return;
	pos_path(c, c->pos[k].parent, tail, sizeof(tail));
	if (c->pos[k].key)
		cfg_path_key(buf, len, tail, c->pos[k].key);
	else
		cfg_path_idx(buf, len, tail, c->pos[k].idx);
}

struct member {
	size_t parent, k;
	const char *key;
};

static int member_cmp(const void *a, const void *b)
{
	const struct member *x = a, *y = b;
	int d;

	if (x->parent != y->parent)
		return x->parent < y->parent ? -1 : 1;
	if ((d = strcmp(x->key, y->key)))
		return d;
	return x->k < y->k ? -1 : x->k > y->k;
}

/* A key given twice in one object: json-c keeps the last value, so the
 * first (maybe invalid, maybe the one meant) is never looked at. Finds the
 * earliest second occurrence; returns 0 (none), 1 (*first, *second set) or
 * ENOMEM. Sorting keeps this O(n log n) for objects of any size. */
static int find_duplicate(const struct cfg *c, size_t *first, size_t *second)
{
	size_t n = 0, best = SIZE_MAX;
	struct member *m = malloc((c->npos ? c->npos : 1) * sizeof(*m));

	if (!m)
		return ENOMEM;
	for (size_t k = 0; k < c->npos; k++)
		if (c->pos[k].key)
			m[n++] = (struct member){c->pos[k].parent, k, c->pos[k].key};
	qsort(m, n, sizeof(*m), member_cmp);
	for (size_t j = 1; j < n; j++)
		if (m[j].parent == m[j - 1].parent && !strcmp(m[j].key, m[j - 1].key) && m[j].k < best) {
			best = m[j].k;
			*first = m[j - 1].k;
		}
	free(m);
	*second = best;
	return best != SIZE_MAX;
}

/* Position of a member's name (or of the value when it has none). */
static void key_where(const struct cfg *c, size_t k, unsigned *line, unsigned *col)
{
	*line = c->pos[k].kline ? c->pos[k].kline : c->pos[k].line;
	*col = c->pos[k].kline ? c->pos[k].kcol : c->pos[k].col;
}

/* Index of the value at keypath, or SIZE_MAX. Duplicate members: json-c
 * keeps the last one, so does this. */
static size_t find_pos(const struct cfg *c, const char *keypath)
{
	size_t cur;
	const char *p = keypath ? keypath : "";

	if (!c->npos)
		return SIZE_MAX;
	cur = 0;
	while (*p) {
		size_t found = SIZE_MAX;
		if (*p == '[') {
			char *end;
			errno = 0;
			unsigned long long n = strtoull(p + 1, &end, 10);
			if (end == p + 1 || *end != ']' || errno || p[1] == '-' || p[1] == '+')
				return SIZE_MAX;
			p = end + 1;
			for (size_t k = cur + 1; k < c->npos; k++)
				if (c->pos[k].parent == cur && !c->pos[k].key && c->pos[k].idx == n)
					found = k;
		} else {
			if (*p == '.' && p != keypath)
				p++;
			size_t n = strcspn(p, ".[");
			for (size_t k = cur + 1; k < c->npos; k++)
				if (c->pos[k].parent == cur && c->pos[k].key &&
				    strlen(c->pos[k].key) == n && !memcmp(c->pos[k].key, p, n))
					found = k;
			p += n;
		}
		if (found == SIZE_MAX)
			return SIZE_MAX;
		cur = found;
	}
	return cur;
}

void cfg_where(const struct cfg *c, const char *keypath, unsigned *line, unsigned *col)
{
	size_t k = find_pos(c, keypath);
	unsigned l = 0, cl = 0;

	if (k != SIZE_MAX) {
		l = c->pos[k].line;
		cl = c->pos[k].col;
	}
	if (line)
		*line = l;
	if (col)
		*col = cl;
}

const char *cfg_path_key(char *buf, size_t len, const char *keypath, const char *key)
{
	if (!len)
		return buf;
	if (keypath && *keypath)
		snprintf(buf, len, "%s.%s", keypath, key);
	else
		snprintf(buf, len, "%s", key);
	return buf;
}

const char *cfg_path_idx(char *buf, size_t len, const char *keypath, size_t i)
{
	if (len)
		snprintf(buf, len, "%s[%zu]", keypath ? keypath : "", i);
	return buf;
}

int cfg_error(struct cfg *c, const char *keypath, const char *fmt, ...)
{
	unsigned line, col;
	va_list ap;

	cfg_where(c, keypath, &line, &col);
	va_start(ap, fmt);
	vset_err(c, keypath, line, col, fmt, ap);
	va_end(ap);
	return EINVAL;
}

/* ------------------------------------------------------------------ */
/* Loading                                                              */

static void line_col(const char *s, size_t off, unsigned *line, unsigned *col)
{
	unsigned l = 1;
	size_t start = 0;

	for (size_t i = 0; i < off; i++)
		if (s[i] == '\n') {
			l++;
			start = i + 1;
		}
	*line = l;
	*col = (unsigned)(off - start + 1 > UINT_MAX ? UINT_MAX : off - start + 1);
}

/* After the document only blanks and comments may follow. Returns the
 * offset of the first offending byte, or len. */
static size_t trailing(const char *s, size_t len, size_t i, int *open_comment)
{
	*open_comment = 0;
	while (i < len) {
		char ch = s[i];
		if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r') {
			i++;
		} else if (ch == '/' && i + 1 < len && s[i + 1] == '/') {
			while (i < len && s[i] != '\n')
				i++;
		} else if (ch == '/' && i + 1 < len && s[i + 1] == '*') {
			size_t start = i;
			i += 2;
			while (i + 1 < len && !(s[i] == '*' && s[i + 1] == '/'))
				i++;
			if (i + 1 >= len) {
				*open_comment = 1;
				return start;
			}
			i += 2;
		} else {
			return i;
		}
	}
	return len;
}

static int parse_text(struct cfg *c)
{
	unsigned line, col;
	const char *nul = memchr(c->text, '\0', c->len);

	if (nul) {
		line_col(c->text, (size_t)(nul - c->text), &line, &col);
		set_err(c, NULL, line, col, "syntax error: NUL byte in text");
		return EINVAL;
	}
	if (c->len >= INT_MAX) {
		set_err(c, NULL, 0, 0, "file too large");
		return EFBIG;
	}

	struct json_tokener *tok = json_tokener_new();
	if (!tok) {
		set_err(c, NULL, 0, 0, "out of memory");
		return ENOMEM;
	}
	/* Include the terminating NUL: it ends a top-level number and turns
	 * "need more input" into a definite "unexpected end". */
	struct json_object *root = json_tokener_parse_ex(tok, c->text, (int)c->len + 1);
	enum json_tokener_error jerr = json_tokener_get_error(tok);
	size_t end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);

	if (jerr != json_tokener_success) {
		json_object_put(root);
		if (end > c->len)
			end = c->len;
		line_col(c->text, end, &line, &col);
		if (jerr == json_tokener_continue || end >= c->len)
			set_err(c, NULL, line, col, "syntax error: unexpected end of input");
		else
			set_err(c, NULL, line, col, "syntax error: %s", json_tokener_error_desc(jerr));
		return EINVAL;
	}

	/* json-c 0.16 quietly swallows a comment left open at the end, and
	 * when the text ends in a comment it even returns the innermost
	 * unfinished value ("[1,2 //" gives 2). The index scanner sees the
	 * whole text, so it decides whether the document is complete and
	 * where it ends. */
	int open_comment;
	struct scan sc;
	build_index(c, &sc);
	if (sc.oom) {
		/* the index also checks the values: without it, no load */
		json_object_put(root);
		set_err(c, NULL, 0, 0, "out of memory");
		return ENOMEM;
	}
	size_t doc_end = sc.i;
	if (sc.incomplete) {
		json_object_put(root);
		if (sc.open_comment != SIZE_MAX) {
			line_col(c->text, sc.open_comment, &line, &col);
			set_err(c, NULL, line, col, "syntax error: unterminated comment");
		} else {
			line_col(c->text, c->len, &line, &col);
			set_err(c, NULL, line, col, "syntax error: unexpected end of input");
		}
		return EINVAL;
	}
	if (doc_end > end)
		doc_end = end > c->len ? c->len : end;
	size_t bad = trailing(c->text, c->len, doc_end, &open_comment);
	if (bad < c->len) {
		json_object_put(root);
		line_col(c->text, bad, &line, &col);
		set_err(c, NULL, line, col, open_comment ? "syntax error: unterminated comment"
					      : "syntax error: unexpected text after the document");
		return EINVAL;
	}

	/* what json-c accepted but would read wrongly; the earliest wins */
	size_t first = 0, second = 0;
	int dup = find_duplicate(c, &first, &second);
	if (dup == ENOMEM) {
		json_object_put(root);
		set_err(c, NULL, 0, 0, "out of memory");
		return ENOMEM;
	}
	unsigned bline = UINT_MAX, bcol = UINT_MAX;
	if (sc.bad_at != SIZE_MAX)
		line_col(c->text, sc.bad_at, &bline, &bcol);
	if (dup) {
		unsigned l1, c1;
		key_where(c, first, &l1, &c1);
		key_where(c, second, &line, &col);
		if (line < bline || (line == bline && col < bcol)) {
			char path[256], q[64];
			pos_path(c, c->pos[second].parent, path, sizeof(path));
			json_object_put(root);
			set_err(c, path, line, col, "duplicate key '%s' (first given at %u:%u): give each key once",
				quote(q, sizeof(q), c->pos[second].key), l1, c1);
			return EINVAL;
		}
	}
	if (sc.bad_at != SIZE_MAX) {
		json_object_put(root);
		set_err(c, sc.bad_path, bline, bcol, "%s", sc.bad_why);
		return EINVAL;
	}
	c->root = root;
	return 0;
}

int cfg_load_mem(struct cfg *c, const char *name, const char *text, size_t len)
{
	memset(c, 0, sizeof(*c));
	c->path = strdup(name ? name : "<memory>");
	if (!c->path) {
		snprintf(c->err, sizeof(c->err), "out of memory");
		return ENOMEM;
	}
	if (len > CFG_MAX_FILE) {
		set_err(c, NULL, 0, 0, "too large (%zu bytes, at most %u)", len, CFG_MAX_FILE);
		return EFBIG;
	}
	c->text = malloc(len + 1);
	if (!c->text) {
		set_err(c, NULL, 0, 0, "out of memory");
		return ENOMEM;
	}
	if (len)
		memcpy(c->text, text, len);
	c->text[len] = '\0';
	c->len = len;
	return parse_text(c);
}

int cfg_load(struct cfg *c, const char *path)
{
	memset(c, 0, sizeof(*c));
	c->path = strdup(path ? path : "<config>");
	if (!c->path) {
		snprintf(c->err, sizeof(c->err), "out of memory");
		return ENOMEM;
	}
	int fd = open(c->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int rc = errno;
		set_err(c, NULL, 0, 0, "%s", strerror(rc));
		return rc;
	}
	int rc = mem_read_fd(fd, CFG_MAX_FILE, false, &c->text, &c->len);
	close(fd);
	if (rc == EFBIG)
		set_err(c, NULL, 0, 0, "too large (more than %u bytes)", CFG_MAX_FILE);
	else if (rc == ENOMEM)
		set_err(c, NULL, 0, 0, "out of memory");
	else if (rc)
		set_err(c, NULL, 0, 0, "%s", strerror(rc));
	return rc ? rc : parse_text(c);
}

void cfg_free(struct cfg *c)
{
	if (!c)
		return;
	for (size_t k = 0; k < c->npos; k++)
		free(c->pos[k].key);
	free(c->pos);
	json_object_put(c->root);
	free(c->text);
	free(c->path);
	c->pos = NULL;
	c->npos = 0;
	c->root = NULL;
	c->text = NULL;
	c->path = NULL;
	c->len = 0;
}

/* ------------------------------------------------------------------ */
/* Unknown keys                                                         */

static char lower(char ch)
{
	return (ch >= 'A' && ch <= 'Z') ? (char)(ch - 'A' + 'a') : ch;
}

/* Optimal string alignment distance, case-insensitive: a swapped pair of
 * letters ("thraeds") counts as one typo, as people make them. */
static unsigned edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned d[33][33]; /* names are short; longer ones get no suggestion */

	if (la > 32 || lb > 32)
		return UINT_MAX;
	for (size_t i = 0; i <= la; i++)
		d[i][0] = (unsigned)i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = (unsigned)j;
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			unsigned cost = lower(a[i - 1]) != lower(b[j - 1]);
			unsigned v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (d[i - 1][j - 1] + cost < v)
				v = d[i - 1][j - 1] + cost;
			if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) &&
			    lower(a[i - 2]) == lower(b[j - 1]) && d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	}
	return d[la][lb];
}

int cfg_check_keys(struct cfg *c, struct json_object *obj, const char *keypath,
		   const char *const *allowed)
{
	if (!obj)
		return 0;
	if (!json_object_is_type(obj, json_type_object))
		return cfg_error(c, keypath, "expected an object");

	json_object_object_foreach(obj, key, val) {
		(void)val;
		int ok = 0;
		for (const char *const *a = allowed; a && *a; a++)
			if (!strcmp(*a, key)) {
				ok = 1;
				break;
			}
		if (ok)
			continue;

		const char *best = NULL;
		unsigned best_d = UINT_MAX;
		size_t klen = strlen(key);
		/* allow one typo in short names, two in longer ones */
		unsigned limit = klen <= 4 ? 1 : 2;
		for (const char *const *a = allowed; a && *a; a++) {
			unsigned d = edit_distance(key, *a);
			if (d <= limit && d < best_d) {
				best_d = d;
				best = *a;
			}
		}

		char path[512], q[64], qb[64];
		unsigned line = 0, col = 0;
		size_t k = find_pos(c, cfg_path_key(path, sizeof(path), keypath, key));
		if (k != SIZE_MAX) {
			line = c->pos[k].kline ? c->pos[k].kline : c->pos[k].line;
			col = c->pos[k].kline ? c->pos[k].kcol : c->pos[k].col;
		}
		if (best)
			set_err(c, keypath, line, col, "unknown key '%s' (did you mean '%s'?)",
				quote(q, sizeof(q), key), quote(qb, sizeof(qb), best));
		else
			set_err(c, keypath, line, col, "unknown key '%s'", quote(q, sizeof(q), key));
		return EINVAL;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Human forms                                                          */

static int perr(char *err, size_t errlen, const char *kind, const char *s,
		const char *hint, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static int perr(char *err, size_t errlen, const char *kind, const char *s,
		const char *hint, const char *fmt, ...)
{
	char why[160], q[64];
	va_list ap;

	if (!err || !errlen)
		return EINVAL;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (!s)
		snprintf(err, errlen, "bad %s: %s", kind, why);
	else if (hint)
		snprintf(err, errlen, "bad %s '%s': %s (use e.g. %s)", kind, quote(q, sizeof(q), s), why, hint);
	else
		snprintf(err, errlen, "bad %s '%s': %s", kind, quote(q, sizeof(q), s), why);
	return EINVAL;
}

struct num {
	uint64_t ip; /* integer part */
	uint64_t fp; /* fraction digits, as an integer */
	unsigned fd; /* number of fraction digits */
};

#define MAX_FRAC_DIGITS 18

static const uint64_t pow10_tab[MAX_FRAC_DIGITS + 1] = {
	1ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull, 1000000ull, 10000000ull,
	100000000ull, 1000000000ull, 10000000000ull, 100000000000ull,
	1000000000000ull, 10000000000000ull, 100000000000000ull,
	1000000000000000ull, 10000000000000000ull, 100000000000000000ull,
	1000000000000000000ull,
};

static int is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

enum num_err { NUM_OK, NUM_EMPTY, NUM_NEG, NUM_NAN, NUM_FRAC, NUM_BIG, NUM_DIGITS };

/* Plain decimal "123" or "1.25": no sign, no exponent, no blanks. */
static enum num_err scan_num(const char **sp, struct num *n)
{
	const char *s = *sp;

	memset(n, 0, sizeof(*n));
	if (!*s)
		return NUM_EMPTY;
	if (*s == '-')
		return NUM_NEG;
	if (!is_digit(*s))
		return NUM_NAN;
	for (; is_digit(*s); s++)
		if (__builtin_mul_overflow(n->ip, 10, &n->ip) ||
		    __builtin_add_overflow(n->ip, (uint64_t)(*s - '0'), &n->ip))
			return NUM_BIG;
	if (*s == '.') {
		s++;
		if (!is_digit(*s))
			return NUM_FRAC;
		for (; is_digit(*s); s++) {
			if (n->fd == MAX_FRAC_DIGITS)
				return NUM_DIGITS;
			n->fp = n->fp * 10 + (uint64_t)(*s - '0');
			n->fd++;
		}
	}
	*sp = s;
	return NUM_OK;
}

static const char *num_why(enum num_err e)
{
	switch (e) {
	case NUM_EMPTY: return "empty";
	case NUM_NEG: return "negative";
	case NUM_NAN: return "not a number";
	case NUM_FRAC: return "missing digits after '.'";
	case NUM_BIG: return "too large";
	case NUM_DIGITS: return "too many decimal places";
	default: return "bad number";
	}
}

/* n * mult exactly. Returns 0, ERANGE (too large) or EDOM (not whole). */
static int scale_exact(const struct num *n, uint64_t mult, uint64_t *out)
{
	uint64_t whole, frac;
	unsigned __int128 f = (unsigned __int128)n->fp * mult; /* < 10^18 * 2^64 */

	if (f % pow10_tab[n->fd])
		return EDOM;
	f /= pow10_tab[n->fd];
	if (f > UINT64_MAX)
		return ERANGE;
	frac = (uint64_t)f;
	if (__builtin_mul_overflow(n->ip, mult, &whole) ||
	    __builtin_add_overflow(whole, frac, &whole))
		return ERANGE;
	*out = whole;
	return 0;
}

static double num_dbl(const struct num *n)
{
	return (double)n->ip + (double)n->fp / (double)pow10_tab[n->fd];
}

struct suffix {
	const char *name;
	uint64_t mult;
};

static int suffix_eq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if (lower(*a) != lower(*b))
			return 0;
	return *a == *b;
}

static const struct suffix *find_suffix(const struct suffix *t, const char *s)
{
	for (; t->name; t++)
		if (suffix_eq(t->name, s))
			return t;
	return NULL;
}

int parse_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *out, char *err, size_t errlen)
{
	const char *p = s;
	struct num n;
	enum num_err e;

	if (!s)
		return perr(err, errlen, "number", NULL, NULL, "missing");
	e = scan_num(&p, &n);
	if (e == NUM_OK && (n.fd || *p))
		e = NUM_NAN; /* "1.5", "5k", "7 ": a count is digits only */
	if (e != NUM_OK)
		return perr(err, errlen, "number", s, NULL, "%s",
			    e == NUM_BIG ? "too large (at most 18446744073709551615)" : e == NUM_NEG ? "negative"
			    : e == NUM_EMPTY ? "empty" : "not a whole number in decimal digits");
	if (n.ip < lo || n.ip > hi) {
		perr(err, errlen, "number", s, NULL, "out of range %llu..%llu", (unsigned long long)lo,
		     (unsigned long long)hi);
		return ERANGE;
	}
	*out = n.ip;
	return 0;
}

int parse_dbl(const char *s, double *out, char *err, size_t errlen)
{
	const char *p = s;
	int digits = 0;

	if (!s)
		return perr(err, errlen, "number", NULL, NULL, "missing");
	/* only the decimal forms JSON itself allows: no blanks, '+', hex, inf
	 * or nan, which strtod would all take */
	if (*p == '-')
		p++;
	while (is_digit(*p))
		p++, digits++;
	if (*p == '.')
		for (p++; is_digit(*p); p++)
			digits++;
	if (digits && (*p == 'e' || *p == 'E')) {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (!is_digit(*p))
			digits = 0;
		while (is_digit(*p))
			p++;
	}
	if (!digits || *p)
		return perr(err, errlen, "number", s, "0.5, -3, 2e3", "not a decimal number");
	double d = strtod(s, NULL);
	if (!isfinite(d))
		return perr(err, errlen, "number", s, NULL, "too large");
	*out = d;
	return 0;
}

#define KiB (UINT64_C(1) << 10)
#define MiB (UINT64_C(1) << 20)
#define GiB (UINT64_C(1) << 30)
#define TiB (UINT64_C(1) << 40)
#define PiB (UINT64_C(1) << 50)
#define EiB (UINT64_C(1) << 60)

static const struct suffix size_suffixes[] = {
	{"", 1}, {"b", 1},
	{"k", KiB}, {"kb", KiB}, {"kib", KiB},
	{"m", MiB}, {"mb", MiB}, {"mib", MiB},
	{"g", GiB}, {"gb", GiB}, {"gib", GiB},
	{"t", TiB}, {"tb", TiB}, {"tib", TiB},
	{"p", PiB}, {"pb", PiB}, {"pib", PiB},
	{"e", EiB}, {"eb", EiB}, {"eib", EiB},
	{NULL, 0},
};

#define NS_US UINT64_C(1000)
#define NS_MS UINT64_C(1000000)
#define NS_S UINT64_C(1000000000)

static const struct suffix duration_suffixes[] = {
	{"", NS_S},
	{"ns", 1}, {"us", NS_US}, {"\xc2\xb5s", NS_US}, {"ms", NS_MS}, {"s", NS_S},
	{"m", 60 * NS_S}, {"min", 60 * NS_S}, {"h", 3600 * NS_S}, {"d", 86400 * NS_S},
	{NULL, 0},
};

/* A whole quantity in a human form: a plain decimal and a suffix from a
 * table, scaled exactly. One row per kind; messages come from the row. */
struct form {
	const char *kind;    /* "size": "bad size '4q': ..." */
	const char *hint;    /* examples, for "(use e.g. ...)" */
	const char *suffix;  /* what the table holds: "suffix" or "unit" */
	const char *whole;   /* the unit of the result, for "not a whole number of ..." */
	const struct suffix *suffixes;
};

static const struct form size_form = {"size", "4k, 1m, 1MiB", "suffix", "bytes", size_suffixes};
static const struct form duration_form = {"duration", "250ns, 10us, 500ms, 30s, 5m, 1h", "unit", "nanoseconds",
					  duration_suffixes};

static int parse_form(const struct form *f, const char *s, uint64_t *out, char *err, size_t errlen)
{
	const char *p = s;
	struct num n;
	enum num_err e;
	const struct suffix *suf;
	uint64_t v;

	if (!s)
		return perr(err, errlen, f->kind, NULL, NULL, "missing");
	if ((e = scan_num(&p, &n)) != NUM_OK)
		return perr(err, errlen, f->kind, s, (e == NUM_BIG || e == NUM_NEG) ? NULL : f->hint, "%s",
			    num_why(e));
	if (!(suf = find_suffix(f->suffixes, p))) {
		char q[64];
		return perr(err, errlen, f->kind, s, f->hint, "unknown %s '%s'", f->suffix, quote(q, sizeof(q), p));
	}
	switch (scale_exact(&n, suf->mult, &v)) {
	case 0:
		break;
	case EDOM:
		return perr(err, errlen, f->kind, s, NULL, "not a whole number of %s", f->whole);
	default:
		return perr(err, errlen, f->kind, s, NULL, "too large");
	}
	*out = v;
	return 0;
}

int parse_size(const char *s, uint64_t *out, char *err, size_t errlen)
{
	return parse_form(&size_form, s, out, err, errlen);
}

int parse_duration(const char *s, uint64_t *ns, char *err, size_t errlen)
{
	return parse_form(&duration_form, s, ns, err, errlen);
}

/* Strip an optional "/s" (any case) from the end of a suffix copy. */
static void strip_per_sec(char *suf)
{
	size_t l = strlen(suf);
	if (l >= 2 && suf[l - 2] == '/' && lower(suf[l - 1]) == 's')
		suf[l - 2] = '\0';
}

#define RATE_SUFMAX 16

static int bad_rate_suffix(const char *s, const char *at, const char *hint, char *err, size_t errlen)
{
	char q[64];
	return perr(err, errlen, "rate", s, hint, "unknown suffix '%s'", quote(q, sizeof(q), at));
}

/* A rate's number, and its suffix lowercased and without "/s" into suf;
 * *at is the suffix as written, for messages. Returns 0, or EINVAL with
 * err set. */
static int scan_rate(const char *s, const char *hint, struct num *n, char suf[RATE_SUFMAX], const char **at,
		     char *err, size_t errlen)
{
	const char *p = s;
	enum num_err e;

	if (!s)
		return perr(err, errlen, "rate", NULL, NULL, "missing");
	if ((e = scan_num(&p, n)) != NUM_OK)
		return perr(err, errlen, "rate", s, (e == NUM_BIG || e == NUM_NEG) ? NULL : hint, "%s", num_why(e));
	*at = p;
	if (strlen(p) >= RATE_SUFMAX)
		return bad_rate_suffix(s, p, hint, err, errlen);
	size_t k = 0;
	for (; p[k]; k++)
		suf[k] = lower(p[k]);
	suf[k] = '\0';
	strip_per_sec(suf);
	return 0;
}

#define OPS_HINT "5000, 5k, 2.5k/s, 1m"

int parse_rate_ops(const char *s, double *per_sec, char *err, size_t errlen)
{
	static const struct suffix ops_suffixes[] = {
		{"", 1}, {"k", 1000}, {"m", 1000000}, {"g", 1000000000}, {"t", 1000000000000},
		{NULL, 0},
	};
	struct num n;
	const struct suffix *suf;
	const char *at;
	char sbuf[RATE_SUFMAX];

	if (scan_rate(s, OPS_HINT, &n, sbuf, &at, err, errlen))
		return EINVAL;
	if (!(suf = find_suffix(ops_suffixes, sbuf)))
		return bad_rate_suffix(s, at, OPS_HINT, err, errlen);
	*per_sec = num_dbl(&n) * (double)suf->mult;
	return 0;
}

#define BYTES_HINT "100MiB/s, 1g, 10gbit"

int parse_rate_bytes(const char *s, double *bytes_per_sec, char *err, size_t errlen)
{
	static const char prefixes[] = "kmgtpe";
	struct num n;
	const char *at;
	char sbuf[RATE_SUFMAX], *u = sbuf;
	unsigned exp = 0;

	if (scan_rate(s, BYTES_HINT, &n, sbuf, &at, err, errlen))
		return EINVAL;
	if (*u) {
		const char *pf = strchr(prefixes, *u);
		if (pf) {
			exp = (unsigned)(pf - prefixes) + 1;
			u++;
		}
	}
	double v = num_dbl(&n);
	if (!strcmp(u, "bit")) {
		/* network style: decimal prefixes, bits */
		for (unsigned k = 0; k < exp; k++)
			v *= 1000.0;
		v /= 8.0;
	} else if (!strcmp(u, "") || !strcmp(u, "b") || (exp && !strcmp(u, "ib"))) {
		for (unsigned k = 0; k < exp; k++)
			v *= 1024.0;
	} else {
		return bad_rate_suffix(s, at, BYTES_HINT, err, errlen);
	}
	*bytes_per_sec = v;
	return 0;
}

#define CPU_HINT "0-3,8,10-11"

/* A CPU number; stops counting long before overflow. */
static int scan_cpu(const char **sp, unsigned *v)
{
	const char *s = *sp;
	unsigned long n = 0;

	if (!is_digit(*s))
		return -1;
	for (; is_digit(*s); s++)
		if (n < 100000000)
			n = n * 10 + (unsigned long)(*s - '0');
	*v = n > UINT_MAX ? UINT_MAX : (unsigned)n;
	*sp = s;
	return 0;
}

int parse_cpulist(const char *s, struct cpulist *set, char *err, size_t errlen)
{
	struct cpulist t;
	const char *p = s;

	if (!s)
		return perr(err, errlen, "cpu list", NULL, NULL, "missing");
	if (!*s)
		return perr(err, errlen, "cpu list", s, CPU_HINT, "empty");
	memset(&t, 0, sizeof(t));
	for (;;) {
		unsigned a, b, stride = 1;
		if (*p == ',' || !*p)
			return perr(err, errlen, "cpu list", s, CPU_HINT, "empty item");
		if (*p == '-')
			return perr(err, errlen, "cpu list", s, NULL, "negative");
		if (scan_cpu(&p, &a)) {
			char q[64], at[12];
			snprintf(at, sizeof(at), "%s", p);
			return perr(err, errlen, "cpu list", s, CPU_HINT, "not a number at '%s'",
				    quote(q, sizeof(q), at));
		}
		b = a;
		if (*p == '-') {
			p++;
			if (scan_cpu(&p, &b))
				return perr(err, errlen, "cpu list", s, CPU_HINT, "range has no end");
			if (*p == ':') {
				p++;
				if (scan_cpu(&p, &stride))
					return perr(err, errlen, "cpu list", s, CPU_HINT, "stride is not a number");
				if (stride == 0)
					return perr(err, errlen, "cpu list", s, NULL, "stride must be at least 1");
			}
		}
		if (a >= CPU_LIST_MAX || b >= CPU_LIST_MAX)
			return perr(err, errlen, "cpu list", s, NULL, "CPU %u out of range (max %u)",
				    a >= CPU_LIST_MAX ? a : b, CPU_LIST_MAX - 1);
		if (b < a)
			return perr(err, errlen, "cpu list", s, NULL, "descending range %u-%u", a, b);
		for (unsigned cpu = a;; cpu += stride) {
			t.bits[cpu / 64] |= UINT64_C(1) << (cpu % 64);
			if (b - cpu < stride) /* no wrap-around with huge strides */
				break;
		}
		if (!*p)
			break;
		if (*p != ',')
			return perr(err, errlen, "cpu list", s, CPU_HINT, "unexpected '%c'",
				    (*p >= 0x20 && *p < 0x7f) ? *p : '?');
		p++;
	}
	*set = t;
	return 0;
}

bool cpulist_has(const struct cpulist *set, unsigned cpu)
{
	if (cpu >= CPU_LIST_MAX)
		return false;
	return (set->bits[cpu / 64] >> (cpu % 64)) & 1;
}

unsigned cpulist_count(const struct cpulist *set)
{
	unsigned n = 0;
	for (unsigned k = 0; k < CPU_LIST_MAX / 64; k++)
		n += (unsigned)__builtin_popcountll(set->bits[k]);
	return n;
}

const char *cpulist_format(const struct cpulist *set, char *buf, size_t len)
{
	size_t used = 0;

	if (!len)
		return buf;
	buf[0] = '\0';
	for (unsigned cpu = 0; cpu < CPU_LIST_MAX; cpu++) {
		if (!cpulist_has(set, cpu))
			continue;
		unsigned end = cpu;
		while (end + 1 < CPU_LIST_MAX && cpulist_has(set, end + 1))
			end++;
		int w;
		if (end == cpu)
			w = snprintf(buf + used, len - used, "%s%u", used ? "," : "", cpu);
		else
			w = snprintf(buf + used, len - used, "%s%u-%u", used ? "," : "", cpu, end);
		if (w < 0 || (size_t)w >= len - used) {
			buf[used] = '\0'; /* no half-written number */
			break;
		}
		used += (size_t)w;
		cpu = end;
	}
	return buf;
}

/* ------------------------------------------------------------------ */
/* Typed getters                                                        */

static const char *type_name(struct json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_null: return "null";
	case json_type_boolean: return "a boolean";
	case json_type_double: return "a number";
	case json_type_int: return "an integer";
	case json_type_object: return "an object";
	case json_type_array: return "an array";
	case json_type_string: return "a string";
	}
	return "something else";
}

/* Find key in obj. A member whose value is null counts as absent, so a
 * profile can spell out "use the default". */
static int lookup(struct cfg *c, struct json_object *obj, const char *keypath, const char *key,
		  struct json_object **v, char *path, size_t pathlen)
{
	cfg_path_key(path, pathlen, keypath, key);
	if (!obj)
		return ENOENT;
	if (!json_object_is_type(obj, json_type_object))
		return cfg_error(c, keypath, "expected an object, got %s", type_name(obj));
	if (!json_object_object_get_ex(obj, key, v) || !*v)
		return ENOENT;
	return 0;
}

int cfg_get_str(struct cfg *c, struct json_object *obj, const char *keypath, const char *key,
		const char **out)
{
	struct json_object *v;
	char path[512];
	int rc = lookup(c, obj, keypath, key, &v, path, sizeof(path));

	if (rc)
		return rc;
	if (!json_object_is_type(v, json_type_string))
		return cfg_error(c, path, "expected a string, got %s", type_name(v));
	*out = json_object_get_string(v);
	return 0;
}

int cfg_get_bool(struct cfg *c, struct json_object *obj, const char *keypath, const char *key,
		 bool *out)
{
	static const char *const yes[] = {"true", "yes", "on", NULL};
	static const char *const no[] = {"false", "no", "off", NULL};
	struct json_object *v;
	char path[512];
	int rc = lookup(c, obj, keypath, key, &v, path, sizeof(path));

	if (rc)
		return rc;
	if (json_object_is_type(v, json_type_boolean)) {
		*out = json_object_get_boolean(v);
		return 0;
	}
	if (json_object_is_type(v, json_type_string)) {
		const char *s = json_object_get_string(v);
		for (int k = 0; yes[k]; k++)
			if (suffix_eq(yes[k], s)) {
				*out = true;
				return 0;
			}
		for (int k = 0; no[k]; k++)
			if (suffix_eq(no[k], s)) {
				*out = false;
				return 0;
			}
		char q[64];
		return cfg_error(c, path, "expected true or false, got '%s'", quote(q, sizeof(q), s));
	}
	return cfg_error(c, path, "expected true or false, got %s", type_name(v));
}

/* A JSON number as a whole, non-negative uint64. Returns 0, or a reason. */
static const char *json_whole(struct json_object *v, uint64_t *out)
{
	if (json_object_is_type(v, json_type_int)) {
		if (json_object_get_int64(v) < 0)
			return "negative";
		/* exact: the loader refuses the literals json-c would clamp */
		*out = json_object_get_uint64(v);
		return NULL;
	}
	double d = json_object_get_double(v);
	if (!isfinite(d))
		return "not a finite number";
	if (d < 0)
		return "negative";
	if (d != floor(d))
		return "not a whole number";
	if (d >= 18446744073709551616.0)
		return "too large";
	*out = (uint64_t)d;
	return NULL;
}

int cfg_json_int64(struct json_object *v, int64_t *out, char *err, size_t errlen)
{
	if (!json_object_is_type(v, json_type_int)) {
		if (err && errlen)
			snprintf(err, errlen, "expected an integer, got %s", type_name(v));
		return EINVAL;
	}
	int64_t x = json_object_get_int64(v);
	if (x == INT64_MAX && json_object_get_uint64(v) > (uint64_t)INT64_MAX) {
		if (err && errlen)
			snprintf(err, errlen, "%llu is too large (at most %lld)",
				 (unsigned long long)json_object_get_uint64(v), (long long)INT64_MAX);
		return ERANGE;
	}
	*out = x;
	return 0;
}

static int is_number(struct json_object *v)
{
	return json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double);
}

int cfg_get_u64(struct cfg *c, struct json_object *obj, const char *keypath, const char *key,
		uint64_t *out)
{
	static const struct suffix count_suffixes[] = {
		{"", 1}, {"k", 1000}, {"m", 1000000}, {"g", 1000000000}, {"t", 1000000000000},
		{NULL, 0},
	};
	struct json_object *v;
	char path[512], q[64];
	int rc = lookup(c, obj, keypath, key, &v, path, sizeof(path));
	const char *why;
	uint64_t x;

	if (rc)
		return rc;
	if (is_number(v)) {
		if ((why = json_whole(v, &x)))
			return cfg_error(c, path, "expected a non-negative integer: %s", why);
		*out = x;
		return 0;
	}
	if (!json_object_is_type(v, json_type_string))
		return cfg_error(c, path, "expected a non-negative integer, got %s", type_name(v));

	const char *s = json_object_get_string(v), *p = s;
	struct num n;
	enum num_err e = scan_num(&p, &n);
	const struct suffix *suf;
	if (e != NUM_OK)
		return cfg_error(c, path, "bad number '%s': %s", quote(q, sizeof(q), s), num_why(e));
	if (!(suf = find_suffix(count_suffixes, p)))
		return cfg_error(c, path, "bad number '%s': unknown suffix (use e.g. 100, 5k, 1m)",
				 quote(q, sizeof(q), s));
	switch (scale_exact(&n, suf->mult, &x)) {
	case 0:
		*out = x;
		return 0;
	case EDOM:
		return cfg_error(c, path, "bad number '%s': not a whole number", quote(q, sizeof(q), s));
	default:
		return cfg_error(c, path, "bad number '%s': too large", quote(q, sizeof(q), s));
	}
}

int cfg_get_dbl(struct cfg *c, struct json_object *obj, const char *keypath, const char *key,
		double *out)
{
	struct json_object *v;
	char path[512], msg[256];
	int rc = lookup(c, obj, keypath, key, &v, path, sizeof(path));

	if (rc)
		return rc;
	if (is_number(v)) {
		double d = json_object_get_double(v);
		if (!isfinite(d))
			return cfg_error(c, path, "expected a finite number");
		*out = d;
		return 0;
	}
	if (!json_object_is_type(v, json_type_string))
		return cfg_error(c, path, "expected a number, got %s", type_name(v));

	if (parse_dbl(json_object_get_string(v), out, msg, sizeof(msg)))
		return cfg_error(c, path, "%s", msg);
	return 0;
}

int cfg_get_size(struct cfg *c, struct json_object *obj, const char *keypath, const char *key,
		 uint64_t *out)
{
	struct json_object *v;
	char path[512], msg[256];
	int rc = lookup(c, obj, keypath, key, &v, path, sizeof(path));
	const char *why;
	uint64_t x;

	if (rc)
		return rc;
	if (is_number(v)) {
		if ((why = json_whole(v, &x)))
			return cfg_error(c, path, "bad size: %s", why);
		*out = x;
		return 0;
	}
	if (!json_object_is_type(v, json_type_string))
		return cfg_error(c, path, "expected a size (a number or a string like \"4k\"), got %s",
				 type_name(v));
	if (parse_size(json_object_get_string(v), &x, msg, sizeof(msg)))
		return cfg_error(c, path, "%s", msg);
	*out = x;
	return 0;
}

int cfg_get_duration(struct cfg *c, struct json_object *obj, const char *keypath, const char *key,
		     uint64_t *ns)
{
	struct json_object *v;
	char path[512], msg[256];
	int rc = lookup(c, obj, keypath, key, &v, path, sizeof(path));
	uint64_t x;

	if (rc)
		return rc;
	if (is_number(v)) {
		/* a bare number is seconds, as in parse_duration */
		if (json_object_is_type(v, json_type_int)) {
			const char *why = json_whole(v, &x);
			if (why)
				return cfg_error(c, path, "bad duration: %s", why);
			if (__builtin_mul_overflow(x, NS_S, &x))
				return cfg_error(c, path, "bad duration: too large");
			*ns = x;
			return 0;
		}
		double d = json_object_get_double(v);
		if (!isfinite(d))
			return cfg_error(c, path, "bad duration: not a finite number");
		if (d < 0)
			return cfg_error(c, path, "bad duration: negative");
		d = nearbyint(d * 1e9);
		if (d >= 18446744073709551616.0)
			return cfg_error(c, path, "bad duration: too large");
		*ns = (uint64_t)d;
		return 0;
	}
	if (!json_object_is_type(v, json_type_string))
		return cfg_error(c, path, "expected a duration (seconds, or a string like \"500ms\"), got %s",
				 type_name(v));
	if (parse_duration(json_object_get_string(v), &x, msg, sizeof(msg)))
		return cfg_error(c, path, "%s", msg);
	*ns = x;
	return 0;
}
