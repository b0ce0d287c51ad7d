/* main.c - nfsbench: NFS load generator for KVM guests (see README.md).
 * Parses the command line into a struct nb_config, runs the engine, prints
 * the results. Only this file decides exit codes. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfg.h"
#include "err.h"
#include "nfsbench.h"
#include "pattern.h"
#include "trace.h"

#define VERSION "0.1"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: nfsbench --url nfs://SERVER/EXPORT [options]\n"
		"       nfsbench trace-dump FILE\n"
		"       nfsbench pattern [--seed N] [--offset SIZE] --length SIZE\n"
		"\n"
		"workload (quick mode, fio-like):\n"
		"  --rw MODE           read|write|randread|randwrite|randrw|rw (default read)\n"
		"  --rwmixread PCT     reads in randrw/rw, percent (default 50)\n"
		"  --bs SIZE           bytes per operation (default 4k)\n"
		"  --size SIZE         file (region) size (default 256m)\n"
		"  --file NAME         file in the export's root (default nfsbench.0)\n"
		"  --time DURATION     timed phase; the workload wraps around the file\n"
		"  --ramp DURATION     warm-up before the timed phase, not counted\n"
		"  --ops N             stop after N operations (without --time and --ops:\n"
		"                      one pass over the file)\n"
		"engine:\n"
		"  --connections C     TCP connections, each its own libnfs context (default 1, max %d)\n"
		"  --slots S           RPCs in flight per connection (default 16)\n"
		"  --threads T         threads driving the connections (default min(C, CPUs))\n"
		"  --rsize/--wsize SIZE bytes per READ/WRITE RPC (default bs), capped by FSINFO\n"
		"  --stable MODE       unstable|data|file WRITEs (default unstable, COMMIT at end)\n"
		"  --timeout DURATION  give up after this long without a reply (default 15s)\n"
		"  --seed N            seed of offsets and written data (default 1)\n"
		"output:\n"
		"  --json              results as JSON (schema nfsbench/1)\n"
		"  --trace FILE        one record per RPC (see nfsbench/trace.h; dump with trace-dump)\n"
		"  --progress / --no-progress   live line on stderr (default: when a terminal)\n",
		NB_MAX_CONNS);
}

static void on_sigint(int sig)
{
	(void)sig;
	if (nb_stop)
		_exit(130); /* second Ctrl-C: leave now */
	nb_stop = 1;
}

/* nfs://server[:port]/export, server may be [v6]. */
static int parse_url(struct nb_config *c, const char *url)
{
	const char *p = url;
	if (strncmp(p, "nfs://", 6) != 0) {
		err_msg("--url: '%s' does not start with nfs://", url);
		return -1;
	}
	p += 6;
	const char *slash = strchr(p, '/');
	if (!slash || slash == p) {
		err_msg("--url: '%s' has no server or no export path (nfs://SERVER/EXPORT)", url);
		return -1;
	}
	size_t n = (size_t)(slash - p);
	if (n >= sizeof(c->server)) {
		err_msg("--url: server name too long");
		return -1;
	}
	memcpy(c->server, p, n);
	c->server[n] = 0;
	if (c->server[0] == '[' && c->server[n - 1] == ']') {
		memmove(c->server, c->server + 1, n - 2);
		c->server[n - 2] = 0;
	} else if (strchr(c->server, ':')) {
		err_msg("--url: ports are not supported in '%s' (the portmapper finds the NFS port)", url);
		return -1;
	}
	const char *q = strchr(slash, '?');
	n = q ? (size_t)(q - slash) : strlen(slash);
	if (q) {
		err_msg("--url: options after '?' are not supported; use nfsbench's own options");
		return -1;
	}
	if (n >= sizeof(c->export)) {
		err_msg("--url: export path too long");
		return -1;
	}
	memcpy(c->export, slash, n);
	c->export[n] = 0;
	while (n > 1 && c->export[n - 1] == '/')
		c->export[--n] = 0;
	return 0;
}

static int num_opt(const char *name, const char *v, uint64_t lo, uint64_t hi, uint64_t *out)
{
	char *end;
	if (!*v || *v == '-') {
		err_msg("--%s: '%s' is not a number", name, v);
		return -1;
	}
	unsigned long long x = strtoull(v, &end, 10);
	if (*end) {
		err_msg("--%s: '%s' is not a number", name, v);
		return -1;
	}
	if (x < lo || x > hi) {
		err_msg("--%s: %llu is out of range %llu..%llu", name, x, (unsigned long long)lo,
			(unsigned long long)hi);
		return -1;
	}
	*out = x;
	return 0;
}

