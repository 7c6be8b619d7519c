# kiln's OpenSSL recipe: libssl.a, libcrypto.a and their headers, static, no programs.
# Inputs: see common.sh, plus src (the pinned OpenSSL tarball) and out. Needs perl on PATH.
set -eu
. "$common"
kiln_unpack

# libcrypto keeps a "built on" date: take it from the epoch, not the clock, so the library
# (and every haproxy linked with it) is reproducible.
export SOURCE_DATE_EPOCH=1
# --prefix=/usr with a staging install: no path of this store path is compiled in, so haproxy
# does not reference it. --openssldir=/etc/ssl: where OpenSSL looks for its config and
# default CA store at run time (kiln's image.ca_bundle puts a bundle under /etc/ssl/certs).
# Left out, to keep the image small and the attack surface with it:
#   nothing loaded at run time      no-module no-dso no-engine
#   only the libraries              no-apps no-tests no-docs
#   protocols haproxy never speaks  no-quic (haproxy is built without QUIC) no-dtls
#   deprecated protocols            no-tls1 no-tls1_1 (RFC 8996; OpenSSL 3 refuses them
#                                   at its default security level anyway)
#   unused by haproxy               no-ct no-srp no-cms no-ts no-cmp
#   legacy and regional algorithms  no-legacy no-idea no-rc2 no-rc4 no-bf no-cast no-md4
#   (none in any default TLS suite) no-mdc2 no-whirlpool no-seed no-aria no-camellia
#                                   no-sm2 no-sm3 no-sm4 no-ec2m
# Kept: TLS 1.2/1.3 with AES-GCM, ChaCha20-Poly1305, X25519/P-256/P-384 and hybrid ML-KEM,
# RSA/ECDSA/Ed25519/DSA/ML-DSA keys, 3DES (old encrypted PEM keys), OCSP (haproxy staples).
CC=cc CFLAGS="$cflags $nounwind" AR="$AR" RANLIB="$RANLIB" perl ./Configure linux-x86_64 \
  --prefix=/usr --openssldir=/etc/ssl --libdir=lib \
  no-shared no-module no-dso no-engine no-apps no-tests no-docs \
  no-quic no-dtls no-tls1 no-tls1_1 no-ct no-srp no-cms no-ts no-cmp \
  no-legacy no-idea no-rc2 no-rc4 no-bf no-cast no-md4 no-mdc2 no-whirlpool no-seed \
  no-aria no-camellia no-sm2 no-sm3 no-sm4 no-ec2m
make -j"${NIX_BUILD_CORES:-1}" build_libs

mkdir -p "$out/include/openssl" "$out/lib"
cp include/openssl/*.h "$out/include/openssl/"
cp libssl.a libcrypto.a "$out/lib/"
