/* test_nfstune.c - nfstune on fake /proc and /sys trees (--root), without
 * touching the kernel: profile validation (a table of good and bad
 * profiles and the exact message each must give), IRQ discovery and the
 * three placement strategies on a 16-queue virtio-net guest and a 2-port
 * ixgbe host with 2 NUMA nodes, and the parsers of /proc/interrupts,
 * /proc/mounts, mountinfo, CPU masks and QEMU command lines. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "tune_engine.h"
#include "tune_irq.h"
#include "tune_nfs.h"
#include "tune_profile.h"
#include "tune_qdisc.h"
#include "tune_sysctl.h"
#include "tune_virtio.h"

static const char *fixtures(void)
{
	const char *f = getenv("NFSTUNE_FIXTURES");
	return f ? f : "tests/fixtures/nfstune";
}

static char home[PATH_MAX];

static void root_of(struct tune *t, const char *tree)
{
	char rel[PATH_MAX];
	tune_init(t);
	t->no_netlink = true;
	/* absolute: some tests change directory */
	snprintf(rel, sizeof(rel), "%s/%s/%s", home, fixtures(), tree);
	if (fixtures()[0] == '/')
		snprintf(rel, sizeof(rel), "%s/%s", fixtures(), tree);
	assert_non_null(realpath(rel, t->root));
}

static char tmpdir[PATH_MAX];

