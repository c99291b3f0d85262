#include "silk/node/json_view.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstring>

#include "silk/consensus/engine.h"

namespace silk::node {

using nlohmann::json;

namespace {
std::string hex(const core::Hash& h) { return core::to_hex(h); }
std::string hex(const core::Signature& s) {
  return core::to_hex(core::ByteSpan(s.data(), s.size()));
}

const char* code_name_of(uint32_t code) {
  if (code > static_cast<uint32_t>(core::Status::Code::kInternal)) return "unknown";
  return core::code_name(static_cast<core::Status::Code>(code));
}
}  // namespace

json embed_json_text(std::string_view text) {
  if (json_nesting_depth(text) > kMaxJsonDepth) return std::string(text);
  json parsed = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return std::string(text);
  return parsed;
}

json tx_to_json(const core::Tx& tx) {
  json j = {
      {"version", tx.version},
      {"chain_id", tx.chain_id},
      {"nonce", tx.nonce},
      {"timestamp_ms", tx.timestamp_ms},
      {"sender_kind",
       tx.sender_kind == core::SenderKind::kPublicKey ? "public_key" : "cert_fingerprint"},
      {"sender", hex(tx.sender)},
      {"contract", tx.contract},
      {"method", tx.method},
      {"args", embed_json_text(tx.args)},
      {"signature", hex(tx.signature)},
      {"hex", core::to_hex(tx.encode())},
  };
  if (!tx.sender_cert.empty()) j["sender_cert"] = core::to_hex(tx.sender_cert);
  return j;
}

json receipt_to_json(const core::Receipt& r) {
  json events = json::array();
  for (const core::ContractEvent& e : r.events) {
    events.push_back(
        {{"contract", e.contract}, {"name", e.name}, {"data", embed_json_text(e.data)}});
  }
  return {
      {"code", r.code},
      {"code_name", code_name_of(r.code)},
      {"message", r.message},
      {"result", r.result.empty() ? json(nullptr) : embed_json_text(r.result)},
      {"events", std::move(events)},
      {"write_set_hash", hex(r.write_set_hash)},
  };
}

json header_to_json(const core::BlockHeader& h) {
  return {
      {"version", h.version},
      {"chain_id", h.chain_id},
      {"height", h.height},
      {"prev_hash", hex(h.prev_hash)},
      {"timestamp_ms", h.timestamp_ms},
      {"proposer", hex(h.proposer)},
      {"tx_count", h.tx_count},
      {"tx_root", hex(h.tx_root)},
      {"receipts_root", hex(h.receipts_root)},
      {"state_root", hex(h.state_root)},
      {"validator_set_hash", hex(h.validator_set_hash)},
      {"term", h.term},
      {"round", h.round},
  };
}

json cert_to_json(const core::CommitCert& cert) {
  // The engine that makes certificates of this kind names it.
  const consensus::EngineKind* engine = consensus::engine_kind_of(cert.kind);
  const std::string kind = engine != nullptr ? std::string(engine->name()) : "unknown";
  json votes = json::array();
  for (const core::CommitVote& v : cert.votes) {
    votes.push_back({{"signer", hex(v.signer)}, {"signature", hex(v.signature)}});
  }
  return {{"kind", kind}, {"round", cert.round}, {"votes", std::move(votes)}};
}

json block_to_json(const core::Block& block, bool include_hex) {
  json tx_ids = json::array();
  for (const core::Tx& tx : block.txs) tx_ids.push_back(hex(tx.tx_id()));
  json j = {
      {"hash", hex(block.hash())},
      {"header", header_to_json(block.header)},
      {"cert", cert_to_json(block.cert)},
      {"tx_ids", std::move(tx_ids)},
  };
  if (include_hex) j["hex"] = core::to_hex(block.encode());
  return j;
}

json key_version_to_json(const core::KeyVersion& v) {
  return {
      {"height", v.height},    {"index", v.tx_index},
      {"tx_id", hex(v.tx_id)}, {"timestamp_ms", v.timestamp_ms},
      {"deleted", v.deleted},  {"value", v.deleted ? json(nullptr) : embed_json_text(v.value)},
  };
}

namespace {

bool is_json_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Bytes that stand for themselves inside a JSON string as dump_json writes it.
constexpr std::array<bool, 256> kPlainStringByte = [] {
  std::array<bool, 256> plain{};
  for (int c = 0x20; c < 0x80; ++c) plain[c] = c != '"' && c != '\\';
  return plain;
}();

// The reader behind is_canonical_json: recursive descent, at most
// kMaxJsonDepth levels deep.
class CanonicalJsonReader {
 public:
  explicit CanonicalJsonReader(std::string_view text)
      : p_(text.data()), end_(text.data() + text.size()) {}

