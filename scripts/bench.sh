#!/usr/bin/env bash
# Prints the README's figures as a markdown table: binary and image sizes (gzip, zstd,
# uncompressed), the compression floor of the same rootfs tar, build/packaging/audit times.
# usage: scripts/bench.sh KILN MIRROR    (make bench)
set -euo pipefail
kiln=${1:?usage: bench.sh KILN MIRROR}; mirror=${2:?usage: bench.sh KILN MIRROR}
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
k() { "$kiln" -q build --mirror "$mirror" "$@"; }
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
jq_num() { python3 -c 'import json,sys; d=json.load(sys.stdin); print(d'"$1"')'; }

k --no-image --json > "$work/nix.json"                 # make sure the build is in the store
out=$(jq_num '["outputs"][0]' < "$work/nix.json")
bin="$out/bin/haproxy"

t0=$(now); k --no-image --rebuild --json > /dev/null; t1=$(now)
cold=$(secs "$t0" "$t1")

# The pinned toolchain: its parts rebuilt from their .debs (unpack + relocate), with nix
# settings like kiln's (sandbox without host paths, no substituters).
"$kiln" gen -o "$work/flake" > /dev/null
printf '(import %s/flakes/toolchains/pinned.nix { system = "x86_64-linux"; }).parts\n' "$work/flake" > "$work/tc.nix"
tcnix() {
  local users="build-users-group ="
  getent group nixbld > /dev/null && users=
  NIX_CONFIG="experimental-features = nix-command flakes
sandbox = true
sandbox-paths =
substituters =
$users" nix build --no-link -f "$work/tc.nix" glibc patchelf cc tools perl "$@"
}
tcnix
t0=$(now); tcnix --rebuild; t1=$(now)
tccold=$(secs "$t0" "$t1")
pins=flakes/toolchains/pinned/pins.toml
npkgs=$(grep -c '^\[deb\.' "$pins")
debbytes=$(awk '$1 == "size" {s += $3} END {print s}' "$pins")
t0=$(now); k --json -o "oci:$work/gz" > "$work/gz.json"; t1=$(now)
pack=$(secs "$t0" "$t1")
k --json --compression zstd -o "oci:$work/zst" > "$work/zst.json"
t0=$(now); "$kiln" audit "oci:$work/gz" > /dev/null; t1=$(now)
auditt=$(secs "$t0" "$t1")

# Binary cache: push the build to a signed file cache served over HTTP, then build into an
# empty store from it; and an unchanged spec with the result cache (no nix at all).
"$kiln" cache keygen --dir "$work" bench-1 > "$work/pub"
"$kiln" -q cache push --mirror "$mirror" --to "file://$work/bc" --sign-key "$work/bench-1.sec" > /dev/null
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 -m http.server --bind 127.0.0.1 "$port" --directory "$work/bc" > /dev/null 2>&1 &
srv=$!; trap 'kill $srv 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/nix-cache-info" > /dev/null && break; sleep 0.1; done
t0=$(now); "$kiln" -q build --store "$work/fresh" --cache "http://127.0.0.1:$port" \
  --trusted-key "$(cat "$work/pub")" --no-result-cache -o "oci:$work/c1" > /dev/null; t1=$(now)
hit=$(secs "$t0" "$t1")
k --result-cache "$work/rc" -o "oci:$work/r1" > /dev/null
t0=$(now); k --result-cache "$work/rc" -o "oci:$work/r2" > /dev/null; t1=$(now)
unchanged=$(secs "$t0" "$t1")

t0=$(now); "$kiln" -q verify --mirror "$mirror" --rounds 2 > /dev/null; t1=$(now)
verifyt=$(secs "$t0" "$t1")

gz=$(jq_num '["compressed_size"]' < "$work/gz.json")
zst=$(jq_num '["compressed_size"]' < "$work/zst.json")
unc=$(jq_num '["uncompressed_size"]' < "$work/gz.json")
layer=$(jq_num '["layers"][0]["digest"]' < "$work/gz.json")
gunzip -c "$work/gz/blobs/sha256/${layer#sha256:}" > "$work/rootfs.tar"
floor_gz=$(gzip -9 -n -c "$work/rootfs.tar" | wc -c)
floor_xz=$(xz -9e -c "$work/rootfs.tar" | wc -c)
binsize=$(stat -c %s "$bin")
fmt() { python3 -c 'import sys; print(f"{int(sys.argv[1]):,}")' "$1"; }

cat <<TABLE
| figure (default spec: haproxy 3.0.11, SLZ, no Lua/PCRE2/OpenSSL; $(nproc) cores) | value | target |
|---|---|---|
| haproxy binary, stripped static-PIE (DT_RELR) | $(fmt "$binsize") B | ≤ 2,400,000 B |
| image, gzip (manifest + config + layer) | $(fmt "$gz") B | ≤ 915,000 B |
| image, zstd | $(fmt "$zst") B | ≤ 830,000 B |
| uncompressed rootfs | $(fmt "$unc") B | ≤ 2,300,000 B |
| floor: gzip -9 of the same rootfs tar | $(fmt "$floor_gz") B | |
| floor: xz -9e of the same rootfs tar | $(fmt "$floor_xz") B | |
| reference: hand-written Dockerfile HAProxy image | ~11,000,000 B | |
| cold build of haproxy (nix build --rebuild, full compile) | ${cold} s | |
| pinned toolchain: Debian packages, .deb bytes | ${npkgs}, $(fmt "$debbytes") B | |
| cold build of the pinned toolchain (every part rebuilt: unpack + relocate) | ${tccold} s | |
| kiln build with the build in the store (nix eval + packaging + write) | ${pack} s | packaging < 1 s |
| cache-hit build: empty store, everything substituted from a signed HTTP cache | ${hit} s | ≤ 10 % of cold |
| unchanged-spec rebuild (result cache: nix not run) | ${unchanged} s | ≤ 1 s |
| kiln audit of the image (whole command) | ${auditt} s | < 0.1 s |
| kiln verify, 2 rounds (round 1 from the store, round 2 a full --rebuild) | ${verifyt} s | < 180 s |
TABLE
