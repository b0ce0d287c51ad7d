/* trace.c - writer and reader of nfsbench's per-RPC trace (format in trace.h). */
#include "trace.h"

#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "err.h"
#include "nfsbench.h"

#define BUF_RECS 4096

struct trace_file {
	FILE *f;
	pthread_mutex_t lock;
	int err;
};

struct trace_buf {
	struct trace_file *tf;
	size_t n;
	unsigned char data[BUF_RECS * TRACE_RECSZ];
};

static void put16(unsigned char *p, uint16_t v) { p[0] = (unsigned char)v; p[1] = (unsigned char)(v >> 8); }
static void put32(unsigned char *p, uint32_t v) { put16(p, (uint16_t)v); put16(p + 2, (uint16_t)(v >> 16)); }
static void put64(unsigned char *p, uint64_t v) { put32(p, (uint32_t)v); put32(p + 4, (uint32_t)(v >> 32)); }
static uint16_t get16(const unsigned char *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t get32(const unsigned char *p) { return get16(p) | (uint32_t)get16(p + 2) << 16; }
static uint64_t get64(const unsigned char *p) { return get32(p) | (uint64_t)get32(p + 4) << 32; }

void trace_enc_rpc(unsigned char *p, const struct trace_rpc *r)
{
	memset(p, 0, TRACE_RECSZ);
	p[0] = TRACE_KIND_RPC;
	p[1] = r->op;
	p[2] = r->flags;
	put32(p + 4, r->xid);
	put64(p + 8, r->issue_ns);
	put64(p + 16, r->complete_ns);
	put64(p + 24, r->offset);
	put32(p + 32, r->length);
	put32(p + 36, r->status);
	put32(p + 40, r->file);
	put16(p + 44, r->conn);
}

void trace_enc_conn(unsigned char *p, const struct trace_conn *c)
{
	memset(p, 0, TRACE_RECSZ);
	p[0] = TRACE_KIND_CONN;
	p[1] = c->family;
	put16(p + 2, c->lport);
	put16(p + 4, c->rport);
	put16(p + 6, c->conn);
	put64(p + 8, c->time_ns);
	memcpy(p + 16, c->laddr, 16);
	memcpy(p + 32, c->raddr, 16);
}

int trace_dec(const unsigned char *p, struct trace_rpc *r, struct trace_conn *c)
{
	if (p[0] == TRACE_KIND_RPC) {
		r->op = p[1];
		r->flags = p[2];
		r->xid = get32(p + 4);
		r->issue_ns = get64(p + 8);
		r->complete_ns = get64(p + 16);
		r->offset = get64(p + 24);
		r->length = get32(p + 32);
		r->status = get32(p + 36);
		r->file = get32(p + 40);
		r->conn = get16(p + 44);
		return TRACE_KIND_RPC;
	}
	if (p[0] == TRACE_KIND_CONN) {
		c->family = p[1];
		c->lport = get16(p + 2);
		c->rport = get16(p + 4);
		c->conn = get16(p + 6);
		c->time_ns = get64(p + 8);
		memcpy(c->laddr, p + 16, 16);
		memcpy(c->raddr, p + 32, 16);
		return TRACE_KIND_CONN;
	}
	return 0;
}

int trace_open(struct trace_file **out, const char *path, uint64_t start_real_ns, char *err, size_t errlen)
{
	struct trace_file *tf = calloc(1, sizeof(*tf));
	if (!tf)
		return ENOMEM;
	tf->f = fopen(path, "wb");
	if (!tf->f) {
		int e = errno;
		snprintf(err, errlen, "%s: %s", path, strerror(e));
		free(tf);
		return e;
	}
	pthread_mutex_init(&tf->lock, NULL);
	unsigned char h[TRACE_RECSZ] = { 0 };
	memcpy(h, TRACE_MAGIC, 8);
	put32(h + 8, TRACE_VERSION);
	put32(h + 12, TRACE_RECSZ);
	put64(h + 16, start_real_ns);
	if (fwrite(h, sizeof(h), 1, tf->f) != 1)
		tf->err = errno ? errno : EIO;
	*out = tf;
	return 0;
}

int trace_close(struct trace_file *tf)
{
	if (!tf)
		return 0;
	int e = tf->err;
	if (fclose(tf->f) != 0 && !e)
		e = errno ? errno : EIO;
	pthread_mutex_destroy(&tf->lock);
	free(tf);
	return e;
}

int trace_buf_new(struct trace_buf **out, struct trace_file *tf)
{
	struct trace_buf *tb = malloc(sizeof(*tb));
	if (!tb)
		return ENOMEM;
	tb->tf = tf;
	tb->n = 0;
	*out = tb;
	return 0;
}

int trace_flush(struct trace_buf *tb)
{
	if (!tb->n)
		return 0;
	struct trace_file *tf = tb->tf;
	pthread_mutex_lock(&tf->lock);
	if (!tf->err && fwrite(tb->data, TRACE_RECSZ, tb->n, tf->f) != tb->n)
		tf->err = errno ? errno : EIO;
	int e = tf->err;
	pthread_mutex_unlock(&tf->lock);
	tb->n = 0;
	return e;
}

void trace_buf_free(struct trace_buf *tb)
{
	if (!tb)
		return;
	trace_flush(tb);
	free(tb);
}

void trace_add_rpc(struct trace_buf *tb, const struct trace_rpc *r)
{
	if (tb->n == BUF_RECS)
		trace_flush(tb);
	trace_enc_rpc(tb->data + tb->n++ * TRACE_RECSZ, r);
}

void trace_add_conn(struct trace_buf *tb, const struct trace_conn *c)
{
	if (tb->n == BUF_RECS)
		trace_flush(tb);
	trace_enc_conn(tb->data + tb->n++ * TRACE_RECSZ, c);
}

int trace_read(const char *path, const struct trace_visitor *v, uint64_t *start, char *err, size_t errlen)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	if (!f) {
		int e = errno;
		snprintf(err, errlen, "%s: %s", path, strerror(e));
		return e;
	}
	unsigned char rec[TRACE_RECSZ];
	int rc = 0;
	size_t got = fread(rec, 1, sizeof(rec), f);
	if (got != sizeof(rec) || memcmp(rec, TRACE_MAGIC, 8) != 0) {
		snprintf(err, errlen, "%s: not an nfsbench trace (bad header)", path);
		rc = EINVAL;
	} else if (get32(rec + 8) != TRACE_VERSION || get32(rec + 12) != TRACE_RECSZ) {
		snprintf(err, errlen, "%s: trace version %u with %u-byte records; this reader knows version %u",
			 path, get32(rec + 8), get32(rec + 12), TRACE_VERSION);
		rc = EINVAL;
	} else {
		if (start)
			*start = get64(rec + 16);
		uint64_t at = TRACE_RECSZ;
		while ((got = fread(rec, 1, sizeof(rec), f)) == sizeof(rec)) {
			struct trace_rpc r;
			struct trace_conn c;
			int k = trace_dec(rec, &r, &c);
			if (k == TRACE_KIND_RPC && v->rpc)
				v->rpc(v->arg, &r);
			else if (k == TRACE_KIND_CONN && v->conn)
				v->conn(v->arg, &c);
			else if (!k) {
				snprintf(err, errlen, "%s: unknown record kind %u at byte %llu", path, rec[0],
					 (unsigned long long)at);
				rc = EINVAL;
				break;
			}
			at += TRACE_RECSZ;
		}
		if (!rc && got != 0) {
			snprintf(err, errlen, "%s: truncated record at byte %llu", path, (unsigned long long)at);
			rc = EINVAL;
		}
		if (!rc && ferror(f)) {
			snprintf(err, errlen, "%s: read error", path);
			rc = EIO;
		}
	}
	if (f != stdin)
		fclose(f);
	return rc;
}

