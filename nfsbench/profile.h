/* profile.h - nfsbench workload profiles (FFSB-like): a fileset and thread
 * groups of weighted operations. The command line's quick mode is turned
 * into a one-group profile, so there is one engine code path. */
#ifndef NFSBENCH_PROFILE_H
#define NFSBENCH_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Operations a thread group can weigh. Order is part of the JSON output
 * only by name; append new kinds at the end. */
enum nb_kind {
	NB_K_READ,      /* read read_size bytes at an offset, read_bs per READ */
	NB_K_READALL,   /* read a whole file */
	NB_K_WRITE,     /* overwrite write_size bytes inside a file */
	NB_K_WRITEALL,  /* rewrite a whole file */
	NB_K_APPEND,    /* write write_size bytes at the end of a file */
	NB_K_CREATE,    /* create a new file with data (size from size_weight) */
	NB_K_DELETE,    /* remove a file */
	NB_K_STAT,      /* GETATTR */
	NB_K_LOOKUP,    /* LOOKUP by name */
	NB_K_READDIR,   /* READDIRPLUS of a whole directory */
	NB_K_RENAME,    /* LOOKUP + RENAME within the directory */
	NB_K_MKDIR,     /* MKDIR of a new directory */
	NB_K_RMDIR,     /* RMDIR of a directory made by mkdir */
	NB_K_OPEN_CLOSE,/* LOOKUP + ACCESS + GETATTR, as a client opening a file */
	NB_K_COMMIT,    /* COMMIT (fsync) a file */
	NB_K_MAX
};
const char *nb_kind_name(unsigned k);

#define NB_MAX_GROUPS 16
#define NB_MAX_SIZES 16

struct nb_sizew {
	uint64_t size;
	unsigned weight;
};

struct nb_fileset {
	char dir[256];     /* under the export's root; "" = the root itself */
	unsigned ndirs;    /* subdirectories d0000...; 0 = files directly in dir */
	unsigned nfiles;
	struct nb_sizew sizes[NB_MAX_SIZES];
	unsigned nsizes;
	unsigned fill_pct; /* percent of each file written at layout */
	bool reuse;        /* keep files of the right size from an earlier run */
	bool shared;       /* MPI: every rank uses this fileset (else its own, dir/rankN) */
	char single[256];  /* quick mode: this one file, shared by all threads */
};

struct nb_group {
	char name[64];
	unsigned threads, connections, slots;
	unsigned weight[NB_K_MAX];
	unsigned wsum;
	uint64_t read_size, read_bs, write_size, write_bs;
	bool random;
	uint64_t op_delay_ns;
	double rate_iops, rate_bytes; /* 0 = closed loop */
	bool poisson;                 /* arrivals: Poisson (default) or fixed */
	uint64_t ops_limit;           /* a fixed amount of work (0: by time) */
	int stable;                   /* WRITE stability: 0 unstable, 1 data, 2 file */
};

struct nb_profile {
	struct nb_fileset fs;
	struct nb_group groups[NB_MAX_GROUPS];
	unsigned ngroups;
	uint64_t time_ns, ramp_ns;
	bool stonewall;
	/* optional, from the profile; the command line overrides them */
	char url[1024];
	uint64_t seed, timeout_ns;
	bool verify;
	unsigned nfs_version;
};

/* Load FILE into *p (zeroed first). Returns 0, or EINVAL/errno with one line
 * in err naming file:line:col and the key. Unknown keys are errors, except
 * the sections nfstune reads from the same file. */
int nb_profile_load(struct nb_profile *p, const char *path, char *err, size_t errlen);

/* Check a profile (loaded or built from the command line) for values that
 * cannot run; one line in err. */
int nb_profile_check(const struct nb_profile *p, char *err, size_t errlen);

#endif
