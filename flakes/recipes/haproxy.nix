# HAProxy, built by the shared recipe script with whichever toolchain the flake hands in.
# spec: the attribute set kiln renders from the user's TOML (every string escaped by kiln).
{ spec, toolchain }:
let
  fetch = import ../lib/fetch.nix;
in
derivation ({
  name = "haproxy-${spec.package.version}";
  inherit (toolchain) system builder;
  args = [ "-e" ./haproxy.sh ];
  PATH = toolchain.path;
  toolchainSetup = toolchain.setup;
  src = fetch spec.package.source;
  patches = map fetch spec.package.patches;
  compression = spec.features.compression;
  lua = spec.features.lua;
  pcre2 = spec.features.pcre2;
  openssl = spec.features.openssl;
  promex = spec.features.promex;
  optimize = spec.build.optimize;
  strip = spec.build.strip;
  hardening = spec.build.hardening;
  # No network, no host paths beyond the toolchain's; the build is reproducible by design.
  allowedReferences = [ ];
} // toolchain.env)
