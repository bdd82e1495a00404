#!/bin/sh
# The one-off set-up of docker-compose.secure.yml (also runnable by hand): a key and certificate for the nodes
# cairn1..cairn3, a truststore, the nodes' shared server.properties (SASL_SSL with SCRAM-SHA-256, ACLs, mutual TLS
# between the metadata Raft voters) and a client.properties that logs in as admin. Passwords come from the
# environment, never from a committed file. The key is made once; the properties are rewritten at every run, so a
# changed password takes effect on the next `up`.
set -eu
certs="${CAIRN_CERTS_DIR:-/certs}"
: "${CAIRN_STORE_PASSWORD:?set CAIRN_STORE_PASSWORD (for example in .env)}"
: "${CAIRN_ADMIN_PASSWORD:?set CAIRN_ADMIN_PASSWORD (for example in .env)}"
: "${CAIRN_BROKER_PASSWORD:?set CAIRN_BROKER_PASSWORD (for example in .env)}"
umask 077
mkdir -p "$certs"
if [ ! -f "$certs/node.p12" ]; then
  keytool -genkeypair -alias node -keyalg RSA -keysize 2048 -validity 365 -dname "CN=cairn-compose" \
    -ext "SAN=dns:cairn1,dns:cairn2,dns:cairn3,dns:localhost,ip:127.0.0.1" \
    -keystore "$certs/node.p12" -storetype PKCS12 -storepass "$CAIRN_STORE_PASSWORD" >/dev/null 2>&1
  keytool -exportcert -rfc -alias node -keystore "$certs/node.p12" -storepass "$CAIRN_STORE_PASSWORD" \
    -file "$certs/node.pem" >/dev/null 2>&1
  keytool -importcert -noprompt -alias node -file "$certs/node.pem" -keystore "$certs/truststore.p12" \
    -storetype PKCS12 -storepass "$CAIRN_STORE_PASSWORD" >/dev/null 2>&1
fi
cat >"$certs/server.properties" <<PROPERTIES
# Shared by every node of docker-compose.secure.yml; each node's id and listeners come from its environment.
ssl.keystore.location=$certs/node.p12
ssl.keystore.password=$CAIRN_STORE_PASSWORD
ssl.keystore.type=PKCS12
ssl.truststore.location=$certs/truststore.p12
ssl.truststore.password=$CAIRN_STORE_PASSWORD
ssl.truststore.type=PKCS12
sasl.enabled.mechanisms=SCRAM-SHA-256
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-256
listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="broker" password="$CAIRN_BROKER_PASSWORD";
cairn.bootstrap.scram.credentials=SCRAM-SHA-256=[name=admin,password=$CAIRN_ADMIN_PASSWORD],SCRAM-SHA-256=[name=broker,password=$CAIRN_BROKER_PASSWORD]
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
super.users=User:admin;User:broker
cairn.raft.security.protocol=SSL
PROPERTIES
cat >"$certs/client.properties" <<PROPERTIES
# Log in as admin: kafka-topics.sh --command-config client.properties (copy truststore.p12 beside it)
security.protocol=SASL_SSL
ssl.truststore.location=truststore.p12
ssl.truststore.password=$CAIRN_STORE_PASSWORD
ssl.truststore.type=PKCS12
sasl.mechanism=SCRAM-SHA-256
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$CAIRN_ADMIN_PASSWORD";
PROPERTIES
# run as root to own a fresh volume, hand it to the nodes' user (the image's uid 10001)
if [ "$(id -u)" = 0 ]; then chown -R "${CAIRN_UID:-10001}:${CAIRN_UID:-10001}" "$certs"; fi
echo "secure-init: certificates and properties in $certs"
