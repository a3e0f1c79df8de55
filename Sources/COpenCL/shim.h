#ifndef FMNIST_COPENCL_SHIM_H
#define FMNIST_COPENCL_SHIM_H
/* Kernels are portable OpenCL 1.2; host code uses the 1.2 API only. */
#define CL_TARGET_OPENCL_VERSION 120
#define CL_USE_DEPRECATED_OPENCL_1_2_APIS
#include <CL/cl.h>
#endif
