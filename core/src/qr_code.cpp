#include "silk/core/qr_code.h"

#include <png.h>
#include <qrencode.h>

#include <memory>
#include <string>

namespace silk::core {

using core::Result;
using core::Status;

namespace {

std::string xml_text(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace

Result<QrCode> QrCode::encode(std::string_view text) {
  if (text.empty()) return Status::invalid("QR code: nothing to encode");
  if (text.size() > kMaxTextBytes) {
    return Status::invalid("QR code: " + std::to_string(text.size()) + " bytes over the limit of " +
                           std::to_string(kMaxTextBytes));
  }
  std::unique_ptr<QRcode, decltype(&QRcode_free)> code(
      QRcode_encodeData(static_cast<int>(text.size()),
                        reinterpret_cast<const unsigned char*>(text.data()), 0, QR_ECLEVEL_M),
      &QRcode_free);
  if (!code) return Status::internal("QR code: libqrencode could not encode the text");
  QrCode out;
  out.size_ = code->width;
  out.modules_.resize(static_cast<size_t>(code->width) * static_cast<size_t>(code->width));
  for (size_t i = 0; i < out.modules_.size(); ++i) out.modules_[i] = code->data[i] & 1;
  return out;
}

std::string QrCode::to_svg(int module_px, std::string_view title) const {
  const std::string side = std::to_string((size_ + 2 * kQuietModules) * module_px);
  const std::string step = std::to_string(module_px);
  std::string out;
  out.append(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"");
  out.append(" width=\"").append(side).append("\" height=\"").append(side);
  out.append("\" viewBox=\"0 0 ").append(side).append(" ").append(side);
  out.append("\" role=\"img\" shape-rendering=\"crispEdges\">\n<title>");
  out.append(xml_text(title)).append("</title>\n");
  out.append("<rect width=\"").append(side).append("\" height=\"").append(side);
  out.append("\" fill=\"#fff\"/>\n<path fill=\"#000\" d=\"");
  for (int y = 0; y < size_; ++y) {
    for (int x = 0; x < size_; ++x) {
      if (!dark(x, y)) continue;
      out.append("M").append(std::to_string((x + kQuietModules) * module_px));
      out.append(" ").append(std::to_string((y + kQuietModules) * module_px));
      out.append("h").append(step).append("v").append(step).append("h-").append(step).append("z");
    }
  }
  out.append("\"/>\n</svg>\n");
  return out;
}

Result<core::Bytes> QrCode::to_png(int module_px) const {
  if (module_px < 1 || module_px > 64) {
    return Status::invalid("QR code: " + std::to_string(module_px) + " pixels a module; use 1-64");
  }
  const int side = (size_ + 2 * kQuietModules) * module_px;
  std::vector<uint8_t> pixels(static_cast<size_t>(side) * static_cast<size_t>(side), 0xff);
  for (int y = 0; y < size_; ++y) {
    for (int x = 0; x < size_; ++x) {
      if (!dark(x, y)) continue;
      for (int dy = 0; dy < module_px; ++dy) {
        const size_t row = static_cast<size_t>((y + kQuietModules) * module_px + dy) * side;
        for (int dx = 0; dx < module_px; ++dx) {
          pixels[row + static_cast<size_t>((x + kQuietModules) * module_px + dx)] = 0;
        }
      }
    }
  }
  // libpng's simplified API: the first call sizes the buffer, the second fills it.
  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  image.width = static_cast<png_uint_32>(side);
  image.height = static_cast<png_uint_32>(side);
  image.format = PNG_FORMAT_GRAY;
  png_alloc_size_t bytes = 0;
  if (!png_image_write_to_memory(&image, nullptr, &bytes, 0, pixels.data(), 0, nullptr)) {
    png_image_free(&image);
    return Status::internal("QR code: libpng could not size the image");
  }
  core::Bytes out(bytes);
  if (!png_image_write_to_memory(&image, out.data(), &bytes, 0, pixels.data(), 0, nullptr)) {
    png_image_free(&image);
    return Status::internal("QR code: libpng could not write the image");
  }
  out.resize(bytes);
  return out;
}

}  // namespace silk::core
