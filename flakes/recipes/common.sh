# kiln's recipe prologue, sourced by every recipe script (haproxy and its static library
# dependencies) so they all compile under one toolchain contract and one set of flags.
#
# Inputs (environment, set by the derivation; every value is data, never evaluated as code):
#   builder          the toolchain's POSIX shell, which runs the recipe (the sandbox has no
#                    /bin/sh: scripts, configure and make recipes are run with this one)
#   toolchainSetup   a sh file the toolchain provides; it defines kiln_cc (the C compiler
#                    command), STRIP, AR and RANLIB, and kiln_relr=1 when its linker and libc
#                    pack relative relocations (DT_RELR)
#   optimize         size | balanced | speed
#   march            "" (the x86-64 baseline, no -march flag) | x86-64-v2 | x86-64-v3
#   hardening        space-separated policy words (pie relro bindnow nx canary static stripped)
#   pgoProfile       optimize = speed only: a pinned profile (build.profile), a tar.gz of the
#                    program's .gcda files, which the sourcing recipe extracts (else unset)
#   pgoRecord        "1" to build the program instrumented, for `kiln profile` (else unset)
#   patches          store paths of patches of the source, applied in order by kiln_unpack
#                    (else unset)
#
# Set by the sourcing recipe (shell variables, before it sources this file); each names
# source files as the compiler is given them:
#   kiln_o2_sources      balanced: compiled at -O2 instead of -Oz: the program's measured hot
#                        loops
#   kiln_inline_sources  balanced: -Oz, but a call may be inlined when that grows the code by
#                        up to 8 of GCC's size units (--param=max-inline-insns-size=8; at -Oz,
#                        by none): the measured request path, whose small header helpers -Oz
#                        keeps as calls
#   kiln_forceinline_sources
#                        balanced, when the derivation sets requestPathInline (a header of
#                        always_inline declarations, request-path-inline.h): compiled with it
#                        force-included (-include), so the helpers it names are inlined at every
#                        call in those files whatever their size
#   kiln_speed_loop_sources
#                        speed: a copy or clear is a plain loop (-mstringop-strategy=loop): at
#                        -O2 a copy of unknown length, a header name or value, is a call to
#                        musl's memcpy, which moves the unaligned head and tail one movsb at a
#                        time
#   kiln_loop_sources    balanced: a copy or clear of a struct is a plain loop, not a rep
#                        movs/stos (-mstringop-strategy=loop), with no code to align its
#                        destination first (-mno-align-stringops): the files that set up a
#                        request's stream, connectors and HTX blocks, where -Oz's rep
#                        instructions each pay the CPU's start-up cost
#   kiln_pgo_sources     balanced and speed: compiled with a profile the recipe records in the
#                        build (KILN_PGO, below): code whose hot paths a deterministic training
#                        run exercises
#
# Defines: die, top (the build dir), kiln_sh, a `cc` wrapper first on PATH, kiln_unpack, and
#   cflags   optimisation, section and hardening flags for C compiles (no LTO)
#   ldflags  linker flags for the final program
#   nounwind flags that drop unwind tables (C code never unwinds; they only cost bytes)

die() { echo "kiln recipe: $*" >&2; exit 1; }
case "${optimize:-}" in size|balanced|speed) ;; *) die "optimize must be size, balanced or speed, not '${optimize:-}'" ;; esac
if [ -n "${pgoProfile:-}${pgoRecord:-}" ] && [ "$optimize" != speed ]; then
  die "a pinned profile (pgoProfile, pgoRecord) is for optimize = speed, not $optimize"
fi

top=${NIX_BUILD_TOP:-$PWD}
cd "$top"
. "$toolchainSetup"

# No /bin/sh in the sandbox: make's default SHELL, configure's CONFIG_SHELL and every script
# written here use the toolchain's shell (make takes SHELL from MAKEFLAGS, as if given on
# its command line, and passes it on to sub-makes).
kiln_sh=${builder:?the derivation must set builder (the toolchain shell)}
export SHELL="$kiln_sh" CONFIG_SHELL="$kiln_sh" MAKEFLAGS="SHELL=$kiln_sh"

