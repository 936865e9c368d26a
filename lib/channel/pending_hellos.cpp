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
    switch (read(*oldest, out)) {
      case Read::kLine:
        hand_over(oldest);
        break;
      case Read::kTooLong:
        close(oldest, too_long_);
        break;
      case Read::kClosed:
        close(oldest, ended_);
        break;
      case Read::kWaiting:
        close(oldest, evicted_);
        break;
    }
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
  pending_.push_back({fd, now + limits_.timeout, {}});
  by_fd_[fd] = std::prev(pending_.end());
  note_sizes();
}

bool PendingHellos::on_readable(int fd, std::vector<Hello>& out) {
  const auto found = by_fd_.find(fd);
  if (found == by_fd_.end()) return false;
  const auto it = found->second;
  switch (read(*it, out)) {
    case Read::kWaiting:
      break;
    case Read::kLine:
      hand_over(it);
      break;
    case Read::kTooLong:
      close(it, too_long_);
      break;
    case Read::kClosed:
      close(it, ended_);
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
  return c;
}

PendingHellos::Read PendingHellos::read(Pending& p, std::vector<Hello>& out) {
  char chunk[4096];
  for (;;) {
    // The buffer never holds a newline, nor more than max_line_bytes: at most one byte past
    // the limit is read, enough to tell a line that is too long.
    const std::size_t room = limits_.max_line_bytes + 1 - p.buffer.size();
    const ssize_t n = ::recv(p.fd, chunk, std::min(room, sizeof chunk), MSG_DONTWAIT);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return Read::kWaiting;
    if (n <= 0) return Read::kClosed;
    const std::size_t before = p.buffer.size();
    p.buffer.append(chunk, static_cast<std::size_t>(n));
    buffered_bytes_ += static_cast<std::size_t>(n);
    most_buffered_ = std::max<std::size_t>(most_buffered_, buffered_bytes_);
    if (const auto nl = p.buffer.find('\n', before); nl != std::string::npos) {
      out.push_back({p.fd, p.buffer.substr(0, nl), p.buffer.substr(nl + 1)});
      ++hellos_;
      return Read::kLine;
    }
    if (p.buffer.size() > limits_.max_line_bytes) return Read::kTooLong;
  }
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
