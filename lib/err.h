/* err.h - one error-reporting style: "prog: message" on stderr, one line.
 * Library code returns errno values and fills messages; only main() exits. */
#ifndef NFSTK_ERR_H
#define NFSTK_ERR_H

void err_set_prog(const char *name);
const char *err_prog(void);
/* "prog: message\n" */
void err_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "prog: warning: message\n" */
void err_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
