// livy::http::Server: an epoll front end that reads requests, and workers
// that run cpp-httplib's routing on them (request_stream.h).
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "base/thread_name.h"
#include "http/server_impl.h"

namespace livy::http {
namespace {

void address_of(const sockaddr_storage& addr, std::string& ip, int& port) {
  char host[NI_MAXHOST] = "";
  char serv[NI_MAXSERV] = "";
  if (::getnameinfo(reinterpret_cast<const sockaddr*>(&addr), sizeof addr, host, sizeof host, serv, sizeof serv,
                    NI_NUMERICHOST | NI_NUMERICSERV) == 0) {
    ip = host;
    port = std::atoi(serv);
  }
}

std::string describe(std::chrono::milliseconds d) { return std::to_string(d.count()) + " ms"; }

}  // namespace

ServerOptions server_options(const Config& config) {
  ServerOptions o;
  o.host = config.host;
  o.port = config.port;
  o.threads = config.http_threads;
  o.listen_backlog = config.listen_backlog;
  o.max_connections = config.max_connections;
  o.max_connections_per_client = config.max_connections_per_client;
  o.max_head_bytes = config.request_header_max_bytes;
  o.max_uri_bytes = config.request_uri_max_bytes;
  o.max_headers = config.request_max_headers;
  o.max_buffered_body_bytes = config.request_max_bytes;
  o.head_timeout = config.request_head_timeout;
  o.body_timeout = config.request_body_timeout;
  o.read_timeout = config.read_timeout;
  o.write_timeout = config.write_timeout;
  o.keep_alive_timeout = config.keep_alive_timeout;
  o.keep_alive_requests = config.keep_alive_requests;
  o.tls.keystore = config.tls_keystore;
  o.tls.keystore_password = config.tls_keystore_password;
  o.tls.key_password = config.tls_key_password;
  o.tls.certificate_file = config.tls_certificate_file;
  o.tls.key_file = config.tls_key_file;
  o.tls.min_version = config.tls_min_version == "1.3" ? TlsVersion::kTls13 : TlsVersion::kTls12;
  o.tls.hsts_max_age = config.tls_hsts_max_age;
  o.security_headers = config.security_headers;
  o.content_security_policy = config.content_security_policy;
  return o;
}

Server::Impl::Impl(ServerOptions options) : options_(std::move(options)) {
  own_headers_ = security_header_lines({options_.security_headers, options_.content_security_policy});
  if (options_.tls.enabled() && options_.tls.hsts_max_age.count() > 0) {
    const std::string hsts = "max-age=" + std::to_string(options_.tls.hsts_max_age.count());
    extra_headers_ = "Strict-Transport-Security: " + hsts + "\r\n";
    router_.set_default_headers({{"Strict-Transport-Security", hsts}});
  }
}

Server::Impl::~Impl() {
  for (const int fd : {listen_fd_, epoll_fd_, wake_fd_}) {
    if (fd >= 0) ::close(fd);
  }
}

Result<int> Server::Impl::bind() {
  if (listen_fd_ >= 0) return Status::conflict("the server is already bound");
  if (!options_.tls.enabled() && !options_.tls.key_file.empty()) {  // meant TLS: not served in plain HTTP
    return Status::invalid_argument("server.tls.key-file is set but server.tls.certificate-file is not");
  }
  if (options_.tls.enabled()) {
    auto context = TlsContext::load(options_.tls);
    if (!context) return context.status();
    tls_ = std::move(*context);
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string port = std::to_string(options_.port);
  if (::getaddrinfo(options_.host.c_str(), port.c_str(), &hints, &found) != 0 || found == nullptr) {
    return Status::invalid_argument("cannot resolve " + options_.host);
  }
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> guard(found, ::freeaddrinfo);
  const int fd = ::socket(found->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::unavailable("cannot create a socket: " + std::string(std::strerror(errno)));
  const int yes = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  if (::bind(fd, found->ai_addr, found->ai_addrlen) != 0 || ::listen(fd, options_.listen_backlog) != 0) {
    const int err = errno;
    ::close(fd);
    return Status::unavailable("cannot listen on " + options_.host + ":" + port + ": " + std::strerror(err));
  }
  sockaddr_storage bound{};
  socklen_t len = sizeof bound;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &len);
  std::string ip;
  int bound_port = -1;
  address_of(bound, ip, bound_port);
  listen_fd_ = fd;
  epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (epoll_fd_ < 0 || wake_fd_ < 0) return Status::unavailable("cannot create the server's event loop");
  for (const int watched : {listen_fd_, wake_fd_}) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = watched;
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, watched, &ev);
  }
  return bound_port;
}

void Server::Impl::run() {
  if (listen_fd_ < 0 || epoll_fd_ < 0 || wake_fd_ < 0) return;  // not bound
  if (tls_) {
    // OpenSSL writes to a socket with write(2): a client gone must be EPIPE,
    // not a SIGPIPE. Workers inherit the mask.
    sigset_t pipe;
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe, nullptr);
  }
  name_this_thread("livyd-http");  // the caller's thread runs the loop
  workers_ = std::make_unique<httplib::ThreadPool>(static_cast<std::size_t>(std::max(1, options_.threads)));
  std::vector<epoll_event> events(256);
  auto last_sweep = Clock::now();
  bool closed_listener = false;
  for (;;) {
    const int n = ::epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()),
                               static_cast<int>(kSweepInterval.count()));
    for (int i = 0; i < n; ++i) {
      const int fd = events[static_cast<std::size_t>(i)].data.fd;
      if (fd == listen_fd_) {
        accept_all();
      } else if (fd == wake_fd_) {
        std::uint64_t count = 0;
        (void)!::read(wake_fd_, &count, sizeof count);
        on_returned();
      } else if (const auto it = connections_.find(fd); it != connections_.end()) {
        on_ready(*it->second);
      }
    }
    if (stopping_ && !closed_listener) {
      closed_listener = true;
      ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, listen_fd_, nullptr);
      std::vector<Connection*> idle;
      for (auto& [fd, c] : connections_) {
        if (c->phase != Connection::Phase::kServing) idle.push_back(c.get());
      }
      for (Connection* c : idle) close_connection(*c);
    }
    if (stopping_ && serving_ == 0) break;
    const auto now = Clock::now();
    if (now - last_sweep >= kSweepInterval) {
      last_sweep = now;
      sweep();
    }
  }
  workers_->shutdown();
  on_returned();  // none left serving: only closes
  while (!connections_.empty()) close_connection(*connections_.begin()->second);
}

