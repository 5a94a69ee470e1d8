// Closes the region avx512_region_begin.h opened; include it at the end of the file.
#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC diagnostic pop
#pragma GCC pop_options
#endif
