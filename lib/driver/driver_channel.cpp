#include "driver/driver_channel.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace livy {
namespace {

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
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
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
  const int wake = ::eventfd(0, EFD_CLOEXEC);
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
    : options_(std::move(options)), events_(events), listen_fd_(listen_fd), wake_fd_(wake_fd), port_(port) {}

DriverListener::~DriverListener() {
  stop();
  ::close(wake_fd_);
}

void DriverListener::stop() {
  std::list<Reader> readers;
  {
    std::lock_guard lock(mu_);
    if (stopped_) return;
    stopped_ = true;
    readers.swap(readers_);
  }
  const std::uint64_t one = 1;
  (void)!::write(wake_fd_, &one, sizeof one);
  if (acceptor_.joinable()) acceptor_.join();
  // No driver may connect to a livyd going away (it would wait for a welcome that never
  // comes): the port closes before the connections, so reconnecting drivers get refused
  // connections until the next livyd listens.
  ::close(std::exchange(listen_fd_, -1));
  for (auto& r : readers) r.connection->close();
  for (auto& r : readers) r.thread.join();
}

void DriverListener::accept_loop() {
  for (;;) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[1].revents != 0) return;
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    auto connection = std::make_shared<DriverConnection>(fd, options_.send_timeout, options_.max_message_bytes);
    auto done = std::make_shared<std::atomic<bool>>(false);
    std::lock_guard lock(mu_);
    if (stopped_) return;
    // Join readers whose drivers have gone, so threads never pile up.
    for (auto it = readers_.begin(); it != readers_.end();) {
      if (*it->done) {
        it->thread.join();
        it = readers_.erase(it);
      } else {
        ++it;
      }
    }
    readers_.push_back({connection, std::thread([this, connection, done] {
                          serve(connection);
                          *done = true;
                        }),
                        done});
  }
}

void DriverListener::serve(const std::shared_ptr<DriverConnection>& connection) {
  const int fd = connection->fd_;
  const timeval hello_tv = to_timeval(options_.hello_timeout);
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &hello_tv, sizeof hello_tv);
  bool accepted = false;
  std::string buffer;
  char chunk[64 * 1024];
  for (;;) {
    const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    buffer.append(chunk, static_cast<std::size_t>(n));
    std::size_t start = 0;
    bool stop = false;
    for (std::size_t nl; !stop && (nl = buffer.find('\n', start)) != std::string::npos; start = nl + 1) {
      auto message = decode_driver_message(buffer.substr(start, nl - start));
      if (!accepted) {
        // The first message must be a valid hello; anything else ends the connection.
        accepted = message && message->type == DriverMessage::Type::kHello &&
                   message->version == kDriverProtocolVersion && events_.on_hello(*message, connection);
        if (!accepted) {
          // Said before closing, so a driver can tell a refusal from livyd going away.
          const std::string refused = refused_message("the hello was refused: unknown session or version, wrong "
                                                      "secret, or the session is not waiting for a driver");
          (void)!::send(fd, refused.data(), refused.size(), MSG_NOSIGNAL);
          stop = true;
          break;
        }
        connection->session_id_ = message->session_id;
        const timeval none{};
        ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &none, sizeof none);
        connection->send(welcome_message());
      } else if (message) {
        events_.on_message(connection->session_id_, *message);
      } else {
        DriverMessage unreadable;
        unreadable.type = DriverMessage::Type::kUnreadable;
        unreadable.error = message.status().message();
        events_.on_message(connection->session_id_, unreadable);
      }
    }
    if (stop) break;
    buffer.erase(0, start);
    if (buffer.size() > options_.max_message_bytes) break;
  }
  connection->close();
  if (accepted) events_.on_closed(connection->session_id_, connection.get());
}

}  // namespace livy
