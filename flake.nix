# kiln's own flake: builds the kiln CLI from this repository with the pinned nixpkgs
# (nixos-24.11), runs it (`nix run github:…/kiln -- build spec.toml`), and exposes the
# recipes kiln embeds (lib.recipes), so other flakes can reuse them.
#
# Checked in CI (cmd/kiln/flake_test.go) against a real nixos-24.11 subset vendored in
# testdata/: every output evaluates and packages.kiln instantiates (its whole derivation
# graph, down to nixpkgs' bootstrap); vendorHash equals the NAR hash of `go mod vendor`;
# the Go toolchain's sha256 is the one Go's checksum database vouches for. Not checked
# here: building it, which needs nixpkgs' binary cache or bootstrap tarballs.
{
  description = "kiln: minimal, hardened, reproducible container images from a TOML spec";

  inputs.nixpkgs.url = "github:NixOS/nixpkgs/030ba1976b7c0e1a67d9716b17308ccdab5b381e";

  outputs = { self, nixpkgs }:
    let
      system = "x86_64-linux";
      pkgs = nixpkgs.legacyPackages.${system};
      version = "0.1.0";

      # go.mod needs Go 1.26.8 (its dependencies need 1.25, its code 1.24) and names Go
      # 1.27.3 as its toolchain (the standard library's security fixes); nixos-24.11 has
      # 1.22 and 1.23. So kiln is built with the official Go 1.27.3 release for linux-amd64,
      # as the Go module proxy serves it to `GOTOOLCHAIN=go1.27.3` (module
      # golang.org/toolchain): a fixed-output fetch pinned by sha256, the same file that
      # `go mod download golang.org/toolchain@v0.0.1-go1.27.3.linux-amd64` checks against
      # sum.golang.org. Its programs are static: nothing to patch.
      goVersion = "1.27.3";
      go = pkgs.stdenvNoCC.mkDerivation {
        pname = "go";
        version = goVersion;
        src = pkgs.fetchurl {
          url = "https://proxy.golang.org/golang.org/toolchain/@v/v0.0.1-go${goVersion}.linux-amd64.zip";
          hash = "sha256-r0wGR4MD/dG/szX6uGx8y5sS5SkESpRqFqHEvMd5+Nc=";
        };
        nativeBuildInputs = [ pkgs.unzip ];
        dontUnpack = true;
        dontStrip = true;
        dontPatchELF = true;
        installPhase = ''
          runHook preInstall
          unzip -q "$src"
          mkdir -p "$out/share" "$out/bin"
          mv "golang.org/toolchain@v0.0.1-go${goVersion}.linux-amd64" "$out/share/go"
          ln -s "$out/share/go/bin/go" "$out/share/go/bin/gofmt" "$out/bin/"
          runHook postInstall
        '';
        # What buildGoModule reads from its Go.
        passthru = { GOOS = "linux"; GOARCH = "amd64"; CGO_ENABLED = 1; };
        meta.platforms = [ system ];
      };

      kiln = (pkgs.buildGoModule.override { inherit go; }) {
        pname = "kiln";
        inherit version;
        src = self;
        # The NAR hash of `go mod vendor` for the current go.sum (cmd/kiln's
        # TestProjectFlakeVendorHash computes it and says when it changed).
        vendorHash = "sha256-3bUZ2FL/GsWeq0uOHvZD1VTIci6DAq3Ew4tEQDopIA8=";
        subPackages = [ "cmd/kiln" ];
        # libzstd (pinned by go.mod) and libdeflate (vendored in internal/libdeflate) are
        # compiled in through cgo, so the layer compressors are the same wherever kiln is
        # built. An argument of buildGoModule since nixos-24.11 (it refuses env.CGO_ENABLED).
        CGO_ENABLED = 1;
        ldflags = [ "-s" "-w" "-X main.version=${version}" ];
        # The tests need nix, a registry and podman at run time; CI runs them (make test).
        doCheck = false;
        meta.mainProgram = "kiln";
      };
    in
    {
      packages.${system} = {
        inherit kiln go;
        default = kiln;
      };

      # nix run <this flake> -- build spec.toml
      apps.${system}.default = {
        type = "app";
        program = "${kiln}/bin/kiln";
      };

      # The recipes and toolchains kiln copies into every flake it generates.
      lib = {
        inherit version;
        recipes = ./flakes;
      };
    };
}
