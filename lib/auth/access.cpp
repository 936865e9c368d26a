// Livy's AccessManager rules, and the route table that says what each request needs.
#include "auth/access.h"

#include <algorithm>

namespace livy::auth {
namespace {

bool contains(const std::vector<std::string>& users, const std::optional<std::string>& user) {
  return std::any_of(users.begin(), users.end(), [&](const std::string& u) { return u == "*" || u == *user; });
}

std::vector<std::string> joined(std::initializer_list<const std::vector<std::string>*> lists) {
  std::vector<std::string> out;
  for (const auto* list : lists) out.insert(out.end(), list->begin(), list->end());
  return out;
}

// The non-empty segments of a path: clients double and add slashes, which the routes accept.
std::vector<std::string_view> segments(std::string_view path) {
  std::vector<std::string_view> out;
  while (!path.empty()) {
    const std::size_t slash = path.find('/');
    if (slash != 0) out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

Status impersonation_refused(const std::string& caller, const std::string& target) {
  return Status::forbidden("User '" + caller + "' not allowed to impersonate '" + target + "'.");
}

}  // namespace

RouteAccess route_access(std::string_view method, std::string_view path) {
  const auto parts = segments(path);
  RouteAccess out;
  if (parts.size() < 2) return out;  // /sessions, /batches (list, create), /version, ...
  if (parts[0] == "sessions") {
    out.object = RouteAccess::Object::kSession;
  } else if (parts[0] == "batches") {
    out.object = RouteAccess::Object::kBatch;
  } else {
    return out;
  }
  out.ref = std::string(parts[1]);
  const bool read = method == "GET" || method == "HEAD";
  // connect-info hands out a token that runs code in the session, as a statement does.
  const bool connect_info =
      out.object == RouteAccess::Object::kSession && parts.size() == 3 && parts[2] == "connect-info";
  if (!read || connect_info) {
    out.need = Need::kModify;
  } else if (parts.size() == 2 || (parts.size() == 3 && parts[2] == "state")) {
    out.need = Need::kAllowed;  // Livy's withUnprotectedSession; the session's log is left out for non-viewers
  } else {
    out.need = Need::kView;
  }
  return out;
}

AccessControl::AccessControl(const Config& config)
    : enabled_(config.access_control),
      impersonation_(config.impersonation),
      superusers_(config.superusers),
      view_(joined({&config.superusers, &config.access_modify_users, &config.access_view_users})),
      modify_(joined({&config.superusers, &config.access_modify_users})),
      allowed_(joined({&config.superusers, &config.access_modify_users, &config.access_view_users,
                       &config.access_allowed_users})) {}

bool AccessControl::is_allowed(const std::optional<std::string>& user) const {
  return !enabled_ || !user || contains(allowed_, user);
}

bool AccessControl::is_superuser(const std::optional<std::string>& user) const {
  return !user || contains(superusers_, user);
}

bool AccessControl::views_all(const std::optional<std::string>& user) const {
  return !enabled_ || !user || contains(view_, user);
}

bool AccessControl::may(Need need, const std::optional<std::string>& user, const std::optional<std::string>& owner,
                        const std::optional<std::string>& proxy_user) const {
  if (!is_allowed(user)) return false;
  if (need == Need::kAllowed || !enabled_ || !user) return true;
  if (user == owner || user == proxy_user) return true;
  return contains(need == Need::kView ? view_ : modify_, user);
}

Result<std::optional<std::string>> AccessControl::effective_user(const std::optional<std::string>& caller,
                                                                 const std::optional<std::string>& do_as) const {
  if (!impersonation_ || !do_as || !caller || *do_as == *caller) return caller;
  if (!is_superuser(caller)) return impersonation_refused(*caller, *do_as);
  return do_as;
}

Result<std::optional<std::string>> AccessControl::proxy_user(const std::optional<std::string>& caller,
                                                             const std::optional<std::string>& do_as,
                                                             const std::optional<std::string>& requested) const {
  const std::optional<std::string> target = do_as ? do_as : requested;
  if (!caller) return target;  // no authentication: nobody to check, as Livy
  if (target && *target != *caller) {
    if (!impersonation_) {
      return Status::forbidden(impersonation_refused(*caller, *target).message() +
                               " Impersonation is off (livy.impersonation.enabled).");
    }
    if (!is_superuser(caller)) return impersonation_refused(*caller, *target);
  }
  if (impersonation_ && !target) return caller;
  return target;
}

Status check_access_config(const Config& config) {
  if (config.access_control && config.auth_type.empty()) {
    return Status::invalid_argument(
        "access-control.enabled (livy.server.access-control.enabled) is on but auth.type is none: without "
        "authentication there is no user to check, so every request would be let in. Set auth.type "
        "(livy.server.auth.type) to ldap, kerberos or jwt, or turn access control off.");
  }
  return Status::ok();
}

}  // namespace livy::auth
