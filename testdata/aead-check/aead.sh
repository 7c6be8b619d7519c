# Compiles aead.c with kiln's toolchain and recipe flags against a spec's OpenSSL
# (libcrypto.a, statically) and writes what the program prints to $out.
set -eu
. "$common"
cc $cflags -I"$openssl/include" -o aead "$check" "$openssl/lib/libcrypto.a" $ldflags
./aead > "$out"
