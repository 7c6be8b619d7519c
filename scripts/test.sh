#!/usr/bin/env bash
# Runs every test: static checks, unit tests and the integration tests that build HAProxy
# with real nix (offline, sources seeded from the mirror), push to a real registry and run
# the image with podman. Integration tests fail (not skip) when CI=true and a tool is missing.
set -euo pipefail
mirror=${1:?usage: test.sh MIRROR}
cd "$(dirname "$0")/.."
export KILN_MIRROR=$mirror
export CI=${CI:-true}   # `make test` installed everything: a missing tool is a failure
unformatted=$(gofmt -l $(git ls-files '*.go'))
if [ -n "$unformatted" ]; then echo "gofmt needed: $unformatted" >&2; exit 1; fi
go vet ./...
# The Debian 13 second host (Nix 2.26, its own store; sshd for the remote-builder test):
# made once and cached, ~2 min the first time.
bash scripts/second-host.sh create >/dev/null
go test -count=1 -timeout 75m ./...
