# Builds one part of the pinned toolchain from Debian packages, run by the bootstrap busybox
# (`busybox sh -e build.sh`): unpacks the .debs into $out, drops documentation, and, with
# relocate set, rewrites every dynamically linked program and library to run against the
# pinned glibc and find its libraries in $out (patchelf: library path first, interpreter
# second, as two calls). glibc's own files are never changed. Everything here depends only on
# the inputs: file order is sorted and patchelf's edits depend on a file's bytes alone.
#
# Inputs (environment, set by the derivation):
#   bootstrap  the busybox store path (bin/busybox)
#   debs       the .deb files, unpacked in order
#   relocate   "1" to relocate, "" to unpack only (glibc)
#   glibc      the pinned glibc (usr/lib64/ld-linux-x86-64.so.2, usr/lib/x86_64-linux-gnu)
#   patchelf   a relocated patchelf, or "" to use the one unpacked here (its own bootstrap)
#   drop       files (relative to $out) to remove: programs whose libraries are not pinned
#   links      NAME=TARGET symlinks to add (NAME relative to $out; TARGET as written)
#   specs      a gcc specs template ("" for none): @out@ becomes $out; written to kiln/
#   post       a sh file sourced at the end ("" for none), with pe (patchelf) defined
#   out        the output
set -eu
bin=$NIX_BUILD_TOP/.busybox
mkdir -p "$bin"
"$bootstrap/bin/busybox" --install -s "$bin"
PATH=$bin
die() { echo "pinned toolchain: $*" >&2; exit 1; }

mkdir -p "$out"
for d in $debs; do
  dpkg-deb -x "$d" "$out" || die "cannot unpack $d"
done
# Documentation, manuals, translations and Debian's bookkeeping: nothing here reads them.
rm -rf "$out/usr/share/doc" "$out/usr/share/man" "$out/usr/share/info" "$out/usr/share/locale" \
  "$out/usr/share/lintian" "$out/usr/share/bug" "$out/usr/share/doc-base" "$out/usr/share/gdb"
for f in ${drop:-}; do
  rm "$out/$f" || die "drop: $f is not in the unpacked packages; update the pin list"
done
# Absolute links point into the Debian root: make them point into $out.
find "$out" -type l | sort | while IFS= read -r l; do
  t=$(readlink "$l")
  case "$t" in /*) ln -sfn "$out$t" "$l" ;; esac
done
for pair in ${links:-}; do
  name=${pair%%=*}
  mkdir -p "$(dirname "$out/$name")"
  ln -sfn "${pair#*=}" "$out/$name"
done
if [ -n "${specs:-}" ]; then
  mkdir -p "$out/kiln"
  sed "s|@out@|$out|g" "$specs" > "$out/kiln/static-pie.specs"
fi
[ -n "${relocate:-}" ] || exit 0

lib=$out/usr/lib/x86_64-linux-gnu
glibcLib=$glibc/usr/lib/x86_64-linux-gnu
interp=$glibc/usr/lib64/ld-linux-x86-64.so.2
rpath=$lib:$glibcLib
[ -x "$interp" ] || die "$interp: no glibc loader"
if [ -n "${patchelf:-}" ]; then
  pe() { "$patchelf/usr/bin/patchelf" "$@"; }
else
  # patchelf relocating itself: run a copy, with copies of its libraries, through glibc's
  # loader, so no file it is editing is mapped by the process editing it.
  mkdir "$NIX_BUILD_TOP/pe"
  cp "$out/usr/bin/patchelf" "$lib"/libstdc++.so.6 "$lib"/libgcc_s.so.1 "$NIX_BUILD_TOP/pe/"
  pe() { "$interp" --library-path "$NIX_BUILD_TOP/pe:$glibcLib" "$NIX_BUILD_TOP/pe/patchelf" "$@"; }
fi

elf=$(printf '\177ELF')
n=0
find "$out" -type f | sort > "$NIX_BUILD_TOP/files"
while IFS= read -r f; do
  case "$f" in *.h|*.pm|*.pl|*.pod|*.o|*.a|*.txt) continue ;; esac
  [ "$(head -c 4 "$f")" = "$elf" ] || continue
  # Objects and static programs have no dynamic section: nothing to relocate.
  needed=$(pe --print-needed "$f" 2>/dev/null) || continue
  if pe --print-interpreter "$f" >/dev/null 2>&1; then
    pe --set-rpath "$rpath" "$f"
    pe --set-interpreter "$interp" "$f"
  elif [ -n "$needed" ]; then
    pe --set-rpath "$rpath" "$f"
  else
    continue
  fi
  # Every library it needs must be pinned: found in $out or in glibc, nowhere else.
  for so in $needed; do
    [ -e "$lib/$so" ] || [ -e "$glibcLib/$so" ] ||
      die "${f#$out/} needs $so, which no pinned package of this part provides: add its package to the set or drop the file"
  done
  n=$((n + 1))
done < "$NIX_BUILD_TOP/files"
echo "pinned toolchain: relocated $n programs and libraries in $out" >&2
if [ -n "${post:-}" ]; then . "$post"; fi
