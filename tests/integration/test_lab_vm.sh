#!/bin/bash
# test_lab_vm.sh - the lab with a real guest: `lab up --vm` boots ONE QEMU VM
# (Debian's kernel, multi-queue virtio-net on a tap, the machine's root over
# 9p) for the whole script, then: lab exec keeps stdout, stderr, exit status,
# argv, stdin, cwd and signals; the virtio-net device has the queues asked
# for, with their MSI-X IRQs, and ethtool -L changes them; the kernel NFS
# mount at /mnt/data carries real data both ways; bin/nfsbench runs in the
# guest; captures at the guest (tcpdump inside the VM) and host-in (the tap)
# hold every RPC; nfstune applies, verifies and reverts configs/guest-virtio.json
# on the guest's real rings, channels, IRQ affinity, SunRPC slot table and
# NFS mount (rsize, wsize, nconnect by unmount and mount, refused while a
# file is open; read_ahead_kb), and under load the virtio input IRQs count
# on the CPUs nfstune chose; on the host nfstune reads the QEMU's virtio-net
# options, and `lab vm-restart` changes them; lab down leaves no QEMU, tap
# or namespace.
. "$(dirname "$0")/../lib.sh"
skip_unless_root
for c in qemu-system-x86_64 busybox; do
	command -v $c >/dev/null || { echo "skip - $(basename "$0"): no $c, so no VM can run here (make deps installs it)"; exit 77; }
done
[ -e /dev/net/tun ] || { echo "skip - $(basename "$0"): no /dev/net/tun, so a VM has no network here"; exit 77; }
ls /boot/vmlinuz-* >/dev/null 2>&1 || { echo "skip - $(basename "$0"): no kernel in /boot to boot (make deps installs linux-image-amd64)"; exit 77; }
t_setup
G() { "$LAB" exec guest1 "$@"; }
Q=4 # as configs/guest-virtio.json wants

"$LAB" down >/dev/null 2>&1
check_fails "up rejects --vm-queues without --vm" "$LAB" up --vm-queues 2
check_fails "up rejects --vm --vm-queues 0" "$LAB" up --vm --vm-queues 0
check "nothing created by rejected ups" bash -c "! ip netns list | grep -q '^$LAB_NS-'"

start=$(date +%s)
check "lab up --vm --vm-queues $Q --mtu 9000" "$LAB" up --vm --vm-queues $Q --mtu 9000
echo "# the VM lab came up in $(($(date +%s) - start)) s"
check "lab status names the kind" bash -c "'$LAB' status | grep -q '^guests: 1 QEMU VM'"
qpid=$(cat "$LAB_DIR/pids/qemu-guest1.pid" 2>/dev/null)
check "QEMU recorded by PID ($qpid) and running" kill -0 "${qpid:-0}"
check "guest1 is a VM: its own kernel" test "$(G uname -r)" != "$(uname -r)"

# ---- lab exec: the same contract as ip netns exec ----
cd "$T_TMP" || exit 1
G sh -c 'pwd; echo out; echo err >&2; exit 7' >out.txt 2>err.txt
rc=$?
check "exec: exit status comes back (7: $rc)" test $rc = 7
check "exec: stdout comes back, and the cwd is the caller's" test "$(cat out.txt)" = "$T_TMP"$'\nout'
check "exec: stderr comes back apart" test "$(cat err.txt)" = err
args=$(G printf '<%s>' 'a b' '$HOME' "it's" '' $'two\nlines' '*')
check "exec: argv arrives word for word, no shell in between" test "$args" = "<a b><\$HOME><it's><><two"$'\n'"lines><*>"
# 5 MB: far more than the pipes and sockets on the way hold, so an agent that
# blocks writing the command's stdin while the command blocks on its stdout
# deadlocks (300 kB did, now and then)
head -c 5000000 /dev/urandom >bin.dat
check "exec: binary stdin and stdout round trip (5 MB through cat)" \
	bash -c "timeout 120 '$LAB' exec guest1 cat <bin.dat | cmp -s - bin.dat"
