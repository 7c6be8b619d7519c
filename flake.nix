# kiln's own flake: builds the kiln CLI from this repository with the pinned nixpkgs and
# exposes the recipes kiln embeds (lib.recipes), so other flakes can reuse them.
#
# Verified here: this file parses and its lib outputs evaluate (see cmd/kiln's
# TestProjectFlake). Not verified here: building packages.kiln, which needs nixpkgs (not
# reachable from this project's CI); vendorHash is the NAR hash of `go mod vendor` for the
# current go.sum — update it whenever go.sum changes (`nix build` prints the right one).
{
  description = "kiln: minimal, hardened, reproducible container images from a TOML spec";

  inputs.nixpkgs.url = "github:NixOS/nixpkgs/030ba1976b7c0e1a67d9716b17308ccdab5b381e";

  outputs = { self, nixpkgs }:
    let
      system = "x86_64-linux";
      pkgs = nixpkgs.legacyPackages.${system};
      version = "0.1.0";
    in
    {
      packages.${system} = rec {
        kiln = pkgs.buildGoModule {
          pname = "kiln";
          inherit version;
          src = self;
          vendorHash = "sha256-XdIiTWBeF5OOnkey6sesuDX/Hyegps4L37WcTlJhzoE=";
          subPackages = [ "cmd/kiln" ];
          # libzstd is compiled in through cgo (pinned by go.mod), so the layer compressor
          # is the same wherever kiln is built.
          env.CGO_ENABLED = "1";
          ldflags = [ "-s" "-w" "-X main.version=${version}" ];
          # The tests need nix, a registry and podman at run time; CI runs them (make test).
          doCheck = false;
          meta.mainProgram = "kiln";
        };
        default = kiln;
      };

      # The recipes and toolchains kiln copies into every flake it generates.
      lib = {
        inherit version;
        recipes = ./flakes;
      };
    };
}
