// Base64 (RFC 4648, standard alphabet, padded), as Livy's clients and JSON layer use it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace livy {

std::string base64_encode(std::string_view bytes);
// nullopt for anything but the standard alphabet; padding may be left out.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace livy
