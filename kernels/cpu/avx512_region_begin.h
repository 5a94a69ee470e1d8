// Opens an AVX-512F/VL region: every function defined after this include, up to the include
// of avx512_region_end.h, compiles for AVX-512, whatever the file's -m flags. Used by the
// *_avx512.cpp kernel files, which simd_level() (simd_level.h) only calls on a CPU that has
// it. Include it once, after the system headers and before the kernel code; no include guard,
// since the region must open in every file that includes it.
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx512f,avx512vl"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx512f,avx512vl")
// GCC 12's AVX-512 headers start the masked forms from _mm512_undefined_*, which it then
// reports as uninitialised (GCC bug 105593): a false alarm in the system header.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
