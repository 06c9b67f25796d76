#!/usr/bin/env bash
# A local demo formation of booth-rs: 2 sites and 1 arbitrator, each `boothd` in its own
# network namespace on a private bridge, each site with its own Pacemaker CIB file driven
# by the real `crm_ticket` (Debian pacemaker-cli-utils). Needs root.
#
#   tests/demo.sh          build, start the formation, grant ticket tA, show `booth list`
#   tests/demo.sh down     stop everything and remove the namespaces
#
# Addresses 10.77.0.0/24 exist only inside the demo's namespaces (no route leaves them).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
dir=${DEMO_DIR:-/tmp/booth-rs-demo}
prefix=brsdemo
net=10.77.0
nodes=(site1 site2 arb1)
addrs=("$net.11" "$net.12" "$net.101")

ns() { echo "$prefix-$1"; }

down() {
    for n in "${nodes[@]}"; do
        if [ -f "$dir/$n/pid" ]; then kill "$(cat "$dir/$n/pid")" 2>/dev/null || true; fi
        ip netns pids "$(ns "$n")" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
        ip netns del "$(ns "$n")" 2>/dev/null || true
    done
    ip netns del "$(ns hub)" 2>/dev/null || true
    rm -rf "$dir"
}

if [ "${1:-}" = down ]; then down; echo "demo: stopped"; exit 0; fi
[ "$(id -u)" = 0 ] || { echo "demo: needs root (network namespaces)" >&2; exit 1; }
for tool in ip cibadmin crm_ticket; do
    command -v "$tool" >/dev/null || { echo "demo: $tool missing: apt-get install iproute2 pacemaker-cli-utils" >&2; exit 1; }
done
getent passwd hacluster >/dev/null || { echo "demo: user hacluster missing: apt-get install pacemaker-cli-utils" >&2; exit 1; }

down
(cd "$top" && cargo build --release --quiet)
bin=$top/target/release/boothd
mkdir -p "$dir/bin"
ln -sf "$bin" "$dir/bin/booth"

ip netns add "$(ns hub)"
ip -n "$(ns hub)" link add br0 type bridge
ip -n "$(ns hub)" link set br0 up
for i in "${!nodes[@]}"; do
    n=${nodes[$i]} a=${addrs[$i]} nsn=$(ns "${nodes[$i]}")
    ip netns add "$nsn"
    ip netns exec "$nsn" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
    ip link add "v-$n" netns "$(ns hub)" type veth peer name eth0 netns "$nsn"
    ip -n "$(ns hub)" link set "v-$n" master br0 up
    ip -n "$nsn" addr add "$a/24" dev eth0
    ip -n "$nsn" link set eth0 up
    ip -n "$nsn" link set lo up
done

for i in "${!nodes[@]}"; do
    n=${nodes[$i]} d=$dir/${nodes[$i]}
    mkdir -p "$d"
    cat >"$d/booth.conf" <<EOF
transport = UDP
port = 9929
site = ${addrs[0]}
site = ${addrs[1]}
arbitrator = ${addrs[2]}
ticket = "tA"
    expire = 20
    timeout = 2
    retries = 3
EOF
    cibadmin --empty >"$d/cib.xml"
    chown -R hacluster:haclient "$d"
    chmod 0777 "$d"
    # The daemon finds crm_ticket on PATH; CIB_file gives each site its own "cluster".
    ip netns exec "$(ns "$n")" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin CIB_file="$d/cib.xml" \
        "$bin" daemon -S -c "$d/booth.conf" -l "$d/boothd.lock" >"$d/boothd.log" 2>&1 &
    echo $! >"$d/pid"
done

for i in "${!nodes[@]}"; do
    for _ in $(seq 50); do
        ip netns exec "$(ns "${nodes[$i]}")" "$dir/bin/booth" list -c "$dir/${nodes[$i]}/booth.conf" >/dev/null 2>&1 && break
        sleep 0.1
    done
done

booth() { local n=$1; shift; ip netns exec "$(ns "$n")" "$dir/bin/booth" "$@" -c "$dir/$n/booth.conf"; }
echo "demo: 2 sites + 1 arbitrator of booth-rs up in namespaces $prefix-*; logs in $dir/*/boothd.log"
echo "\$ booth grant tA            (at site1)"
booth site1 grant tA
for n in "${nodes[@]}"; do
    echo "\$ booth list                ($n)"
    booth "$n" list
done
echo "\$ crm_ticket -t tA -q       (site1's CIB)"
CIB_file=$dir/site1/cib.xml crm_ticket -t tA -q | tail -n +3
echo "demo: stop it with: $0 down"
