#!/usr/bin/env bash
# Runs kiln's Go fuzzers for a bounded number of executions each: the spec loader, the OCI
# layout and docker-archive readers, the narinfo parser, the NAR decompressors (every method
# a binary cache may use), the TOML position scanner, the Nix quoting function and the
# libdeflate gzip binding (round trip through compress/gzip, determinism). A crash fails the
# run and leaves its input under testdata/fuzz/ to commit.
#
# Budgets are counts (-fuzztime Nx), sized to about ten seconds each on two idle cores, not
# durations: Go 1.26's fuzz coordinator can report its own -fuzztime deadline as a failure
# ("context deadline exceeded", no input written) when a loaded machine delays a worker past
# it (go.dev/issue/75804, fixed in Go 1.27). A count has no deadline to race. FUZZTIME
# (a count like 5000x or a duration like 60s) overrides every budget.
# Minimizing a newly interesting input is capped too; Go's default of 60 s per input spent
# most of a short run minimizing instead of fuzzing.
set -euo pipefail
cd "$(dirname "$0")/.."
while read -r name pkg budget; do
  t=${FUZZTIME:-$budget}
  echo "fuzz: $name ($pkg, $t)"
  go test -run '^$' -fuzz "^${name}\$" -fuzztime "$t" -fuzzminimizetime 3s "$pkg"
done <<'LIST'
FuzzParse ./nixgen/spec 100000x
FuzzQuote ./nixgen 300x
FuzzOpenArchive ./orchestrator/publish 1000x
FuzzOpenLayout ./orchestrator/publish 1500x
FuzzNarInfo ./cache 40000x
FuzzDecompressor ./cache 40000x
FuzzScanner ./internal/bump 80000x
FuzzGzip ./internal/libdeflate 25000x
LIST
