#include "base/utf8.h"

#include <catch2/catch.hpp>
#include <string>

using livy::invalid_utf8_at;
using livy::is_valid_utf8;
using livy::repair_utf8;

TEST_CASE("UTF-8: well-formed text is accepted, byte for byte", "[utf8]") {
  for (const std::string& s : {std::string(), std::string("plain ascii"), std::string("caf\xC3\xA9"),
                              std::string("\xE2\x82\xAC 20"), std::string("\xF0\x9F\x98\x80"),
                              std::string("\xEF\xBF\xBD"), std::string("\xF4\x8F\xBF\xBF"), std::string("a\0b", 3)}) {
    CHECK(is_valid_utf8(s));
    CHECK(repair_utf8(s) == s);
  }
}

TEST_CASE("UTF-8: what the attack sent and every other ill-formed sequence is refused", "[utf8]") {
  CHECK(invalid_utf8_at("print(1)\xff\xfe") == 8);   // issue 9, F2
  CHECK(invalid_utf8_at("\xC0\xAF") == 0);           // overlong '/'
  CHECK(invalid_utf8_at("\xE0\x80\xAF") == 0);       // overlong
  CHECK(invalid_utf8_at("\xED\xA0\x80") == 0);       // a surrogate (CESU-8)
  CHECK(invalid_utf8_at("\xF4\x90\x80\x80") == 0);   // above U+10FFFF
  CHECK(invalid_utf8_at("ok\xE2\x82") == 2);         // cut short
  CHECK(invalid_utf8_at("\x80") == 0);               // a lone continuation byte
  CHECK(invalid_utf8_at("\xF8\x88\x80\x80\x80") == 0);
}

TEST_CASE("UTF-8: repair replaces each maximal ill-formed subpart with U+FFFD", "[utf8]") {
  const std::string r = "\xEF\xBF\xBD";
  CHECK(repair_utf8("a\xff\xfe" "b") == "a" + r + r + "b");
  CHECK(repair_utf8("\xE2\x82" "x") == r + "x");  // one subpart: the two bytes of a cut sequence
  CHECK(repair_utf8("\xED\xA0\x80") == r + r + r);
  CHECK(is_valid_utf8(repair_utf8("\xC3")));
}
