// libFuzzer target: the REST request decoders (lib/wire/request_json.h).
// Every input goes to all four: batch, session, statement and completion.
// Checked, beyond "no crash, no sanitizer report, no RapidJSON assert":
//  - a rejected body is invalid_argument with a message;
//  - an accepted body names only the fields of its request (unknown ones are rejected);
//  - an accepted batch or session request, encoded again (what the store keeps),
//    decodes to the same request;
//  - an accepted statement or completion request, written again as JSON, decodes
//    to the same code, kind and cursor.
#include <rapidjson/document.h>

#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "wire/output_json.h"
#include "wire/request_json.h"
#include "fuzz_check.h"

namespace {

using namespace livy;
using livy_fuzz::check_rejection;

bool same(const SparkResources& a, const SparkResources& b) {
  const auto fields = [](const SparkResources& r) {
    return std::tie(r.jars, r.py_files, r.files, r.archives, r.driver_memory, r.driver_cores, r.executor_memory,
                    r.executor_cores, r.num_executors, r.queue, r.conf);
  };
  return fields(a) == fields(b);
}

bool same(const BatchRequest& a, const BatchRequest& b) {
  return std::tie(a.file, a.class_name, a.args, a.name, a.proxy_user) ==
             std::tie(b.file, b.class_name, b.args, b.name, b.proxy_user) &&
         same(a.resources, b.resources);
}

bool same(const SessionRequest& a, const SessionRequest& b) {
  return std::tie(a.kind, a.name, a.proxy_user, a.heartbeat_timeout_s, a.ttl, a.idle_timeout) ==
             std::tie(b.kind, b.name, b.proxy_user, b.heartbeat_timeout_s, b.ttl, b.idle_timeout) &&
         same(a.resources, b.resources);
}

// Every member name of `json`, which a decoder accepted, so it is an object.
std::vector<std::string> member_names(const std::string& json) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag>(json.c_str(), json.size());
  FUZZ_CHECK(!doc.HasParseError() && doc.IsObject());
  std::vector<std::string> names;
  for (const auto& m : doc.GetObject()) names.emplace_back(m.name.GetString(), m.name.GetStringLength());
  return names;
}

const std::set<std::string> kResourceFields = {
    "jars",           "pyFiles",       "files",        "archives", "driverMemory", "driverCores",
    "executorMemory", "executorCores", "numExecutors", "queue",    "conf"};

void check_names(const std::string& json, const std::set<std::string>& own, bool with_resources) {
  for (const auto& name : member_names(json)) {
    FUZZ_CHECK(own.count(name) == 1 || (with_resources && kResourceFields.count(name) == 1));
  }
}

void check_batch(const std::string& json) {
  const auto req = wire::decode_batch_request(json);
  if (!req) return check_rejection(req.status());
  check_names(json, {"file", "className", "args", "name", "proxyUser"}, true);
  const auto again = wire::decode_batch_request(wire::encode_batch_request(*req));
  FUZZ_CHECK(again.has_value());
  FUZZ_CHECK(same(*req, *again));
}

void check_session(const std::string& json) {
  const auto req = wire::decode_session_request(json);
  if (!req) return check_rejection(req.status());
  check_names(json, {"kind", "name", "proxyUser", "heartbeatTimeoutInSecond", "ttl", "idleTimeout"}, true);
  FUZZ_CHECK(req->heartbeat_timeout_s >= 0);
  const auto again = wire::decode_session_request(wire::encode_session_request(*req));
  FUZZ_CHECK(again.has_value());
  FUZZ_CHECK(same(*req, *again));
}

// {"code": ..., "kind": ...} written from a decoded request.
std::string code_and_kind(const std::string& code, const std::optional<SessionKind>& kind) {
  std::string json = "{\"code\":" + wire::json_string_literal(code);
  if (kind) json += ",\"kind\":" + wire::json_string_literal(std::string(to_string(*kind)));
  return json;
}

void check_statement(const std::string& json) {
  const auto req = wire::decode_statement_request(json);
  if (!req) return check_rejection(req.status());
  check_names(json, {"code", "kind"}, false);
  const auto again = wire::decode_statement_request(code_and_kind(req->code, req->kind) + "}");
  FUZZ_CHECK(again.has_value());
  FUZZ_CHECK(again->code == req->code && again->kind == req->kind);
}

void check_completion(const std::string& json) {
  const auto req = wire::decode_completion_request(json);
  if (!req) return check_rejection(req.status());
  check_names(json, {"code", "kind", "cursor"}, false);
  FUZZ_CHECK(req->cursor >= 0);
  const auto again = wire::decode_completion_request(code_and_kind(req->code, req->kind) +
                                                      ",\"cursor\":" + std::to_string(req->cursor) + "}");
  FUZZ_CHECK(again.has_value());
  FUZZ_CHECK(again->code == req->code && again->kind == req->kind && again->cursor == req->cursor);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string json(reinterpret_cast<const char*>(data), size);
  check_batch(json);
  check_session(json);
  check_statement(json);
  check_completion(json);
  return 0;
}
