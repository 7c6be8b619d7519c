# Toolchain "host": Debian's gcc with musl (musl-tools), through kiln's own specs file that
# links static-PIE (rcrt1.o, -static -pie --no-dynamic-linker). Sourced by every recipe
# (common.sh); it defines kiln_cc, STRIP, AR and RANLIB.
# musl-gcc's specs drop /usr/include, so kernel headers come from a dir of links.
kh="$top/.kiln/kernel-headers"
mkdir -p "$kh"
ln -sfn /usr/include/linux "$kh/linux"
ln -sfn /usr/include/asm-generic "$kh/asm-generic"
ln -sfn /usr/include/x86_64-linux-gnu/asm "$kh/asm"
kiln_cc="/usr/bin/gcc -specs=$hostSpecs -idirafter $kh"
STRIP=/usr/bin/strip
AR=/usr/bin/ar
RANLIB=/usr/bin/ranlib
