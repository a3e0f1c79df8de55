#ifndef FMNIST_CFFTW_SHIM_H
#define FMNIST_CFFTW_SHIM_H
/* FFTW 3 (double precision): the FFTs of t-SNE's interpolation grid. */
#include <fftw3.h>
#endif
