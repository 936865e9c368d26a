// Livy's access-control rules (auth/access.h), table-driven: who may do what to a session
// owned by `owner` with proxy user `proxy`, and the route table that says what each request needs.
#include <catch2/catch.hpp>

#include "auth/access.h"

using livy::auth::AccessControl;
using livy::auth::Need;
using livy::auth::RouteAccess;
using livy::auth::route_access;

namespace {

livy::Config acl_config() {
  livy::Config c;
  c.auth_type = "ldap";
  c.access_control = true;
  c.access_allowed_users = {"owner", "other", "proxy"};
  c.access_view_users = {"viewer"};
  c.access_modify_users = {"modifier"};
  c.superusers = {"root"};
  return c;
}

std::optional<std::string> u(const char* name) { return name ? std::optional<std::string>(name) : std::nullopt; }

}  // namespace

TEST_CASE("access: who may view and modify a session, with access control on", "[auth][access]") {
  const AccessControl access(acl_config());
  struct Row {
    const char* user;
    bool allowed, view, modify, views_all;
  };
  // The session: owner "owner", proxy user "proxy".
  const Row rows[] = {
      {"owner", true, true, true, false},     {"proxy", true, true, true, false},
      {"other", true, false, false, false},   {"viewer", true, true, false, true},
      {"modifier", true, true, true, true},   {"root", true, true, true, true},
      {"stranger", false, false, false, false}, {nullptr, true, true, true, true},  // no authentication
  };
  for (const Row& row : rows) {
    INFO((row.user ? row.user : "(no user)"));
    CHECK(access.is_allowed(u(row.user)) == row.allowed);
    CHECK(access.may(Need::kAllowed, u(row.user), u("owner"), u("proxy")) == row.allowed);
    CHECK(access.may(Need::kView, u(row.user), u("owner"), u("proxy")) == row.view);
    CHECK(access.may(Need::kModify, u(row.user), u("owner"), u("proxy")) == row.modify);
    CHECK(access.views_all(u(row.user)) == row.views_all);
  }
  // A session without a proxy user or owner (created before authentication) is nobody's.
  CHECK_FALSE(access.may(Need::kView, u("other"), std::nullopt, std::nullopt));
  CHECK(access.may(Need::kView, u("viewer"), std::nullopt, std::nullopt));
}

TEST_CASE("access: off, everyone may do everything; * lists are everyone", "[auth][access]") {
  livy::Config off = acl_config();
  off.access_control = false;
  const AccessControl open(off);
  for (const char* user : {"stranger", "other"}) {
    CHECK(open.is_allowed(u(user)));
    CHECK(open.may(Need::kModify, u(user), u("owner"), std::nullopt));
    CHECK(open.views_all(u(user)));
  }
  CHECK_FALSE(open.is_superuser(u("stranger")));  // superusers matter to impersonation, on or off

  livy::Config stars = acl_config();
  stars.access_allowed_users = {"*"};
  stars.access_view_users = {"*"};
  const AccessControl everyone_views(stars);
  CHECK(everyone_views.is_allowed(u("stranger")));
  CHECK(everyone_views.may(Need::kView, u("stranger"), u("owner"), std::nullopt));
  CHECK_FALSE(everyone_views.may(Need::kModify, u("stranger"), u("owner"), std::nullopt));
  // Livy's default allowed-users is *: a view user list alone does not lock anyone out.
  CHECK(AccessControl(livy::Config{}).is_allowed(u("anyone")));
}

TEST_CASE("access: the route table", "[auth][access]") {
  using O = RouteAccess::Object;
  struct Row {
    const char* method;
    const char* path;
    O object;
    const char* ref;
    Need need;
  };
  const Row rows[] = {
      {"GET", "/sessions", O::kNone, "", Need::kAllowed},
      {"POST", "/sessions/", O::kNone, "", Need::kAllowed},
      {"GET", "/batches", O::kNone, "", Need::kAllowed},
      {"POST", "//batches", O::kNone, "", Need::kAllowed},
      {"GET", "/version", O::kNone, "", Need::kAllowed},
      {"GET", "/sessions/3", O::kSession, "3", Need::kAllowed},
      {"GET", "//sessions//3/", O::kSession, "3", Need::kAllowed},
      {"HEAD", "/sessions/3", O::kSession, "3", Need::kAllowed},
      {"GET", "/sessions/name/state", O::kSession, "name", Need::kAllowed},
      {"GET", "/sessions/3/log", O::kSession, "3", Need::kView},
      {"GET", "/sessions/3/statements", O::kSession, "3", Need::kView},
      {"GET", "/sessions/3/statements/0", O::kSession, "3", Need::kView},
      {"GET", "/sessions/3/jobs/1", O::kSession, "3", Need::kView},
      {"GET", "/sessions/3/state/x", O::kSession, "3", Need::kView},
      {"GET", "/sessions/3/connect-info", O::kSession, "3", Need::kModify},  // its token runs code
      {"HEAD", "/sessions/name/connect-info", O::kSession, "name", Need::kModify},
      {"GET", "/batches/7/connect-info", O::kBatch, "7", Need::kView},
      {"POST", "/sessions/3/statements", O::kSession, "3", Need::kModify},
      {"POST", "/sessions/3/statements/0/cancel", O::kSession, "3", Need::kModify},
      {"POST", "/sessions/3/completion", O::kSession, "3", Need::kModify},
      {"POST", "/sessions/3/interrupt", O::kSession, "3", Need::kModify},
      {"POST", "/sessions/3/connect", O::kSession, "3", Need::kModify},
      {"POST", "/sessions/3/stop", O::kSession, "3", Need::kModify},
      {"POST", "/sessions/3/upload-jar", O::kSession, "3", Need::kModify},
      {"POST", "/sessions/3/add-file", O::kSession, "3", Need::kModify},
      {"POST", "/sessions/3/submit-job", O::kSession, "3", Need::kModify},
      {"POST", "/sessions/3/jobs/1/cancel", O::kSession, "3", Need::kModify},
      {"DELETE", "/sessions/3", O::kSession, "3", Need::kModify},
      {"PUT", "/sessions/3/state", O::kSession, "3", Need::kModify},
      {"GET", "/batches/7", O::kBatch, "7", Need::kAllowed},
      {"GET", "/batches/7/state", O::kBatch, "7", Need::kAllowed},
      {"GET", "/batches/7/log", O::kBatch, "7", Need::kView},
      {"DELETE", "/batches/7", O::kBatch, "7", Need::kModify},
  };
  for (const Row& row : rows) {
    INFO(row.method << " " << row.path);
    const RouteAccess got = route_access(row.method, row.path);
    CHECK(got.object == row.object);
    CHECK(got.ref == row.ref);
    CHECK(got.need == row.need);
  }
}

