/* irq.c - IRQ affinity for an interface's queues.
 *
 * Which IRQs: the device's msi_irqs directory (for virtio-net the PCI
 * function above the virtio device holds it), named through
 * /proc/interrupts; without msi_irqs, the IRQs whose names carry the
 * interface's name. Only queue IRQs are placed: config, control and link
 * vectors are left alone.
 *
 * Where: explicit CPUs per queue; spread over the NIC's NUMA-local CPUs
 * (one thread per core first, then the siblings), the layout vendor guides
 * recommend for 10 GbE; or one queue per core, round robin over every core
 * (when the NIC's node has too few cores). */
#include "tune_irq.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mem.h"
#include "tune_link.h"
#include "tune_sysctl.h"

/* ------------------------------------------------------------------ */
/* /proc/interrupts                                                     */

static bool is_trigger(const char *tok, size_t n)
{
	/* "PCI-MSI 524288-edge", "IO-APIC 9-fasteoi", "edge", "Level" */
	static const char *const trig[] = {"edge", "level", "fasteoi", NULL};
	for (const char *const *t = trig; *t; t++) {
		size_t tl = strlen(*t);
		if (n >= tl && !strncasecmp(tok + n - tl, *t, tl) && (n == tl || tok[n - tl - 1] == '-'))
			return true;
	}
	return false;
}

int tune_irq_parse_interrupts(const char *text, size_t len, struct irq_line **out, size_t *n, unsigned *ncpus)
{
	struct irq_line *v = NULL;
	size_t cnt = 0, cap = 0;
	const char *p = text, *end = text + len;
	unsigned cpus = 0;
	bool header = true;

	*out = NULL;
	*n = 0;
	*ncpus = 0;
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		if (!eol)
			eol = end;
		const char *q = p;
		p = eol < end ? eol + 1 : end;
		while (q < eol && (*q == ' ' || *q == '\t'))
			q++;
		if (header) {
			/* "           CPU0       CPU1 ..." */
			header = false;
			for (const char *s = q; s + 3 <= eol; s++)
				if (!strncmp(s, "CPU", 3))
					cpus++;
			if (cpus)
				continue;
		}
		/* "  25:" */
		unsigned long irq = 0;
		const char *s = q;
		while (s < eol && isdigit((unsigned char)*s) && irq < 1000000)
			irq = irq * 10 + (unsigned long)(*s++ - '0');
		if (s == q || s >= eol || *s != ':' || irq >= 1000000)
			continue;
		s++;
		/* skip one count per CPU */
		for (unsigned c = 0; c < cpus; c++) {
			while (s < eol && (*s == ' ' || *s == '\t'))
				s++;
			while (s < eol && isdigit((unsigned char)*s))
				s++;
		}
		/* the rest: chip, hwirq-trigger, names; names follow the trigger */
		const char *name = NULL;
		while (s < eol) {
			while (s < eol && (*s == ' ' || *s == '\t'))
				s++;
			if (s >= eol)
				break;
			const char *tok = s;
			while (s < eol && *s != ' ' && *s != '\t')
				s++;
			if (is_trigger(tok, (size_t)(s - tok)))
				name = s;
		}
		if (!name) {
			/* no trigger column: the last word */
			const char *t = eol;
			while (t > q && (t[-1] == ' ' || t[-1] == '\t'))
				t--;
			const char *b = t;
			while (b > q && b[-1] != ' ' && b[-1] != '\t')
				b--;
			name = b;
		}
		while (name < eol && (*name == ' ' || *name == '\t'))
			name++;
		const char *ne = eol;
		while (ne > name && (ne[-1] == ' ' || ne[-1] == '\t' || ne[-1] == '\r'))
			ne--;
		if (ne <= name)
			continue;
		if (MEM_GROW(&v, &cap, cnt + 1, 64)) {
			free(v);
			return ENOMEM;
		}
		v[cnt].irq = (unsigned)irq;
		size_t nl = (size_t)(ne - name);
		if (nl >= sizeof(v[cnt].name))
			nl = sizeof(v[cnt].name) - 1;
		memcpy(v[cnt].name, name, nl);
		v[cnt].name[nl] = '\0';
		for (size_t i = 0; i < nl; i++)
			if (!isprint((unsigned char)v[cnt].name[i]))
				v[cnt].name[i] = '?';
		cnt++;
	}
	*out = v;
	*n = cnt;
	*ncpus = cpus;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Queue names                                                          */

