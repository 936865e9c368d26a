// The lookup of lib/ui/assets' files; the files themselves are in ui_asset_files.cpp, which cmake/EmbedFiles.cmake
// generates.
#include "ui/ui_assets.h"

namespace livy::ui {

const Asset* find_asset(std::string_view name) {
  for (const Asset& asset : assets()) {
    if (name == asset.name) return &asset;
  }
  return nullptr;
}

std::string_view content_type(std::string_view name) {
  const auto ends = [name](std::string_view ext) { return name.ends_with(ext); };
  if (ends(".html")) return "text/html; charset=utf-8";
  if (ends(".css")) return "text/css; charset=utf-8";
  if (ends(".js")) return "text/javascript; charset=utf-8";
  if (ends(".svg")) return "image/svg+xml";
  if (ends(".png")) return "image/png";
  return "application/octet-stream";
}

}  // namespace livy::ui
