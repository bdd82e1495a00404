#!/usr/bin/env bash
# kafkajs's own integration tests (github.com/tulios/kafkajs, its src/**/*.spec.js that talk to a broker) against
# Apache Kafka or Cairn started as local processes, in place of the suite's docker-compose cluster
# (docker-compose.2_4.yml: brokers with PLAINTEXT, SSL and SASL_SSL listeners on localhost:9092-9100).
# docs/conformance.md records the results and how they were read.
#
#   kafkajs_suite.sh setup                   fetch kafkajs into $KJS_SRC, npm install, patch its test helpers
#   kafkajs_suite.sh up <target>             start kafka1 | kafka3 | cairn1 | cairn3, create the SCRAM user
#   kafkajs_suite.sh run <out> [spec...]     run each spec file alone (default: every broker test), jest JSON per file
#   kafkajs_suite.sh summary <out>           pass/fail/skip per file and the failing tests
#   kafkajs_suite.sh down                    stop the brokers
#
# Needs: node >= 14 and npm, git, the build (`mvn -o -q -Pbench -DskipTests package`: bin/cairn's jar and the
# Kafka 4.3.1 classpath cairn-bench/target/kafka-lib). Environment: KJS_SRC (default /tmp/kafkajs-src),
# KJS_DIR (broker data and logs, default /tmp/kjs-brokers), KJS_COMMIT (default the one recorded in the doc),
# KJS_TIMEOUT (seconds per spec file, default 300), KJS_PORT (node 1's PLAINTEXT port, default the compose file's
# 9092; setup rewrites the ports 9092-9100 of the test helpers and spec files to KJS_PORT..KJS_PORT+8) and
# KJS_RAFT_PORT (the controller ports are KJS_RAFT_PORT+1.., default 19300).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
src="${KJS_SRC:-/tmp/kafkajs-src}"
dir="${KJS_DIR:-/tmp/kjs-brokers}"
commit="${KJS_COMMIT:-55b0b416308b9e597a5a6b97b0a6fd6b846255dc}"
per_file_timeout="${KJS_TIMEOUT:-300}"
base_port="${KJS_PORT:-9092}"
raft_port="${KJS_RAFT_PORT:-19300}"
kafka_lib="$root/cairn-bench/target/kafka-lib"

die() { echo "kafkajs_suite: $*" >&2; exit 1; }

# Node i (1..3) is kafka1..kafka3 of docker-compose.2_4.yml: node id i-1 (tests name replicas 0, 1 and 2), PLAINTEXT
# port 9092+3(i-1) (KJS_PORT in place of 9092), SSL +1, SASL_SSL +2; its Raft/controller port is KJS_RAFT_PORT+i.
# Listeners on 127.0.0.1 only, advertised as localhost (the helpers' host).
plain_port() { echo $((base_port + 3 * ($1 - 1))); }
listeners() {
  local p; p="$(plain_port "$1")"
  echo "PLAINTEXT://$2:$p,SSL://$2:$((p + 1)),SASL_SSL://$2:$((p + 2))"
}
voters() {
  local list="" i
  for i in $(seq 1 "$1"); do list="${list:+$list,}$((i - 1))@127.0.0.1:$((raft_port + i))"; done
  echo "$list"
}

# The broker settings of docker-compose.2_4.yml that matter to the tests, as properties.
common_props() {
  local nodes="$1" certs="$src/testHelpers/certs"
  cat <<EOF
auto.create.topics.enable=true
num.partitions=2
default.replication.factor=$([ "$nodes" -ge 2 ] && echo 2 || echo 1)
delete.topic.enable=true
group.initial.rebalance.delay.ms=0
offsets.topic.replication.factor=$nodes
transaction.state.log.replication.factor=$nodes
transaction.state.log.min.isr=1
inter.broker.listener.name=PLAINTEXT
sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512
ssl.keystore.location=$certs/kafka.server.keystore.jks
ssl.keystore.password=testtest
ssl.key.password=testtest
ssl.truststore.location=$certs/kafka.server.truststore.jks
ssl.truststore.password=testtest
EOF
}

