#include "base/text_values.h"

#include <catch2/catch.hpp>

using namespace std::chrono_literals;
using livy::parse_byte_size;
using livy::parse_duration;
using livy::parse_int;

TEST_CASE("parse_int reads decimal integers and nothing else", "[text_values]") {
  CHECK(parse_int("42") == 42);
  CHECK(parse_int("0") == 0);
  CHECK(parse_int("-3") == -3);
  CHECK(parse_int("  7 \t") == 7);
  CHECK(parse_int("9223372036854775807") == INT64_MAX);
  CHECK(parse_int("-9223372036854775808") == INT64_MIN);

  CHECK_FALSE(parse_int(""));
  CHECK_FALSE(parse_int("   "));
  CHECK_FALSE(parse_int("lots"));
  CHECK_FALSE(parse_int("12a"));
  CHECK_FALSE(parse_int("1.5"));
  CHECK_FALSE(parse_int("1 2"));
  CHECK_FALSE(parse_int("0x10"));
  CHECK_FALSE(parse_int("9223372036854775808"));  // one past INT64_MAX
  CHECK_FALSE(parse_int("99999999999999999999999"));
}

TEST_CASE("parse_bool accepts the usual spellings in any case", "[text_values]") {
  for (const char* t : {"true", "TRUE", "yes", "On", "1", " true "}) {
    INFO(t);
    CHECK(livy::parse_bool(t) == true);
  }
  for (const char* f : {"false", "False", "no", "OFF", "0"}) {
    INFO(f);
    CHECK(livy::parse_bool(f) == false);
  }
  for (const char* bad : {"", "maybe", "2", "truee", "y"}) {
    INFO(bad);
    CHECK_FALSE(livy::parse_bool(bad));
  }
}

TEST_CASE("parse_duration reads units, and bare numbers as seconds", "[text_values]") {
  CHECK(parse_duration("500ms") == 500ms);
  CHECK(parse_duration("30s") == 30s);
  CHECK(parse_duration("10m") == 10min);
  CHECK(parse_duration("1h") == 1h);
  CHECK(parse_duration("2d") == 48h);
  CHECK(parse_duration("45") == 45s);
  CHECK(parse_duration("0") == 0ms);
  CHECK(parse_duration("10 min") == 10min);
  CHECK(parse_duration("3 Hours") == 3h);

  CHECK_FALSE(parse_duration(""));
  CHECK_FALSE(parse_duration("lots"));
  CHECK_FALSE(parse_duration("1.5h"));
  CHECK_FALSE(parse_duration("-5s"));
  CHECK_FALSE(parse_duration("10x"));
  CHECK_FALSE(parse_duration("s"));
  // Would overflow int64 milliseconds.
  CHECK_FALSE(parse_duration("999999999999999999d"));
  CHECK_FALSE(parse_duration("9999999999999999999"));
}

TEST_CASE("format_duration gives text that parse_duration reads back", "[text_values]") {
  CHECK(livy::format_duration(1h) == "1h");
  CHECK(livy::format_duration(10min) == "10m");
  CHECK(livy::format_duration(90s) == "90s");
  CHECK(livy::format_duration(200ms) == "200ms");
  CHECK(livy::format_duration(0ms) == "0s");
  for (auto d : {0ms, 1ms, 999ms, 1000ms, 61'000ms, 3'600'000ms, 86'400'000ms, 90'061'001ms}) {
    INFO(d.count());
    CHECK(parse_duration(livy::format_duration(d)) == d);
  }
}

TEST_CASE("parse_byte_size reads powers of 1024", "[text_values]") {
  CHECK(parse_byte_size("1048576") == 1048576u);
  CHECK(parse_byte_size("0") == 0u);
  CHECK(parse_byte_size("512k") == 512u * 1024);
  CHECK(parse_byte_size("10m") == 10u << 20);
  CHECK(parse_byte_size("10MB") == 10u << 20);
  CHECK(parse_byte_size("1g") == 1u << 30);
  CHECK(parse_byte_size("1mb") == 1u << 20);
  CHECK(parse_byte_size("1GiB") == 1u << 30);
  CHECK(parse_byte_size("2KiB") == 2048u);
  CHECK(parse_byte_size("3t") == 3ull << 40);
  CHECK(parse_byte_size("100b") == 100u);

  CHECK_FALSE(parse_byte_size(""));
  CHECK_FALSE(parse_byte_size("lots"));
  CHECK_FALSE(parse_byte_size("1.5g"));
  CHECK_FALSE(parse_byte_size("-1k"));
  CHECK_FALSE(parse_byte_size("10x"));
  CHECK_FALSE(parse_byte_size("10 megabytes"));
  CHECK_FALSE(parse_byte_size("999999999999999999t"));  // overflows 64 bits
  CHECK_FALSE(parse_byte_size("18446744073709551616"));  // one past UINT64_MAX
}

TEST_CASE("Every size and duration that fits 64 bits reads back from its own text", "[text_values]") {
  // Found by fuzz_config: 4444444444440m is 4660337777773117440 bytes, a
  // 19-digit number the reader refused although it had produced it.
  CHECK(parse_byte_size("4444444444440m") == 4660337777773117440ull);
  CHECK(parse_byte_size("4660337777773117440") == 4660337777773117440ull);
  CHECK(parse_byte_size("18446744073709551615") == UINT64_MAX);
  CHECK(parse_byte_size("000000000000000000001k") == 1024u);
  CHECK(parse_duration("9223372036854775807ms") == std::chrono::milliseconds(INT64_MAX));
  CHECK(parse_duration(livy::format_duration(std::chrono::milliseconds(INT64_MAX))) ==
        std::chrono::milliseconds(INT64_MAX));
}

TEST_CASE("is_spark_memory_string accepts what spark-submit accepts", "[text_values]") {
  for (const char* ok : {"512m", "2g", "2G", "1gb", "10MB", "1024", "1k", "3t", "1p", "100b"}) {
    INFO(ok);
    CHECK(livy::is_spark_memory_string(ok));
  }
  for (const char* bad : {"", "0", "0g", "000m", "1.5g", "lots", "g", "-1g", "1 g", "1GiB", "1x", "2 gb",
                          "99999999999999999999g"}) {
    INFO(bad);
    CHECK_FALSE(livy::is_spark_memory_string(bad));
  }
}

TEST_CASE("split_list trims items and drops empty ones", "[text_values]") {
  using V = std::vector<std::string>;
  CHECK(livy::split_list("a, b,c") == V{"a", "b", "c"});
  CHECK(livy::split_list("") == V{});
  CHECK(livy::split_list(" , ,a,, ") == V{"a"});
  CHECK(livy::split_list("/a, /b") == V{"/a", "/b"});
  CHECK(livy::split_list("x:y::z", ':') == V{"x", "y", "z"});
  CHECK(livy::split_list("only") == V{"only"});
}

TEST_CASE("trim removes surrounding whitespace only", "[text_values]") {
  CHECK(livy::trim("  a b \t\n") == "a b");
  CHECK(livy::trim("") == "");
  CHECK(livy::trim("   ") == "");
}
