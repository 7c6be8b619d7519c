# Toolchain "nixpkgs": pkgsStatic's musl cc wrapper. Its wrapper adds -pie only when the link
# has no -static, so static-PIE is asked for explicitly. Sourced by the recipe.
kiln_cc="${targetPrefix}cc -static-pie"
STRIP="${targetPrefix}strip"
