// QR codes for verification links (`silk doc qr`, GET /v1/docs/{id}/qr.svg).
//
// The symbol is encoded by libqrencode (byte mode, error correction level M, the smallest version
// that holds the text); this file only draws its modules as SVG or PNG (libpng), with the
// four-module quiet zone ISO/IEC 18004 asks for.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "silk/core/bytes.h"
#include "silk/core/status.h"

namespace silk::core {

class QrCode {
 public:
  // `text` (at most kMaxTextBytes bytes, e.g. a URL) as a QR symbol. Errors: invalid when the
  // text is empty or too long; internal when libqrencode fails otherwise.
  static core::Result<QrCode> encode(std::string_view text);

  static constexpr size_t kMaxTextBytes = 2048;
  static constexpr int kQuietModules = 4;

  // Modules per side, without the quiet zone.
  int size() const { return size_; }
  // Whether the module at column x, row y (0-based, inside the symbol) is dark.
  bool dark(int x, int y) const { return modules_[static_cast<size_t>(y * size_ + x)] != 0; }

  // A standalone SVG image, `module_px` user units per module, one <path> of dark squares on a
  // white background, with `title` as its accessible name.
  std::string to_svg(int module_px, std::string_view title) const;
  // An 8-bit greyscale PNG, `module_px` pixels per module (1..64). Errors: invalid for a bad
  // scale; internal when libpng fails.
  core::Result<core::Bytes> to_png(int module_px) const;

 private:
  int size_ = 0;
  std::vector<uint8_t> modules_;  // size_ * size_, row-major; 1 = dark
};

}  // namespace silk::core
