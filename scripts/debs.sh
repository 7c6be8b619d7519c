#!/usr/bin/env bash
# Downloads the pinned toolchain's Debian packages (flakes/toolchains/pinned/pins.toml) into
# a mirror directory that `kiln build --mirror DIR` and `kiln prefetch --mirror DIR` seed the
# Nix store from, each under its store name, and checks every sha256. apt fetches them from
# Debian's archive with a private configuration (scripts/apt-private.sh: the machine's own
# apt sources are not touched); a version the archive no longer carries is fetched from
# snapshot.debian.org, the URL the pin records.
#
# usage: scripts/debs.sh DIR
set -euo pipefail
dir=${1:?usage: debs.sh DIR}
cd "$(dirname "$0")/.."
pins=flakes/toolchains/pinned/pins.toml
mkdir -p "$dir"

# package version name sha256 url, one line per [deb."…"] table of pins.toml.
table=$(awk '
  /^\[deb\./ { if (p) print p, v, n, h, u; p = $0; sub(/^\[deb\."/, "", p); sub(/"\]$/, "", p) }
  p && $1 == "version" { v = $3 } p && $1 == "name" { n = $3 } p && $1 == "sha256" { h = $3 } p && $1 == "url" { u = $3 }
  /^\[bootstrap\]/ { if (p) print p, v, n, h, u; p = "" }
  END { if (p) print p, v, n, h, u }' "$pins" | tr -d '"')
suite=$(awk -F'"' '/^suite = / {print $2}' "$pins")

sum() { sha256sum < "$1" | cut -d' ' -f1; }
want=()
while read -r pkg ver name sha url; do
  [ -f "$dir/$name" ] && [ "$(sum "$dir/$name")" = "$sha" ] || want+=("$pkg=$ver")
done <<<"$table"
[ ${#want[@]} -gt 0 ] || exit 0

SUITE=$suite
. scripts/apt-private.sh
apt_private_init
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# One apt call for all; if the archive lacks one version, apt fails and each is tried alone.
(cd "$tmp" && kapt_get download -qq "${want[@]}" >&2) || true
fail=0
while read -r pkg ver name sha url; do
  [[ " ${want[*]} " == *" $pkg=$ver "* ]] || continue
  f=("$tmp/${pkg}_"*.deb)
  if [ ! -f "${f[0]}" ]; then
    (cd "$tmp" && kapt_get download -qq "$pkg=$ver" >&2) ||
      curl -fsSL --retry 3 -o "$tmp/${pkg}_snapshot.deb" "$url" ||
      { echo "debs: cannot download $pkg=$ver: not in Debian's $suite archive nor at $url" >&2; fail=1; continue; }
    f=("$tmp/${pkg}_"*.deb)
  fi
  got=$(sum "${f[0]}")
  if [ "$got" != "$sha" ]; then
    echo "debs: $pkg=$ver has sha256 $got, the pin says $sha" >&2; fail=1; rm -f "${f[0]}"; continue
  fi
  mv "${f[0]}" "$dir/$name.tmp" && mv "$dir/$name.tmp" "$dir/$name"
done <<<"$table"
[ "$fail" = 0 ] || exit 1
echo "debs: ${#want[@]} pinned toolchain packages in $dir" >&2
