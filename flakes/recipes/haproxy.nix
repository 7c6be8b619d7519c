# HAProxy, built by the shared recipe script with whichever toolchain the flake hands in.
# spec: the attribute set kiln renders from the user's TOML (every string escaped by kiln).
# Each optional library (lua, pcre2, openssl, zlib) is a derivation of its own, built only
# when its feature is on; haproxy links it statically and keeps no reference to it.
{ spec, toolchain }:
let
  fetch = import ../lib/fetch.nix;
  f = spec.features;
  lib = on: file: if on then import file { inherit spec toolchain; } else null;
  deps = {
    lua = lib f.lua ./lua.nix;
    pcre2 = lib f.pcre2 ./pcre2.nix;
    openssl = lib f.openssl ./openssl.nix;
    zlib = lib (f.compression == "zlib") ./zlib.nix;
  };
  dir = d: if d == null then "" else d;
in
derivation ({
  name = "haproxy-${spec.package.version}";
  inherit (toolchain) system builder;
  args = [ "-e" ./haproxy.sh ];
  PATH = toolchain.path;
  toolchainSetup = toolchain.setup;
  common = ./common.sh;
  slzTrain = ./slz-train.c;
  src = fetch spec.package.source;
  patches = map fetch spec.package.patches;
  compression = f.compression;
  promex = f.promex;
  luaDir = dir deps.lua;
  pcre2Dir = dir deps.pcre2;
  pcre2Jit = f.pcre2 && f.pcre2_jit;
  opensslDir = dir deps.openssl;
  zlibDir = dir deps.zlib;
  optimize = spec.build.optimize;
  march = spec.build.march;
  strip = spec.build.strip;
  hardening = spec.build.hardening;
  # No network, no host paths beyond the toolchain's; the build is reproducible by design.
  allowedReferences = [ ];
} // toolchain.env
  # build.profile (kiln profile): only when set, so no other build's derivation changes.
  // (if spec.build ? profile then { pgoProfile = spec.build.profile; } else { })
  // (if spec.build ? profileRecord then { pgoRecord = "1"; } else { })
  # balanced, HAProxy 3.0.x: the request path's helpers to inline (request-path-inline.h names
  # 3.0's signatures; another version builds without it, as it did before).
  // (if spec.build.optimize == "balanced" && builtins.substring 0 4 spec.package.version == "3.0."
      then { requestPathInline = ./request-path-inline.h; } else { })) // {
  # The libraries this build links, for the flake's packages (nix build .#openssl) and for
  # anyone who wants to push them to a binary cache along with haproxy.
  deps = builtins.removeAttrs deps (builtins.filter (n: deps.${n} == null) (builtins.attrNames deps));
}
