/* stats.c - nfsbench's per-thread statistics and their exact merge. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "nfsbench.h"

void nb_stats_init(struct nb_stats *s)
{
	memset(s, 0, sizeof(*s));
	for (unsigned i = 0; i < NB_K_MAX; i++)
		hist_init(&s->op[i].lat);
	for (unsigned i = 0; i < NB_OP_MAX; i++)
		hist_init(&s->rpc[i].lat);
}

void nb_stats_free(struct nb_stats *s)
{
	free(s->iv_ops);
	free(s->iv_bytes);
	s->iv_ops = s->iv_bytes = NULL;
	s->niv = 0;
}

static void err_add(struct nb_opstat *o, uint32_t status, uint64_t n)
{
	for (unsigned i = 0; i < o->nerr; i++) {
		if (o->err[i].status == status) {
			o->err[i].count += n;
			return;
		}
	}
	if (o->nerr < NB_MAX_ERRKINDS) {
		o->err[o->nerr].status = status;
		o->err[o->nerr++].count = n;
	} else {
		o->err_other += n;
	}
}

void nb_opstat_error(struct nb_opstat *o, uint32_t status)
{
	o->errors++;
	err_add(o, status, 1);
}

static int iv_grow(struct nb_stats *s, unsigned n)
{
	if (n <= s->niv)
		return 0;
	uint64_t *a = realloc(s->iv_ops, n * sizeof(*a));
	if (!a)
		return ENOMEM;
	s->iv_ops = a;
	uint64_t *b = realloc(s->iv_bytes, n * sizeof(*b));
	if (!b)
		return ENOMEM;
	s->iv_bytes = b;
	memset(s->iv_ops + s->niv, 0, (n - s->niv) * sizeof(*a));
	memset(s->iv_bytes + s->niv, 0, (n - s->niv) * sizeof(*b));
	s->niv = n;
	return 0;
}

int nb_stats_iv_add(struct nb_stats *s, unsigned sec, uint64_t bytes)
{
	if (sec >= s->niv && iv_grow(s, sec + 16))
		return ENOMEM;
	s->iv_ops[sec]++;
	s->iv_bytes[sec] += bytes;
	return 0;
}

static void opstat_merge(struct nb_opstat *a, const struct nb_opstat *b)
{
	a->count += b->count;
	a->bytes += b->bytes;
	for (unsigned e = 0; e < b->nerr; e++)
		err_add(a, b->err[e].status, b->err[e].count);
	a->err_other += b->err_other;
	a->errors += b->errors;
	a->skipped += b->skipped;
	a->deferred += b->deferred;
	hist_merge(&a->lat, &b->lat);
}

int nb_stats_merge(struct nb_stats *d, const struct nb_stats *s)
{
	for (unsigned i = 0; i < NB_K_MAX; i++)
		opstat_merge(&d->op[i], &s->op[i]);
	for (unsigned i = 0; i < NB_OP_MAX; i++)
		opstat_merge(&d->rpc[i], &s->rpc[i]);
	d->rpcs_issued += s->rpcs_issued;
	d->rpcs_uncounted += s->rpcs_uncounted;
	d->conn_errors += s->conn_errors;
	d->reconnects += s->reconnects;
	d->verify_errors += s->verify_errors;
	d->verify_unjudged += s->verify_unjudged;
	if (s->niv && iv_grow(d, s->niv))
		return ENOMEM;
	for (unsigned i = 0; i < s->niv; i++) {
		d->iv_ops[i] += s->iv_ops[i];
		d->iv_bytes[i] += s->iv_bytes[i];
	}
	return 0;
}
