#!/usr/bin/env bash
# Times `kiln bump --check` for a HAProxy patch release, from start to report: the spec
# `kiln init` writes, at 3.0.11 with its 15 security patches (its build in the store, as in
# CI with a binary cache), is bumped to a 3.0.12 that was never built — a stand-in, 3.0.11's
# tarball with those patches applied (as HAProxy's next 3.0 release carries them), repacked
# with VERSION 3.0.12 and a nonce, listed with its sha256 in a releases.json served on
# 127.0.0.1. The check downloads it, recognises the 15 patches as released and drops them,
# compiles it, gates and packages both images and rebuilds 3.0.12 from scratch (2 rounds).
# usage: scripts/bench-bump.sh KILN MIRROR    (make bench-bump)
set -euo pipefail
kiln=${1:?usage: bench-bump.sh KILN MIRROR}; mirror=${2:?usage: bench-bump.sh KILN MIRROR}
[[ $kiln != */* ]] || kiln=$(realpath "$kiln")   # it also runs from the work directory
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT

"$kiln" -q build --mirror "$mirror" --no-image > /dev/null   # 3.0.11 in the store
(cd "$work" && "$kiln" -q init haproxy.toml)                  # the spec and its patches

site=$work/site/3.0/src
mkdir -p "$site" "$work/src"
tar -xzf "$mirror/haproxy-3.0.11.tar.gz" -C "$work/src"
for p in $(sed -n 's/^file = "\(patches\/.*\)"$/\1/p' "$work/haproxy.toml"); do
  patch -s -p1 -d "$work/src/haproxy-3.0.11" < "$work/$p"
done
mv "$work/src/haproxy-3.0.11" "$work/src/haproxy-3.0.12"
echo 3.0.12 > "$work/src/haproxy-3.0.12/VERSION"
date +%s%N > "$work/src/haproxy-3.0.12/.kiln-bench-nonce"   # never built before
tar -czf "$site/haproxy-3.0.12.tar.gz" -C "$work/src" haproxy-3.0.12
sha=$(sha256sum "$site/haproxy-3.0.12.tar.gz" | cut -d' ' -f1)
cat > "$site/releases.json" <<JSON
{
  "branch": "3.0",
  "latest_release": "3.0.12",
  "releases": {
    "3.0.12": {
      "file": "haproxy-3.0.12.tar.gz",
      "sha256": "$sha"
    },
    "3.0.11": {
      "file": "haproxy-3.0.11.tar.gz",
      "sha256": "a133e2d550c5fd9a849b5c7ab17bb945bcdad209ca140d41f45ebf31943ae783"
    }
  }
}
JSON
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 -m http.server --bind 127.0.0.1 "$port" --directory "$work/site" > /dev/null 2>&1 &
srv=$!; trap 'kill $srv 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/3.0/src/releases.json" > /dev/null && break; sleep 0.1; done

t0=$(date +%s.%N)
"$kiln" -q bump --check --mirror "$mirror" --index-url "haproxy=http://127.0.0.1:$port" \
  --json "$work/haproxy.toml" > "$work/report.json"
t1=$(date +%s.%N)
python3 - "$work/report.json" "$t0" "$t1" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); c = r["check"]
print("| kiln bump --check, HAProxy 3.0.11 → 3.0.12 (never built: compile, gates, 2-round verify) | value |")
print("|---|---|")
print(f"| start to report (kiln's own clock) | {r['seconds']:.1f} s |")
print(f"| whole command | {float(sys.argv[3]) - float(sys.argv[2]):.1f} s |")
print(f"| compressed image | {c['before']['compressed_size']:,} → {c['after']['compressed_size']:,} B ({c['delta']['compressed']:+,} B) |")
print(f"| uncompressed image | {c['before']['uncompressed_size']:,} → {c['after']['uncompressed_size']:,} B ({c['delta']['uncompressed']:+,} B) |")
print(f"| reproducible | {c['after']['reproducible']} |")
print(f"| patches dropped (released upstream), files removed | {len(r['changes'][0].get('dropped_patches', []))}, {len(r.get('removed_files', []))} |")
PY
