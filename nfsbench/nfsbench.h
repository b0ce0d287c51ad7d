/* nfsbench.h - settings, statistics and the engine interface of nfsbench. */
#ifndef NFSBENCH_H
#define NFSBENCH_H

#include <stdbool.h>
#include <stdint.h>

#include "hist.h"
#include <stdio.h>

#include "nfsio.h"
#include "profile.h"

#define NB_SCHEMA "nfsbench/1"
/* The exit codes every nfsbench --help lists (cli.c decides them). */
#define NB_EXITS                                                                             \
	"  0   done, every operation succeeded\n"                                              \
	"  1   the run failed, operations failed, or --verify found bad data\n"                \
	"  2   usage or profile error (nothing run)\n"                                         \
	"  130 interrupted (Ctrl-C): the results so far are printed\n"
#define NB_MAX_CONNS 256 /* XIDs: connection index in the top 8 bits */
#define NB_MAX_SLOTS 4096
#define NB_MAX_ERRKINDS 16
#define NB_VERIFY_BLOCK 4096

/* Quick-mode access patterns (the command line's --rw). */
enum nb_rw { NB_RW_READ, NB_RW_WRITE, NB_RW_RANDREAD, NB_RW_RANDWRITE, NB_RW_RANDRW, NB_RW_RW };

/* What an MPI driver (mpi_main.c) adds to a run; NULL for one guest. */
struct nb_config;
struct nb_result;
struct nb_hooks {
	void *arg;
	int rank; /* for "%r" in --trace paths */
	/* Called once per run, after layout and before the clock starts, also
	 * when this rank failed earlier: every rank meets here. */
	void (*barrier)(void *arg);
	/* Called instead of the local report (cfg and res are NULL when the
	 * command line was refused): returns the exit code. */
	int (*finish)(void *arg, const struct nb_config *cfg, struct nb_result *res, int run_rc);
};

struct nb_config {
	const struct nb_hooks *hooks;
	const char *url;
	char server[256];
	char export[1024];
	struct nb_profile prof; /* the workload: a loaded profile or quick mode's one group */
	const char *profile_path; /* NULL in quick mode */
	/* quick mode, as given (for the report) */
	enum nb_rw rw;
	unsigned rwmixread;
	uint64_t bs, size;
	uint64_t rsize, wsize; /* asked per RPC (0: bs) */
	/* quick mode: connections and slots chosen (not given) for RPCs of
	 * chosen_for bytes (see nb_choose_concurrency) */
	bool conns_chosen, slots_chosen;
	uint64_t chosen_for;
	uint64_t seed;
	uint64_t timeout_ns;
	bool verify;
	bool json;
	int progress; /* -1 auto (terminal), 0 off, 1 on */
	const char *trace_path;
	FILE *out; /* --output: the results (NULL: standard output) */
	uint64_t status_ns; /* --status-interval: interval results this often (0: none) */
	/* from the server's FSINFO */
	uint32_t rtmax, wtmax;
};

/* Pseudo-status codes for transport outcomes in error tables. */
#define NB_ST_TRANSPORT 0x80000000u
#define NB_ST_VERIFY 0x40000000u /* data read back was not what was written */

struct nb_errcount {
	uint32_t status;
	uint64_t count;
};

struct nb_opstat {
	uint64_t count;  /* completed without error */
	uint64_t bytes;
	uint64_t errors; /* NFS errors, transport failures, verify failures */
	struct nb_errcount err[NB_MAX_ERRKINDS];
	unsigned nerr;
	uint64_t err_other; /* kinds beyond NB_MAX_ERRKINDS */
	/* operations (of a workload's mix) that the mix asked for but that
	 * could not run at all (no file left, nothing to rmdir), and those
	 * that had to wait for their file before they could start */
	uint64_t skipped, deferred;
	struct hist lat;
};

struct nb_stats {
	struct nb_opstat op[NB_K_MAX];   /* operations, as a workload sees them */
	struct nb_opstat rpc[NB_OP_MAX]; /* the RPCs they were made of */
	uint64_t rpcs_issued;            /* every RPC put on the wire, counted or not */
	uint64_t rpcs_uncounted;         /* layout, ramp, drain */
	uint64_t conn_errors;            /* connections lost */
	uint64_t reconnects;
	uint64_t verify_errors;
	uint64_t verify_unjudged; /* blocks read that no verify run wrote (see nb_verify_check) */
	/* per-second series of counted operations, index = second of the timed phase */
	uint64_t *iv_ops, *iv_bytes;
	unsigned niv;
};

void nb_stats_init(struct nb_stats *s);
void nb_stats_free(struct nb_stats *s);
/* dst += src, including the interval series; returns 0 or ENOMEM. */
int nb_stats_merge(struct nb_stats *dst, const struct nb_stats *src);
void nb_opstat_error(struct nb_opstat *o, uint32_t status);
int nb_stats_iv_add(struct nb_stats *s, unsigned sec, uint64_t bytes);

struct nb_group_result {
	struct nb_stats st;
	uint64_t elapsed_ns;
};

/* One MPI rank's line in a many-guest report. */
struct nb_rank_row {
	int rank;
	char host[64], netns[64];
	const char *status; /* ok, failed, interrupted, refused */
	char error[256];
	uint64_t ops, bytes, errors, p99_ns;
	double ops_per_sec, bytes_per_sec;
};

