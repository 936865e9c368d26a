#include "channel/driver_channel.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "base/thread_name.h"
#include "channel/driver_loop.h"

namespace livy {
namespace {

using Clock = std::chrono::steady_clock;

// The one refusal for every failed check, so that it does not say which failed.
constexpr const char* kRefusal =
    "the hello was refused: unknown session or version, wrong secret, or the session is not waiting for a driver";

int min_timeout(int a, int b) { return a < 0 ? b : (b < 0 ? a : std::min(a, b)); }

int millis_until(Clock::time_point deadline, Clock::time_point now) {
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - now).count();
  return static_cast<int>(std::max<std::int64_t>(1, left));
}

}  // namespace

Result<std::unique_ptr<DriverListener>> DriverListener::start(const DriverChannelOptions& options,
                                                              DriverEvents& events) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(options.port));
  if (::inet_pton(AF_INET, options.host.c_str(), &addr.sin_addr) != 1) {
    return Status::invalid_argument("sessions.driver-bind-host must be an IPv4 address: " + options.host);
  }
  // Non-blocking, so the loop takes what the kernel queued and goes back to its epoll_wait.
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return Status::unavailable(std::string("driver channel: socket: ") + std::strerror(errno));
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 128) != 0) {
    const std::string err = std::strerror(errno);
    ::close(fd);
    return Status::unavailable("driver channel: cannot listen on " + options.host + ":" +
                               std::to_string(options.port) + ": " + err);
  }
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  const int epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
  const int wake_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  epoll_event listen_event{}, wake_event{};
  listen_event.events = wake_event.events = EPOLLIN;
  listen_event.data.fd = fd;
  wake_event.data.fd = wake_fd;
  if (epoll_fd < 0 || wake_fd < 0 || ::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &listen_event) != 0 ||
      ::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, wake_fd, &wake_event) != 0) {
    const std::string err = std::strerror(errno);
    for (const int d : {fd, epoll_fd, wake_fd}) {
      if (d >= 0) ::close(d);
    }
    return Status::unavailable("driver channel: cannot set up its event loop: " + err);
  }
  auto loop = std::make_shared<DriverLoop>(epoll_fd, wake_fd, options.send_timeout,
                                           std::max<std::size_t>(1, options.max_dispatch_backlog));
  std::unique_ptr<DriverListener> listener(new DriverListener(options, events, fd, loop, ntohs(addr.sin_port)));
  listener->loop_thread_ = std::thread([l = listener.get()] {
    name_this_thread("livyd-channel");
    l->run_loop();
  });
  return listener;
}

DriverListener::DriverListener(DriverChannelOptions options, DriverEvents& events, int listen_fd,
                               std::shared_ptr<DriverLoop> loop, int port)
    : options_(std::move(options)),
      events_(events),
      listen_fd_(listen_fd),
      loop_(std::move(loop)),
      port_(port),
      pool_(std::max<std::size_t>(1, options_.dispatch_threads)),
      pending_({options_.max_hello_bytes, options_.hello_timeout, std::max<std::size_t>(1, options_.max_pending)},
               loop_->epoll_fd, options_.tls) {}

DriverListener::~DriverListener() { stop(); }

void DriverListener::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopped_) return;
    stopped_ = true;
  }
  loop_->stopping = true;
  loop_->wake();
  if (loop_thread_.joinable()) loop_thread_.join();  // it closes the port, then every connection
  pool_.stop();  // the last events, on_closed of each accepted driver among them, are handed over
  (void)loop_->take_stalled();
}

DriverListener::Stats DriverListener::stats() const {
  Stats s;
  s.pending = pending_.counters();
  s.connections = connections_accepted_;
  s.refused = refused_;
  s.unreadable = unreadable_;
  s.too_long = too_long_;
  s.drivers = drivers_;
  s.threads = 1 + pool_.threads();
  return s;
}

