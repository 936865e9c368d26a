#include "http/tls.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/provider.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <iterator>
#include <vector>

#include "base/tls_material.h"

namespace livy::http {
namespace {

// Forward secrecy and AEAD only, for TLS 1.2 (TLS 1.3's suites are all such).
constexpr const char* kTls12Ciphers = "ECDHE+AESGCM:ECDHE+CHACHA20:DHE+AESGCM:DHE+CHACHA20";

struct Pkcs12Free {
  void operator()(PKCS12* p) const { PKCS12_free(p); }
};

bool mac_verifies(PKCS12* p12, const std::string& password) {
  if (PKCS12_mac_present(p12) == 0) return true;
  if (PKCS12_verify_mac(p12, password.c_str(), -1) == 1) return true;
  // An empty password may have been applied as "no password" (OpenSSL's
  // PKCS12_parse tries both the same way).
  return password.empty() && PKCS12_verify_mac(p12, nullptr, 0) == 1;
}

bool parse_pkcs12(PKCS12* p12, const std::string& password, KeyPair& out) {
  EVP_PKEY* key = nullptr;
  X509* cert = nullptr;
  STACK_OF(X509)* chain = nullptr;
  if (PKCS12_parse(p12, password.c_str(), &key, &cert, &chain) != 1) return false;
  out.key.reset(key);
  out.certificate.reset(cert);
  out.chain.reset(chain);
  return true;
}

// A keystore whose private key is encrypted with its own password (livy.key-password), which
// PKCS12_parse cannot open (it uses one password for everything): the safes are opened with
// the store password, the shrouded key bag with the key password. The certificate that
// belongs to the key is the server's; the others are its chain. False when a bag cannot be
// opened or no key with its certificate is there.
bool parse_pkcs12_bags(PKCS12* p12, const std::string& store_password, const std::string& key_password,
                       KeyPair& out) {
  struct SafesFree {
    void operator()(STACK_OF(PKCS7) * s) const { sk_PKCS7_pop_free(s, PKCS7_free); }
  };
  struct BagsFree {
    void operator()(STACK_OF(PKCS12_SAFEBAG) * s) const { sk_PKCS12_SAFEBAG_pop_free(s, PKCS12_SAFEBAG_free); }
  };
  struct P8Free {
    void operator()(PKCS8_PRIV_KEY_INFO* p) const { PKCS8_PRIV_KEY_INFO_free(p); }
  };
  std::unique_ptr<STACK_OF(PKCS7), SafesFree> safes(PKCS12_unpack_authsafes(p12));
  if (!safes) return false;
  KeyPair pair;
  std::vector<std::unique_ptr<X509, CertFree>> certificates;
  for (int i = 0; i < sk_PKCS7_num(safes.get()); ++i) {
    PKCS7* safe = sk_PKCS7_value(safes.get(), i);
    std::unique_ptr<STACK_OF(PKCS12_SAFEBAG), BagsFree> bags(
        PKCS7_type_is_data(safe)        ? PKCS12_unpack_p7data(safe)
        : PKCS7_type_is_encrypted(safe) ? PKCS12_unpack_p7encdata(safe, store_password.c_str(), -1)
                                        : nullptr);
    if (!bags) return false;
    for (int j = 0; j < sk_PKCS12_SAFEBAG_num(bags.get()); ++j) {
      const PKCS12_SAFEBAG* bag = sk_PKCS12_SAFEBAG_value(bags.get(), j);
      switch (PKCS12_SAFEBAG_get_nid(bag)) {
        case NID_pkcs8ShroudedKeyBag: {
          if (pair.key) return false;  // one key per keystore livyd serves
          std::unique_ptr<PKCS8_PRIV_KEY_INFO, P8Free> p8(PKCS12_decrypt_skey(bag, key_password.c_str(), -1));
          if (!p8) return false;
          pair.key.reset(EVP_PKCS82PKEY(p8.get()));
          if (!pair.key) return false;
          break;
        }
        case NID_keyBag:
          if (pair.key) return false;
          pair.key.reset(EVP_PKCS82PKEY(PKCS12_SAFEBAG_get0_p8inf(bag)));
          if (!pair.key) return false;
          break;
        case NID_certBag:
          if (PKCS12_SAFEBAG_get_bag_nid(bag) != NID_x509Certificate) break;
          certificates.emplace_back(PKCS12_SAFEBAG_get1_cert(bag));
          if (!certificates.back()) return false;
          break;
        default: break;  // CRLs, secrets, nested safes: not a server's key or chain
      }
    }
  }
  if (!pair.key) return false;
  pair.chain.reset(sk_X509_new_null());
  for (auto& certificate : certificates) {
    if (!pair.certificate && X509_check_private_key(certificate.get(), pair.key.get()) == 1) {
      pair.certificate = std::move(certificate);
    } else if (sk_X509_push(pair.chain.get(), certificate.get()) > 0) {
      (void)certificate.release();
    }
  }
  ERR_clear_error();  // X509_check_private_key's mismatches
  if (!pair.certificate) return false;
  out = std::move(pair);
  return true;
}

Result<KeyPair> load_pkcs12(const TlsOptions& o) {
  auto bytes = read_key_material(o.keystore, "livy.keystore (server.tls.keystore)");
  if (!bytes) return bytes.status();
  const auto* data = reinterpret_cast<const unsigned char*>(bytes->data());
  const bool jks = bytes->size() >= 4 && data[0] == 0xFE && data[1] == 0xED && data[2] == 0xFE && data[3] == 0xED;
  const bool jceks = bytes->size() >= 4 && data[0] == 0xCE && data[1] == 0xCE && data[2] == 0xCE && data[3] == 0xCE;
  if (jks || jceks) {
    return Status::invalid_argument(
        "livy.keystore " + o.keystore + " is a " + (jks ? "JKS" : "JCEKS") +
        " keystore, which livyd cannot read (OpenSSL reads PKCS12, Java's default keystore type since Java 9). "
        "Convert it with: keytool -importkeystore -srckeystore " + o.keystore + " -destkeystore " + o.keystore +
        ".p12 -deststoretype PKCS12, then set livy.keystore to " + o.keystore + ".p12");
  }
  BIO* raw_bio = BIO_new_mem_buf(bytes->data(), static_cast<int>(bytes->size()));
  std::unique_ptr<BIO, BioFree> bio(raw_bio);
  std::unique_ptr<PKCS12, Pkcs12Free> p12(bio ? d2i_PKCS12_bio(bio.get(), nullptr) : nullptr);
  if (!p12) {
    ERR_clear_error();
    return Status::invalid_argument("livy.keystore " + o.keystore +
                                    " is not a PKCS12 keystore (nor JKS); PEM files go in server.tls.certificate-file "
                                    "and server.tls.key-file");
  }
  if (!mac_verifies(p12.get(), o.keystore_password)) {
    ERR_clear_error();
    return Status::invalid_argument("livy.keystore " + o.keystore +
                                    ": wrong password (livy.keystore.password does not open it)");
  }
  KeyPair pair;
  bool parsed = parse_pkcs12(p12.get(), o.keystore_password, pair);
  if (!parsed) {
    // Keystores of Java before 8u301/11.0.12 encrypt certificates with RC2-40,
    // which OpenSSL 3 keeps in its legacy provider. Loaded only for such a keystore.
    ERR_clear_error();
    if (OSSL_PROVIDER_try_load(nullptr, "legacy", 1) != nullptr) {
      parsed = parse_pkcs12(p12.get(), o.keystore_password, pair);
    }
  }
  const bool own_key_password = !o.key_password.empty() && o.key_password != o.keystore_password;
  if (!parsed && own_key_password) {
    ERR_clear_error();
    parsed = parse_pkcs12_bags(p12.get(), o.keystore_password, o.key_password, pair);
  }
  if (!parsed) {
    const std::string why = openssl_reason();
    return Status::invalid_argument(
        "livy.keystore " + o.keystore + ": cannot read its key and certificate (" + why + ")" +
        (own_key_password ? "; is livy.key-password (the private key's password) right?"
                          : "; if its private key has a password of its own, set livy.key-password"));
  }
  if (!pair.key || !pair.certificate) {
    return Status::invalid_argument("livy.keystore " + o.keystore + " holds no private key with its certificate");
  }
  return pair;
}

Result<KeyPair> load_pem(const TlsOptions& o) {
  if (o.key_file.empty()) {
    return Status::invalid_argument("server.tls.certificate-file is set but server.tls.key-file is not");
  }
  auto cert_text = read_key_material(o.certificate_file, "server.tls.certificate-file");
  if (!cert_text) return cert_text.status();
  auto key_text = read_key_material(o.key_file, "server.tls.key-file");
  if (!key_text) return key_text.status();
  auto pair = parse_pem_pair(*cert_text, *key_text, o.key_password.empty() ? nullptr : &o.key_password,
                             "server.tls.certificate-file " + o.certificate_file, "server.tls.key-file " + o.key_file);
  if (!pair) {
    const std::string hint = o.key_password.empty() ? "; if it is encrypted, set server.tls.key-password"
                                                    : "; is server.tls.key-password right?";
    const bool key_failed = pair.status().message().starts_with("server.tls.key-file");
    return key_failed ? Status::invalid_argument(pair.status().message() + hint) : pair.status();
  }
  return pair;
}

}  // namespace

Result<std::shared_ptr<TlsContext>> TlsContext::load(const TlsOptions& options) {
  if (!options.keystore.empty() && !options.certificate_file.empty()) {
    return Status::invalid_argument(
        "both livy.keystore (server.tls.keystore) and server.tls.certificate-file are set: choose one");
  }
  auto pair = options.keystore.empty() ? load_pem(options) : load_pkcs12(options);
  if (!pair) return pair.status();
  const std::string origin = options.keystore.empty() ? "server.tls.certificate-file " + options.certificate_file
                                                      : "livy.keystore " + options.keystore;
  SSL_CTX* raw = SSL_CTX_new(TLS_server_method());
  if (raw == nullptr) return Status::internal("cannot create a TLS context: " + openssl_reason());
  std::shared_ptr<TlsContext> context(new TlsContext(raw));
  SSL_CTX_set_min_proto_version(raw, options.min_version == TlsVersion::kTls13 ? TLS1_3_VERSION : TLS1_2_VERSION);
  // No renegotiation (a client could make the server redo its costly half
  // at will) and no compression (CRIME).
  SSL_CTX_set_options(raw, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  // Partial writes and a moving buffer: TlsStream resends what is left from
  // its own queue. Idle connections give their buffers back.
  SSL_CTX_set_mode(raw, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS);
  SSL_CTX_set_cipher_list(raw, kTls12Ciphers);
  if (SSL_CTX_use_certificate(raw, pair->certificate.get()) != 1) {
    return Status::invalid_argument(origin + ": the certificate cannot be used (" + openssl_reason() + ")");
  }
  if (SSL_CTX_use_PrivateKey(raw, pair->key.get()) != 1 || SSL_CTX_check_private_key(raw) != 1) {
    ERR_clear_error();
    return Status::invalid_argument(origin + ": the private key does not belong to the certificate");
  }
  if (pair->chain) {
    for (int i = 0; i < sk_X509_num(pair->chain.get()); ++i) {
      if (SSL_CTX_add1_chain_cert(raw, sk_X509_value(pair->chain.get(), i)) != 1) {
        return Status::invalid_argument(origin + ": an intermediate certificate cannot be used (" +
                                        openssl_reason() + ")");
      }
    }
  }
  return context;
}

TlsContext::~TlsContext() { SSL_CTX_free(ctx_); }

std::unique_ptr<TlsStream> TlsStream::accept(const TlsContext& context, int fd) {
  SSL* ssl = SSL_new(context.get());
  if (ssl == nullptr) {
    ERR_clear_error();
    return nullptr;
  }
  if (SSL_set_fd(ssl, fd) != 1) {  // a socket BIO that leaves closing the descriptor to us
    ERR_clear_error();
    SSL_free(ssl);
    return nullptr;
  }
  SSL_set_accept_state(ssl);
  return std::unique_ptr<TlsStream>(new TlsStream(ssl));
}

TlsStream::~TlsStream() { SSL_free(ssl_); }

TlsStream::Io TlsStream::classify(int ret) {
  const int error = SSL_get_error(ssl_, ret);
  switch (error) {
    case SSL_ERROR_WANT_READ: return Io::kWantRead;
    case SSL_ERROR_WANT_WRITE: return Io::kWantWrite;
    case SSL_ERROR_ZERO_RETURN: return Io::kClosed;
    default:
      // No close_notify after a fatal error (OpenSSL forbids it).
      failed_ = true;
      ERR_clear_error();
      return Io::kFailed;
  }
}

// OpenSSL's error queue is per thread and a connection moves between the
// loop and a worker: each call starts with an empty queue, so that
// SSL_get_error sees only what this call queued.
TlsStream::Io TlsStream::handshake() {
  ERR_clear_error();
  const int ret = SSL_do_handshake(ssl_);
  if (ret == 1) {
    handshake_done_ = true;
    return Io::kDone;
  }
  return classify(ret);
}

std::size_t TlsStream::read(char* buf, std::size_t size, Io& io) {
  ERR_clear_error();
  std::size_t n = 0;
  const int ret = SSL_read_ex(ssl_, buf, size, &n);
  if (ret == 1) {
    io = Io::kDone;
    return n;
  }
  io = classify(ret);
  return 0;
}

TlsStream::Io TlsStream::write(const char* data, std::size_t size) {
  if (failed_) return Io::kFailed;
  if (size > 0) unsent_.append(data, size);
  while (!unsent_.empty()) {
    ERR_clear_error();
    std::size_t n = 0;
    const int ret = SSL_write_ex(ssl_, unsent_.data(), unsent_.size(), &n);
    if (ret != 1) return classify(ret);
    unsent_.erase(0, n);
  }
  return Io::kDone;
}

bool TlsStream::has_pending() const { return SSL_has_pending(ssl_) == 1; }

void TlsStream::close_notify() {
  if (notified_ || failed_ || !handshake_done_) return;
  notified_ = true;
  ERR_clear_error();
  (void)SSL_shutdown(ssl_);
  ERR_clear_error();
}

}  // namespace livy::http
