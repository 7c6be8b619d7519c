# Toolchain "host": the machine's own gcc + musl (Debian's musl-tools) used inside Nix's
# sandbox through extra-sandbox-paths = /bin /usr /lib /lib64. Impure by nature: the result
# depends on the host's compiler, not on a pinned input. Offline and air-gapped builds use it.
{ system }:
{
  inherit system;
  name = "host";
  builder = "/bin/sh";
  path = "/usr/bin:/bin";
  setup = ./host-setup.sh;
  # Where perl is (OpenSSL's Configure): Debian's, already on path.
  perl = "/usr/bin";
  env = { hostSpecs = ./host-static-pie.specs; };
}