# A compiler wrapper: haproxy prints CC and CFLAGS in `haproxy -vv` and OpenSSL keeps its
# compiler command in libcrypto, so everything that names a store or build path (specs file,
# include dirs, prefix maps) lives here, not in CC or CFLAGS.
mkdir -p "$top/.kiln/bin"
{
  printf '#!%s\n' "$kiln_sh"
  # balanced: a compile of one of the named files gets their flags after every other flag
  # (the last -O wins; with LTO each function keeps its own level and parameters through the
  # link).
  per_file() { # flags file...
    flags=$1; shift
    [ $# -gt 0 ] || return 0
    pat=
    for f in "$@"; do pat="${pat:+$pat|}$f"; done
    printf 'for a in "$@"; do case "$a" in %s) set -- "$@" %s; break ;; esac; done\n' "$pat" "$flags"
  }
  if [ "$optimize" = balanced ]; then
    per_file -O2 ${kiln_o2_sources:-}
    per_file --param=max-inline-insns-size=8 ${kiln_inline_sources:-}
    if [ -n "${requestPathInline:-}" ]; then
      # Written into the wrapper as it is: a store path, never anything a shell would expand.
      case $requestPathInline in /*[!A-Za-z0-9._+/-]*|[!/]*) die "requestPathInline is not a plain absolute path: $requestPathInline" ;; esac
      per_file "-include $requestPathInline" ${kiln_forceinline_sources:-}
    fi
    per_file '-mstringop-strategy=loop -mno-align-stringops' ${kiln_loop_sources:-}
  elif [ "$optimize" = speed ]; then
    per_file -mstringop-strategy=loop ${kiln_speed_loop_sources:-}
  fi
  # balanced and speed: the recipe's kiln_pgo_sources are compiled twice. With KILN_PGO=generate
  # they are instrumented for the recipe's training run; with KILN_PGO=use they are optimised
  # with the profile it wrote, and a missing profile is an error, never a silent plain build.
  if [ "$optimize" != size ] && [ -n "${kiln_pgo_sources:-}" ] && [ -z "${pgoProfile:-}${pgoRecord:-}" ]; then
    printf '%s\n' 'case "${KILN_PGO:-}" in' \
      'generate) pgo="-fprofile-generate -fprofile-update=single" ;;' \
      'use) pgo="-fprofile-use -fprofile-partial-training -Werror=missing-profile -Werror=coverage-mismatch" ;;' \
      '*) pgo= ;;' 'esac'
    per_file '$pgo' $kiln_pgo_sources
  fi
  # A pinned profile of the whole program (build.profile, recorded by `kiln profile`; it
  # replaces the recipe's own kiln_pgo_sources profile). pgoRecord instruments every compile
  # and the link for the recording; pgoProfile compiles every C file with the profile the
  # recipe put beside it (src/x.gcda for src/x.c), and a file the profile lacks, or whose
  # functions differ from those it was recorded for, fails the build.
  if [ -n "${pgoRecord:-}" ]; then
    printf '%s\n' 'set -- "$@" -fprofile-generate -fprofile-update=single'
  elif [ -n "${pgoProfile:-}" ]; then
    per_file '-fprofile-use -Werror=missing-profile -Werror=coverage-mismatch' '*.c'
  fi
  printf 'exec %s -ffile-prefix-map=%s=/build "$@"\n' "$kiln_cc" "$top"
} > "$top/.kiln/bin/cc"
chmod +x "$top/.kiln/bin/cc"
PATH="$top/.kiln/bin:$PATH"

# size is -Oz (GCC 12+, clang): smaller than -Os by favouring short instruction encodings,
# which is what keeps haproxy + Lua within 1 MB (zstd); speed is -O2. balanced is -Oz with
# the recipe's kiln_o2_sources at -O2 and its kiln_inline_sources allowed small inlines
# (above): haproxy's gzip code, where -Oz cost 20 % more instructions per request, and
# its HTTP request path; elsewhere -Os and -O2 cost bytes no measurement here could justify
# (README, Speed under load). speed does not pad functions and branch targets to 16 bytes
# (loops it does): 82 KB less binary, all of it resident (the kernel maps a static binary's
# pages around each one touched), with the same instructions per request. balanced also
# turns off GCC's peephole2 pass, which at -Oz is what loads small constants through the
# stack (push/pop), moves registers with xchg and stores a zero as `and $0` to memory, a
# read-modify-write that waits for the old value: the binary grows by 72 KB of plain movs
# that compress better (zstd -1.2 KB) and a request costs 1-2 % less CPU (README, Speed
# under load).
case "$optimize" in
  size) opt="-Oz" ;;
  balanced) opt="-Oz -fno-peephole2" ;;
  speed) opt="-O2 -falign-functions=1 -falign-jumps=1 -falign-labels=1" ;;
esac
# build.march, an opt-in: code for a later x86-64 level runs only on CPUs that have its
# instructions (x86-64-v3: AVX2, BMI2, FMA, MOVBE); the baseline passes no flag at all.
case "${march:-}" in
  "") ;;
  x86-64-v2|x86-64-v3) opt="$opt -march=$march" ;;
  *) die "march must be x86-64-v2, x86-64-v3 or empty (the baseline), not '$march'" ;;
esac
cflags="$opt -ffunction-sections -fdata-sections"
ldflags="-Wl,--gc-sections -Wl,--build-id=none -Wl,-O1"
# Packed relative relocations: a static-PIE's relocations shrink from 24 bytes each to a
# bitmap (haproxy: ~200 KB smaller) where the toolchain's linker and libc support them.
if [ -n "${kiln_relr:-}" ]; then ldflags="$ldflags -Wl,-z,pack-relative-relocs"; fi
nounwind="-fno-asynchronous-unwind-tables -fno-unwind-tables"
for h in ${hardening:-}; do
  case "$h" in
    pie) cflags="$cflags -fPIE" ;;   # static-PIE at link time comes from the toolchain
    relro) ldflags="$ldflags -Wl,-z,relro" ;;
    bindnow) ldflags="$ldflags -Wl,-z,now" ;;
    nx) ldflags="$ldflags -Wl,-z,noexecstack" ;;
    canary) cflags="$cflags -fstack-protector-strong" ;;
    static|stripped) ;;   # checked by kiln's audit gate, nothing to turn on
    *) die "unknown hardening word '$h'" ;;
  esac
done

# kiln_unpack extracts $src into a fresh directory, enters its one top-level directory,
# whatever the tarball calls it, and applies the spec's patches of it in order; one that
# does not apply stops the build, naming it.
kiln_unpack() {
  mkdir "$top/src"
  tar -xzf "$src" -C "$top/src"
  set -- "$top"/src/*
  [ $# -eq 1 ] && [ -d "$1" ] || die "$src does not unpack to one directory"
  cd "$1"
  for p in ${patches:-}; do
    echo "kiln recipe: applying patch $p" >&2
    patch -p1 --forward --batch < "$p" || die "patch $p does not apply"
  done
}
