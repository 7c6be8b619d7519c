# kiln's Lua recipe: liblua.a and the headers haproxy includes.
# Inputs: see common.sh, plus src (the pinned Lua tarball) and out.
set -eu
. "$common"
kiln_unpack

# LUA_USE_POSIX rather than upstream's "linux" target (LUA_USE_LINUX): that one adds dlopen
# for C modules, which a static binary cannot load. LUA_COMPAT_5_3 is upstream's default.
# Lua's objects are GCC's LTO bytecode, compiled into haproxy at its link with haproxy's own
# code (one partition): 1.7 KB (zstd) smaller than linking them compiled. GCC names an
# object's LTO sections after a random seed unless given one: the object's own name ($@,
# which make expands) keeps liblua.a the same in every build. The archive's symbol index
# needs the compiler's LTO plugin (ar --plugin); a compiler without one gets plain objects.
lto= plugin=
case $(cc -print-prog-name=liblto_plugin.so) in
  /*) lto='-flto -frandom-seed=$@' plugin="--plugin $(cc -print-prog-name=liblto_plugin.so)" ;;
esac
make -C src liblua.a CC="cc -std=gnu99" \
  CFLAGS="$cflags $nounwind $lto -Wall -DLUA_COMPAT_5_3 -DLUA_USE_POSIX" \
  AR="$AR $plugin rcD" RANLIB="$RANLIB $plugin"

mkdir -p "$out/include" "$out/lib"
cp src/lua.h src/luaconf.h src/lualib.h src/lauxlib.h src/lua.hpp "$out/include/"
cp src/liblua.a "$out/lib/"
