# Finds what the msq library links against. Used by the build and, installed, by
# find_package(msq). Inputs: MSQ_WITH_CUDA, MSQ_STATIC_BLAS.
include(CMakeFindDependencyMacro)
find_dependency(Threads)
find_dependency(OpenMP)

# OpenBLAS through its CBLAS interface (Debian: libopenblas-dev).
if(NOT TARGET msq_blas)
  find_path(MSQ_CBLAS_INCLUDE_DIR cblas.h
    PATHS /usr/include/x86_64-linux-gnu/openblas-pthread /usr/include/x86_64-linux-gnu /usr/include/openblas
    REQUIRED)
  if(MSQ_STATIC_BLAS)
    find_library(MSQ_BLAS_LIBRARY NAMES libopenblas.a
      PATHS /usr/lib/x86_64-linux-gnu/openblas-pthread /usr/lib/x86_64-linux-gnu REQUIRED)
  else()
    find_library(MSQ_BLAS_LIBRARY NAMES openblas
      PATHS /usr/lib/x86_64-linux-gnu/openblas-pthread /usr/lib/x86_64-linux-gnu REQUIRED)
  endif()
  add_library(msq_blas INTERFACE)
  target_include_directories(msq_blas INTERFACE ${MSQ_CBLAS_INCLUDE_DIR})
  target_link_libraries(msq_blas INTERFACE ${MSQ_BLAS_LIBRARY} Threads::Threads m)
endif()

if(MSQ_WITH_CUDA)
  find_dependency(CUDAToolkit)
  # cuDNN: in the CUDA folder here, in the multiarch folders on Ubuntu/Debian machines.
  find_path(MSQ_CUDNN_INCLUDE_DIR cudnn.h
    PATHS ${CUDAToolkit_INCLUDE_DIRS} /usr/local/cuda/include /usr/include/x86_64-linux-gnu /usr/include)
  find_library(MSQ_CUDNN_LIBRARY cudnn
    PATHS ${CUDAToolkit_LIBRARY_DIR} /usr/local/cuda/lib64 /usr/lib/x86_64-linux-gnu)
  if(MSQ_CUDNN_INCLUDE_DIR AND MSQ_CUDNN_LIBRARY)
    set(MSQ_CUDNN_FOUND ON)
  else()
    set(MSQ_CUDNN_FOUND OFF)
  endif()
endif()
