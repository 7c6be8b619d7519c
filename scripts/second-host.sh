#!/usr/bin/env bash
# The second host: a Debian 13 (trixie) root made with debootstrap from the machine's own
# Debian archive, with its own Nix (Debian's nix-bin 2.26), its own store, its own gcc 14
# and musl-tools (installed and never used: kiln's sandbox cannot see them), and sshd (a
# remote builder on loopback). Tests use it to run kiln on a newer Nix and a different
# distribution without a second machine, and to show both build the same bits.
#
# usage:
#   scripts/second-host.sh create            make the root once (cached), print its path
#   scripts/second-host.sh path              print the root's path if it is complete (exit 1 if not)
#   scripts/second-host.sh run [OPTIONS] [--] CMD [ARG...]
#       run CMD as root inside it, in a private mount namespace with /proc, /dev, /dev/pts
#       and /sys mounted (unmounted again on exit, whatever happens). OPTIONS:
#         --kiln FILE    the kiln binary, visible inside as /usr/local/bin/kiln ($KILN_BIN)
#         --mirror DIR   the source mirror, visible at the same path, read-only ($KILN_MIRROR)
#         --bind DIR     DIR (or FILE) visible at the same path, read-write (repeatable)
#         --ro DIR       the same, read-only (repeatable)
#         --ro-at SRC DST  host path SRC visible at DST inside, read-only (repeatable)
#
# The root lives in $KILN_SECOND_HOST_DIR (default $XDG_CACHE_HOME/kiln/second-host, i.e.
# ~/.cache/kiln/second-host), named after a hash of what it is made of: it is built once and
# reused; a changed package list or configuration makes a new one. Creation happens in a
# temporary directory renamed only when complete, so an interrupted run leaves nothing that
# counts as done (the next run removes the leftover and starts again).
set -euo pipefail

suite=trixie
# What kiln's tests need inside: Nix; a compiler of the root's own (gcc 14 + musl-tools,
# make, patch, perl, kernel headers) that builds must not reach — the cross-host test shows
# the same bits as on Debian 12 regardless; sshd for the remote-builder test.
packages=(nix-bin gcc musl-tools make patch perl libc6-dev linux-libc-dev xz-utils
  openssh-server openssh-client ca-certificates)
# Nix as root, offline, sandboxed, with no build users (root builds inside the sandbox).
nix_conf='experimental-features = nix-command flakes
build-users-group =
substituters =
sandbox = true
'

