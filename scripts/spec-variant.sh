# Sourced by bench-load.sh and speed-profile.sh: the one way they derive a variant of the
# default spec kiln init writes.
#
# spec_with_optimize LEVEL IN OUT: IN with its build.optimize set to LEVEL; fails when IN
# has no optimize line to change (kiln init's spec always has one).
spec_with_optimize() {
  sed "s/^optimize = \"[a-z]*\"/optimize = \"$1\"/" "$2" >"$3"
  grep -q "^optimize = \"$1\"" "$3" || { echo "spec_with_optimize: $2 has no optimize line" >&2; return 1; }
}
