// The headers of the BLAS/LAPACK library this build links, for the linalg units that call it
// (blas.cc, covariance.cc, lapack.cc); nothing for a build with the built-in kernels only.
//   NNKIT_HAVE_ACCELERATE  Apple's Accelerate (macOS 13.3+): CBLAS and Fortran-style LAPACK,
//                          through ACCELERATE_NEW_LAPACK; its integers are __LAPACK_int (32-bit
//                          without ACCELERATE_LAPACK_ILP64), named blasint as OpenBLAS names them
//   NNKIT_HAVE_CBLAS       OpenBLAS's cblas.h, and lapacke.h with NNKIT_HAVE_LAPACKE
#pragma once

#if NNKIT_HAVE_ACCELERATE
#ifndef ACCELERATE_NEW_LAPACK
#define ACCELERATE_NEW_LAPACK 1
#endif
#include <Accelerate/Accelerate.h>
using blasint = __LAPACK_int;
#else
#if NNKIT_HAVE_CBLAS
#include <cblas.h>
#endif
#if NNKIT_HAVE_LAPACKE
#include <lapacke.h>
#endif
#endif
