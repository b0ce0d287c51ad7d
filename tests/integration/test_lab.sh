#!/bin/bash
# test_lab.sh - the lab: up, list exports (v3 and v4), write through NFS and
# find the bytes in the export directory, capture at all four vantage points,
# options (guests, MTU, offloads, shaping) really applied, clean down.
. "$(dirname "$0")/../lib.sh"
skip_unless_root
t_setup

"$LAB" down >/dev/null 2>&1
# Options are checked before anything is created.
check_fails "up rejects --mtu abc" "$LAB" up --mtu abc
check_fails "up rejects --offloads maybe" "$LAB" up --offloads maybe
check_fails "up rejects --shape fast" "$LAB" up --shape fast
check "nothing created by rejected ups" bash -c "! ip netns list | grep -q '^$LAB_NS-'"

check "lab up" "$LAB" up
check_fails "second up refuses while up" "$LAB" up
check "lab status says up" "$LAB" status

check "nfs-ls /export (NFSv3) from guest1" "$LAB" exec guest1 nfs-ls nfs://$SIP/export
check "nfs-ls /null (NFSv3) from guest1" "$LAB" exec guest1 nfs-ls nfs://$SIP/null
check "nfs-ls /export (NFSv4) from guest1" "$LAB" exec guest1 nfs-ls "nfs://$SIP/export?version=4"

head -c 5000000 /dev/urandom >"$T_TMP/data.bin"
check "capture start" "$LAB" capture start --snaplen 200 "$T_TMP/cap"
check "nfs-cp a 5 MB file into /export" "$LAB" exec guest1 nfs-cp "$T_TMP/data.bin" nfs://$SIP/export/data.bin
check "capture stop" "$LAB" capture stop
check "file is byte-identical in the export directory" cmp "$T_TMP/data.bin" $LAB_EXPORT_DIR/data.bin
for p in guest1 host-in1 host-out storage; do
	n=$(pcap_count "$T_TMP/cap/$p.pcap" "tcp port 2049")
	# 5 MB in 1 MiB WRITEs is at least 5 calls + 5 replies, plus the mount
	check "capture at $p holds NFS packets ($n)" test "$n" -ge 10
done
guest_syn=$(pcap_count "$T_TMP/cap/guest1.pcap" "tcp port 2049 and tcp[tcpflags] & tcp-syn != 0")
storage_syn=$(pcap_count "$T_TMP/cap/storage.pcap" "tcp port 2049 and tcp[tcpflags] & tcp-syn != 0")
check "the same connections are seen at guest and storage ($guest_syn SYNs)" test "$guest_syn" -ge 2 -a "$guest_syn" = "$storage_syn"
maxlen=$(tcpdump -n -r "$T_TMP/cap/storage.pcap" -e 2>/dev/null | sed -n 's/.*length \([0-9]*\):.*/\1/p' | sort -n | tail -1)
check "offloads on: super-frames larger than the MTU ($maxlen)" test "${maxlen:-0}" -gt 1514
started=$(cat $LAB_DIR/pids/*.pid 2>/dev/null | tr '\n' ' ')
check "ganesha and rpcbind were recorded by PID ($started)" test "$(echo $started | wc -w)" -ge 2
check "down" "$LAB" down
check "down twice is fine" "$LAB" down
check "no lab namespace left" bash -c "! ip netns list | grep -q '^$LAB_NS-'"
gone() { local p; for p in $started; do kill -0 "$p" 2>/dev/null && return 1; done; return 0; }
check "every process the lab started is gone" gone

# Two guests, jumbo frames, offloads off, shaped uplink.
check "lab up --guests 2 --mtu 9000 --offloads off --shape 2gbit" "$LAB" up --guests 2 --mtu 9000 --offloads off --shape 2gbit
check "guest2 eth0 has MTU 9000" bash -c "ip -n $LAB_NS-guest2 link show eth0 | grep -q 'mtu 9000'"
check "storage eth0 has TSO off" bash -c "ip netns exec $LAB_NS-storage ethtool -k eth0 | grep -q 'tcp-segmentation-offload: off'"
check "host eth1 has a TBF at 2Gbit" bash -c "tc -n $LAB_NS-host qdisc show dev eth1 | grep -q 'tbf.*rate 2Gbit'"
check "guest2 has its address" bash -c "ip -n $LAB_NS-guest2 addr show eth0 | grep -q '${LAB_NET%.0/24}.12/24'"
check "capture start (2 guests)" "$LAB" capture start "$T_TMP/cap2"
check "nfs-cp from guest2" "$LAB" exec guest2 nfs-cp "$T_TMP/data.bin" nfs://$SIP/export/two.bin
check "capture stop (2 guests)" "$LAB" capture stop
check "guest2's file is byte-identical" cmp "$T_TMP/data.bin" $LAB_EXPORT_DIR/two.bin
check "capture files for both guests" test -s "$T_TMP/cap2/guest2.pcap" -a -s "$T_TMP/cap2/host-in2.pcap" -a -e "$T_TMP/cap2/guest1.pcap"
maxlen=$(tcpdump -n -r "$T_TMP/cap2/storage.pcap" -e 2>/dev/null | sed -n 's/.*length \([0-9]*\):.*/\1/p' | sort -n | tail -1)
check "offloads off, MTU 9000: no frame above 9014 bytes ($maxlen)" test "${maxlen:-99999}" -le 9014 -a "${maxlen:-0}" -gt 1514
check "down (2 guests)" "$LAB" down
check "no lab namespace left (2 guests)" bash -c "! ip netns list | grep -q '^$LAB_NS-'"
t_done
