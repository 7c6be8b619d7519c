#!/usr/bin/env bash
# Records the profile kiln ships for `kiln init --speed`: the default spec with optimize =
# "speed", built instrumented and run under kiln profile's training load on this machine.
# The recording is data, pinned by sha256 in the spec init writes; the build that reads it
# is reproducible anywhere, the recording itself is not (counts move with timing).
#
# usage: scripts/speed-profile.sh KILN MIRROR        (make speed-profile)
set -euo pipefail
kiln=${1:?usage: speed-profile.sh KILN MIRROR}; mirror=${2:?usage: speed-profile.sh KILN MIRROR}
cd "$(dirname "$0")/.."
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
. scripts/spec-variant.sh
init_spec "$kiln" init "$work/default.toml"
spec_with_optimize speed "$work/default.toml" "$work/speed.toml"
"$kiln" profile --mirror "$mirror" -o "$work/speed.profile.tar.gz" "$work/speed.toml"
mv "$work/speed.profile.tar.gz" nixgen/spec/speed.profile.tar.gz
echo "speed-profile: wrote nixgen/spec/speed.profile.tar.gz; rebuild kiln to embed it" >&2
