// The web UI's files (lib/ui/assets), compiled into livy::http by cmake/EmbedFiles.cmake
// and served by lib/http/ui_pages.cpp.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

namespace livy::ui {

// One file of lib/ui/assets, as it was when livyd was built.
struct Asset {
  const char* name;           // its path under lib/ui/assets, e.g. "static/ui.js"
  const unsigned char* data;  // its bytes (static storage)
  std::size_t size;
  const char* etag;  // a quoted strong ETag: the start of the file's SHA-256
};

// Every file, in the order the build listed them (generated).
std::span<const Asset> assets();

// The file named `name`, or nullptr.
const Asset* find_asset(std::string_view name);

// The Content-Type to serve `name` with, from its extension.
std::string_view content_type(std::string_view name);

}  // namespace livy::ui
