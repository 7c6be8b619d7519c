#!/usr/bin/env bash
# Builds the test-only tools once, from the Go module proxy: actionlint (workflow files),
# cosign (signatures, attestations) and syft (SBOM reading). Each binary goes into a
# directory named after its version under DIR (default: the user's cache, so a fresh clone
# on the same machine reuses it) and is reused while it is there. Prints the directory to
# put on PATH; logs go to stderr.
set -euo pipefail
dir=${1:-${XDG_CACHE_HOME:-$HOME/.cache}/kiln/test-tools}
export PATH=/usr/local/go/bin:$PATH
export CGO_ENABLED=0
# The test-only tools build with the machine's own Go, whatever kiln's toolchain line says.
export GOTOOLCHAIN=local

# name  module/cmd path  version
tools=(
  "actionlint github.com/rhysd/actionlint/cmd/actionlint v1.7.12"
  "cosign github.com/sigstore/cosign/v2/cmd/cosign v2.6.5"
  "syft github.com/anchore/syft/cmd/syft v1.57.1"
)
bin="$dir/bin"
mkdir -p "$bin"
for t in "${tools[@]}"; do
  read -r name pkg version <<<"$t"
  target="$dir/$name-$version/$name"
  if [ ! -x "$target" ]; then
    echo "tools: building $name $version from the Go module proxy (once)" >&2
    start=$(date +%s)
    tmp=$(mktemp -d "$dir/.$name-XXXXXX")
    GOBIN="$tmp" go install -trimpath "$pkg@$version" >&2
    mkdir -p "$(dirname "$target")"
    mv "$tmp/$name" "$target"
    rmdir "$tmp"
    echo "tools: $name $version built in $(( $(date +%s) - start )) s" >&2
  fi
  ln -sfn "$target" "$bin/$name"
done
echo "$bin"
