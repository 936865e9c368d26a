#include "channel/driver_channel.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

namespace livy {
namespace {

void wake(int eventfd) {
  const std::uint64_t one = 1;
  (void)!::write(eventfd, &one, sizeof one);
}

timeval to_timeval(std::chrono::milliseconds d) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(d.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((d.count() % 1000) * 1000);
  return tv;
}

}  // namespace

DriverConnection::DriverConnection(int fd, std::chrono::milliseconds send_timeout, std::size_t max_queued_bytes)
    : fd_(fd), max_queued_bytes_(max_queued_bytes) {
  const timeval tv = to_timeval(send_timeout);
  ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  const int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  writer_ = std::thread([this] { write_loop(); });
}

DriverConnection::~DriverConnection() {
  close();
  writer_.join();
  ::close(fd_);
}

bool DriverConnection::send(std::string line) {
  {
    std::lock_guard lock(mu_);
    if (closed_ || draining_) return false;
    if (queued_bytes_ + line.size() > max_queued_bytes_) {
      closed_ = true;  // the driver stopped reading: drop it rather than hold memory
    } else {
      queued_bytes_ += line.size();
      queue_.push_back(std::move(line));
    }
  }
  if (closed_) {
    close();
    return false;
  }
  ready_.notify_one();
  return true;
}

void DriverConnection::write_loop() {
  for (;;) {
    std::string line;
    {
      std::unique_lock lock(mu_);
      ready_.wait(lock, [this] { return closed_ || draining_ || !queue_.empty(); });
      if (closed_) return;
      if (queue_.empty()) {  // draining, and all is written
        lock.unlock();
        close();
        return;
      }
      line = std::move(queue_.front());
      queue_.pop_front();
      queued_bytes_ -= line.size();
    }
    std::size_t sent = 0;
    while (sent < line.size()) {
      const ssize_t n = ::send(fd_, line.data() + sent, line.size() - sent, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        close();  // a driver too slow to read, or gone
        return;
      }
      sent += static_cast<std::size_t>(n);
    }
  }
}

void DriverConnection::close_when_sent() {
  {
    std::lock_guard lock(mu_);
    draining_ = true;
  }
  ready_.notify_all();
}

void DriverConnection::close() {
  {
    std::lock_guard lock(mu_);
    closed_ = true;
  }
  ::shutdown(fd_, SHUT_RDWR);
  ready_.notify_all();
}

Result<std::unique_ptr<DriverListener>> DriverListener::start(const DriverChannelOptions& options,
                                                              DriverEvents& events) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(options.port));
  if (::inet_pton(AF_INET, options.host.c_str(), &addr.sin_addr) != 1) {
    return Status::invalid_argument("sessions.driver-host must be an IPv4 address: " + options.host);
  }
  // Non-blocking, so the acceptor takes what the kernel queued and goes back to its poll.
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return Status::unavailable(std::string("driver channel: socket: ") + std::strerror(errno));
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 64) != 0) {
    const std::string err = std::strerror(errno);
    ::close(fd);
    return Status::unavailable("driver channel: cannot listen on " + options.host + ":" +
                               std::to_string(options.port) + ": " + err);
  }
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  const int wake = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake < 0) {
    ::close(fd);
    return Status::unavailable("driver channel: eventfd failed");
  }
  std::unique_ptr<DriverListener> listener(new DriverListener(options, events, fd, wake, ntohs(addr.sin_port)));
  listener->acceptor_ = std::thread([l = listener.get()] { l->accept_loop(); });
  return listener;
}

DriverListener::DriverListener(DriverChannelOptions options, DriverEvents& events, int listen_fd, int wake_fd,
                               int port)
    : options_(std::move(options)),
      events_(events),
      listen_fd_(listen_fd),
      wake_fd_(wake_fd),
      port_(port),
      pending_({options_.max_hello_bytes, options_.hello_timeout, std::max<std::size_t>(1, options_.max_pending)}) {}

DriverListener::~DriverListener() {
  stop();
  ::close(wake_fd_);
}

void DriverListener::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopped_) return;
    stopped_ = true;
  }
  wake(wake_fd_);
  if (acceptor_.joinable()) acceptor_.join();  // it closes the connections still waiting for their hello
  // No driver may connect to a livyd going away (it would wait for a welcome that never
  // comes): the port closes before the connections, so reconnecting drivers get refused
  // connections until the next livyd listens.
  ::close(std::exchange(listen_fd_, -1));
  std::list<Reader> readers;
  {
    std::lock_guard lock(mu_);  // the acceptor is gone: no reader is added any more
    readers.swap(readers_);
  }
  for (auto& r : readers) r.connection->close();
  for (auto& r : readers) r.thread.join();
}

DriverListener::Stats DriverListener::stats() const {
  Stats s;
  s.pending = pending_.counters();
  s.connections = connections_;
  s.refused = refused_;
  std::lock_guard lock(mu_);
  s.drivers = readers_.size();
  return s;
}

