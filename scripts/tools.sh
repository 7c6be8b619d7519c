#!/usr/bin/env bash
# Builds the Go test tools once, from the Go module proxy, into a project-local bin dir
# (default .tools/bin; KILN_TOOLS_BIN overrides) and prints that dir. A tool already there
# at the pinned version is kept, so only the first run pays the build (~1 min each).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${KILN_TOOLS_BIN:-$PWD/.tools/bin}
mkdir -p "$bin"

# name  module/cmd path                              version
tools=(
  "actionlint github.com/rhysd/actionlint/cmd/actionlint v1.7.12"
)
for t in "${tools[@]}"; do
  read -r name pkg ver <<<"$t"
  stamp="$bin/.$name.version"
  if [ -x "$bin/$name" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$ver" ]; then
    continue
  fi
  echo "tools: building $name $ver" >&2
  GOBIN="$bin" go install "$pkg@$ver" >&2
  echo "$ver" > "$stamp"
done
echo "$bin"