void Server::Impl::watch(Connection& c, bool on) {
  // Off while a worker has the connection: not even a hang-up is reported, so
  // the loop neither touches the socket nor spins on it.
  if (!on) {
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, c.fd, nullptr);
    return;
  }
  c.want_write = false;
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLRDHUP;
  ev.data.fd = c.fd;
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, c.fd, &ev);
}

void Server::Impl::want_write(Connection& c, bool on) {
  if (c.want_write == on) return;
  c.want_write = on;
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLRDHUP | (on ? EPOLLOUT : 0u);
  ev.data.fd = c.fd;
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, c.fd, &ev);
}

void Server::Impl::close_connection(Connection& c) {
  const int fd = c.fd;
  if (c.phase != Connection::Phase::kServing) ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
  if (c.tls) c.tls->close_notify();
  ::close(fd);
  if (const auto client = clients_.find(c.peer_ip); client != clients_.end()) {
    client->second.erase(c.client_pos);
    if (client->second.empty()) clients_.erase(client);
  }
  connections_.erase(fd);  // destroys c
  open_ = connections_.size();
}

void Server::Impl::accept_all() {
  for (;;) {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    const int fd = ::accept4(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
        // Out of descriptors: the queued connections wait in the backlog a moment.
        ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, listen_fd_, nullptr);
        accept_paused_ = true;
        accept_paused_until_ = Clock::now() + kSweepInterval;
      }
      return;
    }
    if (connections_.size() >= options_.max_connections) {
      if (tls_) {  // a TLS client would not understand a plain answer
        ::close(fd);
        continue;
      }
      const std::string message =
          "too many connections: server.max-connections is " + std::to_string(options_.max_connections);
      const std::string id = new_request_id();
      const std::string answer = error_response(503, message, own_headers_ + "X-Request-Id: " + id + "\r\n");
      (void)!::send(fd, answer.data(), answer.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      std::string ip;
      int port = 0;
      address_of(addr, ip, port);
      log_refusal(id, ip, 503, message);
      ::close(fd);
      continue;
    }
    auto c = std::make_unique<Connection>();
    c->fd = fd;
    if (tls_) {
      c->tls = TlsStream::accept(*tls_, fd);
      if (!c->tls) {
        ::close(fd);
        continue;
      }
    }
    address_of(addr, c->peer_ip, c->peer_port);
    sockaddr_storage local{};
    socklen_t local_len = sizeof local;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_len) == 0) {
      address_of(local, c->local_ip, c->local_port);
    }
    auto& client = clients_[c->peer_ip];
    if (options_.max_connections_per_client > 0 && client.size() >= options_.max_connections_per_client) {
      // The address's longest-waiting connection that is not being served
      // makes room: a client that dawdles on many connections loses its oldest.
      Connection* oldest = nullptr;
      for (Connection* other : client) {
        if (other->phase != Connection::Phase::kServing) {
          oldest = other;
          break;
        }
      }
      if (oldest == nullptr) {
        ::close(fd);
        continue;
      }
      close_connection(*oldest);
    }
    const int yes = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
    c->deadline = Clock::now() + options_.head_timeout;
    Connection& ref = *c;
    auto& list = clients_[ref.peer_ip];  // close_connection above may have erased it
    ref.client_pos = list.insert(list.end(), &ref);
    connections_.emplace(fd, std::move(c));
    open_ = connections_.size();
    watch(ref, true);
  }
}

void Server::Impl::sweep() {
  const auto now = Clock::now();
  if (accept_paused_ && now >= accept_paused_until_ && !stopping_) {
    accept_paused_ = false;
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = listen_fd_;
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, listen_fd_, &ev);
  }
  std::vector<Connection*> expired;
  for (auto& [fd, c] : connections_) {
    if (c->phase != Connection::Phase::kServing && now >= c->deadline) expired.push_back(c.get());
  }
  for (Connection* c : expired) {
    if (c->phase == Connection::Phase::kReading) {
      const bool in_head = !c->request;
      answer_error(*c, 408,
                   in_head ? "request head not received within server.request-head-timeout (" +
                                 describe(options_.head_timeout) + ")"
                           : "request body not received within server.request-body-timeout (" +
                                 describe(options_.body_timeout) + ")");
    } else {
      close_connection(*c);
    }
  }
}

Server::Server(ServerOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
Server::~Server() = default;
httplib::Server& Server::router() { return impl_->router_; }
Result<int> Server::bind() { return impl_->bind(); }
void Server::run() { impl_->run(); }
void Server::stop() { impl_->stop(); }
std::size_t Server::open_connections() const { return impl_->open_connections(); }

}  // namespace livy::http
