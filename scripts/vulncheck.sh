#!/usr/bin/env bash
# govulncheck over kiln's code, its modules and its Go, against a pinned snapshot of the Go
# vulnerability database: the snapshot is the module golang.org/x/vulndb at VULNDB (its
# data/osv holds every report), fetched through the Go module proxy and checked against Go's
# checksum database like any module, and indexed with that module's own indexdb command.
# Exits non-zero when a vulnerability is reachable from kiln's code, naming it and the
# version that fixes it. Pinned, so `make test` gives the same answer every day; move VULNDB
# to a newer pseudo-version (`go list -m golang.org/x/vulndb@master`) to learn of new reports.
# The database and the tool are built once under the user's cache (~1 min) and reused.
set -euo pipefail
cd "$(dirname "$0")/.."
VULNDB=${VULNDB:-v0.0.0-20261105234957-e22db6528018}
GOVULNCHECK=v1.9.0
cache=${XDG_CACHE_HOME:-$HOME/.cache}/kiln/vulncheck
mkdir -p "$cache"
# The Go kiln is built with (go.mod's toolchain line): govulncheck checks that Go's
# standard library, and must itself be built by a Go that can read every file kiln builds.
toolchain=$(sed -n 's/^toolchain //p' go.mod)
export GOTOOLCHAIN=${toolchain:-local} GOFLAGS= GOWORK=off

# A build that fails leaves nothing half-made in the cache.
tmp=
trap '[ -z "$tmp" ] || rm -rf "$tmp"' EXIT

db="$cache/db-$VULNDB"
if [ ! -f "$db/index/modules.json" ]; then
  echo "vulncheck: indexing the Go vulnerability database at $VULNDB (once)" >&2
  # go mod download -json reports its error inside the JSON object and exits 1.
  if ! json=$(cd "$cache" && go mod download -json "golang.org/x/vulndb@$VULNDB"); then
    echo "vulncheck: cannot fetch golang.org/x/vulndb@$VULNDB from the Go module proxy: $(sed -n 's/^[[:space:]]*"Error": "\(.*\)",*$/\1/p' <<<"$json")" >&2
    exit 1
  fi
  src=$(sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p' <<<"$json")
  [ -d "$src/data/osv" ] || { echo "vulncheck: golang.org/x/vulndb@$VULNDB has no data/osv" >&2; exit 1; }
  tmp=$(mktemp -d "$cache/.db-XXXXXX")
  (cd "$cache" && go run "golang.org/x/vulndb/cmd/indexdb@$VULNDB" -vulns "$src/data/osv" -out "$tmp/db") >&2
  mv "$tmp/db" "$db"
  rm -rf "$tmp"; tmp=
fi

tool="$cache/govulncheck-$GOVULNCHECK-${toolchain:-local}/govulncheck"
if [ ! -x "$tool" ]; then
  echo "vulncheck: building govulncheck $GOVULNCHECK (once)" >&2
  tmp=$(mktemp -d "$cache/.tool-XXXXXX")
  (cd "$cache" && GOBIN="$tmp" go install -trimpath "golang.org/x/vuln/cmd/govulncheck@$GOVULNCHECK") >&2
  mkdir -p "$(dirname "$tool")"
  mv "$tmp/govulncheck" "$tool"
  rm -rf "$tmp"; tmp=
fi

"$tool" -db "file://$db" ./...
