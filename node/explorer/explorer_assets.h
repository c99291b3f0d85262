// The explorer's files (node/explorer/*), embedded into silkd at build time by
// cmake/embed_explorer.cmake: no build step for the web page, nothing fetched.
#pragma once

#include <string_view>

namespace silk::node {

struct ExplorerAsset {
  std::string_view name;          // "index.html", "app.js", "style.css"
  std::string_view content_type;  // "text/html; charset=utf-8", ...
  std::string_view body;
};

// The asset with that file name; nullptr when there is none.
const ExplorerAsset* find_explorer_asset(std::string_view name);

}  // namespace silk::node
