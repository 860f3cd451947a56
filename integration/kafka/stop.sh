#!/usr/bin/env bash
# stop.sh — stop the broker started by start.sh (by its pid: TERM, then KILL
# after KAFKA_STOP_WAIT seconds, 30 by default) and remove its data dir.
# Safe to run twice, and when nothing runs.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
cache="${KAFKA_CACHE:-$root/.cache/kafka}"
pidfile="$cache/kafka.pid"
wait_s="${KAFKA_STOP_WAIT:-30}"

log() { printf 'kafka: %s\n' "$*" >&2; }

ours() { # pid $1 is alive and is a broker started from this cache
	kill -0 "$1" 2>/dev/null &&
		tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -q 'kafka\.Kafka'
}

if [ -f "$pidfile" ]; then
	pid=$(cat "$pidfile")
	if [ -n "$pid" ] && ours "$pid"; then
		kill -TERM "$pid"
		for ((i = 0; i < wait_s * 10; i++)); do
			ours "$pid" || break
			sleep 0.1
		done
		if ours "$pid"; then
			log "pid $pid still running after ${wait_s}s: KILL"
			kill -KILL "$pid" 2>/dev/null || true
			for ((i = 0; i < 50; i++)); do
				ours "$pid" || break
				sleep 0.1
			done
		fi
		log "stopped pid $pid"
	else
		log "pid ${pid:-?} is not running"
	fi
	rm -f "$pidfile"
else
	log "not running"
fi
rm -rf "$cache/data"
