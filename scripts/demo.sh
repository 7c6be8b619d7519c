#!/usr/bin/env bash
# The main job: build the default HAProxy image offline with the host toolchain.
set -euo pipefail
kiln=${1:?usage: demo.sh KILN MIRROR}; mirror=${2:?usage: demo.sh KILN MIRROR}
cd "$(dirname "$0")/.."
"$kiln" build --toolchain host --mirror "$mirror" --no-image
