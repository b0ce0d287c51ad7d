/* report.c - nfscap's report through lib/out.h (schema "nfscap/1"), and the
 * per-RPC CSV.
 *
 * JSON keys follow the issue: nfs.v3.<PROCEDURE>, nfs.v4.COMPOUND and
 * nfs.v4.<OP> (RFC names, upper case), each with count, errors, bytes,
 * exchange_ns and srt_ns, the latter two with min, mean, p50, p90, p99,
 * p99.9 and max. The text form shows the same numbers as aligned tables (one
 * row per op reads better than nested blocks); both come from one walk.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "ana.h"
#include "out.h"

static const char *const accept_names[6] = {"SUCCESS", "PROG_UNAVAIL", "PROG_MISMATCH",
					    "PROC_UNAVAIL", "GARBAGE_ARGS", "SYSTEM_ERR"};

static const char *addr_str(char *buf, size_t len, uint8_t fam, const uint8_t *addr)
{
	if (!inet_ntop(fam == 6 ? AF_INET6 : AF_INET, addr, buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

static const char *ep_str(char *buf, size_t len, uint8_t fam, const uint8_t *addr, uint16_t port)
{
	char a[64];
	addr_str(a, sizeof(a), fam, addr);
	snprintf(buf, len, fam == 6 ? "[%s]:%u" : "%s:%u", a, port);
	return buf;
}

/* Name of a status key as op_add stores it (RPC-level failures have the top
 * bit set). */
static const char *status_str(char *buf, size_t len, unsigned vers, uint32_t key)
{
	const char *n;
	if (key & 0x80000000u) {
		unsigned rs = (key >> 8) & 0xff, as = key & 0xff;
		if (rs)
			snprintf(buf, len, "RPC_MSG_DENIED");
		else
			snprintf(buf, len, "RPC_%s", as < 6 ? accept_names[as] : "?");
		return buf;
	}
	n = vers == 4 ? cap_nfs4_status_name(key) : cap_nfs3_status_name(key);
	if (n)
		return n;
	snprintf(buf, len, "%s%" PRIu32, vers == 4 ? "NFS4ERR_" : "NFS3ERR_", key);
	return buf;
}

static void conn_names(const struct cap_conn *c, char *cl, char *sv, size_t len)
{
	int ci = c->client < 0 ? 0 : c->client;
	ep_str(cl, len, c->fam, c->addr[ci], c->port[ci]);
	ep_str(sv, len, c->fam, c->addr[!ci], c->port[!ci]);
}

/* ---- CSV ------------------------------------------------------------------------ */

void cap_csv_header(FILE *f)
{
	fputs("client,server,proto,xid,vers,op,status,call_bytes,reply_bytes,offset,count,data_bytes,"
	      "call_first_ns,call_last_ns,reply_first_ns,reply_last_ns,exchange_ns,srt_ns\n", f);
}

void cap_csv_row(FILE *f, const struct cap_rpc *r)
{
	char cl[80], sv[80], st[48];
	const char *op;
	conn_names(r->conn, cl, sv, sizeof(cl));
	if (r->prog == CAP_NFS_PROG && r->op != CAP_OP_NONE)
		op = cap_op_name(r->op);
	else
		op = "-";
	if (r->reply_stat || r->accept_stat)
		status_str(st, sizeof(st), r->vers, 0x80000000u | (uint32_t)r->reply_stat << 8 | r->accept_stat);
	else if (r->has_status)
		snprintf(st, sizeof(st), "%s", status_str(st, sizeof(st), r->vers, r->status));
	else
		snprintf(st, sizeof(st), "-");
	int64_t exch = (int64_t)(r->reply_last - r->call_first), srt = (int64_t)(r->reply_last - r->call_last);
	fprintf(f, "%s,%s,%s,0x%08" PRIx32 ",%u,%s,%s,", cl, sv, r->udp ? "udp" : "tcp", r->xid,
		r->prog == CAP_NFS_PROG ? r->vers : 0, op, st);
	if (!r->call_lost)
		fprintf(f, "%" PRIu64, r->call_bytes);
	fprintf(f, ",%" PRIu64 ",", r->reply_bytes);
	if (r->has_offset)
		fprintf(f, "%" PRIu64 ",%" PRIu32 ",", r->offset, r->count);
	else
		fputs(",,", f);
	if (r->call_lost) /* the call's last byte was not seen: no call_last, no srt */
		fprintf(f, "%" PRIu64 ",%" PRIu64 ",,%" PRIu64 ",%" PRIu64 ",%" PRId64 ",\n", r->data, r->call_first,
			r->reply_first, r->reply_last, exch);
	else
		fprintf(f, "%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRId64 ",%" PRId64 "\n",
			r->data, r->call_first, r->call_last, r->reply_first, r->reply_last, exch, srt);
}

