// The canonical binary codec (docs/formats.md).
//
// Integers are fixed-width little-endian. A byte string or text is a u32
// length followed by its bytes. Decoders never read past the end, never
// allocate more than the remaining input, and report what was malformed.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "silk/core/bytes.h"
#include "silk/core/status.h"

namespace silk::core {

// Appends to a byte buffer it does not own.
class Writer {
 public:
  explicit Writer(Bytes& out) : out_(out) {}
  void u8(uint8_t v);
  void u32(uint32_t v);
  void u64(uint64_t v);
  void bytes(ByteSpan b);        // u32 length + bytes
  void str(std::string_view s);  // u32 length + UTF-8 bytes
  void hash(const Hash& h);      // 32 raw bytes, no length
  void raw(ByteSpan b);          // bytes as they are, no length

 private:
  Bytes& out_;
};

// Reads from a span it does not own. Each getter returns false (and reads
// nothing) when the input is too short; error() then names the field.
class Reader {
 public:
  explicit Reader(ByteSpan in) : in_(in) {}
  bool u8(uint8_t& v, const char* field);
  bool u32(uint32_t& v, const char* field);
  bool u64(uint64_t& v, const char* field);
  // max_len bounds the declared length before anything is allocated.
  bool bytes(Bytes& v, const char* field, uint32_t max_len = kMaxField);
  bool str(std::string& v, const char* field, uint32_t max_len = kMaxField);
  bool hash(Hash& v, const char* field);

  size_t remaining() const { return in_.size() - pos_; }
  size_t position() const { return pos_; }
  bool at_end() const { return remaining() == 0; }
  // Why the last getter failed: "truncated at byte 17 reading chain_id".
  Status error() const;
  // Fails unless the whole input was consumed.
  Status finish(const char* what) const;

  static constexpr uint32_t kMaxField = 16u << 20;  // 16 MiB

 private:
  bool fail(const char* field, const char* why);
  ByteSpan in_;
  size_t pos_ = 0;
  std::string error_;
};

}  // namespace silk::core