die() { echo "second-host: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "must run as root (debootstrap, chroot and mounts need it)"

base=${KILN_SECOND_HOST_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/kiln/second-host}
recipe=$(printf '%s\n' "v2" "$suite" "${packages[*]}" "$nix_conf" | sha256sum | cut -c1-16)
root=$base/debian13-$recipe
marker=.kiln-second-host-complete

complete() { [ -f "$root/$marker" ] && [ "$(cat "$root/$marker")" = "$recipe" ]; }

# mounted_under DIR: whether anything is mounted at or below DIR (in this namespace).
mounted_under() { findmnt -rn -o TARGET | awk -v d="$1" '$0 == d || index($0, d "/") == 1 {f=1} END {exit !f}'; }

# remove_tree DIR: remove a (partial) root, never following a mount into the host.
remove_tree() {
  local d=$1
  [ -e "$d" ] || return 0
  if mounted_under "$d"; then
    findmnt -rn -o TARGET | awk -v d="$d" 'index($0, d "/") == 1' | sort -r | xargs -r -n1 umount -l
  fi
  mounted_under "$d" && die "cannot remove $d: something is still mounted below it"
  rm -rf --one-file-system "$d"
}

# debian_uri: the machine's Debian archive, read from apt's sources (as scripts/sources.sh does).
debian_uri() {
  local uri
  uri=$(awk '/^URIs:/ && $2 ~ /debian\/?$/ {print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
  [ -n "$uri" ] || uri=$(awk '$1 == "deb" && $2 ~ /debian\/?$/ {print $2; exit}' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null || true)
  echo "${uri:-http://deb.debian.org/debian}"
}

# in_root DIR CMD...: CMD inside DIR with the kernel file systems mounted, in a private mount
# namespace (so no mount can outlive it or show on the host), unmounted by a trap as well.
in_root() {
  local dir=$1; shift
  unshare --mount --propagation private -- bash -euo pipefail -c '
    dir=$1; shift
    binds=(); ros=(); ro_at=()
    while [ "$1" != "--" ]; do
      case $1 in
        --bind) binds+=("$2");;
        --ro) ros+=("$2");;
        --ro-at) ro_at+=("$2" "$3"); shift;;
        --kiln) kiln=$2;;
      esac
      shift 2
    done
    shift
    # Mounts are recorded as seen from inside (after pivot_root). The mount points this run
    # created (the topmost new directory or file of each) are removed again, so the root
    # keeps no trace of the host paths it was shown.
    mounted=(); created=()
    cleanup() {
      local i
      for ((i=${#mounted[@]}-1; i>=0; i--)); do umount -l "${mounted[i]}" 2>/dev/null || true; done
      for ((i=${#created[@]}-1; i>=0; i--)); do
        find "${created[i]}" -depth \( -type d -empty -o -type f -empty \) -delete 2>/dev/null || true
      done
    }
    trap cleanup EXIT
    trap "exit 130" INT TERM
    bind() { # bind SRC DST [ro]
      local top=$2
      if [ ! -e "$2" ]; then
        while [ ! -e "$(dirname "$top")" ]; do top=$(dirname "$top"); done
        created+=("${top#"$dir"}")
      fi
      if [ -d "$1" ]; then mkdir -p "$2"; else mkdir -p "$(dirname "$2")"; [ -e "$2" ] || : >"$2"; fi
      mount --bind "$1" "$2"; mounted+=("${2#"$dir"}")
      if [ "${3:-}" = ro ]; then mount -o remount,bind,ro "$2"; fi
    }
    # The root becomes a mount point and, by pivot_root, the root of this mount namespace,
    # as on a real machine. With a mere chroot the Nix sandbox is impossible: the kernel
    # refuses user namespaces to a chrooted process, and Nix (sandbox-fallback) would then
    # build without a sandbox.
    mount --bind "$dir" "$dir"
    mount -t proc proc "$dir/proc"; mounted+=(/proc)
    bind /dev "$dir/dev"
    bind /dev/pts "$dir/dev/pts"
    if mount -t sysfs sysfs "$dir/sys" 2>/dev/null; then mounted+=(/sys); else bind /sys "$dir/sys" ro; fi
    for b in "${binds[@]}"; do bind "$b" "$dir$b"; done
    for b in "${ros[@]}"; do bind "$b" "$dir$b" ro; done
    for ((i=0; i<${#ro_at[@]}; i+=2)); do bind "${ro_at[i]}" "$dir${ro_at[i+1]}" ro; done
    [ -z "${kiln:-}" ] || bind "$kiln" "$dir/usr/local/bin/kiln" ro
    cd "$dir"
    mkdir -p run/kiln-host
    pivot_root . run/kiln-host
    cd /
    umount -l /run/kiln-host
    # Not exec: the trap unmounts after the command, whatever its exit status.
    set +e
    env -i HOME=/root TERM="${TERM:-dumb}" LANG=C.UTF-8 CI="${CI:-}" \
      PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
      "$@"
    status=$?
    exit $status
  ' in_root "$dir" "${run_opts[@]}" -- "$@"
}

create() {
  if complete; then echo "$root"; return; fi
  mkdir -p "$base"
  exec 9>"$base/.lock"
  flock 9
  if complete; then echo "$root"; return; fi
  # Leftovers of interrupted runs, and roots of older recipes.
  local d
  for d in "$base"/.tmp-* "$base"/debian13-*; do
    [ -e "$d" ] && [ "$d" != "$root" ] && remove_tree "$d"
  done
  [ -e "$root" ] && remove_tree "$root"

  command -v debootstrap >/dev/null || die "debootstrap is not installed: run scripts/setup.sh"
  local tmp uri t0 t1 t2
  tmp=$(mktemp -d "$base/.tmp-debian13-XXXXXX")
  chmod 755 "$tmp"
  uri=$(debian_uri)
  t0=$(date +%s.%N)
  echo "second-host: debootstrap --variant=minbase $suite $tmp $uri" >&2
  # In a mount namespace of its own: the /proc debootstrap mounts in the new root can never
  # outlive it on the host, even when it is killed.
  if ! unshare --mount --propagation private debootstrap --variant=minbase "$suite" "$tmp" "$uri" >"$tmp.log" 2>&1; then
    tail -n 30 "$tmp.log" >&2
    rm -f "$tmp.log"
    die "debootstrap failed (log above); is $uri reachable and does it serve $suite?"
  fi
  rm -f "$tmp.log"
  t1=$(date +%s.%N)
  echo "second-host: installing ${packages[*]}" >&2
  printf '%s' "$nix_conf" >"$tmp/.kiln-nix.conf"
  run_opts=()
  in_root "$tmp" /bin/sh -ec '
    export DEBIAN_FRONTEND=noninteractive
    # No daemons may start inside the root while packages install.
    printf "#!/bin/sh\nexit 101\n" >/usr/sbin/policy-rc.d; chmod 755 /usr/sbin/policy-rc.d
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "$@" >/dev/null
    apt-get clean
    rm -rf /var/lib/apt/lists/*
    mkdir -p /etc/nix && mv /.kiln-nix.conf /etc/nix/nix.conf
  ' sh "${packages[@]}" >&2
  t2=$(date +%s.%N)
  printf '%s' "$recipe" >"$tmp/$marker"
  mv "$tmp" "$root"
  awk -v r="$root" -v a="$t0" -v b="$t1" -v c="$t2" -v s="$(du -sh --one-file-system "$root" | cut -f1)" \
    'BEGIN {printf "second-host: %s ready: debootstrap %.1f s, packages %.1f s, %s\n", r, b-a, c-b, s}' >&2
  echo "$root"
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case $cmd in
  create) create ;;
  path) complete || die "no complete root at $root: run scripts/second-host.sh create"; echo "$root" ;;
  run)
    complete || die "no complete root at $root: run scripts/second-host.sh create"
    run_opts=()
    kiln=${KILN_BIN:-}; mirror=${KILN_MIRROR:-}
    while [ $# -gt 0 ]; do
      case $1 in
        --kiln) kiln=${2:?--kiln needs a file}; shift 2 ;;
        --mirror) mirror=${2:?--mirror needs a directory}; shift 2 ;;
        --bind) run_opts+=(--bind "$(realpath "${2:?--bind needs a path}")"); shift 2 ;;
        --ro) run_opts+=(--ro "$(realpath "${2:?--ro needs a path}")"); shift 2 ;;
        --ro-at)
          [ -n "${3:-}" ] && [ "${3:0:1}" = / ] || die "--ro-at needs SRC and an absolute DST"
          run_opts+=(--ro-at "$(realpath "$2")" "$3"); shift 3 ;;
        --) shift; break ;;
        -*) die "unknown option $1" ;;
        *) break ;;
      esac
    done
    [ $# -gt 0 ] || die "run: no command given"
    [ -z "$kiln" ] || run_opts+=(--kiln "$(realpath "$kiln")")
    [ -z "$mirror" ] || run_opts+=(--ro "$(realpath "$mirror")")
    in_root "$root" "$@"
    ;;
  *) die "usage: second-host.sh create | path | run [--kiln FILE] [--mirror DIR] [--bind DIR] [--ro DIR] [--ro-at SRC DST] [--] CMD..." ;;
esac