/* ---- pieces of the report -------------------------------------------------------- */

static void lat_json(struct out *o, const char *key, const struct hist *h)
{
	static const struct hist empty = {.min = 0};
	if (!h)
		h = &empty;
	out_begin(o, key, NULL);
	out_u64(o, "min", NULL, h->count ? h->min : 0, NULL);
	out_dbl(o, "mean", NULL, hist_mean(h), NULL, NULL);
	out_u64(o, "p50", NULL, hist_percentile(h, 50), NULL);
	out_u64(o, "p90", NULL, hist_percentile(h, 90), NULL);
	out_u64(o, "p99", NULL, hist_percentile(h, 99), NULL);
	out_u64(o, "p99.9", NULL, hist_percentile(h, 99.9), NULL);
	out_u64(o, "max", NULL, h->count ? h->max : 0, NULL);
	out_end(o);
}

static void ops_json(struct out *o, const struct cap_ana *a, unsigned first, unsigned last, unsigned vers)
{
	char buf[48];
	for (unsigned op = first; op < last; op++) {
		const struct cap_opstat *s = &a->ops[op];
		if (!s->count && !s->in_compounds)
			continue;
		out_begin(o, cap_op_name(op), NULL);
		out_u64(o, "count", NULL, s->count, NULL);
		out_u64(o, "errors", NULL, s->errors, NULL);
		out_u64(o, "bytes", NULL, s->bytes, NULL);
		if (vers == 4 && op != CAP_OP_V4_COMPOUND && op != CAP_OP_V4_NULL)
			out_u64(o, "ops", NULL, s->in_compounds, NULL);
		lat_json(o, "exchange_ns", s->exch);
		lat_json(o, "srt_ns", s->srt);
		if (s->errors) {
			out_begin(o, "status", NULL);
			for (unsigned i = 0; i < CAP_NSTATUS && s->st_n[i]; i++)
				out_u64(o, status_str(buf, sizeof(buf), vers, s->st[i]), NULL, s->st_n[i], NULL);
			if (s->st_other)
				out_u64(o, "other", NULL, s->st_other, NULL);
			out_end(o);
		}
		if (s->exch && s->exch->count)
			out_json(o, "exchange_hist", hist_to_json(s->exch));
		if (s->srt && s->srt->count)
			out_json(o, "srt_hist", hist_to_json(s->srt));
		out_end(o);
	}
}

static const struct out_col op_cols[] = {
	{"op", "Op"}, {"count", "Count"}, {"errors", "Errors"}, {"bytes", "Bytes"},
	{"ops", "In compounds"},
	{"exch_mean_us", "Exch mean"}, {"exch_p50_us", "p50"}, {"exch_p90_us", "p90"},
	{"exch_p99_us", "p99"}, {"exch_p999_us", "p99.9"}, {"exch_max_us", "max"},
	{"srt_mean_us", "SRT mean"}, {"srt_p99_us", "SRT p99"},
};

