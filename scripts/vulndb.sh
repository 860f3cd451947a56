#!/usr/bin/env bash
# vulndb.sh VERSION OUT — builds the Go vulnerability database that
# `make vulncheck` hands to govulncheck (-db file://OUT), since the public
# database service cannot be reached from here.
#
# The golang.org/x/vulndb module, fetched at VERSION through the Go module
# proxy, carries every report as OSV JSON (data/osv/GO-*.json). vulndb's own
# cmd/indexdb, run at the same VERSION, writes them in the layout govulncheck
# reads: index/db.json, index/modules.json, index/vulns.json and ID/GO-*.json,
# each also gzipped. About 40 MB; building it the first time takes about a
# minute (indexdb's dependencies come from the module proxy too).
#
# The database is written beside OUT and renamed into place, so an
# interrupted build never leaves a partial OUT behind.
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 VERSION OUT" >&2; exit 2; }
version=$1 out=$2
module=golang.org/x/vulndb
# go.mod's toolchain, as in the Makefile (the machine's go.env says local).
GOTOOLCHAIN=$(sed -n 's/^toolchain //p' "$(dirname "$0")/../go.mod")
export GOTOOLCHAIN

# Outside the repository: `go mod download` of another module must not
# touch this module's go.mod or go.sum.
src=$(cd "${TMPDIR:-/tmp}" && go mod download -json "$module@$version" |
	sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')
[ -d "$src/data/osv" ] || { echo "vulndb: no data/osv in $module@$version ($src)" >&2; exit 1; }

mkdir -p "$(dirname "$out")"
tmp=$(mktemp -d "$out.tmp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"
echo "vulndb: indexing $(find "$src/data/osv" -name 'GO-*.json' | wc -l) reports of $module@$version into $out"
go run "$module/cmd/indexdb@$version" -vulns "$src/data/osv" -out "$tmp"
[ -s "$tmp/index/modules.json" ] || { echo "vulndb: indexdb wrote no index" >&2; exit 1; }
rm -rf "$out"
mv "$tmp" "$out"
