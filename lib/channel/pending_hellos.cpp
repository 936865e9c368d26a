#include "channel/pending_hellos.h"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace livy {

PendingHellos::~PendingHellos() { close_all(); }

void PendingHellos::close_all() {
  for (const Pending& p : pending_) ::close(p.fd);  // which also takes it out of the epoll set
  pending_.clear();
  by_fd_.clear();
  buffered_bytes_ = 0;
  note_sizes();
}

void PendingHellos::add(int fd, Clock::time_point now, std::vector<Hello>& out) {
  while (!pending_.empty() && pending_.size() >= limits_.max_pending) {
    // Its line may have arrived since the last poll: it is read once more before it goes.
    const auto oldest = pending_.begin();
    switch (const Read r = read(*oldest, out)) {
      case Read::kLine:
        hand_over(oldest);
        break;
      case Read::kWaiting:
        close(oldest, evicted_);
        break;
      default:
        close_why(oldest, r);
        break;
    }
  }
  std::unique_ptr<ChannelTlsStream> tls;
  if (tls_ != nullptr && (tls = ChannelTlsStream::accept(*tls_, fd)) == nullptr) {
    ++ended_;  // no TLS state (out of memory): as if it had ended at once
    ::close(fd);
    note_sizes();
    return;
  }
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.fd = fd;
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &event) != 0) {
    ++ended_;  // cannot be watched (out of memory): as if it had ended at once
    ::close(fd);
    note_sizes();
    return;
  }
  pending_.push_back({fd, now + limits_.timeout, {}, std::move(tls), EPOLLIN});
  by_fd_[fd] = std::prev(pending_.end());
  note_sizes();
}

bool PendingHellos::on_readable(int fd, std::vector<Hello>& out) {
  const auto found = by_fd_.find(fd);
  if (found == by_fd_.end()) return false;
  const auto it = found->second;
  switch (const Read r = read(*it, out)) {
    case Read::kWaiting:
      break;
    case Read::kLine:
      hand_over(it);
      break;
    default:
      close_why(it, r);
      break;
  }
  note_sizes();
  return true;
}

int PendingHellos::expire(Clock::time_point now) {
  while (!pending_.empty() && pending_.front().deadline <= now) close(pending_.begin(), timed_out_);
  note_sizes();
  if (pending_.empty()) return -1;
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(pending_.front().deadline - now);
  return static_cast<int>(std::max<std::int64_t>(1, left.count()));
}

PendingHellos::Counters PendingHellos::counters() const {
  Counters c;
  c.pending = pending_count_;
  c.buffered_bytes = buffered_count_;
  c.most_pending = most_pending_;
  c.most_buffered_bytes = most_buffered_;
  c.hellos = hellos_;
  c.too_long = too_long_;
  c.timed_out = timed_out_;
  c.evicted = evicted_;
  c.ended = ended_;
  c.tls_failed = tls_failed_;
  return c;
}

PendingHellos::Read PendingHellos::read(Pending& p, std::vector<Hello>& out) {
  char chunk[4096];
  for (;;) {
    // The buffer never holds a newline, nor more than max_line_bytes: at most one byte past
    // the limit is read, enough to tell a line that is too long.
    const std::size_t room = limits_.max_line_bytes + 1 - p.buffer.size();
    std::size_t n = 0;
    if (p.tls) {
      Read stop = Read::kWaiting;
      n = read_tls(p, chunk, std::min(room, sizeof chunk), stop);
      if (n == 0) return stop;
    } else {
      const ssize_t got = ::recv(p.fd, chunk, std::min(room, sizeof chunk), MSG_DONTWAIT);
      if (got < 0 && errno == EINTR) continue;
      if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return Read::kWaiting;
      if (got <= 0) return Read::kClosed;
      n = static_cast<std::size_t>(got);
    }
    const std::size_t before = p.buffer.size();
    p.buffer.append(chunk, n);
    buffered_bytes_ += static_cast<std::size_t>(n);
    most_buffered_ = std::max<std::size_t>(most_buffered_, buffered_bytes_);
    if (const auto nl = p.buffer.find('\n', before); nl != std::string::npos) {
      out.push_back({p.fd, p.buffer.substr(0, nl), p.buffer.substr(nl + 1), std::move(p.tls), p.events});
      ++hellos_;
      return Read::kLine;
    }
    if (p.buffer.size() > limits_.max_line_bytes) return Read::kTooLong;
  }
}

std::size_t PendingHellos::read_tls(Pending& p, char* chunk, std::size_t size, Read& stop) {
  using Io = ChannelTlsStream::Io;
  Io io = Io::kDone;
  if (!p.tls->handshake_done()) io = p.tls->handshake();
  std::size_t n = 0;
  if (io == Io::kDone) n = p.tls->read(chunk, size, io);
  // The interest follows what TLS waits for: the handshake may have to write first.
  want(p, io == Io::kWantWrite ? EPOLLOUT : EPOLLIN);
  if (io == Io::kDone) return n;
  if (io == Io::kWantRead || io == Io::kWantWrite) {
    stop = Read::kWaiting;
  } else {
    stop = io == Io::kFailed && !p.tls->handshake_done() ? Read::kTlsFailed : Read::kClosed;
  }
  return 0;
}

void PendingHellos::want(Pending& p, std::uint32_t events) {
  if (p.events == events) return;
  epoll_event event{};
  event.events = events;
  event.data.fd = p.fd;
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, p.fd, &event) == 0) p.events = events;
}

void PendingHellos::close_why(std::list<Pending>::iterator it, Read why) {
  close(it, why == Read::kTooLong ? too_long_ : why == Read::kTlsFailed ? tls_failed_ : ended_);
}

void PendingHellos::close(std::list<Pending>::iterator it, std::atomic<std::uint64_t>& why) {
  ++why;  // before the close: whoever sees the connection end sees it counted
  ::close(it->fd);
  buffered_bytes_ -= it->buffer.size();
  by_fd_.erase(it->fd);
  pending_.erase(it);
}

void PendingHellos::hand_over(std::list<Pending>::iterator it) {
  buffered_bytes_ -= it->buffer.size();
  by_fd_.erase(it->fd);
  pending_.erase(it);
}

void PendingHellos::note_sizes() {
  pending_count_ = pending_.size();
  buffered_count_ = buffered_bytes_;
  most_pending_ = std::max<std::size_t>(most_pending_, pending_.size());
  most_buffered_ = std::max<std::size_t>(most_buffered_, buffered_bytes_);
}

}  // namespace livy