static int setup_tmp(void **state)
{
	(void)state;
	if (!getcwd(home, sizeof(home)))
		return -1;
	snprintf(tmpdir, sizeof(tmpdir), "%s/nfstune-unit.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int rm_cb(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(p);
}

static int teardown_tmp(void **state)
{
	(void)state;
	return nftw(tmpdir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	chmod(path, mode);
}

/* All collected errors joined by newlines. */
static const char *errors(const struct tune *t)
{
	static char buf[16384];
	size_t used = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < t->nerrs; i++)
		used += (size_t)snprintf(buf + used, sizeof(buf) - used, "%s\n", t->errs[i]);
	return buf;
}

/* ------------------------------------------------------------------ */
/* Profiles                                                             */

struct pcase {
	const char *name;
	const char *tree;
	const char *text;
	const char *want_err; /* NULL: must build cleanly */
	size_t want_knobs;    /* when clean */
};

static const struct pcase pcases[] = {
	{"clean guest profile", "guest16",
	 "// a guest\n{\"interfaces\": {\"eth0\": {\"irq\": {\"strategy\": \"spread-local\"}, \"rps_cpus\": \"0-3\"}},\n"
	 " \"sunrpc\": {\"tcp_slot_table_entries\": 128},\n"
	 " \"sysctl\": {\"net.ipv4.tcp_rmem\": [4096, 131072, \"16m\"], \"vm.dirty_ratio\": 10},\n"
	 " \"nfs\": {\"mounts\": {\"/mnt/data\": {\"rsize\": 1048576, \"nconnect\": 4, \"read_ahead_kb\": 4096}}},\n"
	 " \"nfsbench\": {\"connections\": 4, \"slots\": 64}}",
	 NULL, 32 + 1 + 1 + 2 + 3},
	{"syntax error", "guest16", "{\n  \"interfaces\": {\"eth0\": {\"rps_cpus\": \"0\" \"x\": 1}}\n}",
	 "p.json:2:43: syntax error: object value separator ',' expected", 0},
	{"unknown knob with suggestion", "guest16", "{\"interfaces\": {\"eth0\": {\"txqeuelen\": 5000}}}",
	 "p.json:1:26: interfaces.eth0.txqeuelen: unknown knob 'txqeuelen' (did you mean 'txqueuelen'?)", 0},
	{"unknown top-level key", "guest16", "{\"sysctls\": {}}", "p.json:1:2: sysctls: unknown knob 'sysctls' (did you mean 'sysctl'?)", 0},
	{"mtu out of range", "guest16", "{\"interfaces\": {\"eth0\": {\"mtu\": 70000}}}",
	 "interfaces.eth0.mtu: 70000 is outside 68..65536", 0},
	{"unknown interface", "guest16", "{\"interfaces\": {\"eth9\": {\"mtu\": 9000}}}",
	 "p.json:1:17: interfaces.eth9: no interface eth9 under --root", 0},
	{"bad interface name", "guest16", "{\"interfaces\": {\"../x\": {\"mtu\": 9000}}}",
	 "interfaces.../x: '../x' is not a valid interface name", 0},
	{"bad cpu list", "guest16", "{\"interfaces\": {\"eth0\": {\"rps_cpus\": \"0-x\"}}}",
	 "interfaces.eth0.rps_cpus: bad cpu list '0-x'", 0},
	{"sunrpc out of range", "guest16", "{\"sunrpc\": {\"tcp_slot_table_entries\": 1}}",
	 "p.json:1:39: sunrpc.tcp_slot_table_entries: 1 is outside 2..65536", 0},
	{"sunrpc start above max", "guest16",
	 "{\"sunrpc\": {\"tcp_slot_table_entries\": 256, \"tcp_max_slot_table_entries\": 128}}",
	 "sunrpc.tcp_slot_table_entries: 256 is above tcp_max_slot_table_entries 128", 0},
	{"sunrpc not loaded", "ixgbe2", "{\"sunrpc\": {\"tcp_slot_table_entries\": 128}}",
	 "the sunrpc module is not loaded", 0},
	{"sysctl outside the allowed trees", "guest16", "{\"sysctl\": {\"kernel.panic\": 1}}",
	 "p.json:1:13: sysctl.kernel.panic: nfstune tunes sysctls under net., vm., sunrpc. and fs.nfs. only", 0},
	{"sysctl with dots in its name", "guest16", "{\"sysctl\": {\"net.core..rmem_max\": 1}}",
	 "sysctl.net.core..rmem_max: not a sysctl name", 0},
	{"sysctl escaping /proc/sys", "guest16", "{\"sysctl\": {\"net.core.escape.hostname\": \"x\"}}",
	 "leads outside /proc/sys", 0},
	{"sysctl absent", "guest16", "{\"sysctl\": {\"net.core.netdev_budget\": 600}}",
	 "sysctl.net.core.netdev_budget: no such sysctl here", 0},
	{"sysctl range", "guest16", "{\"sysctl\": {\"vm.dirty_ratio\": 101}}",
	 "p.json:1:13: sysctl.vm.dirty_ratio: 101 is outside 0..100", 0},
	{"sysctl triple order", "guest16", "{\"sysctl\": {\"net.ipv4.tcp_rmem\": \"4096 1 2\"}}",
	 "min 4096, default 1, max 2 are not in order", 0},
	{"nfs mount missing", "guest16", "{\"nfs\": {\"mounts\": {\"/mnt/nope\": {\"rsize\": 65536}}}}",
	 "nfs.mounts./mnt/nope: no NFS mount at /mnt/nope", 0},
	{"nfs rsize not pages", "guest16", "{\"nfs\": {\"mounts\": {\"/mnt/data\": {\"rsize\": 5000}}}}",
	 "nfs.mounts./mnt/data.rsize: 5000 is not a multiple of 4096", 0},
	{"nfs nconnect", "guest16", "{\"nfs\": {\"mounts\": {\"/mnt/data\": {\"nconnect\": 17}}}}",
	 "nfs.mounts./mnt/data.nconnect: 17 is outside 1..16", 0},
	{"tbf without burst", "guest16", "{\"interfaces\": {\"eth0\": {\"qdisc\": {\"kind\": \"tbf\", \"rate\": \"1gbit\", \"latency\": \"5ms\"}}}}",
	 "interfaces.eth0.qdisc: tbf needs a burst", 0},
	{"qdisc unknown kind", "guest16", "{\"interfaces\": {\"eth0\": {\"qdisc\": \"htb\"}}}",
	 "'htb' is not a root qdisc nfstune sets", 0},
	{"irq strategy unknown", "guest16", "{\"interfaces\": {\"eth0\": {\"irq\": {\"strategy\": \"spread\"}}}}",
	 "interfaces.eth0.irq.strategy: 'spread' is not a strategy", 0},
	{"irq explicit missing queue", "guest16",
	 "{\"interfaces\": {\"eth0\": {\"irq\": {\"strategy\": \"explicit\", \"queues\": [\"0\", \"1\"]}}}}",
	 "interfaces.eth0.irq: no CPUs given for queue 2", 0},
	{"feature name", "guest16", "{\"interfaces\": {\"eth0\": {\"features\": {\"G R O\": true}}}}",
	 "'G R O' is not a feature name", 0},
	{"channels combined zero", "guest16", "{\"interfaces\": {\"eth0\": {\"channels\": {\"combined\": 0}}}}",
	 "interfaces.eth0.channels.combined: 0 is outside 1..65536", 0},
	{"nfsbench range", "guest16", "{\"nfsbench\": {\"connections\": 0}}",
	 "nfsbench.connections: 0 is outside 1..256", 0},
	{"virtio vm not running (vhost_cpus needs it)", "guest16",
	 "{\"virtio\": {\"vms\": {\"vm1\": {\"pid\": 999999, \"vhost_cpus\": \"1\"}}}}",
	 "virtio.vms.vm1: no process 999999", 0},
	{"virtio vm stopped: queues still planned", "guest16",
	 "{\"virtio\": {\"vms\": {\"vm1\": {\"pid\": 999999, \"queues\": 4, \"rx_queue_size\": 1024}}}}", NULL, 2},
	{"virtio ring size", "guest16", "{\"virtio\": {\"vms\": {\"vm1\": {\"rx_queue_size\": 768}}}}",
	 "virtio.vms.vm1.rx_queue_size: 768 is not a power of two", 0},
};

static void test_profiles(void **state)
{
	char path[PATH_MAX];
	(void)state;
	for (size_t i = 0; i < sizeof(pcases) / sizeof(pcases[0]); i++) {
		const struct pcase *c = &pcases[i];
		struct tune t;
		struct prof p;
		struct knobs ks = {0};
		root_of(&t, c->tree);
		snprintf(path, sizeof(path), "%s/p.json", tmpdir);
		write_file(path, c->text, 0644);
		assert_int_equal(chdir(tmpdir), 0);
		int rc = tune_prof_load(&t, &p, "p.json");
		size_t errs = rc ? 1 : tune_prof_build(&t, &p, &ks);
		assert_int_equal(chdir(home), 0);
		if (c->want_err) {
			if (!errs || !strstr(errors(&t), c->want_err))
				fail_msg("%s: wanted an error with \"%s\", got:\n%s", c->name, c->want_err, errors(&t));
		} else {
			if (errs || t.nerrs)
				fail_msg("%s: unexpected errors:\n%s", c->name, errors(&t));
			if (ks.n != c->want_knobs)
				fail_msg("%s: %zu knobs, wanted %zu", c->name, ks.n, c->want_knobs);
		}
		knobs_free(&ks);
		tune_prof_free(&p);
		tune_fini(&t);
	}
}

/* include: the base first, the including file overrides; an error in the
 * base points at the base file's own line */
static void test_include(void **state)
{
	char base[PATH_MAX], top[PATH_MAX], cyc[PATH_MAX];
	struct tune t;
	struct prof p;
	struct knobs ks = {0};
	(void)state;

	snprintf(base, sizeof(base), "%s/base.json", tmpdir);
	snprintf(top, sizeof(top), "%s/top.json", tmpdir);
	write_file(base, "{\n \"sysctl\": {\"vm.dirty_ratio\": 15, \"vm.dirty_background_ratio\": 5},\n"
			 " \"sunrpc\": {\"tcp_slot_table_entries\": 64}\n}\n", 0644);
	write_file(top, "{\"include\": \"base.json\",\n \"sysctl\": {\"vm.dirty_ratio\": 10}}\n", 0644);
	root_of(&t, "guest16");
	assert_int_equal(tune_prof_load(&t, &p, top), 0);
	assert_int_equal(tune_prof_build(&t, &p, &ks), 0);
	assert_int_equal(ks.n, 3);
	struct knob *k = knobs_find(&ks, "sysctl", "vm.dirty_ratio");
	assert_non_null(k);
	assert_string_equal(k->want, "10");
	assert_string_equal(k->file, top);
	k = knobs_find(&ks, "sunrpc", "tcp_slot_table_entries");
	assert_non_null(k);
	assert_string_equal(k->file, base);
	assert_int_equal(k->line, 3);
	knobs_free(&ks);
	tune_prof_free(&p);
	tune_fini(&t);

	/* an inherited bad value is reported in the file that holds it */
	write_file(base, "{\n \"sunrpc\": {\"tcp_slot_table_entries\": 1}\n}\n", 0644);
	root_of(&t, "guest16");
	assert_int_equal(tune_prof_load(&t, &p, top), 0);
	assert_int_not_equal(tune_prof_build(&t, &p, &ks), 0);
	char want[PATH_MAX + 64];
	snprintf(want, sizeof(want), "%s:2:39: sunrpc.tcp_slot_table_entries: 1 is outside", base);
	if (!strstr(errors(&t), want))
		fail_msg("wanted \"%s\", got:\n%s", want, errors(&t));
	knobs_free(&ks);
	tune_prof_free(&p);
	tune_fini(&t);

	/* a cycle is refused */
	snprintf(cyc, sizeof(cyc), "%s/cyc.json", tmpdir);
	write_file(cyc, "{\"include\": \"cyc.json\"}", 0644);
	root_of(&t, "guest16");
	assert_int_not_equal(tune_prof_load(&t, &p, cyc), 0);
	assert_non_null(strstr(errors(&t), "included twice or in a cycle"));
	tune_prof_free(&p);
	tune_fini(&t);
}

/* apply's rule: the file must be root's and not writable by others */
static void test_strict(void **state)
{
	char path[PATH_MAX];
	struct tune t;
	struct prof p;
	(void)state;
	snprintf(path, sizeof(path), "%s/ww.json", tmpdir);
	write_file(path, "{}", 0666);
	chmod(path, 0666);
	root_of(&t, "guest16");
	assert_int_not_equal(tune_prof_load(&t, &p, path), 0);
	assert_non_null(strstr(errors(&t), "writable by everyone (mode 0666)"));
	tune_prof_free(&p);
	tune_fini(&t);

	chmod(path, 0664);
	root_of(&t, "guest16");
	assert_int_not_equal(tune_prof_load(&t, &p, path), 0);
	assert_non_null(strstr(errors(&t), "writable by its group (mode 0664)"));
	tune_prof_free(&p);
	tune_fini(&t);

	if (geteuid() == 0) {
		assert_int_equal(chown(path, 1000, 1000), 0);
		chmod(path, 0644);
		root_of(&t, "guest16");
		assert_int_not_equal(tune_prof_load(&t, &p, path), 0);
		assert_non_null(strstr(errors(&t), "owned by uid 1000, not root"));
		tune_prof_free(&p);
		tune_fini(&t);
	}
}

/* The shipped profiles build cleanly on the trees they describe. */
static void test_configs(void **state)
{
	static const struct {
		const char *file, *tree;
		size_t min_knobs;
	} cfgs[] = {
		{"configs/10gbe-throughput-host.json", "ixgbe2", 20},
		{"configs/10gbe-latency-host.json", "ixgbe2", 20},
		{"configs/guest-virtio.json", "guest16", 40},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cfgs) / sizeof(cfgs[0]); i++) {
		char path[PATH_MAX];
		struct tune t;
		struct prof p;
		struct knobs ks = {0};
		snprintf(path, sizeof(path), "%s/%s", home, cfgs[i].file);
		root_of(&t, cfgs[i].tree);
		if (tune_prof_load(&t, &p, path) || tune_prof_build(&t, &p, &ks) || t.nerrs)
			fail_msg("%s:\n%s", cfgs[i].file, errors(&t));
		if (ks.n < cfgs[i].min_knobs)
			fail_msg("%s: only %zu knobs", cfgs[i].file, ks.n);
		assert_true(p.has_nfsbench);
		knobs_free(&ks);
		tune_prof_free(&p);
		tune_fini(&t);
	}
}

