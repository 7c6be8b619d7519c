// Compiles the vendored libdeflate x86 CPU-feature detection (see README.md); it
// is empty on other architectures.
#include "upstream/lib/x86/cpu_features.c"
