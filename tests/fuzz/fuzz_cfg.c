/* fuzz_cfg.c - libFuzzer target for the config loader and the human-form
 * parsers: any bytes must give a clean result or a clean error, never a
 * crash, leak or undefined behaviour. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cfg.h"

static const char *const allowed[] = {"threads", "bs", "ops", "runtime", "name", NULL};

/* Walk the loaded document the way a program would: check keys, call every
 * getter on every member, and look up each member's position. */
static void walk(struct cfg *c, struct json_object *o, const char *path, int depth)
{
	char sub[256];

	if (!o || depth > 8)
		return;
	if (json_object_is_type(o, json_type_array)) {
		size_t n = json_object_array_length(o);
		for (size_t i = 0; i < n && i < 64; i++) {
			unsigned line, col;
			cfg_path_idx(sub, sizeof(sub), path, i);
			cfg_where(c, sub, &line, &col);
			walk(c, json_object_array_get_idx(o, i), sub, depth + 1);
		}
		return;
	}
	if (!json_object_is_type(o, json_type_object))
		return;
	cfg_check_keys(c, o, path, allowed);
	json_object_object_foreach(o, key, val) {
		const char *s;
		bool b;
		uint64_t u;
		double d;
		unsigned line, col;

		cfg_get_str(c, o, path, key, &s);
		cfg_get_bool(c, o, path, key, &b);
		cfg_get_u64(c, o, path, key, &u);
		cfg_get_dbl(c, o, path, key, &d);
		cfg_get_size(c, o, path, key, &u);
		cfg_get_duration(c, o, path, key, &u);
		cfg_path_key(sub, sizeof(sub), path, key);
		cfg_where(c, sub, &line, &col);
		cfg_error(c, sub, "fuzz %s", c->err);
		walk(c, val, sub, depth + 1);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cfg c;
	char err[256], buf[64];
	char *s = malloc(size + 1);
	uint64_t u;
	double d;
	struct cpulist set;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';

	if (cfg_load_mem(&c, "fuzz.json", (const char *)data, size) == 0)
		walk(&c, c.root, "", 0);
	/* the same text also as a key path into itself */
	{
		unsigned line, col;
		cfg_where(&c, s, &line, &col);
	}
	cfg_free(&c);

	parse_size(s, &u, err, sizeof(err));
	parse_duration(s, &u, err, sizeof(err));
	parse_rate_ops(s, &d, err, sizeof(err));
	parse_rate_bytes(s, &d, err, sizeof(err));
	if (parse_cpulist(s, &set, err, sizeof(err)) == 0) {
		cpulist_format(&set, buf, sizeof(buf));
		cpulist_count(&set);
	}
	free(s);
	return 0;
}
