// OpenSSL handles and the reading of key material (a certificate with its chain, a private
// key), shared by the REST server's TLS (lib/http/tls) and the driver channel's
// (lib/channel/channel_tls).
#pragma once

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>
#include <string>

#include "livy/status.h"

namespace livy {

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct KeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct CertFree {
  void operator()(X509* x) const { X509_free(x); }
};
struct CertsFree {
  void operator()(STACK_OF(X509) * s) const { sk_X509_pop_free(s, X509_free); }
};
using Bio = std::unique_ptr<BIO, BioFree>;
using Key = std::unique_ptr<EVP_PKEY, KeyFree>;
using Cert = std::unique_ptr<X509, CertFree>;
using CertChain = std::unique_ptr<STACK_OF(X509), CertsFree>;

// A private key, its certificate, and the certificates that chain it to a CA.
struct KeyPair {
  Key key;
  Cert certificate;
  CertChain chain{sk_X509_new_null()};
};

// The first error OpenSSL queued (the cause; later ones wrap it), and the queue emptied.
std::string openssl_reason();

// The whole of a keystore, certificate or key file: a few KiB, refused beyond 1 MiB (so a
// wrong path, a log or a device, is not read whole). `key`: the config key named in errors.
Result<std::string> read_key_material(const std::string& path, const std::string& key);

// A PEM certificate, then its chain, from `cert_text`, and a PEM private key from `key_text`.
// `password`: the key's, nullptr for an unencrypted key only (no callback ever prompts on a
// terminal). `cert_origin` and `key_origin` ("server.tls.key-file /etc/livyd/key.pem") start
// the messages of errors.
Result<KeyPair> parse_pem_pair(const std::string& cert_text, const std::string& key_text, const std::string* password,
                               const std::string& cert_origin, const std::string& key_origin);

}  // namespace livy
