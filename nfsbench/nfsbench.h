/* nfsbench.h - settings, statistics and the engine interface of nfsbench. */
#ifndef NFSBENCH_H
#define NFSBENCH_H

#include <stdbool.h>
#include <stdint.h>

#include "hist.h"
#include "nfsio.h"

#define NB_SCHEMA "nfsbench/1"
#define NB_MAX_CONNS 256 /* XIDs: connection index in the top 8 bits */
#define NB_MAX_SLOTS 4096
#define NB_MAX_ERRKINDS 16

enum nb_rw { NB_RW_READ, NB_RW_WRITE, NB_RW_RANDREAD, NB_RW_RANDWRITE, NB_RW_RANDRW, NB_RW_RW };

struct nb_config {
	const char *url;
	char server[256];
	char export[1024];
	const char *file;      /* name in the export's root */
	enum nb_rw rw;
	unsigned rwmixread;    /* percent of reads in rw/randrw */
	uint64_t bs;           /* bytes per operation */
	uint64_t size;         /* file (region) size */
	uint64_t rsize, wsize; /* bytes per READ/WRITE RPC asked (0: bs) */
	unsigned connections, slots, threads;
	int stable;            /* 0 unstable, 1 data, 2 file */
	uint64_t time_ns, ramp_ns, ops_limit, timeout_ns;
	uint64_t seed;
	bool json;
	int progress;          /* -1 auto (terminal), 0 off, 1 on */
	const char *trace_path;
	/* filled in by the engine from the server's FSINFO */
	uint32_t rtmax, wtmax;
	uint32_t rsize_used, wsize_used;
};

/* Pseudo-status codes for transport outcomes in error tables. */
#define NB_ST_TRANSPORT 0x80000000u

struct nb_errcount {
	uint32_t status;
	uint64_t count;
};

struct nb_opstat {
	uint64_t count;  /* completed with NFS3_OK */
	uint64_t bytes;
	uint64_t errors; /* NFS errors and transport failures */
	struct nb_errcount err[NB_MAX_ERRKINDS];
	unsigned nerr;
	uint64_t err_other; /* kinds beyond NB_MAX_ERRKINDS */
	struct hist lat;
};

struct nb_stats {
	struct nb_opstat op[NB_OP_MAX];
	uint64_t rpcs_issued;     /* every RPC put on the wire, counted or not */
	uint64_t rpcs_uncounted;  /* ramp, drain */
	uint64_t conn_errors;     /* connections lost */
	uint64_t reconnects;
	/* per-second series of counted completions, index = second of the timed phase */
	uint64_t *iv_ops, *iv_bytes;
	unsigned niv;
};

void nb_stats_init(struct nb_stats *s);
void nb_stats_free(struct nb_stats *s);
/* dst += src, including the interval series; returns 0 or ENOMEM. */
int nb_stats_merge(struct nb_stats *dst, const struct nb_stats *src);
void nb_opstat_error(struct nb_opstat *o, uint32_t status);

struct nb_result {
	struct nb_stats total;
	uint64_t elapsed_ns;      /* timed phase */
	double user_s, sys_s;     /* client CPU over the timed phase */
	int interrupted;          /* Ctrl-C */
	int failed;               /* the run could not finish */
	char error[512];
	uint64_t laid_out_bytes;
};

/* Run the whole benchmark (connect, lay out, ramp, timed phase, drain).
 * Returns 0 when it ran (res->failed may still be set with partial results
 * when the server died), or an errno with res->error set when it could not
 * start at all. */
int nb_run(struct nb_config *cfg, struct nb_result *res);
void nb_result_free(struct nb_result *res);

/* Set by the SIGINT handler. */
extern volatile int nb_stop;

/* report.c */
int nb_report(const struct nb_config *cfg, const struct nb_result *res);
const char *nb_rw_name(enum nb_rw rw);

#endif
