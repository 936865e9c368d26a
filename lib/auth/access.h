// Access control and impersonation: Livy's AccessManager rules (livy.server.access-control.*,
// livy.superusers, livy.impersonation.enabled) and the table of what each route asks of its caller.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "livy/config.h"
#include "livy/status.h"

namespace livy::auth {

// What a request asks of its caller, beyond being an allowed user.
enum class Need {
  kAllowed,  // any allowed user: create, list, GET of a session or batch and of its state
  kView,     // view access to the session or batch: its log, statements, jobs
  kModify,   // modify access: every request that changes it
};

// The object a request is about, and what it needs: read from the method and the path alone,
// so that one table, not each route, says who may do what.
struct RouteAccess {
  enum class Object { kNone, kSession, kBatch };
  Object object = Object::kNone;
  std::string ref;  // the {id} segment (an id or a name); empty for /sessions and /batches
  Need need = Need::kAllowed;
};

// The route table: GET (and HEAD) of /sessions/{id}, /batches/{id} and their /state is open
// to every allowed user, another GET under them needs view access, any other method under
// them needs modify access (as Livy's servlets), and so does GET /sessions/{id}/connect-info
// (its token runs code); everything else needs only an allowed user.
RouteAccess route_access(std::string_view method, std::string_view path);

// Livy's AccessManager over a Config. A missing user (no authentication) may do everything,
// as in Livy.
class AccessControl {
 public:
  explicit AccessControl(const Config& config);

  bool enabled() const { return enabled_; }
  bool impersonation() const { return impersonation_; }

  // In allowed-users, view-users, modify-users or superusers (or one of them is `*`).
  bool is_allowed(const std::optional<std::string>& user) const;
  // In superusers; holds with access control off too (impersonation asks it).
  bool is_superuser(const std::optional<std::string>& user) const;
  // Sees every session and batch: access control off, or a view, modify or super user.
  bool views_all(const std::optional<std::string>& user) const;
  // Owner, proxy user, or views_all (view) / a modify or super user (modify).
  bool may(Need need, const std::optional<std::string>& user, const std::optional<std::string>& owner,
           const std::optional<std::string>& proxy_user) const;

  // The user whose rights a request is checked with: with impersonation on, `doAs` if the
  // caller may impersonate them (else 403); else the caller.
  Result<std::optional<std::string>> effective_user(const std::optional<std::string>& caller,
                                                    const std::optional<std::string>& do_as) const;
  // The proxy user of a new session or batch: `doAs`, else the request's proxyUser, and with
  // impersonation on, else the caller. Naming anyone but the caller needs impersonation on and
  // the caller a superuser; else 403. Without authentication the name is passed on as asked.
  Result<std::optional<std::string>> proxy_user(const std::optional<std::string>& caller,
                                                const std::optional<std::string>& do_as,
                                                const std::optional<std::string>& requested) const;

 private:
  bool enabled_;
  bool impersonation_;
  std::vector<std::string> superusers_;
  std::vector<std::string> view_;     // superusers, modify-users and view-users
  std::vector<std::string> modify_;   // superusers and modify-users
  std::vector<std::string> allowed_;  // all of the above and allowed-users
};

// Settings AccessControl cannot honour: access control without authentication (there would be
// no user to check, and Livy would then let everyone in).
Status check_access_config(const Config& config);

}  // namespace livy::auth