static int size_opt(const char *name, const char *v, uint64_t *out)
{
	char err[256];
	if (parse_size(v, out, err, sizeof(err))) {
		err_msg("--%s: %s", name, err);
		return -1;
	}
	return 0;
}

static int dur_opt(const char *name, const char *v, uint64_t *out)
{
	char err[256];
	if (parse_duration(v, out, err, sizeof(err))) {
		err_msg("--%s: %s", name, err);
		return -1;
	}
	return 0;
}

enum {
	O_URL = 256, O_RW, O_MIX, O_BS, O_SIZE, O_FILE, O_TIME, O_RAMP, O_OPS, O_CONN, O_SLOTS, O_THREADS,
	O_RSIZE, O_WSIZE, O_STABLE, O_TIMEOUT, O_SEED, O_JSON, O_TRACE, O_PROGRESS, O_NOPROGRESS, O_HELP,
	O_VERSION
};

static const struct option longopts[] = {
	{ "url", required_argument, 0, O_URL },	       { "rw", required_argument, 0, O_RW },
	{ "rwmixread", required_argument, 0, O_MIX },  { "bs", required_argument, 0, O_BS },
	{ "size", required_argument, 0, O_SIZE },      { "file", required_argument, 0, O_FILE },
	{ "time", required_argument, 0, O_TIME },      { "ramp", required_argument, 0, O_RAMP },
	{ "ops", required_argument, 0, O_OPS },	       { "connections", required_argument, 0, O_CONN },
	{ "slots", required_argument, 0, O_SLOTS },    { "threads", required_argument, 0, O_THREADS },
	{ "rsize", required_argument, 0, O_RSIZE },    { "wsize", required_argument, 0, O_WSIZE },
	{ "stable", required_argument, 0, O_STABLE },  { "timeout", required_argument, 0, O_TIMEOUT },
	{ "seed", required_argument, 0, O_SEED },      { "json", no_argument, 0, O_JSON },
	{ "trace", required_argument, 0, O_TRACE },    { "progress", no_argument, 0, O_PROGRESS },
	{ "no-progress", no_argument, 0, O_NOPROGRESS }, { "help", no_argument, 0, O_HELP },
	{ "version", no_argument, 0, O_VERSION },      { 0, 0, 0, 0 }
};

