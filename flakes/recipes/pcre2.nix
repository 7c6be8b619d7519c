# PCRE2 (libpcre2-8.a, libpcre2-posix.a + headers) for haproxy's USE_PCRE2. With the JIT it
# is another library, so it gets another name.
{ spec, toolchain }:
let
  jit = spec.features.pcre2_jit;
in
import ./static-lib.nix { inherit spec toolchain; } {
  name = if jit then "pcre2-jit" else "pcre2";
  script = ./pcre2.sh;
  source = spec.sources.pcre2;
  env = { inherit jit; };
}
