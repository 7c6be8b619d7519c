# zlib (libz.a + headers) for haproxy's USE_ZLIB (features.compression = "zlib").
{ spec, toolchain }:
import ./static-lib.nix { inherit spec toolchain; } {
  name = "zlib";
  script = ./zlib.sh;
  source = spec.sources.zlib;
}
