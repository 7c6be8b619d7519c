#!/usr/bin/env bash
# Prints the README's feature matrix as markdown: for each variant of the default spec
# (compression, Lua, PCRE2, OpenSSL, the Prometheus exporter, all of them), the haproxy
# binary size, the image size with gzip and zstd layers, the cold build time (every library
# and haproxy compiled) and the build time when the libraries are already in the store (the
# usual case: they are derivations of their own, shared by every variant and rebuild).
# Then each library's own build time.
#
# Build times are measured with `nix build --rebuild` (a full compile, the result checked
# bit-identical) of each derivation, one after the other; a cold build is the sum over the
# variant's libraries plus haproxy. Everything runs offline: pinned toolchain, sources seeded
# from the mirror.
#
# usage: scripts/bench-features.sh KILN MIRROR [VARIANT...]
#   e.g. make kiln sources && bash scripts/bench-features.sh bin/kiln .mirror
set -euo pipefail
kiln=${1:?usage: bench-features.sh KILN MIRROR [VARIANT...]}
mirror=${2:?usage: bench-features.sh KILN MIRROR [VARIANT...]}
shift 2
all="minimal none zlib lua pcre2 promex openssl full"
[ $# -gt 0 ] || set -- $all
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
export NIX_CONFIG='experimental-features = nix-command flakes
accept-flake-config = false
sandbox = true
substituters =
build-users-group ='

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
fmt() { python3 -c 'import sys; print(f"{int(sys.argv[1]):,}")' "$1"; }
json() { python3 -c 'import json,sys; d=json.load(sys.stdin); print(d'"$1"')'; }

# spec VARIANT: the default spec (kiln init), pinned toolchain, with the variant's features.
spec() {
  local f="$work/$1.toml" feats=()
  case "$1" in
    minimal) ;;
    none)    feats=('compression = "none"') ;;
    zlib)    feats=('compression = "zlib"') ;;
    lua)     feats=('lua = true') ;;
    pcre2)   feats=('pcre2 = true') ;;
    promex)  feats=('promex = true') ;;
    openssl) feats=('openssl = true') ;;
    full)    feats=('openssl = true' 'lua = true' 'pcre2 = true' 'promex = true') ;;
    *) echo "bench-features: unknown variant $1 (have: $all)" >&2; exit 2 ;;
  esac
  "$kiln" init --force "$f" 2>/dev/null
  for kv in "${feats[@]}"; do
    sed -i "s/^${kv%% =*} = [^#]*/$kv /" "$f"
  done
  echo "$f"
}

# dep_time ATTR FLAKE: sets t to the seconds it takes to rebuild that library derivation,
# measured once per derivation (variants share them).
declare -A dep_secs dep_name
dep_time() {
  local drv t0 t1
  drv=$(nix eval --raw "path:$2#packages.x86_64-linux.$1.drvPath")
  if [ -z "${dep_secs[$drv]:-}" ]; then
    t0=$(now); nix build --rebuild --no-link "path:$2#$1" 2>/dev/null; t1=$(now)
    dep_secs[$drv]=$(secs "$t0" "$t1")
    dep_name[$drv]=$(basename "$drv" .drv | cut -d- -f2-)
  fi
  t=${dep_secs[$drv]}
}

echo "bench-features: variants: $*" >&2
rows=()
for v in "$@"; do
  f=$(spec "$v")
  echo "bench-features: $v" >&2
  "$kiln" -q build --mirror "$mirror" --no-image --json "$f" > "$work/$v.nix.json"
  out=$(json '["outputs"][0]' < "$work/$v.nix.json")
  bin=$(stat -c %s "$out/bin/haproxy")
  "$kiln" gen -o "$work/flake-$v" "$f" >/dev/null 2>&1
  deps=$(nix eval --raw "path:$work/flake-$v#packages.x86_64-linux" --apply \
    'p: builtins.concatStringsSep " " (builtins.filter (n: n != "default" && n != "haproxy") (builtins.attrNames p))')
  depsum=0
  for d in $deps; do
    dep_time "$d" "$work/flake-$v"
    depsum=$(awk -v a="$depsum" -v b="$t" 'BEGIN { printf "%.1f", a + b }')
  done
  t0=$(now); "$kiln" -q build --mirror "$mirror" --no-image --rebuild "$f" > /dev/null; t1=$(now)
  cached=$(secs "$t0" "$t1")
  cold=$(awk -v a="$depsum" -v b="$cached" 'BEGIN { printf "%.1f", a + b }')
  gz=$("$kiln" -q build --mirror "$mirror" --json -o "oci:$work/img-$v-gz" "$f" | json '["compressed_size"]')
  zst=$("$kiln" -q build --mirror "$mirror" --json --compression zstd -o "oci:$work/img-$v-zst" "$f" | json '["compressed_size"]')
  "$kiln" audit "oci:$work/img-$v-gz" > /dev/null || { echo "bench-features: $v fails the audit" >&2; exit 1; }
  label=$v; [ "$v" = full ] && label="full (openssl+lua+pcre2+promex)"
  [ "$v" = minimal ] && label="minimal (default: slz)"
  case "$v" in lua|pcre2|promex|openssl) label="+$v" ;; none|zlib) label="compression = $v" ;; esac
  rows+=("| $label | $(fmt "$bin") | $(fmt "$gz") | $(fmt "$zst") | ${cold} s | ${cached} s |")
done

cat <<TABLE
| variant ($(nproc) cores) | binary (B) | image gzip (B) | image zstd (B) | cold build | build, libraries cached |
|---|---|---|---|---|---|
TABLE
printf '%s\n' "${rows[@]}"
if [ ${#dep_secs[@]} -gt 0 ]; then
  echo
  echo "| library derivation | build (nix build --rebuild) |"
  echo "|---|---|"
  for drv in "${!dep_secs[@]}"; do
    echo "| ${dep_name[$drv]} | ${dep_secs[$drv]} s |"
  done | sort
fi
