// libFuzzer target: every decoder of lib/wire against its encoder. Each input is
// decoded as every object of the wire module (requests, replies, statement
// outputs, error messages, driver messages both ways); what decodes is encoded
// again, decoded again, and must compare equal to what the first decode gave.
// Beyond "no crash, no sanitizer report, no RapidJSON assert", this finds any
// field an encoder drops, renames or writes in a form its decoder reads otherwise.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_check.h"
#include "wire/driver_messages.h"
#include "wire/job_json.h"
#include "wire/output_json.h"
#include "wire/reply_json.h"
#include "wire/request_json.h"
#include "wire/statement_json.h"

namespace {

using namespace livy;

// decode(encode(first)) == first, for a `first` that `decode` gave.
template <typename T, typename Encode, typename Decode>
void check(const Result<T>& first, Encode encode, Decode decode) {
  if (!first) return;
  const auto again = decode(encode(*first));
  FUZZ_CHECK(again.has_value());
  FUZZ_CHECK(*again == *first);
}

// A Session reply always names a kind ("shared" when unset) and echoes the
// top-level name, kind and proxy user in the request: what a decode of it gives.
Session as_echoed(Session s) {
  s.kind = s.kind.value_or(SessionKind::kShared);
  s.request.kind = s.kind;
  s.request.name = s.name;
  s.request.proxy_user = s.proxy_user;
  return s;
}

void check_session(const std::string& body) {
  const auto first = wire::decode_session(body);
  if (!first) return;
  const auto again = wire::decode_session(wire::encode_session(*first, /*detailed=*/true));
  FUZZ_CHECK(again.has_value());
  FUZZ_CHECK(*again == as_echoed(*first));
}

void check_session_page(const std::string& body) {
  const auto first = wire::decode_session_page(body);
  if (!first) return;
  const auto again = wire::decode_session_page(wire::encode_session_page(*first, /*detailed=*/true));
  FUZZ_CHECK(again.has_value());
  FUZZ_CHECK(again->from == first->from && again->total == first->total);
  FUZZ_CHECK(again->items.size() == first->items.size());
  for (std::size_t i = 0; i < first->items.size(); ++i) FUZZ_CHECK(again->items[i] == as_echoed(first->items[i]));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string in(reinterpret_cast<const char*>(data), size);

  // Requests.
  check(wire::decode_batch_request(in), wire::encode_batch_request, wire::decode_batch_request);
  check(wire::decode_session_request(in), wire::encode_session_request, wire::decode_session_request);
  check(wire::decode_statement_request(in), wire::encode_statement_request, wire::decode_statement_request);
  check(wire::decode_completion_request(in), wire::encode_completion_request, wire::decode_completion_request);
  check(wire::decode_job_request(in), wire::encode_job_request, wire::decode_job_request);
  check(wire::decode_resource_request(in), wire::encode_resource_request, wire::decode_resource_request);

  // Replies.
  check(wire::decode_version(in), wire::encode_version, wire::decode_version);
  // With the monitoring member (?detailed=true), which the decoders read back.
  check(wire::decode_batch(in), [](const Batch& b) { return wire::encode_batch(b, true); }, wire::decode_batch);
  check(wire::decode_batch_page(in), [](const Page<Batch>& p) { return wire::encode_batch_page(p, true); },
        wire::decode_batch_page);
  check_session(in);
  check_session_page(in);
  check(wire::decode_session_state(in), [](SessionState s) { return wire::encode_state(0, to_string(s)); },
        wire::decode_session_state);
  check(wire::decode_batch_state(in), [](BatchState s) { return wire::encode_state(0, to_string(s)); },
        wire::decode_batch_state);
  check(wire::decode_log(in), wire::encode_log, wire::decode_log);
  check(wire::decode_statement(in), [](const Statement& st) { return wire::encode_statement(st, true); },
        wire::decode_statement);
  check(wire::decode_statement_page(in, 3), [](const Page<Statement>& p) { return wire::encode_statement_page(p, true); },
        [](const std::string& body) { return wire::decode_statement_page(body, 3); });
  check(wire::decode_candidates(in), wire::encode_candidates, wire::decode_candidates);
  check(wire::decode_job(in), wire::encode_job, wire::decode_job);
  if (const auto msg = wire::decode_message(in)) FUZZ_CHECK(wire::decode_message(wire::encode_message(*msg)) == msg);

  // Statement outputs and the driver protocol.
  check(wire::decode_output(in), wire::encode_output, [](const std::string& json) { return wire::decode_output(json); });
  check(decode_driver_message(in), encode_driver_message, decode_driver_message);
  check(decode_livyd_message(in), encode_livyd_message, decode_livyd_message);
  return 0;
}