/* ------------------------------------------------------------------ */
/* IRQs                                                                 */

static void test_interrupts_parse(void **state)
{
	static const char text[] =
		"           CPU0       CPU1\n"
		"  0:         44          0   IO-APIC   2-edge      timer\n"
		" 25:          1          2   PCI-MSI 49153-edge      virtio0-input.0\n"
		" 26:          3          4   PCI-MSI 49154-edge      virtio0-output.0\n"
		" 40:          0          0  IR-PCI-MSI 1048576-edge      i40e-eth1-TxRx-3\n"
		" 41:          0          0  mlx5_comp7@pci:0000:3b:00.0\n"
		"NMI:          0          0   Non-maskable interrupts\n"
		"garbage line\n"
		"99999999999: 1 2\n";
	struct irq_line *v;
	size_t n;
	unsigned ncpu;
	(void)state;
	assert_int_equal(tune_irq_parse_interrupts(text, sizeof(text) - 1, &v, &n, &ncpu), 0);
	assert_int_equal(ncpu, 2);
	assert_int_equal(n, 5);
	assert_int_equal(v[1].irq, 25);
	assert_string_equal(v[1].name, "virtio0-input.0");
	assert_string_equal(v[3].name, "i40e-eth1-TxRx-3");
	assert_string_equal(v[4].name, "mlx5_comp7@pci:0000:3b:00.0");
	free(v);

	/* names to queues */
	static const struct {
		const char *name;
		int queue;
		const char *role;
	} names[] = {
		{"virtio0-input.3", 3, "rx"},	 {"virtio0-output.15", 15, "tx"}, {"eth1-TxRx-11", 11, "txrx"},
		{"i40e-eth1-TxRx-3", 3, "txrx"}, {"eth2-rx-1", 1, "rx"},	     {"eth2-tx-0", 0, "tx"},
		{"eth3-fp-5", 5, "txrx"},	 {"mlx5_comp7@pci:0000:3b:00.0", 7, "txrx"},
		{"virtio0-config", -1, NULL},	 {"eth1", -1, NULL},		     {"virtio0-input.", -1, NULL},
		{"eth1-TxRx-3x", -1, NULL},
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		unsigned q;
		char role[8];
		bool is = tune_irq_classify(names[i].name, &q, role, sizeof(role));
		if (names[i].queue < 0) {
			if (is)
				fail_msg("%s taken for a queue", names[i].name);
			continue;
		}
		if (!is || q != (unsigned)names[i].queue || strcmp(role, names[i].role))
			fail_msg("%s: got %d %s", names[i].name, is ? (int)q : -1, is ? role : "-");
	}
}

