// CRC-32 (polynomial 0xEDB88320, as zlib's crc32), for the weights format's checksums.
#pragma once
#include <cstddef>
#include <cstdint>

namespace msq {

// Continues a running CRC: crc32(crc32(0, a), b) == crc32 of a followed by b.
uint32_t crc32(uint32_t crc, const void* data, size_t size);

}  // namespace msq
