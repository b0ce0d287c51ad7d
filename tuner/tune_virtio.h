/* virtio.h - virtio-net of a KVM guest, seen from the host: queue pairs
 * and ring sizes (fixed when QEMU starts: class vm-restart, planned with
 * the libvirt and QEMU options to use) and the CPU affinity of the VM's
 * vhost worker threads (live). */
#ifndef NFSTUNE_VIRTIO_H
#define NFSTUNE_VIRTIO_H

#include <stddef.h>
#include <sys/types.h>

#include "tune.h"

struct prof;
struct json_object;

/* The VM's current virtio-net settings from its QEMU command line
 * (NUL-separated argv): of its first virtio-net device, the ring sizes
 * (QEMU's default 256) and the queues of the tap netdev it names (queues=,
 * or one fd per queue as libvirt passes them; 1 without mq). Options in
 * keyval ("tap,id=n0,queues=4") or JSON form (libvirt with QEMU 6+). 0 or
 * EINVAL when no virtio-net device is found. */
struct virtio_net_cfg {
	unsigned queues, rx_queue_size, tx_queue_size;
	bool vhost;
};
int tune_virtio_parse_cmdline(const char *argv, size_t len, struct virtio_net_cfg *c);
/* Find a running VM: by pid, pidfile, or QEMU's -name. 0 or ENOENT. */
int tune_virtio_find_vm(const struct tune *t, const char *name, long pid, const char *pidfile, long *out, char *err,
		   size_t len);
/* Its vhost worker threads ("vhost-PID"): threads of the QEMU process
 * (Linux 6.4 and later) or kernel threads (before). Caller frees. */
int tune_virtio_vhost_threads(const struct tune *t, long pid, long **tids, size_t *n);

extern const struct knob_type knob_vq, knob_vhost;
size_t tune_virtio_build(struct tune *t, struct prof *p, struct knobs *ks, struct json_object *o);

#endif
