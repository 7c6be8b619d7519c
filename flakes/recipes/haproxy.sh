# kiln's HAProxy recipe: one POSIX sh build script shared by every toolchain.
#
# Inputs (environment, set by the derivation; every value is data, never evaluated as code):
#   common           the shared recipe prologue (common.sh): toolchain, cc wrapper, flags
#   src              source tarball (fixed-output fetch, sha256 pinned in the spec)
#   slzTrain         slz-train.c, the training program for SLZ's profile (slz_train below)
#   patches          store paths of patches, applied in order with patch -p1
#   compression      slz | zlib | none
#   promex           "1" or ""
#   luaDir pcre2Dir opensslDir zlibDir
#                    store paths of the static dependencies (include/ + lib/*.a), "" when
#                    the feature is off; pcre2Jit is "1" when that pcre2 has its JIT
#   optimize         size | balanced | speed
#   strip            "1" or ""
#   hardening        space-separated policy words (pie relro bindnow nx canary)
#   requestPathInline
#                    balanced, HAProxy 3.0.x: request-path-inline.h, force-included before the
#                    kiln_forceinline_sources (common.sh); unset otherwise
#   pgoProfile pgoRecord
#                    a pinned profile of the program, or "1" to build it instrumented for
#                    recording one (common.sh); set only with optimize = speed
#   out              output path
set -eu

# optimize = balanced: haproxy's gzip code at -O2, the rest at -Oz: at -Oz a gzip'd request
# took 20 % more instructions in SLZ's encoder, and 1 % more in the compression filter that
# feeds it. Six files that parse, carry and answer an HTTP/1 request may inline small helpers
# (chunk_memcat, isteq, the htx and buffer accessors) that -Oz keeps as calls: 7 % fewer
# instructions per request for 8 KB of zstd. Seven of them inline a few more helpers at every
# call (request-path-inline.h, HAProxy 3.0 only): 24 % fewer calls and 3.1 % fewer
# instructions per request, paid for by dropping the inline budget in http_htx.c and
# http_ana.c, where it bought little, so the binary is 76 B (zstd) smaller than before. Five
# set up a stream, its connectors and its HTX blocks with struct copies and clears, which -Oz
# emits as rep movs/stos, ~25 per request; as plain loops instead, unaligned, they take ~9 %
# less user time per request for 3.7 KB of zstd (README, Speed under load).
# optimize = speed: kiln_speed_loop_sources copy with loops as well (not the inlines, -O2 has
# them): their ~15 header copies per request otherwise call musl's memcpy, whose
# byte-at-a-time head and tail took 8 % of speed's user time; ~5 % less user time per request
# for 12.6 KB of zstd.
kiln_o2_sources="src/slz.c src/compression.c src/flt_http_comp.c"
kiln_inline_sources="src/h1.c src/h1_htx.c src/mux_h1.c src/htx.c src/stream.c src/stconn.c"
kiln_forceinline_sources="src/h1.c src/h1_htx.c src/mux_h1.c src/htx.c src/http_ana.c src/stream.c src/stconn.c"
kiln_loop_sources="src/h1_htx.c src/mux_h1.c src/htx.c src/stream.c src/stconn.c"
kiln_speed_loop_sources="src/h1.c src/h1_htx.c src/mux_h1.c src/htx.c src/http_htx.c src/http_ana.c src/stream.c src/stconn.c"
# optimize = balanced or speed, compression = slz: SLZ is optimised with a profile of itself
# compressing HAProxy's own documentation, recorded in this build (slz_train below).
kiln_pgo_sources="src/slz.c"
. "$common"
case "${compression:-}" in slz|zlib|none) ;; *) die "compression must be slz, zlib or none, not '${compression:-}'" ;; esac
case "$compression" in
  zlib) [ -n "${zlibDir:-}" ] || die "compression = zlib needs zlibDir" ;;
  *) [ -z "${zlibDir:-}" ] || die "zlibDir is set but compression is $compression" ;;
esac

kiln_unpack

# One LTO partition: with the default (up to 128, compiled in parallel) each partition keeps
# its own copies of the static helpers it uses, and calls across partitions cannot be
# inlined; as one, the default image is 11 KB (zstd) smaller and runs 3.5 % fewer
# instructions per request, for ~20 s more link time on two cores.
arch="-flto=auto -flto-partition=one $nounwind"
set -- TARGET=linux-musl CC=cc LD=cc \
  CPU_CFLAGS="$cflags" OPT_CFLAGS= DEBUG_CFLAGS= ARCH_FLAGS="$arch" LDFLAGS="$arch $ldflags" \
  IGNOREGIT=1 USE_LIBCRYPT= USE_BACKTRACE= USE_DL= V=1