check "exec: a missing command is 127" bash -c "'$LAB' exec guest1 no-such-cmd-$$ 2>/dev/null; test \$? = 127"
check "exec: the caller's environment" test "$(LAB_T=x1 "$LAB" exec guest1 sh -c 'echo $LAB_T')" = x1
"$LAB" exec guest1 sleep 314 &
spid=$!
for ((i = 0; i < 50; i++)); do G pgrep -f 'sleep 314' >/dev/null && break; sleep 0.2; done
kill -TERM $spid
wait $spid
# the caller's TERM is sent on to the command (or, had the caller died, its
# closed connection makes the agent kill it)
for ((i = 0; i < 25; i++)); do G pgrep -f 'sleep 314' >/dev/null || break; sleep 0.2; done
check "exec: a signal to the caller ends the command in the guest" bash -c "! '$LAB' exec guest1 pgrep -f 'sleep 314'"

# ---- virtio-net: queues, MSI-X, ethtool ----
# channels: ethtool -l's "Pre-set maximums" (p=1) or "Current hardware settings" (p=2)
combined() { "$LAB" exec guest1 ethtool -l eth0 | awk -v p="$1" '/^Combined:/ && ++n == p { print $2 }'; }
check "virtio-net has $Q queue pairs ($(combined 1))" test "$(combined 1)" = $Q
irqs=$(G grep -cE 'virtio[0-9]+-(input|output)\.[0-9]+$' /proc/interrupts)
check "one MSI-X IRQ per virtqueue: 2 x $Q ($irqs)" test "$irqs" = $((2 * Q))
check "the IRQs are MSI (PCI-MSI)" bash -c "'$LAB' exec guest1 grep -E 'virtio[0-9]+-input\.$((Q - 1))\$' /proc/interrupts | grep -q MSI"
check "ethtool -L eth0 combined 1 works" G ethtool -L eth0 combined 1
check "and takes effect ($(combined 2))" test "$(combined 2)" = 1
check "ethtool -L eth0 combined $Q works" G ethtool -L eth0 combined $Q
check "and takes effect ($(combined 2))" test "$(combined 2)" = $Q
check "sunrpc slot table exists (kernel NFS client loaded)" G test -e /proc/sys/sunrpc/tcp_slot_table_entries
check "the guest's /run and /var are writable" G touch /run/lab-vm-test /var/lab-vm-test
check "but not on the machine: /var is the guest's own" test ! -e /var/lab-vm-test
check "the machine's root is read-only in the guest" bash -c "! '$LAB' exec guest1 touch /lab-vm-test 2>/dev/null"

# ---- the kernel NFS mount ----
check "/mnt/data is NFSv3 over TCP from the storage node" \
	bash -c "'$LAB' exec guest1 grep ' /mnt/data nfs ' /proc/mounts | grep 'vers=3' | grep -q 'proto=tcp'"
head -c 8388608 /dev/urandom >big.dat
check "the guest writes 8 MiB to /mnt/data" G dd if=big.dat of=/mnt/data/from-guest bs=1M status=none conv=fsync
check "the export directory holds what the guest wrote" cmp -s big.dat "$LAB_EXPORT_DIR/from-guest"
head -c 2000000 /dev/urandom >"$LAB_EXPORT_DIR/from-host"
check "the guest reads what the storage node holds" \
	test "$(G sha256sum /mnt/data/from-host | cut -c1-64)" = "$(sha256sum "$LAB_EXPORT_DIR/from-host" | cut -c1-64)"

# ---- nfsbench in the guest, captured in the guest and on the tap ----
check "capture start at guest1 and host-in1" "$LAB" capture start --points guest1,host-in1 "$T_TMP/cap"
G "$ROOT/bin/nfsbench" --url "nfs://$SIP/null" --rw read --bs 64k --size 4m --ops 200 --slots 1 \
	--no-progress --json >nb.json 2>nb.err
