#include "wire/detail_json.h"

#include <optional>

namespace livy::wire {
namespace {

// 0 is "not reached, or not known".
void time_or_null(JsonWriter& w, const char* key, std::int64_t ms) {
  w.key(key);
  if (ms > 0) w.int64(ms);
  else w.null();
}

void duration_or_null(JsonWriter& w, const char* key, std::optional<std::int64_t> ms) {
  w.key(key);
  if (ms) w.int64(*ms);
  else w.null();
}

// From `from` to `to`, when both are known (and in order: a wall clock set back gives none).
std::optional<std::int64_t> between(std::int64_t from, std::int64_t to) {
  if (from <= 0 || to <= 0 || to < from) return std::nullopt;
  return to - from;
}

// How long it waited before it could take work: until it first ran (was idle), or until it
// ended if it never did; unknown while it still waits.
std::optional<std::int64_t> queued(const Timeline& t) {
  return between(t.created_ms, t.ready_ms > 0 ? t.ready_ms : t.ended_ms);
}

void write_times(JsonWriter& w, const Timeline& t, const char* ready_key) {
  time_or_null(w, "createdAt", t.created_ms);
  time_or_null(w, "startedAt", t.started_ms);
  time_or_null(w, ready_key, t.ready_ms);
  time_or_null(w, "endedAt", t.ended_ms);
  duration_or_null(w, "queuedMs", queued(t));
}

// nullopt for an absent or mistyped "detailed" (a mistyped one is recorded as the failure).
std::optional<ReplyReader> detail_of(ReplyReader& r) {
  const rapidjson::Value* v = r.find(kDetailedKey);
  if (v == nullptr) return std::nullopt;
  if (!v->IsObject()) {
    r.fail(kDetailedKey, "must be an object");
    return std::nullopt;
  }
  return r.child(kDetailedKey, *v);
}

// A time the writer shows as null (not positive) is read as 0, "not known".
void read_time(ReplyReader& d, const char* key, std::int64_t& out) {
  d.read(key, out);
  if (out < 0) out = 0;
}

void read_times(ReplyReader& d, Timeline& t, const char* ready_key) {
  read_time(d, "createdAt", t.created_ms);
  read_time(d, "startedAt", t.started_ms);
  read_time(d, ready_key, t.ready_ms);
  read_time(d, "endedAt", t.ended_ms);
}

}  // namespace

void write_batch_detail(JsonWriter& w, const Batch& b) {
  w.key(kDetailedKey);
  w.start_object();
  write_times(w, b.timeline, "runningAt");
  w.end_object();
}

void write_session_detail(JsonWriter& w, const Session& s) {
  w.key(kDetailedKey);
  w.start_object();
  write_times(w, s.timeline, "idleAt");
  w.int64("statementsRun", s.statements_run);
  w.end_object();
}

void write_statement_detail(JsonWriter& w, const Statement& st) {
  w.key(kDetailedKey);
  w.start_object();
  time_or_null(w, "submittedAt", st.submitted_ms);
  // A statement cancelled before it started waited until it was cancelled.
  duration_or_null(w, "queuedMs", between(st.submitted_ms, st.started_ms > 0 ? st.started_ms : st.completed_ms));
  duration_or_null(w, "runningMs", between(st.started_ms, st.completed_ms));
  w.end_object();
}

void read_batch_detail(ReplyReader& r, Batch& b) {
  if (auto d = detail_of(r)) read_times(*d, b.timeline, "runningAt");
}

void read_session_detail(ReplyReader& r, Session& s) {
  if (auto d = detail_of(r)) {
    read_times(*d, s.timeline, "idleAt");
    d->read("statementsRun", s.statements_run);
  }
}

void read_statement_detail(ReplyReader& r, Statement& st) {
  if (auto d = detail_of(r)) read_time(*d, "submittedAt", st.submitted_ms);
}

}  // namespace livy::wire
