// livyd's monitoring fields (beyond Livy): the one extra member "detailed" that a
// Batch, Session or Statement object carries when a GET asks ?detailed=true, never
// otherwise (Livy's strict clients refuse unknown fields). Epoch milliseconds; a time
// not reached yet, or not known (a row stored by an older livyd), is null. The writers
// add the member to an open object; the readers take it back (its durations are
// derived, so they are not read).
//
//   batch:     {"createdAt","startedAt","runningAt","endedAt","queuedMs"}
//   session:   {"createdAt","startedAt","idleAt","endedAt","queuedMs","statementsRun"}
//   statement: {"submittedAt","queuedMs","runningMs"}
#pragma once

#include "livy/batch.h"
#include "livy/session.h"
#include "wire/json_writer.h"
#include "wire/reply_reader.h"

namespace livy::wire {

inline constexpr const char* kDetailedKey = "detailed";

void write_batch_detail(JsonWriter& w, const Batch& batch);
void write_session_detail(JsonWriter& w, const Session& session);
void write_statement_detail(JsonWriter& w, const Statement& statement);

void read_batch_detail(ReplyReader& r, Batch& batch);
void read_session_detail(ReplyReader& r, Session& session);
void read_statement_detail(ReplyReader& r, Statement& statement);

}  // namespace livy::wire
