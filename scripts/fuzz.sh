#!/usr/bin/env bash
# Runs kiln's Go fuzzers for a bounded time each (FUZZTIME, default 20s): the spec loader,
# the OCI layout and docker-archive readers, the narinfo parser, the TOML position scanner,
# the Nix quoting function and the libdeflate gzip binding (round trip through compress/gzip,
# determinism). A crash fails the run and leaves its input under testdata/fuzz/ to commit.
set -euo pipefail
cd "$(dirname "$0")/.."
t=${FUZZTIME:-20s}
while read -r name pkg; do
  echo "fuzz: $name ($pkg, $t)"
  go test -run '^$' -fuzz "^${name}\$" -fuzztime "$t" "$pkg"
done <<'LIST'
FuzzParse ./nixgen/spec
FuzzQuote ./nixgen
FuzzOpenArchive ./orchestrator/publish
FuzzOpenLayout ./orchestrator/publish
FuzzNarInfo ./cache
FuzzScanner ./internal/bump
FuzzGzip ./internal/libdeflate
LIST
