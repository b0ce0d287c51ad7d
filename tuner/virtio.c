/* virtio.c - virtio-net queues of KVM guests and their vhost workers.
 *
 * Queue pairs and ring sizes are QEMU device properties: they change only
 * when the VM starts again, so the plan prints what to put in the libvirt
 * <driver> element and on the QEMU command line (and what to run in the
 * guest). vhost workers are threads: their CPU affinity changes live with
 * sched_setaffinity, no program run. */
#include "tune_virtio.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "mem.h"
#include "tune_profile.h"

/* ------------------------------------------------------------------ */
/* QEMU command lines                                                   */

/* One -netdev or -device option of a QEMU command line, in either of its
 * syntaxes: keyval ("tap,id=n0,queues=4") or JSON ({"type":"tap",...}),
 * which libvirt uses with QEMU 6 and later. */
struct qopt {
	struct json_object *j; /* the JSON form, else NULL */
	const char *kv;	       /* the keyval form */
};

static bool qopt_str(const struct qopt *o, const char *key, char *out, size_t len)
{
	if (o->j) {
		struct json_object *v;
		if (!json_object_object_get_ex(o->j, key, &v) || !v)
			return false;
		snprintf(out, len, "%s", json_object_get_string(v));
		return true;
	}
	size_t kl = strlen(key);
	for (const char *p = o->kv; *p;) {
		size_t n = strcspn(p, ",");
		if (n > kl && !strncmp(p, key, kl) && p[kl] == '=') {
			snprintf(out, len, "%.*s", (int)(n - kl - 1), p + kl + 1);
			return true;
		}
		p += n;
		if (*p)
			p++;
	}
	return false;
}

static bool qopt_u(const struct qopt *o, const char *key, unsigned *out)
{
	char buf[32];
	uint64_t v;
	if (!qopt_str(o, key, buf, sizeof(buf)) || tune_parse_u64(buf, 0, 65536, &v))
		return false;
	*out = (unsigned)v;
	return true;
}

/* The keyval form's first field is the type or driver ("tap,...",
 * "virtio-net-pci,..."); JSON names it. */
static void qopt_kind(const struct qopt *o, const char *key, char *out, size_t len)
{
	if (!o->j || !qopt_str(o, key, out, len))
		snprintf(out, len, "%.*s", (int)strcspn(o->kv, ","), o->kv);
}

int tune_virtio_parse_cmdline(const char *argv, size_t len, struct virtio_net_cfg *c)
{
	const char *p = argv, *end = argv + len, *prev = NULL;
	char want[128] = "", id[128], kind[64], v[256];
	bool found = false;

	c->queues = 1;
	c->rx_queue_size = c->tx_queue_size = 256;
	c->vhost = false;
	/* the first virtio-net device, and the netdev it names */
	for (int pass = 0; pass < 2; pass++, prev = NULL, p = argv) {
		while (p < end) {
			size_t n = strnlen(p, (size_t)(end - p));
			bool dev = prev && !strcmp(prev, "-device"), net = prev && !strcmp(prev, "-netdev");
			prev = p;
			if (!(pass ? net : dev) || n >= 4096) {
				p += n + 1;
				continue;
			}
			char arg[4096];
			memcpy(arg, p, n);
			arg[n] = '\0';
			p += n + 1;
			struct qopt o = {arg[0] == '{' ? json_tokener_parse(arg) : NULL, arg};
			if (arg[0] == '{' && !o.j)
				continue;
			qopt_kind(&o, pass ? "type" : "driver", kind, sizeof(kind));
			if (!pass && !found && strstr(kind, "virtio-net")) {
				found = true;
				qopt_u(&o, "rx_queue_size", &c->rx_queue_size);
				qopt_u(&o, "tx_queue_size", &c->tx_queue_size);
				qopt_str(&o, "netdev", want, sizeof(want));
			} else if (pass && !strcmp(kind, "tap") && qopt_str(&o, "id", id, sizeof(id)) && !strcmp(id, want)) {
				/* queues=N, or one fd per queue (libvirt: fds=27:28:29:30) */
				if (!qopt_u(&o, "queues", &c->queues) && qopt_str(&o, "fds", v, sizeof(v))) {
					c->queues = 1;
					for (const char *f = v; (f = strchr(f, ':')); f++)
						c->queues++;
				}
				c->vhost = (qopt_str(&o, "vhost", v, sizeof(v)) && (!strcmp(v, "on") || !strcmp(v, "true"))) ||
					   qopt_str(&o, "vhostfd", v, sizeof(v)) || qopt_str(&o, "vhostfds", v, sizeof(v));
			}
			if (o.j)
				json_object_put(o.j);
		}
		if (!found)
			break;
	}
	return found ? 0 : EINVAL;
}

