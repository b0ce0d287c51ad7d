/* html.h - the one HTML escaper of the toolkit's reports (nfscap's and
 * nfstune sweep's): text and attribute values, UTF-8 passed through. */
#ifndef NFSTK_HTML_H
#define NFSTK_HTML_H

#include <stdio.h>

void html_esc(FILE *f, const char *s);

#endif