static void ops_text(struct out *o, const struct cap_ana *a, unsigned first, unsigned last, unsigned vers,
		     const char *title)
{
	unsigned n = 0;
	for (unsigned op = first; op < last; op++)
		n += a->ops[op].count || a->ops[op].in_compounds;
	if (!n)
		return;
	/* the "In compounds" column only means something for NFSv4 */
	struct out_col cols[sizeof(op_cols) / sizeof(op_cols[0])];
	unsigned nc = 0;
	for (unsigned i = 0; i < sizeof(op_cols) / sizeof(op_cols[0]); i++)
		if (vers == 4 || strcmp(op_cols[i].key, "ops"))
			cols[nc++] = op_cols[i];
	out_table_begin(o, NULL, title, cols, nc);
	for (unsigned op = first; op < last; op++) {
		const struct cap_opstat *s = &a->ops[op];
		if (!s->count && !s->in_compounds)
			continue;
		out_row_begin(o);
		out_cell_str(o, cap_op_name(op));
		out_cell_u64(o, s->count);
		out_cell_u64(o, s->errors);
		out_cell_unit(o, (double)s->bytes, OUT_U_BYTES);
		if (vers == 4) {
			if (op == CAP_OP_V4_COMPOUND || op == CAP_OP_V4_NULL)
				out_cell_str(o, "");
			else
				out_cell_u64(o, s->in_compounds);
		}
		if (s->exch && s->exch->count) {
			out_cell_unit(o, hist_mean(s->exch), OUT_U_NS);
			out_cell_unit(o, (double)hist_percentile(s->exch, 50), OUT_U_NS);
			out_cell_unit(o, (double)hist_percentile(s->exch, 90), OUT_U_NS);
			out_cell_unit(o, (double)hist_percentile(s->exch, 99), OUT_U_NS);
			out_cell_unit(o, (double)hist_percentile(s->exch, 99.9), OUT_U_NS);
			out_cell_unit(o, (double)s->exch->max, OUT_U_NS);
			out_cell_unit(o, hist_mean(s->srt), OUT_U_NS);
			out_cell_unit(o, (double)hist_percentile(s->srt, 99), OUT_U_NS);
		}
		out_row_end(o);
	}
	out_table_end(o);
	/* errors by status */
	bool any = false;
	char buf[48];
	for (unsigned op = first; op < last; op++)
		any |= a->ops[op].errors > 0;
	if (!any)
		return;
	static const struct out_col ecols[] = {{"op", "Op"}, {"status", "Status"}, {"count", "Count"}};
	char t[64];
	snprintf(t, sizeof(t), "%s errors by status", title);
	out_table_begin(o, NULL, t, ecols, 3);
	for (unsigned op = first; op < last; op++) {
		const struct cap_opstat *s = &a->ops[op];
		for (unsigned i = 0; i < CAP_NSTATUS && s->st_n[i]; i++) {
			out_row_begin(o);
			out_cell_str(o, cap_op_name(op));
			out_cell_str(o, status_str(buf, sizeof(buf), vers, s->st[i]));
			out_cell_u64(o, s->st_n[i]);
			out_row_end(o);
		}
		if (s->st_other) {
			out_row_begin(o);
			out_cell_str(o, cap_op_name(op));
			out_cell_str(o, "other");
			out_cell_u64(o, s->st_other);
			out_row_end(o);
		}
	}
	out_table_end(o);
}

static void layer_counts(struct out *o, const struct cap_summary *s)
{
	bool text = out_mode(o) == OUT_TEXT;
	if (text) {
		static const struct out_col cols[] = {{"layer", "Layer"}, {"ok", "OK"}, {"truncated", "Truncated"},
						      {"invalid", "Invalid"}};
		out_table_begin(o, NULL, "Decoding", cols, 4);
		for (int l = 0; l < CAP_NLAYERS; l++) {
			out_row_begin(o);
			out_cell_str(o, cap_layer_names[l]);
			out_cell_u64(o, s->layer[l][0]);
			out_cell_u64(o, s->layer[l][1]);
			out_cell_u64(o, s->layer[l][2]);
			out_row_end(o);
		}
		out_table_end(o);
		return;
	}
	out_begin(o, "decode", NULL);
	for (int l = 0; l < CAP_NLAYERS; l++) {
		out_begin(o, cap_layer_names[l], NULL);
		out_u64(o, "ok", NULL, s->layer[l][0], NULL);
		out_u64(o, "truncated", NULL, s->layer[l][1], NULL);
		out_u64(o, "invalid", NULL, s->layer[l][2], NULL);
		out_end(o);
	}
	out_u64(o, "not_ip", NULL, s->not_ip, NULL);
	out_u64(o, "not_tcp_udp", NULL, s->not_tcpudp, NULL);
	out_u64(o, "ip_fragments", NULL, s->ip_frags, NULL);
	out_end(o);
}

