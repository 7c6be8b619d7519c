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
# staticcheck, pinned, built by kiln's own Go (so it reads that Go's standard library) and
# cached by the go command after the first run.
go run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...
# Known vulnerabilities reachable from kiln's code, its modules or its Go (a pinned snapshot
# of the Go vulnerability database; scripts/vulncheck.sh).
bash scripts/vulncheck.sh
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

# cmd/kiln's integration tests are most of the run, and they leave a core idle much of the
# time (configure scripts, the single-partition LTO link, servers started and waited on):
# a brand-new 2-core machine measured 35 % of its CPU idle over a serial run. So they run as
# two shards side by side, split along what they share: the profile, bump and second-host
# tests (one recording of the speed profile, one Debian 13 root), the rebuild quorum (its
# own stores) and the older branch in one, everything else in the other (about 19 and 20
# minutes of serial work); a derivation both need is built once, the second waiting on
# Nix's lock. The tests that time things, HAProxy's reg-tests (timing-bound, some of them)
# and the benchmark's short run (its disturbance check counts other load), run alone after.
shard='^(TestProfileImage|TestPinProfileEditsInPlace|TestBumpCheckReprofiles|TestProfileRefusesOtherBuilds|TestInitSpeedImage|TestSecondHost[A-Za-z]*|TestRemoteBuilderSSH|TestBumpCheck|TestBumpCommand|TestOutdated[A-Za-z]*|TestMarchImage|TestRebuildQuorum|TestRebuildQuorumDiffers|TestOlderBranchSameRecipe)$'
quiet='^(TestHAProxyRegTests|TestBenchLoadPrintsTable)$'

# Every test's name and verdict on stdout; each part's whole -v log in its own file
# (test.log, test-shard.log, test-quiet.log), and the failing tests' output again at the end.
verdicts='^(\s*--- (PASS|FAIL|SKIP)|(ok|FAIL|panic)\s)'
run() { # log go-test-args...
  log=$1; shift
  go test -count=1 -timeout 75m -v "$@" >"$log" 2>&1
}
logs=(test.log test-shard.log test-quiet.log)
set +e
rm -f "${logs[@]}"
run test.log -skip "$shard|$quiet" ./... &
main=$!
run test-shard.log -run "$shard" ./cmd/kiln &
side=$!
touch test.log test-shard.log
tail -q -n +1 -f test.log test-shard.log > >(grep --line-buffered -E "$verdicts") &
follow=$!
wait $main; status=$?
wait $side; s=$?; [ $status -ne 0 ] || status=$s
sleep 1; kill $follow 2>/dev/null
run test-quiet.log -run "$quiet" ./cmd/kiln
s=$?; [ $status -ne 0 ] || status=$s
grep -E "$verdicts" test-quiet.log

# Every test of cmd/kiln ran in exactly one part: a test renamed out of a pattern, or into
# two, would otherwise be skipped or run twice without a word. (go test -v prints each
# package's verdicts together, closed by its ok/FAIL line.) Checked on a passing run: a
# failing one has said why already, and a panic leaves tests unrun anyway.
if [ $status -eq 0 ]; then
  want=$(go test -list . ./cmd/kiln | grep -E '^(Test|Fuzz)' | sort)
  got=$(cat "${logs[@]}" | awk '
    /^--- (PASS|FAIL|SKIP): / { name[++n] = $3 }
    /^(ok|FAIL)[ \t]+github\.com\/kilnbuild\/kiln\/cmd\/kiln[ \t]/ { for (i = 1; i <= n; i++) print name[i] }
    /^(ok|FAIL)[ \t]/ { n = 0 }' | sort)
  missing=$(comm -23 <(echo "$want") <(echo "$got" | uniq))
  twice=$(echo "$got" | uniq -d)
  if [ -n "$missing$twice" ]; then
    echo "cmd/kiln tests not run: ${missing:-none}; run twice: ${twice:-none} (scripts/test.sh: shard, quiet)" >&2
    status=1
  fi
fi
if [ $status -ne 0 ]; then
  echo "---- failures (full logs: test.log, test-shard.log, test-quiet.log) ----"
  grep -h -E -A60 '^\s*--- FAIL|^panic' "${logs[@]}" | head -n 2000
fi
exit $status
