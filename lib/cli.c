/* cli.c - the command-line conventions the three programs share (cli.h). */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <string.h>

#include "err.h"

/* The command a user types: err_prog() without an MPI rank's "[N]". */
static int prog_len(void)
{
	return (int)strcspn(err_prog(), "[");
}

int cli_version(void)
{
	printf("%.*s (nfs-toolkit) %s\n", prog_len(), err_prog(), NFSTK_VERSION);
	return 0;
}

void cli_help_tail(FILE *f, const char *exits)
{
	fprintf(f,
		"  -h, --help          this help\n"
		"  --version           the toolkit's version\n"
		"exit status:\n%s",
		exits);
}

static void pointer_line(const char *cmd)
{
	fprintf(stderr, "Try '%.*s%s%s --help' for more information.\n", prog_len(), err_prog(), cmd ? " " : "",
		cmd ? cmd : "");
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	char msg[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	err_msg("%s", msg);
	pointer_line(cmd);
	return CLI_EX_USAGE;
}

int cli_bad_option(const char *cmd, char *const *argv, int c)
{
	/* getopt leaves optind past the option it could not take */
	const char *opt = optind > 0 ? argv[optind - 1] : "?";
	char shortopt[3] = { '-', (char)optopt, 0 };
	/* "-x" bundled in "-ax": name the letter, not the bundle */
	if (optopt > 0 && optopt < 256 && strncmp(opt, "--", 2))
		opt = shortopt;
	if (c == ':')
		return cli_usage_error(cmd, "option '%s' needs a value", opt);
	return cli_usage_error(cmd, "unknown option '%s'", opt);
}

FILE *cli_open_out(const char *opt, const char *path)
{
	if (!strcmp(path, "-"))
		return stdout;
	FILE *f = fopen(path, "w");
	if (!f)
		err_msg("%s %s: %s", opt, path, strerror(errno));
	return f;
}
