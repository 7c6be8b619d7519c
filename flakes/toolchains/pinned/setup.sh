# Toolchain "pinned": Debian's gcc 14 and binutils 2.44 with musl 1.2.5, relocated into the
# Nix store, through kiln's own specs file that links static-PIE (rcrt1.o, -static -pie
# --no-dynamic-linker). Sourced by every recipe (common.sh); it defines kiln_cc, STRIP, AR,
# RANLIB and kiln_relr. musl's headers leave the kernel's out, so a dir of links to
# linux-libc-dev's comes after them (-idirafter).
kiln_cc="$pinnedCC/bin/gcc -specs=$pinnedCC/kiln/static-pie.specs -idirafter $pinnedCC/kiln/kernel-headers"
STRIP=$pinnedCC/bin/strip
AR=$pinnedCC/bin/ar
RANLIB=$pinnedCC/bin/ranlib
# binutils 2.44 and musl 1.2.5 (rcrt1.o applies them) pack relative relocations (DT_RELR).
kiln_relr=1
