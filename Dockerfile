# Cairn node image. Build: docker build -t cairn .
# Configure with environment variables (see `cairn start --help`): CAIRN_NODE_ID, CAIRN_VOTERS
# (controller.quorum.voters), and any KAFKA_<NAME> property (KAFKA_LISTENERS, KAFKA_ADVERTISED_LISTENERS, ...).
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml ./
COPY cairn-protocol cairn-protocol
COPY cairn-storage cairn-storage
COPY cairn-metadata cairn-metadata
COPY cairn-raft cairn-raft
COPY cairn-broker cairn-broker
COPY cairn-server cairn-server
# The reactor lists every module: those not built here need only their pom (DeployFilesTest checks the list).
COPY cairn-testkit/pom.xml cairn-testkit/pom.xml
COPY cairn-fuzz/pom.xml cairn-fuzz/pom.xml
COPY deploy/pom.xml deploy/pom.xml
RUN mvn -B -q -DskipTests -pl cairn-server -am package

FROM eclipse-temurin:17-jre
# A fixed uid and gid (10001), which the Helm chart's securityContext names (runAsUser, fsGroup).
RUN groupadd --system --gid 10001 cairn \
    && useradd --system --uid 10001 --gid 10001 --home /var/lib/cairn cairn \
    && mkdir -p /var/lib/cairn && chown cairn:cairn /var/lib/cairn
COPY --from=build /src/cairn-server/target/cairn-server-0.1.0-SNAPSHOT.jar /opt/cairn/cairn-server.jar
COPY --from=build /src/cairn-server/target/lib /opt/cairn/lib
USER 10001:10001
ENV KAFKA_LOG_DIRS=/var/lib/cairn/data \
    KAFKA_LISTENERS=PLAINTEXT://0.0.0.0:9092 \
    CAIRN_HEAP_OPTS="-Xms256m -Xmx1g"
VOLUME /var/lib/cairn
# 9092: Kafka listener; 9093: metadata Raft port (the conventional one in controller.quorum.voters); 9644: metrics
# and health probes, when KAFKA_CAIRN_METRICS_PORT=9644 (the chart and compose file set it)
EXPOSE 9092 9093 9644
ENTRYPOINT ["sh", "-c", "exec java $CAIRN_HEAP_OPTS ${CAIRN_JVM_OPTS:-} -cp '/opt/cairn/cairn-server.jar:/opt/cairn/lib/*' io.cairn.server.CairnMain start \"$@\"", "cairn"]
