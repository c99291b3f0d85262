// The verification link: the URL that `silk doc link`, `silk doc qr` and GET /v1/docs/{id}/qr.svg
// give out, which opens the explorer's verify page for one document (docs/trade.md, "Verification
// links and QR codes"). One function, so that the CLI and the node give out the same link.
#pragma once

#include <string>
#include <string_view>

namespace silk::core {

// `base` (the node, e.g. "http://127.0.0.1:8645", without a trailing slash) +
// "/explorer/#/verify/<doc_id>?hash=<doc_hash>[&as=<jurisdiction>]", with the doc id and the
// values percent-encoded (RFC 3986 unreserved characters kept). `jurisdiction` may be empty.
std::string verification_link(std::string_view base, std::string_view doc_id,
                              std::string_view doc_hash_hex, std::string_view jurisdiction);

}  // namespace silk::core
