#!/usr/bin/env bash
# Runs every test: static checks, unit tests and the integration tests that build HAProxy
# with real nix (offline, sources seeded from the mirror), push to a real registry and run
# the image with podman. Integration tests fail (not skip) when CI=true and a tool or a
# variable they need is missing; `go test -v` output shows every test that ran.
set -euo pipefail
mirror=${1:?usage: test.sh MIRROR}
cd "$(dirname "$0")/.."
export KILN_MIRROR=$mirror
export CI=${CI:-true}   # `make test` installed everything: a missing tool is a failure
# The Debian 13 second host (Nix 2.26, its own store; sshd for the remote-builder test):
# made once and cached, ~2 min the first time, mostly downloads: made while the tools compile.
second_host_log=$(mktemp)
bash scripts/second-host.sh create >"$second_host_log" 2>&1 &
second_host=$!
# actionlint, cosign and syft, built once from the Go module proxy and reused (scripts/tools.sh).
tools=$(bash scripts/tools.sh)
export PATH=$tools:$PATH
unformatted=$(gofmt -l $(git ls-files '*.go'))
if [ -n "$unformatted" ]; then echo "gofmt needed: $unformatted" >&2; exit 1; fi
go vet ./...
# Fuzz what reads untrusted input (specs, images, narinfos) for a bounded time.
bash scripts/fuzz.sh

if ! wait $second_host; then
  echo "making the second host failed:" >&2; cat "$second_host_log" >&2; exit 1
fi
rm -f "$second_host_log"

# The default HAProxy, built once: the packaging, publishing and audit tests that work on
# a real store path use it (the end-to-end tests build it too and find it in the store).
go build -trimpath -o bin/kiln ./cmd/kiln
sp=$(bin/kiln --quiet build --no-image --no-result-cache --mirror "$mirror")
export KILN_TEST_STOREPATH=$sp KILN_TEST_HAPROXY=$sp/bin/haproxy

# Every test's name and verdict on stdout; the whole -v log in test.log, and the failing
# tests' output again at the end.
set +e
go test -count=1 -timeout 75m -v ./... >test.log 2>&1 &
pid=$!
tail -n +1 -f --pid=$pid test.log | grep --line-buffered -E '^(\s*--- (PASS|FAIL|SKIP)|(ok|FAIL|panic)\s)'
wait $pid
status=$?
if [ $status -ne 0 ]; then
  echo "---- failures (full log: test.log) ----"
  grep -E -A60 '^\s*--- FAIL|^panic' test.log | head -n 2000
fi
exit $status