bool tune_irq_classify(const char *name, unsigned *queue, char *role, size_t len)
{
	static const struct {
		const char *pat;
		const char *role;
	} pats[] = {
		{"txrx-", "txrx"}, {"input.", "rx"}, {"output.", "tx"}, {"-rx-", "rx"}, {"-tx-", "tx"},
		{"-fp-", "txrx"}, {"_comp", "txrx"},
	};
	char low[64];
	size_t n = strlen(name);
	if (n >= sizeof(low))
		n = sizeof(low) - 1;
	for (size_t i = 0; i < n; i++)
		low[i] = (char)tolower((unsigned char)name[i]);
	low[n] = '\0';
	for (size_t i = 0; i < sizeof(pats) / sizeof(pats[0]); i++) {
		const char *hit = NULL, *s = low;
		/* the last occurrence: "i40e-eth1-TxRx-3" */
		while ((s = strstr(s, pats[i].pat))) {
			hit = s;
			s++;
		}
		if (!hit)
			continue;
		const char *d = hit + strlen(pats[i].pat);
		if (!isdigit((unsigned char)*d))
			continue;
		unsigned long v = 0;
		while (isdigit((unsigned char)*d) && v < 100000)
			v = v * 10 + (unsigned long)(*d++ - '0');
		if (*d && *d != '@' && *d != ' ' && *d != ',')
			continue;
		*queue = (unsigned)v;
		snprintf(role, len, "%s", pats[i].role);
		return true;
	}
	return false;
}

/* ------------------------------------------------------------------ */
/* Discovery                                                            */

static int read_interrupts(const struct tune *t, struct irq_line **v, size_t *n, char *err, size_t len)
{
	char p[PATH_MAX];
	unsigned ncpu;
	if (tune_path(t, p, sizeof(p), "/proc/interrupts"))
		return ENAMETOOLONG;
	char *text;
	size_t used;
	int e = tune_read_whole(p, 64u << 20, &text, &used);
	if (e) {
		snprintf(err, len, "%s: %s", p, strerror(e));
		return e;
	}
	int rc = tune_irq_parse_interrupts(text, used, v, n, &ncpu);
	free(text);
	return rc;
}

static int cmp_q(const void *a, const void *b)
{
	const struct irq_q *x = a, *y = b;
	if (x->queue != y->queue)
		return x->queue < y->queue ? -1 : 1;
	int r = strcmp(x->role, y->role);
	if (r)
		return r;
	return x->irq < y->irq ? -1 : x->irq > y->irq;
}

/* The device directory holding msi_irqs: the device itself, or for
 * virtio-net its parent PCI function. */
static int msi_dir(const struct tune *t, const char *ifname, char *out, size_t len)
{
	static const char *const inside[] = {"/sys/", NULL};
	static const char *const rel[] = {"device/msi_irqs", "device/../msi_irqs"};
	for (size_t i = 0; i < 2; i++) {
		if (tune_path(t, out, len, "/sys/class/net/%s/%s", ifname, rel[i]))
			return ENAMETOOLONG;
		if (!access(out, F_OK) && tune_path_inside(t, out, inside))
			return 0;
	}
	return ENOENT;
}

