#ifndef FMNIST_CBLAS_SHIM_H
#define FMNIST_CBLAS_SHIM_H
/* OpenBLAS's cblas.h also declares openblas_get_num_threads / openblas_get_config. */
#include <cblas.h>
/* Fortran-interface LAPACK routines bundled in OpenBLAS (dpotrf_ for Cholesky). */
#include <f77blas.h>
#endif
