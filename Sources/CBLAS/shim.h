#ifndef FMNIST_CBLAS_SHIM_H
#define FMNIST_CBLAS_SHIM_H
/* OpenBLAS's cblas.h also declares openblas_get_num_threads / openblas_get_config. */
#include <cblas.h>
/* Fortran-interface LAPACK routines bundled in OpenBLAS (dpotrf_ for Cholesky). */
#include <f77blas.h>
/* LAPACK routines OpenBLAS exports without declaring them (LP64, Fortran calling convention). */
void dsyevr_(char* jobz, char* range, char* uplo, int* n, double* a, int* lda, double* vl, double* vu, int* il, int* iu,
             double* abstol, int* m, double* w, double* z, int* ldz, int* isuppz, double* work, int* lwork, int* iwork,
             int* liwork, int* info);
void dgeqrf_(int* m, int* n, double* a, int* lda, double* tau, double* work, int* lwork, int* info);
void dorgqr_(int* m, int* n, int* k, double* a, int* lda, double* tau, double* work, int* lwork, int* info);
#endif
