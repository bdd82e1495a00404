#!/usr/bin/env bash
# A fault campaign against bin/cairn-cluster, as an operator would run one: kcat (librdkafka) writes 1..N at
# ~500/s, acks=all and idempotent, to a 3-partition RF 3 topic (min ISR 2) while nodes, and the controller, are
# paused (5, 12 and 30 s) and killed and restarted in turn; after each fault it waits for `cairn cluster-status
# --expect 3` (registered, unfenced, every node following the controller) and prints how long that took. Then
# every number must be read back exactly once, and it counts each node's WARN and ERROR lines.
#
#   N=100000 bash cairn-bench/scripts/fault_campaign.sh      # about 4 minutes; needs kcat, python3 and bc
#
# The cluster runs in a temporary directory (CAMPAIGN_DIR to choose it), on ports 29192-29194 and 30192-30194.
set -u
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"; d="${CAMPAIGN_DIR:-$(mktemp -d /tmp/cairn-campaign-XXXX)}"; mkdir -p "$d"
export KAFKA_DEFAULT_REPLICATION_FACTOR=3 KAFKA_MIN_INSYNC_REPLICAS=2 KAFKA_NUM_PARTITIONS=3
bs=$($root/bin/cairn-cluster up -n 3 --base-port 29192 --dir $d) || exit 1
echo "up: $bs"
N=${N:-150000}
python3 -c "
import sys,time
for i in range(1,$N+1):
    sys.stdout.write(f'{i}\n')
    if i % 50 == 0:
        sys.stdout.flush(); time.sleep(0.1)
" | kcat -P -b "$bs" -t campaign -X acks=all -X enable.idempotence=true -X message.timeout.ms=300000 2>$d/kcat-produce.err &
kp=$!
sleep 5
ctl() { $root/bin/cairn cluster-status --bootstrap "$bs" | sed -n 's/.*controller \([0-9]*\).*/\1/p' | head -1; }
healed() { local t0=$(date +%s.%N); $root/bin/cairn cluster-status --bootstrap "$bs" --expect 3 --wait 60 --quiet \
  && echo "  healed in $(echo "$(date +%s.%N) - $t0" | bc) s (incl. ~1 s of cluster-status JVM start)" || echo "  NOT HEALED"; }
for step in "pause 1 5" "pause ctl 5" "kill 2" "pause 3 12" "pause ctl 12" "kill ctl" "pause 2 30" "kill 3"; do
  set -- $step; what=$1; n=$2; [ "$n" = ctl ] && n=$(ctl)
  echo "$(date +%T) $what node $n ${3:-}"
  if [ $what = pause ]; then $root/bin/cairn-cluster pause $n --dir $d >/dev/null; sleep $3; $root/bin/cairn-cluster resume $n --dir $d >/dev/null
  else $root/bin/cairn-cluster kill $n --dir $d >/dev/null; sleep 2; $root/bin/cairn-cluster start $n --dir $d >/dev/null; fi
  healed
  sleep 3
done
wait $kp; echo "kcat producer exit $?; delivery errors: $(grep -c -i 'fail\|error' $d/kcat-produce.err)"
kcat -C -b "$bs" -t campaign -e -q -o beginning > $d/read.txt
echo "read $(wc -l < $d/read.txt) records, $(sort -u $d/read.txt | wc -l) distinct, expected $N; missing: $(comm -23 <(seq 1 $N | sort) <(sort -u $d/read.txt) | wc -l)"
for i in 1 2 3; do echo "node $i WARN/ERROR lines: $(grep -c -E ' (WARN|ERROR) ' $d/node$i/cairn.log)"; done
$root/bin/cairn-cluster down --dir $d >/dev/null
[ -n "${CAMPAIGN_DIR:-}" ] || rm -rf "$d"
