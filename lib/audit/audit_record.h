// Which requests the audit log records, and what each one did: read from the method and the
// path alone (and the Location of a 201), so that no route has to say it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace livy::audit {

// An audited action: `action` on `object` (its id when known; a statement's, job's or
// upload's session in `session_id`). Ids are the path's text (an id or a session name).
struct Action {
  std::string action;  // create, delete, submit, cancel, upload, add, stop, interrupt
  std::string object;  // session, batch, statement, job, jar, pyfile, file
  std::optional<std::string> id;
  std::optional<std::string> session_id;
};

// The action of `method` `path`, or nullopt for a request that changes nothing (GET) or is
// not Livy's. `location`: the reply's Location header, which names what a create made.
std::optional<Action> classify(std::string_view method, std::string_view path, std::string_view location);

}  // namespace livy::audit
