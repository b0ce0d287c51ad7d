/* cli.c - nfsbench's command line: parses it into a struct nb_config (a
 * profile or quick mode's one group), runs the engine, prints the results,
 * decides the exit code. main.c (one guest) and mpi_main.c (many, on MPI)
 * both call nb_cli_main(). */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfg.h"
#include "cli.h"
#include "err.h"
#include "nfsbench.h"
#include "out.h"
#include "pattern.h"
#include "trace.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: nfsbench --url nfs://SERVER/EXPORT [options]\n"
		"       nfsbench --profile FILE [--url ...] [overrides]\n"
		"       nfsbench trace-dump FILE          (nfsbench trace-dump --help)\n"
		"       nfsbench pattern --length SIZE    (nfsbench pattern --help)\n"
		"       nfsbench verify-bench             (--verify's checking rate on this CPU)\n"
		"\n"
		"workload profile (FFSB-like fileset and thread groups, see configs/):\n"
		"  --profile FILE      JSON with comments; options below override its values\n"
		"  --verify            blocks written carry a header and a CRC32C; reads check them\n"
		"  --nfs-version 3|4   NFSv3 (default: raw RPCs, nfsbench sizes each one) or NFSv4.0\n"
		"                      (libnfs's high-level API: WRITEs of at most 2 KiB, one OPEN\n"
		"                      per file and connection; no --trace, no --verify of writes)\n"
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
		"  --connections C     TCP connections, each its own libnfs context (max %d)\n"
		"  --slots S           RPCs in flight per connection\n"
		"                      (quick mode chooses both from the RPC size when not given:\n"
		"                      about 1 MiB in flight per connection, at most 64 slots,\n"
		"                      2 MiB on the path, 2 to 4 connections, at most one per CPU;\n"
		"                      the results say so)\n"
		"  --threads T         threads driving the connections (default min(C, CPUs))\n"
		"  --rsize/--wsize SIZE bytes per READ/WRITE RPC (default bs), capped by FSINFO\n"
		"  --stable MODE       unstable|data|file WRITEs (default unstable, COMMIT at end)\n"
		"  --timeout DURATION  give up after this long without a reply (default 15s)\n"
		"  --seed N            seed of offsets and written data (default 1)\n"
		"output:\n"
		"  --check             check the profile and options, print what would run, exit\n"
		"                      (no server contacted; also --parse-only)\n"
		"  --json              results as JSON (schema nfsbench/1)\n"
		"  --output FILE       the results into FILE instead of standard output (opened\n"
		"                      before the run)\n"
		"  --status-interval D interval results every D (at least 1s) while it runs, before\n"
		"                      the results: a text line, or a JSON object per line with --json\n"
		"  --trace FILE        one record per RPC (see nfsbench/trace.h; dump with trace-dump)\n"
		"  --progress / --no-progress   live line on stderr (default: when a terminal)\n",
		NB_MAX_CONNS);
	cli_help_tail(f, NB_EXITS);
}

/* An exit before the run: in an MPI job this rank still meets the others
 * (barrier, results) so that they are not left waiting. */
static int nb_cli_abort(const struct nb_hooks *hooks, int code)
{
	if (hooks && hooks->finish)
		return hooks->finish(hooks->arg, NULL, NULL, code);
	return code;
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
		cli_usage_error(NULL, "--url: '%s' does not start with nfs://", url);
		return -1;
	}
	p += 6;
	const char *slash = strchr(p, '/');
	if (!slash || slash == p) {
		cli_usage_error(NULL, "--url: '%s' has no server or no export path (nfs://SERVER/EXPORT)", url);
		return -1;
	}
	size_t n = (size_t)(slash - p);
	if (n >= sizeof(c->server)) {
		cli_usage_error(NULL, "--url: server name too long");
		return -1;
	}
	memcpy(c->server, p, n);
	c->server[n] = 0;
	if (c->server[0] == '[' && c->server[n - 1] == ']') {
		memmove(c->server, c->server + 1, n - 2);
		c->server[n - 2] = 0;
	} else if (strchr(c->server, ':')) {
		cli_usage_error(NULL, "--url: ports are not supported in '%s' (the portmapper finds the NFS port)", url);
		return -1;
	}
	const char *q = strchr(slash, '?');
	n = q ? (size_t)(q - slash) : strlen(slash);
	if (q) {
		cli_usage_error(NULL, "--url: options after '?' are not supported; use nfsbench's own options");
		return -1;
	}
	if (n >= sizeof(c->export)) {
		cli_usage_error(NULL, "--url: export path too long");
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
	char err[256];
	if (parse_u64(v, lo, hi, out, err, sizeof(err))) {
		cli_usage_error(NULL, "--%s: %s", name, err);
		return -1;
	}
	return 0;
}

