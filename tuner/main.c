/* main.c - entry point of nfstune (see README.md and ../shared/DESIGN.md). */
#include <stdio.h>
#include <string.h>

#include "err.h"

#define VERSION "0.1"

static void usage(FILE *f)
{
	fprintf(f, "usage: nfstune [--help] [--version]\n");
}

int main(int argc, char **argv)
{
	err_set_prog("nfstune");
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		usage(stdout);
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "--version")) {
		printf("nfstune " VERSION "\n");
		return 0;
	}
	usage(stderr);
	return 2;
}
