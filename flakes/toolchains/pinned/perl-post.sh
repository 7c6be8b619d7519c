# Sourced by build.sh for the perl part, after relocation: perl's shell is the toolchain's.
# Inputs: cc (the relocated compiler), shell (the toolchain's sh), shim (perl-sh.c).
mkdir -p "$out/lib/kiln"
so=$out/lib/kiln/perl-sh.so
PATH="$cc/bin:$PATH" "$cc/bin/gcc" -O2 -fPIC -shared -nostdlib -Wl,--build-id=none -DKILN_SH="\"$shell\"" \
  -o "$so" "$shim" "$glibcLib/libc.so.6" || die "cannot build $so"
pe --set-rpath "$glibcLib" "$so"
# Debian ships usr/bin/perl5.40.1 as a hard link to perl: one program, one link.
rm -f "$out/usr/bin/perl5.40.1"
ln -s perl "$out/usr/bin/perl5.40.1"
pe --add-needed "$so" "$out/usr/bin/perl"