check "bin/nfsbench from the guest against the storage node" test $? = 0
check "capture stop" "$LAB" capture stop
want=$(jq -r '[.rpcs[] | select(.proc == "READ") | .count] | add' nb.json 2>/dev/null)
echo "# nfsbench in the VM: $(jq -c '.rpcs' nb.json 2>/dev/null | head -c 300)"
for p in guest1 host-in1; do
	"$BIN/nfscap" report "$T_TMP/cap/$p.pcap" --json >"$p.json" 2>"$p.err"
	got=$(jq -r '.nfs.v3.READ.count' "$p.json" 2>/dev/null)
	check "nfscap report at $p counts every READ nfsbench issued ($got of ${want:-?})" test "${want:-0}" -ge 200 -a "$got" = "$want"
done
"$BIN/nfscap" attribute --vantage guest="$T_TMP/cap/guest1.pcap" --vantage host-in="$T_TMP/cap/host-in1.pcap" \
	--json >attr.json 2>attr.err
got=$(jq -r '.attribution.ops.READ.count' attr.json 2>/dev/null)
check "nfscap attribute matches every READ across guest and tap ($got)" test "$got" = "$want"
check "and every RPC of the guest's capture is found on the tap" \
	jq -e '.points.guest.rpcs > 0 and .points["host-in"].missing == 0 and .points["host-in"].matched == .points.guest.rpcs' attr.json

# ---- nfstune in the guest: configs/guest-virtio.json on real knobs ----
# Everything starts away from the profile: rx rings 256, 2 channels, every
# input IRQ on both vCPUs, and the boot's mount (rsize/wsize 64 KiB, no
# nconnect, the kernel's read-ahead for it).
INPUT_IRQS='$(sed -n "s/^ *\([0-9]*\):.*virtio[0-9]*-input\.[0-9]*\$/\1/p" /proc/interrupts)'
check "the start state" G sh -c "ethtool -G eth0 rx 256 && ethtool -L eth0 combined 2 &&
	for i in $INPUT_IRQS; do echo 0-1 >/proc/irq/\$i/smp_affinity_list || exit 1; done"
# the knobs read with other tools than nfstune: rings, channels, slots, the
# input IRQs' CPUs, the mount's options (/proc/mounts) and its BDI's read-ahead
cat >knobs.sh <<'EOF_K'
ethtool -g eth0 | awk '/^RX:/ { r = $2 } END { printf "rx %s ", r }'
ethtool -l eth0 | awk '/^Combined:/ { c = $2 } END { printf "combined %s ", c }'
printf "slots %s irqs" "$(cat /proc/sys/sunrpc/tcp_slot_table_entries)"
for i in $(sed -n 's/^ *\([0-9]*\):.*virtio[0-9]*-input\.[0-9]*$/\1/p' /proc/interrupts); do
	printf " %s" "$(cat /proc/irq/$i/smp_affinity_list)"
done
awk '$2 == "/mnt/data" { n = split($4, o, ","); for (i = 1; i <= n; i++) { split(o[i], kv, "="); v[kv[1]] = kv[2] } }
	END { printf " rsize %s wsize %s nconnect %s", v["rsize"], v["wsize"], ("nconnect" in v) ? v["nconnect"] : "-" }' /proc/mounts
printf " ra %s" "$(cat /sys/class/bdi/$(awk '$5 == "/mnt/data" { print $3 }' /proc/self/mountinfo)/read_ahead_kb)"
EOF_K
knobs() { G sh knobs.sh; }
NT() { G "$BIN/nfstune" "$@" --state-dir /run/nfstune >>nfstune.log; } # its errors stay on stderr
before=$(knobs)
echo "# before: $before"
G "$BIN/nfstune" show --json >show-before.json 2>show.err
check "nfstune show --json" test -s show-before.json
# rsize, wsize and nconnect change only by unmounting and mounting again:
# with a file open there nfstune refuses, naming who holds it, and changes nothing
G sh -c "sleep 60 </mnt/data/from-host & p=\$!; '$BIN/nfstune' apply '$ROOT/configs/guest-virtio.json' --state-dir /run/nfstune; rc=\$?; kill \$p; exit \$rc" \
	>busy.out 2>busy.err
