#include <catch2/catch.hpp>
#include <string>

#include "wire/driver_messages.h"

using livy::decode_driver_message;
using livy::DriverMessage;

TEST_CASE("result-begin, -rows and -end read back as they were written", "[driver][results]") {
  const auto begin = decode_driver_message(
      R"({"type":"result-begin","id":4,"columns":[{"name":"id","type":"int64","sourceType":"bigint"},{"name":"x","type":"string"}]})");
  REQUIRE(begin.has_value());
  CHECK(begin->type == DriverMessage::Type::kResultBegin);
  CHECK(begin->statement_id == 4);
  REQUIRE(begin->result_columns.size() == 2);
  CHECK(begin->result_columns[0] == livy::ResultColumn{"id", "int64", "bigint"});
  CHECK(begin->result_columns[1].source_type.empty());

  const auto rows = decode_driver_message(R"({"type":"result-rows","id":4,"seq":0,"rows":[[1, "a"],[2,null],[]]})");
  REQUIRE(rows.has_value());
  CHECK(rows->result_seq == 0);
  CHECK(rows->result_rows == std::vector<std::string>{R"([1,"a"])", "[2,null]", "[]"});

  const auto end = decode_driver_message(R"({"type":"result-end","id":4,"complete":false,"error":"cancelled"})");
  REQUIRE(end.has_value());
  CHECK_FALSE(end->result_complete);
  CHECK(end->error == "cancelled");

  for (const auto& m : {*begin, *rows, *end}) {
    const std::string line = livy::encode_driver_message(m);
    const auto again = decode_driver_message(line.substr(0, line.size() - 1));
    REQUIRE(again.has_value());
    CHECK(*again == m);
  }
}

TEST_CASE("malformed result messages are refused with a reason, never a crash", "[driver][results]") {
  for (const char* bad : {
           R"({"type":"result-begin","columns":[]})",                                  // no id
           R"({"type":"result-begin","id":1,"columns":[{"name":"a","type":"decimal"}]})",  // unknown type
           R"({"type":"result-begin","id":1,"columns":{}})",
           R"({"type":"result-begin","id":1,"columns":[{"name":3,"type":"string"}]})",
           R"({"type":"result-rows","id":1,"rows":[[1]]})",                            // no seq
           R"({"type":"result-rows","id":1,"seq":-1,"rows":[[1]]})",
           R"({"type":"result-rows","id":1,"seq":0,"rows":[1]})",                      // a row that is no array
           R"({"type":"result-end","id":-3})"}) {
    CAPTURE(bad);
    CHECK_FALSE(decode_driver_message(bad).has_value());
  }
}

TEST_CASE("result-ack is written and read by the driver's rules", "[driver][results]") {
  const std::string line = livy::result_ack_message(7, 3, true);
  CHECK(line == "{\"type\":\"result-ack\",\"id\":7,\"seq\":3,\"stop\":true}\n");
  const auto m = livy::decode_livyd_message(line);
  REQUIRE(m.has_value());
  CHECK(m->type == livy::LivydMessage::Type::kResultAck);
  CHECK(m->id == 7);
  CHECK(m->seq == 3);
  CHECK(m->stop);
  CHECK_FALSE(livy::decode_livyd_message(R"({"type":"result-ack","id":7,"seq":3})").has_value());
}