static char *read_cmdline(const struct tune *t, long pid, size_t *len)
{
	char p[PATH_MAX];
	if (tune_path(t, p, sizeof(p), "/proc/%ld/cmdline", pid))
		return NULL;
	char *buf;
	return tune_read_whole(p, 65535, &buf, len) ? NULL : buf;
}

int tune_virtio_find_vm(const struct tune *t, const char *name, long pid, const char *pidfile, long *out, char *err,
		   size_t len)
{
	char p[PATH_MAX], buf[64];
	if (pidfile) {
		uint64_t v;
		if (tune_path(t, p, sizeof(p), "%s", pidfile) || tune_read_file(p, buf, sizeof(buf)) ||
		    tune_parse_u64(buf, 1, 4194304, &v)) {
			snprintf(err, len, "no pid in %s", p);
			return ENOENT;
		}
		pid = (long)v;
	}
	if (pid > 0) {
		if (tune_path(t, p, sizeof(p), "/proc/%ld", pid) || access(p, F_OK)) {
			snprintf(err, len, "no process %ld", pid);
			return ENOENT;
		}
		*out = pid;
		return 0;
	}
	/* QEMU started by libvirt: -name guest=NAME,... ; by hand: -name NAME */
	if (tune_path(t, p, sizeof(p), "/proc"))
		return ENAMETOOLONG;
	DIR *d = opendir(p);
	if (!d) {
		snprintf(err, len, "%s: %s", p, strerror(errno));
		return ENOENT;
	}
	struct dirent *e;
	long found = 0;
	while (!found && (e = readdir(d))) {
		uint64_t v;
		if (tune_parse_u64(e->d_name, 1, 4194304, &v))
			continue;
		size_t n;
		char *cl = read_cmdline(t, (long)v, &n);
		if (!cl)
			continue;
		if (memmem(cl, n, "qemu", 4)) {
			const char *prev = NULL;
			for (const char *a = cl; a < cl + n; a += strlen(a) + 1) {
				if (prev && !strcmp(prev, "-name")) {
					char want[300];
					snprintf(want, sizeof(want), "guest=%s", name);
					size_t wl = strlen(want);
					if (!strcmp(a, name) || (!strncmp(a, want, wl) && (a[wl] == ',' || !a[wl])) ||
					    (!strncmp(a, name, strlen(name)) && a[strlen(name)] == ','))
						found = (long)v;
				}
				prev = a;
			}
		}
		free(cl);
	}
	closedir(d);
	if (!found) {
		snprintf(err, len, "no running QEMU with -name %s", name);
		return ENOENT;
	}
	*out = found;
	return 0;
}

static int add_tid(long **v, size_t *n, size_t *cap, long tid)
{
	for (size_t i = 0; i < *n; i++)
		if ((*v)[i] == tid)
			return 0;
	if (MEM_GROW(v, cap, *n + 1, 8))
		return ENOMEM;
	(*v)[(*n)++] = tid;
	return 0;
}

static int cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;
	return x < y ? -1 : x > y;
}