  bool read_whole() {
    skip_space();
    if (!read_value(0)) return false;
    skip_space();
    return p_ == end_;
  }

 private:
  // `depth`: how many arrays and objects enclose the value.
  bool read_value(size_t depth) {
    if (p_ == end_) return false;
    switch (*p_) {
      case '{':
        return depth < kMaxJsonDepth && read_object(depth + 1);
      case '[':
        return depth < kMaxJsonDepth && read_array(depth + 1);
      case '"': {
        bool escaped = false;
        return read_string(nullptr, &escaped);
      }
      case 't':
        return read_word("true");
      case 'f':
        return read_word("false");
      case 'n':
        return read_word("null");
      default:
        return read_number();
    }
  }

  bool read_object(size_t depth) {
    ++p_;  // '{'
    skip_space();
    if (p_ != end_ && *p_ == '}') {
      ++p_;
      return true;
    }
    std::string_view previous;
    for (bool first = true;; first = false) {
      std::string_view name;
      bool escaped = false;
      if (p_ == end_ || *p_ != '"' || !read_string(&name, &escaped) || escaped) return false;
      if (!first && !(previous < name)) return false;  // dump_json sorts names, no repeats
      previous = name;
      skip_space();
      if (p_ == end_ || *p_ != ':') return false;
      ++p_;
      skip_space();
      if (!read_value(depth)) return false;
      skip_space();
      if (p_ == end_) return false;
      if (*p_ == '}') {
        ++p_;
        return true;
      }
      if (*p_ != ',') return false;
      ++p_;
      skip_space();
    }
  }

  bool read_array(size_t depth) {
    ++p_;  // '['
    skip_space();
    if (p_ != end_ && *p_ == ']') {
      ++p_;
      return true;
    }
    for (;;) {
      if (!read_value(depth)) return false;
      skip_space();
      if (p_ == end_) return false;
      if (*p_ == ']') {
        ++p_;
        return true;
      }
      if (*p_ != ',') return false;
      ++p_;
      skip_space();
    }
  }

  // At the opening quote. `content`, when not null, gets the text between the quotes.
  bool read_string(std::string_view* content, bool* escaped) {
    const char* start = ++p_;
    for (;;) {
      while (p_ != end_ && kPlainStringByte[static_cast<unsigned char>(*p_)]) ++p_;
      if (p_ == end_) return false;
      const char c = *p_;
      if (c == '"') break;
      if (c == '\\') {
        if (!read_escape()) return false;
        *escaped = true;
      } else if (!read_utf8_sequence()) {  // also refuses control characters
        return false;
      }
    }
    if (content != nullptr) *content = std::string_view(start, static_cast<size_t>(p_ - start));
    ++p_;  // '"'
    return true;
  }

  // The escapes dump_json writes: \" \\ \b \f \n \r \t, and \u00xx (lower-case
  // hex) for the other control characters.
  bool read_escape() {
    if (end_ - p_ < 2) return false;
    switch (p_[1]) {
      case '"':
      case '\\':
      case 'b':
      case 'f':
      case 'n':
      case 'r':
      case 't':
        p_ += 2;
        return true;
      case 'u':
        break;
      default:
        return false;
    }
    if (end_ - p_ < 6 || p_[2] != '0' || p_[3] != '0' || (p_[4] != '0' && p_[4] != '1')) {
      return false;
    }
    const char low = p_[5];
    int nibble = 0;
    if (is_digit(low)) {
      nibble = low - '0';
    } else if (low >= 'a' && low <= 'f') {
      nibble = low - 'a' + 10;
    } else {
      return false;
    }
    const int code = (p_[4] - '0') * 16 + nibble;
    if (code == '\b' || code == '\t' || code == '\n' || code == '\f' || code == '\r') return false;
    p_ += 6;
    return true;
  }

  // One well-formed UTF-8 sequence of two to four bytes (The Unicode
  // Standard, table 3-7): no overlong forms, surrogates or code points
  // above U+10FFFF.
  bool read_utf8_sequence() {
    const auto byte = [this](ptrdiff_t i) { return static_cast<unsigned char>(p_[i]); };
    const unsigned char lead = byte(0);
    ptrdiff_t length = 0;
    unsigned char low = 0x80;  // the range of the second byte
    unsigned char high = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      length = 3;
      if (lead == 0xE0) low = 0xA0;
      if (lead == 0xED) high = 0x9F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      length = 4;
      if (lead == 0xF0) low = 0x90;
      if (lead == 0xF4) high = 0x8F;
    } else {
      return false;
    }
    if (end_ - p_ < length || byte(1) < low || byte(1) > high) return false;
    for (ptrdiff_t i = 2; i < length; ++i) {
      if (byte(i) < 0x80 || byte(i) > 0xBF) return false;
    }
    p_ += length;
    return true;
  }

