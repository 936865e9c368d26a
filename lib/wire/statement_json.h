// JSON form of the REST replies about statements: one encoder (livyd's
// routes) and one decoder (livy::Client) for each, as reply_json.h.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "livy/batch.h"
#include "livy/session.h"
#include "livy/status.h"

namespace livy::wire {

// {"id","code","state","output","progress","started","completed"}: Livy's
// Statement has no `kind`, so Statement::kind does not travel.
// `detailed` adds livyd's "detailed" member (detail_json.h), as for sessions (reply_json.h).
std::string encode_statement(const Statement& statement, bool detailed = false);
Result<Statement> decode_statement(const std::string& body);

// {"total_statements","statements"}; Livy does not echo `from`, so the decoder is given it.
std::string encode_statement_page(const Page<Statement>& page, bool detailed = false);
Result<Page<Statement>> decode_statement_page(const std::string& body, std::int64_t from);

// POST /sessions/{id}/completion's reply: {"candidates": [...]}.
std::string encode_candidates(const std::vector<std::string>& candidates);
Result<std::vector<std::string>> decode_candidates(const std::string& body);

}  // namespace livy::wire
