# Sourced by bench-load.sh and speed-profile.sh: the one way they write kiln init's specs
# and derive a variant of the default one.
#
# init_spec COMMAND...: runs COMMAND (kiln init ...) quietly: its "wrote ..." lines would
# only clutter the scripts' output, but when it fails everything it said is shown.
init_spec() {
  local out
  out=$("$@" 2>&1) || { printf '%s\n' "$out" >&2; return 1; }
}
#
# spec_with_optimize LEVEL IN OUT: IN with its build.optimize set to LEVEL; fails when IN
# has no optimize line to change (kiln init's spec always has one).
spec_with_optimize() {
  sed "s/^optimize = \"[a-z]*\"/optimize = \"$1\"/" "$2" >"$3"
  grep -q "^optimize = \"$1\"" "$3" || { echo "spec_with_optimize: $2 has no optimize line" >&2; return 1; }
}
