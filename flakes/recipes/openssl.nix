# OpenSSL (libssl.a, libcrypto.a + headers) for haproxy's USE_OPENSSL. Its Configure is perl.
{ spec, toolchain }:
import ./static-lib.nix { inherit spec toolchain; } {
  name = "openssl";
  script = ./openssl.sh;
  source = spec.sources.openssl;
  extraPath = ":" + toolchain.perl;
  # A toolchain whose perl needs its environment (the pinned one: where its modules are).
  env = toolchain.perlEnv or { };
}