static int size_opt(const char *name, const char *v, uint64_t *out)
{
	char err[256];
	if (parse_size(v, out, err, sizeof(err))) {
		cli_usage_error(NULL, "--%s: %s", name, err);
		return -1;
	}
	return 0;
}

/* `nfsbench bare-read URL FILE SLOTS OPS`: the benchmark's anchor (see
 * nb_bare_read); not in the usage, it measures nfsbench, not a server. */
static int bare_read_main(int argc, char **argv)
{
	static struct nb_config c;
	uint64_t slots, ops;
	char err[512];
	if (argc != 5) {
		err_msg("usage: nfsbench bare-read nfs://SERVER/EXPORT FILE SLOTS OPS");
		return 2;
	}
	if (parse_url(&c, argv[1]) || num_opt("slots", argv[3], 1, NB_MAX_SLOTS, &slots) ||
	    num_opt("ops", argv[4], 1, UINT64_MAX, &ops))
		return 2;
	if (nb_bare_read(c.server, c.export, argv[2], (unsigned)slots, ops, err, sizeof(err))) {
		err_msg("bare-read: %s", err);
		return 1;
	}
	printf("%llu READs\n", (unsigned long long)ops);
	return 0;
}

static int dur_opt(const char *name, const char *v, uint64_t *out)
{
	char err[256];
	if (parse_duration(v, out, err, sizeof(err))) {
		cli_usage_error(NULL, "--%s: %s", name, err);
		return -1;
	}
	return 0;
}

enum {
	O_URL = 256, O_RW, O_MIX, O_BS, O_SIZE, O_FILE, O_TIME, O_RAMP, O_OPS, O_CONN, O_SLOTS, O_THREADS,
	O_RSIZE, O_WSIZE, O_STABLE, O_TIMEOUT, O_SEED, O_JSON, O_TRACE, O_PROGRESS, O_NOPROGRESS, O_HELP,
	O_VERSION, O_PROFILE, O_VERIFY, O_NFSVERS, O_CHECK, O_OUTPUT, O_STATUS
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
	{ "version", no_argument, 0, O_VERSION },      { "profile", required_argument, 0, O_PROFILE },
	{ "verify", no_argument, 0, O_VERIFY },	       { "nfs-version", required_argument, 0, O_NFSVERS },
	{ "check", no_argument, 0, O_CHECK },	       { "parse-only", no_argument, 0, O_CHECK },
	{ "output", required_argument, 0, O_OUTPUT },  { "status-interval", required_argument, 0, O_STATUS },
	{ 0, 0, 0, 0 }
};

/* What the command line said; `set` marks options given, which override a
 * profile's values. */
struct cli {
	const char *url, *file, *profile, *output;
	bool check;
	uint64_t time_ns, ramp_ns, ops, timeout_ns, seed;
	unsigned connections, slots, threads;
	int stable;
	bool set[O_STATUS + 1];
	unsigned nfs_version;
};

static bool is_quick_opt(int o)
{
	return o == O_RW || o == O_MIX || o == O_BS || o == O_SIZE || o == O_FILE;
}

