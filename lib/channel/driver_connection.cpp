// One driver's connection: what send() writes at once, what waits for the event loop,
// and how the connection ends. See DriverListener (driver_channel.cpp) for the loop.
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "channel/driver_channel.h"
#include "channel/driver_loop.h"

namespace livy {

DriverLoop::~DriverLoop() {
  ::close(epoll_fd);
  ::close(wake_fd);
}

void DriverLoop::wake() {
  const std::uint64_t one = 1;
  (void)!::write(wake_fd, &one, sizeof one);
}

void DriverLoop::note_stalled(std::weak_ptr<DriverConnection> connection) {
  {
    std::lock_guard lock(mu_);
    stalled_.push_back(std::move(connection));
  }
  wake();  // the loop's next timeout must account for it
}

std::vector<std::weak_ptr<DriverConnection>> DriverLoop::take_stalled() {
  std::lock_guard lock(mu_);
  return std::exchange(stalled_, {});
}

void DriverLoop::note_readable(std::weak_ptr<DriverConnection> connection) {
  {
    std::lock_guard lock(mu_);
    readable_.push_back(std::move(connection));
  }
  wake();
}

std::vector<std::weak_ptr<DriverConnection>> DriverLoop::take_readable() {
  std::lock_guard lock(mu_);
  return std::exchange(readable_, {});
}

DriverConnection::DriverConnection(int fd, std::shared_ptr<DriverLoop> loop, std::size_t max_queued_bytes,
                                   std::unique_ptr<ChannelTlsStream> tls)
    : fd_(fd), loop_(std::move(loop)), max_queued_bytes_(max_queued_bytes), tls_(std::move(tls)) {}

DriverConnection::~DriverConnection() { ::close(fd_); }

long DriverConnection::receive(char* buf, std::size_t size) {
  if (!tls_) {
    for (;;) {
      const ssize_t n = ::recv(fd_, buf, size, MSG_DONTWAIT);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return -1;
      return n < 0 ? 0 : static_cast<long>(n);
    }
  }
  // Read on after a shut() too, as a plain socket is: what the driver said before the end
  // still reaches its session.
  std::lock_guard lock(mu_);
  ChannelTlsStream::Io io;
  const std::size_t n = tls_->read(buf, size, io);
  if (io == ChannelTlsStream::Io::kDone) return static_cast<long>(n);
  if (io == ChannelTlsStream::Io::kWantRead) return -1;
  if (io == ChannelTlsStream::Io::kWantWrite) {
    read_wants_write_ = true;  // the loop reads again once the socket is writable
    update_events();
    return -1;
  }
  return 0;
}

bool DriverConnection::tls_pending() {
  if (!tls_) return false;
  std::lock_guard lock(mu_);
  return !closed_ && tls_->has_pending();
}

bool DriverConnection::send(std::string line) {
  std::lock_guard lock(mu_);
  if (closed_ || draining_) return false;
  if (queued_bytes_ + line.size() > max_queued_bytes_) {
    shut();  // the driver stopped reading: drop it rather than hold memory
    return false;
  }
  const bool was_empty = out_.empty();
  queued_bytes_ += line.size();
  out_.push_back(std::move(line));
  if (!was_empty) return true;  // the loop writes it after what waits
  last_progress_ = std::chrono::steady_clock::now();
  if (!flush()) {
    shut();  // a driver gone
    return false;
  }
  if (!out_.empty()) {
    // The socket is full: the loop writes the rest when it drains, and drops the driver
    // if it does not within send_timeout.
    update_events();
    loop_->note_stalled(weak_from_this());
  }
  return true;
}

bool DriverConnection::flush() {
  write_wants_read_ = false;
  while (!out_.empty()) {
    const std::string& line = out_.front();
    ssize_t n;
    if (tls_) {
      // Offered again from the same place after a kWant*: what OpenSSL asks of a retry.
      ChannelTlsStream::Io io;
      n = static_cast<ssize_t>(tls_->write(line.data() + out_offset_, line.size() - out_offset_, io));
      if (io == ChannelTlsStream::Io::kWantWrite) return true;
      if (io == ChannelTlsStream::Io::kWantRead) {
        write_wants_read_ = true;
        return true;
      }
      if (io != ChannelTlsStream::Io::kDone) return false;
    } else {
      n = ::send(fd_, line.data() + out_offset_, line.size() - out_offset_, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
    }
    if (n <= 0) return false;
    last_progress_ = std::chrono::steady_clock::now();
    out_offset_ += static_cast<std::size_t>(n);
    if (out_offset_ == line.size()) {
      queued_bytes_ -= line.size();
      out_.pop_front();
      out_offset_ = 0;
    }
  }
  return true;
}

void DriverConnection::update_events() {
  if (!registered_) return;
  std::uint32_t wanted = 0;
  if (!reading_paused() || (write_wants_read_ && !out_.empty())) wanted |= EPOLLIN;
  if ((!out_.empty() && !write_wants_read_) || read_wants_write_) wanted |= EPOLLOUT;
  if (wanted == events_) return;
  epoll_event event{};
  event.events = wanted;
  event.data.fd = fd_;
  if (::epoll_ctl(loop_->epoll_fd, EPOLL_CTL_MOD, fd_, &event) == 0) events_ = wanted;
}

void DriverConnection::shut() {
  // A last close_notify, if the socket takes it now: the driver tells livyd's close from an
  // attacker's truncation.
  if (tls_ && !closed_) tls_->close_notify();
  closed_ = true;
  out_.clear();
  out_offset_ = 0;
  queued_bytes_ = 0;
  // Both ways: the loop sees the end (EPOLLHUP, whatever its interest) and ends the connection.
  ::shutdown(fd_, SHUT_RDWR);
}

void DriverConnection::close_when_sent() {
  std::lock_guard lock(mu_);
  draining_ = true;
  if (out_.empty()) shut();  // else the loop does once the last byte is written
}

void DriverConnection::close() {
  std::lock_guard lock(mu_);
  shut();
}

void DriverConnection::resume_reading() {
  std::lock_guard lock(mu_);
  awaiting_verdict_ = false;
  update_events();
  // What came with the hello's TLS record(s) after it is in OpenSSL already.
  if (tls_ && !closed_ && tls_->has_pending()) loop_->note_readable(weak_from_this());
}

void DriverConnection::consumed(std::size_t bytes) {
  if (dispatch_bytes_.fetch_sub(bytes) - bytes > loop_->max_dispatch_backlog) return;
  std::lock_guard lock(mu_);
  if (backlogged_ && dispatch_bytes_ <= loop_->max_dispatch_backlog) {
    backlogged_ = false;
    update_events();
    if (tls_ && !closed_ && tls_->has_pending()) loop_->note_readable(weak_from_this());
  }
}

}  // namespace livy
