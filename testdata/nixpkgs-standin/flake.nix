# A local stand-in for nixpkgs, offering exactly the attribute paths kiln's nixpkgs
# toolchain uses. It lets tests evaluate (and build) a nixpkgs-toolchain flake on a machine
# that cannot reach nixpkgs: its packages are thin wrappers around the host's tools, so a
# build through it exercises all of kiln's nixpkgs glue — but not nixpkgs' real compilers.
{
  description = "kiln test stand-in for nixpkgs";
  outputs = { self }:
    let
      system = "x86_64-linux";
      # A "package" whose bin/ links the named host programs.
      hostTools = name: progs: derivation {
        inherit name system;
        builder = "/bin/sh";
        args = [ "-c" ''
          set -e
          /bin/mkdir -p $out/bin
          for p in ${builtins.concatStringsSep " " progs}; do
            /bin/ln -s /usr/bin/$p $out/bin/$p 2>/dev/null || /bin/ln -s /bin/$p $out/bin/$p
          done
        '' ];
      };
      # pkgsStatic.stdenv.cc: a musl cc wrapper with a target prefix, like nixpkgs' own.
      # -static-pie goes through kiln's host specs file (Debian's musl-gcc cannot do it).
      muslCC = derivation {
        name = "standin-musl-cc";
        inherit system;
        builder = "/bin/sh";
        specs = ./static-pie.specs; # copied here from flakes/toolchains by the test
        args = [ "-c" ''
          set -e
          /bin/mkdir -p $out/bin $out/include
          /bin/ln -s /usr/include/linux $out/include/linux
          /bin/ln -s /usr/include/asm-generic $out/include/asm-generic
          /bin/ln -s /usr/include/x86_64-linux-gnu/asm $out/include/asm
          /bin/cp $specs $out/static-pie.specs
          # drop -static-pie (the specs file links static-PIE), keep everything else
          {
            echo '#!/bin/sh'
            echo 'for a in "$@"; do shift; [ "$a" = -static-pie ] || set -- "$@" "$a"; done'
            echo 'PATH=/usr/bin:$PATH'  # gcc finds as/ld on PATH, as nixpkgs' wrapper arranges
            echo "exec /usr/bin/gcc -specs=$out/static-pie.specs -idirafter $out/include \"\$@\""
          } > $out/bin/x86_64-unknown-linux-musl-cc
          /bin/chmod +x $out/bin/x86_64-unknown-linux-musl-cc
        '' ];
      } // { targetPrefix = "x86_64-unknown-linux-musl-"; bintools = bintools; };
      bintools = derivation {
        name = "standin-musl-bintools";
        inherit system;
        builder = "/bin/sh";
        args = [ "-c" ''
          /bin/mkdir -p $out/bin
          for p in strip objcopy ar ranlib; do /bin/ln -s /usr/bin/$p $out/bin/x86_64-unknown-linux-musl-$p; done
        '' ];
      };
      pkgs = {
        bash = hostTools "standin-bash" [ "bash" ];
        gnumake = hostTools "standin-make" [ "make" ];
        coreutils = hostTools "standin-coreutils" [ "cat" "cp" "mkdir" "chmod" "ln" "rm" "mv" "ls" "touch" "head" "tail" "tr" "cut" "sort" "uniq" "wc" "echo" "true" "false" "test" "[" "expr" "basename" "dirname" "env" "uname" "date" "printf" "sleep" "tee" "install" "readlink" "realpath" "nproc" "od" ];
        gnutar = hostTools "standin-tar" [ "tar" ];
        gzip = hostTools "standin-gzip" [ "gzip" "gunzip" ];
        gnused = hostTools "standin-sed" [ "sed" ];
        gnugrep = hostTools "standin-grep" [ "grep" "egrep" "fgrep" ];
        gawk = hostTools "standin-awk" [ "awk" ];
        patch = hostTools "standin-patch" [ "patch" ];
        findutils = hostTools "standin-findutils" [ "find" "xargs" ];
        diffutils = hostTools "standin-diffutils" [ "diff" "cmp" ];
        perl = hostTools "standin-perl" [ "perl" ];  # OpenSSL's Configure
        pkgsStatic.stdenv.cc = muslCC;
        lib.makeBinPath = drvs: builtins.concatStringsSep ":" (map (d: "${d}/bin") drvs);
      };
    in {
      legacyPackages.${system} = pkgs;
    };
}