void DriverListener::accept_loop() {
  using Clock = PendingHellos::Clock;
  std::vector<pollfd> fds;
  std::vector<PendingHellos::Hello> hellos;
  for (;;) {
    int timeout = pending_.expire(Clock::now());
    fds.assign({{listen_fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}});
    // After a failed accept (out of descriptors, say) the port stays readable: it is left
    // out of the poll for a moment rather than spinning on it.
    if (const auto now = Clock::now(); now < accept_paused_until_) {
      fds[0].fd = -1;
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(accept_paused_until_ - now).count();
      timeout = timeout < 0 ? static_cast<int>(left) : std::min(timeout, static_cast<int>(left));
    }
    pending_.poll_fds(fds);
    if (::poll(fds.data(), fds.size(), timeout) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[1].revents != 0) {
      std::uint64_t count;
      (void)!::read(wake_fd_, &count, sizeof count);
      if (!reap()) break;
    }
    // Hellos that arrived are read before new connections are taken, so that a flood of
    // connections evicts the ones that sent nothing, not a driver whose hello is waiting.
    pending_.on_poll(fds.data() + 2, fds.size() - 2, hellos);
    if (fds[0].revents != 0) accept_new(hellos);
    for (auto& hello : hellos) admit(std::move(hello));
    hellos.clear();
  }
  pending_.close_all();
}

void DriverListener::accept_new(std::vector<PendingHellos::Hello>& hellos) {
  // A bounded batch per round: the pending connections are read again in between.
  for (int i = 0; i < 16; ++i) {
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
        accept_paused_until_ = PendingHellos::Clock::now() + std::chrono::milliseconds(100);
      }
      return;
    }
    ++connections_;
    pending_.add(fd, PendingHellos::Clock::now(), hellos);
  }
}

void DriverListener::admit(PendingHellos::Hello hello) {
  const auto message = decode_driver_message(hello.line);
  std::shared_ptr<DriverConnection> connection;
  bool accepted = false;
  if (message && message->type == DriverMessage::Type::kHello && message->version == kDriverProtocolVersion) {
    connection = std::make_shared<DriverConnection>(hello.fd, options_.send_timeout, options_.max_message_bytes);
    accepted = events_.on_hello(*message, connection);
  }
  if (!accepted) {
    // Said before closing, so a driver can tell a refusal from livyd going away. Never
    // blocks the acceptor: a peer that does not read loses the line.
    ++refused_;
    const std::string refused = refused_message("the hello was refused: unknown session or version, wrong "
                                                "secret, or the session is not waiting for a driver");
    (void)!::send(hello.fd, refused.data(), refused.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (!connection) ::close(hello.fd);  // else the connection closes it as it goes
    return;
  }
  connection->session_id_ = message->session_id;
  connection->send(welcome_message());
  start_reader(connection, std::move(hello.rest));
}

void DriverListener::start_reader(const std::shared_ptr<DriverConnection>& connection, std::string rest) {
  auto done = std::make_shared<std::atomic<bool>>(false);
  {
    std::lock_guard lock(mu_);
    if (!stopped_) {
      readers_.push_back({connection, std::thread([this, connection, done, rest = std::move(rest)]() mutable {
                            serve(connection, std::move(rest));
                            *done = true;
                            wake(wake_fd_);  // the acceptor joins this thread now, not at the next accept
                          }),
                          done});
      return;
    }
  }
  // Accepted while the listener stops: the session hears it is gone, as from a reader.
  connection->close();
  events_.on_closed(connection->session_id_, connection.get());
}

bool DriverListener::reap() {
  std::list<Reader> finished;
  {
    std::lock_guard lock(mu_);
    if (stopped_) return false;
    for (auto it = readers_.begin(); it != readers_.end();) {
      const auto next = std::next(it);
      if (*it->done) finished.splice(finished.end(), readers_, it);
      it = next;
    }
  }
  // Outside the lock: these threads are past their last step. Their connections close
  // here unless the session still holds them.
  for (auto& r : finished) r.thread.join();
  return true;
}

void DriverListener::serve(const std::shared_ptr<DriverConnection>& connection, std::string buffer) {
  const int fd = connection->fd_;
  const std::int64_t session_id = connection->session_id_;
  std::size_t scanned = 0;  // buffer[0, scanned) holds no newline
  char chunk[64 * 1024];
  for (;;) {
    std::size_t start = 0;
    for (std::size_t nl; (nl = buffer.find('\n', std::max(start, scanned))) != std::string::npos; start = nl + 1) {
      auto message = decode_driver_message(buffer.substr(start, nl - start));
      if (message) {
        events_.on_message(session_id, *message);
      } else {
        DriverMessage unreadable;
        unreadable.type = DriverMessage::Type::kUnreadable;
        unreadable.error = message.status().message();
        events_.on_message(session_id, unreadable);
      }
    }
    buffer.erase(0, start);
    scanned = buffer.size();
    if (buffer.size() > options_.max_message_bytes) break;
    const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    buffer.append(chunk, static_cast<std::size_t>(n));
  }
  connection->close();
  events_.on_closed(session_id, connection.get());
}

}  // namespace livy