static int cmp_conn_rpcs(const void *x, const void *y)
{
	const struct cap_conn *a = *(const struct cap_conn *const *)x, *b = *(const struct cap_conn *const *)y;
	if (a->rpcs != b->rpcs)
		return a->rpcs < b->rpcs ? 1 : -1;
	return a->id < b->id ? -1 : a->id > b->id;
}

#define TEXT_MAX_CONNS 50

static void conns_table(struct out *o, const struct cap_ana *a)
{
	static const struct out_col cols[] = {
		{"client", "Client"}, {"server", "Server"}, {"proto", "Proto"}, {"rpcs", "RPCs"},
		{"errors", "Errors"}, {"bytes", "Bytes"}, {"exchange_mean_ns", "Exch mean"},
		{"exchange_p99_ns", "Exch p99"}, {"exchange_max_ns", "Exch max"},
		{"srt_mean_ns", "SRT mean"}, {"inflight_max", "In flight max"},
		{"inflight_mean", "In flight mean"}, {"retransmissions", "Retrans"},
		{"out_of_order", "OOO"}, {"dup_acks", "Dup ACKs"}, {"zero_window", "Zero win"},
		{"window_full", "Win full"}, {"handshake_rtt_ns", "Handshake RTT"},
		{"gaps", "Gaps"}, {"hidden_headers", "Hidden hdrs"}, {"orphan_replies", "Orphans"},
		{"unanswered", "Unanswered"},
	};
	bool text = out_mode(o) == OUT_TEXT;
	const struct cap_conn **v = malloc((a->nconns + 1) * sizeof(*v));
	uint32_t n = 0;
	if (!v)
		return;
	for (uint32_t i = 0; i < a->nconns; i++) {
		const struct cap_conn *c = &a->chunks[i / 256][i % 256];
		if (c->rpc_seen || c->rpcs)
			v[n++] = c;
	}
	qsort(v, n, sizeof(*v), cmp_conn_rpcs);
	if (!n) {
		free(v);
		return;
	}
	out_table_begin(o, "connections", "Connections (RPC)", cols, sizeof(cols) / sizeof(cols[0]));
	for (uint32_t i = 0; i < n && (!text || i < TEXT_MAX_CONNS); i++) {
		const struct cap_conn *c = v[i];
		char cl[80], sv[80];
		conn_names(c, cl, sv, sizeof(cl));
		struct cap_tcpstat t = c->h[0].st;
		const struct cap_tcpstat *u = &c->h[1].st;
		t.retrans += u->retrans, t.ooo += u->ooo, t.dup_acks += u->dup_acks;
		t.zero_win += u->zero_win, t.win_full += u->win_full, t.gaps += u->gaps, t.hidden += u->hidden;
		double mean = c->rpcs ? (double)c->exch_sum / (double)c->rpcs : 0;
		double smean = c->rpcs ? (double)c->srt_sum / (double)c->rpcs : 0;
		uint64_t span = c->infl_t > c->infl_t0 ? c->infl_t - c->infl_t0 : 0;
		double imean = span ? (double)c->infl_area / (double)span : 0;
		out_row_begin(o);
		out_cell_str(o, cl);
		out_cell_str(o, sv);
		out_cell_str(o, c->proto == 6 ? "tcp" : "udp");
		out_cell_u64(o, c->rpcs);
		out_cell_u64(o, c->errors);
		if (text) {
			out_cell_unit(o, (double)c->bytes, OUT_U_BYTES);
			out_cell_unit(o, mean, OUT_U_NS);
			if (c->exch)
				out_cell_unit(o, (double)hist_percentile(c->exch, 99), OUT_U_NS);
			else
				out_cell_str(o, "-");
			out_cell_unit(o, (double)c->exch_max, OUT_U_NS);
			out_cell_unit(o, smean, OUT_U_NS);
		} else {
			out_cell_u64(o, c->bytes);
			out_cell_dbl(o, mean, "%.0f");
			if (c->exch)
				out_cell_u64(o, hist_percentile(c->exch, 99));
			else
				out_cell_dbl(o, NAN, "%.0f");
			out_cell_u64(o, c->exch_max);
			out_cell_dbl(o, smean, "%.0f");
		}
		out_cell_u64(o, c->inflight_max);
		out_cell_dbl(o, imean, "%.2f");
		out_cell_u64(o, t.retrans);
		out_cell_u64(o, t.ooo);
		out_cell_u64(o, t.dup_acks);
		out_cell_u64(o, t.zero_win);
		out_cell_u64(o, t.win_full);
		if (text)
			out_cell_unit(o, (double)c->irtt, OUT_U_NS);
		else
			out_cell_u64(o, c->irtt);
		out_cell_u64(o, t.gaps);
		out_cell_u64(o, t.hidden);
		out_cell_u64(o, c->orphans);
		out_cell_u64(o, c->xn);
		out_row_end(o);
	}
	out_table_end(o);
	if (text && n > TEXT_MAX_CONNS)
		out_note(o, "(%u more connections in --json)", n - TEXT_MAX_CONNS);
	free(v);
}

