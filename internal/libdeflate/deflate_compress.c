// Compiles the vendored libdeflate deflate_compress.c (see README.md): cgo builds only the C
// files of the package directory.
#include "upstream/lib/deflate_compress.c"
