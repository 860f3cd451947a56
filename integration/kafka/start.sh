#!/usr/bin/env bash
# start.sh — start a single-node Apache Kafka (KRaft, broker+controller) natively,
# without Docker: the broker's jars come from Maven Central through Maven.
#
#   integration/kafka/start.sh        # then STREAMSGD_BROKERS=127.0.0.1:19092
#
# Everything lives under <repo>/.cache/kafka (ignored by git):
#   lib/      the broker and all its runtime dependencies (fetched once)
#   data/     the KRaft log dirs (removed by stop.sh)
#   kafka.pid, kafka.out, server.properties, log4j.properties
#
# Idempotent: if the broker it started is still running and answers, it does
# nothing. Environment: KAFKA_VERSION (3.9.1), KAFKA_PORT (19092),
# KAFKA_CONTROLLER_PORT (19093), KAFKA_HEAP (1g), KAFKA_WAIT (60 seconds),
# KAFKA_KEEP_DATA (set: start over the data dir a killed broker left,
# instead of formatting a new one).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
cache="${KAFKA_CACHE:-$root/.cache/kafka}"
version="${KAFKA_VERSION:-3.9.1}"
port="${KAFKA_PORT:-19092}"
cport="${KAFKA_CONTROLLER_PORT:-19093}"
heap="${KAFKA_HEAP:-1g}"
wait_s="${KAFKA_WAIT:-60}"
# Pinned extras the broker loads at runtime but kafka_2.13's pom does not
# bring: the slf4j binding and log4j 1 API (the ones Kafka's own tarball ships).
slf4j_version=1.7.36
reload4j_version=1.2.25

lib="$cache/lib"
data="$cache/data"
pidfile="$cache/kafka.pid"
out="$cache/kafka.out"
props="$cache/server.properties"
log4j="$cache/log4j.properties"
ping="$cache/ping"
stamp="$lib/.complete-$version"

log() { printf 'kafka: %s\n' "$*" >&2; }

running() { # the pid in $pidfile is alive and is our broker
	[ -f "$pidfile" ] || return 1
	local pid
	pid=$(cat "$pidfile")
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null &&
		tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'kafka\.Kafka'
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

fetch() { # copies kafka_2.13:$version and its runtime dependencies into $lib
	[ -f "$stamp" ] && return 0
	command -v mvn >/dev/null || { log "mvn not found (apt-get install maven)"; exit 1; }
	log "fetching org.apache.kafka:kafka_2.13:$version and its dependencies from Maven Central"
	local t0=$SECONDS tmp
	tmp=$(mktemp -d "$cache/fetch.XXXXXX")
	cat >"$tmp/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.streamsgd</groupId>
  <artifactId>kafka-broker-libs</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>$version</version></dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-reload4j</artifactId><version>$slf4j_version</version></dependency>
    <dependency><groupId>ch.qos.reload4j</groupId><artifactId>reload4j</artifactId><version>$reload4j_version</version></dependency>
  </dependencies>
</project>
POM
	mvn -q -B -Dstyle.color=never -f "$tmp/pom.xml" dependency:copy-dependencies \
		-DincludeScope=runtime -DoutputDirectory="$tmp/lib"
	rm -rf "$lib"
	mv "$tmp/lib" "$lib"
	cp "$tmp/pom.xml" "$cache/pom.xml"
	rm -rf "$tmp"
	touch "$stamp"
	log "fetched $(ls "$lib" | wc -l) jars in $((SECONDS - t0)) s"
}

configure() {
	cat >"$props" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$cport
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$data
num.partitions=1
default.replication.factor=1
auto.create.topics.enable=false
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
log.cleaner.backoff.ms=5000
PROPS
	cat >"$log4j" <<LOG4J
log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka=INFO
log4j.logger.org.apache.kafka=INFO
log4j.logger.state.change.logger=WARN
log4j.logger.kafka.request.logger=WARN
LOG4J
}

java_run() { # java with the broker's classpath and logging
	java -Xms256m -Xmx"$heap" -XX:+UseG1GC -Djava.awt.headless=true \
		-Dlog4j.configuration="file:$log4j" -cp "$lib/*" "$@"
}

build_ping() {
	# go.mod's toolchain, as in the Makefile (the machine's go.env says local).
	(cd "$root" && GOTOOLCHAIN=$(sed -n 's/^toolchain //p' go.mod) go build -o "$ping" ./integration/kafka/ping)
}

main() {
	mkdir -p "$cache"
	if running; then
		if "$ping" -timeout 5s "127.0.0.1:$port" 2>/dev/null; then
			log "already running (pid $(cat "$pidfile")) on 127.0.0.1:$port"
			return 0
		fi
		log "pid $(cat "$pidfile") runs but does not answer: run stop.sh first"
		return 1
	fi
	rm -f "$pidfile"
	if port_open "$port" || port_open "$cport"; then
		log "port $port or $cport is taken by another process"
		return 1
	fi
	command -v java >/dev/null || { log "java not found (a JDK 11+ is needed)"; return 1; }
	fetch
	build_ping &
	local ping_job=$!
	configure
	local id
	if [ -n "${KAFKA_KEEP_DATA:-}" ] && [ -f "$data/meta.properties" ]; then
		# A restart over the existing log dirs (after a kill -9, say).
		id=$(sed -n 's/^cluster.id=//p' "$data/meta.properties")
		: >"$out"
	else
		rm -rf "$data"
		id=$(java_run kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n1)
		java_run kafka.tools.StorageTool format -t "$id" -c "$props" >"$out" 2>&1 ||
			{ cat "$out" >&2; return 1; }
	fi
	local t0=$SECONDS
	nohup java -Xms256m -Xmx"$heap" -XX:+UseG1GC -Djava.awt.headless=true \
		-Dlog4j.configuration="file:$log4j" -cp "$lib/*" \
		kafka.Kafka "$props" >>"$out" 2>&1 </dev/null &
	echo $! >"$pidfile"
	wait "$ping_job" || { log "cannot build the readiness check"; return 1; }
	log "started pid $(cat "$pidfile"), cluster id $id; waiting up to ${wait_s}s"
	while :; do
		# alive, not running: until the background shell has exec'd
		# java, the pid's command line is this script's, not kafka.Kafka
		# (a check right after the start once took that for an exit).
		if ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
			tail -n 30 "$out" >&2
			log "broker exited; full log in $out"
			return 1
		fi
		if port_open "$port" && "$ping" -timeout 5s "127.0.0.1:$port"; then
			log "ready on 127.0.0.1:$port after $((SECONDS - t0)) s (log: $out)"
			return 0
		fi
		if ((SECONDS - t0 >= wait_s)); then
			tail -n 30 "$out" >&2
			log "not ready after ${wait_s}s; run stop.sh"
			return 1
		fi
		sleep 1
	done
}

main "$@"