static void clients_table(struct out *o, const struct cap_ana *a)
{
	static const struct out_col cols[] = {
		{"client", "Client"}, {"connections", "Conns"}, {"rpcs", "RPCs"}, {"errors", "Errors"},
		{"bytes", "Bytes"}, {"exchange_mean_ns", "Exch mean"}, {"exchange_p50_ns", "p50"},
		{"exchange_p99_ns", "p99"}, {"exchange_max_ns", "max"}, {"srt_mean_ns", "SRT mean"},
		{"srt_p99_ns", "SRT p99"},
	};
	bool text = out_mode(o) == OUT_TEXT;
	if (!a->nclients)
		return;
	out_table_begin(o, "clients", "Clients", cols, sizeof(cols) / sizeof(cols[0]));
	for (uint32_t i = 0; i <= a->nclients; i++) {
		const struct cap_client *k = i < a->nclients ? &a->clients[i] : &a->other_clients;
		char buf[64];
		if (!k->rpcs)
			continue;
		out_row_begin(o);
		out_cell_str(o, i < a->nclients ? addr_str(buf, sizeof(buf), k->fam, k->addr) : "(others)");
		out_cell_u64(o, k->conns);
		out_cell_u64(o, k->rpcs);
		out_cell_u64(o, k->errors);
		if (text)
			out_cell_unit(o, (double)k->bytes, OUT_U_BYTES);
		else
			out_cell_u64(o, k->bytes);
		uint64_t v[6] = {0};
		double mean = 0, smean = 0;
		if (k->exch && k->srt) {
			mean = hist_mean(k->exch);
			v[0] = hist_percentile(k->exch, 50);
			v[1] = hist_percentile(k->exch, 99);
			v[2] = k->exch->max;
			smean = hist_mean(k->srt);
			v[3] = hist_percentile(k->srt, 99);
		}
		if (text) {
			out_cell_unit(o, mean, OUT_U_NS);
			for (int j = 0; j < 3; j++)
				out_cell_unit(o, (double)v[j], OUT_U_NS);
			out_cell_unit(o, smean, OUT_U_NS);
			out_cell_unit(o, (double)v[3], OUT_U_NS);
		} else {
			out_cell_dbl(o, mean, "%.0f");
			out_cell_u64(o, v[0]);
			out_cell_u64(o, v[1]);
			out_cell_u64(o, v[2]);
			out_cell_dbl(o, smean, "%.0f");
			out_cell_u64(o, v[3]);
		}
		out_row_end(o);
	}
	out_table_end(o);
}

#define TEXT_MAX_BINS 120