static int parse_args(struct nb_config *c, int argc, char **argv)
{
	uint64_t v;
	int opt;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	bool threads_set = false;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case O_URL: c->url = optarg; if (parse_url(c, optarg)) return -1; break;
		case O_RW: {
			static const char *const m[] = { "read", "write", "randread", "randwrite", "randrw", "rw" };
			unsigned i;
			for (i = 0; i < 6 && strcmp(optarg, m[i]); i++)
				;
			if (i == 6) {
				err_msg("--rw: '%s' is not one of read, write, randread, randwrite, randrw, rw", optarg);
				return -1;
			}
			c->rw = (enum nb_rw)i;
			break;
		}
		case O_MIX: if (num_opt("rwmixread", optarg, 0, 100, &v)) return -1; c->rwmixread = (unsigned)v; break;
		case O_BS: if (size_opt("bs", optarg, &c->bs)) return -1; break;
		case O_SIZE: if (size_opt("size", optarg, &c->size)) return -1; break;
		case O_FILE:
			if (!*optarg || strchr(optarg, '/') || strlen(optarg) > 255) {
				err_msg("--file: '%s' must be a plain file name (no '/', 1..255 bytes)", optarg);
				return -1;
			}
			c->file = optarg;
			break;
		case O_TIME: if (dur_opt("time", optarg, &c->time_ns)) return -1; break;
		case O_RAMP: if (dur_opt("ramp", optarg, &c->ramp_ns)) return -1; break;
		case O_OPS: if (num_opt("ops", optarg, 1, UINT64_MAX, &c->ops_limit)) return -1; break;
		case O_CONN: if (num_opt("connections", optarg, 1, NB_MAX_CONNS, &v)) return -1; c->connections = (unsigned)v; break;
		case O_SLOTS: if (num_opt("slots", optarg, 1, NB_MAX_SLOTS, &v)) return -1; c->slots = (unsigned)v; break;
		case O_THREADS: if (num_opt("threads", optarg, 1, 1024, &v)) return -1; c->threads = (unsigned)v; threads_set = true; break;
		case O_RSIZE: if (size_opt("rsize", optarg, &c->rsize)) return -1; break;
		case O_WSIZE: if (size_opt("wsize", optarg, &c->wsize)) return -1; break;
		case O_STABLE:
			if (!strcmp(optarg, "unstable")) c->stable = 0;
			else if (!strcmp(optarg, "data")) c->stable = 1;
			else if (!strcmp(optarg, "file")) c->stable = 2;
			else { err_msg("--stable: '%s' is not one of unstable, data, file", optarg); return -1; }
			break;
		case O_TIMEOUT: if (dur_opt("timeout", optarg, &c->timeout_ns)) return -1; break;
		case O_SEED: if (num_opt("seed", optarg, 0, UINT64_MAX, &c->seed)) return -1; break;
		case O_JSON: c->json = true; break;
		case O_TRACE: c->trace_path = optarg; break;
		case O_PROGRESS: c->progress = 1; break;
		case O_NOPROGRESS: c->progress = 0; break;
		case O_HELP: case 'h': usage(stdout); exit(0);
		case O_VERSION: printf("nfsbench " VERSION "\n"); exit(0);
		default:
			err_msg("unknown or incomplete option '%s' (see nfsbench --help)", argv[optind - 1]);
			return -1;
		}
	}
	if (optind < argc) {
		err_msg("unexpected argument '%s' (see nfsbench --help)", argv[optind]);
		return -1;
	}
	if (!c->url) {
		err_msg("--url nfs://SERVER/EXPORT is required (see nfsbench --help)");
		return -1;
	}
	if (!threads_set)
		c->threads = c->connections < ncpu ? c->connections : (unsigned)(ncpu > 0 ? ncpu : 1);
	if (c->bs == 0 || c->bs > (64u << 20)) {
		err_msg("--bs must be 1 byte to 64m");
		return -1;
	}
	if ((c->rsize && (c->rsize < 512 || c->rsize > (64u << 20))) ||
	    (c->wsize && (c->wsize < 512 || c->wsize > (64u << 20)))) {
		err_msg("--rsize/--wsize must be 512 bytes to 64m");
		return -1;
	}
	if (c->size < c->bs) {
		err_msg("--size (%llu) must be at least --bs (%llu)", (unsigned long long)c->size,
			(unsigned long long)c->bs);
		return -1;
	}
	if (c->timeout_ns < 1000000000u) {
		err_msg("--timeout must be at least 1s");
		return -1;
	}
	if (c->ramp_ns && !c->time_ns) {
		err_msg("--ramp needs --time");
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	err_set_prog("nfsbench");
	if (argc > 1 && !strcmp(argv[1], "trace-dump"))
		return trace_dump_main(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "pattern"))
		return pattern_main(argc - 1, argv + 1);

	struct nb_config cfg = {
		.file = "nfsbench.0", .rw = NB_RW_READ, .rwmixread = 50, .bs = 4096, .size = 256u << 20,
		.connections = 1, .slots = 16, .timeout_ns = 15000000000ull, .seed = 1, .progress = -1,
	};
	if (parse_args(&cfg, argc, argv))
		return 2;

	struct sigaction sa = { .sa_handler = on_sigint };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	struct nb_result res;
	int rc = nb_run(&cfg, &res);
	if (rc) {
		err_msg("%s", res.error);
		nb_result_free(&res);
		return 1;
	}
	if (nb_report(&cfg, &res)) {
		err_msg("writing results: failed");
		rc = 1;
	}
	if (res.failed)
		err_msg("run failed: %s", res.error);
	int code = res.failed ? 1 : res.interrupted ? 130 : 0;
	if (!code) {
		for (unsigned i = 0; i < NB_OP_MAX; i++)
			if (res.total.op[i].errors) {
				err_msg("%llu %s operations failed (see errors_by_status)",
					(unsigned long long)res.total.op[i].errors, nb_op_name(i));
				code = 1;
			}
	}
	nb_result_free(&res);
	return rc ? 1 : code;
}
