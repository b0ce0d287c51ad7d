/* mpi_main.c - nfsbench-mpi: nfsbench in every guest at once, on MPI (as
 * IOR and mdtest use it). Every rank runs the same command line; all meet
 * after laying out their files, so the timed phases start together; rank 0
 * then prints one report: a table of ranks and the aggregate, where counts
 * and bytes are sums and percentiles come from histograms merged by bucket
 * addition (never averaged), and bandwidth runs from the earliest start to
 * the latest end. A rank that fails is reported by rank and host; the
 * others finish, and the job exits non-zero.
 *
 * NFSBENCH_NETNS=ns1,ns2,...: rank r joins network namespace r mod n after
 * MPI_Init (its MPI sockets stay where they were), which is how the lab runs
 * several "guests" on one machine (tests/testbed/lab mpirun). */
#include <errno.h>
#include <fcntl.h>
#include <mpi.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "nfsbench.h"

enum { ST_OK, ST_FAILED, ST_INTERRUPTED, ST_REFUSED };

struct rank_head {
	int32_t status, ngroups, have_stonewall, stonewall_group;
	uint32_t niv;
	uint32_t relaid; /* verify: files laid out again */
	uint64_t start_real, end_real, elapsed, stonewall_ns, laid_out;
	double user_s, sys_s;
	char host[64], netns[64], error[256];
};

struct mpi_ctx {
	int rank, size;
	char netns[64];
	char netns_err[200];
};

static void barrier(void *arg)
{
	(void)arg;
	MPI_Barrier(MPI_COMM_WORLD);
}

static void stats_clean(struct nb_stats *s)
{
	s->iv_ops = s->iv_bytes = NULL;
	s->niv = 0;
}

static uint64_t stats_ops(const struct nb_stats *s, uint64_t *bytes, uint64_t *errors, uint64_t *p99)
{
	uint64_t ops = 0;
	*bytes = *errors = 0;
	struct hist *h = malloc(sizeof(*h));
	if (h)
		hist_init(h);
	for (unsigned k = 0; k < NB_K_MAX; k++) {
		ops += s->op[k].count;
		*bytes += s->op[k].bytes;
		*errors += s->op[k].errors;
		if (h)
			hist_merge(h, &s->op[k].lat);
	}
	*p99 = h ? hist_percentile(h, 99) : 0;
	free(h);
	return ops;
}