/* ---- trace-dump ---------------------------------------------------------- */

static void fmt_addr(char *buf, size_t len, uint8_t family, const uint8_t *a)
{
	if (!inet_ntop(family == 6 ? AF_INET6 : AF_INET, a, buf, (socklen_t)len))
		snprintf(buf, len, "?");
}

/* The CSV header goes out before the first record, not before the file was
 * found to be a trace: a missing file prints the error alone. */
struct dump {
	FILE *f;
	bool header;
};

static FILE *dump_out(void *arg)
{
	struct dump *d = arg;
	if (!d->header) {
		fprintf(d->f, "conn,xid,op,file,offset,length,status,issue_ns,complete_ns,latency_ns,counted\n");
		d->header = true;
	}
	return d->f;
}

static void dump_conn(void *arg, const struct trace_conn *c)
{
	char l[64], r[64];
	fmt_addr(l, sizeof(l), c->family, c->laddr);
	fmt_addr(r, sizeof(r), c->family, c->raddr);
	fprintf(dump_out(arg), "# conn %u %s:%u -> %s:%u at %llu\n", c->conn, l, c->lport, r, c->rport,
		(unsigned long long)c->time_ns);
}

static void dump_rpc(void *arg, const struct trace_rpc *r)
{
	char sbuf[32];
	const char *st = nb_status_name(r->status, sbuf, sizeof(sbuf));
	uint64_t lat = r->complete_ns >= r->issue_ns ? r->complete_ns - r->issue_ns : 0;
	fprintf(dump_out(arg), "%u,0x%08x,%s,%u,%llu,%u,%s,%llu,%llu,%llu,%u\n", r->conn, r->xid, nb_op_name(r->op),
		r->file, (unsigned long long)r->offset, r->length, st, (unsigned long long)r->issue_ns,
		(unsigned long long)r->complete_ns, (unsigned long long)lat, r->flags & TRACE_F_COUNTED ? 1 : 0);
}

int trace_dump_main(int argc, char **argv)
{
	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("usage: nfsbench trace-dump FILE\n"
		       "Prints a --trace file (FILE may be '-') as CSV: one line per RPC, with its\n"
		       "connection, XID, operation, offset, status and times.\n");
		cli_help_tail(stdout, NB_EXITS);
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "--version"))
		return cli_version();
	if (argc != 2)
		return cli_usage_error("trace-dump", "give one trace FILE");
	if (argv[1][0] == '-' && argv[1][1])
		return cli_usage_error("trace-dump", "unknown option '%s'", argv[1]);
	char err[512];
	struct dump d = { stdout, false };
	struct trace_visitor v = { .rpc = dump_rpc, .conn = dump_conn, .arg = &d };
	uint64_t start = 0;
	int rc = trace_read(argv[1], &v, &start, err, sizeof(err));
	if (rc) {
		fflush(stdout);
		err_msg("%s", err);
		return 1;
	}
	dump_out(&d); /* an empty trace still has its header */
	return fflush(stdout) == 0 ? 0 : 1;
}
