#include "silk/core/verify_link.h"

namespace silk::core {

namespace {

std::string percent_encode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : s) {
    const unsigned char u = static_cast<unsigned char>(c);
    const bool unreserved = (u >= 'A' && u <= 'Z') || (u >= 'a' && u <= 'z') ||
                            (u >= '0' && u <= '9') || u == '-' || u == '.' || u == '_' || u == '~';
    if (unreserved) {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 15];
    }
  }
  return out;
}

}  // namespace

std::string verification_link(std::string_view base, std::string_view doc_id,
                              std::string_view doc_hash_hex, std::string_view jurisdiction) {
  while (!base.empty() && base.back() == '/') base.remove_suffix(1);
  std::string url = std::string(base) + "/explorer/#/verify/" + percent_encode(doc_id) +
                    "?hash=" + percent_encode(doc_hash_hex);
  if (!jurisdiction.empty()) url += "&as=" + percent_encode(jurisdiction);
  return url;
}

}  // namespace silk::core