void DriverListener::run_loop() {
  std::vector<epoll_event> events(256);
  std::vector<PendingHellos::Hello> hellos;
  while (!loop_->stopping) {
    const auto now = Clock::now();
    int timeout = min_timeout(pending_.expire(now), check_send_timeouts(now));
    // After a failed accept (out of descriptors, say) the port stays readable: it is left
    // out of the epoll set for a moment rather than spinning on it.
    if (accept_paused_until_ != Clock::time_point{}) {
      if (now < accept_paused_until_) {
        timeout = min_timeout(timeout, millis_until(accept_paused_until_, now));
      } else {
        accept_paused_until_ = {};
        epoll_event event{};
        event.events = EPOLLIN;
        event.data.fd = listen_fd_;
        ::epoll_ctl(loop_->epoll_fd, EPOLL_CTL_ADD, listen_fd_, &event);
      }
    }
    const int n = ::epoll_wait(loop_->epoll_fd, events.data(), static_cast<int>(events.size()), timeout);
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    bool acceptable = false;
    for (int i = 0; i < n; ++i) {
      const int fd = events[i].data.fd;
      if (fd == listen_fd_) {
        acceptable = true;
      } else if (fd == loop_->wake_fd) {
        std::uint64_t count;
        (void)!::read(loop_->wake_fd, &count, sizeof count);
      } else if (const auto it = connections_.find(fd); it != connections_.end()) {
        on_events(it->second, events[i].events);
      } else {
        pending_.on_readable(fd, hellos);
      }
    }
    // Hellos that arrived are read before new connections are taken, so that a flood of
    // connections evicts the ones that sent nothing, not a driver whose hello is waiting.
    if (acceptable) accept_new(hellos);
    for (auto& hello : hellos) admit(std::move(hello));
    hellos.clear();
    read_again();
  }
  // No driver may connect to a livyd going away (it would wait for a welcome that never
  // comes): the port closes before the connections, so reconnecting drivers get refused
  // connections until the next livyd listens.
  ::close(std::exchange(listen_fd_, -1));
  pending_.close_all();
  std::vector<std::shared_ptr<DriverConnection>> open;
  for (const auto& [fd, connection] : connections_) open.push_back(connection);
  for (const auto& connection : open) end(connection);
  stalled_.clear();
}

void DriverListener::accept_new(std::vector<PendingHellos::Hello>& hellos) {
  // A bounded batch per round: the pending connections are read again in between.
  for (int i = 0; i < 16; ++i) {
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
        accept_paused_until_ = Clock::now() + std::chrono::milliseconds(100);
        ::epoll_ctl(loop_->epoll_fd, EPOLL_CTL_DEL, listen_fd_, nullptr);
      }
      return;
    }
    ++connections_accepted_;
    pending_.add(fd, Clock::now(), hellos);
  }
}