static void test_discover(void **state)
{
	struct tune t;
	struct irq_q *q;
	size_t n;
	char err[512];
	(void)state;

	root_of(&t, "guest16");
	assert_int_equal(tune_irq_discover(&t, "eth0", &q, &n, err, sizeof(err)), 0);
	/* 16 input and 16 output vectors; config (24) and virtio1's are not ours */
	assert_int_equal(n, 32);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(q[i].queue, i / 2);
		assert_string_equal(q[i].role, i % 2 ? "tx" : "rx");
	}
	assert_int_equal(q[0].irq, 25);
	assert_int_equal(q[31].irq, 56);
	free(q);
	assert_int_equal(tune_irq_discover(&t, "eth7", &q, &n, err, sizeof(err)), ENOTSUP);
	assert_non_null(strstr(err, "eth7 has no queue IRQs"));
	tune_fini(&t);

	root_of(&t, "ixgbe2");
	assert_int_equal(tune_irq_discover(&t, "eth1", &q, &n, err, sizeof(err)), 0);
	/* 12 TxRx vectors; the link vector "eth1" stays where it is */
	assert_int_equal(n, 12);
	assert_int_equal(q[0].irq, 120);
	assert_string_equal(q[11].name, "eth1-TxRx-11");
	free(q);
	tune_fini(&t);
}

