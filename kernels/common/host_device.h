// MSQ_HD marks small functions that both the CPU kernels and the CUDA kernels compile.
#pragma once
#if defined(__CUDACC__)
#define MSQ_HD __host__ __device__ __forceinline__
#else
#define MSQ_HD inline
#endif
