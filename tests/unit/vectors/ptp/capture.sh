#!/bin/bash
set -u
A=pgcap$$a; B=pgcap$$b; D=/tmp/latcap
cleanup() { kill $P1 $P2 2>/dev/null; wait $P1 $P2 2>/dev/null; ip netns del $A; ip netns del $B; }
trap cleanup EXIT
ip netns add $A; ip netns add $B
ip link add vA netns $A type veth peer name vB netns $B
ip -n $A addr add 198.18.97.1/24 dev vA; ip -n $B addr add 198.18.97.2/24 dev vB
ip -n $A link set vA up; ip -n $B link set vB up; ip -n $A link set lo up; ip -n $B link set lo up
for s in a b; do cat > $D/ptp-$s.conf <<C
[global]
free_running 1
time_stamping software
logAnnounceInterval -3
announceReceiptTimeout 2
logSyncInterval -4
logMinDelayReqInterval -4
uds_address $D/ptp4l-$s
C
done
echo "priority1 100" >> $D/ptp-a.conf
echo "slaveOnly 1" >> $D/ptp-b.conf
ip netns exec $A setpriv --bounding-set=-sys_time ptp4l -f $D/ptp-a.conf -i vA -m > $D/ptp-a.log 2>&1 & P1=$!
ip netns exec $B setpriv --bounding-set=-sys_time ptp4l -f $D/ptp-b.conf -i vB -m > $D/ptp-b.log 2>&1 & P2=$!
sleep 3
for q in TIME_STATUS_NP PORT_DATA_SET CURRENT_DATA_SET PATH_TRACE_LIST ALTERNATE_TIME_OFFSET_NAME UNICAST_MASTER_TABLE_NP; do
  strace -f -xx -s 1024 -e trace=sendto,recvfrom,sendmsg,recvmsg,write,read -o $D/strace-$q.txt pmc -u -b 0 -s $D/ptp4l-b "GET $q" > $D/pmc-$q.txt 2>&1
done
strace -f -xx -s 1024 -e trace=sendto,recvfrom -o $D/strace-pds-a.txt pmc -u -b 0 -s $D/ptp4l-a "GET PORT_DATA_SET" > $D/pmc-pds-a.txt 2>&1