struct scase {
	const char *tree, *ifname;
	enum irq_strategy s;
	const char *cpus;             /* restriction or NULL */
	const char *const *queues;    /* explicit */
	size_t nqueues;
	const char *const *want;      /* per IRQ, in discovery order */
	size_t nwant;
	const char *mask0, *mask_last; /* hex masks of the first and last */
};

static const char *const guest_spread[] = {"0", "0", "1", "1", "2", "2", "3", "3", "4", "4", "5", "5",
					   "6", "6", "7", "7", "8", "8", "9", "9", "10", "10", "11", "11",
					   "12", "12", "13", "13", "14", "14", "15", "15"};
static const char *const guest_rr4[] = {"4", "4", "5", "5", "6", "6", "7", "7", "4", "4", "5", "5",
					"6", "6", "7", "7", "4", "4", "5", "5", "6", "6", "7", "7",
					"4", "4", "5", "5", "6", "6", "7", "7"};
/* node 1: first threads 8-15, then their siblings 24-27 */
static const char *const host_spread[] = {"8", "9", "10", "11", "12", "13", "14", "15", "24", "25", "26", "27"};
/* every core, first threads only: 0-11 */
static const char *const host_rr[] = {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11"};
static const char *const host_explicit_q[] = {"8-9", "10-11", "12-13", "14-15", "8-9", "10-11",
					      "12-13", "14-15", "24", "25", "26", "27"};

static const struct scase scases[] = {
	{"guest16", "eth0", IRQ_SPREAD_LOCAL, NULL, NULL, 0, guest_spread, 32, "0001", "8000"},
	{"guest16", "eth0", IRQ_ROUND_ROBIN, NULL, NULL, 0, guest_spread, 32, "0001", "8000"},
	{"guest16", "eth0", IRQ_ROUND_ROBIN, "4-7", NULL, 0, guest_rr4, 32, "0010", "0080"},
	{"ixgbe2", "eth0", IRQ_SPREAD_LOCAL, NULL, NULL, 0, host_spread, 12, "00000100", "08000000"},
	/* eth1 has no local_cpulist: its numa_node leads to node1's CPUs */
	{"ixgbe2", "eth1", IRQ_SPREAD_LOCAL, NULL, NULL, 0, host_spread, 12, "00000100", "08000000"},
	{"ixgbe2", "eth0", IRQ_ROUND_ROBIN, NULL, NULL, 0, host_rr, 12, "00000001", "00000800"},
	{"ixgbe2", "eth1", IRQ_EXPLICIT, NULL, host_explicit_q, 12, host_explicit_q, 12, "00000300", "08000000"},
};

static void test_strategies(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(scases) / sizeof(scases[0]); i++) {
		const struct scase *c = &scases[i];
		struct tune t;
		struct irq_q *q;
		struct irq_cfg cfg;
		size_t n;
		char err[512], buf[256];

		root_of(&t, c->tree);
		memset(&cfg, 0, sizeof(cfg));
		cfg.strategy = c->s;
		if (c->cpus) {
			cfg.has_cpus = true;
			assert_int_equal(parse_cpulist(c->cpus, &cfg.cpus, NULL, 0), 0);
		}
		if (c->queues) {
			cfg.nqueues = c->nqueues;
			cfg.queue_cpus = calloc(c->nqueues, sizeof(*cfg.queue_cpus));
			cfg.queue_set = calloc(c->nqueues, sizeof(bool));
			for (size_t j = 0; j < c->nqueues; j++) {
				assert_int_equal(parse_cpulist(c->queues[j], &cfg.queue_cpus[j], NULL, 0), 0);
				cfg.queue_set[j] = true;
			}
		}
		assert_int_equal(tune_irq_discover(&t, c->ifname, &q, &n, err, sizeof(err)), 0);
		assert_int_equal(n, c->nwant);
		struct cpulist *out = calloc(n, sizeof(*out));
		if (tune_irq_assign(&t, c->ifname, &cfg, q, n, out, err, sizeof(err)))
			fail_msg("case %zu: %s", i, err);
		for (size_t j = 0; j < n; j++)
			if (strcmp(cpulist_format(&out[j], buf, sizeof(buf)), c->want[j]))
				fail_msg("case %zu (%s %s): IRQ %u got %s, wanted %s", i, c->ifname,
					 tune_irq_strategy_name(c->s), q[j].irq, buf, c->want[j]);
		struct cpulist online;
		assert_int_equal(tune_online_cpus(&t, &online), 0);
		assert_string_equal(tune_mask_format(&out[0], cpulist_count(&online), buf, sizeof(buf)), c->mask0);
		assert_string_equal(tune_mask_format(&out[n - 1], cpulist_count(&online), buf, sizeof(buf)), c->mask_last);
		free(out);
		free(q);
		free(cfg.queue_cpus);
		free(cfg.queue_set);
		tune_fini(&t);
	}
}