void DriverListener::admit(PendingHellos::Hello hello) {
  auto message = decode_driver_message(hello.line);
  if (!message || message->type != DriverMessage::Type::kHello || message->version != kDriverProtocolVersion) {
    // Said before closing, so a driver can tell a refusal from livyd going away. Never
    // blocks the loop: a peer that does not read loses the line.
    ++refused_;
    const std::string refused = refused_message(kRefusal);
    if (hello.tls) {
      ChannelTlsStream::Io io;
      (void)hello.tls->write(refused.data(), refused.size(), io);
      hello.tls->close_notify();
    } else {
      (void)!::send(hello.fd, refused.data(), refused.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    }
    ::close(hello.fd);  // which also takes it out of the epoll set
    return;
  }
  std::shared_ptr<DriverConnection> connection(
      new DriverConnection(hello.fd, loop_, options_.max_message_bytes, std::move(hello.tls)));
  const int one = 1;
  ::setsockopt(hello.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  {
    std::lock_guard lock(connection->mu_);
    connection->registered_ = true;  // by PendingHellos; no interest until the verdict
    connection->events_ = hello.events;
    connection->update_events();
  }
  connection->key_ = static_cast<std::uint64_t>(message->session_id);
  connections_.emplace(hello.fd, connection);
  ++drivers_;
  // The verdict comes from the sessions, on the dispatch thread of this session, where the
  // connection's lines and its end follow it in order.
  pool_.post(connection->key_, [this, connection, message = std::move(*message)] {
    if (!events_.on_hello(message, connection)) {
      ++refused_;
      connection->send(refused_message(kRefusal));
      connection->close();  // the loop sees it end; its lines are dropped, and no on_closed
      return;
    }
    connection->session_id_ = message.session_id;
    connection->accepted_ = true;
    connection->send(welcome_message());
    connection->resume_reading();
  });
  // What came after the hello in the same read (a driver sends nothing before its welcome,
  // but the bytes are the driver's to send) goes after the verdict.
  connection->in_ = std::move(hello.rest);  // shorter than a hello: within max_message_bytes
  post_lines(connection);
}

void DriverListener::on_events(const std::shared_ptr<DriverConnection>& connection, std::uint32_t events) {
  const bool ended = (events & (EPOLLHUP | EPOLLERR)) != 0;
  bool readable = (events & EPOLLIN) != 0, writable = (events & EPOLLOUT) != 0;
  if (connection->tls_) {
    // TLS may turn a direction around: a read that waited for the socket to be writable, a
    // write that waited for it to be readable.
    std::lock_guard lock(connection->mu_);
    if (writable && connection->read_wants_write_) {
      connection->read_wants_write_ = false;
      connection->update_events();
      readable = true;
    }
    if (readable && connection->write_wants_read_) writable = true;
  }
  if (ended || readable) {
    // An end is read to its end, paused or not: what the driver said before it closed is
    // handed over before on_closed, as it always was.
    if (!read_lines(connection, ended)) {
      post_lines(connection);
      end(connection);
      return;
    }
    post_lines(connection);
    if (connection->in_.size() > options_.max_message_bytes) {
      ++too_long_;
      end(connection);
      return;
    }
  }
  if (writable) {
    std::lock_guard lock(connection->mu_);
    if (connection->closed_) return;
    if (!connection->flush()) {
      connection->shut();
    } else if (connection->out_.empty()) {
      connection->update_events();
      if (connection->draining_) connection->shut();
    }
  }
}

bool DriverListener::read_lines(const std::shared_ptr<DriverConnection>& connection, bool to_the_end) {
  DriverConnection& c = *connection;
  if (!to_the_end) {
    // Readable for another reason (TLS: a write waiting for a read), or read again for what
    // OpenSSL holds, while the sessions have not caught up.
    std::lock_guard lock(c.mu_);
    if (c.reading_paused()) return true;
  }
  char chunk[64 * 1024];
  for (std::size_t read = 0; to_the_end || read < options_.read_per_round;) {
    if (c.in_.size() > options_.max_message_bytes) return true;  // the caller ends it
    const long n = c.receive(chunk, sizeof chunk);
    if (n < 0) return !to_the_end;
    if (n == 0) return false;
    c.in_.append(chunk, static_cast<std::size_t>(n));
    read += static_cast<std::size_t>(n);
  }
  // Cut off at the round's bound: the rest is read in the next round. The socket says so
  // (the interest is level-triggered); bytes OpenSSL already decrypted, the loop must remember.
  if (c.tls_pending()) loop_->note_readable(connection);
  return true;
}

void DriverListener::read_again() {
  for (const auto& weak : loop_->take_readable()) {
    const auto connection = weak.lock();
    if (connection == nullptr) continue;
    const auto it = connections_.find(connection->fd_);
    if (it == connections_.end() || it->second != connection) continue;  // ended meanwhile
    on_events(connection, EPOLLIN);
  }
}

void DriverListener::post_lines(const std::shared_ptr<DriverConnection>& connection) {
  DriverConnection& c = *connection;
  std::size_t start = 0, posted = 0;
  for (std::size_t nl; (nl = c.in_.find('\n', std::max(start, c.scanned_))) != std::string::npos; start = nl + 1) {
    std::string line = c.in_.substr(start, nl - start);
    const std::size_t size = std::max<std::size_t>(1, line.size());
    posted += size;
    c.dispatch_bytes_ += size;
    pool_.post(c.key_, [this, connection, line = std::move(line), size] {
      if (connection->accepted_) {
        auto message = decode_driver_message(line);
        if (message) {
          events_.on_message(connection->session_id_, *message);
        } else {
          ++unreadable_;
          DriverMessage unreadable;
          unreadable.type = DriverMessage::Type::kUnreadable;
          unreadable.error = message.status().message();
          events_.on_message(connection->session_id_, unreadable);
        }
      }
      connection->consumed(size);
    });
  }
  c.in_.erase(0, start);
  c.scanned_ = c.in_.size();
  if (posted > 0 && c.dispatch_bytes_ > options_.max_dispatch_backlog) {
    std::lock_guard lock(c.mu_);
    if (c.dispatch_bytes_ > options_.max_dispatch_backlog) {  // else the sessions caught up meanwhile
      c.backlogged_ = true;
      c.update_events();
    }
  }
}

void DriverListener::end(std::shared_ptr<DriverConnection> connection) {
  {
    std::lock_guard lock(connection->mu_);
    connection->shut();
    if (connection->registered_) ::epoll_ctl(loop_->epoll_fd, EPOLL_CTL_DEL, connection->fd_, nullptr);
    connection->registered_ = false;
  }
  if (connections_.erase(connection->fd_) > 0) --drivers_;
  // After the connection's last line: the session hears of the end once it has heard everything.
  pool_.post(connection->key_, [this, connection] {
    if (connection->accepted_) events_.on_closed(connection->session_id_, connection.get());
  });
}

int DriverListener::check_send_timeouts(Clock::time_point now) {
  for (auto& weak : loop_->take_stalled()) {
    if (auto connection = weak.lock()) stalled_.push_back(std::move(connection));
  }
  int timeout = -1;
  for (auto it = stalled_.begin(); it != stalled_.end();) {
    DriverConnection& c = **it;
    std::lock_guard lock(c.mu_);
    if (c.closed_ || c.out_.empty()) {
      it = stalled_.erase(it);
    } else if (now - c.last_progress_ >= loop_->send_timeout) {
      c.shut();  // a driver that does not read: the loop sees the end and ends it
      it = stalled_.erase(it);
    } else {
      timeout = min_timeout(timeout, millis_until(c.last_progress_ + loop_->send_timeout, now));
      ++it;
    }
  }
  return timeout;
}

}  // namespace livy