# Dependencies are reached through links under the build dir: the include and lib paths then
# start with $top, which the cc wrapper maps to /build, so no dependency's store path can end
# up in the binary (Nix would count it as a reference, and allowedReferences = [] fails it).
dep() {
  mkdir -p "$top/.kiln/deps"
  ln -sfn "$2" "$top/.kiln/deps/$1"
  [ -d "$2/include" ] && [ -d "$2/lib" ] || die "$1 dependency $2 has no include/ and lib/"
  echo "$top/.kiln/deps/$1"
}
case "$compression" in
  slz)  set -- "$@" USE_SLZ=1 USE_ZLIB= ;;
  zlib) d=$(dep zlib "$zlibDir"); set -- "$@" USE_SLZ= USE_ZLIB=1 ZLIB_INC="$d/include" ZLIB_LIB="$d/lib" ;;
  none) set -- "$@" USE_SLZ= USE_ZLIB= ;;
esac
if [ -n "${luaDir:-}" ]; then
  d=$(dep lua "$luaDir")
  # EXPORT_SYMBOL: haproxy exports every symbol for Lua C modules loaded with dlopen; a
  # static binary loads none, and the export table would only add bytes.
  set -- "$@" USE_LUA=1 LUA_INC="$d/include" LUA_LIB="$d/lib" LUA_LIB_NAME=lua EXPORT_SYMBOL=--no-export-dynamic
fi
if [ -n "${pcre2Dir:-}" ]; then
  d=$(dep pcre2 "$pcre2Dir")
  # PCRE2_CONFIG=false: never ask a pcre2-config found on PATH; the paths are given here.
  set -- "$@" USE_PCRE2=1 USE_STATIC_PCRE2=1 PCRE2_CONFIG=false \
    PCRE2_INC="$d/include" PCRE2_LIB="$d/lib" PCRE2_LDFLAGS="-L$d/lib -lpcre2-posix -lpcre2-8"
  if [ -n "${pcre2Jit:-}" ]; then set -- "$@" USE_PCRE2_JIT=1; fi
fi
if [ -n "${opensslDir:-}" ]; then
  d=$(dep openssl "$opensslDir")
  set -- "$@" USE_OPENSSL=1 SSL_INC="$d/include" SSL_LIB="$d/lib"
fi
if [ -n "${promex:-}" ]; then set -- "$@" USE_PROMEX=1; fi

# The profile for kiln_pgo_sources: src/slz.o is built instrumented by haproxy's own rule with
# the final compile's flags, linked into slz-train.c (the derivation's slzTrain), and run on
# the tarball's doc/*.txt, which leaves src/slz.gcda; then the object is deleted so the
# build below compiles it again with the profile. The run is single-threaded on fixed input,
# so the counts, and with them the binary, are the same on every build.
slz_train() {
  KILN_PGO=generate make "$@" src/slz.o
  cc $cflags -Iinclude -c "${slzTrain:?the derivation must set slzTrain}" -o "$top/.kiln/slz-train.o"
  cc $cflags $arch -fprofile-generate "$top/.kiln/slz-train.o" src/slz.o -o "$top/.kiln/slz-train"
  set -- doc/*.txt
  [ -f "$1" ] || die "no doc/*.txt in the source tree to train SLZ on"
  "$top/.kiln/slz-train" "$@" >&2 || die "SLZ's training run failed"
  [ -s src/slz.gcda ] || die "SLZ's training run left no profile (src/slz.gcda)"
  rm -f src/slz.o
}
# build.profile: a profile of the whole program under load, recorded by `kiln profile` and
# pinned by sha256 in the spec, so the build reads fixed data and stays reproducible (a
# profile recorded in the build would move with the training run's timing). kiln checked the
# tarball before the build: its sha256, what it was recorded for (kiln-profile.json), and
# that it holds only relative .gcda files and that manifest.
if [ -n "${pgoProfile:-}" ]; then
  tar -xzf "$pgoProfile" || die "cannot unpack the profile $pgoProfile"
  rm -f kiln-profile.json
  [ -s src/haproxy.gcda ] || die "the profile has no src/haproxy.gcda: it is not a profile of this program"
elif [ -n "${pgoRecord:-}" ]; then
  # The instrumented build, which kiln profile runs and never ships. The pinned toolchain's
  # libgcov (Debian's, built against glibc) calls strtol by glibc's C23 name, which musl
  # does not define: the link gets it here, compiled without the wrapper's instrumentation.
  printf '%s\n' '#include <stdlib.h>' \
    'long __isoc23_strtol(const char *s, char **end, int base) { return strtol(s, end, base); }' > "$top/.kiln/gcov-shim.c"
  $kiln_cc -O2 -fPIE -c "$top/.kiln/gcov-shim.c" -o "$top/.kiln/gcov-shim.o"
  set -- "$@" LDFLAGS="$arch $ldflags $top/.kiln/gcov-shim.o"
elif [ "$optimize" != size ] && [ "$compression" = slz ]; then
  slz_train "$@"
fi

KILN_PGO=use make -j"${NIX_BUILD_CORES:-1}" "$@" haproxy

if [ -n "${strip:-}" ]; then
  "$STRIP" --strip-all haproxy
fi

mkdir -p "$out/bin"
cp haproxy "$out/bin/haproxy"
chmod 0555 "$out/bin/haproxy"
