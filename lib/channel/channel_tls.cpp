#include "channel/channel_tls.h"

#include <fcntl.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>

#include "base/data_dir.h"
#include "base/tls_material.h"

namespace livy {
namespace {

namespace fs = std::filesystem;

// Forward secrecy and AEAD only, for TLS 1.2 (TLS 1.3's suites are all such).
constexpr const char* kTls12Ciphers = "ECDHE+AESGCM:ECDHE+CHACHA20";
// The generated certificate: drivers pin it, so no expiry should end a long-lived install.
constexpr long kGeneratedValidSeconds = 20L * 365 * 24 * 3600;

struct BnFree {
  void operator()(BIGNUM* b) const { BN_free(b); }
};

Result<KeyPair> load_pair(const std::string& certificate_file, const std::string& key_file,
                          const std::string& certificate_key, const std::string& key_key) {
  auto cert_text = read_key_material(certificate_file, certificate_key);
  if (!cert_text) return cert_text.status();
  auto key_text = read_key_material(key_file, key_key);
  if (!key_text) return key_text.status();
  return parse_pem_pair(*cert_text, *key_text, nullptr, certificate_key + ": " + certificate_file,
                        key_key + ": " + key_file);
}

// Writes `text` to `path` through a 0600 temporary file renamed over it.
Status write_private(const fs::path& path, const std::string& text) {
  const fs::path tmp = path.string() + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return Status::unavailable("cannot write " + tmp.string() + ": " + std::strerror(errno));
  bool ok = ::fchmod(fd, 0600) == 0;
  for (std::size_t done = 0; ok && done < text.size();) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) done += static_cast<std::size_t>(n);
  }
  ok = ::fsync(fd) == 0 && ok;
  ok = ::close(fd) == 0 && ok;
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return Status::unavailable("cannot write " + path.string());
  }
  return Status::ok();
}

std::string pem_text(const std::function<int(BIO*)>& write) {
  Bio bio(BIO_new(BIO_s_mem()));
  if (!bio || write(bio.get()) != 1) return {};
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return size > 0 ? std::string(data, static_cast<std::size_t>(size)) : std::string();
}

// A self-signed P-256 certificate for the channel, written to `dir` (the key first, so
// that a certificate on disk always has its key).
Status generate_pair(const fs::path& dir, const fs::path& certificate, const fs::path& key_path) {
  Key key(EVP_EC_gen("P-256"));
  Cert cert(X509_new());
  std::unique_ptr<BIGNUM, BnFree> serial(BN_new());
  if (!key || !cert || !serial || BN_rand(serial.get(), 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
      BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())) == nullptr ||
      X509_set_version(cert.get(), 2) != 1 || X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) == nullptr ||
      X509_gmtime_adj(X509_getm_notAfter(cert.get()), kGeneratedValidSeconds) == nullptr ||
      X509_set_pubkey(cert.get(), key.get()) != 1) {
    return Status::internal("cannot make the driver channel's certificate: " + openssl_reason());
  }
  X509_NAME* name = X509_get_subject_name(cert.get());
  const auto* cn = reinterpret_cast<const unsigned char*>("livyd driver channel");
  if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, cn, -1, -1, 0) != 1 ||
      X509_set_issuer_name(cert.get(), name) != 1 || X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) {
    return Status::internal("cannot sign the driver channel's certificate: " + openssl_reason());
  }
  const std::string key_pem = pem_text(
      [&](BIO* b) { return PEM_write_bio_PrivateKey(b, key.get(), nullptr, nullptr, 0, nullptr, nullptr); });
  const std::string cert_pem = pem_text([&](BIO* b) { return PEM_write_bio_X509(b, cert.get()); });
  if (key_pem.empty() || cert_pem.empty()) return Status::internal("cannot encode the driver channel's certificate");
  if (!create_private_dirs(dir.string())) return Status::unavailable("cannot create " + dir.string());
  if (Status st = write_private(key_path, key_pem); !st) return st;
  return write_private(certificate, cert_pem);
}

std::string fingerprint_of(X509* cert) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (X509_digest(cert, EVP_sha256(), md, &size) != 1) return {};
  static const char* const kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned int i = 0; i < size; ++i) {
    if (i > 0) out += ':';
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 15];
  }
  return out;
}

}  // namespace

