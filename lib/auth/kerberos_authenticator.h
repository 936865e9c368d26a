// auth.type kerberos: SPNEGO (`Authorization: Negotiate <token>`, RFC 4559)
// accepted with MIT Kerberos GSSAPI under the server principal's key from a
// keytab; the client's principal becomes a user through the name rules.
// Each request is one GSSAPI exchange (as Hadoop's handler does): no context
// is kept between requests; the auth cookie spares clients renegotiating.
#pragma once

#include <memory>
#include <string>

#include "auth/authenticator.h"
#include "auth/name_rules.h"

namespace livy::auth {

struct KerberosOptions {
  std::string principal;   // HTTP/_HOST@REALM (_HOST: this host's name, lower case), or * for any key
  std::string keytab;
  std::string name_rules = "DEFAULT";
};

class KerberosAuthenticator final : public Authenticator {
 public:
  // Acquires the acceptor credential now: an unreadable keytab or a principal
  // it lacks is a start-up error.
  static Result<std::unique_ptr<KerberosAuthenticator>> create(const KerberosOptions& options);
  ~KerberosAuthenticator() override;

  AuthOutcome authenticate(const AuthRequest& request) override;

 private:
  struct Credential;
  KerberosAuthenticator(std::unique_ptr<Credential> credential, NameRules rules);

  std::unique_ptr<Credential> credential_;
  const NameRules rules_;
};

}  // namespace livy::auth