int tune_irq_discover(const struct tune *t, const char *ifname, struct irq_q **out, size_t *n, char *err, size_t len)
{
	struct irq_line *lines = NULL;
	size_t nl = 0, cnt = 0;
	struct irq_q *v = NULL;
	char dir[PATH_MAX];
	bool *msi = NULL;
	int rc;

	*out = NULL;
	*n = 0;
	if (!tune_ifname_ok(ifname)) {
		snprintf(err, len, "'%s' is not an interface name", ifname);
		return EINVAL;
	}
	rc = read_interrupts(t, &lines, &nl, err, len);
	if (rc)
		return rc;
	bool have_msi = msi_dir(t, ifname, dir, sizeof(dir)) == 0;
	if (have_msi) {
		msi = calloc(nl ? nl : 1, sizeof(bool));
		DIR *d = opendir(dir);
		if (!msi || !d) {
			if (d)
				closedir(d);
			free(msi);
			free(lines);
			snprintf(err, len, "%s: cannot list", dir);
			return ENOMEM;
		}
		struct dirent *e;
		while ((e = readdir(d))) {
			uint64_t irq;
			if (tune_parse_u64(e->d_name, 0, 999999, &irq))
				continue;
			for (size_t i = 0; i < nl; i++)
				if (lines[i].irq == irq)
					msi[i] = true;
		}
		closedir(d);
	}
	v = calloc(nl ? nl : 1, sizeof(*v));
	if (!v) {
		free(msi);
		free(lines);
		return ENOMEM;
	}
	size_t il = strlen(ifname);
	for (size_t i = 0; i < nl; i++) {
		if (have_msi && !msi[i])
			continue;
		if (!have_msi) {
			/* "eth1-TxRx-0", "i40e-eth1-TxRx-0": the name as a whole word */
			const char *s = lines[i].name, *hit = NULL;
			while ((s = strstr(s, ifname))) {
				bool left = s == lines[i].name || s[-1] == '-' || s[-1] == '@';
				bool right = s[il] == '-' || s[il] == '\0' || s[il] == '@';
				if (left && right) {
					hit = s;
					break;
				}
				s++;
			}
			if (!hit)
				continue;
		}
		unsigned q;
		char role[8];
		if (!tune_irq_classify(lines[i].name, &q, role, sizeof(role)))
			continue;
		v[cnt].irq = lines[i].irq;
		v[cnt].queue = q;
		snprintf(v[cnt].role, sizeof(v[cnt].role), "%s", role);
		snprintf(v[cnt].name, sizeof(v[cnt].name), "%s", lines[i].name);
		cnt++;
	}
	free(msi);
	free(lines);
	if (!cnt) {
		free(v);
		if (have_msi)
			snprintf(err, len, "%s has MSI vectors but none is named like a queue in /proc/interrupts", ifname);
		else
			snprintf(err, len, "%s has no queue IRQs (no device msi_irqs, no /proc/interrupts name with %s): "
				 "virtual devices (veth, bridge, tap) are served by their peers' and the host's CPUs",
				 ifname, ifname);
		return ENOTSUP;
	}
	qsort(v, cnt, sizeof(*v), cmp_q);
	*out = v;
	*n = cnt;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Strategies                                                           */

int tune_irq_strategy_parse(const char *s)
{
	if (!strcmp(s, "explicit"))
		return IRQ_EXPLICIT;
	if (!strcmp(s, "spread-local"))
		return IRQ_SPREAD_LOCAL;
	if (!strcmp(s, "round-robin"))
		return IRQ_ROUND_ROBIN;
	return -1;
}

const char *tune_irq_strategy_name(enum irq_strategy s)
{
	switch (s) {
	case IRQ_EXPLICIT: return "explicit";
	case IRQ_SPREAD_LOCAL: return "spread-local";
	case IRQ_ROUND_ROBIN: return "round-robin";
	}
	return "?";
}

static int read_cpulist_file(const char *p, struct cpulist *set)
{
	char buf[4096];
	int rc = tune_read_file(p, buf, sizeof(buf));
	if (!rc)
		rc = parse_cpulist(buf, set, NULL, 0);
	return rc;
}

int tune_irq_local_cpus(const struct tune *t, const char *ifname, struct cpulist *set, char *why, size_t len)
{
	static const char *const rel[] = {"device", "device/.."};
	char p[PATH_MAX], buf[64];
	struct cpulist online;

	if (tune_online_cpus(t, &online)) {
		snprintf(why, len, "cannot read the online CPUs");
		return ENOENT;
	}
	for (size_t i = 0; i < 2; i++) {
		if (!tune_path(t, p, sizeof(p), "/sys/class/net/%s/%s/local_cpulist", ifname, rel[i]) &&
		    !read_cpulist_file(p, set)) {
			for (unsigned w = 0; w < CPU_LIST_MAX / 64; w++)
				set->bits[w] &= online.bits[w];
			if (cpulist_count(set)) {
				snprintf(why, len, "NUMA-local CPUs of %s", ifname);
				return 0;
			}
		}
		uint64_t node;
		if (!tune_path(t, p, sizeof(p), "/sys/class/net/%s/%s/numa_node", ifname, rel[i]) &&
		    !tune_read_file(p, buf, sizeof(buf)) && !tune_parse_u64(buf, 0, 4095, &node) &&
		    !tune_path(t, p, sizeof(p), "/sys/devices/system/node/node%u/cpulist", (unsigned)node) &&
		    !read_cpulist_file(p, set)) {
			for (unsigned w = 0; w < CPU_LIST_MAX / 64; w++)
				set->bits[w] &= online.bits[w];
			if (cpulist_count(set)) {
				snprintf(why, len, "CPUs of NUMA node %u", (unsigned)node);
				return 0;
			}
		}
	}
	*set = online;
	snprintf(why, len, "no NUMA information for %s: all online CPUs", ifname);
	return 0;
}

/* Is cpu the first thread of its core? (no topology: every CPU is) */
static bool primary_thread(const struct tune *t, unsigned cpu)
{
	char p[PATH_MAX];
	struct cpulist sib;
	if (tune_path(t, p, sizeof(p), "/sys/devices/system/cpu/cpu%u/topology/thread_siblings_list", cpu) ||
	    read_cpulist_file(p, &sib))
		return true;
	for (unsigned c = 0; c < cpu; c++)
		if (cpulist_has(&sib, c))
			return false;
	return true;
}

/* Candidate CPUs in placement order: first threads of cores, then (unless
 * primaries_only) their siblings. */
static size_t order_cpus(const struct tune *t, const struct cpulist *set, bool primaries_only, unsigned *out)
{
	size_t n = 0;
	for (int pass = 0; pass < 2; pass++) {
		if (pass == 1 && primaries_only && n)
			break;
		for (unsigned c = 0; c < CPU_LIST_MAX; c++) {
			if (!cpulist_has(set, c))
				continue;
			bool prim = primary_thread(t, c);
			if ((pass == 0) == prim)
				out[n++] = c;
		}
	}
	return n;
}

int tune_irq_assign(const struct tune *t, const char *ifname, const struct irq_cfg *cfg, const struct irq_q *q, size_t n,
	       struct cpulist *out, char *err, size_t len)
{
	struct cpulist cand, online;
	char why[128];
	unsigned *order = NULL;

	if (tune_online_cpus(t, &online)) {
		snprintf(err, len, "cannot read the online CPUs");
		return ENOENT;
	}
	if (cfg->strategy == IRQ_EXPLICIT) {
		for (size_t i = 0; i < n; i++) {
			if (q[i].queue >= cfg->nqueues || !cfg->queue_set[q[i].queue]) {
				snprintf(err, len, "no CPUs given for queue %u (IRQ %u %s)", q[i].queue, q[i].irq, q[i].name);
				return EINVAL;
			}
			out[i] = cfg->queue_cpus[q[i].queue];
		}
		for (size_t j = 0; j < cfg->nqueues; j++) {
			bool used = !cfg->queue_set[j];
			for (size_t i = 0; i < n && !used; i++)
				used = q[i].queue == j;
			if (!used) {
				snprintf(err, len, "queue %zu has no IRQ on %s", j, ifname);
				return EINVAL;
			}
		}
		return 0;
	}
	if (cfg->strategy == IRQ_SPREAD_LOCAL)
		tune_irq_local_cpus(t, ifname, &cand, why, sizeof(why));
	else
		cand = online;
	if (cfg->has_cpus)
		for (unsigned w = 0; w < CPU_LIST_MAX / 64; w++)
			cand.bits[w] &= cfg->cpus.bits[w];
	if (!cpulist_count(&cand)) {
		snprintf(err, len, "no online CPU left for %s's IRQs (strategy %s%s)", ifname,
			 tune_irq_strategy_name(cfg->strategy), cfg->has_cpus ? ", restricted by cpus" : "");
		return EINVAL;
	}
	order = calloc(CPU_LIST_MAX, sizeof(*order));
	if (!order)
		return ENOMEM;
	size_t nc = order_cpus(t, &cand, cfg->strategy == IRQ_ROUND_ROBIN, order);
	/* queues in order of appearance; both IRQs of a queue share a CPU */
	size_t slot = 0;
	for (size_t i = 0; i < n; i++) {
		if (i && q[i].queue != q[i - 1].queue)
			slot++;
		memset(&out[i], 0, sizeof(out[i]));
		unsigned c = order[slot % nc];
		out[i].bits[c / 64] |= UINT64_C(1) << (c % 64);
	}
	free(order);
	return 0;
}

/* ------------------------------------------------------------------ */
/* The knob                                                             */

int tune_irq_knob_init(const struct tune *t, struct knob *k, unsigned irq, const char *name)
{
	if (tune_path(t, k->arg, sizeof(k->arg), "/proc/irq/%u/smp_affinity_list", irq))
		return ENAMETOOLONG;
	k->idx = irq;
	snprintf(k->detail, sizeof(k->detail), "%s", name);
	return 0;
}

static int irqk_read(struct tune *t, struct knob *k)
{
	struct cpulist set;
	static const char *const inside[] = {"/proc/irq/", NULL};
	if (access(k->arg, F_OK) || !tune_path_inside(t, k->arg, inside))
		return knob_fail(k, ENOENT, "IRQ %u is gone (%s)", k->idx, k->arg);
	int rc = knob_file_read(t, k);
	if (rc)
		return rc;
	if (parse_cpulist(k->cur, &set, NULL, 0))
		return knob_fail(k, EINVAL, "unreadable affinity '%s'", k->cur);
	cpulist_format(&set, k->cur, sizeof(k->cur));
	return 0;
}

static int irqk_check(struct tune *t, struct knob *k)
{
	struct cpulist want;
	int rc = tune_want_cpus(t, k, &want);
	if (rc)
		return rc;
	if (!tune_cpulist_same(k, k->cur, k->want) && tune_process_running(t, "irqbalance")) {
		if (!t->force)
			return knob_fail(k, EBUSY, "irqbalance is running and would move these IRQs again: stop it "
					 "(systemctl stop irqbalance) or ban their CPUs from it, or use --force");
		tune_warn(t, "irqbalance is running: it may move the IRQs nfstune placed (--force)");
	}
	return 0;
}

static int irqk_apply(struct tune *t, struct knob *k, const char *v)
{
	int rc = knob_file_apply(t, k, v);
	if (rc == EIO)
		knob_fail(k, rc, "the kernel manages IRQ %u's affinity itself (managed IRQ): %s", k->idx, strerror(rc));
	return rc;
}

const struct knob_type knob_irq = {
	.name = "irq", .cls = KNOB_LIVE, .rank = RANK_IRQ,
	.read = irqk_read, .check = irqk_check, .apply = irqk_apply, .same = tune_cpulist_same,
};

int tune_irq_show(struct tune *t, const char *ifname, struct knobs *ks)
{
	struct irq_q *q;
	size_t n;
	char err[512], name[64];
	if (tune_irq_discover(t, ifname, &q, &n, err, sizeof(err)))
		return 0; /* no queue IRQs: nothing to show */
	for (size_t i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "irq.%u", q[i].irq);
		struct knob *k = knobs_add(ks, &knob_irq, ifname, name);
		if (!k || tune_irq_knob_init(t, k, q[i].irq, q[i].name)) {
			free(q);
			return ENOMEM;
		}
	}
	free(q);
	return 0;
}
