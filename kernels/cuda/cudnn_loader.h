// cuDNN, opened at run time like cuBLAS (cublas_loader.h): msq's binaries start where cuDNN
// is absent, and convolution then uses msq's own im2col + GEMM path (conv_im2col.cu).
// libcudnn.so.9 is the shim of cuDNN 9 (it opens libcudnn_cnn.so.9 etc. itself, from the
// same folder or the library path); PyTorch's nvidia-cudnn-cu12 wheel ships one. Setting
// MSQ_DISABLE_CUDNN=1 forces the fallback. Only compiled with cuDNN's headers
// (MSQ_WITH_CUDNN); the legacy convolution API used here is still in cuDNN 9.
#pragma once
#include <cudnn.h>

#include <string>

namespace msq::cuda {

struct Cudnn {
  cudnnHandle_t handle = nullptr;
  size_t version = 0;   // cudnnGetVersion(), e.g. 91900
  std::string library;  // the file that was opened
  // The entry points used (named as in cudnn.h).
  decltype(&::cudnnGetErrorString) cudnnGetErrorString = nullptr;
  decltype(&::cudnnSetStream) cudnnSetStream = nullptr;  // the compute stream (stream.h), per call
  decltype(&::cudnnCreateTensorDescriptor) cudnnCreateTensorDescriptor = nullptr;
  decltype(&::cudnnSetTensor4dDescriptor) cudnnSetTensor4dDescriptor = nullptr;
  decltype(&::cudnnDestroyTensorDescriptor) cudnnDestroyTensorDescriptor = nullptr;
  decltype(&::cudnnCreateFilterDescriptor) cudnnCreateFilterDescriptor = nullptr;
  decltype(&::cudnnSetFilter4dDescriptor) cudnnSetFilter4dDescriptor = nullptr;
  decltype(&::cudnnDestroyFilterDescriptor) cudnnDestroyFilterDescriptor = nullptr;
  decltype(&::cudnnCreateConvolutionDescriptor) cudnnCreateConvolutionDescriptor = nullptr;
  decltype(&::cudnnSetConvolution2dDescriptor) cudnnSetConvolution2dDescriptor = nullptr;
  decltype(&::cudnnSetConvolutionGroupCount) cudnnSetConvolutionGroupCount = nullptr;
  decltype(&::cudnnSetConvolutionMathType) cudnnSetConvolutionMathType = nullptr;
  decltype(&::cudnnDestroyConvolutionDescriptor) cudnnDestroyConvolutionDescriptor = nullptr;
  decltype(&::cudnnGetConvolutionForwardAlgorithm_v7) cudnnGetConvolutionForwardAlgorithm_v7 = nullptr;
  decltype(&::cudnnGetConvolutionBackwardDataAlgorithm_v7) cudnnGetConvolutionBackwardDataAlgorithm_v7 = nullptr;
  decltype(&::cudnnGetConvolutionBackwardFilterAlgorithm_v7) cudnnGetConvolutionBackwardFilterAlgorithm_v7 = nullptr;
  decltype(&::cudnnFindConvolutionForwardAlgorithmEx) cudnnFindConvolutionForwardAlgorithmEx = nullptr;
  decltype(&::cudnnFindConvolutionBackwardDataAlgorithmEx) cudnnFindConvolutionBackwardDataAlgorithmEx = nullptr;
  decltype(&::cudnnFindConvolutionBackwardFilterAlgorithmEx) cudnnFindConvolutionBackwardFilterAlgorithmEx = nullptr;
  decltype(&::cudnnConvolutionForward) cudnnConvolutionForward = nullptr;
  decltype(&::cudnnConvolutionBackwardData) cudnnConvolutionBackwardData = nullptr;
  decltype(&::cudnnConvolutionBackwardFilter) cudnnConvolutionBackwardFilter = nullptr;
};

// The loaded library with a handle on the current device, or nullptr when
// none could be opened (cudnn_missing_reason() says why). Loads once; thread-safe.
const Cudnn* cudnn();
std::string cudnn_missing_reason();

// Throws when status != CUDNN_STATUS_SUCCESS (used through MSQ_CUDA_CHECK).
void check_cuda(cudnnStatus_t status, const char* expr, const char* file, int line);

}  // namespace msq::cuda