/* The ixgbe host runs irqbalance: the plan is refused without --force. */
static void test_irqbalance(void **state)
{
	char path[PATH_MAX];
	(void)state;
	snprintf(path, sizeof(path), "%s/h.json", tmpdir);
	write_file(path, "{\"interfaces\": {\"eth0\": {\"irq\": {\"strategy\": \"spread-local\"}}}}", 0644);
	for (int force = 0; force < 2; force++) {
		struct tune t;
		struct prof p;
		struct knobs ks = {0};
		root_of(&t, "ixgbe2");
		t.force = force;
		assert_int_equal(tune_prof_load(&t, &p, path), 0);
		assert_int_equal(tune_prof_build(&t, &p, &ks), 0);
		assert_int_equal(ks.n, 12);
		size_t errs = tune_validate(&t, &ks);
		if (!force) {
			assert_int_equal(errs, 12);
			assert_non_null(strstr(errors(&t), "irqbalance is running"));
			assert_int_equal(t.nerrs, 1); /* one message per interface */
		} else {
			assert_int_equal(errs, 0);
			assert_int_equal(t.nwarns, 1);
		}
		knobs_free(&ks);
		tune_prof_free(&p);
		tune_fini(&t);
	}
}

/* ------------------------------------------------------------------ */
/* Other parsers                                                        */

