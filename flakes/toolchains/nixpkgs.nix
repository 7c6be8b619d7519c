# Toolchain "nixpkgs": the pinned nixpkgs' static musl cross toolchain (pkgsStatic) and
# build tools, handed to the same recipe script as the host toolchain.
{ system, pkgs }:
let
  cc = pkgs.pkgsStatic.stdenv.cc;
in
{
  inherit system;
  name = "nixpkgs";
  builder = "${pkgs.bash}/bin/bash";
  # bash is on PATH for its `sh`: nixpkgs' make runs recipe lines and $(shell …) with the
  # `sh` it finds on PATH (its patch "No impure bin sh"), and a pure sandbox has no /bin/sh.
  path = pkgs.lib.makeBinPath [
    cc cc.bintools pkgs.bash pkgs.gnumake pkgs.coreutils pkgs.gnutar pkgs.gzip pkgs.gnused
    pkgs.gnugrep pkgs.gawk pkgs.patch pkgs.findutils pkgs.diffutils
  ];
  setup = ./nixpkgs-setup.sh;
  # Where perl is (OpenSSL's Configure). An attribute of its own, evaluated only by the
  # OpenSSL recipe, so builds without OpenSSL do not depend on perl.
  perl = "${pkgs.perl}/bin";
  env = { targetPrefix = cc.targetPrefix; };
}