static void series(struct out *o, const struct cap_ana *a)
{
	static const struct out_col cols[] = {
		{"t_s", "Second"}, {"ops", "Ops"}, {"bytes", "Bytes"}, {"p99_ns", "Exch p99"},
		{"inflight_mean", "In flight mean"}, {"inflight_max", "In flight max"},
	};
	bool text = out_mode(o) == OUT_TEXT;
	if (!a->nbins)
		return;
	if (text && a->nbins > TEXT_MAX_BINS) {
		out_note(o, "Per-second series: %u seconds (in --json and --html)", a->nbins);
		return;
	}
	out_begin(o, "series", NULL);
	out_u64(o, "bin_s", NULL, 1, NULL);
	out_bool(o, "truncated", NULL, a->bins_full);
	out_table_begin(o, "points", "Per second", cols, sizeof(cols) / sizeof(cols[0]));
	for (uint32_t i = 0; i < a->nbins; i++) {
		const struct cap_bin *b = &a->bins[i];
		uint64_t span = NS_PER_S;
		if (i + 1 == a->nbins && a->s.last_ts > a->t0) {
			uint64_t rest = (a->s.last_ts - a->t0) - (uint64_t)i * NS_PER_S;
			span = rest ? rest : 1;
		}
		out_row_begin(o);
		out_cell_u64(o, i);
		out_cell_u64(o, b->ops);
		if (text) {
			out_cell_unit(o, (double)b->bytes, OUT_U_BYTES);
			if (b->has_p99)
				out_cell_unit(o, (double)b->p99, OUT_U_NS);
			else
				out_cell_str(o, "-");
		} else {
			out_cell_u64(o, b->bytes);
			out_cell_u64(o, b->p99);
		}
		out_cell_dbl(o, (double)b->infl_area / (double)span, "%.2f");
		out_cell_u64(o, b->infl_max);
		out_row_end(o);
	}
	out_table_end(o);
	out_end(o);
}

