#!/usr/bin/env bash
# Load benchmark: kiln's HAProxy builds against a glibc reference built the ordinary way
# (`make TARGET=linux-glibc`, the machine's gcc, dynamic) from the same pinned tarball. The
# reference is a yardstick only and is never shipped. Prints a markdown table of ratios, then
# kiln's speed targets for the variants measured, each met, missed or not decided.
#
# usage: scripts/bench-load.sh KILN MIRROR        (make bench-load)
# env:   ROUNDS (5) interleaved rounds; DURATION (10s) per run; CONNECTIONS (100);
#        VARIANTS ("default speed speed+profile"): kiln variants of the default spec;
#          default = as shipped (optimize "balanced"), size = optimize "size", speed =
#          optimize "speed", speed+profile = kiln init --speed (speed with the profile kiln ships);
#          SPECS ("label=FILE ..."): more specs to build and measure;
#        TUNE: the global tune lines every haproxy runs with, ";"-separated; unset = the
#          tune lines of the haproxy.cfg the default spec ships; "none" = none;
#        DISTURB (0.05): cores of CPU used outside the benchmark above which a run is
#          discarded and retried (RETRIES, 2; then kept and counted as disturbed);
#        INSTRUCTIONS (1): also count instructions per request under valgrind's cachegrind
#          (a figure other load does not move); 0 = rates only.
#        SCENARIOS (all): comma-separated scenarios to measure: direct, pipelined, proxied,
#          gzip (a long run of one or two decides what a short run of all four cannot);
#        AA (1): also measure the reference again as one more column (an A/A test): what the
#          machine's noise alone does to a ratio; 0 = not.
#        SHARED (0): 1 = run each binary at the same time as a run of the reference, both
#          pinned to the haproxy CPU, each with its own wrk (loadbench -shared): each ratio is
#          then that of two runs that shared the machine's state, far steadier than that of
#          two runs seconds apart on a machine whose speed drifts.
#        COMPARE: ";"-separated "NEW vs OLD" pairs of the labels measured ("kiln default
#          (balanced)", "kiln optimize=speed", "kiln optimize=size", "kiln optimize=speed +
#          profile", a SPECS label, or "reference"): NEW's runs over OLD's in the same rounds,
#          each pair a table of its own (is a change to kiln faster than what it replaces?).
# Pinning: haproxy (nbthread 1) on the first CPU, the load generator (wrk) and the proxied
# scenarios' backend on the second.
set -euo pipefail
kiln=${1:?usage: bench-load.sh KILN MIRROR}; mirror=${2:?usage: bench-load.sh KILN MIRROR}
cd "$(dirname "$0")/.."
version=3.0.11
tarball=$mirror/haproxy-$version.tar.gz
[ -f "$tarball" ] || { echo "bench-load: $tarball missing: run make sources" >&2; exit 1; }
command -v wrk >/dev/null || { echo "bench-load: wrk missing: run make setup" >&2; exit 1; }
[ "${INSTRUCTIONS:-1}" = 0 ] || command -v valgrind >/dev/null || { echo "bench-load: valgrind missing: run make setup (or INSTRUCTIONS=0)" >&2; exit 1; }
command -v taskset >/dev/null || { echo "bench-load: taskset missing (util-linux)" >&2; exit 1; }
[ "$(nproc)" -ge 2 ] || { echo "bench-load: needs 2 CPUs (haproxy on one, the load on the other)" >&2; exit 1; }

# Every input is checked before minutes of builds: loadbench checks its own flags (scenario
# names, counts), and the variants become specs here, an unknown one an error.
. scripts/spec-variant.sh
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
args=(-rounds "${ROUNDS:-5}" -duration "${DURATION:-10s}"
      -connections "${CONNECTIONS:-100}" -disturb "${DISTURB:-0.05}" -retries "${RETRIES:-2}")
