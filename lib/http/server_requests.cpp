// livy::http::Server: reading requests on the event loop, serving them on workers.
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "base/thread_name.h"
#include "http/request_stream.h"
#include "http/server_impl.h"
#include "wire/reply_json.h"

namespace livy::http {
namespace {

const char* reason(int status) {
  switch (status) {
    case 400: return "Bad Request";
    case 408: return "Request Timeout";
    case 413: return "Payload Too Large";
    case 414: return "URI Too Long";
    case 417: return "Expectation Failed";
    case 431: return "Request Header Fields Too Large";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
  }
  return "Error";
}

}  // namespace

std::string error_response(int status, const std::string& message, const std::string& extra_headers) {
  const std::string body = wire::encode_message(message);
  return "HTTP/1.1 " + std::to_string(status) + " " + reason(status) +
         "\r\nContent-Type: application/json;charset=utf-8\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\nConnection: close\r\n" + extra_headers + "\r\n" + body;
}

void Server::Impl::on_ready(Connection& c) {
  if (c.tls && c.phase != Connection::Phase::kLingering) return read_tls(c);
  char buf[kReadChunk];
  const ssize_t n = ::recv(c.fd, buf, sizeof buf, 0);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
  if (n <= 0) {
    close_connection(c);  // closed by the client, between requests or in the middle of one
    return;
  }
  if (c.phase == Connection::Phase::kLingering) return;  // dropped
  c.in.append(buf, static_cast<std::size_t>(n));
  process(c);
}

void Server::Impl::read_tls(Connection& c) {
  TlsStream& tls = *c.tls;
  if (!tls.handshake_done()) {
    if (!c.tls_checked) {
      // A TLS connection starts with a handshake record (22); a letter is
      // plain HTTP sent to the HTTPS port: told so rather than left hanging.
      char first = 0;
      const ssize_t n = ::recv(c.fd, &first, 1, MSG_PEEK);
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
      if (n <= 0) return close_connection(c);
      c.tls_checked = true;
      if (first >= 'A' && first <= 'Z') {
        return answer_error(c, 400, "this port speaks HTTPS (TLS): send the request to https://, not http://");
      }
    }
    switch (tls.handshake()) {
      case TlsStream::Io::kDone: break;
      case TlsStream::Io::kWantRead: return want_write(c, false);
      case TlsStream::Io::kWantWrite: return want_write(c, true);
      case TlsStream::Io::kClosed:
      case TlsStream::Io::kFailed: return close_connection(c);
    }
  }
  // Each read takes a whole record (at most 16 KiB), so OpenSSL keeps none
  // back that the socket would not report readable again.
  char buf[kReadChunk];
  std::size_t total = 0;
  while (total < kReadChunk) {
    TlsStream::Io io = TlsStream::Io::kDone;
    const std::size_t n = tls.read(buf, sizeof buf, io);
    if (n > 0) {
      c.in.append(buf, n);
      total += n;
      continue;
    }
    if (io == TlsStream::Io::kWantRead || io == TlsStream::Io::kWantWrite) {
      want_write(c, io == TlsStream::Io::kWantWrite);
      break;
    }
    // Closed by the client (what it sent before close_notify is still
    // answered, as a plain client's half-close is), or a bad record.
    if (io == TlsStream::Io::kClosed && total > 0) process(c);
    if (c.phase != Connection::Phase::kServing) close_connection(c);
    return;
  }
  if (total > 0) process(c);
}

void Server::Impl::send_now(Connection& c, std::string_view bytes) {
  if (c.tls && c.tls->handshake_done()) {
    (void)c.tls->write(bytes.data(), bytes.size());
    return;
  }
  (void)!::send(c.fd, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
}

void Server::Impl::log_refusal(const std::string& request_id, const std::string& remote, int status,
                               const std::string& message) {
  if (!options_.logger) return;
  options_.logger->log(status >= 500 ? "error" : "info", "request",
                       {{"request_id", request_id},
                        {"method", nullptr},
                        {"route", nullptr},
                        {"path", nullptr},
                        {"status", static_cast<std::int64_t>(status)},
                        {"latency_ms", nullptr},
                        {"queued_ms", nullptr},
                        {"user", nullptr},
                        {"remote", remote},
                        {"msg", message}});
}

void Server::Impl::answer_error(Connection& c, int status, const std::string& message) {
  const std::string id = new_request_id();
  send_now(c, error_response(status, message,
                             own_headers_ + "X-Request-Id: " + id + "\r\n" +
                                 (c.tls && c.tls->handshake_done() ? extra_headers_ : std::string())));
  log_refusal(id, c.peer_ip, status, message);
  if (c.tls) c.tls->close_notify();
  ::shutdown(c.fd, SHUT_WR);
  want_write(c, false);  // from here on only reads, of bytes dropped unread
  c.phase = Connection::Phase::kLingering;
  c.deadline = Clock::now() + kLingerTime;
  c.in.clear();
  c.in.shrink_to_fit();
  c.head.reset();
  c.request.reset();
  c.chunks.reset();
}

void Server::Impl::process(Connection& c) {
  if (c.phase != Connection::Phase::kWaiting && c.phase != Connection::Phase::kReading) return;
  if (c.in.empty()) return;
  const auto now = Clock::now();
  if (!c.request) {
    if (!c.head) {
      c.head.emplace(HeadLimits{options_.max_head_bytes, options_.max_uri_bytes, options_.max_headers});
      c.phase = Connection::Phase::kReading;
      if (!c.fresh) c.deadline = now + options_.head_timeout;
    }
    switch (c.head->feed(c.in)) {
      case HeadScanner::Result::kIncomplete: return;
      case HeadScanner::Result::kError: return answer_error(c, c.head->error().status, c.head->error().message);
      case HeadScanner::Result::kComplete: break;
    }
    c.request = c.head->head();
    c.head.reset();
    c.deadline = now + options_.body_timeout;
    const RequestHead& head = *c.request;
    // Expect: 100-continue is answered at once when the loop is to read the body. A body too
    // large to buffer is read by a worker, once its route wants it: its 100 waits for that
    // first read (RequestStream), so a body the route refuses (413, 401, 404) is refused at
    // once, with no 100 and without the client sending it.
    if (head.expect_continue && head.body != RequestHead::Body::kNone && !streamed_by_worker(head)) {
      send_now(c, kContinueResponse);
    }
    if (head.body == RequestHead::Body::kChunked) c.chunks.emplace(options_.max_head_bytes);
  }
  const RequestHead& head = *c.request;
  const std::size_t buffered = c.in.size() - head.size;
  switch (head.body) {
    case RequestHead::Body::kNone: return dispatch(c, head.size);
    case RequestHead::Body::kLength:
      if (head.content_length <= buffered) {
        return dispatch(c, head.size + static_cast<std::size_t>(head.content_length));
      }
      // Too large to buffer: a worker reads it (an upload), or refuses it unread.
      // (buffered < content_length here: all of c.in is this request.)
      if (head.content_length > options_.max_buffered_body_bytes) return dispatch(c, c.in.size());
      return;
    case RequestHead::Body::kChunked:
      switch (c.chunks->feed(std::string_view(c.in).substr(head.size))) {
        case ChunkedScanner::Result::kComplete: return dispatch(c, head.size + c.chunks->size());
        case ChunkedScanner::Result::kError: return answer_error(c, 400, "malformed chunked request body");
        case ChunkedScanner::Result::kIncomplete:
          if (buffered >= options_.max_buffered_body_bytes) return dispatch(c, c.in.size());
          return;
      }
  }
}

void Server::Impl::dispatch(Connection& c, std::size_t framed) {
  RequestHead head = std::move(*c.request);
  c.request.reset();
  Job& job = c.job;
  job = Job{};
  job.bytes = std::move(head.forwarded);
  job.bytes.append(c.in, head.size, framed - head.size);
  job.long_headers = std::move(head.long_headers);
  const std::uint64_t body_read = framed - head.size;
  if (head.body == RequestHead::Body::kLength && body_read < head.content_length) {
    job.stream_rest = true;
    job.stream_remaining = head.content_length - body_read;
    // Its 100 Continue, not sent by the loop: due at the worker's first read, unless the
    // client did not wait for it.
    job.continue_due = head.expect_continue && streamed_by_worker(head) && body_read == 0;
  } else if (head.body == RequestHead::Body::kChunked && c.chunks && framed != head.size + c.chunks->size()) {
    job.stream_rest = true;
    job.stream_chunked = true;
  }
  c.chunks.reset();
  c.in.erase(0, framed);
  if (c.in.empty() && c.in.capacity() > kReadChunk) c.in = std::string();  // a large body's buffer
  c.fresh = false;
  ++c.requests;
  job.close_after = stopping_ || c.requests >= options_.keep_alive_requests;
  job.queued_at = Clock::now();
  c.phase = Connection::Phase::kServing;
  watch(c, false);
  ++serving_;
  Connection* served = &c;
  workers_->enqueue([this, served] { serve(*served); });
}

void Server::Impl::serve(Connection& c) {
  thread_local const bool named = (name_this_thread("livyd-worker"), true);  // cpp-httplib's pool thread
  (void)named;
  Job& job = c.job;
  RequestStream stream(c, job, options_.read_timeout, options_.write_timeout);
  note_request_queued(job.queued_at);
  bool closed = false;
  const bool ok = router_.serve(stream, job.close_after, closed, [&job](httplib::Request& req) {
    for (auto& [name, value] : job.long_headers) req.headers.emplace(name, value);
  });
  const bool sent = stream.flush();
  job.keep_alive = ok && sent && !closed && !job.close_after && stream.body_consumed();
  job.bytes = std::string();
  {
    std::lock_guard lock(returned_mu_);
    returned_.push_back(&c);
  }
  wake();
}

void Server::Impl::on_returned() {
  std::vector<Connection*> back;
  {
    std::lock_guard lock(returned_mu_);
    back.swap(returned_);
  }
  for (Connection* c : back) {
    --serving_;
    if (!c->job.keep_alive || stopping_) {
      close_connection(*c);
      continue;
    }
    c->phase = Connection::Phase::kWaiting;
    c->deadline = Clock::now() + options_.keep_alive_timeout;
    auto& list = clients_[c->peer_ip];
    list.splice(list.end(), list, c->client_pos);  // now the address's most recent
    watch(*c, true);
    process(*c);  // a pipelined request may be here already
    // Or decrypted already: a worker's last read may have left OpenSSL
    // holding bytes past its request, which the socket will not report.
    const bool reading = c->phase == Connection::Phase::kWaiting || c->phase == Connection::Phase::kReading;
    if (reading && c->tls && c->tls->has_pending()) on_ready(*c);
  }
}

}  // namespace livy::http
