/* trust.h - opening what a root tool may believe: files and directories
 * that only root can change.
 *
 * A file is trusted when the opened descriptor (never the name, a moment
 * later) is a regular file owned by root and not writable by group or
 * others, and every directory on the way to it, from / down, is owned by
 * root and not writable by group or others unless its sticky bit is set
 * (/tmp): otherwise someone could swap the file after the check. In such
 * a directory a file with a second name (anyone's hard link to root's file,
 * where protected_hardlinks is off) is refused too. This is the rule of
 * sudo's and ssh's path checks.
 *
 * Owner: root; when the process is not root (euid != 0), also the
 * process's own euid. An unprivileged run can then read its own files (and
 * unprivileged unit tests run), while nothing that runs as root ever
 * trusts a file another user owns.
 *
 * The last component is never followed (O_NOFOLLOW): a symbolic link is
 * refused. A symbolic link on the way (/bin -> usr/bin) is followed only
 * when it is root's and the directory that holds it is trusted (then the
 * link is root's choice: in /tmp anyone can plant one); its target is
 * walked and checked the same way.
 *
 * Every error is one line naming the path and the reason, e.g.
 *   "/tmp/x/p.json: writable by everyone (mode 0666): anyone could change
 *    what root reads (chmod go-w /tmp/x/p.json)". */
#ifndef NFSTK_TRUST_H
#define NFSTK_TRUST_H

#include <stdbool.h>
#include <stddef.h>

/* Open path (flags: O_RDONLY, O_RDWR, O_WRONLY with O_APPEND; never
 * O_CREAT) after walking and checking its directories; check the
 * descriptor. A FIFO or device is refused without blocking. Returns the
 * descriptor (close-on-exec), or -errno with err set. */
int trust_open(const char *path, int flags, char *err, size_t len);

/* Create (mode 0644) or overwrite path for writing, as root writes an
 * output file the user named: its directories trusted as for trust_open,
 * never through a symbolic link, and an existing file only when it is a
 * trusted regular file with no other name (a hard link); truncated once
 * checked. Returns the descriptor or -errno with err set. */
int trust_create(const char *path, char *err, size_t len);

/* Open directory path (O_RDONLY | O_DIRECTORY), created with mode 0700
 * first when create and missing; it and every directory above it must be
 * trusted, and it must not be writable by group or others even when
 * sticky (its files are ours). Returns the descriptor or -errno. */
int trust_open_dir(const char *path, bool create, char *err, size_t len);

/* Read the whole trusted file into a NUL-terminated buffer (caller frees);
 * more than max bytes is an error (EFBIG). 0 or an errno value. */
int trust_read(const char *path, size_t max, char **text, size_t *textlen, char *err, size_t len);

/* The program argv0 names, found as execvp finds it (searched in PATH when
 * it holds no '/'), checked: a trusted regular executable file, every
 * directory on the way trusted; symbolic links (the last one too) followed
 * only inside trusted directories; a script's #! interpreter (an absolute
 * path) checked the same way, as deep as the kernel follows them. out: the
 * path to exec. 0 or errno. */
int trust_exec_path(const char *argv0, char *out, size_t outlen, char *err, size_t len);

/* The PATH a root tool's children may search: path's entries that are
 * trusted directories (root's, not writable by others even when sticky,
 * every directory above them too; root's links followed), in order, into out; the
 * others (relative ones such as "" and ".", and any untrusted one) listed,
 * space-separated, in dropped (may be NULL); missing ones are left out
 * quietly. As sudo's secure_path: a benchmark script that runs "nfsbench"
 * must not find one another user planted. 0 or ENAMETOOLONG. */
int trust_path_filter(const char *path, char *out, size_t outlen, char *dropped, size_t droplen);

/* The checks on an open descriptor: dir selects directory rules (sticky
 * allowed when sticky_ok). shown names it in err. 0 or an errno value. */
int trust_check_fd(int fd, const char *shown, bool dir, bool sticky_ok, char *err, size_t len);

#endif
