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
  # cuDNN's headers (the library is opened at run time): in the CUDA folder here, in the
  # multiarch folders on Ubuntu/Debian machines.
  find_path(MSQ_CUDNN_INCLUDE_DIR cudnn.h
    PATHS ${CUDAToolkit_INCLUDE_DIRS} /usr/local/cuda/include /usr/include/x86_64-linux-gnu /usr/include)
  if(MSQ_CUDNN_INCLUDE_DIR)
    set(MSQ_CUDNN_FOUND ON)
  else()
    set(MSQ_CUDNN_FOUND OFF)
  endif()
endif()

# Images (engine/data): Debian's libstb-dev ships the stb_image / stb_image_write /
# stb_image_resize implementations in libstb; the headers are <stb/stb_image.h> etc.
if(NOT TARGET msq_stb)
  find_path(MSQ_STB_INCLUDE_DIR stb/stb_image.h PATHS /usr/include REQUIRED)
  find_library(MSQ_STB_LIBRARY NAMES libstb.a stb PATHS /usr/lib/x86_64-linux-gnu REQUIRED)
  add_library(msq_stb INTERFACE)
  target_include_directories(msq_stb INTERFACE ${MSQ_STB_INCLUDE_DIR})
  target_link_libraries(msq_stb INTERFACE ${MSQ_STB_LIBRARY} m)
endif()
# JSON (split manifests, metric summaries): header-only, needed to build msq, not to use it.
find_package(nlohmann_json 3 QUIET)
