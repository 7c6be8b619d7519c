// Compiles the vendored libdeflate gzip_compress.c (see README.md): cgo builds only the C
// files of the package directory.
#include "upstream/lib/gzip_compress.c"