int tune_virtio_vhost_threads(const struct tune *t, long pid, long **tids, size_t *n)
{
	char p[PATH_MAX], want[64], comm[64];
	size_t cap = 0;
	*tids = NULL;
	*n = 0;
	snprintf(want, sizeof(want), "vhost-%ld", pid);
	/* threads of the VM, and (older kernels) kernel threads anywhere */
	for (int pass = 0; pass < 2; pass++) {
		if (pass == 0 ? tune_path(t, p, sizeof(p), "/proc/%ld/task", pid) : tune_path(t, p, sizeof(p), "/proc"))
			continue;
		DIR *d = opendir(p);
		if (!d)
			continue;
		struct dirent *e;
		while ((e = readdir(d))) {
			uint64_t v;
			char f[PATH_MAX];
			if (tune_parse_u64(e->d_name, 1, 4194304, &v))
				continue;
			if ((pass == 0 ? tune_path(t, f, sizeof(f), "/proc/%ld/task/%s/comm", pid, e->d_name)
				       : tune_path(t, f, sizeof(f), "/proc/%s/comm", e->d_name)) ||
			    tune_read_file(f, comm, sizeof(comm)) || strcmp(comm, want))
				continue;
			if (add_tid(tids, n, &cap, (long)v)) {
				closedir(d);
				return ENOMEM;
			}
		}
		closedir(d);
	}
	if (*n)
		qsort(*tids, *n, sizeof(**tids), cmp_long);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Queue knobs (class vm-restart). k->obj: the VM; k->idx: its pid;
 * k->arg: every wanted virtio value of the VM, for the hint.            */

static int vq_read(struct tune *t, struct knob *k)
{
	size_t len;
	struct virtio_net_cfg c;
	char *cl = k->idx ? read_cmdline(t, (long)k->idx, &len) : NULL;
	if (!cl)
		return knob_fail(k, ENOENT, "VM %s is not running", k->obj);
	int rc = tune_virtio_parse_cmdline(cl, len, &c);
	free(cl);
	if (rc)
		return knob_fail(k, ENOENT, "no virtio-net device on %s's QEMU command line", k->obj);
	unsigned v = !strcmp(k->name, "queues") ? c.queues : !strcmp(k->name, "rx_queue_size") ? c.rx_queue_size
												   : c.tx_queue_size;
	snprintf(k->cur, sizeof(k->cur), "%u", v);
	return 0;
}

static int vq_apply(struct tune *t, struct knob *k, const char *v)
{
	(void)t;
	(void)v;
	return knob_fail(k, ENOTSUP, "%s of %s changes only when the VM starts again", k->name, k->obj);
}

static void vq_hint(struct tune *t, const struct knob *k, char *buf, size_t len)
{
	unsigned q = 0, rx = 0, tx = 0;
	char drv[256] = "", dev[256] = "", net[64] = "";
	(void)t;
	const struct qopt want = {NULL, k->arg};
	qopt_u(&want, "queues", &q);
	qopt_u(&want, "rx_queue_size", &rx);
	qopt_u(&want, "tx_queue_size", &tx);
	size_t dl = (size_t)snprintf(drv, sizeof(drv), "<driver name='vhost'");
	size_t vl = 0;
	if (q) {
		dl += (size_t)snprintf(drv + dl, sizeof(drv) - dl, " queues='%u'", q);
		/* one vector per queue each way, plus config and control */
		vl += (size_t)snprintf(dev + vl, sizeof(dev) - vl, ",mq=on,vectors=%u", 2 * q + 2);
		snprintf(net, sizeof(net), ",queues=%u", q);
	}
	if (rx) {
		dl += (size_t)snprintf(drv + dl, sizeof(drv) - dl, " rx_queue_size='%u'", rx);
		vl += (size_t)snprintf(dev + vl, sizeof(dev) - vl, ",rx_queue_size=%u", rx);
	}
	if (tx) {
		dl += (size_t)snprintf(drv + dl, sizeof(drv) - dl, " tx_queue_size='%u'", tx);
		vl += (size_t)snprintf(dev + vl, sizeof(dev) - vl, ",tx_queue_size=%u", tx);
	}
	snprintf(drv + dl, sizeof(drv) - dl, "/>");
	snprintf(buf, len, "libvirt <interface>: %s; qemu: -netdev tap,id=net0,vhost=on%s -device virtio-net-pci,netdev=net0%s"
		 "%s%s", drv, net, dev, q ? "; then in the guest: ethtool -L eth0 combined " : "", q ? "" : "");
	if (q) {
		size_t n = strlen(buf);
		snprintf(buf + n, len - n, "%u", q);
	}
}

static int vq_check(struct tune *t, struct knob *k)
{
	(void)t;
	if (!strcmp(k->name, "tx_queue_size") && strcmp(k->want, "256"))
		tune_warn(t, "%s: QEMU keeps tx_queue_size at 256 unless the backend is vhost-user", k->path);
	return 0;
}

const struct knob_type knob_vq = {
	.name = "virtio-queue", .cls = KNOB_VMRESTART, .rank = RANK_VIRTIO,
	.read = vq_read, .check = vq_check, .apply = vq_apply, .hint = vq_hint,
};

/* ------------------------------------------------------------------ */
/* vhost worker affinity (live). k->idx: the thread id.                 */

static int vh_read(struct tune *t, struct knob *k)
{
	char p[PATH_MAX], buf[8192];
	struct cpulist set;
	if (tune_path(t, p, sizeof(p), "/proc/%u/status", k->idx) || tune_read_file(p, buf, sizeof(buf)))
		return knob_fail(k, ENOENT, "vhost thread %u is gone", k->idx);
	const char *s = strstr(buf, "Cpus_allowed_list:");
	if (!s)
		return knob_fail(k, EINVAL, "no Cpus_allowed_list in %s", p);
	s += strlen("Cpus_allowed_list:");
	while (*s == ' ' || *s == '\t')
		s++;
	char list[TUNE_VAL];
	size_t n = strcspn(s, "\n");
	if (n >= sizeof(list))
		n = sizeof(list) - 1;
	memcpy(list, s, n);
	list[n] = '\0';
	if (parse_cpulist(list, &set, NULL, 0))
		return knob_fail(k, EINVAL, "unreadable CPU list '%s'", list);
	cpulist_format(&set, k->cur, sizeof(k->cur));
	return 0;
}

static int vh_check(struct tune *t, struct knob *k)
{
	struct cpulist want;
	int rc = tune_want_cpus(t, k, &want);
	if (rc)
		return rc;
	if (t->root[0] && !tune_cpulist_same(k, k->cur, k->want))
		return knob_fail(k, ENOTSUP, "thread affinity cannot be set inside a --root tree");
	return 0;
}

static int vh_apply(struct tune *t, struct knob *k, const char *v)
{
	struct cpulist set;
	cpu_set_t cs;
	if (t->root[0])
		return knob_fail(k, ENOTSUP, "thread affinity cannot be set inside a --root tree");
	if (parse_cpulist(v, &set, k->err, sizeof(k->err)))
		return EINVAL;
	CPU_ZERO(&cs);
	for (unsigned c = 0; c < CPU_LIST_MAX && c < CPU_SETSIZE; c++)
		if (cpulist_has(&set, c))
			CPU_SET(c, &cs);
	if (sched_setaffinity((pid_t)k->idx, sizeof(cs), &cs)) {
		int e = errno;
		return knob_fail(k, e, "kernel refused CPUs %s for thread %u: %s", v, k->idx, strerror(e));
	}
	return 0;
}

const struct knob_type knob_vhost = {
	.name = "vhost", .cls = KNOB_LIVE, .rank = RANK_VIRTIO,
	.read = vh_read, .check = vh_check, .apply = vh_apply, .same = tune_cpulist_same,
};

/* ------------------------------------------------------------------ */
/* The profile section                                                  */

size_t tune_virtio_build(struct tune *t, struct prof *p, struct knobs *ks, struct json_object *o)
{
	static const char *const top[] = {"vms", NULL};
	static const char *const keys[] = {"pid", "pidfile", "queues", "rx_queue_size", "tx_queue_size", "vhost_cpus", NULL};
	size_t errs = tune_prof_check_keys(t, p, o, "virtio", top);
	struct json_object *vms;

	if (!json_object_object_get_ex(o, "vms", &vms) || !vms)
		return errs;
	if (!json_object_is_type(vms, json_type_object))
		return errs + (size_t)!!tune_prof_error(t, p, "virtio", "vms", "expected {\"vm-name\": {...}}");
	json_object_object_foreach(vms, name, vo) {
		char path[512], err[512], val[TUNE_VAL], changes[TUNE_VAL] = "";
		size_t cl = 0;
		snprintf(path, sizeof(path), "virtio.vms.%s", name);
		if (!json_object_is_type(vo, json_type_object)) {
			errs += (size_t)!!tune_prof_error(t, p, "virtio.vms", name, "expected an object");
			continue;
		}
		errs += tune_prof_check_keys(t, p, vo, path, keys);
		uint64_t pid = 0;
		const char *pidfile = NULL;
		int rc = tune_prof_get_u64(t, p, vo, path, "pid", 1, 4194304, &pid);
		errs += rc == EINVAL;
		rc = tune_prof_get_str(t, p, vo, path, "pidfile", &pidfile);
		errs += rc == EINVAL;
		long vm = 0;
		struct json_object *vc0;
		bool live = json_object_object_get_ex(vo, "vhost_cpus", &vc0) && vc0;
		if (tune_virtio_find_vm(t, name, (long)pid, pidfile, &vm, err, sizeof(err))) {
			if (live) {
				errs += (size_t)!!tune_prof_error(t, p, "virtio.vms", name, err);
				continue;
			}
			/* queues are planned for the next start: a stopped VM is fine
			 * (the plan says so once per VM) */
			vm = 0;
		}
		static const char *const qk[] = {"queues", "rx_queue_size", "tx_queue_size"};
		uint64_t v[3];
		int r[3];
		for (int i = 0; i < 3; i++) {
			/* tap allows 256 queues; QEMU rings are 256..1024, powers of two */
			r[i] = tune_prof_get_u64(t, p, vo, path, qk[i], i ? 256 : 1, i ? 1024 : 256, &v[i]);
			if (r[i] == EINVAL)
				errs++;
			if (!r[i] && i && (v[i] & (v[i] - 1))) {
				char m[96];
				snprintf(m, sizeof(m), "%llu is not a power of two", (unsigned long long)v[i]);
				errs += (size_t)!!tune_prof_error(t, p, path, qk[i], m);
				r[i] = EINVAL;
			}
			if (!r[i])
				cl += (size_t)snprintf(changes + cl, sizeof(changes) - cl, "%s%s=%llu", cl ? "," : "", qk[i],
						       (unsigned long long)v[i]);
		}
		for (int i = 0; i < 3; i++) {
			if (r[i])
				continue;
			snprintf(val, sizeof(val), "%llu", (unsigned long long)v[i]);
			struct knob *k = tune_prof_want(t, p, ks, &knob_vq, name, qk[i], path, qk[i], val);
			if (k) {
				k->idx = (unsigned)vm;
				snprintf(k->arg, sizeof(k->arg), "%s", changes);
			}
		}
		struct json_object *vc;
		if (json_object_object_get_ex(vo, "vhost_cpus", &vc) && vc) {
			if (tune_prof_get_cpus(t, p, vc, path, "vhost_cpus", val, sizeof(val))) {
				errs++;
				continue;
			}
			long *tids;
			size_t n;
			if (tune_virtio_vhost_threads(t, vm, &tids, &n) || !n) {
				snprintf(err, sizeof(err), "VM %s (pid %ld) has no vhost worker threads (vhost=off?)", name, vm);
				errs += (size_t)!!tune_prof_error(t, p, path, "vhost_cpus", err);
				continue;
			}
			for (size_t i = 0; i < n; i++) {
				char kn[64];
				snprintf(kn, sizeof(kn), "vhost.%ld", tids[i]);
				struct knob *k = tune_prof_want(t, p, ks, &knob_vhost, name, kn, path, "vhost_cpus", val);
				if (k)
					k->idx = (unsigned)tids[i];
			}
			free(tids);
		}
	}
	return errs;
}
