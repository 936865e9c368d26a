#include "auth/kerberos_authenticator.h"

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>
#include <krb5/krb5.h>
#include <unistd.h>

#include "auth/auth_header.h"
#include "base/base64.h"
#include "base/gss_status.h"
#include "base/text_values.h"

namespace livy::auth {
namespace {

constexpr const char* kNegotiate = "Negotiate";

std::string host_name() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "localhost";
  std::string out;
  for (const char* c = buf; *c != '\0'; ++c) out += ascii_lower(*c);
  return out;
}

// The realm of the DEFAULT name rule: krb5.conf's default realm, else the server principal's.
std::string default_realm(const std::string& principal) {
  std::string out;
  krb5_context ctx = nullptr;
  if (krb5_init_context(&ctx) == 0) {
    char* realm = nullptr;
    if (krb5_get_default_realm(ctx, &realm) == 0 && realm != nullptr) {
      out = realm;
      krb5_free_default_realm(ctx, realm);
    }
    krb5_free_context(ctx);
  }
  if (out.empty()) {
    const std::size_t at = principal.rfind('@');
    if (at != std::string::npos) out = principal.substr(at + 1);
  }
  return out;
}

}  // namespace

struct KerberosAuthenticator::Credential {
  gss_cred_id_t cred = GSS_C_NO_CREDENTIAL;
  ~Credential() {
    OM_uint32 minor = 0;
    if (cred != GSS_C_NO_CREDENTIAL) gss_release_cred(&minor, &cred);
  }
};

Result<std::unique_ptr<KerberosAuthenticator>> KerberosAuthenticator::create(const KerberosOptions& options) {
  if (options.principal.empty()) {
    return Status::invalid_argument(
        "auth.type kerberos needs auth.kerberos.principal (livy.server.auth.kerberos.principal)");
  }
  if (options.keytab.empty() || access(options.keytab.c_str(), R_OK) != 0) {
    return Status::invalid_argument("auth.kerberos.keytab (livy.server.auth.kerberos.keytab) must name a readable "
                                    "keytab: '" + options.keytab + "'");
  }
  std::string principal = options.principal;
  if (const std::size_t at = principal.find("_HOST"); at != std::string::npos) principal.replace(at, 5, host_name());
  auto rules = NameRules::parse(options.name_rules, default_realm(principal));
  if (!rules) return rules.status();

  OM_uint32 minor = 0;
  gss_name_t name = GSS_C_NO_NAME;
  if (principal != "*") {
    gss_buffer_desc text{principal.size(), const_cast<char*>(principal.data())};
    const OM_uint32 major = gss_import_name(&minor, &text, GSS_KRB5_NT_PRINCIPAL_NAME, &name);
    if (GSS_ERROR(major)) {
      return Status::invalid_argument("auth.kerberos.principal '" + principal + "': " + gss_error_text(major, minor));
    }
  }
  gss_key_value_element_desc element{"keytab", options.keytab.c_str()};
  gss_key_value_set_desc store{1, &element};
  auto credential = std::make_unique<Credential>();
  const OM_uint32 major = gss_acquire_cred_from(&minor, name, GSS_C_INDEFINITE, GSS_C_NO_OID_SET, GSS_C_ACCEPT,
                                                &store, &credential->cred, nullptr, nullptr);
  OM_uint32 ignored = 0;
  if (name != GSS_C_NO_NAME) gss_release_name(&ignored, &name);
  if (GSS_ERROR(major)) {
    return Status::invalid_argument("cannot use the key of '" + principal + "' in " + options.keytab + ": " +
                                    gss_error_text(major, minor));
  }
  return std::unique_ptr<KerberosAuthenticator>(new KerberosAuthenticator(std::move(credential), std::move(*rules)));
}

KerberosAuthenticator::KerberosAuthenticator(std::unique_ptr<Credential> credential, NameRules rules)
    : credential_(std::move(credential)), rules_(std::move(rules)) {}

KerberosAuthenticator::~KerberosAuthenticator() = default;

AuthOutcome KerberosAuthenticator::authenticate(const AuthRequest& request) {
  const auto challenge = [] {
    return AuthOutcome::reject(Status::unauthenticated("authentication required: negotiate with Kerberos (SPNEGO)"),
                               kNegotiate);
  };
  if (request.authorization.empty()) return challenge();
  const auto header = parse_authorization(request.authorization);
  if (!header) return AuthOutcome::reject(header.status());
  if (header->scheme != "negotiate" || header->token.empty()) return challenge();
  const auto token = base64_decode(header->token);
  if (!token || token->empty()) {
    return AuthOutcome::reject(Status::invalid_argument("malformed Negotiate token: not base64"));
  }

  OM_uint32 minor = 0, ignored = 0;
  gss_ctx_id_t context = GSS_C_NO_CONTEXT;
  gss_buffer_desc input{token->size(), const_cast<char*>(token->data())};
  gss_buffer_desc output{};
  gss_name_t source = GSS_C_NO_NAME;
  const OM_uint32 major = gss_accept_sec_context(&minor, &context, credential_->cred, &input,
                                                 GSS_C_NO_CHANNEL_BINDINGS, &source, nullptr, &output, nullptr,
                                                 nullptr, nullptr);
  std::string reply;
  if (output.length > 0) reply = base64_encode(std::string_view(static_cast<const char*>(output.value), output.length));
  gss_release_buffer(&ignored, &output);
  if (context != GSS_C_NO_CONTEXT) gss_delete_sec_context(&ignored, &context, GSS_C_NO_BUFFER);
  if (major != GSS_S_COMPLETE) {
    if (source != GSS_C_NO_NAME) gss_release_name(&ignored, &source);
    // A second leg cannot be kept across requests; a failed or partial exchange is a new challenge.
    AuthOutcome out = challenge();
    if (!GSS_ERROR(major) && !reply.empty()) out.challenge = std::string(kNegotiate) + " " + reply;
    if (GSS_ERROR(major)) out.status = Status::unauthenticated("Kerberos authentication failed");
    return out;
  }
  gss_buffer_desc shown{};
  std::string principal;
  if (gss_display_name(&minor, source, &shown, nullptr) == GSS_S_COMPLETE) {
    principal.assign(static_cast<const char*>(shown.value), shown.length);
    gss_release_buffer(&ignored, &shown);
  }
  gss_release_name(&ignored, &source);
  const auto user = rules_.map(principal);
  if (!user) {
    return AuthOutcome::reject(Status::forbidden("no auth.kerberos.name-rules rule maps the principal '" +
                                                 principal + "' to a user"));
  }
  AuthOutcome out = AuthOutcome::accept(*user);
  if (!reply.empty()) out.challenge = std::string(kNegotiate) + " " + reply;  // mutual authentication
  return out;
}

}  // namespace livy::auth
