# Toolchain "nixpkgs": pkgsStatic's musl cc wrapper. Its wrapper adds -pie only when the link
# has no -static, so static-PIE is asked for explicitly. Sourced by every recipe
# (common.sh); it defines kiln_cc, STRIP, AR and RANLIB.
kiln_cc="${targetPrefix}cc -static-pie"
STRIP="${targetPrefix}strip"
AR="${targetPrefix}ar"
RANLIB="${targetPrefix}ranlib"
# No /bin/sh in a pure sandbox: configure scripts (zlib's, PCRE2's) re-run themselves and
# write config.status and libtool with CONFIG_SHELL, and make's children see SHELL. The
# builder is nixpkgs' bash, so BASH names it.
if [ -n "${BASH:-}" ]; then
  export SHELL="$BASH" CONFIG_SHELL="$BASH"
fi
