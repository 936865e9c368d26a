// libFuzzer target: what livyd reads of a client's credentials before it knows
// who the client is (lib/auth/auth_header.h, lib/auth/auth_cookie.h): the
// Authorization header, HTTP Basic credentials, the Cookie header and the
// signed auth cookie. Checked, beyond "no crash, no sanitizer report":
//  - a parsed Authorization has a non-empty lower-case scheme of token
//    characters and a token without control characters or outer spaces;
//  - Basic credentials have a non-empty user and password, or a 400/401 error
//    with a message; never an empty password (an anonymous LDAP bind);
//  - no input is accepted as an auth cookie (only a signature made with the key
//    is), and a cookie signed for any user the format carries verifies as that user.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "auth/auth_cookie.h"
#include "auth/auth_header.h"
#include "fuzz_check.h"

namespace {

bool is_lower_token(const std::string& s) {
  if (s.empty()) return false;
  for (const char c : s) {
    if (c >= 'A' && c <= 'Z') return false;
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  using namespace livy::auth;

  const auto header = parse_authorization(input);
  if (header) {
    FUZZ_CHECK(is_lower_token(header->scheme));
    for (const char c : header->token) FUZZ_CHECK(static_cast<unsigned char>(c) >= 0x20 && c != 0x7f);
    if (!header->token.empty()) {
      FUZZ_CHECK(header->token.front() != ' ' && header->token.back() != ' ');
    }
  } else {
    livy_fuzz::check_rejection(header.status());
  }

  const auto basic = parse_basic(input);
  if (basic) {
    FUZZ_CHECK(!basic->user.empty());
    FUZZ_CHECK(!basic->password.empty());
    FUZZ_CHECK(basic->user.find(':') == std::string::npos);
  } else {
    FUZZ_CHECK(basic.status().code() == livy::ErrorCode::kInvalidArgument ||
               basic.status().code() == livy::ErrorCode::kUnauthenticated);
    FUZZ_CHECK(!basic.status().message().empty());
  }

  (void)find_cookie(input, kAuthCookieName);

  static const CookieSigner signer(std::string(32, 'k'), "ldap", std::chrono::hours(1));
  const auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1'700'000'000));
  FUZZ_CHECK(!signer.verify(input, now));
  if (const auto cookie = find_cookie(input, kAuthCookieName)) FUZZ_CHECK(!signer.verify(*cookie, now));
  const std::string user(input.substr(0, 64));
  if (const auto signed_value = signer.sign(user, now)) {
    const auto back = signer.verify(*signed_value, now);
    FUZZ_CHECK(back && *back == user);
    FUZZ_CHECK(!signer.verify(*signed_value, now + std::chrono::hours(1)));
  }
  return 0;
}