  bool read_word(std::string_view word) {
    if (static_cast<size_t>(end_ - p_) < word.size() ||
        std::memcmp(p_, word.data(), word.size()) != 0) {
      return false;
    }
    p_ += word.size();
    return true;
  }

  // -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?, then: an integer must fit
  // in int64 (negative) or uint64 and not be -0, as nlohmann parses them; a
  // float must be finite and spelt as nlohmann dumps it.
  bool read_number() {
    const char* start = p_;
    const bool negative = *p_ == '-';
    if (negative) ++p_;
    if (p_ == end_ || !is_digit(*p_)) return false;
    if (*p_ == '0') {
      ++p_;
    } else {
      while (p_ != end_ && is_digit(*p_)) ++p_;
    }
    bool is_float = false;
    if (p_ != end_ && *p_ == '.') {
      is_float = true;
      ++p_;
      if (!skip_digits()) return false;
    }
    if (p_ != end_ && (*p_ == 'e' || *p_ == 'E')) {
      is_float = true;
      ++p_;
      if (p_ != end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (!skip_digits()) return false;
    }
    if (is_float) {
      double d = 0;
      const auto [end, ec] = std::from_chars(start, p_, d);
      if (ec != std::errc() || end != p_ || !std::isfinite(d)) return false;
      return json(d).dump() == std::string_view(start, static_cast<size_t>(p_ - start));
    }
    if (negative) {
      int64_t i = 0;
      const auto [end, ec] = std::from_chars(start, p_, i);
      return ec == std::errc() && end == p_ && i != 0;
    }
    uint64_t u = 0;
    const auto [end, ec] = std::from_chars(start, p_, u);
    return ec == std::errc() && end == p_;
  }

  // One or more digits.
  bool skip_digits() {
    const char* start = p_;
    while (p_ != end_ && is_digit(*p_)) ++p_;
    return p_ != start;
  }

  void skip_space() {
    while (p_ != end_ && is_json_space(*p_)) ++p_;
  }

  const char* p_;
  const char* end_;
};

}  // namespace

bool is_canonical_json(std::string_view text) { return CanonicalJsonReader(text).read_whole(); }

void append_json_text(std::string& out, std::string_view text) {
  if (!is_canonical_json(text)) {
    out += dump_json(embed_json_text(text));
    return;
  }
  while (is_json_space(text.front())) text.remove_prefix(1);  // canonical text is not empty
  while (is_json_space(text.back())) text.remove_suffix(1);
  out += text;
}

std::string key_versions_page_json(std::string_view key, uint64_t offset,
                                   const std::vector<core::KeyVersion>& versions,
                                   std::optional<uint64_t> next_offset) {
  // Names in dump_json's (sorted) order, so the bytes match dump_json of
  // key_version_to_json's objects.
  size_t size = 128 + key.size();
  for (const core::KeyVersion& v : versions) size += 192 + v.value.size();
  std::string out;
  out.reserve(size);
  out += "{\"key\":";
  out += dump_json(std::string(key));
  out += ",\"next_offset\":";
  out += next_offset ? std::to_string(*next_offset) : "null";
  out += ",\"offset\":";
  out += std::to_string(offset);
  out += ",\"versions\":[";
  for (size_t i = 0; i < versions.size(); ++i) {
    const core::KeyVersion& v = versions[i];
    if (i > 0) out += ',';
    out += "{\"deleted\":";
    out += v.deleted ? "true" : "false";
    out += ",\"height\":";
    out += std::to_string(v.height);
    out += ",\"index\":";
    out += std::to_string(v.tx_index);
    out += ",\"timestamp_ms\":";
    out += std::to_string(v.timestamp_ms);
    out += ",\"tx_id\":\"";
    out += hex(v.tx_id);
    out += "\",\"value\":";
    if (v.deleted) {
      out += "null";
    } else {
      append_json_text(out, v.value);
    }
    out += '}';
  }
  out += "]}";
  return out;
}

json error_to_json(const core::Status& status) {
  return {{"error", {{"code", core::code_name(status.code())}, {"message", status.message()}}}};
}

std::string dump_json(const json& j) {
  return j.dump(-1, ' ', /*ensure_ascii=*/false, json::error_handler_t::replace);
}

}  // namespace silk::node
