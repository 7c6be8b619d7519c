# kiln's Lua recipe: liblua.a and the headers haproxy includes.
# Inputs: see common.sh, plus src (the pinned Lua tarball) and out.
set -eu
. "$common"
kiln_unpack

# LUA_USE_POSIX rather than upstream's "linux" target (LUA_USE_LINUX): that one adds dlopen
# for C modules, which a static binary cannot load. LUA_COMPAT_5_3 is upstream's default.
make -C src liblua.a CC="cc -std=gnu99" \
  CFLAGS="$cflags $nounwind -Wall -DLUA_COMPAT_5_3 -DLUA_USE_POSIX" \
  AR="$AR rcD" RANLIB="$RANLIB"

mkdir -p "$out/include" "$out/lib"
cp src/lua.h src/luaconf.h src/lualib.h src/lauxlib.h src/lua.hpp "$out/include/"
cp src/liblua.a "$out/lib/"
