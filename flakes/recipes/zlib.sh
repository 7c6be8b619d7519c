# kiln's zlib recipe: libz.a and its headers.
# Inputs: see common.sh, plus src (the pinned zlib tarball) and out.
set -eu
. "$common"
kiln_unpack

CC=cc CFLAGS="$cflags $nounwind" AR="$AR" RANLIB="$RANLIB" "$kiln_sh" ./configure --static --prefix=/usr
make -j"${NIX_BUILD_CORES:-1}" libz.a

mkdir -p "$out/include" "$out/lib"
cp zlib.h zconf.h "$out/include/"
cp libz.a "$out/lib/"
