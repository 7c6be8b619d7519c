# Toolchain "pinned": gcc 14, binutils 2.44, musl 1.2.5, GNU make, a shell, the POSIX tools
# and perl, every one a Debian binary package pinned by version and sha256 in
# pinned/pins.toml (scripts/pin-debs.sh writes it from apt's signed index). Each .deb is a
# fixed-output fetch; the packages are unpacked and relocated inside Nix (patchelf: every
# program runs against the pinned glibc and finds its libraries in its own store path), so
# the build sandbox needs no host path at all, and every pinned hash is part of every
# derivation that uses the toolchain.
#
# The first step out of a .deb needs a program, and Nix's builtins cannot unpack one: kiln
# extracts the static busybox of the pinned busybox-static .deb and adds it to the store as
# the recursive fixed-output path below (pinned by its NAR hash). `kiln build` does that
# itself (from --mirror, or downloading the .deb); with plain `nix build`, run
# `kiln prefetch --mirror DIR` (or any `kiln build`) first.
{ system }:
let
  pins = builtins.fromTOML (builtins.readFile ./pinned/pins.toml);
  deb = p: let d = pins.deb.${p}; in import <nix/fetchurl.nix> { inherit (d) url sha256 name; };
  b = pins.bootstrap;

  # Never built here: kiln adds the path (same name, same NAR hash). When it is missing, the
  # fetch below fails and its URL says what to do.
  bootstrap = derivation {
    inherit system;
    inherit (b) name;
    builder = "builtin:fetchurl";
    url = "file:///${b.name}-is-not-in-the-nix-store:run-kiln-prefetch--mirror-DIR-or-kiln-build-first";
    executable = false;
    unpack = false;
    outputHashMode = "recursive";
    outputHashAlgo = "sha256";
    outputHash = b.nar_hash;
  };

  part = set: args: derivation ({
    inherit system;
    name = "pinned-${set}-${pins.suite}";
    builder = "${bootstrap}/bin/busybox";
    args = [ "sh" "-e" ./pinned/build.sh ];
    inherit bootstrap;
    debs = map deb pins.sets.${set};
    relocate = true;
    inherit glibc;
    patchelf = patchelf;
  } // args);

  # glibc exactly as Debian ships it: the loader and libraries every other part runs with.
  glibc = derivation {
    inherit system bootstrap;
    name = "pinned-glibc-${pins.suite}";
    builder = "${bootstrap}/bin/busybox";
    args = [ "sh" "-e" ./pinned/build.sh ];
    debs = map deb pins.sets.glibc;
    relocate = false;
  };
  patchelf = part "patchelf" { patchelf = ""; };
  cc = part "cc" {
    links = [
      "bin/gcc=../usr/bin/x86_64-linux-gnu-gcc-14"
      "bin/cc=gcc"
      "bin/cpp=../usr/bin/x86_64-linux-gnu-cpp-14"
    ] ++ map (t: "bin/${t}=../usr/bin/x86_64-linux-gnu-${t}")
      [ "as" "ld" "ar" "nm" "objcopy" "objdump" "ranlib" "readelf" "size" "strings" "strip" ]
    ++ [
      # musl's headers leave the kernel's to the system; these three are what libc needs.
      "kiln/kernel-headers/linux=../../usr/include/linux"
      "kiln/kernel-headers/asm-generic=../../usr/include/asm-generic"
      "kiln/kernel-headers/asm=../../usr/include/x86_64-linux-gnu/asm"
    ];
    specs = ./pinned/static-pie.specs;
  };
  tools = part "tools" {
    drop = pins.sets.tools_drop;
    links = [ "usr/bin/awk=mawk" ];
  };
  perl = part "perl" {
    drop = pins.sets.perl_drop;
    # perl runs shell commands with /bin/sh, which the sandbox does not have: see perl-sh.c.
    post = ./pinned/perl-post.sh;
    shim = ./pinned/perl-sh.c;
    inherit cc;
    shell = "${tools}/usr/bin/sh";
  };
in
{
  inherit system;
  name = "pinned";
  # dash, Debian's /bin/sh: the builder, and the shell of every script and make recipe.
  builder = "${tools}/usr/bin/dash";
  path = "${cc}/bin:${tools}/usr/bin";
  setup = ./pinned/setup.sh;
  # Where perl is (OpenSSL's Configure), and where its modules are: Debian's perl looks in
  # /usr, so it is told. Attributes of their own, evaluated only by the OpenSSL recipe.
  perl = "${perl}/usr/bin";
  perlEnv = {
    PERL5LIB = builtins.concatStringsSep ":" (map (d: "${perl}/${d}") [
      "usr/lib/x86_64-linux-gnu/perl-base" "usr/lib/x86_64-linux-gnu/perl/5.40" "usr/share/perl/5.40"
    ]);
  };
  env = { pinnedCC = cc; };
  # The toolchain's own derivations, for tests, `nix build --rebuild` and binary caches.
  parts = { inherit bootstrap glibc patchelf cc tools perl; };
}
