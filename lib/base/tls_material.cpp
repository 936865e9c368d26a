#include "base/tls_material.h"

#include <openssl/err.h>
#include <openssl/pem.h>

#include <algorithm>
#include <cstring>
#include <fstream>

namespace livy {
namespace {

constexpr std::streamsize kMaxKeyFileBytes = 1 << 20;

Bio memory_bio(const std::string& text) { return Bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size()))); }

// OpenSSL's pem_password_cb: `user` is the password, or nullptr (then an encrypted key fails).
int passphrase(char* buf, int size, int /*rwflag*/, void* user) {
  if (user == nullptr) return -1;
  const auto* password = static_cast<const std::string*>(user);
  if (size <= 0 || password->size() > static_cast<std::size_t>(size)) return -1;
  std::memcpy(buf, password->data(), password->size());
  return static_cast<int>(password->size());
}

}  // namespace

std::string openssl_reason() {
  const unsigned long first = ERR_peek_error();
  ERR_clear_error();
  if (first == 0) return "unknown OpenSSL error";
  const char* reason = ERR_reason_error_string(first);
  return reason != nullptr ? reason : "OpenSSL error " + std::to_string(first);
}

Result<std::string> read_key_material(const std::string& path, const std::string& key) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::invalid_argument(key + ": cannot read " + path);
  std::string bytes(static_cast<std::size_t>(kMaxKeyFileBytes) + 1, '\0');
  in.read(bytes.data(), kMaxKeyFileBytes + 1);
  if (in.bad()) return Status::invalid_argument(key + ": cannot read " + path);
  bytes.resize(static_cast<std::size_t>(in.gcount()));
  if (bytes.size() > static_cast<std::size_t>(kMaxKeyFileBytes)) {
    return Status::invalid_argument(key + ": " + path + " is larger than a keystore or key file can be (1 MiB)");
  }
  return bytes;
}

Result<KeyPair> parse_pem_pair(const std::string& cert_text, const std::string& key_text, const std::string* password,
                               const std::string& cert_origin, const std::string& key_origin) {
  KeyPair pair;
  Bio certs = memory_bio(cert_text);
  pair.certificate.reset(certs ? PEM_read_bio_X509(certs.get(), nullptr, passphrase, nullptr) : nullptr);
  if (!pair.certificate) {
    ERR_clear_error();
    return Status::invalid_argument(cert_origin + " holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
  }
  while (X509* next = PEM_read_bio_X509(certs.get(), nullptr, passphrase, nullptr)) {
    sk_X509_push(pair.chain.get(), next);
  }
  ERR_clear_error();  // the end of the file
  Bio key = memory_bio(key_text);
  // PEM_read_bio_PrivateKey takes a void*: the callback only reads the password.
  void* user = const_cast<std::string*>(password);  // NOLINT(cppcoreguidelines-pro-type-const-cast)
  pair.key.reset(key ? PEM_read_bio_PrivateKey(key.get(), nullptr, passphrase, user) : nullptr);
  if (!pair.key) {
    return Status::invalid_argument(key_origin + ": cannot read " +
                                    (password == nullptr ? "an unencrypted" : "a") + " PEM private key (" +
                                    openssl_reason() + ")");
  }
  return pair;
}

}  // namespace livy