/* Everyone sends its head, stats and series to rank 0, which reports. */
static int finish(void *arg, const struct nb_config *cfg, struct nb_result *res, int run_rc)
{
	struct mpi_ctx *m = arg;
	struct rank_head head;
	memset(&head, 0, sizeof(head));
	gethostname(head.host, sizeof(head.host) - 1);
	snprintf(head.netns, sizeof(head.netns), "%s", m->netns);
	static struct nb_result empty;
	bool refused = !cfg || !res;
	if (refused) {
		nb_stats_init(&empty.total);
		nb_stats_init(&empty.stonewall);
		for (unsigned g = 0; g < NB_MAX_GROUPS; g++)
			nb_stats_init(&empty.groups[g].st);
		res = &empty;
		head.status = ST_REFUSED;
		snprintf(head.error, sizeof(head.error), "%s",
			 m->netns_err[0] ? m->netns_err : "refused its command line (see its stderr)");
	} else {
		head.status = run_rc || res->failed ? ST_FAILED : res->interrupted ? ST_INTERRUPTED : ST_OK;
		if (res->error[0])
			snprintf(head.error, sizeof(head.error), "%s", res->error);
		head.ngroups = (int32_t)cfg->prof.ngroups;
		head.niv = res->total.niv;
		head.start_real = res->start_real_ns;
		head.end_real = res->end_real_ns;
		head.elapsed = res->elapsed_ns;
		head.user_s = res->user_s;
		head.sys_s = res->sys_s;
		head.laid_out = res->laid_out_bytes;
		head.relaid = res->relaid_files;
		head.have_stonewall = res->have_stonewall;
		head.stonewall_group = (int32_t)res->stonewall_group;
		head.stonewall_ns = res->stonewall_ns;
	}
	int ngroups = head.ngroups, maxg = 0;
	unsigned niv = head.niv, maxiv = 0;
	MPI_Allreduce(&ngroups, &maxg, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
	MPI_Allreduce(&niv, &maxiv, 1, MPI_UNSIGNED, MPI_MAX, MPI_COMM_WORLD);

	struct rank_head *heads = NULL;
	if (m->rank == 0 && !(heads = calloc((size_t)m->size, sizeof(*heads))))
		MPI_Abort(MPI_COMM_WORLD, 1);
	MPI_Gather(&head, sizeof(head), MPI_BYTE, heads, sizeof(head), MPI_BYTE, 0, MPI_COMM_WORLD);

	/* stats: total, stonewall, then every group (pointers are not sent) */
	size_t per = sizeof(struct nb_stats) * (size_t)(2 + maxg);
	struct nb_stats *mine = malloc(per), *all = NULL;
	if (!mine || (m->rank == 0 && !(all = malloc(per * (size_t)m->size))))
		MPI_Abort(MPI_COMM_WORLD, 1);
	mine[0] = res->total;
	mine[1] = res->stonewall;
	for (int g = 0; g < maxg; g++)
		mine[2 + g] = g < NB_MAX_GROUPS ? res->groups[g].st : res->total;
	for (int i = 0; i < 2 + maxg; i++)
		stats_clean(&mine[i]);
	MPI_Gather(mine, (int)per, MPI_BYTE, all, (int)per, MPI_BYTE, 0, MPI_COMM_WORLD);

	size_t ivn = 2 * (size_t)(maxiv ? maxiv : 1);
	uint64_t *iv = calloc(ivn, sizeof(*iv)), *ivall = NULL;
	if (!iv || (m->rank == 0 && !(ivall = calloc(ivn * (size_t)m->size, sizeof(*ivall)))))
		MPI_Abort(MPI_COMM_WORLD, 1);
	for (unsigned i = 0; i < res->total.niv; i++) {
		iv[i] = res->total.iv_ops[i];
		iv[maxiv + i] = res->total.iv_bytes[i];
	}
	MPI_Gather(iv, (int)ivn, MPI_UINT64_T, ivall, (int)ivn, MPI_UINT64_T, 0, MPI_COMM_WORLD);
	free(mine);
	free(iv);

	int code = refused ? 2 : head.status == ST_OK ? 0 : head.status == ST_INTERRUPTED ? 130 : 1;
	if (m->rank != 0)
		return code;

	/* rank 0: the aggregate */
	static struct nb_result agg;
	memset(&agg, 0, sizeof(agg));
	nb_stats_init(&agg.total);
	nb_stats_init(&agg.stonewall);
	for (unsigned g = 0; g < NB_MAX_GROUPS; g++)
		nb_stats_init(&agg.groups[g].st);
	agg.ranks = calloc((size_t)m->size, sizeof(*agg.ranks));
	agg.nranks = agg.ranks ? (unsigned)m->size : 0;
	uint64_t first = UINT64_MAX, last = 0;
	bool any_bad = false;
	for (int r = 0; r < m->size; r++) {
		struct rank_head *h = &heads[r];
		struct nb_stats *st = all + (size_t)r * (2 + maxg);
		if (h->status == ST_OK || h->status == ST_INTERRUPTED || h->status == ST_FAILED) {
			nb_stats_merge(&agg.total, &st[0]);
			if (h->have_stonewall)
				nb_stats_merge(&agg.stonewall, &st[1]);
			for (int g = 0; g < h->ngroups && g < NB_MAX_GROUPS; g++) {
				nb_stats_merge(&agg.groups[g].st, &st[2 + g]);
				if (h->elapsed > agg.groups[g].elapsed_ns)
					agg.groups[g].elapsed_ns = h->elapsed;
			}
			for (unsigned i = 0; i < maxiv; i++) {
				uint64_t *v = ivall + (size_t)r * ivn;
				if (v[i] || v[maxiv + i])
					for (uint64_t k = 0; k < v[i]; k++) /* ops, then their bytes */
						nb_stats_iv_add(&agg.total, i, k + 1 == v[i] ? v[maxiv + i] : 0);
			}
			if (h->elapsed) {
				if (h->start_real < first)
					first = h->start_real;
				if (h->end_real > last)
					last = h->end_real;
			}
			agg.user_s += h->user_s;
			agg.sys_s += h->sys_s;
			agg.laid_out_bytes += h->laid_out;
			agg.relaid_files += h->relaid;
			if (h->have_stonewall && !agg.have_stonewall) {
				agg.have_stonewall = true;
				agg.stonewall_group = (unsigned)h->stonewall_group;
				agg.stonewall_ns = h->stonewall_ns;
			}
		}
		if (h->status != ST_OK)
			any_bad = true;
		if (agg.ranks) {
			struct nb_rank_row *row = &agg.ranks[r];
			row->rank = r;
			snprintf(row->host, sizeof(row->host), "%s", h->host);
			snprintf(row->netns, sizeof(row->netns), "%s", h->netns);
			row->status = h->status == ST_OK	  ? "ok"
				      : h->status == ST_FAILED	  ? "failed"
				      : h->status == ST_INTERRUPTED ? "interrupted"
								    : "refused";
			snprintf(row->error, sizeof(row->error), "%s", h->error);
			row->ops = stats_ops(&st[0], &row->bytes, &row->errors, &row->p99_ns);
			double secs = (double)h->elapsed / 1e9;
			row->ops_per_sec = secs > 0 ? (double)row->ops / secs : 0;
			row->bytes_per_sec = secs > 0 ? (double)row->bytes / secs : 0;
		}
	}
	agg.elapsed_ns = last > first ? last - first : 0;
	agg.start_real_ns = first == UINT64_MAX ? 0 : first;
	agg.end_real_ns = last;
	if (any_bad) {
		for (int r = 0; r < m->size; r++)
			if (heads[r].status != ST_OK) {
				agg.failed = heads[r].status != ST_INTERRUPTED;
				agg.interrupted = heads[r].status == ST_INTERRUPTED;
				snprintf(agg.error, sizeof(agg.error), "rank %d on %s%s%s: %s", r, heads[r].host,
					 heads[r].netns[0] ? " in " : "", heads[r].netns, heads[r].error);
				err_msg("%s", agg.error);
				break;
			}
	}
	int rc = 0;
	if (cfg && nb_report(cfg, &agg))
		rc = 1;
	free(agg.ranks);
	nb_result_free(&agg);
	free(heads);
	free(all);
	free(ivall);
	if (rc)
		return 1;
	return any_bad ? (code ? code : 1) : code;
}

static void join_netns(struct mpi_ctx *m)
{
	const char *list = getenv("NFSBENCH_NETNS");
	if (!list || !*list)
		return;
	char buf[4096];
	snprintf(buf, sizeof(buf), "%s", list);
	int n = 0;
	char *names[256], *save = NULL;
	for (char *p = strtok_r(buf, ",", &save); p && n < 256; p = strtok_r(NULL, ",", &save))
		names[n++] = p;
	if (!n)
		return;
	const char *name = names[m->rank % n];
	snprintf(m->netns, sizeof(m->netns), "%s", name);
	if (strchr(name, '/') || !strcmp(name, "..") || !strcmp(name, ".")) {
		snprintf(m->netns_err, sizeof(m->netns_err), "NFSBENCH_NETNS: '%s' is not a namespace name", name);
		return;
	}
	char path[300];
	snprintf(path, sizeof(path), "/run/netns/%s", name);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET) != 0)
		snprintf(m->netns_err, sizeof(m->netns_err), "cannot join network namespace %s: %s", name,
			 strerror(errno));
	if (fd >= 0)
		close(fd);
}

int main(int argc, char **argv)
{
	int provided;
	MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
	struct mpi_ctx m = { 0 };
	MPI_Comm_rank(MPI_COMM_WORLD, &m.rank);
	MPI_Comm_size(MPI_COMM_WORLD, &m.size);
	static char prog[64];
	snprintf(prog, sizeof(prog), "nfsbench-mpi[%d]", m.rank);
	err_set_prog(prog);
	/* the NFS threads are made later, in this namespace; MPI's own
	 * sockets stay in the one they were opened in */
	join_netns(&m);
	struct nb_hooks hooks = { .arg = &m, .rank = m.rank, .barrier = barrier, .finish = finish };
	int code;
	if (m.netns_err[0]) {
		err_msg("%s", m.netns_err);
		barrier(&m);
		code = finish(&m, NULL, NULL, 2);
	} else {
		code = nb_cli_main(argc, argv, &hooks);
	}
	MPI_Finalize();
	return code;
}
