#include "silk/core/codec.h"

#include <cstring>

namespace silk::core {

void Writer::u8(uint8_t v) { out_.push_back(v); }

void Writer::u32(uint32_t v) {
  for (int i = 0; i < 4; ++i) out_.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

void Writer::u64(uint64_t v) {
  for (int i = 0; i < 8; ++i) out_.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

void Writer::bytes(ByteSpan b) {
  u32(static_cast<uint32_t>(b.size()));
  raw(b);
}

void Writer::str(std::string_view s) { bytes(as_span(s)); }

void Writer::hash(const Hash& h) { raw(ByteSpan(h.data(), h.size())); }

void Writer::raw(ByteSpan b) { out_.insert(out_.end(), b.begin(), b.end()); }

bool Reader::fail(const char* field, const char* why) {
  error_ = std::string(why) + " at byte " + std::to_string(pos_) + " reading " + field;
  return false;
}

bool Reader::u8(uint8_t& v, const char* field) {
  if (remaining() < 1) return fail(field, "truncated");
  v = in_[pos_++];
  return true;
}

bool Reader::u32(uint32_t& v, const char* field) {
  if (remaining() < 4) return fail(field, "truncated");
  v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(in_[pos_ + i]) << (8 * i);
  pos_ += 4;
  return true;
}

bool Reader::u64(uint64_t& v, const char* field) {
  if (remaining() < 8) return fail(field, "truncated");
  v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(in_[pos_ + i]) << (8 * i);
  pos_ += 8;
  return true;
}

bool Reader::bytes(Bytes& v, const char* field, uint32_t max_len) {
  size_t start = pos_;
  uint32_t len = 0;
  if (!u32(len, field)) return false;
  if (len > max_len) {
    pos_ = start;
    return fail(
        field,
        ("length " + std::to_string(len) + " over limit " + std::to_string(max_len)).c_str());
  }
  if (remaining() < len) {
    pos_ = start;
    return fail(field, "truncated");
  }
  v.assign(in_.begin() + static_cast<std::ptrdiff_t>(pos_),
           in_.begin() + static_cast<std::ptrdiff_t>(pos_ + len));
  pos_ += len;
  return true;
}

bool Reader::str(std::string& v, const char* field, uint32_t max_len) {
  size_t start = pos_;
  uint32_t len = 0;
  if (!u32(len, field)) return false;
  if (len > max_len) {
    pos_ = start;
    return fail(
        field,
        ("length " + std::to_string(len) + " over limit " + std::to_string(max_len)).c_str());
  }
  if (remaining() < len) {
    pos_ = start;
    return fail(field, "truncated");
  }
  v.assign(reinterpret_cast<const char*>(in_.data() + pos_), len);
  pos_ += len;
  return true;
}

bool Reader::hash(Hash& v, const char* field) {
  if (remaining() < v.size()) return fail(field, "truncated");
  std::memcpy(v.data(), in_.data() + pos_, v.size());
  pos_ += v.size();
  return true;
}

Status Reader::error() const {
  return Status::invalid(error_.empty() ? std::string("malformed input") : error_);
}

Status Reader::finish(const char* what) const {
  if (!at_end()) {
    return Status::invalid(std::string(what) + ": " + std::to_string(remaining()) +
                           " trailing bytes after byte " + std::to_string(pos_));
  }
  return Status::ok();
}

}  // namespace silk::core
