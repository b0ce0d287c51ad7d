/* cli.h - what the command lines of nfsbench, nfstune and nfscap share: the
 * toolkit's one version, the closing lines of every --help (--help,
 * --version, exit codes), the two-line usage error, and output files opened
 * before any work. Messages go through err.h ("prog: message"). */
#ifndef NFSTK_CLI_H
#define NFSTK_CLI_H

#include <stdio.h>

/* One version for the whole toolkit: the three programs ship together. */
#define NFSTK_VERSION "1.1"

/* The exit code of a usage error in every program. */
#define CLI_EX_USAGE 2

/* "prog (nfs-toolkit) VERSION" on stdout. Returns 0, the exit code. */
int cli_version(void);

/* The end of a help text: the --help and --version lines, then "exit
 * status:" and exits (the program's lines, each ending in '\n'). */
void cli_help_tail(FILE *f, const char *exits);

/* A usage error: "prog: message", then one line pointing to the help of
 * cmd (a subcommand, or NULL for the program). Returns CLI_EX_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The usage error for what getopt_long returned as c ('?' or ':', with
 * opterr = 0 and an optstring that starts with ':'), the option taken from
 * argv. Returns CLI_EX_USAGE. */
int cli_bad_option(const char *cmd, char *const *argv, int c);

/* Open output file path for option opt ("--html") before any work starts;
 * "-" is standard output. NULL after printing "prog: path: why". */
FILE *cli_open_out(const char *opt, const char *path);

#endif
