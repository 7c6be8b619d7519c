# Sourced by scripts/pin-debs.sh and scripts/debs.sh: an apt of kiln's own for one Debian
# suite (default trixie), with its own sources list, state and cache under a cache
# directory. The machine's own apt sources are never changed: `apt-get update` here
# refreshes only this private index. The archive URI and keyring are copied from the
# machine's Debian entry, so it works behind the same mirror or proxy.
#
# Use: SUITE=trixie; . scripts/apt-private.sh; apt_private_init; kapt_get download …
: "${SUITE:=trixie}"
apt_dir=${KILN_APT_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/kiln/apt-$SUITE}

apt_private_init() {
  local uri key sec
  mkdir -p "$apt_dir"/{etc/apt.conf.d,etc/preferences.d,etc/sources.list.d,state/lists/partial,cache/archives/partial,debs}
  uri=$(awk '/^URIs:/ && $2 ~ /debian\/?$/ {print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
  sec=$(awk '/^URIs:/ && $2 ~ /debian-security\/?$/ {print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
  key=$(awk '/^Signed-By:/ && $2 ~ /^\// {print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
  : "${uri:=http://deb.debian.org/debian}" "${key:=/usr/share/keyrings/debian-archive-keyring.gpg}"
  : "${sec:=${uri%/debian*}/debian-security}"
  cat > "$apt_dir/etc/sources.list" <<LIST
deb [signed-by=$key] $uri $SUITE main
deb [signed-by=$key] $uri $SUITE-updates main
deb [signed-by=$key] $sec $SUITE-security main
LIST
  cat > "$apt_dir/apt.conf" <<CONF
Dir::Etc "$apt_dir/etc";
Dir::Etc::SourceList "$apt_dir/etc/sources.list";
Dir::Etc::SourceParts "$apt_dir/etc/sources.list.d";
Dir::Etc::Parts "$apt_dir/etc/apt.conf.d";
Dir::Etc::Preferences "$apt_dir/etc/preferences";
Dir::Etc::PreferencesParts "$apt_dir/etc/preferences.d";
Dir::Etc::main "/dev/null";
Dir::State "$apt_dir/state";
Dir::State::status "$apt_dir/state/status";
Dir::Cache "$apt_dir/cache";
APT::Architecture "amd64";
APT::Architectures { "amd64"; };
APT::Sandbox::User "root";
Acquire::Languages "none";
CONF
  : > "$apt_dir/state/status"
  kapt_get update -qq >&2
}

kapt_get() { APT_CONFIG="$apt_dir/apt.conf" apt-get "$@"; }
kapt_cache() { APT_CONFIG="$apt_dir/apt.conf" apt-cache "$@"; }
