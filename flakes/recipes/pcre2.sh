# kiln's PCRE2 recipe: the 8-bit library and its POSIX wrapper (haproxy uses both), static.
# Inputs: see common.sh, plus src (the pinned PCRE2 tarball), jit ("1" or "") and out.
set -eu
. "$common"
kiln_unpack

if [ -n "${jit:-}" ]; then jit=--enable-jit; else jit=--disable-jit; fi
CC=cc CFLAGS="$cflags $nounwind" AR="$AR" RANLIB="$RANLIB" "$kiln_sh" ./configure \
  --prefix=/usr --disable-shared --enable-static \
  --enable-pcre2-8 --disable-pcre2-16 --disable-pcre2-32 "$jit" \
  --disable-pcre2grep-libz --disable-pcre2grep-libbz2 \
  --disable-pcre2test-libedit --disable-pcre2test-libreadline
# Only the libraries: pcre2grep and pcre2test are programs nobody ships here.
make -j"${NIX_BUILD_CORES:-1}" libpcre2-8.la libpcre2-posix.la

mkdir -p "$out/include" "$out/lib"
cp src/pcre2.h src/pcre2posix.h "$out/include/"
cp .libs/libpcre2-8.a .libs/libpcre2-posix.a "$out/lib/"
