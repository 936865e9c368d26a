#include "http/request_stream.h"

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace livy::http {
namespace {

// Responses go out in one write when they fit: one packet for the usual small reply.
constexpr std::size_t kWriteBuffer = 64 * 1024;

}  // namespace

RequestStream::RequestStream(Connection& connection, Job& job, std::chrono::milliseconds read_timeout,
                             std::chrono::milliseconds write_timeout)
    : connection_(connection), job_(job), read_timeout_(read_timeout), write_timeout_(write_timeout) {}

bool RequestStream::is_readable() const {
  return pos_ < job_.bytes.size() || (job_.stream_rest && (job_.stream_chunked || job_.stream_remaining > 0));
}

bool RequestStream::wait(short events, std::chrono::steady_clock::time_point deadline) const {
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{connection_.fd, events, 0};
    const int n = ::poll(&p, 1, static_cast<int>(std::min<std::int64_t>(left.count(), 60'000)));
    if (n > 0) return true;
    if (n < 0 && errno != EINTR) return false;
  }
}

ssize_t RequestStream::read(char* ptr, size_t size) {
  if (pos_ < job_.bytes.size()) {
    const std::size_t n = std::min(size, job_.bytes.size() - pos_);
    std::memcpy(ptr, job_.bytes.data() + pos_, n);
    pos_ += n;
    return static_cast<ssize_t>(n);
  }
  if (!job_.stream_rest) return 0;  // the request ends here: nothing past it is read
  if (!job_.stream_chunked) {
    if (job_.stream_remaining == 0) return 0;
    size = static_cast<size_t>(std::min<std::uint64_t>(size, job_.stream_remaining));
  }
  if (job_.continue_due) {  // the route reads the body: now the client may send it
    job_.continue_due = false;
    std::string response;
    response.swap(out_);  // anything the route wrote already goes after the 100
    out_.assign(kContinueResponse);
    const bool sent = send_socket(std::chrono::steady_clock::now() + write_timeout_);
    out_.swap(response);
    if (!sent) {
      failed_ = true;
      return -1;
    }
  }
  const ssize_t n = read_socket(ptr, size, std::chrono::steady_clock::now() + read_timeout_);
  if (n > 0 && !job_.stream_chunked) job_.stream_remaining -= static_cast<std::uint64_t>(n);
  return n;
}

ssize_t RequestStream::read_socket(char* ptr, size_t size, std::chrono::steady_clock::time_point deadline) {
  if (TlsStream* tls = connection_.tls.get()) {
    for (;;) {
      TlsStream::Io io = TlsStream::Io::kDone;
      const std::size_t n = tls->read(ptr, size, io);
      if (n > 0) return static_cast<ssize_t>(n);
      if (io == TlsStream::Io::kWantRead || io == TlsStream::Io::kWantWrite) {
        if (!wait(io == TlsStream::Io::kWantRead ? POLLIN : POLLOUT, deadline)) return -1;
        continue;
      }
      return -1;  // closed in the middle of the body, or a bad record
    }
  }
  for (;;) {
    const ssize_t n = ::recv(connection_.fd, ptr, size, 0);
    if (n > 0) return n;
    if (n == 0) return -1;  // the client closed in the middle of its body
    if (errno == EINTR) continue;
    if ((errno != EAGAIN && errno != EWOULDBLOCK) || !wait(POLLIN, deadline)) return -1;
  }
}

ssize_t RequestStream::write(const char* ptr, size_t size) {
  if (failed_) return -1;
  out_.append(ptr, size);
  if (out_.size() >= kWriteBuffer && !flush()) return -1;
  return static_cast<ssize_t>(size);
}

bool RequestStream::flush() {
  const auto deadline = std::chrono::steady_clock::now() + write_timeout_;
  if (!failed_) failed_ = !send_socket(deadline);
  out_.clear();
  return !failed_;
}

bool RequestStream::send_socket(std::chrono::steady_clock::time_point deadline) {
  if (TlsStream* tls = connection_.tls.get()) {
    // Also sends what the loop left queued (a 100 Continue), first.
    TlsStream::Io io = tls->write(out_.data(), out_.size());
    while (io == TlsStream::Io::kWantRead || io == TlsStream::Io::kWantWrite) {
      if (!wait(io == TlsStream::Io::kWantRead ? POLLIN : POLLOUT, deadline)) return false;
      io = tls->flush();
    }
    return io == TlsStream::Io::kDone;
  }
  bool failed = false;
  std::size_t sent = 0;
  while (!failed && sent < out_.size()) {
    const ssize_t n = ::send(connection_.fd, out_.data() + sent, out_.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<std::size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      failed = !wait(POLLOUT, deadline);
    } else {
      failed = true;
    }
  }
  return !failed;
}

bool RequestStream::body_consumed() const {
  return !job_.stream_rest || (!job_.stream_chunked && job_.stream_remaining == 0);
}

void RequestStream::get_remote_ip_and_port(std::string& ip, int& port) const {
  ip = connection_.peer_ip;
  port = connection_.peer_port;
}

void RequestStream::get_local_ip_and_port(std::string& ip, int& port) const {
  ip = connection_.local_ip;
  port = connection_.local_port;
}

}  // namespace livy::http