[ "${INSTRUCTIONS:-1}" = 0 ] || args+=(-instructions)
[ "${AA:-1}" = 0 ] || args+=(-aa)
[ "${SHARED:-0}" = 0 ] || args+=(-shared)
[ -z "${SCENARIOS:-}" ] || args+=(-scenarios "$SCENARIOS")
IFS=';' read -r -a compares <<<"${COMPARE:-}"
for c in "${compares[@]}"; do [ -z "$c" ] || args+=(-compare "$c"); done
go build -o "$work/loadbench" ./internal/loadbench
"$work/loadbench" -check "${args[@]}" || exit 2
# The specs to measure, LABEL=FILE (LABEL may hold "=", FILE not), built after the reference,
# and kiln's speed targets for the variants that have them, judged after the table: the
# default at least 0.95x the reference direct and pipelined and 1.0x on gzip, speed 1.0x in
# all four, peak RSS at most 0.7x.
targets() { # LABEL FIGURE>=RATIO|FIGURE<=RATIO...
  local label=$1 f fig; shift
  for f in "$@"; do fig=${f%%[<>]=*}; args+=(-target "$fig@$label${f#"$fig"}"); done
}
init_spec "$kiln" init "$work/default.toml"
specs=()
for v in ${VARIANTS-default speed speed+profile}; do
  case $v in
    default)
      specs+=("kiln default (balanced)=$work/default.toml")
      targets "kiln default (balanced)" 'direct>=0.95' 'pipelined>=0.95' 'gzip>=1.0' 'rss<=0.7' ;;
    size|speed)
      spec_with_optimize "$v" "$work/default.toml" "$work/$v.toml"
      specs+=("kiln optimize=$v=$work/$v.toml")
      if [ "$v" = speed ]; then
        targets "kiln optimize=speed" 'direct>=1.0' 'pipelined>=1.0' 'proxied>=1.0' 'gzip>=1.0' 'rss<=0.7'
      fi ;;
    speed+profile)
      # kiln init --speed: optimize = "speed" with the profile kiln ships for it (recorded
      # by kiln profile's training load, not the benchmark's: its own body, paths, counts).
      mkdir -p "$work/profiled"
      init_spec "$kiln" init --speed "$work/profiled/kiln.toml"
      specs+=("kiln optimize=speed + profile=$work/profiled/kiln.toml")
      targets "kiln optimize=speed + profile" 'direct>=1.0' 'pipelined>=1.0' 'proxied>=1.0' 'gzip>=1.0' 'rss<=0.7' ;;
    *) echo "bench-load: unknown variant $v in VARIANTS (default, size, speed, speed+profile; SPECS for others)" >&2; exit 2 ;;
  esac
done
for s in ${SPECS-}; do specs+=("$s"); done
[ ${#specs[@]} -gt 0 ] || { echo "bench-load: nothing to measure: VARIANTS and SPECS are both empty" >&2; exit 2; }
# COMPARE: loadbench -check (above) checked each pair's form; the labels it can check only
# once it has the binaries, so they are checked here, before the builds.
for c in "${compares[@]}"; do
  [ -n "$c" ] || continue
  for l in "${c%% vs *}" "${c#* vs }"; do
    l=$(echo "$l" | sed 's/^ *//; s/ *$//')
    known=0
    [ "$l" = reference ] && known=1
    [ "${AA:-1}" != 0 ] && [ "$l" = "glibc reference again (A/A)" ] && known=1
    for s in "${specs[@]}"; do [ "$l" = "${s%=*}" ] && known=1; done
    [ $known = 1 ] || { echo "bench-load: COMPARE \"$c\": nothing measured is labelled \"$l\" (labels: reference, the A/A's \"glibc reference again (A/A)\" unless AA=0, the VARIANTS' and the SPECS')" >&2; exit 2; }
  done
done

# The glibc reference, built once per tarball, patches and compiler into the cache: the
# same source as kiln's default, so with the patches its spec applies (HAProxy's security
# fixes), in its order, the way kiln's recipe applies them.
cache=${XDG_CACHE_HOME:-$HOME/.cache}/kiln/bench-load
patches=$(awk '/^\[\[package\.patches\]\]/ {p=1; next} /^\[/ {p=0}
  p && $1 == "file" && $2 == "=" {gsub(/"/, "", $3); print $3}' "$work/default.toml")
sum=$( (cat "$tarball"; for p in $patches; do cat "$work/$p"; done) | sha256sum | cut -c1-16)
ccid=$(gcc -dumpfullversion)
ref=$cache/haproxy-$version-$sum-glibc-gcc$ccid/haproxy
if [ ! -x "$ref" ]; then
  dir=$(dirname "$ref"); rm -rf "$dir.tmp"; mkdir -p "$dir.tmp"
  tar -xzf "$tarball" -C "$dir.tmp" --strip-components=1
  for p in $patches; do
    patch -d "$dir.tmp" -p1 --forward --batch --quiet <"$work/$p" \
      || { echo "bench-load: $p does not apply to the reference's source" >&2; exit 1; }
  done
  echo "bench-load: building the glibc reference (make TARGET=linux-glibc, gcc $ccid)" >&2
  make -C "$dir.tmp" -j"$(nproc)" TARGET=linux-glibc >"$dir.tmp/build.log" 2>&1 \
    || { tail -20 "$dir.tmp/build.log" >&2; exit 1; }
  rm -rf "$dir"; mv "$dir.tmp" "$dir"
fi

args=(-ref "$ref" "${args[@]}")
for s in "${specs[@]}"; do
  sp=$("$kiln" --quiet build --no-image --mirror "$mirror" "${s##*=}")
  args+=(-bin "${s%=*}=$sp/bin/haproxy")
done

if [ -z "${TUNE+x}" ]; then
  # The tune lines of the haproxy.cfg kiln ships by default: the benchmark measures what a
  # user of the default image gets, and gives the reference the same settings.
  TUNE=$(awk '/^path = "\/etc\/haproxy\/haproxy.cfg"/ {f=1} f && $1 ~ /^tune\./ {sub(/^ +/, ""); printf "%s;", $0}' "$work/default.toml")
fi
[ "${TUNE}" = none ] && TUNE=
IFS=';' read -r -a tunes <<<"$TUNE"
for t in "${tunes[@]}"; do [ -n "$t" ] && args+=(-tune "$t"); done
"$work/loadbench" "${args[@]}"