static int parse_args(struct nb_config *c, struct cli *l, int argc, char **argv)
{
	uint64_t v;
	int opt;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		if (opt >= O_URL && opt <= O_STATUS)
			l->set[opt] = true;
		switch (opt) {
		case O_URL: l->url = optarg; break;
		case O_RW: {
			static const char *const m[] = { "read", "write", "randread", "randwrite", "randrw", "rw" };
			unsigned i;
			for (i = 0; i < 6 && strcmp(optarg, m[i]); i++)
				;
			if (i == 6) {
				cli_usage_error(NULL, "--rw: '%s' is not one of read, write, randread, randwrite, randrw, rw", optarg);
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
				cli_usage_error(NULL, "--file: '%s' must be a plain file name (no '/', 1..255 bytes)", optarg);
				return -1;
			}
			l->file = optarg;
			break;
		case O_TIME: if (dur_opt("time", optarg, &l->time_ns)) return -1; break;
		case O_RAMP: if (dur_opt("ramp", optarg, &l->ramp_ns)) return -1; break;
		case O_OPS: if (num_opt("ops", optarg, 1, UINT64_MAX, &l->ops)) return -1; break;
		case O_CONN: if (num_opt("connections", optarg, 1, NB_MAX_CONNS, &v)) return -1; l->connections = (unsigned)v; break;
		case O_SLOTS: if (num_opt("slots", optarg, 1, NB_MAX_SLOTS, &v)) return -1; l->slots = (unsigned)v; break;
		case O_THREADS: if (num_opt("threads", optarg, 1, 1024, &v)) return -1; l->threads = (unsigned)v; break;
		case O_RSIZE: if (size_opt("rsize", optarg, &c->rsize)) return -1; break;
		case O_WSIZE: if (size_opt("wsize", optarg, &c->wsize)) return -1; break;
		case O_STABLE:
			if (!strcmp(optarg, "unstable")) l->stable = 0;
			else if (!strcmp(optarg, "data")) l->stable = 1;
			else if (!strcmp(optarg, "file")) l->stable = 2;
			else { cli_usage_error(NULL, "--stable: '%s' is not one of unstable, data, file", optarg); return -1; }
			break;
		case O_TIMEOUT: if (dur_opt("timeout", optarg, &l->timeout_ns)) return -1; break;
		case O_SEED: if (num_opt("seed", optarg, 0, UINT64_MAX, &l->seed)) return -1; break;
		case O_JSON: c->json = true; break;
		case O_TRACE: c->trace_path = optarg; break;
		case O_PROGRESS: c->progress = 1; break;
		case O_NOPROGRESS: c->progress = 0; break;
		case O_PROFILE: l->profile = optarg; break;
		case O_VERIFY: c->verify = true; break;
		case O_CHECK: l->check = true; break;
		case O_OUTPUT: l->output = optarg; break;
		case O_STATUS:
			if (dur_opt("status-interval", optarg, &c->status_ns)) return -1;
			if (c->status_ns < 1000000000u) {
				cli_usage_error(NULL, "--status-interval must be at least 1s");
				return -1;
			}
			break;
		case O_NFSVERS: if (num_opt("nfs-version", optarg, 3, 4, &v)) return -1; l->nfs_version = (unsigned)v; break;
		case O_HELP: case 'h': usage(stdout); exit(0);
		case O_VERSION: cli_version(); exit(0);
		default:
			cli_bad_option(NULL, argv, opt);
			return -1;
		}
	}
	if (optind < argc) {
		cli_usage_error(NULL, "unexpected argument '%s'", argv[optind]);
		return -1;
	}
	if (l->profile)
		for (int o = O_URL; o <= O_NFSVERS; o++)
			if (l->set[o] && is_quick_opt(o)) {
				cli_usage_error(NULL, "--%s describes a quick-mode workload; with --profile, put it in the profile",
					longopts[o - O_URL].name);
				return -1;
			}
	if (c->bs == 0 || c->bs > (64u << 20)) {
		cli_usage_error(NULL, "--bs must be 1 byte to 64m");
		return -1;
	}
	if ((c->rsize && (c->rsize < 512 || c->rsize > (64u << 20))) ||
	    (c->wsize && (c->wsize < 512 || c->wsize > (64u << 20)))) {
		cli_usage_error(NULL, "--rsize/--wsize must be 512 bytes to 64m");
		return -1;
	}
	if (c->size < c->bs) {
		cli_usage_error(NULL, "--size (%llu) must be at least --bs (%llu)", (unsigned long long)c->size,
			(unsigned long long)c->bs);
		return -1;
	}
	if (l->set[O_TIMEOUT] && l->timeout_ns < 1000000000u) {
		cli_usage_error(NULL, "--timeout must be at least 1s");
		return -1;
	}
	return 0;
}