struct nb_result {
	struct nb_stats total;
	struct nb_group_result groups[NB_MAX_GROUPS];
	uint64_t elapsed_ns;  /* timed phase */
	uint64_t start_real_ns, end_real_ns; /* the timed phase on CLOCK_REALTIME */
	double user_s, sys_s; /* client CPU over the timed phase */
	int interrupted;      /* Ctrl-C */
	int failed;           /* the run could not finish */
	char error[512];
	uint64_t laid_out_bytes;
	unsigned relaid_files; /* verify: found, but not known to hold verify blocks only */
	/* stonewall: everything counted when the first group finished */
	bool have_stonewall;
	unsigned stonewall_group;
	uint64_t stonewall_ns;
	struct nb_stats stonewall;
	/* MPI: every rank, in rank order (none for one guest) */
	struct nb_rank_row *ranks;
	unsigned nranks;
};

/* Run the whole benchmark (connect, lay out, ramp, timed phase, drain).
 * Returns 0 when it ran (res->failed may still be set with partial results
 * when the server died), or an errno with res->error set when it could not
 * start at all. */
int nb_run(struct nb_config *cfg, struct nb_result *res);
void nb_result_free(struct nb_result *res);
/* The anchor of the engine's cost per RPC: n 4 KiB READs of file (in the
 * export's root, NFSv3), slots in flight, straight on libnfs (see
 * nfsio_bare_reads). Returns 0 or an errno value with a reason in err. */
int nb_bare_read(const char *server, const char *export, const char *file, unsigned slots, uint64_t n,
		 char *err, size_t errlen);

/* Quick mode's concurrency when --connections or --slots is not given:
 * slots so that one connection has about NB_CONN_INFLIGHT bytes of RPCs in
 * flight (at most NB_AUTO_SLOTS_MAX), then connections so that the path
 * has about NB_PATH_INFLIGHT, at most one per CPU of the client (cpus; at
 * least 2, at most NB_AUTO_CONNS_MAX). Why these values: README, "What
 * limits one connection". A value given (non-zero *connections or *slots)
 * is kept, and the other is chosen around it. rpc_bytes is the size of one
 * READ or WRITE asked for (0 counts as 1); above NB_RPC_MAX it counts as
 * NB_RPC_MAX, the most libnfs 4.0 carries in one (NFS_MAX_XFER_SIZE). */
#define NB_RPC_MAX (1u << 20)
#define NB_CONN_INFLIGHT (1u << 20)
#define NB_PATH_INFLIGHT (2u << 20)
#define NB_AUTO_SLOTS_MAX 64u
#define NB_AUTO_CONNS_MAX 4u
void nb_choose_concurrency(uint64_t rpc_bytes, long cpus, unsigned *connections, unsigned *slots);

/* Set by the SIGINT handler. */
extern volatile int nb_stop;

/* cli.c: the whole program; main.c and mpi_main.c call it */
int nb_cli_main(int argc, char **argv, const struct nb_hooks *hooks);

/* report.c */
int nb_report(const struct nb_config *cfg, const struct nb_result *res);
const char *nb_rw_name(enum nb_rw rw);
/* An error table's status: "NFS3ERR_NOENT", "RPC_TIMEOUT", "VERIFY_MISMATCH"... */
const char *nb_status_name(uint32_t status, char *buf, size_t len);

/* crc32c.c: CRC-32C of len bytes, continuing crc (0 to start). nb_crc32c
 * uses the CPU's instruction where there is one, else the table. */
uint32_t nb_crc32c(uint32_t crc, const void *buf, size_t len);
uint32_t nb_crc32c_table(uint32_t crc, const void *buf, size_t len);
/* What nb_crc32c uses: "sse4.2" or "table". */
const char *nb_crc32c_impl(void);
/* Make nb_crc32c use the table (tests; the benchmark's anchor). */
void nb_crc32c_force_table(bool on);

/* verify.c: blocks of NB_VERIFY_BLOCK bytes carry a header and a CRC32C */
void nb_verify_fill(unsigned char *buf, size_t len, uint32_t file, uint64_t off, uint32_t gen, uint64_t seed);
/* Check len bytes read at off of file: returns 0, or the status
 * NB_ST_VERIFY with a one-line description in msg. strict is for files
 * known to hold verify blocks only; otherwise (a file some run wrote
 * without --verify, or with another seed) a block with no header, or one
 * intact but of another seed, is not judged but counted in *unjudged: its
 * expected content is unknown. */
int nb_verify_check(const unsigned char *buf, size_t len, uint32_t file, const char *name, uint64_t off,
		    uint64_t seed, bool strict, uint64_t *unjudged, char *msg, size_t msglen);
/* Is the block at buf block off of file written with seed (its header
 * says so; the CRC is not checked)? Tells who wrote a file, not whether
 * it is intact. */
bool nb_verify_owned(const unsigned char *buf, uint32_t file, uint64_t off, uint64_t seed);
/* The modification time (seconds) a verify run gives the files it wrote,
 * once every block of them is a verify block of this seed: a date in
 * 1999/2000 that no write (which sets the server's clock) ever leaves. A
 * later verify run judges a file's blocks only when the file still has
 * this mark; any other file is laid out again. */
uint64_t nb_verify_mark(uint64_t seed);
/* `nfsbench verify-bench`: the bytes/s per core of nb_verify_check with
 * nb_crc32c's choice and with the table, one line each. */
int nb_verify_bench_main(int argc, char **argv);

#endif
