# Lua (liblua.a + headers) for haproxy's USE_LUA.
{ spec, toolchain }:
import ./static-lib.nix { inherit spec toolchain; } {
  name = "lua";
  script = ./lua.sh;
  source = spec.sources.lua;
}