void nb_choose_concurrency(uint64_t rpc_bytes, long cpus, unsigned *connections, unsigned *slots)
{
	uint64_t rpc = rpc_bytes < 1 ? 1 : rpc_bytes > NB_RPC_MAX ? NB_RPC_MAX : rpc_bytes;
	if (!*slots) {
		uint64_t s = NB_CONN_INFLIGHT / rpc;
		*slots = s < 1 ? 1 : s > NB_AUTO_SLOTS_MAX ? NB_AUTO_SLOTS_MAX : (unsigned)s;
	}
	if (!*connections) {
		uint64_t per = rpc * *slots; /* bytes one connection has in flight */
		uint64_t c = (NB_PATH_INFLIGHT + per - 1) / per;
		/* more connections than CPUs to drive them only add polling */
		uint64_t most = cpus < 2 ? 2 : cpus > (long)NB_AUTO_CONNS_MAX ? NB_AUTO_CONNS_MAX : (uint64_t)cpus;
		*connections = c < 1 ? 1 : c > most ? (unsigned)most : (unsigned)c;
	}
}

/* Quick mode: the command line's workload as a one-group profile. */
static void quick_profile(struct nb_config *c, const struct cli *l)
{
	struct nb_profile *p = &c->prof;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	memset(p, 0, sizeof(*p));
	snprintf(p->fs.single, sizeof(p->fs.single), "%s", l->file ? l->file : "nfsbench.0");
	p->fs.nfiles = 1;
	p->fs.sizes[0] = (struct nb_sizew){ c->size, 1 };
	p->fs.nsizes = 1;
	bool reads = c->rw != NB_RW_WRITE && c->rw != NB_RW_RANDWRITE;
	p->fs.fill_pct = reads ? 100 : 0;
	p->fs.reuse = true;
	p->ngroups = 1;
	struct nb_group *g = &p->groups[0];
	snprintf(g->name, sizeof(g->name), "default");
	switch (c->rw) {
	case NB_RW_READ: case NB_RW_RANDREAD: g->weight[NB_K_READ] = 1; break;
	case NB_RW_WRITE: case NB_RW_RANDWRITE: g->weight[NB_K_WRITE] = 1; break;
	default:
		g->weight[NB_K_READ] = c->rwmixread;
		g->weight[NB_K_WRITE] = 100 - c->rwmixread;
	}
	g->random = c->rw == NB_RW_RANDREAD || c->rw == NB_RW_RANDWRITE || c->rw == NB_RW_RANDRW;
	g->read_size = g->write_size = c->bs;
	g->read_bs = c->rsize ? c->rsize : c->bs;
	g->write_bs = c->wsize ? c->wsize : c->bs;
	/* the RPCs' size decides how many fill the path: the largest that runs */
	uint64_t rpc = 0;
	if (g->weight[NB_K_READ])
		rpc = g->read_bs;
	if (g->weight[NB_K_WRITE] && g->write_bs > rpc)
		rpc = g->write_bs;
	g->connections = l->connections;
	g->slots = l->slots;
	nb_choose_concurrency(rpc, ncpu, &g->connections, &g->slots);
	c->conns_chosen = !l->connections;
	c->slots_chosen = !l->slots;
	c->chosen_for = rpc > NB_RPC_MAX ? NB_RPC_MAX : rpc;
	g->threads = l->threads ? l->threads
				: g->connections < ncpu ? g->connections : (unsigned)(ncpu > 0 ? ncpu : 1);
	g->stable = l->stable;
	/* neither --time nor --ops: one pass over the file */
	g->ops_limit = l->ops ? l->ops : l->time_ns ? 0 : (c->size / c->bs ? c->size / c->bs : 1);
	p->time_ns = l->time_ns;
	p->ramp_ns = l->ramp_ns;
}

