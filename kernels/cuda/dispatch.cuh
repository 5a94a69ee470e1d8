// Runtime dtype and op kind to compile-time types for the CUDA kernels: the same dispatch
// helpers the CPU backend uses (kernels/cpu/dispatch.h holds plain host templates with no
// CPU-specific code), re-exported here so the .cu files read like the CPU ones.
#pragma once
#include "kernels/cpu/dispatch.h"

namespace msq::cuda {

using cpu::dispatch_all_types;
using cpu::dispatch_binary_op;
using cpu::dispatch_floating_types;
using cpu::dispatch_numeric_types;
using cpu::dispatch_unary_op;

// The C++ type a dispatch tag stands for.
template <class Tag> using tag_type = typename Tag::type;

}  // namespace msq::cuda
