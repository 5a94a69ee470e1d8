// Content hashing for duplicate detection: 64-bit FNV-1a (offset basis 0xcbf29ce484222325,
// prime 0x100000001b3) over a file's bytes. Not cryptographic: equal hashes are confirmed
// by comparing the bytes (duplicates.h).
#pragma once
#include <cstdint>
#include <string>

namespace msq::data {

uint64_t fnv1a64(const std::string& bytes);
// 16 lower-case hex digits.
std::string hash_hex(uint64_t hash);
// The inverse of hash_hex; errors name `field`.
uint64_t parse_hash_hex(const std::string& text, const std::string& field);

}  // namespace msq::data
