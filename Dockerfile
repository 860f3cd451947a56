# syntax=docker/dockerfile:1
# streamsgd as a static binary on a distroless base.
#
# The build stage runs `make build`, the very target developers and CI run
# (CGO_ENABLED=0 go build -trimpath), so the image and a local build cannot
# drift apart; scripts/compose-check.sh checks that this file still does.
# The base image's Go is go.mod's toolchain (scripts/compose-check.sh checks).
FROM golang:1.27.3 AS build
WORKDIR /src
COPY go.mod go.sum ./
# go.mod replaces kfake with the patched copy there.
COPY third_party ./third_party
RUN go mod download
COPY . .
RUN make build

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /src/bin/streamsgd /usr/local/bin/streamsgd
# Pipeline configs; mount your own over /etc/streamsgd.
COPY --from=build /src/examples /etc/streamsgd
# Local pebble stores live under the home directory. They are a cache of
# the table topics: a new container rebuilds its partitions from the
# changelogs, so they need no volume.
WORKDIR /home/nonroot
USER nonroot:nonroot
ENTRYPOINT ["/usr/local/bin/streamsgd"]
CMD ["--help"]