check "apply refuses while a file is open on /mnt/data (exit 2: $?)" test $? = 2
check "and names the process that holds it" grep -q "/mnt/data is in use: pid [0-9]* has /mnt/data/from-host open (sleep)" busy.err
check "and changed nothing ($(knobs))" test "$(knobs)" = "$before"
check "plan says what apply does to open files" bash -c \
	"'$LAB' exec guest1 '$BIN/nfstune' plan '$ROOT/configs/guest-virtio.json' | grep -q 'apply unmounts /mnt/data and mounts it again (refused, nothing changed, while a process has a file open'"
check "nfstune apply configs/guest-virtio.json in the guest" NT apply "$ROOT/configs/guest-virtio.json"
after=$(knobs)
echo "# after: $after"
# spread-local: input.N on vCPU N mod vCPUs (the guest has 2); the mount's
# options from /proc/mounts, read-ahead from the new mount's BDI
check "each knob reads back from the kernel as the profile says" \
	test "$after" = "rx 1024 combined 4 slots 128 irqs 0 1 0 1 rsize 1048576 wsize 1048576 nconnect 4 ra 16384"
check "nfstune verify: nothing drifted" NT verify "$ROOT/configs/guest-virtio.json"
check "the remounted /mnt/data reads the storage node's data" \
	test "$(G sha256sum /mnt/data/from-host | cut -c1-64)" = "$(sha256sum "$LAB_EXPORT_DIR/from-host" | cut -c1-64)"

# ---- the IRQ placement is real: under load, each input IRQ counts on its CPU ----
# The driver itself puts queue N on vCPU N mod 2 (as spread-local does), so
# a second profile moves every queue to the other vCPU; reads (nconnect 4:
# four TCP flows over the queues) then must raise each virtio input IRQ's
# count on the CPU nfstune chose, and never on the other.
cat >irq-swap.json <<'EOF_J'
{"interfaces": {"eth0": {"irq": {"strategy": "explicit", "queues": ["1", "0", "1", "0"]}}}}
EOF_J
# One guest command per placement: a few rounds of reads, the input IRQs'
# counts ("name irq cpu0 cpu1 effective-cpu"), 200 reads of 4 KiB with
# O_DIRECT (each one RPC, with an idle queue before its reply, so each reply
# raises its queue's IRQ; streaming 1 MiB reads keep NAPI polling: 24 MiB
# raised only 6-9 interrupts), the counts again. x86 moves an MSI without
# interrupt remapping only when it next fires on its old CPU (seen: one
# interrupt counted there after the swap), and effective_affinity_list shows
# where it really goes: the first reads let the moves happen, and an IRQ
# whose move is still pending (its queue had no traffic yet: how the four
# flows fall on the queues varies) may count that one interrupt on its old CPU.
head -c 4194304 /dev/urandom >"$LAB_EXPORT_DIR/load"
cat >irqload.sh <<'EOF_I'
counts() {
	awk '/virtio[0-9]+-input\.[0-9]+$/ { sub(":", "", $1); print $NF, $1, $2, $3 }' /proc/interrupts |
		while read -r name irq c0 c1; do
			echo "$name $irq $c0 $c1 $(cat /proc/irq/$irq/effective_affinity_list)"
		done
}
for n in 1 2 3 4 5; do
	counts | awk '{ print $2 }' | while read -r i; do
		[ "$(cat /proc/irq/$i/effective_affinity_list)" = "$(cat /proc/irq/$i/smp_affinity_list)" ] || echo "$i"
	done | grep -q . || break
	dd if=/mnt/data/load of=/dev/null bs=4k count=8 iflag=direct status=none || exit 1
