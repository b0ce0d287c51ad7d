#!/bin/bash
# test_lab_vm.sh - the lab with a real guest: `lab up --vm` boots ONE QEMU VM
# (Debian's kernel, multi-queue virtio-net on a tap, the machine's root over
# 9p) for the whole script, then: lab exec keeps stdout, stderr, exit status,
# argv, stdin, cwd and signals; the virtio-net device has the queues asked
# for, with their MSI-X IRQs, and ethtool -L changes them; the kernel NFS
# mount at /mnt/data carries real data both ways; bin/nfsbench runs in the
# guest; captures at the guest (tcpdump inside the VM) and host-in (the tap)
# hold every RPC; nfstune applies, verifies and reverts configs/guest-virtio.json
# on the guest's real rings, channels, IRQ affinity and SunRPC slot table;
# lab down leaves no QEMU, tap or namespace.
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
# The mount options are nfstune's remount class (planned, done by hand), so
# the guest mounts as the profile says first. The rest starts away from the
# profile: rx rings 256, 2 channels, every input IRQ on both vCPUs.
check "remount /mnt/data with the profile's rsize, wsize and nconnect" G sh -c \
	"umount /mnt/data && mount -i -t nfs -o vers=3,proto=tcp,port=2049,mountport=20048,mountproto=tcp,nolock,rsize=1048576,wsize=1048576,nconnect=4,addr=$SIP $SIP:/export /mnt/data"
INPUT_IRQS='$(sed -n "s/^ *\([0-9]*\):.*virtio[0-9]*-input\.[0-9]*\$/\1/p" /proc/interrupts)'
check "the start state" G sh -c "ethtool -G eth0 rx 256 && ethtool -L eth0 combined 2 &&
	for i in $INPUT_IRQS; do echo 0-1 >/proc/irq/\$i/smp_affinity_list || exit 1; done"
knobs() { # the knobs read with other tools than nfstune: rings, channels, slots, input IRQs' CPUs
	G sh -c 'ethtool -g eth0 | awk "/^RX:/ { r = \$2 } END { printf \"rx %s \", r }"
		ethtool -l eth0 | awk "/^Combined:/ { c = \$2 } END { printf \"combined %s \", c }"
		printf "slots %s irqs" "$(cat /proc/sys/sunrpc/tcp_slot_table_entries)"
		for i in '"$INPUT_IRQS"'; do
			printf " %s" "$(cat /proc/irq/$i/smp_affinity_list)"
		done'
}
before=$(knobs)
echo "# before: $before"
check "nfstune apply configs/guest-virtio.json in the guest" G "$BIN/nfstune" apply "$ROOT/configs/guest-virtio.json" --state-dir /run/nfstune
after=$(knobs)
echo "# after: $after"
# spread-local: input.N on vCPU N mod vCPUs (the guest has 2)
check "rings, channels, slot table and each input IRQ's CPU are as the profile says" \
	test "$after" = "rx 1024 combined 4 slots 128 irqs 0 1 0 1"
check "nfstune verify: nothing drifted" G "$BIN/nfstune" verify "$ROOT/configs/guest-virtio.json" --state-dir /run/nfstune
check "nfstune revert" G "$BIN/nfstune" revert --state-dir /run/nfstune
now=$(knobs)
check "every knob is back ($now)" test "$now" = "$before"
check_fails "nfstune verify sees the drift after revert" G "$BIN/nfstune" verify "$ROOT/configs/guest-virtio.json" --state-dir /run/nfstune

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
check "QEMU ($qpid) is gone" bash -c "! kill -0 ${qpid:-0} 2>/dev/null"
check "no lab namespace left" bash -c "! ip netns list | grep -q '^$LAB_NS-'"
check "no tap left" bash -c "! ip -o link show type tun 2>/dev/null | grep -q vnet1"
cd / && t_done
