/* err.c - "prog: message" reporting for main() and its helpers. The library
 * proper returns errno values and messages; only programs print them. */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>

static const char *prog_name = "nfstk";

void err_set_prog(const char *name)
{
	if (name && *name) {
		/* "/usr/bin/nfsbench" reads better as "nfsbench" */
		const char *p = name;
		for (const char *s = name; *s; s++)
			if (*s == '/' && s[1])
				p = s + 1;
		prog_name = p;
	}
}

const char *err_prog(void)
{
	return prog_name;
}

/* Format the whole line first so concurrent threads do not interleave the
 * prefix of one message with the text of another. */
static void emit(const char *kind, const char *fmt, va_list ap)
{
	char buf[1024];
	int n = snprintf(buf, sizeof(buf), "%s: %s", prog_name, kind);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(buf))
		vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
	fprintf(stderr, "%s\n", buf);
}

void err_msg(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	emit("", fmt, ap);
	va_end(ap);
}

void err_warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	emit("warning: ", fmt, ap);
	va_end(ap);
}
