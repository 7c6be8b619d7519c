#!/usr/bin/env bash
# Vendors libdeflate's compressor sources into internal/libdeflate/upstream from Debian's
# archive: downloads the upstream tarball of Debian's source package, checks its sha256 (take
# it from the suite's signed Sources index: `apt-cache showsrc libdeflate`), replaces the
# files listed in internal/libdeflate/SHA256SUMS with that version's and rewrites the list.
# A version no longer in the pool is on snapshot.debian.org: pass its URL as URL=….
#
# usage: scripts/libdeflate.sh VERSION SHA256     e.g. scripts/libdeflate.sh 1.23 1ab18349…
set -euo pipefail
version=${1:?usage: libdeflate.sh VERSION SHA256}
want=${2:?usage: libdeflate.sh VERSION SHA256}
cd "$(dirname "$0")/.."
dir=internal/libdeflate
url=${URL:-http://deb.debian.org/debian/pool/main/libd/libdeflate/libdeflate_${version}.orig.tar.gz}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
curl -fsSL -o "$tmp/src.tar.gz" "$url"
got=$(sha256sum < "$tmp/src.tar.gz" | cut -d' ' -f1)
if [ "$got" != "$want" ]; then
  echo "libdeflate.sh: $url has sha256 $got, want $want; nothing changed" >&2
  exit 1
fi
tar -xzf "$tmp/src.tar.gz" -C "$tmp"
src=$tmp/libdeflate-$version
files=$(cut -d' ' -f3 "$dir/SHA256SUMS")
for f in $files; do
  if [ ! -f "$src/$f" ]; then
    echo "libdeflate.sh: $f is not in libdeflate $version; nothing changed" >&2
    exit 1
  fi
done
rm -rf "$dir/upstream"
for f in $files; do
  install -D -m 0644 "$src/$f" "$dir/upstream/$f"
done
(cd "$dir/upstream" && for f in $files; do sha256sum "$f"; done) > "$dir/SHA256SUMS"
echo "vendored libdeflate $version ($url); update $dir/README.md and the golden digests" >&2