jaas_opt() { echo "-Djava.security.auth.login.config=$src/testHelpers/kafka/server-jaas.conf"; }

start_kafka() {
  local nodes="$1" i d id
  [ -d "$kafka_lib" ] || die "no $kafka_lib (mvn -o -q -Pbench -DskipTests package)"
  id="$(java -cp "$kafka_lib/*" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -1)"
  for i in $(seq 1 "$nodes"); do
    d="$dir/node$i"; mkdir -p "$d"
    {
      echo "process.roles=broker,controller"
      echo "node.id=$((i - 1))"
      echo "controller.quorum.voters=$(voters "$nodes")"
      echo "listeners=$(listeners "$i" 127.0.0.1),CONTROLLER://127.0.0.1:$((raft_port + i))"
      echo "advertised.listeners=$(listeners "$i" localhost)"
      echo "controller.listener.names=CONTROLLER"
      echo "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_SSL:SASL_SSL"
      echo "log.dirs=$d/data"
      echo "share.coordinator.state.topic.replication.factor=$nodes"
      echo "share.coordinator.state.topic.min.isr=1"
      # The compose file's SimpleAclAuthorizer with allow.everyone.if.no.acl.found, in KRaft's form.
      echo "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer"
      echo "allow.everyone.if.no.acl.found=true"
      # A quorum of controllers needs their principal as a super user (else AuthorizerNotReadyException at start).
      [ "$nodes" -gt 1 ] && echo "super.users=User:ANONYMOUS"
      common_props "$nodes"
    } >"$d/server.properties"
    cat >"$d/logback.xml" <<EOF
<configuration>
  <appender name="OUT" class="ch.qos.logback.core.ConsoleAppender">
    <encoder><pattern>%d{HH:mm:ss.SSS} %-5level %logger{36} - %msg%n</pattern></encoder>
  </appender>
  <logger name="kafka.request.logger" level="WARN"/>
  <root level="INFO"><appender-ref ref="OUT"/></root>
</configuration>
EOF
    java -cp "$kafka_lib/*" -Dlogback.configurationFile="$d/logback.xml" kafka.tools.StorageTool format \
      -t "$id" -c "$d/server.properties" >"$d/format.out" 2>&1 || die "format failed: $(cat "$d/format.out")"
    nohup java -Xmx768m "$(jaas_opt)" -Dlogback.configurationFile="$d/logback.xml" -cp "$kafka_lib/*" \
      kafka.Kafka "$d/server.properties" >"$d/broker.log" 2>&1 </dev/null &
    echo $! >"$d/pid"
  done
}

start_cairn() {
  local nodes="$1" i d
  "$root/bin/cairn" --version >/dev/null   # builds on first use, once, before the nodes start
  for i in $(seq 1 "$nodes"); do
    d="$dir/node$i"; mkdir -p "$d/data"
    {
      echo "node.id=$((i - 1))"
      echo "log.dirs=$d/data"
      echo "listeners=$(listeners "$i" 127.0.0.1)"
      echo "advertised.listeners=$(listeners "$i" localhost)"
      [ "$nodes" -gt 1 ] && echo "controller.quorum.voters=$(voters "$nodes")"
      # The same authorizer settings as Kafka's above (ACLs are served since adr/0021).
      echo "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer"
      echo "allow.everyone.if.no.acl.found=true"
      [ "$nodes" -gt 1 ] && echo "super.users=User:ANONYMOUS"
      common_props "$nodes"
    } >"$d/server.properties"
    CAIRN_HEAP_OPTS="-Xms256m -Xmx768m" CAIRN_JVM_OPTS="$(jaas_opt)" nohup "$root/bin/cairn" start \
      --config "$d/server.properties" >"$d/broker.log" 2>&1 </dev/null &
    echo $! >"$d/pid"
  done
}

# Waits until every node is in the metadata and a topic can be created and described (leaders elected).
wait_up() {
  (cd "$src" && KJS_NODES="$1" KJS_PORT="$base_port" node -e '
    const { Kafka, logLevel } = require("./index")
    const n = parseInt(process.env.KJS_NODES, 10)
    const kafka = new Kafka({ brokers: ["localhost:" + process.env.KJS_PORT], logLevel: logLevel.NOTHING, retry: { retries: 0 } })
    const deadline = Date.now() + 120000
    const attempt = async () => {
      const admin = kafka.admin()
      try {
        await admin.connect()
        const { brokers } = await admin.describeCluster()
        if (brokers.length < n) throw new Error(`${brokers.length} of ${n} brokers`)
        await admin.createTopics({ waitForLeaders: true, topics: [{ topic: "kjs-ready", numPartitions: n }] })
        return true
      } finally { await admin.disconnect().catch(() => {}) }
    }
    const loop = async () => {
      for (;;) {
        try { if (await attempt()) return console.log("up") } catch (e) {
          if (Date.now() > deadline) { console.error("not up: " + e.message); process.exit(1) }
        }
        await new Promise(r => setTimeout(r, 1000))
      }
    }
    loop()')
}

# scripts/createScramCredentials.sh's user, one mechanism per request (Kafka's controller refuses a user twice).
create_scram() {
  local m
  for m in 'SCRAM-SHA-256=[iterations=8192,password=testtestscram=256]' 'SCRAM-SHA-512=[password=testtestscram=512]'; do
    java -cp "$kafka_lib/*" -Dlogback.configurationFile=/dev/null kafka.admin.ConfigCommand \
      --bootstrap-server "localhost:$base_port" --alter --add-config "$m" --entity-type users --entity-name testscram \
      2>&1 | grep -E "^Completed|^Error|Exception" || true
  done
}

case "${1:-}" in
  setup)
    [ -d "$src/.git" ] || [ -f "$src/package.json" ] || {
      mkdir -p "$src"
      tmp="$(mktemp -d)"
      git clone -q https://github.com/tulios/kafkajs "$tmp/kafkajs"
      git -C "$tmp/kafkajs" archive "$commit" | tar -x -C "$src"
    }
    (cd "$src" && npm install --no-audit --no-fund --ignore-scripts >/dev/null)
    # The broker lists of the helpers: as many nodes as KJS_NODES (the compose file has three).
    node - "$src/testHelpers/index.js" <<'EOF'
const fs = require('fs')
const file = process.argv[2]
let text = fs.readFileSync(file, 'utf8')
if (!text.includes('KJS_NODES')) {
  text = text
    .replace(/const plainTextBrokers = .*\n/, "const kjsNodes = parseInt(process.env.KJS_NODES || '3', 10)\nconst kjsBrokers = (host, ports) => ports.slice(0, kjsNodes).map(port => `${host}:${port}`)\nconst plainTextBrokers = (host = getHost()) => kjsBrokers(host, [9092, 9095, 9098])\n")
    .replace(/const sslBrokers = .*\n/, 'const sslBrokers = (host = getHost()) => kjsBrokers(host, [9093, 9096, 9099])\n')
    .replace(/const saslBrokers = .*\n/, 'const saslBrokers = (host = getHost()) => kjsBrokers(host, [9094, 9097, 9100])\n')
  fs.writeFileSync(file, text)
}
EOF
    # scripts/addPartitions.sh runs kafka-topics in the compose container; the same through the admin client.
    cat >"$src/scripts/addPartitions.sh" <<'EOF'
#!/bin/bash -e
node -e '
const { Kafka, logLevel } = require("./index")
const admin = new Kafka({ brokers: ["localhost:" + process.env.KJS_PORT], logLevel: logLevel.NOTHING }).admin()
admin.connect()
  .then(() => admin.createPartitions({ topicPartitions: [{ topic: process.env.TOPIC, count: parseInt(process.env.PARTITIONS, 10) }] }))
  .then(() => admin.disconnect())
  .catch(e => { console.error(e); process.exit(1) })'
EOF
    # Another port range than the compose file's: every 9092..9100 of the helpers and of the spec files that talk to
    # brokers (not the protocol encoding tests) becomes KJS_PORT..KJS_PORT+8, once; the range is recorded.
    if [ ! -f "$src/.kjs-port" ]; then
      if [ "$base_port" != 9092 ]; then
        { echo "$src/testHelpers/index.js"; find "$src/src" -name '*.spec.js' -not -path "$src/src/protocol/*"; } |
          xargs grep -lE '\b(909[2-9]|9100)\b' |
          xargs perl -pi -e 's/\b(909[2-9]|9100)\b/$1 - 9092 + '"$base_port"'/ge'
      fi
      echo "$base_port" >"$src/.kjs-port"
    fi
    [ "$(cat "$src/.kjs-port")" = "$base_port" ] || die "$src has the ports of KJS_PORT=$(cat "$src/.kjs-port")"
    echo "kafkajs at $src"
    ;;
  up)
    target="${2:-}"
    case "$target" in
      kafka1) start_kafka 1; nodes=1 ;; kafka3) start_kafka 3; nodes=3 ;;
      cairn1) start_cairn 1; nodes=1 ;; cairn3) start_cairn 3; nodes=3 ;;
      *) die "up kafka1|kafka3|cairn1|cairn3" ;;
    esac
    echo "$nodes" >"$dir/nodes"
    wait_up "$nodes" || die "$target did not come up (logs in $dir/node*/broker.log)"
    create_scram
    echo "$target up: KJS_NODES=$nodes"
    ;;
  run)
    out="${2:?run <out> [spec...]}"; shift 2
    mkdir -p "$out"
    nodes="$(cat "$dir/nodes")"
    [ "$(cat "$src/.kjs-port" 2>/dev/null)" = "$base_port" ] || die "run setup with this KJS_PORT first"
    cd "$src"
    if [ $# -eq 0 ]; then
      # The spec files that use the test helpers' brokers; the others are unit tests of the client alone.
      set -- $(grep -rl --include='*.spec.js' "testHelpers')" src | sort)
    fi
    for spec in "$@"; do
      name="$(echo "$spec" | sed 's|^src/||; s|/|_|g; s|\.spec\.js$||')"
      start=$(date +%s)
      KJS_NODES="$nodes" KJS_PORT="$base_port" KAFKA_VERSION=2.4 NODE_ENV=test KAFKAJS_DEBUG_PROTOCOL_BUFFERS=1 \
        timeout -k 10 "$per_file_timeout" npx jest --ci --runInBand --forceExit --no-watchman \
        --json --outputFile="$out/$name.json" "$spec" >"$out/$name.log" 2>&1 && rc=0 || rc=$?
      echo "$spec rc=$rc $(( $(date +%s) - start ))s" | tee -a "$out/index.txt"
    done
    ;;
  summary)
    out="${2:?summary <out>}"
    node - "$out" <<'EOF'
