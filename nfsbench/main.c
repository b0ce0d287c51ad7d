/* main.c - nfsbench: NFS load generator for KVM guests (see README.md). */
#include "err.h"
#include "nfsbench.h"

int main(int argc, char **argv)
{
	err_set_prog("nfsbench");
	return nb_cli_main(argc, argv, NULL);
}