done
counts >"$1.before"
dd if=/mnt/data/load of=/dev/null bs=4k count=200 iflag=direct status=none || exit 1
counts >"$1.after"
EOF_I
# irq_growth BEFORE AFTER CHOSEN: per input IRQ "queue: +cpu0 +cpu1"; fails
# when a count grew on a CPU other than CHOSEN[queue] (by more than the one
# interrupt that moves an IRQ still pending), or fewer than 50 grew at all
irq_growth() {
	python3 - "$1" "$2" "$3" <<'PY'
import sys
b = {l.split()[0]: l.split() for l in open(sys.argv[1])}
a = {l.split()[0]: l.split() for l in open(sys.argv[2])}
chosen = sys.argv[3].split(',')
bad, total = 0, 0
for name in sorted(a, key=lambda n: int(n.rsplit('.', 1)[1])):
    q = int(name.rsplit('.', 1)[1])
    d = [int(x) - int(y) for x, y in zip(a[name][2:4], b[name][2:4])]
    want = int(chosen[q])
    pending = b[name][4] != str(want)
    total += d[want]
    bad += d[1 - want] > (1 if pending else 0)
    print('#   %s (IRQ %s, on CPU %d%s): +%d on CPU0, +%d on CPU1%s' % (name, a[name][1], want,
          ', its move pending' if pending else '', d[0], d[1],
          '  <- grew on the other CPU' if d[1 - want] > (1 if pending else 0) else ''))
sys.exit(1 if bad or total < 50 else 0)
PY
}
check "200 reads in the guest under spread-local" G sh irqload.sh spread
echo "# their input IRQs:"
check "under load, the input IRQs count only on the CPUs spread-local chose" irq_growth spread.before spread.after 0,1,0,1
check "nfstune apply irq-swap.json: queue N on vCPU 1 - N mod 2" NT apply "$T_TMP/irq-swap.json"
check "200 reads in the guest, swapped" G sh irqload.sh swap
echo "# their input IRQs:"
check "under load, the same IRQs now count only on the other CPUs" irq_growth swap.before swap.after 1,0,1,0
check "nfstune revert (the swap)" NT revert
check "the IRQs are back as spread-local put them" bash -c "'$LAB' exec guest1 sh knobs.sh | grep -q ' irqs 0 1 0 1 '"

check "nfstune revert (the profile: the mount comes back as it was)" NT revert
now=$(knobs)
check "every knob is back ($now)" test "$now" = "$before"
G "$BIN/nfstune" show --json >show-after.json 2>>show.err
check "nfstune show --json after revert is byte for byte what it was before apply" cmp show-before.json show-after.json
check_fails "nfstune verify sees the drift after revert" NT verify "$ROOT/configs/guest-virtio.json"
check "and /mnt/data still reads the storage node's data" \
	test "$(G sha256sum /mnt/data/from-host | cut -c1-64)" = "$(sha256sum "$LAB_EXPORT_DIR/from-host" | cut -c1-64)"

# ---- the host side: virtio-net options from the running QEMU, vm-restart ----
# nfstune on the host finds the VM by QEMU's -name and reads queues and
# ring sizes from its command line; they change only by a restart, which
# `lab vm-restart` does as libvirt would after the domain's XML changed.
cat >vm.json <<EOF_V
{"virtio": {"vms": {"$LAB_NS-guest1": {"queues": 2, "rx_queue_size": 512}}}}
EOF_V
HT() { "$BIN/nfstune" "$@" --state-dir "$T_TMP/host-state" >>nfstune.log; }
"$BIN/nfstune" verify vm.json --json >vm-before.json 2>vm.err
check_fails "host: nfstune verify sees the running QEMU's values differ" test $? = 0
check "and they are what the lab started it with: queues 4, rx_queue_size 1024 (from /proc/PID/cmdline)" \
	jq -e '[.drifted[] | {(.knob): .current}] | add == {"queues": "4", "rx_queue_size": "1024"}' vm-before.json >/dev/null
