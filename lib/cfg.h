/* cfg.h - the one config loader of the toolkit, and the parsers of the
 * human forms of sizes, durations, rates and CPU lists.
 *
 * Profiles are JSON with comments (json-c accepts // and / * * /). Every error
 * names the file, line and column, and the key path (e.g.
 * "threadgroups[1].ops.read") that caused it:
 *   "configs/x.json:12:9: threadgroups[0].bs: bad size '4q' (use e.g. 4k, 1m, 1MiB)"
 */
#ifndef NFSTK_CFG_H
#define NFSTK_CFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct json_object;

struct cfg {
	char *path;               /* as given */
	char *text;               /* file contents, NUL terminated */
	size_t len;
	struct json_object *root; /* parsed document, owned */
	char err[512];            /* last error, one line, no trailing newline */
	struct cfg_pos *pos;      /* key path -> line/col index, private */
	size_t npos;
};

/* Load and parse path. Returns 0, or an errno value with c->err set
 * ("path: No such file or directory", "path:3:14: syntax error: ...").
 * On error *c is still valid to pass to cfg_free. */
int cfg_load(struct cfg *c, const char *path);
/* Parse from memory (name is used in messages). */
int cfg_load_mem(struct cfg *c, const char *name, const char *text, size_t len);
void cfg_free(struct cfg *c);

/* Line and column (1-based) where the key path's value starts, or 0/0 if
 * unknown. Paths: "a.b", "a[2].c". */
void cfg_where(const struct cfg *c, const char *keypath, unsigned *line, unsigned *col);

/* Build key paths for messages and cfg_where: cfg_path_key(b, n, "a", "b")
 * gives "a.b" ("b" when keypath is "" or NULL); cfg_path_idx(b, n, "a", 2)
 * gives "a[2]". Both truncate to len and return buf. */
const char *cfg_path_key(char *buf, size_t len, const char *keypath, const char *key);
const char *cfg_path_idx(char *buf, size_t len, const char *keypath, size_t i);

/* Format an error about keypath into c->err ("file:line:col: keypath: msg")
 * and return EINVAL. */
int cfg_error(struct cfg *c, const char *keypath, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Reject members of obj not in allowed (NULL-terminated): a typo is an error,
 * not a silently ignored knob. keypath names obj ("" for the root). */
int cfg_check_keys(struct cfg *c, struct json_object *obj, const char *keypath, const char *const *allowed);

/* Typed getters: look up key in obj (keypath names obj, for messages).
 * Return 0 and fill *out; ENOENT (c->err not set) when the key is absent or
 * null (null spells "use the default"); EINVAL with c->err set when present
 * but malformed. Numbers may be given as JSON numbers or as strings in the
 * human forms below:
 *   str:      JSON string only (the pointer lives as long as c->root);
 *   bool:     true/false, or the strings "true"/"false"/"yes"/"no"/"on"/"off";
 *   u64:      whole number >= 0, or a string "100", "5k", "1.5m" (decimal);
 *   dbl:      any finite number, or a decimal string ("-1.5", "2e3");
 *   size:     whole number of bytes, or parse_size's forms;
 *   duration: a JSON number is seconds (fractions rounded to the nearest ns),
 *             a string is parse_duration's forms. */
int cfg_get_str(struct cfg *c, struct json_object *obj, const char *keypath, const char *key, const char **out);
int cfg_get_bool(struct cfg *c, struct json_object *obj, const char *keypath, const char *key, bool *out);
int cfg_get_u64(struct cfg *c, struct json_object *obj, const char *keypath, const char *key, uint64_t *out);
int cfg_get_dbl(struct cfg *c, struct json_object *obj, const char *keypath, const char *key, double *out);
int cfg_get_size(struct cfg *c, struct json_object *obj, const char *keypath, const char *key, uint64_t *out);
int cfg_get_duration(struct cfg *c, struct json_object *obj, const char *keypath, const char *key, uint64_t *ns);

/* A JSON integer as int64_t, for values bound to a signed range. json-c
 * keeps integers above INT64_MAX as uint64 and json_object_get_int64()
 * quietly gives INT64_MAX for them; this refuses them instead, with the
 * value as written in err ("18446744073709551615 is too large (at most
 * 9223372036854775807)"). Returns 0, ERANGE, or EINVAL when v is not an
 * integer. */
int cfg_json_int64(struct json_object *v, int64_t *out, char *err, size_t errlen);

/* Parsers of human forms. Each returns 0, or EINVAL with a one-line reason in
 * err (which quotes the input). None accepts trailing junk, empty input,
 * negative values or overflow.
 *
 * Numbers are plain decimals ("12", "1.5": no sign, exponent or blanks, at
 * most 18 decimal places); suffixes are case-insensitive.
 *
 * parse_size: bytes. "4096", "4k", "4K", "4KiB", "4kb", "1m", "1MiB", "1g",
 *   "2t": suffixes are binary (k = 1024), as in fio; also "b", p and e.
 *   Fractions only where the result is whole ("1.5k" yes, "0.3k" no).
 * parse_duration: nanoseconds. "250ns", "10us", "500ms", "30s", "5m", "1h",
 *   fractions allowed ("1.5s"); a bare number is seconds. Also "µs",
 *   "min" and "d". The result must be a whole number of nanoseconds.
 * parse_rate_ops: operations per second. "5000", "5k", "2.5k/s", "1m" (10^6):
 *   decimal suffixes, since these are counts.
 * parse_rate_bytes: bytes per second. "100MiB/s", "100m", "1g" (binary, per
 *   second) or network style "10gbit", "10Gbit/s", "500mbit" (decimal bits).
 * parse_cpulist: Linux cpulist "0-3,8,10-11" (also "0-7:2" stride) into a
 *   bitmap of CPU_LIST_MAX bits; duplicates allowed, descending ranges and
 *   CPUs >= CPU_LIST_MAX rejected. No blanks or trailing newline: strip
 *   what sysfs files end with first.
 * On error the output is left unchanged; err may be NULL. */
#define CPU_LIST_MAX 1024
struct cpulist {
	uint64_t bits[CPU_LIST_MAX / 64];
};
/* parse_u64: a whole number lo..hi in plain decimal digits, nothing else
 *   (no blanks, sign, base prefix or suffix): the one parser of counts,
 *   seeds, ports and limits given on command lines. Returns EINVAL when s
 *   is not such a number (too large for 64 bits included), ERANGE when it
 *   lies outside lo..hi; the message quotes s as given. */
int parse_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *out, char *err, size_t errlen);
/* parse_dbl: a finite decimal as JSON writes it ("-1.5", "2e3"): no blanks,
 *   '+', hex, inf or nan. */
int parse_dbl(const char *s, double *out, char *err, size_t errlen);
int parse_size(const char *s, uint64_t *out, char *err, size_t errlen);
int parse_duration(const char *s, uint64_t *ns, char *err, size_t errlen);
int parse_rate_ops(const char *s, double *per_sec, char *err, size_t errlen);
int parse_rate_bytes(const char *s, double *bytes_per_sec, char *err, size_t errlen);
int parse_cpulist(const char *s, struct cpulist *set, char *err, size_t errlen);
bool cpulist_has(const struct cpulist *set, unsigned cpu);
unsigned cpulist_count(const struct cpulist *set);
/* Canonical text form ("0-3,8,10-11", "" when empty) into buf; returns buf.
 * When buf is too small the list is cut after the last whole item. */
const char *cpulist_format(const struct cpulist *set, char *buf, size_t len);

#endif
