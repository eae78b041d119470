// OpenBLAS's CBLAS interface. Debian installs it under the openblas-pthread include dir,
// which pkg-config (openblas.pc) adds to the search path.
#include <cblas.h>

/// Number of threads OpenBLAS uses for one call (set by OPENBLAS_NUM_THREADS or openblas_set_num_threads).
static inline int colad_blas_threads(void) { return openblas_get_num_threads(); }
static inline void colad_blas_set_threads(int n) { openblas_set_num_threads(n); }

/// The CPU kernel set OpenBLAS chose at load ("Prescott", "Haswell", "SkylakeX", …); with
/// DYNAMIC_ARCH the environment variable OPENBLAS_CORETYPE overrides its detection.
static inline const char *colad_blas_corename(void) { return openblas_get_corename(); }