TEST_CASE("access: impersonation, Livy's precedence (doAs wins) and who may name whom", "[auth][access]") {
  livy::Config on = acl_config();
  on.impersonation = true;
  const AccessControl imp(on);
  const AccessControl no_imp(acl_config());
  const std::optional<std::string> none;

  struct Row {
    const AccessControl* access;
    const char* caller;
    const char* do_as;
    const char* requested;
    bool ok;
    const char* proxy;  // the proxy user passed on, when ok
  };
  const Row rows[] = {
      // Impersonation on: the caller by default, anyone for a superuser, only oneself otherwise.
      {&imp, "alice", nullptr, nullptr, true, "alice"},
      {&imp, "alice", nullptr, "alice", true, "alice"},
      {&imp, "alice", nullptr, "bob", false, nullptr},
      {&imp, "alice", "bob", nullptr, false, nullptr},
      {&imp, "root", nullptr, "bob", true, "bob"},
      {&imp, "root", "carol", "bob", true, "carol"},  // doAs wins
      {&imp, "alice", "alice", "bob", true, "alice"},  // doAs wins, and is the caller
      // Off: nobody but the caller can be named, not even by a superuser; nothing is added.
      {&no_imp, "alice", nullptr, nullptr, true, nullptr},
      {&no_imp, "alice", nullptr, "alice", true, "alice"},
      {&no_imp, "alice", nullptr, "bob", false, nullptr},
      {&no_imp, "root", "bob", nullptr, false, nullptr},
      // No authentication: no caller to compare; the name is passed on as asked.
      {&imp, nullptr, nullptr, "bob", true, "bob"},
      {&no_imp, nullptr, "carol", "bob", true, "carol"},
  };
  for (const Row& row : rows) {
    INFO((row.caller ? row.caller : "-") << " doAs=" << (row.do_as ? row.do_as : "-")
                                         << " proxyUser=" << (row.requested ? row.requested : "-"));
    const auto got = row.access->proxy_user(u(row.caller), u(row.do_as), u(row.requested));
    REQUIRE(got.has_value() == row.ok);
    if (row.ok) {
      CHECK(*got == u(row.proxy));
    } else {
      CHECK(got.status().code() == livy::ErrorCode::kForbidden);
      CHECK_THAT(got.status().message(), Catch::Contains("not allowed to impersonate"));
    }
  }
  // Checks run as the doAs user when the caller may impersonate them (impersonation on only).
  CHECK(*imp.effective_user(u("root"), u("bob")) == u("bob"));
  CHECK(imp.effective_user(u("alice"), u("bob")).status().code() == livy::ErrorCode::kForbidden);
  CHECK(*imp.effective_user(u("alice"), u("alice")) == u("alice"));
  CHECK(*no_imp.effective_user(u("alice"), u("bob")) == u("alice"));
  CHECK(*imp.effective_user(u("alice"), none) == u("alice"));
}

TEST_CASE("access: access control without authentication stops start-up, saying why", "[auth][access]") {
  livy::Config c;
  c.access_control = true;
  const livy::Status st = livy::auth::check_access_config(c);
  CHECK(st.code() == livy::ErrorCode::kInvalidArgument);
  CHECK_THAT(st.message(), Catch::Contains("access-control.enabled") && Catch::Contains("auth.type"));
  c.auth_type = "ldap";
  CHECK(livy::auth::check_access_config(c).is_ok());
  CHECK(livy::auth::check_access_config(livy::Config{}).is_ok());
}
