// YarnKerberos: livyd's own Kerberos identity towards a kerberized YARN (yarn.kerberos.principal
// and yarn.kerberos.keytab; Livy's livy.server.launch.kerberos.*), with MIT Kerberos' libraries:
//
// - a ticket-granting ticket from the keytab (krb5_get_init_creds_keytab, what `kinit -kt` does)
//   in a credential cache of livyd's own, DATA_DIR/yarn-krb5cc (0600), which every spark-submit
//   gets as KRB5CCNAME: Spark's Hadoop client logs in to YARN and HDFS with it, and a
//   proxyUser is impersonated from it, as under Livy;
// - a new ticket every yarn.kerberos.refresh-interval, on a thread of its own (livyd-kinit),
//   written to a new file that replaces the cache at once (rename), so that a spark-submit
//   starting meanwhile never reads half a cache; a failed renewal is logged and tried again
//   a minute later;
// - SPNEGO tokens (`Authorization: Negotiate`, GSSAPI over that cache) for the
//   ResourceManager's REST API, as Hadoop's web authentication expects.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "livy/config.h"
#include "livy/log.h"
#include "livy/status.h"

namespace livy {

// "FILE:" + the cache's path for `config` (its data_dir, made absolute), or "" when
// yarn.kerberos.principal is not set.
std::string yarn_kerberos_ccache(const Config& config);

class YarnKerberos {
 public:
  // Checks the settings (both keys or neither; a readable keytab), gets the first ticket (a
  // failure is an error: livyd does not start without it), and starts the renewing thread.
  // Null when yarn.kerberos.principal is not set.
  static Result<std::shared_ptr<YarnKerberos>> start(const Config& config, std::shared_ptr<Logger> logger);
  ~YarnKerberos();
  YarnKerberos(const YarnKerberos&) = delete;
  YarnKerberos& operator=(const YarnKerberos&) = delete;

  // A new ticket from the keytab, now, into a new cache that replaces the old one.
  Status login();
  // `Negotiate <token>` for the HTTP service of `host` (HTTP/host@REALM): one SPNEGO token,
  // made from the cache's ticket (the service ticket is asked for at the KDC when the cache
  // has none yet).
  Result<std::string> negotiate_header(const std::string& host);

  const std::string& principal() const { return principal_; }
  const std::string& ccache() const { return ccache_; }  // "FILE:/..."

 private:
  struct Renewer;
  YarnKerberos(std::string principal, std::string keytab, std::string ccache);

  const std::string principal_;
  const std::string keytab_;
  const std::string ccache_;
  std::unique_ptr<Renewer> renewer_;
};

}  // namespace livy
