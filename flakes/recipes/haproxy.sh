# kiln's HAProxy recipe: one POSIX sh build script shared by every toolchain.
#
# Inputs (environment, set by the derivation; every value is data, never evaluated as code):
#   src              source tarball (fixed-output fetch, sha256 pinned in the spec)
#   patches          store paths of patches, applied in order with patch -p1
#   toolchainSetup   a sh file the toolchain provides; it defines kiln_cc (the C compiler
#                    command, used through a wrapper so no store or temp path reaches
#                    `haproxy -vv`) and STRIP
#   compression      slz | zlib | none
#   lua pcre2 openssl promex   "1" or ""
#   optimize         size | speed
#   strip            "1" or ""
#   hardening        space-separated policy words (pie relro bindnow nx canary)
#   out              output path
set -eu

die() { echo "kiln recipe: $*" >&2; exit 1; }
case "${compression:-}" in slz|zlib|none) ;; *) die "compression must be slz, zlib or none, not '${compression:-}'" ;; esac
case "${optimize:-}" in size|speed) ;; *) die "optimize must be size or speed, not '${optimize:-}'" ;; esac

top=${NIX_BUILD_TOP:-$PWD}
cd "$top"
. "$toolchainSetup"

# A compiler wrapper: haproxy prints CC and CFLAGS in `haproxy -vv`, so everything that names
# a store or build path (specs file, include dirs, prefix maps) lives here, not in CFLAGS.
mkdir -p "$top/.kiln/bin"
{
  echo '#!/bin/sh'
  printf 'exec %s -ffile-prefix-map=%s=/build "$@"\n' "$kiln_cc" "$top"
} > "$top/.kiln/bin/cc"
chmod +x "$top/.kiln/bin/cc"
PATH="$top/.kiln/bin:$PATH"

tar -xzf "$src"
cd haproxy-*
for p in ${patches:-}; do
  echo "kiln recipe: applying patch $p" >&2
  patch -p1 --forward --batch < "$p" || die "patch $p does not apply"
done

case "$optimize" in
  size)  opt="-Os" ;;
  speed) opt="-O2" ;;
esac
cflags="$opt -ffunction-sections -fdata-sections"
ldflags="-Wl,--gc-sections -Wl,--build-id=none -Wl,-O1"
arch="-flto=auto -fno-asynchronous-unwind-tables -fno-unwind-tables"
for h in ${hardening:-}; do
  case "$h" in
    pie) cflags="$cflags -fPIE" ;;   # static-PIE at link time comes from the toolchain
    relro) ldflags="$ldflags -Wl,-z,relro" ;;
    bindnow) ldflags="$ldflags -Wl,-z,now" ;;
    nx) ldflags="$ldflags -Wl,-z,noexecstack" ;;
    canary) cflags="$cflags -fstack-protector-strong" ;;
    static|stripped) ;;   # checked by kiln's audit gate, nothing to turn on
    *) die "unknown hardening word '$h'" ;;
  esac
done

set -- TARGET=linux-musl CC=cc LD=cc \
  CPU_CFLAGS="$cflags" OPT_CFLAGS= DEBUG_CFLAGS= ARCH_FLAGS="$arch" LDFLAGS="$arch $ldflags" \
  IGNOREGIT=1 USE_LIBCRYPT= USE_BACKTRACE= USE_DL= V=1
case "$compression" in
  slz)  set -- "$@" USE_SLZ=1 USE_ZLIB= ;;
  zlib) die "compression = zlib is not supported by this recipe yet" ;;
  none) set -- "$@" USE_SLZ= USE_ZLIB= ;;
esac
[ -n "${lua:-}" ] && die "lua is not supported by this recipe yet"
[ -n "${pcre2:-}" ] && die "pcre2 is not supported by this recipe yet"
[ -n "${openssl:-}" ] && die "openssl is not supported by this recipe yet"
[ -n "${promex:-}" ] && set -- "$@" USE_PROMEX=1

make -j"${NIX_BUILD_CORES:-1}" "$@" haproxy

if [ -n "${strip:-}" ]; then
  "$STRIP" --strip-all haproxy
fi

mkdir -p "$out/bin"
cp haproxy "$out/bin/haproxy"
chmod 0555 "$out/bin/haproxy"