/* Command-line values override the profile's. */
static void apply_overrides(struct nb_config *c, const struct cli *l)
{
	struct nb_profile *p = &c->prof;
	if (l->set[O_TIME]) p->time_ns = l->time_ns;
	if (l->set[O_RAMP]) p->ramp_ns = l->ramp_ns;
	for (unsigned i = 0; i < p->ngroups; i++) {
		struct nb_group *g = &p->groups[i];
		if (l->set[O_CONN]) g->connections = l->connections;
		if (l->set[O_SLOTS]) g->slots = l->slots;
		if (l->set[O_THREADS]) g->threads = l->threads;
		if (l->set[O_CONN] && !l->set[O_THREADS] && g->threads > g->connections) g->threads = g->connections;
		if (l->set[O_RSIZE]) g->read_bs = c->rsize;
		if (l->set[O_WSIZE]) g->write_bs = c->wsize;
		if (l->set[O_STABLE]) g->stable = l->stable;
		if (l->set[O_OPS]) g->ops_limit = l->ops;
	}
}

/* --check: what would run, from the checked configuration; nothing is
 * contacted. Returns the exit code. */
static int check_report(const struct nb_config *c, const char *profile, unsigned vers)
{
	const struct nb_profile *p = &c->prof;
	unsigned threads = 0, conns = 0;
	for (unsigned i = 0; i < p->ngroups; i++) {
		threads += p->groups[i].threads;
		conns += p->groups[i].connections;
	}
	char t[32], slots[64] = "";
	if (!profile)
		snprintf(slots, sizeof(slots), "%s x %u slot%s%s", c->conns_chosen ? " (chosen)" : "",
			 p->groups[0].slots, p->groups[0].slots == 1 ? "" : "s", c->slots_chosen ? " (chosen)" : "");
	printf("%s: valid: %u thread group%s, %u threads, %u connections%s, NFSv%u, %s%s%s\n",
	       profile ? profile : "quick mode", p->ngroups, p->ngroups == 1 ? "" : "s", threads, conns, slots, vers,
	       p->time_ns ? "time " : "", p->time_ns ? out_fmt_ns(t, sizeof(t), p->time_ns) : "until the ops are done",
	       c->url ? "" : " (no url yet)");
	return fflush(stdout) ? 1 : 0;
}

