# A local stand-in for nixpkgs, offering exactly the attribute paths kiln's nixpkgs
# toolchain uses. It lets tests evaluate and build a nixpkgs-toolchain flake on a machine
# that cannot reach nixpkgs' binaries. Its packages are thin wrappers around kiln's pinned
# toolchain (Debian's gcc 14, binutils, musl, dash and tools, relocated into the store), which
# the tests copy beside this file as ./pinned (flakes/toolchains/pinned.nix and pinned/).
# Nothing here names a host path, so a build through it runs in a sandbox with no /bin or
# /usr, where a recipe that assumes /bin/sh fails as it would with real nixpkgs. It
# exercises all of kiln's nixpkgs glue — but not nixpkgs' own compilers.
{
  description = "kiln test stand-in for nixpkgs";
  outputs = { self }:
    let
      system = "x86_64-linux";
      inherit ((import ./pinned/pinned.nix { inherit system; }).parts) cc tools perl;
      toolsBin = "${tools}/usr/bin";
      sh = "${toolsBin}/dash";
      # A "package" made by a shell script run with the pinned tools.
      mk = name: script: derivation {
        inherit name system;
        builder = sh;
        args = [ "-ec" script ];
        PATH = toolsBin;
      };
      # A package whose bin/ links the named programs of the pinned tools.
      links = name: progs: mk name ''
        mkdir -p $out/bin
        for p in ${builtins.concatStringsSep " " progs}; do
          [ -e ${toolsBin}/$p ] || { echo "the pinned tools have no $p" >&2; exit 1; }
          ln -s ${toolsBin}/$p $out/bin/$p
        done
      '';
      # pkgsStatic.stdenv.cc: a musl cc wrapper with a target prefix, like nixpkgs' own. It
      # drops -static-pie: the pinned specs file links static-PIE anyway.
      muslCC = mk "standin-musl-cc" ''
        mkdir -p $out/bin
        f=$out/bin/x86_64-unknown-linux-musl-cc
        {
          echo '#!${sh}'
          echo 'for a in "$@"; do shift; [ "$a" = -static-pie ] || set -- "$@" "$a"; done'
          echo 'PATH=${cc}/bin:$PATH'  # gcc finds as and ld on PATH
          echo 'exec ${cc}/bin/gcc -specs=${cc}/kiln/static-pie.specs -idirafter ${cc}/kiln/kernel-headers "$@"'
        } > $f
        chmod +x $f
      '' // { targetPrefix = "x86_64-unknown-linux-musl-"; bintools = bintools; };
      bintools = mk "standin-musl-bintools" ''
        mkdir -p $out/bin
        for p in strip objcopy ar ranlib; do ln -s ${cc}/bin/$p $out/bin/x86_64-unknown-linux-musl-$p; done
      '';
      pkgs = {
        # nixpkgs' bash, as the builder and the `sh` on PATH: the pinned dash under both names.
        bash = mk "standin-bash" ''
          mkdir -p $out/bin
          ln -s ${sh} $out/bin/bash
          ln -s ${sh} $out/bin/sh
        '';
        gnumake = links "standin-make" [ "make" ];
        coreutils = links "standin-coreutils" [ "cat" "cp" "mkdir" "chmod" "ln" "rm" "mv" "ls" "touch" "head" "tail" "tr" "cut" "sort" "uniq" "wc" "echo" "true" "false" "test" "[" "expr" "basename" "dirname" "env" "uname" "date" "printf" "sleep" "tee" "install" "readlink" "realpath" "nproc" "od" ];
        gnutar = links "standin-tar" [ "tar" ];
        gzip = links "standin-gzip" [ "gzip" "gunzip" ];
        gnused = links "standin-sed" [ "sed" ];
        gnugrep = links "standin-grep" [ "grep" "egrep" "fgrep" ];
        gawk = links "standin-awk" [ "awk" ];
        patch = links "standin-patch" [ "patch" ];
        findutils = links "standin-findutils" [ "find" "xargs" ];
        diffutils = links "standin-diffutils" [ "diff" "cmp" ];
        # OpenSSL's Configure. Debian's perl looks for its modules in /usr: told where they are.
        perl = mk "standin-perl" ''
          mkdir -p $out/bin
          {
            echo '#!${sh}'
            echo 'PERL5LIB=${perl}/usr/lib/x86_64-linux-gnu/perl-base:${perl}/usr/lib/x86_64-linux-gnu/perl/5.40:${perl}/usr/share/perl/5.40 exec ${perl}/usr/bin/perl "$@"'
          } > $out/bin/perl
          chmod +x $out/bin/perl
        '';
        pkgsStatic.stdenv.cc = muslCC;
        lib.makeBinPath = drvs: builtins.concatStringsSep ":" (map (d: "${d}/bin") drvs);
      };
    in {
      legacyPackages.${system} = pkgs;
    };
}
