// Compiles the vendored libdeflate arm CPU-feature detection (see README.md); it
// is empty on other architectures.
#include "upstream/lib/arm/cpu_features.c"