int nb_cli_main(int argc, char **argv, const struct nb_hooks *hooks)
{
	if (argc > 1 && !strcmp(argv[1], "trace-dump"))
		return trace_dump_main(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "pattern"))
		return pattern_main(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "bare-read"))
		return bare_read_main(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "verify-bench"))
		return nb_verify_bench_main(argc - 1, argv + 1);

	static struct nb_config cfg;
	memset(&cfg, 0, sizeof(cfg)); /* a second call (tests) starts afresh */
	cfg.rw = NB_RW_READ;
	cfg.rwmixread = 50;
	cfg.bs = 4096;
	cfg.size = 256u << 20;
	cfg.progress = -1;
	struct cli l = { .seed = 1, .timeout_ns = 15000000000ull, .nfs_version = 3 };
	cfg.hooks = hooks;
	if (parse_args(&cfg, &l, argc, argv))
		return nb_cli_abort(hooks, 2);
	char err[512];
	if (l.profile) {
		if (nb_profile_load(&cfg.prof, l.profile, err, sizeof(err))) {
			err_msg("%s", err);
			return nb_cli_abort(hooks, 2);
		}
		cfg.profile_path = l.profile;
		apply_overrides(&cfg, &l);
	} else {
		quick_profile(&cfg, &l);
	}
	const char *url = l.url ? l.url : cfg.prof.url[0] ? cfg.prof.url : NULL;
	if (!url && !l.check) {
		cli_usage_error(NULL, "--url nfs://SERVER/EXPORT is required (or \"url\" in the profile)");
		return nb_cli_abort(hooks, 2);
	}
	cfg.url = url;
	if (url && parse_url(&cfg, url))
		return nb_cli_abort(hooks, 2);
	cfg.seed = l.set[O_SEED] || !cfg.prof.seed ? l.seed : cfg.prof.seed;
	cfg.timeout_ns = l.set[O_TIMEOUT] || !cfg.prof.timeout_ns ? l.timeout_ns : cfg.prof.timeout_ns;
	cfg.verify = cfg.verify || cfg.prof.verify;
	unsigned vers = l.set[O_NFSVERS] || !cfg.prof.nfs_version ? l.nfs_version : cfg.prof.nfs_version;
	if (vers == 4) {
		/* what libnfs 4.0's high-level API cannot give, refused up front */
		bool writes = false;
		for (unsigned i = 0; i < cfg.prof.ngroups; i++) {
			const struct nb_group *g = &cfg.prof.groups[i];
			writes = writes || g->weight[NB_K_WRITE] || g->weight[NB_K_WRITEALL] || g->weight[NB_K_APPEND] ||
				 g->weight[NB_K_CREATE];
		}
		if (cfg.verify && writes) {
			cli_usage_error(NULL, "--verify with writes is not possible over NFSv4 with libnfs 4.0: its NFSv4 WRITEs "
				"carry at most 2 KiB, less than a 4 KiB verify block (lay the files out over v3, then "
				"verify reads over v4)");
			return nb_cli_abort(hooks, 2);
		}
		if (cfg.trace_path) {
			cli_usage_error(NULL, "--trace is not possible over NFSv4 with libnfs 4.0: its high-level API chooses the "
				"XIDs, so the trace could not be joined with captures; trace over NFSv3");
			return nb_cli_abort(hooks, 2);
		}
	}
	if (nfsio_set_version(vers)) {
		cli_usage_error(NULL, "--nfs-version %u is not supported", vers);
		return nb_cli_abort(hooks, 2);
	}
	if (nb_profile_check(&cfg.prof, err, sizeof(err))) {
		/* in quick mode the "profile" is the options: a usage error */
		if (l.profile)
			err_msg("%s: %s", l.profile, err);
		else
			cli_usage_error(NULL, "%s", err);
		return nb_cli_abort(hooks, 2);
	}
	if (cfg.verify) {
		for (unsigned i = 0; i < cfg.prof.ngroups; i++) {
			const struct nb_group *g = &cfg.prof.groups[i];
			if (g->read_bs % NB_VERIFY_BLOCK || g->write_bs % NB_VERIFY_BLOCK || g->read_size % NB_VERIFY_BLOCK ||
			    g->write_size % NB_VERIFY_BLOCK) {
				cli_usage_error(NULL, "--verify: read/write sizes and block sizes of group %s must be multiples of %d",
					g->name, NB_VERIFY_BLOCK);
				return nb_cli_abort(hooks, 2);
			}
			if (cfg.prof.fs.single[0] && g->weight[NB_K_READ] && g->weight[NB_K_WRITE]) {
				cli_usage_error(NULL, "--verify with a read/write mix on one file is not supported: use a profile "
					"with a fileset, where each thread owns its files");
				return nb_cli_abort(hooks, 2);
			}
		}
	}

	if (l.check)
		return nb_cli_abort(hooks, check_report(&cfg, l.profile, vers));

	/* MPI: each rank its own fileset unless the profile shares one; in
	 * quick mode "%r" in --file is the rank (default nfsbench.%r) */
	if (hooks) {
		struct nb_fileset *fs = &cfg.prof.fs;
		if (fs->single[0]) {
			char name[256];
			const char *at = strstr(fs->single, "%r");
			if (!l.file)
				snprintf(name, sizeof(name), "nfsbench.%d", hooks->rank);
			else if (at)
				snprintf(name, sizeof(name), "%.*s%d%s", (int)(at - fs->single), fs->single, hooks->rank, at + 2);
			else
				snprintf(name, sizeof(name), "%s", fs->single);
			snprintf(fs->single, sizeof(fs->single), "%s", name);
		} else if (!fs->shared) {
			size_t n = strlen(fs->dir);
			snprintf(fs->dir + n, sizeof(fs->dir) - n, "%srank%d", n ? "/" : "", hooks->rank);
		}
	}
	static char trace_path[4096];
	if (cfg.trace_path && hooks && strstr(cfg.trace_path, "%r")) {
		/* one trace per MPI rank: "%r" becomes the rank */
		const char *at = strstr(cfg.trace_path, "%r");
		snprintf(trace_path, sizeof(trace_path), "%.*s%d%s", (int)(at - cfg.trace_path), cfg.trace_path,
			 hooks->rank, at + 2);
		cfg.trace_path = trace_path;
	}

	/* outputs first: a path that cannot be written fails before the mount
	 * and the file layout, not after them (MPI: rank 0 writes the results) */
	if (l.output && (!hooks || hooks->rank == 0) && !(cfg.out = cli_open_out("--output", l.output)))
		return nb_cli_abort(hooks, 1);
	if (cfg.trace_path) {
		FILE *tf = cli_open_out("--trace", cfg.trace_path);
		if (!tf)
			return nb_cli_abort(hooks, 1);
		if (tf != stdout)
			fclose(tf);
	}
	struct sigaction sa = { .sa_handler = on_sigint };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	static struct nb_result res;
	int rc = nb_run(&cfg, &res);
	if (hooks && hooks->finish) {
		/* MPI: rank 0 reports for everyone */
		if (rc)
			err_msg("%s", res.error);
		int code = hooks->finish(hooks->arg, &cfg, &res, rc);
		if (cfg.out && cfg.out != stdout && fclose(cfg.out)) {
			err_msg("--output %s: %s", l.output, strerror(errno));
			code = code ? code : 1;
		}
		nb_result_free(&res);
		return code;
	}
	if (rc) {
		err_msg("%s", res.error);
		nb_result_free(&res);
		return 1;
	}
	if (nb_report(&cfg, &res)) {
		err_msg("writing results: failed");
		rc = 1;
	}
	if (cfg.out && cfg.out != stdout && fclose(cfg.out)) {
		err_msg("--output %s: %s", l.output, strerror(errno));
		rc = 1;
	}
	if (res.failed)
		err_msg("run failed: %s", res.error);
	int code = res.failed ? 1 : res.interrupted ? 130 : 0;
	if (!code) {
		for (unsigned i = 0; i < NB_K_MAX; i++) {
			const struct nb_opstat *o = &res.total.op[i];
			if (!o->errors)
				continue;
			/* name the statuses: this line is often all a log keeps */
			char why[256] = "", b[32];
			size_t n = 0;
			for (unsigned e = 0; e < o->nerr && n < sizeof(why) - 40; e++) {
				n += (size_t)snprintf(why + n, sizeof(why) - n, "%s%s x%llu", e ? ", " : "",
						      nb_status_name(o->err[e].status, b, sizeof(b)),
						      (unsigned long long)o->err[e].count);
			}
			err_msg("%llu %s operations failed: %s", (unsigned long long)o->errors, nb_kind_name(i), why);
			code = 1;
		}
	}
	if (res.total.verify_errors && !res.failed)
		code = 1;
	nb_result_free(&res);
	return rc ? 1 : code;
}