int cap_report(struct cap_ana *a, struct out *o, const char *const *files, unsigned nfiles)
{
	struct cap_summary s;
	bool text = out_mode(o) == OUT_TEXT;

	cap_ana_finish(a);
	cap_ana_summary(a, &s);

	out_begin(o, "input", "Input");
	if (text) {
		for (unsigned i = 0; i < nfiles; i++)
			out_str(o, NULL, i ? "" : (nfiles > 1 ? "Files" : "File"), files[i]);
	} else {
		struct json_object *arr = json_object_new_array();
		for (unsigned i = 0; arr && i < nfiles; i++)
			json_object_array_add(arr, json_object_new_string(files[i]));
		out_json(o, "files", arr);
	}
	out_u64(o, "packets", "Packets", s.packets, NULL);
	out_u64(o, "bytes", "Bytes on the wire", s.bytes, NULL);
	out_u64(o, "first_ts_ns", NULL, s.packets ? s.first_ts : 0, NULL);
	out_u64(o, "last_ts_ns", NULL, s.packets ? s.last_ts : 0, NULL);
	out_dbl(o, "duration_s", "Duration", s.packets ? (double)(s.last_ts - s.first_ts) / 1e9 : 0, "%.3f", "s");
	out_end(o);

	out_begin(o, "rpc", "RPC");
	out_u64(o, "calls", "Calls", s.calls, NULL);
	out_u64(o, "replies", "Replies", s.replies, NULL);
	out_u64(o, "matched", "Matched (RPCs timed)", s.matched, NULL);
	out_u64(o, "orphan_replies", "Replies without their call", s.orphans, NULL);
	out_u64(o, "unanswered_calls", "Calls without a reply", s.unanswered, NULL);
	out_u64(o, "evicted", "Calls evicted (XID table full)", s.evicted, NULL);
	out_u64(o, "duplicate_calls", "Calls sent again (same XID)", s.dup_calls, NULL);
	out_u64(o, "udp_messages", "Messages over UDP", s.udp_msgs, NULL);
	out_u64(o, "call_end_lost", "Calls whose end was not seen (no srt)", s.call_end_lost, NULL);
	out_u64(o, "reply_end_lost", "Replies whose end was not seen (not timed)", s.reply_end_lost, NULL);
	if (!text || s.bad_counts)
		out_u64(o, "counts_beyond_record", "READ/WRITE counts beyond their record (clamped)", s.bad_counts,
			NULL);
	if (!text || s.replies != s.accept[0]) {
		out_begin(o, "accept", "Replies accepted");
		for (int i = 0; i < 6; i++)
			out_u64(o, accept_names[i], accept_names[i], s.accept[i], NULL);
		out_end(o);
		out_begin(o, "denied", "Replies denied");
		out_u64(o, "RPC_MISMATCH", "RPC_MISMATCH", s.denied[0], NULL);
		out_u64(o, "AUTH_ERROR", "AUTH_ERROR", s.denied[1], NULL);
		out_end(o);
	}
	if (s.nprogs) {
		static const struct out_col pcols[] = {{"program", "Program"}, {"version", "Version"}, {"rpcs", "RPCs"}};
		out_table_begin(o, "programs", "RPCs by program", pcols, 3);
		for (unsigned i = 0; i < s.nprogs; i++) {
			out_row_begin(o);
			out_cell_u64(o, s.progs[i].prog);
			out_cell_u64(o, s.progs[i].vers);
			out_cell_u64(o, s.progs[i].n);
			out_row_end(o);
		}
		out_table_end(o);
	}
	out_end(o);

	if (text) {
		ops_text(o, a, 0, CAP_OP_V3_N, 3, "NFSv3");
		ops_text(o, a, CAP_OP_V4_NULL, CAP_OP_NONE, 4, "NFSv4 (each COMPOUND under its principal op)");
	} else {
		out_begin(o, "nfs", NULL);
		out_begin(o, "v3", NULL);
		ops_json(o, a, 0, CAP_OP_V3_N, 3);
		out_end(o);
		out_begin(o, "v4", NULL);
		ops_json(o, a, CAP_OP_V4_NULL, CAP_OP_NONE, 4);
		out_end(o);
		out_end(o);
	}

	clients_table(o, a);
	conns_table(o, a);

	out_begin(o, "tcp", "TCP");
	out_u64(o, "connections", "Connections", s.conns, NULL);
	out_u64(o, "connections_untracked", "Connections not tracked (table full)", s.conns_untracked, NULL);
	if (!text || s.conns_evicted)
		out_u64(o, "connections_evicted", "Live connections evicted (table full)", s.conns_evicted, NULL);
	out_u64(o, "segments", "Segments", s.tcp.segs, NULL);
	out_u64(o, "retransmissions", "Retransmissions", s.tcp.retrans, NULL);
	out_u64(o, "retransmitted_bytes", "Retransmitted bytes", s.tcp.retrans_bytes, NULL);
	out_u64(o, "out_of_order", "Out of order", s.tcp.ooo, NULL);
	out_u64(o, "dup_acks", "Duplicate ACKs", s.tcp.dup_acks, NULL);
	out_u64(o, "zero_window", "Zero window", s.tcp.zero_win, NULL);
	out_u64(o, "window_full", "Window full", s.tcp.win_full, NULL);
	out_u64(o, "gaps", "Gaps (bytes never captured)", s.tcp.gaps, NULL);
	out_u64(o, "gap_bytes", "Gap bytes", s.tcp.gap_bytes, NULL);
	out_u64(o, "hidden_headers", "Record headers not captured", s.tcp.hidden, NULL);
	out_u64(o, "resyncs", "Resynchronisations", s.tcp.resyncs, NULL);
	out_u64(o, "skipped_bytes", "Bytes skipped to resynchronise", s.tcp.skipped_bytes, NULL);
	out_end(o);
	if (text && s.tcp.hidden)
		out_note(o, "note: %" PRIu64 " RPC record headers lay beyond the captured bytes (snaplen) and "
			 "could not be read; capture with a larger -s, or with offloads off, to see them",
			 s.tcp.hidden);

	layer_counts(o, &s);
	series(o, a);
	return 0;
}
