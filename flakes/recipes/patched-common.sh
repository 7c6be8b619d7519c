# common.sh for a library whose [sources.<name>] carries patches: all of common.sh, with a
# kiln_unpack that applies them. static-lib.nix hands it to the library's script as $common
# only then, so an unpatched library's derivation, and its store path, stay what they were.
#
# Inputs: those of common.sh, plus
#   kilnCommon   common.sh itself
#   patches      store paths of the patches, applied in order with patch -p1
. "${kilnCommon:?}"

# kiln_unpack is common.sh's, line for line (a test holds them together; the toolchain's
# shell cannot wrap a function), then applies the patches.
kiln_unpack() {
  mkdir "$top/src"
  tar -xzf "$src" -C "$top/src"
  set -- "$top"/src/*
  [ $# -eq 1 ] && [ -d "$1" ] || die "$src does not unpack to one directory"
  cd "$1"
  for p in ${patches:?}; do
    echo "kiln recipe: applying patch $p" >&2
    patch -p1 --forward --batch < "$p" || die "patch $p does not apply"
  done
}