Result<std::shared_ptr<ChannelTlsContext>> ChannelTlsContext::load(const std::string& certificate_file,
                                                                  const std::string& key_file,
                                                                  const std::string& generated_dir) {
  if (certificate_file.empty() != key_file.empty()) {
    return Status::invalid_argument(
        "sessions.driver-tls-certificate-file and sessions.driver-tls-key-file go together: set both, or neither "
        "(livyd then makes its own certificate)");
  }
  Result<KeyPair> pair = Status::internal("unset");
  if (!certificate_file.empty()) {
    pair = load_pair(certificate_file, key_file, "sessions.driver-tls-certificate-file",
                     "sessions.driver-tls-key-file");
  } else {
    const fs::path dir(generated_dir);
    const fs::path cert = dir / "certificate.pem", key = dir / "key.pem";
    std::error_code ec;
    if (!fs::exists(cert, ec) || !fs::exists(key, ec)) {
      if (Status st = generate_pair(dir, cert, key); !st) return st;
    }
    pair = load_pair(cert.string(), key.string(), "the generated driver channel certificate",
                     "the generated driver channel key");
  }
  if (!pair) return pair.status();

  SSL_CTX* raw = SSL_CTX_new(TLS_server_method());
  if (raw == nullptr) return Status::internal("cannot create a TLS context: " + openssl_reason());
  std::shared_ptr<ChannelTlsContext> context(new ChannelTlsContext(raw, fingerprint_of(pair->certificate.get())));
  SSL_CTX_set_min_proto_version(raw, TLS1_2_VERSION);
  // No renegotiation (a peer could make livyd redo the costly half at will, and the loop's
  // reads and writes would have to cross), no compression (CRIME), no tickets (a driver
  // reconnects seldom; nothing to resume).
  SSL_CTX_set_options(raw, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION | SSL_OP_NO_TICKET |
                               SSL_OP_CIPHER_SERVER_PREFERENCE);
  SSL_CTX_set_num_tickets(raw, 0);
  // Partial writes from a buffer that may move between tries: the connection offers the
  // rest of its front line again. Idle connections give their buffers back.
  SSL_CTX_set_mode(raw, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS);
  SSL_CTX_set_cipher_list(raw, kTls12Ciphers);
  const std::string origin = certificate_file.empty() ? "the generated driver channel certificate"
                                                      : "sessions.driver-tls-certificate-file " + certificate_file;
  if (SSL_CTX_use_certificate(raw, pair->certificate.get()) != 1) {
    return Status::invalid_argument(origin + ": the certificate cannot be used (" + openssl_reason() + ")");
  }
  if (SSL_CTX_use_PrivateKey(raw, pair->key.get()) != 1 || SSL_CTX_check_private_key(raw) != 1) {
    ERR_clear_error();
    return Status::invalid_argument(origin + ": the private key does not belong to the certificate");
  }
  for (int i = 0; i < sk_X509_num(pair->chain.get()); ++i) {
    if (SSL_CTX_add1_chain_cert(raw, sk_X509_value(pair->chain.get(), i)) != 1) {
      return Status::invalid_argument(origin + ": an intermediate certificate cannot be used (" + openssl_reason() +
                                      ")");
    }
  }
  if (context->fingerprint().empty()) return Status::internal("cannot compute the certificate's fingerprint");
  return context;
}

ChannelTlsContext::~ChannelTlsContext() { SSL_CTX_free(ctx_); }

std::unique_ptr<ChannelTlsStream> ChannelTlsStream::accept(const ChannelTlsContext& context, int fd) {
  SSL* ssl = SSL_new(context.get());
  if (ssl == nullptr) {
    ERR_clear_error();
    return nullptr;
  }
  if (SSL_set_fd(ssl, fd) != 1) {  // a socket BIO that leaves closing the descriptor to the caller
    ERR_clear_error();
    SSL_free(ssl);
    return nullptr;
  }
  SSL_set_accept_state(ssl);
  return std::unique_ptr<ChannelTlsStream>(new ChannelTlsStream(ssl));
}

ChannelTlsStream::~ChannelTlsStream() { SSL_free(ssl_); }

ChannelTlsStream::Io ChannelTlsStream::classify(int ret) {
  switch (SSL_get_error(ssl_, ret)) {
    case SSL_ERROR_WANT_READ: return Io::kWantRead;
    case SSL_ERROR_WANT_WRITE: return Io::kWantWrite;
    case SSL_ERROR_ZERO_RETURN: return Io::kClosed;
    default:
      failed_ = true;  // no close_notify after a fatal error (OpenSSL forbids it)
      ERR_clear_error();
      return Io::kFailed;
  }
}

// OpenSSL's error queue is per thread and a connection is used from the loop and from the
// threads that send: each call starts with an empty queue, so SSL_get_error sees its own.
ChannelTlsStream::Io ChannelTlsStream::handshake() {
  if (failed_) return Io::kFailed;
  ERR_clear_error();
  const int ret = SSL_do_handshake(ssl_);
  if (ret == 1) {
    handshake_done_ = true;
    return Io::kDone;
  }
  return classify(ret);
}

std::size_t ChannelTlsStream::read(char* buf, std::size_t size, Io& io) {
  if (failed_) {
    io = Io::kFailed;
    return 0;
  }
  ERR_clear_error();
  std::size_t n = 0;
  if (SSL_read_ex(ssl_, buf, size, &n) == 1) {
    io = Io::kDone;
    return n;
  }
  io = classify(0);
  return 0;
}

std::size_t ChannelTlsStream::write(const char* data, std::size_t size, Io& io) {
  if (failed_) {
    io = Io::kFailed;
    return 0;
  }
  ERR_clear_error();
  std::size_t n = 0;
  if (SSL_write_ex(ssl_, data, size, &n) == 1) {
    io = Io::kDone;
    return n;
  }
  io = classify(0);
  return 0;
}

bool ChannelTlsStream::has_pending() const { return SSL_has_pending(ssl_) == 1; }

void ChannelTlsStream::close_notify() {
  if (notified_ || failed_ || !handshake_done_) return;
  notified_ = true;
  ERR_clear_error();
  (void)SSL_shutdown(ssl_);
  ERR_clear_error();
}

}  // namespace livy
