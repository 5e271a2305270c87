// The one gfortran runtime function that Debian's static LAPACK (inside libopenblas.a) still
// needs: Debian's libgfortran.a is not position-independent, so it cannot be linked into a
// shared object, and shipping libgfortran.so beside the prebuild would be a second binary to
// keep in step. Only static prebuilds (NNKIT_STATIC_BLAS) define it; a dynamic build gets the
// real one from libgfortran.so through libopenblas.so.
#if NNKIT_STATIC_BLAS
#include <cstddef>
#include <cstring>

// Fortran string concatenation: dest (destlen chars) = s1 // s2, truncated or blank-padded.
extern "C" void _gfortran_concat_string(std::size_t destlen, char* dest, std::size_t len1, const char* s1,
                                        std::size_t len2, const char* s2) {
  if (len1 >= destlen) {
    std::memcpy(dest, s1, destlen);
    return;
  }
  std::memcpy(dest, s1, len1);
  dest += len1;
  destlen -= len1;
  if (len2 >= destlen) {
    std::memcpy(dest, s2, destlen);
    return;
  }
  std::memcpy(dest, s2, len2);
  std::memset(dest + len2, ' ', destlen - len2);
}
#endif
