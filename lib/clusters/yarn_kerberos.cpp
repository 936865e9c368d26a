#include "clusters/yarn_kerberos.h"

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>
#include <krb5/krb5.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "base/base64.h"
#include "base/gss_status.h"
#include "base/thread_annotations.h"
#include "base/thread_name.h"

namespace livy {
namespace {

constexpr auto kRetryAfterFailure = std::chrono::minutes(1);

std::string krb5_error_text(krb5_context ctx, krb5_error_code code) {
  const char* text = krb5_get_error_message(ctx, code);
  std::string out = text != nullptr ? text : "error " + std::to_string(code);
  krb5_free_error_message(ctx, text);
  return out;
}

// Releases what the MIT API handed out, whichever way a function returns.
struct Krb5 {
  krb5_context ctx = nullptr;
  krb5_principal client = nullptr;
  krb5_keytab keytab = nullptr;
  krb5_ccache cache = nullptr;
  krb5_get_init_creds_opt* options = nullptr;
  krb5_creds creds{};
  bool have_creds = false;
  ~Krb5() {
    if (ctx == nullptr) return;
    if (have_creds) krb5_free_cred_contents(ctx, &creds);
    if (options != nullptr) krb5_get_init_creds_opt_free(ctx, options);
    if (cache != nullptr) krb5_cc_close(ctx, cache);
    if (keytab != nullptr) krb5_kt_close(ctx, keytab);
    if (client != nullptr) krb5_free_principal(ctx, client);
    krb5_free_context(ctx);
  }
};

struct Gss {
  OM_uint32 minor = 0;
  gss_name_t me = GSS_C_NO_NAME;
  gss_name_t target = GSS_C_NO_NAME;
  gss_cred_id_t cred = GSS_C_NO_CREDENTIAL;
  gss_ctx_id_t context = GSS_C_NO_CONTEXT;
  gss_buffer_desc token{};
  ~Gss() {
    if (token.value != nullptr) gss_release_buffer(&minor, &token);
    if (context != GSS_C_NO_CONTEXT) gss_delete_sec_context(&minor, &context, GSS_C_NO_BUFFER);
    if (cred != GSS_C_NO_CREDENTIAL) gss_release_cred(&minor, &cred);
    if (target != GSS_C_NO_NAME) gss_release_name(&minor, &target);
    if (me != GSS_C_NO_NAME) gss_release_name(&minor, &me);
  }
};

}  // namespace

std::string yarn_kerberos_ccache(const Config& config) {
  if (config.yarn_kerberos_principal.empty()) return "";
  std::error_code ec;
  const auto dir = std::filesystem::absolute(config.data_dir, ec).lexically_normal();
  return "FILE:" + (dir / "yarn-krb5cc").string();
}

// The thread that renews the ticket.
struct YarnKerberos::Renewer {
  Mutex mu;
  CondVar wake;
  bool stopping GUARDED_BY(mu) = false;
  std::thread thread;
};

YarnKerberos::YarnKerberos(std::string principal, std::string keytab, std::string ccache)
    : principal_(std::move(principal)), keytab_(std::move(keytab)), ccache_(std::move(ccache)) {}

YarnKerberos::~YarnKerberos() {
  if (!renewer_) return;
  {
    MutexLock lock(renewer_->mu);
    renewer_->stopping = true;
    renewer_->wake.notify_all();
  }
  if (renewer_->thread.joinable()) renewer_->thread.join();
}

Result<std::shared_ptr<YarnKerberos>> YarnKerberos::start(const Config& config, std::shared_ptr<Logger> logger) {
  if (config.yarn_kerberos_principal.empty() && config.yarn_kerberos_keytab.empty()) {
    return std::shared_ptr<YarnKerberos>();
  }
  if (config.yarn_kerberos_principal.empty() || config.yarn_kerberos_keytab.empty()) {
    return Status::invalid_argument(
        "yarn.kerberos.principal and yarn.kerberos.keytab (livy.server.launch.kerberos.principal and .keytab) "
        "go together: set both, or neither");
  }
  if (::access(config.yarn_kerberos_keytab.c_str(), R_OK) != 0) {
    return Status::invalid_argument("yarn.kerberos.keytab (livy.server.launch.kerberos.keytab) must name a readable "
                                    "keytab: '" + config.yarn_kerberos_keytab + "'");
  }
  std::shared_ptr<YarnKerberos> k(
      new YarnKerberos(config.yarn_kerberos_principal, config.yarn_kerberos_keytab, yarn_kerberos_ccache(config)));
  if (Status st = k->login(); !st) return st;
  k->renewer_ = std::make_unique<Renewer>();
  Renewer* r = k->renewer_.get();
  YarnKerberos* self = k.get();
  const auto interval = config.yarn_kerberos_refresh_interval;
  r->thread = std::thread([r, self, interval, logger = std::move(logger)] {
    name_this_thread("livyd-kinit");
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(interval);
    for (;;) {
      {
        MutexLock lock(r->mu);
        const auto until = std::chrono::steady_clock::now() + wait;
        while (!r->stopping) {
          const auto left = until - std::chrono::steady_clock::now();
          if (left <= std::chrono::steady_clock::duration::zero() || r->wake.wait_for(lock, left)) break;
        }
        if (r->stopping) return;
      }
      const Status st = self->login();  // with no lock held: the KDC may be slow
      if (!st && logger) {
        logger->log("error", "message",
                    {{"msg", "yarn.kerberos: no new ticket for " + self->principal() + ": " + st.message() +
                                 " (tried again in a minute)"}});
      }
      wait = st ? std::chrono::duration_cast<std::chrono::milliseconds>(interval)
                : std::chrono::duration_cast<std::chrono::milliseconds>(kRetryAfterFailure);
    }
  });
  return k;
}

Status YarnKerberos::login() {
  static std::atomic<unsigned> serial{0};
  const std::string path = ccache_.substr(5);  // after "FILE:"
  const std::string fresh = path + ".new." + std::to_string(::getpid()) + "." + std::to_string(serial++);
  const auto fail = [&](const std::string& what, krb5_context ctx, krb5_error_code code) {
    std::remove(fresh.c_str());
    return Status::unavailable("yarn.kerberos: " + what + " for " + principal_ + ": " + krb5_error_text(ctx, code));
  };
  Krb5 k;
  if (const krb5_error_code code = krb5_init_context(&k.ctx); code != 0) {
    return Status::unavailable("yarn.kerberos: cannot start Kerberos (krb5.conf?): error " + std::to_string(code));
  }
  krb5_error_code code = krb5_parse_name(k.ctx, principal_.c_str(), &k.client);
  if (code != 0) return fail("not a principal name", k.ctx, code);
  code = krb5_kt_resolve(k.ctx, ("FILE:" + keytab_).c_str(), &k.keytab);
  if (code != 0) return fail("cannot open the keytab " + keytab_, k.ctx, code);
  code = krb5_get_init_creds_opt_alloc(k.ctx, &k.options);
  if (code != 0) return fail("cannot ask for a ticket", k.ctx, code);
  code = krb5_get_init_creds_keytab(k.ctx, &k.creds, k.client, k.keytab, 0, nullptr, k.options);
  if (code != 0) return fail("the KDC gave no ticket", k.ctx, code);
  k.have_creds = true;
  // MIT creates a FILE cache private (0600), in livyd's private data directory.
  code = krb5_cc_resolve(k.ctx, ("FILE:" + fresh).c_str(), &k.cache);
  if (code == 0) code = krb5_cc_initialize(k.ctx, k.cache, k.client);
  if (code == 0) code = krb5_cc_store_cred(k.ctx, k.cache, &k.creds);
  if (code != 0) return fail("cannot write the credential cache " + fresh, k.ctx, code);
  krb5_cc_close(k.ctx, k.cache);
  k.cache = nullptr;
  if (::rename(fresh.c_str(), path.c_str()) != 0) {
    std::remove(fresh.c_str());
    return Status::unavailable("yarn.kerberos: cannot replace the credential cache " + path);
  }
  return Status::ok();
}

Result<std::string> YarnKerberos::negotiate_header(const std::string& host) {
  Gss g;
  OM_uint32 minor = 0;
  gss_buffer_desc name{principal_.size(), const_cast<char*>(principal_.data())};
  OM_uint32 major = gss_import_name(&minor, &name, GSS_KRB5_NT_PRINCIPAL_NAME, &g.me);
  if (GSS_ERROR(major)) return Status::unavailable("yarn.kerberos: " + gss_error_text(major, minor));
  const std::string service = "HTTP@" + host;
  gss_buffer_desc target{service.size(), const_cast<char*>(service.data())};
  major = gss_import_name(&minor, &target, GSS_C_NT_HOSTBASED_SERVICE, &g.target);
  if (GSS_ERROR(major)) return Status::unavailable("yarn.kerberos: " + gss_error_text(major, minor));
  gss_key_value_element_desc where{"ccache", ccache_.c_str()};
  gss_key_value_set_desc store{1, &where};
  major = gss_acquire_cred_from(&minor, g.me, GSS_C_INDEFINITE, GSS_C_NO_OID_SET, GSS_C_INITIATE, &store, &g.cred,
                                nullptr, nullptr);
  if (GSS_ERROR(major)) {
    return Status::unavailable("yarn.kerberos: no ticket of " + principal_ + " in " + ccache_ + ": " +
                               gss_error_text(major, minor));
  }
  gss_OID_desc spnego{6, const_cast<char*>("\x2b\x06\x01\x05\x05\x02")};  // 1.3.6.1.5.5.2
  major = gss_init_sec_context(&minor, g.cred, &g.context, g.target, &spnego, 0, 0, GSS_C_NO_CHANNEL_BINDINGS,
                               GSS_C_NO_BUFFER, nullptr, &g.token, nullptr, nullptr);
  if (GSS_ERROR(major) || g.token.length == 0) {
    return Status::unavailable("yarn.kerberos: no SPNEGO token for " + service + ": " + gss_error_text(major, minor));
  }
  return "Negotiate " + base64_encode(std::string_view(static_cast<const char*>(g.token.value), g.token.length));
}

}  // namespace livy