"$BIN/nfstune" plan vm.json >vm-plan.txt 2>&1
check "host: the plan has the libvirt <driver> element and QEMU's options" \
	grep -qF "<driver name='vhost' queues='2' rx_queue_size='512'/>" vm-plan.txt
command -v virsh >/dev/null || echo "# libvirt is not installed here: the plan's XML is not checked against virsh"
start=$(date +%s.%N)
check "lab vm-restart guest1 --vm-queues 2 --rx-queue-size 512" "$LAB" vm-restart guest1 --vm-queues 2 --rx-queue-size 512
echo "# the restart (stop, boot, NFS mount, agent) took $(awk -v t="$start" -v n="$(date +%s.%N)" 'BEGIN { printf "%.1f", n - t }') s"
qpid2=$(cat "$LAB_DIR/pids/qemu-guest1.pid" 2>/dev/null)
check "a new QEMU ($qpid2), the old one ($qpid) gone" bash -c "kill -0 ${qpid2:-0} && ! kill -0 ${qpid:-0} 2>/dev/null && [ '$qpid' != '$qpid2' ]"
check "host: nfstune verify finds the new values on the new QEMU" HT verify vm.json
check "guest: ethtool -l eth0 shows 2 queue pairs ($(combined 1))" test "$(combined 1)" = 2
rxmax=$(G ethtool -g eth0 | awk '/^RX:/ { print $2; exit }')
check "guest: ethtool -g eth0 shows rx ring maximum 512 ($rxmax)" test "$rxmax" = 512
gip=$("$LAB" env | sed -n "s/^LAB_GUEST1_IP=//p")
check "guest: the same address ($gip)" bash -c "'$LAB' exec guest1 ip -4 -o addr show eth0 | grep -q ' $gip/'"
check "guest: /mnt/data is mounted again and reads the storage node's data" \
	test "$(G sha256sum /mnt/data/from-host | cut -c1-64)" = "$(sha256sum "$LAB_EXPORT_DIR/from-host" | cut -c1-64)"
check "lab status names the new options" bash -c "'$LAB' status | grep -q 'queues=2 rx_queue_size=512'"

# ---- down ----
check "lab down" "$LAB" down
# One queue: QEMU then opens the tap without IFF_MULTI_QUEUE, which a
# multi_queue tap refuses. The tap's carrier comes on once QEMU holds it;
# no need to wait for the boot.
"$LAB" up --vm --vm-queues 1 >q1.log 2>&1 &
upid=$!
for ((i = 0; i < 300; i++)); do
	ip -n "$LAB_NS-host" link show vnet1 2>/dev/null | grep -q LOWER_UP && break
	kill -0 $upid 2>/dev/null || break
	sleep 0.1
done
check "--vm-queues 1: QEMU holds its tap" bash -c "ip -n '$LAB_NS-host' link show vnet1 | grep -q LOWER_UP"
q1pid=$(cat "$LAB_DIR/pids/qemu-guest1.pid" 2>/dev/null)
kill $upid 2>/dev/null
wait $upid
check "lab down (while that guest boots)" "$LAB" down
check "its QEMU (${q1pid:-?}) is gone" bash -c "! kill -0 ${q1pid:-0} 2>/dev/null"
check "QEMU ($qpid2) is gone" bash -c "! kill -0 ${qpid2:-0} 2>/dev/null"
check "no lab namespace left" bash -c "! ip netns list | grep -q '^$LAB_NS-'"
check "no tap left" bash -c "! ip -o link show type tun 2>/dev/null | grep -q vnet1"
cd / && t_done
