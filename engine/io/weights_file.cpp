#include "engine/io/weights_file.h"

#include <cstring>
#include <set>

#include "engine/io/atomic_file.h"
#include "engine/io/crc32.h"
#include "kernels/strided_view.h"

namespace msq {

namespace {

constexpr unsigned char kMagic[8] = {0x89, 'M', 'S', 'Q', 'W', '\r', '\n', 0x1a};
constexpr uint32_t kVersion = 1;
constexpr uint64_t kAlign = 64;
constexpr uint32_t kMaxNameLength = 4096;

template <class T>
void put(std::string& out, T value) {
  char bytes[sizeof(T)];
  std::memcpy(bytes, &value, sizeof(T));  // the project targets little-endian machines
  out.append(bytes, sizeof(T));
}

uint8_t dtype_code(DType t) { return static_cast<uint8_t>(t); }

// A cursor over the file's bytes that fails with the file name and the field.
class Reader {
 public:
  Reader(const std::string& bytes, const std::string& origin) : bytes_(bytes), origin_(origin) {}
  template <class T>
  T get(const char* field) {
    need(sizeof(T), field);
    T v;
    std::memcpy(&v, bytes_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }
  std::string take(uint64_t n, const char* field) {
    need(n, field);
    std::string s = bytes_.substr(pos_, n);
    pos_ += n;
    return s;
  }
  size_t pos() const { return pos_; }
  [[noreturn]] void bad(const std::string& what) const {
    fail("load_weights", "'", origin_, "': ", what);
  }

 private:
  void need(uint64_t n, const char* field) {
    if (n > bytes_.size() - pos_) {
      bad(std::string("truncated file: ") + field + " needs " + std::to_string(n) +
          " bytes at offset " + std::to_string(pos_) + ", the file has " +
          std::to_string(bytes_.size()));
    }
  }
  const std::string& bytes_;
  const std::string& origin_;
  size_t pos_ = 0;
};

}  // namespace

const Tensor& WeightsFile::at(const std::string& name) const {
  for (const auto& [n, t] : tensors) {
    if (n == name) return t;
  }
  fail("weights", "no tensor named '", name, "' in the file");
}

bool WeightsFile::contains(const std::string& name) const {
  for (const auto& [n, t] : tensors) {
    if (n == name) return true;
  }
  return false;
}

std::string serialize_weights(const NamedTensorList& tensors, const std::string& metadata_json) {
  check(!metadata_json.empty() && metadata_json.front() == '{', "save_weights",
        "metadata must be a JSON object, got '", metadata_json.substr(0, 40), "'");
  std::set<std::string> names;
  std::vector<Tensor> host;
  for (const auto& [name, t] : tensors) {
    check(!name.empty() && name.size() <= kMaxNameLength, "save_weights", "tensor name '", name,
          "' must have 1 to ", kMaxNameLength, " bytes");
    check(names.insert(name).second, "save_weights", "tensor name '", name, "' is repeated");
    check(t.defined(), "save_weights", "tensor '", name, "' is undefined");
    check(t.dim() <= kMaxDims, "save_weights", "tensor '", name, "' has ", t.dim(), " dims");
    host.push_back(t.detach().cpu().contiguous());
  }
  // Header first, with data offsets computed from its final size.
  std::string header(kMagic, kMagic + 8);
  put<uint32_t>(header, kVersion);
  put<uint32_t>(header, 0);
  put<uint64_t>(header, metadata_json.size());
  header += metadata_json;
  put<uint64_t>(header, tensors.size());
  size_t entries_size = 0;
  for (size_t i = 0; i < tensors.size(); ++i) {
    entries_size += 4 + tensors[i].first.size() + 4 + 8 * host[i].dim() + 8 + 8 + 4;
  }
  uint64_t offset = (header.size() + entries_size + 4 + kAlign - 1) / kAlign * kAlign;
  std::vector<uint64_t> offsets;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const Tensor& t = host[i];
    uint64_t nbytes = static_cast<uint64_t>(t.numel()) * dtype_size(t.dtype());
    put<uint32_t>(header, static_cast<uint32_t>(tensors[i].first.size()));
    header += tensors[i].first;
    put<uint8_t>(header, dtype_code(t.dtype()));
    put<uint8_t>(header, static_cast<uint8_t>(t.dim()));
    put<uint16_t>(header, 0);
    for (int64_t s : t.shape()) put<int64_t>(header, s);
    put<uint64_t>(header, offset);
    put<uint64_t>(header, nbytes);
    put<uint32_t>(header, crc32(0, t.raw_data(), nbytes));
    offsets.push_back(offset);
    offset = (offset + nbytes + kAlign - 1) / kAlign * kAlign;
  }
  put<uint32_t>(header, crc32(0, header.data(), header.size()));
  std::string out = header;
  for (size_t i = 0; i < host.size(); ++i) {
    out.resize(offsets[i], '\0');
    out.append(static_cast<const char*>(host[i].raw_data()),
               static_cast<size_t>(host[i].numel()) * dtype_size(host[i].dtype()));
  }
  return out;
}

void save_weights(const std::string& path, const NamedTensorList& tensors,
                  const std::string& metadata_json) {
  write_file_atomic(path, serialize_weights(tensors, metadata_json));
}

WeightsFile parse_weights(const std::string& bytes, const std::string& origin) {
  Reader r(bytes, origin);
  std::string magic = r.take(8, "magic");
  if (std::memcmp(magic.data(), kMagic, 8) != 0) r.bad("not an .msqw file (wrong magic)");
  uint32_t version = r.get<uint32_t>("version");
  if (version != kVersion) {
    r.bad("unsupported version " + std::to_string(version) + " (this build reads version " +
          std::to_string(kVersion) + ")");
  }
  r.get<uint32_t>("flags");
  uint64_t meta_size = r.get<uint64_t>("metadata size");
  WeightsFile file;
  file.metadata_json = r.take(meta_size, "metadata");
  uint64_t count = r.get<uint64_t>("tensor count");
  if (count > bytes.size() / 29) {  // an entry takes at least 29 bytes
    r.bad("tensor count " + std::to_string(count) + " is impossible for a file of " +
          std::to_string(bytes.size()) + " bytes (truncated file?)");
  }
  struct Entry {
    std::string name;
    DType dtype;
    Shape shape;
    uint64_t offset, nbytes;
    uint32_t crc;
  };
  std::vector<Entry> entries;
  std::set<std::string> names;
  for (uint64_t i = 0; i < count; ++i) {
    Entry e;
    uint32_t len = r.get<uint32_t>("tensor name length");
    if (len == 0 || len > kMaxNameLength) r.bad("tensor " + std::to_string(i) + ": name length " + std::to_string(len) + " out of range");
    e.name = r.take(len, "tensor name");
    if (!names.insert(e.name).second) r.bad("tensor '" + e.name + "' appears twice");
    uint8_t code = r.get<uint8_t>("dtype");
    if (code > static_cast<uint8_t>(DType::Bool)) r.bad("tensor '" + e.name + "': unknown dtype code " + std::to_string(code));
    e.dtype = static_cast<DType>(code);
    uint8_t ndim = r.get<uint8_t>("ndim");
    if (ndim > kMaxDims) r.bad("tensor '" + e.name + "': " + std::to_string(ndim) + " dims (at most " + std::to_string(kMaxDims) + ")");
    r.get<uint16_t>("reserved");
    uint64_t numel = 1;
    for (int d = 0; d < ndim; ++d) {
      int64_t s = r.get<int64_t>("size");
      if (s < 0 || s > (int64_t{1} << 40)) r.bad("tensor '" + e.name + "': invalid size " + std::to_string(s));
      e.shape.push_back(s);
      numel *= static_cast<uint64_t>(s);
    }
    e.offset = r.get<uint64_t>("data offset");
    e.nbytes = r.get<uint64_t>("data size");
    e.crc = r.get<uint32_t>("data checksum");
    if (e.nbytes != numel * dtype_size(e.dtype)) {
      r.bad("tensor '" + e.name + "': data size " + std::to_string(e.nbytes) + " does not match shape " +
            std::string(shape_str(e.shape)) + " of " + dtype_name(e.dtype));
    }
    if (e.offset % kAlign != 0) r.bad("tensor '" + e.name + "': data offset " + std::to_string(e.offset) + " is not 64-aligned");
    if (e.offset > bytes.size() || e.nbytes > bytes.size() - e.offset) {
      r.bad("tensor '" + e.name + "': data [" + std::to_string(e.offset) + ", +" + std::to_string(e.nbytes) +
            ") runs past the end of the file (" + std::to_string(bytes.size()) + " bytes; truncated?)");
    }
    entries.push_back(std::move(e));
  }
  size_t header_end = r.pos();
  uint32_t header_crc = r.get<uint32_t>("header checksum");
  if (crc32(0, bytes.data(), header_end) != header_crc) r.bad("header checksum mismatch (corrupted file)");
  for (const Entry& e : entries) {
    const char* data = bytes.data() + e.offset;
    if (crc32(0, data, e.nbytes) != e.crc) r.bad("tensor '" + e.name + "': data checksum mismatch (corrupted file)");
    file.tensors.emplace_back(e.name, from_blob(data, e.dtype, e.shape, TensorOptions(e.dtype)));
  }
  return file;
}

WeightsFile load_weights(const std::string& path) { return parse_weights(read_file(path), path); }

}  // namespace msq
