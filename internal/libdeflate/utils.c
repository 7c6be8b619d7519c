// Compiles the vendored libdeflate utils.c (see README.md): cgo builds only the C
// files of the package directory.
#include "upstream/lib/utils.c"
