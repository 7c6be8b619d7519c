# A static C library haproxy links (lua, pcre2, openssl, zlib): a derivation of its own, so
# it has its own store path that rebuilds of haproxy and binary caches reuse. Its script
# sources the same prologue as haproxy's (common.sh: toolchain, cc wrapper, hardening flags)
# and installs include/ and lib/*.a only.
{ spec, toolchain }:
# Patches the spec gives the library (sources.<name>.patches) are applied by common.sh's
# kiln_unpack.
{ name, script, source, extraPath ? "", env ? { } }:
let
  patches = source.patches or [ ];
in
derivation ({
  name = "${name}-${source.version}";
  inherit (toolchain) system builder;
  args = [ "-e" script ];
  PATH = toolchain.path + extraPath;
  toolchainSetup = toolchain.setup;
  common = ./common.sh;
  src = import ../lib/fetch.nix source;
  optimize = spec.build.optimize;
  march = spec.build.march;
  hardening = spec.build.hardening;
  # Installed with a /usr prefix into a staging dir, so no library embeds its own store path:
  # haproxy links them statically and must not reference them either.
  allowedReferences = [ ];
} // (if patches == [ ] then { } else {
  patches = map (import ../lib/fetch.nix) patches;
}) // env // toolchain.env)
