// TestPki: a throwaway certificate authority and a server certificate for
// 127.0.0.1 and localhost, made with the openssl command for one test run.
#pragma once

#include <cstdlib>
#include <stdexcept>
#include <string>

#include "support/temp_dir.h"

namespace livy_test {

class TestPki {
 public:
  static constexpr const char* kPassword = "changeit";  // of server.p12, as keytool's examples

  // Files under its own TempDir: ca.pem (the CA that signed the server's
  // certificate), server.pem, server.key, server.p12 (key, certificate and
  // CA, password kPassword), server-legacy.p12 (the same, encrypted as old
  // Java did), other-ca.pem (a CA that signed nothing here).
  TestPki() {
    const std::string d = dir_.str();
    const std::string ec = " -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes";
    write_file(dir_ / "server.ext",
               "basicConstraints=CA:FALSE\n"
               "keyUsage=critical,digitalSignature,keyEncipherment\n"
               "extendedKeyUsage=serverAuth\n"
               "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
    run("openssl req -x509" + ec + " -keyout " + d + "/ca.key -out " + d +
        "/ca.pem -days 2 -subj /CN=livyd-test-ca -addext basicConstraints=critical,CA:TRUE"
        " -addext keyUsage=critical,keyCertSign,cRLSign");
    run("openssl req -x509" + ec + " -keyout " + d + "/other-ca.key -out " + d +
        "/other-ca.pem -days 2 -subj /CN=another-ca -addext basicConstraints=critical,CA:TRUE"
        " -addext keyUsage=critical,keyCertSign,cRLSign");
    run("openssl req" + ec + " -keyout " + d + "/server.key -out " + d + "/server.csr -subj /CN=localhost");
    run("openssl x509 -req -in " + d + "/server.csr -CA " + d + "/ca.pem -CAkey " + d +
        "/ca.key -CAcreateserial -out " + d + "/server.pem -days 2 -extfile " + d + "/server.ext");
    run("openssl pkcs12 -export -inkey " + d + "/server.key -in " + d + "/server.pem -certfile " + d +
        "/ca.pem -name livyd -passout pass:" + kPassword + " -out " + d + "/server.p12");
    // As Java before 8u301 wrote them: certificates under RC2-40 (OpenSSL 3's legacy provider).
    run("openssl pkcs12 -export -legacy -inkey " + d + "/server.key -in " + d + "/server.pem -certfile " + d +
        "/ca.pem -name livyd -passout pass:" + kPassword + " -out " + d + "/server-legacy.p12");
  }

  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  const TempDir& dir() const { return dir_; }

  // The same PKI for every test of the binary: key generation takes a while.
  static const TestPki& shared() {
    static const TestPki pki;
    return pki;
  }

 private:
  static void run(const std::string& command) {
    const std::string quiet = command + " >/dev/null 2>&1";
    if (std::system(quiet.c_str()) != 0) throw std::runtime_error("failed: " + command);
  }

  TempDir dir_;
};

}  // namespace livy_test
