// Compiles the vendored libdeflate crc32.c (see README.md): cgo builds only the C
// files of the package directory.
#include "upstream/lib/crc32.c"
