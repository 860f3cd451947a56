#!/usr/bin/env bash
# Checks docker-compose.yml and the Dockerfile without a Docker engine:
#  - `docker compose config` (the Compose v2 plugin, built from the Go module
#    proxy at a pinned version into .cache/docker/cli-plugins, since this
#    machine has the docker client only) must accept the file;
#  - the processors' service must be scalable (no container name, no host
#    port) and its pipeline config must exist in examples/;
#  - the Dockerfile's build stage must run `make build`, so that the image is
#    built exactly as developers and CI build.
set -euo pipefail
cd "$(dirname "$0")/.."
# go.mod's toolchain, as in the Makefile (the machine's go.env says local).
GOTOOLCHAIN=$(sed -n 's/^toolchain //p' go.mod)
export GOTOOLCHAIN
COMPOSE_VERSION=v2.40.3
export DOCKER_CONFIG="$PWD/.cache/docker"
plugin="$DOCKER_CONFIG/cli-plugins/docker-compose"
stamp="$plugin.$COMPOSE_VERSION"

if [ ! -x "$plugin" ] || [ ! -e "$stamp" ]; then
  echo "compose-check: building docker compose $COMPOSE_VERSION from the Go module proxy (once; about 2 minutes)"
  # go install refuses compose's go.mod (it has exclude directives): build
  # it as the main module from a copy of the module's source instead.
  dir=$(cd /tmp && GOFLAGS=-mod=mod go mod download -json "github.com/docker/compose/v2@$COMPOSE_VERSION" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')
  src=$(mktemp -d)
  trap 'rm -rf "$src"' EXIT
  cp -r "$dir/." "$src"
  chmod -R u+w "$src"
  mkdir -p "$(dirname "$plugin")"
  (cd "$src" && CGO_ENABLED=0 go build -trimpath -ldflags "-X github.com/docker/compose/v2/internal.Version=$COMPOSE_VERSION" -o "$plugin" ./cmd)
  rm -f "$plugin".v*
  touch "$stamp"
fi

docker compose version
docker compose -f docker-compose.yml config --quiet
echo "compose-check: docker compose config accepts docker-compose.yml"

docker compose -f docker-compose.yml --profile tools config --format json | python3 -c '
import json, os, sys
c = json.load(sys.stdin)
s = c["services"]
for name in ("kafka", "topics", "learn", "produce"):
    assert name in s, "service %s missing" % name
learn = s["learn"]
assert "container_name" not in learn, "learn has a container_name: it could not scale"
assert not learn.get("ports"), "learn publishes host ports: it could not scale"
assert learn["depends_on"]["topics"]["condition"] == "service_completed_successfully"
assert s["topics"]["depends_on"]["kafka"]["condition"] == "service_healthy"
for name in ("topics", "learn"):
    cmd = s[name]["command"]
    cfg = cmd[cmd.index("--config") + 1]
    local = os.path.join("examples", os.path.relpath(cfg, "/etc/streamsgd"))
    assert os.path.exists(local), "%s: %s is not in examples/" % (name, cfg)
print("compose-check: learn scales; topics run once after the broker is healthy; configs exist")
'

grep -qx 'RUN make build' Dockerfile || { echo "compose-check: Dockerfile must build with RUN make build"; exit 1; }
image_go=$(sed -n 's/^FROM golang:\([^ ]*\) AS build$/go\1/p' Dockerfile)
[ "$image_go" = "$GOTOOLCHAIN" ] || { echo "compose-check: Dockerfile builds with ${image_go:-no golang image}, go.mod's toolchain is $GOTOOLCHAIN"; exit 1; }
grep -q 'CGO_ENABLED=0' Makefile || { echo "compose-check: make build is no longer static (CGO_ENABLED=0)"; exit 1; }
echo "compose-check: the Dockerfile builds with make build (static) on $GOTOOLCHAIN"

# The pipeline configs the compose file uses must load.
go run ./cmd/streamsgd topology --config examples/susy-cluster.yaml > /dev/null
echo "compose-check: ok"
