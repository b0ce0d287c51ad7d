/* attr_cov.c - how much of the workload `nfscap attribute` explains: per
 * capture point and per NFS op, the share of the reference's RPCs (the
 * app trace's, else the innermost capture's) found there, the share found
 * at every point (the attributed ones), and why the rest were not: the
 * capture's own record headers not captured, calls without a reply, bytes
 * never captured, and the app's RPCs that got no reply. A verdict drawn
 * from a sample under 99 % of the RPCs says so: the missing ones are not a
 * random sample (headers-only captures lose the RPCs that share segments,
 * that is the busiest moments). Kept apart from attr.c and attr_out.c: it
 * counts each RPC as it leaves attr.c's join, and reports the counts.
 */
#include "attr_int.h"
#include "out.h"

#define COV_MIN 0.99

void at_cov_add(struct at_ctx *x, const struct at_rec *r)
{
	struct at_cov *c = &x->cov;
	if (!(r->mask & 1u << x->ref))
		return;
	unsigned op = r->op < CAP_NOPS ? r->op : CAP_OP_NONE;
	c->ref[op]++;
	c->ref[AT_ALL]++;
	for (int p = 0; p < AT_NPT; p++) {
		if (x->given & r->mask & 1u << p) {
			c->found[p][op]++;
			c->found[p][AT_ALL]++;
		}
	}
	if ((r->mask & x->given) == x->given) {
		c->all[op]++;
		c->all[AT_ALL]++;
	}
}

static void row(struct out *o, const char *point, unsigned op, uint64_t n, uint64_t found)
{
	out_row_begin(o);
	out_cell_str(o, point);
	out_cell_str(o, op == AT_ALL ? "ALL" : cap_op_name(op));
	out_cell_u64(o, n);
	out_cell_u64(o, found);
	out_cell_dbl(o, n ? 100.0 * (double)found / (double)n : 0, "%.2f");
	out_cell_u64(o, n - found);
	out_row_end(o);
}

void at_coverage(const struct at_ctx *x, struct out *o)
{
	static const struct out_col cols[] = {
		{"point", "Point"}, {"op", "Op"}, {"rpcs", "Ref RPCs"}, {"found", "Found"},
		{"share_pct", "Share %"}, {"not_found", "Not found"},
	};
	bool text = out_mode(o) == OUT_TEXT;
	const struct at_cov *c = &x->cov;
	char title[160];
	snprintf(title, sizeof(title), "Coverage: the %s's RPCs found at each point, and at every point (attributed)",
		 at_point_names[x->ref]);
	out_table_begin(o, "coverage", title, cols, 6);
	for (int p = 0; p <= AT_NPT; p++) {
		if (p < AT_NPT && (p == x->ref || !(x->given & 1u << p)))
			continue;
		for (unsigned op = 0; op <= AT_ALL; op++) {
			if (!c->ref[op])
				continue;
			if (p < AT_NPT)
				row(o, at_point_names[p], op, c->ref[op], c->found[p][op]);
			else
				row(o, "attributed", op, c->ref[op], c->all[op]);
		}
	}
	out_table_end(o);
	/* why the rest were not found: what each capture itself could not see */
	out_begin(o, "coverage_why", NULL);
	for (int p = 0; p < AT_NPT; p++) {
		const struct at_point *pt = &x->pt[p];
		if (p == x->ref || !(x->given & 1u << p) || p == AT_APP)
			continue;
		uint64_t miss = c->ref[AT_ALL] - c->found[p][AT_ALL];
		if (text) {
			if (miss)
				out_note(o, "  %s: %llu of the %s's RPCs not found; in this capture: record headers not "
					 "captured %llu times (%llu bytes skipped to find the next), %llu calls without a "
					 "reply, %llu bytes never captured (gaps)", at_point_names[p],
					 (unsigned long long)miss, at_point_names[x->ref], (unsigned long long)pt->hidden,
					 (unsigned long long)pt->skipped, (unsigned long long)pt->unanswered,
					 (unsigned long long)pt->gap_bytes);
			continue;
		}
		out_begin(o, at_point_names[p], NULL);
		out_u64(o, "not_found", NULL, miss, NULL);
		out_u64(o, "headers_not_captured", NULL, pt->hidden, NULL);
		out_u64(o, "bytes_skipped", NULL, pt->skipped, NULL);
		out_u64(o, "calls_without_reply", NULL, pt->unanswered, NULL);
		out_u64(o, "gap_bytes", NULL, pt->gap_bytes, NULL);
		out_end(o);
	}
	if (x->ref == AT_APP && x->app_transport) {
		if (text)
			out_note(o, "  app: %llu RPCs got no reply (not attributed)", (unsigned long long)x->app_transport);
		else
			out_u64(o, "app_without_reply", NULL, x->app_transport, NULL);
	}
	out_end(o);
	double share = c->ref[AT_ALL] ? (double)c->all[AT_ALL] / (double)c->ref[AT_ALL] : 0;
	out_dbl(o, "attributed_share", text ? "Share of the RPCs attributed" : NULL, 100 * share, "%.2f", "%");
	if (share < COV_MIN) {
		char w[256];
		snprintf(w, sizeof(w),
			 "the verdicts below rest on %.1f %% of the %s's RPCs (under %.0f %%): the rest were not "
			 "found at every point and need not look like them; capture with nfscap capture "
			 "(lab capture start --rpc) to cover them", 100 * share, at_point_names[x->ref], 100 * COV_MIN);
		if (text)
			out_note(o, "warning: %s", w);
		else
			out_str(o, "coverage_warning", NULL, w);
	}
}