static void test_mounts(void **state)
{
	struct nfs_mount m;
	char dir[256], cmd[1024], v[64];
	unsigned ma, mi;
	(void)state;

	assert_int_equal(tune_nfs_parse_mounts_line("srv:/e /mnt/a\\040b nfs4 rw,vers=4.2,rsize=65536,addr=1.2.3.4 0 0", &m), 0);
	assert_string_equal(m.dir, "/mnt/a b");
	assert_string_equal(m.type, "nfs4");
	assert_true(tune_nfs_opt(m.opts, "rsize", v, sizeof(v)));
	assert_string_equal(v, "65536");
	assert_false(tune_nfs_opt(m.opts, "rsiz", v, sizeof(v)));
	/* the kernel's own options, addr= included: no mount.nfs in between */
	tune_nfs_mount_command(&m, "rsize=1048576,nconnect=4", cmd, sizeof(cmd));
	assert_string_equal(cmd, "umount '/mnt/a b' && mount -i -t nfs4 -o rw,vers=4.2,addr=1.2.3.4,rsize=1048576,nconnect=4 "
				 "srv:/e '/mnt/a b'");
	/* a revert's list replaces every managed option: nconnect absent stays absent */
	assert_int_equal(tune_nfs_new_opts("rw,vers=3,rsize=1048576,wsize=1048576,hard,nconnect=4,addr=a", "rsize=65536,wsize=65536",
					   true, cmd, sizeof(cmd)), 0);
	assert_string_equal(cmd, "rw,vers=3,hard,addr=a,rsize=65536,wsize=65536");
	assert_int_equal(tune_nfs_new_opts("rw,rsize=4096", "nconnect=2", false, cmd, sizeof(cmd)), 0);
	assert_string_equal(cmd, "rw,rsize=4096,nconnect=2");
	assert_int_equal(tune_nfs_new_opts("rw,rsize=4096", "nconnect=2", false, cmd, 10), ENOSPC);
	assert_int_equal(tune_nfs_parse_mounts_line("too few fields", &m), EINVAL);

	assert_int_equal(tune_nfs_parse_mountinfo_line("61 22 0:52 / /mnt/data rw - nfs4 s:/e rw", dir, sizeof(dir), &ma, &mi), 0);
	assert_string_equal(dir, "/mnt/data");
	assert_int_equal(ma, 0);
	assert_int_equal(mi, 52);
	assert_int_equal(tune_nfs_parse_mountinfo_line("61 22 x:52 / /m", dir, sizeof(dir), &ma, &mi), EINVAL);

	struct tune t;
	struct nfs_mount *mv;
	size_t n;
	root_of(&t, "guest16");
	assert_int_equal(tune_nfs_mounts(&t, &mv, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(mv[1].dir, "/mnt/my null");
	assert_true(mv[1].has_devno);
	assert_int_equal(mv[1].minor, 53);
	free(mv);
	tune_fini(&t);
}

/* Remount-class knobs on a fake tree: a revert token from a journal is
 * only ever rsize, wsize and nconnect numbers (revert runs as root), and
 * nothing is unmounted under --root. */
static void test_remount_knob(void **state)
{
	static const struct {
		const char *v;
		int rc;
		const char *err;
	} cases[] = {
		{"rsize=65536,wsize=65536,addr=10.0.0.1", EINVAL, "is not a list of rsize, wsize and nconnect"},
		{"rsize=65536,rsize=4096", EINVAL, "is not a list"},
		{"rsize=65536,", EINVAL, "is not a list"},
		{"nconnect=17", EINVAL, "is not a list"},
		{"rsize=x", EINVAL, "is not a list"},
		{"rsize=65536,nconnect=4", ENOTSUP, "not inside a --root tree"},
		{"4096", ENOTSUP, "not inside a --root tree"},
	};
	struct tune t;
	struct knobs ks = {0};
	(void)state;
	root_of(&t, "guest16");
	struct knob *k = knobs_add(&ks, &knob_nfs_opt, "/mnt/my null", "rsize");
	assert_non_null(k);
	assert_int_equal(knob_read(&t, k), 0);
	assert_string_equal(k->cur, "131072");
	/* what revert writes back: every managed option as the kernel shows it */
	assert_string_equal(k->restore, "rsize=131072,wsize=131072,nconnect=4");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		k->err[0] = '\0';
		assert_int_equal(k->type->apply(&t, k, cases[i].v), cases[i].rc);
		if (!strstr(k->err, cases[i].err))
			fail_msg("%s: '%s'", cases[i].v, k->err);
	}
	snprintf(k->want, sizeof(k->want), "1048576");
	assert_int_equal(k->type->check(&t, k), ENOTSUP);
	snprintf(k->want, sizeof(k->want), "131072");
	assert_int_equal(k->type->check(&t, k), 0);

	/* a remount gives the mount a new BDI: read_ahead_kb looks it up each
	 * time, never trusting the file a journal (or an earlier read) named */
	k = knobs_add(&ks, &knob_readahead, "/mnt/data", "read_ahead_kb");
	assert_non_null(k);
	snprintf(k->arg, sizeof(k->arg), "%s/sys/class/bdi/0:53/read_ahead_kb", t.root);
	assert_int_equal(knob_read(&t, k), 0);
	assert_non_null(strstr(k->arg, "/0:52/read_ahead_kb"));
	knobs_free(&ks);
	tune_fini(&t);
}

static void test_masks(void **state)
{
	struct cpulist s;
	char buf[128];
	(void)state;
	assert_int_equal(tune_mask_parse("00000000,00000f01", &s), 0);
	assert_string_equal(cpulist_format(&s, buf, sizeof(buf)), "0,8-11");
	assert_string_equal(tune_mask_format(&s, 2, buf, sizeof(buf)), "f01");
	assert_string_equal(tune_mask_format(&s, 16, buf, sizeof(buf)), "0f01");
	assert_string_equal(tune_mask_format(&s, 36, buf, sizeof(buf)), "0,00000f01");
	assert_string_equal(tune_mask_format(&s, 64, buf, sizeof(buf)), "00000000,00000f01");
	assert_int_equal(tune_mask_parse("0", &s), 0);
	assert_int_equal(cpulist_count(&s), 0);
	assert_int_equal(tune_mask_parse("xyz", &s), EINVAL);
	assert_int_equal(tune_mask_parse("", &s), EINVAL);
	assert_true(tune_ifname_ok("eth0.100"));
	assert_false(tune_ifname_ok("a/b"));
	assert_false(tune_ifname_ok(".."));
	assert_false(tune_ifname_ok("abcdefghijklmnop"));
}

static void test_qemu_cmdline(void **state)
{
	static const char argv[] = "qemu-system-x86_64\0-name\0guest=vm1,debug-threads=on\0-netdev\0"
				   "tap,fd=30,id=hostnet0,vhost=on,vhostfd=31,queues=4\0-device\0"
				   "virtio-net-pci,mq=on,vectors=10,netdev=hostnet0,rx_queue_size=1024,id=net0\0";
	struct virtio_net_cfg c;
	(void)state;
	assert_int_equal(tune_virtio_parse_cmdline(argv, sizeof(argv) - 1, &c), 0);
	assert_int_equal(c.queues, 4);
	assert_int_equal(c.rx_queue_size, 1024);
	assert_int_equal(c.tx_queue_size, 256);
	assert_true(c.vhost);
	assert_int_equal(tune_virtio_parse_cmdline("sleep\0" "60\0", 9, &c), EINVAL);
	/* the lab's QEMU: a second netdev (user) and NIC (e1000) that are not it */
	static const char lab[] = "qemu-system-x86_64\0-netdev\0user,id=ctl,restrict=on\0-netdev\0"
				  "tap,id=lab,ifname=vnet1,vhost=off,queues=2\0-device\0"
				  "virtio-net-pci,netdev=lab,mq=on,vectors=6,rx_queue_size=512,tx_queue_size=256\0-device\0"
				  "e1000,netdev=ctl\0";
	assert_int_equal(tune_virtio_parse_cmdline(lab, sizeof(lab) - 1, &c), 0);
	assert_int_equal(c.queues, 2);
	assert_int_equal(c.rx_queue_size, 512);
	assert_false(c.vhost);
	/* libvirt with QEMU 6+: JSON options, one tap fd per queue, and another
	 * VM NIC on a single-queue tap listed first */
	static const char lv[] = "qemu-system-x86_64\0-netdev\0{\"type\":\"tap\",\"fd\":\"40\",\"id\":\"hostnet1\"}\0"
				 "-netdev\0{\"type\":\"tap\",\"fds\":\"30:31:32:33\",\"vhost\":true,\"vhostfds\":\"34:35:36:37\","
				 "\"id\":\"hostnet0\"}\0-device\0{\"driver\":\"virtio-net-pci\",\"mq\":true,\"vectors\":10,"
				 "\"rx_queue_size\":1024,\"netdev\":\"hostnet0\",\"id\":\"net0\"}\0-device\0"
				 "{\"driver\":\"virtio-net-pci\",\"netdev\":\"hostnet1\",\"id\":\"net1\"}\0";
	assert_int_equal(tune_virtio_parse_cmdline(lv, sizeof(lv) - 1, &c), 0);
	assert_int_equal(c.queues, 4);
	assert_int_equal(c.rx_queue_size, 1024);
	assert_int_equal(c.tx_queue_size, 256);
	assert_true(c.vhost);
	assert_int_equal(tune_virtio_parse_cmdline("q\0-device\0{\"driver\": broken\0", 27, &c), EINVAL);
}

static void test_qdisc_values(void **state)
{
	struct qdisc_val q;
	char buf[256];
	(void)state;
	assert_int_equal(tune_qdisc_parse("tbf rate=1250000000 burst=262144 limit=13000000", &q), 0);
	assert_string_equal(q.kind, "tbf");
	tune_qdisc_format(&q, buf, sizeof(buf));
	assert_string_equal(buf, "tbf rate=1250000000 burst=262144 limit=13000000");
	assert_int_equal(tune_qdisc_parse("noqueue (default)", &q), 0);
	assert_true(q.deflt);
	assert_int_equal(tune_qdisc_parse("tbf rate=1", &q), EINVAL);
	assert_int_equal(tune_qdisc_parse("fq bogus=1", &q), EINVAL);
}

/* json-c keeps 2^63..2^64-1 as uint64 and json_object_get_int64() gives
 * INT64_MAX for them: vm.dirty_bytes was planned as 9223372036854775807,
 * and range errors quoted that instead of the value written. */
static void test_sysctl_big_values(void **state)
{
	(void)state;
	static const struct {
		const char *name, *json, *quoted;
	} cases[] = {
		{ "vm.dirty_bytes", "18446744073709551615", "18446744073709551615 is too large" },
		{ "net.core.rmem_max", "9223372036854775808", "9223372036854775808 is too large" },
		{ "net.ipv4.tcp_rmem", "[4096, 87380, 18446744073709551615]", "18446744073709551615 is too large" },
		/* unknown to nfstune: written as given, so even more must it be right */
		{ "net.ipv4.tcp_nosuchknob", "18446744073709551615", "18446744073709551615 is too large" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct json_object *v = json_tokener_parse(cases[i].json);
		char out[256] = "", err[256] = "";
		assert_non_null(v);
		int rc = tune_sysctl_value(cases[i].name, v, out, sizeof(out), err, sizeof(err));
		if (rc != EINVAL || !strstr(err, cases[i].quoted))
			fail_msg("%s = %s: rc %d, out '%s', err '%s'", cases[i].name, cases[i].json, rc, out, err);
		json_object_put(v);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_profiles),
		cmocka_unit_test(test_include),
		cmocka_unit_test(test_strict),
		cmocka_unit_test(test_configs),
		cmocka_unit_test(test_interrupts_parse),
		cmocka_unit_test(test_discover),
		cmocka_unit_test(test_strategies),
		cmocka_unit_test(test_irqbalance),
		cmocka_unit_test(test_mounts),
		cmocka_unit_test(test_remount_knob),
		cmocka_unit_test(test_masks),
		cmocka_unit_test(test_qemu_cmdline),
		cmocka_unit_test(test_qdisc_values),
		cmocka_unit_test(test_sysctl_big_values),
	};
	return cmocka_run_group_tests(tests, setup_tmp, teardown_tmp);
}
