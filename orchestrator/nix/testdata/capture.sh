#!/usr/bin/env bash
# Captures, from the nix on PATH, every output kiln reads (JSON, plain text and log lines)
# into testdata/nix-<version>/, so the parsers are unit-tested on what real Nix versions
# print. Run it once per Nix version (scripts/second-host.sh runs it for Debian 13's 2.26):
#
#   orchestrator/nix/testdata/capture.sh [OUTDIR]
#
# With KILN_CAPTURE_BUILDERS set to remote builder store URIs (e.g. "ssh-ng://builder
# ssh://builder"; ssh options in NIX_SSHOPTS), it also records a build on each of them
# (build-remote-<scheme>.*).
#
# It builds a few tiny derivations (builder /bin/sh) in the machine's store and in a
# temporary chroot store, and writes a file-based binary cache in a temporary directory.
# Store paths differ between runs (a nonce makes every derivation new, so nix really builds).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
version=$(nix --version | awk '{print $NF}')
out=$(realpath -m "${1:-$here/nix-$version}")
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
export NIX_CONFIG='experimental-features = nix-command flakes
build-users-group =
substituters =
sandbox = true
sandbox-fallback = false
sandbox-paths =
extra-sandbox-paths = /bin /usr /lib /lib64
warn-dirty = false'
nonce=$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')

mkdir "$tmp/flake"
cat >"$tmp/flake/flake.nix" <<EOF
{
  outputs = { self }:
    let
      sh = args: name: extra: derivation ({
        inherit name;
        system = "x86_64-linux";
        builder = "/bin/sh";
        args = [ "-c" args ];
        nonce = "$nonce";
        PATH = "/usr/bin:/bin";
      } // extra);
      dep = sh "echo dep > \$out" "kiln-capture-dep" { };
      main = sh "echo building main; mkdir \$out; echo \${dep} > \$out/ref; echo hello > \$out/f" "kiln-capture" { };
      multi = sh "mkdir \$out \$dev; echo \$out > \$dev/out" "kiln-capture-multi" { outputs = [ "out" "dev" ]; };
      nondet = sh "cat /proc/sys/kernel/random/uuid > \$out" "kiln-capture-nondet" { };
      remote = sh "echo building remotely; echo remote > \$out" "kiln-capture-remote" { };
      fails = sh "echo about to fail; exit 3" "kiln-capture-fails" { };
      fetch = derivation {
        name = "kiln-capture-fetch";
        system = "x86_64-linux";
        builder = "builtin:fetchurl";
        url = "https://kiln-capture.invalid/$nonce.tar.gz";
        outputHashMode = "flat";
        outputHashAlgo = "sha256";
        outputHash = "0000000000000000000000000000000000000000000000000000";
        urls = [ "https://kiln-capture.invalid/$nonce.tar.gz" ];
        unpack = false;
        executable = false;
      };
    in {
      packages.x86_64-linux = { default = main; inherit dep multi nondet remote fails fetch; };
    };
}
EOF
f="path:$tmp/flake"
cap() { # cap NAME CMD...: stdout to NAME.out, stderr to NAME.log, exit status to NAME.status
  local name=$1; shift
  set +e
  "$@" >"$out/$name.out" 2>"$out/$name.log"
  echo $? >"$out/$name.status"
  set -e
}

echo "$version" >"$out/version"
cap version nix --version
cap eval-outpath nix eval --json "$f#default.outPath"
cap eval-drvpath nix eval --json "$f#default.drvPath"
cap build nix build --json --no-link -L "$f#default"
cap build-multi nix build --json --no-link -L "$f#multi"
cap build-again nix build --json --no-link -L "$f#default"
cap build-fails nix build --json --no-link -L "$f#fails"
cap build-fetch nix build --json --no-link -L "$f#fetch"
main=$(nix eval --raw "$f#default.outPath")
drv=$(nix eval --raw "$f#default.drvPath")
cap path-info nix path-info --json "$main"
cap path-info-recursive nix path-info --json --recursive "$main"
cap path-info-invalid nix path-info --json "/nix/store/00000000000000000000000000000000-kiln-capture-$nonce"
cap nix-store-requisites nix-store --query --requisites --include-outputs "$drv"
cap show-derivation nix show-derivation "$drv"
cap derivation-show nix derivation show "$drv"
cap rebuild nix build --json --no-link -L --rebuild "$f#default"
cap build-nondet nix build --json --no-link -L "$f#nondet"
cap rebuild-nondet nix build --json --no-link -L --rebuild --keep-failed "$f#nondet"
nondet=$(nix eval --raw "$f#nondet.outPath")
[ -e "$nondet.check" ] && echo yes >"$out/rebuild-nondet.check-exists" || echo no >"$out/rebuild-nondet.check-exists"
# What --keep-failed kept is nix's to remove: a check output and a build directory.
rm -rf "$nondet.check"
sed -n "s/.*keeping build directory '\([^']*\)'.*/\1/p" "$out/rebuild-nondet.log" | while read -r d; do
  d=${d%/build} # Nix 2.26 names the build directory inside its nix-build-… directory
  case $(basename "$d") in nix-build-*) rm -rf "$d";; esac
done

printf 'a source tarball\n' >"$tmp/src.tar.gz"
cap add-file nix store add-file --name "kiln-capture-$nonce.tar.gz" "$tmp/src.tar.gz"
cap path-info-ca nix path-info --json "$(cat "$out/add-file.out")"
cap hash-path nix hash path "$tmp/flake"
cap key-generate bash -c 'nix key generate-secret --key-name kiln-capture-1 > '"$tmp"'/sk; chmod 600 '"$tmp"'/sk; nix key convert-secret-to-public < '"$tmp"'/sk'
cap copy nix copy --to "file://$tmp/cache?compression=zstd&secret-key=$tmp/sk" "$main"
mkdir -p "$out/cache"
cp "$tmp/cache/nix-cache-info" "$tmp/cache/"*.narinfo "$out/cache/"
cap path-info-cache nix path-info --json --store "file://$tmp/cache" "$main"
# A second, empty store substitutes from the cache.
pk=$(cat "$out/key-generate.out")
cap substitute nix build --json --no-link -L --store "$tmp/store2" \
  --option substituters "file://$tmp/cache" --option trusted-public-keys "$pk" "$f#default"
find "$out" -type f -empty -delete
for b in ${KILN_CAPTURE_BUILDERS:-}; do
  # A new derivation per builder, so each one really builds.
  sed -i "s/nonce = \"[^\"]*\"/nonce = \"$nonce-${b%%:*}\"/" "$tmp/flake/flake.nix"
  cap "build-remote-${b%%:*}" env NIX_CONFIG="$NIX_CONFIG
builders = $b x86_64-linux - 1 1
max-jobs = 0" nix build --json --no-link -L "$f#remote"
done
# The temporary directory's random name is no part of what nix prints.
sed -i "s|$tmp|/tmp/kiln-capture|g" "$out"/*.out "$out"/*.log
echo "captured nix $version into $out" >&2
