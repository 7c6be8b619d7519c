#!/usr/bin/env bash
# Installs what kiln's demo and tests need on a Debian 12 machine (root), idempotently:
# Nix (Debian's nix-bin), gcc and musl-tools for the audit's tests (builds use the pinned
# toolchain, which brings its own), and the real clients the tests check images with.
# Prints nothing it did not do.
set -euo pipefail

need=()
have() { command -v "$1" >/dev/null 2>&1; }
have nix            || need+=(nix-bin)
have musl-gcc       || need+=(musl-tools)
have gcc            || need+=(gcc)
[ -e /usr/include/stdio.h ] || need+=(libc6-dev)   # cgo (libzstd) and the audit tests' gcc builds
have git            || need+=(git)
have skopeo         || need+=(skopeo)
have podman         || need+=(podman)
have runc           || need+=(runc)
have docker-registry || need+=(docker-registry)
have curl           || need+=(curl)
have debootstrap    || need+=(debootstrap)   # the Debian 13 second host (scripts/second-host.sh)
have xz             || need+=(xz-utils)
have zstd           || need+=(zstd)
have python3        || need+=(python3)
have file           || need+=(file)
# make bench-load's load generator and instruction counter; socat for HAProxy's reg-tests.
have wrk            || need+=(wrk)
have valgrind       || need+=(valgrind)
have socat          || need+=(socat)
# VTest (third_party/vtest), built by the reg-test test: PCRE2 and zlib headers.
[ -e /usr/include/pcre2.h ] || need+=(libpcre2-dev)
[ -e /usr/include/zlib.h ] || need+=(zlib1g-dev)
# Independent hardening checkers: the audit tests compare kiln's verdicts with theirs.
have checksec       || need+=(checksec)
have hardening-check || need+=(devscripts)
# Verifies kiln's DSSE envelopes independently of Go (the attestation tests).
/usr/bin/python3 -c 'import securesystemslib.signer' 2>/dev/null || need+=(python3-securesystemslib)

SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo

if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing ${need[*]}" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
fi
