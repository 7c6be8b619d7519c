#!/usr/bin/env bash
# Downloads the pinned upstream source tarballs kiln's specs use from Debian's source packages
# (their .orig tarballs are upstream's, byte for byte, except zlib's repack) into a mirror
# directory that `kiln build --mirror DIR` seeds the Nix store from. Verifies every sha256;
# a file that does not match is removed and the script fails.
#
# usage: scripts/sources.sh DIR [NAME...]   (NAME: haproxy-3.0.11 haproxy-3.0.11-debian haproxy-2.6.12 lua
#        pcre2 openssl openssl-debian zlib; haproxy-3.0.11-debian and openssl-debian are
#        Debian's packaging of those versions, whose security patches kiln's default spec
#        and default [sources.openssl] carry: the tests compare them)
set -euo pipefail
dir=${1:?usage: sources.sh DIR [NAME...]}; shift
[ $# -gt 0 ] || set -- haproxy-3.0.11 haproxy-3.0.11-debian haproxy-2.6.12
mkdir -p "$dir"

# The Debian revision carrying an orig tarball changes with security updates (and old
# revisions disappear from the index), so only the orig file and its sha256 are pinned; every
# listed revision that carries that file is tried.
# name  debian-source  orig-file  file-in-mirror  sha256
table='
haproxy-3.0.11 haproxy haproxy_3.0.11.orig.tar.gz haproxy-3.0.11.tar.gz a133e2d550c5fd9a849b5c7ab17bb945bcdad209ca140d41f45ebf31943ae783
haproxy-3.0.11-debian haproxy haproxy_3.0.11-1+deb13u3.debian.tar.xz haproxy_3.0.11-1+deb13u3.debian.tar.xz 3c038b0a9f488a846d723aed4cc24f36b12c3cb846deece50e506386a8dbe6b7
haproxy-2.6.12 haproxy haproxy_2.6.12.orig.tar.gz haproxy-2.6.12.tar.gz 58f9edb26bf3288f4b502658399281cc5d6478468bd178eafe579c8f41895854
lua lua5.4 lua5.4_5.4.7.orig.tar.gz lua-5.4.7.tar.gz 9fbf5e28ef86c69858f6d3d34eccc32e911c1a28b4120ff3e84aaa70cfbf1e30
pcre2 pcre2 pcre2_10.46.orig.tar.gz pcre2-10.46.tar.gz 8d28d7f2c3b970c3a4bf3776bcbb5adfc923183ce74bc8df1ebaad8c1985bd07
openssl openssl openssl_3.5.7.orig.tar.gz openssl-3.5.7.tar.gz a8c0d28a529ca480f9f36cf5792e2cd21984552a3c8e4aa11a24aa31aeac98e8
openssl-debian openssl openssl_3.5.7-1~deb13u2.debian.tar.xz openssl_3.5.7-1~deb13u2.debian.tar.xz 593a47654ead460a3b609503733f80bef552ff0802799d3b47784faacc50809f
zlib zlib zlib_1.3.dfsg+really1.3.1.orig.tar.gz zlib-1.3.1.tar.gz 60dd315c07f616887caa029408308a018ace66e3d142726a97db164b3b8f69fb
'

SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo
list=/etc/apt/sources.list.d/kiln-deb-src.sources
# The machine's own Debian mirror and keyring, so this works behind the same proxy.
uri=$(awk '/^URIs:/ && $2 ~ /debian\/?$/ {print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
key=$(awk '/^Signed-By:/ {print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
: "${uri:=http://deb.debian.org/debian}" "${key:=/usr/share/keyrings/debian-archive-keyring.gpg}"
apt_ready=
apt_prepare() {
  [ -n "$apt_ready" ] && return
  if [ ! -e "$list" ]; then
    printf 'Types: deb-src\nURIs: %s\nSuites: bookworm trixie\nComponents: main\nSigned-By: %s\n' "$uri" "$key" | $SUDO tee "$list" >/dev/null
  fi
  $SUDO apt-get update -qq >&2
  apt_ready=1
}

for want in "$@"; do
  line=$(printf '%s\n' "$table" | awk -v n="$want" '$1 == n')
  [ -n "$line" ] || { echo "sources: unknown source $want" >&2; exit 2; }
  read -r _ pkg orig file sum <<<"$line"
  out="$dir/$file"
  if [ -f "$out" ] && [ "$(sha256sum "$out" | cut -d' ' -f1)" = "$sum" ]; then
    continue
  fi
  apt_prepare
  tmp=$(mktemp -d)
  # Revisions whose file list holds this orig tarball, newest first.
  vers=$(apt-cache showsrc "$pkg" 2>/dev/null | awk -v o="$orig" '
    /^Version:/ {v=$2} $NF == o {print v}' | sort -u | sort -r -V)
  for ver in $vers; do
    # apt-get exits 0 even when some files of a version 404: judge by the orig file only.
    (cd "$tmp" && apt-get source --download-only -qq "$pkg=$ver" >/dev/null 2>&1 || true)
    [ -f "$tmp/$orig" ] && break
  done
  if [ ! -f "$tmp/$orig" ]; then
    # A revision the index no longer lists (the next security update replaced it) stays in
    # the pool for a while: ask for the file there, by name.
    pool="${uri%/}/pool/main/${pkg:0:1}/$pkg/$orig"
    [[ $pkg == lib* ]] && pool="${uri%/}/pool/main/${pkg:0:4}/$pkg/$orig"
    curl -fsSL --retry 3 -o "$tmp/$orig" "$pool" 2>/dev/null || rm -f "$tmp/$orig"
  fi
  if [ ! -f "$tmp/$orig" ]; then
    rm -rf "$tmp"; echo "sources: could not download $orig (source package $pkg, tried: ${vers:-no revision listed}, then $pool) from Debian's source archive" >&2; exit 1
  fi
  got=$(sha256sum "$tmp/$orig" | cut -d' ' -f1)
  if [ "$got" != "$sum" ]; then
    rm -rf "$tmp"; echo "sources: $orig has sha256 $got, expected $sum" >&2; exit 1
  fi
  mv "$tmp/$orig" "$out.tmp" && mv "$out.tmp" "$out"
  rm -rf "$tmp"
  echo "sources: $out" >&2
done
