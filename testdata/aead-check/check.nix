# Copied into a flake kiln generated (kiln gen): builds that flake's OpenSSL (as the spec
# pins it, patches included) with the pinned toolchain, then compiles and runs aead.c
# against it in the sandbox. `nix build -f check.nix`; the output is the program's report.
let
  spec = import ./spec.nix;
  toolchain = import ./flakes/toolchains/pinned.nix { system = "x86_64-linux"; };
  pkg = import ./flakes/recipes/haproxy.nix { inherit spec toolchain; };
in
derivation ({
  name = "aead-check";
  inherit (toolchain) system builder;
  args = [ "-e" ./aead.sh ];
  PATH = toolchain.path;
  toolchainSetup = toolchain.setup;
  common = ./flakes/recipes/common.sh;
  optimize = "size";
  march = "";
  hardening = spec.build.hardening;
  openssl = pkg.deps.openssl;
  check = ./aead.c;
} // toolchain.env)
