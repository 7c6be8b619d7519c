# Toolchain "nixpkgs": pkgsStatic's musl cc wrapper. Its wrapper adds -pie only when the link
# has no -static, so static-PIE is asked for explicitly. Sourced by every recipe
# (common.sh); it defines kiln_cc, STRIP, AR and RANLIB.
kiln_cc="${targetPrefix}cc -static-pie"
STRIP="${targetPrefix}strip"
AR="${targetPrefix}ar"
RANLIB="${targetPrefix}ranlib"