const fs = require('fs'), path = require('path')
const out = process.argv[2]
for (const line of fs.readFileSync(path.join(out, 'index.txt'), 'utf8').trim().split('\n')) {
  const [spec, rcText] = line.split(' ')
  const name = spec.replace(/^src\//, '').replace(/\//g, '_').replace(/\.spec\.js$/, '')
  const file = path.join(out, name + '.json')
  if (!fs.existsSync(file)) { console.log(`${spec}\tno result (${rcText}, killed at the time limit)`); continue }
  const r = JSON.parse(fs.readFileSync(file, 'utf8'))
  const failed = r.testResults.flatMap(t => t.assertionResults.filter(a => a.status === 'failed').map(a => a.fullName))
  const suiteError = r.testResults.filter(t => t.assertionResults.length === 0 && t.message).map(t => t.message.split('\n')[0])
  console.log(`${spec}\t${r.numPassedTests} passed\t${r.numFailedTests} failed\t${r.numPendingTests} skipped` +
    failed.map(f => `\n  FAIL ${f}`).join('') + suiteError.map(m => `\n  ERROR ${m}`).join(''))
}
EOF
    ;;
  down)
    for p in "$dir"/node*/pid; do
      [ -f "$p" ] || continue
      pid="$(cat "$p")"
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
      rm -f "$p"
    done
    rm -rf "$dir"
    ;;
  *) sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
