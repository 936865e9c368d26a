// The driver channel's listener under the attacks of issue 9 (F7): any local user can
// connect to it, so connections that have not said hello must cost livyd a bounded
// amount of memory, no thread, and their descriptor only while they are open. The
// listener runs with short limits; the checks read its own counters and the process's
// thread and descriptor counts, never how long something took.
#include "channel/driver_channel.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "support/eventually.h"

using livy::DriverChannelOptions;
using livy::DriverConnection;
using livy::DriverListener;
using livy::DriverMessage;
using livy_test::eventually;
using namespace std::chrono_literals;

namespace {

constexpr const char* kSecret = "the-right-secret";

std::string hello_line(const std::string& secret = kSecret) {
  return std::string(R"({"type":"hello","version":1,"session":1,"secret":")") + secret + R"(","pid":4242})" + "\n";
}

// Plays the sessions: accepts session 1 with kSecret, once at a time.
class Events : public livy::DriverEvents {
 public:
  bool on_hello(const DriverMessage& hello, const std::shared_ptr<DriverConnection>& connection) override {
    std::lock_guard lock(mu_);
    ++hellos_;
    if (hello.session_id != 1 || hello.secret != kSecret || driver_) return false;
    driver_ = connection;
    return true;
  }
  void on_message(std::int64_t, const DriverMessage& message) override {
    std::lock_guard lock(mu_);
    messages_.push_back(message.type);
  }
  void on_closed(std::int64_t, const DriverConnection* connection) override {
    std::lock_guard lock(mu_);
    if (driver_.get() == connection) driver_.reset();  // as SessionCore does: the connection goes
    ++closed_;
  }

  int hellos() {
    std::lock_guard lock(mu_);
    return hellos_;
  }
  int closed() {
    std::lock_guard lock(mu_);
    return closed_;
  }
  bool attached() {
    std::lock_guard lock(mu_);
    return driver_ != nullptr;
  }
  std::vector<DriverMessage::Type> messages() {
    std::lock_guard lock(mu_);
    return messages_;
  }

 private:
  std::mutex mu_;
  int hellos_ = 0;
  int closed_ = 0;
  std::shared_ptr<DriverConnection> driver_;
  std::vector<DriverMessage::Type> messages_;
};

// A client of the channel: a blocking TCP socket, closed by the destructor.
class Client {
 public:
  explicit Client(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    ::inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    connected_ = fd_ >= 0 && ::connect(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~Client() { close(); }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  bool connected() const { return connected_; }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  // Sends what the socket takes without blocking; the bytes sent, or -1 once it is broken.
  ssize_t send_some(const std::string& data) {
    const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return 0;
    return n;
  }
  // True once livyd has closed the connection (end of stream or reset), reading and
  // dropping what arrives meanwhile; false if it is still open after `timeout`.
  bool closed_by_peer(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    char chunk[4096];
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      pollfd p{fd_, POLLIN, 0};
      if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
      const ssize_t n = ::recv(fd_, chunk, sizeof chunk, MSG_DONTWAIT);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) return true;
    }
  }
  // The next line livyd sends, or "" after `timeout` or when the connection ends.
  std::string line(std::chrono::milliseconds timeout = 5s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      if (const auto nl = buffer_.find('\n'); nl != std::string::npos) {
        std::string out = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        return out;
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      pollfd p{fd_, POLLIN, 0};
      if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) return "";
      char chunk[4096];
      const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n <= 0) return "";
      buffer_.append(chunk, static_cast<std::size_t>(n));
    }
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
  std::string buffer_;
};

int thread_count() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("Threads:", 0) == 0) return std::stoi(line.substr(8));
  }
  return -1;
}

int fd_count() {
  int n = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

std::unique_ptr<DriverListener> listen(const DriverChannelOptions& options, livy::DriverEvents& events) {
  auto listener = DriverListener::start(options, events);
  REQUIRE(listener.has_value());
  return std::move(*listener);
}

}  // namespace

TEST_CASE("driver channel: a driver's hello is welcomed, and what follows it reaches the session", "[driver]") {
  Events events;
  auto listener = listen(DriverChannelOptions{}, events);
  Client driver(listener->port());
  REQUIRE(driver.connected());
  // The hello and the next line in one write: the line after the hello is not lost.
  driver.send_some(hello_line() + R"({"type":"ready","appId":"local-1","sparkUiUrl":null,"sparkVersion":"4"})" + "\n");
  CHECK(driver.line() == R"({"type":"welcome","version":1})");
  REQUIRE(eventually([&] { return events.messages().size() == 1; }));
  CHECK(events.messages()[0] == DriverMessage::Type::kReady);
  CHECK(listener->stats().drivers == 1);
}

TEST_CASE("driver channel: a first line that is no accepted hello is refused, and costs no thread", "[driver]") {
  Events events;
  auto listener = listen(DriverChannelOptions{}, events);
  const int threads = thread_count();
  for (const std::string& first : {hello_line("wrong-secret"), std::string("not json\n"),
                                   std::string(R"({"type":"ready"})") + "\n"}) {
    INFO(first);
    Client c(listener->port());
    REQUIRE(c.connected());
    c.send_some(first);
    CHECK(c.line().find(R"("type":"refused")") != std::string::npos);
    CHECK(c.closed_by_peer(5s));
  }
  CHECK(listener->stats().refused == 3);
  CHECK(events.hellos() == 1);  // only the one that was a hello reached the sessions
  CHECK(thread_count() == threads);
  CHECK_FALSE(events.attached());
}

// Seen: 40 connections sending 16 MiB without a newline took livyd from 17 MB to 1.15 GB,
// each with a thread of its own, until 64 MiB arrived.
TEST_CASE("driver channel: a flood of long lines without a newline is closed at the hello limit", "[driver]") {
  Events events;
  DriverChannelOptions options;
  options.max_hello_bytes = 4096;
  options.max_pending = 64;
  options.hello_timeout = 60s;  // the line limit closes them, not the deadline
  auto listener = listen(options, events);
  const int threads = thread_count();
  const std::string junk(1 << 20, 'x');

  std::vector<std::unique_ptr<Client>> flood;
  for (int i = 0; i < 40; ++i) {
    flood.push_back(std::make_unique<Client>(listener->port()));
    REQUIRE(flood.back()->connected());
    CHECK(flood.back()->send_some(junk) > 4096);
  }
  CHECK(thread_count() == threads);  // no thread per connection
  REQUIRE(eventually([&] { return listener->stats().pending.too_long == 40; }));
  for (auto& client : flood) CHECK(client->closed_by_peer(5s));

  const auto stats = listener->stats();
  // Never more than one byte past the limit held for any connection.
  CHECK(stats.pending.most_buffered_bytes <= 40 * (options.max_hello_bytes + 1));
  CHECK(stats.pending.buffered_bytes == 0);
  CHECK(stats.pending.pending == 0);
  CHECK(events.hellos() == 0);
  CHECK(thread_count() == threads);
}

// Seen: the hello timeout was per read, so a byte every few seconds kept a connection open for good.
TEST_CASE("driver channel: a hello dripped a byte at a time is closed at the one hello deadline", "[driver]") {
  Events events;
  DriverChannelOptions options;
  options.hello_timeout = 300ms;
  auto listener = listen(options, events);
  Client drip(listener->port());
  REQUIRE(drip.connected());
  const std::string hello = hello_line();
  std::size_t sent = 0;
  bool closed = false;
  // A byte every 25 ms: each read comes well within 300 ms, the whole hello (~70 bytes) would not.
  while (sent < hello.size() && !closed) {
    if (drip.send_some(hello.substr(sent, 1)) != 1) break;
    ++sent;
    closed = drip.closed_by_peer(25ms);
  }
  CHECK((closed || drip.closed_by_peer(5s)));
  CHECK(sent < hello.size());
  CHECK(listener->stats().pending.timed_out == 1);
  CHECK(events.hellos() == 0);
}

TEST_CASE("driver channel: beyond driver-max-pending the oldest silent connection goes, and a driver still gets in",
          "[driver]") {
  Events events;
  DriverChannelOptions options;
  options.max_pending = 8;
  options.hello_timeout = 60s;
  auto listener = listen(options, events);
  const int threads = thread_count();
  const int fds = fd_count();

  // Connections that say nothing, opened as fast as they go while a driver says hello.
  std::atomic<bool> stop{false};
  std::vector<std::unique_ptr<Client>> flood;
  auto flooder = std::async(std::launch::async, [&] {  // its destructor waits, also after a failed REQUIRE
    for (int i = 0; i < 200 && !stop; ++i) flood.push_back(std::make_unique<Client>(listener->port()));
  });
  REQUIRE(eventually([&] { return listener->stats().pending.evicted >= 20; }));
  {
    Client driver(listener->port());
    REQUIRE(driver.connected());
    driver.send_some(hello_line());
    CHECK(driver.line() == R"({"type":"welcome","version":1})");
    CHECK(events.attached());
    stop = true;
    flooder.wait();
    for (const auto& client : flood) REQUIRE(client->connected());
    const std::uint64_t clients = flood.size() + 1;
    REQUIRE(eventually([&] { return listener->stats().connections == clients; }));

    const auto stats = listener->stats();
    CHECK(stats.pending.most_pending <= options.max_pending);
    CHECK(stats.pending.pending <= options.max_pending);
    CHECK(stats.pending.evicted == flood.size() - stats.pending.pending);
    // livyd's side holds the waiting ones and the driver's connection, not one per client.
    const int livyd_side = fd_count() - fds - static_cast<int>(clients);
    CHECK(livyd_side <= static_cast<int>(options.max_pending) + 1);
    CHECK(thread_count() == threads);  // the driver has no thread of its own either
  }
  CHECK(eventually([&] { return events.closed() == 1; }));
}

// Seen: the descriptor of a connection that ended stayed open until the next accept.
TEST_CASE("driver channel: a closed connection releases its descriptor and thread at once", "[driver]") {
  Events events;
  DriverChannelOptions options;
  options.hello_timeout = 60s;
  auto listener = listen(options, events);
  const int threads = thread_count();
  const int fds = fd_count();

  SECTION("connections that never said hello") {
    std::vector<std::unique_ptr<Client>> silent;
    for (int i = 0; i < 20; ++i) silent.push_back(std::make_unique<Client>(listener->port()));
    REQUIRE(eventually([&] { return listener->stats().pending.pending == 20; }));
    CHECK(fd_count() == fds + 40);
    silent.clear();
    CHECK(eventually([&] { return fd_count() == fds; }));
    CHECK(listener->stats().pending.ended == 20);
  }
  SECTION("a driver that was welcomed") {
    auto driver = std::make_unique<Client>(listener->port());
    driver->send_some(hello_line());
    REQUIRE(driver->line() == R"({"type":"welcome","version":1})");
    CHECK(listener->stats().drivers == 1);
    CHECK(thread_count() == threads);  // no thread of its own
    driver.reset();
    CHECK(eventually([&] { return events.closed() == 1; }));
    CHECK(eventually([&] { return listener->stats().drivers == 0 && fd_count() == fds; }));
    CHECK(thread_count() == threads);
  }
  CHECK(listener->stats().connections >= 1);  // and no connection came after to trigger a clean-up
}

TEST_CASE("driver channel: stop closes what waits for its hello and joins every thread", "[driver]") {
  Events events;
  const int threads = thread_count();
  const int fds = fd_count();
  auto listener = listen(DriverChannelOptions{}, events);
  Client silent(listener->port());
  Client driver(listener->port());
  driver.send_some(hello_line());
  REQUIRE(driver.line() == R"({"type":"welcome","version":1})");
  REQUIRE(eventually([&] { return listener->stats().pending.pending == 1; }));
  listener->stop();
  CHECK(silent.closed_by_peer(5s));
  CHECK(driver.closed_by_peer(5s));
  CHECK(events.closed() == 1);
  CHECK(thread_count() == threads);
  listener.reset();
  CHECK(fd_count() == fds + 2);  // the two clients' own sockets
}

namespace {

std::string hello_for(std::int64_t session) {
  return R"({"type":"hello","version":1,"session":)" + std::to_string(session) + R"(,"secret":")" + kSecret +
         R"(","pid":4242})" + "\n";
}

std::string started(std::int64_t id) { return R"({"type":"started","id":)" + std::to_string(id) + "}\n"; }

// Plays many sessions: accepts any session id with kSecret, once, and records each session's
// messages and on which thread they came.
class ManyEvents : public livy::DriverEvents {
 public:
  bool on_hello(const DriverMessage& hello, const std::shared_ptr<DriverConnection>& connection) override {
    std::lock_guard lock(mu_);
    if (hello.secret != kSecret || drivers_.count(hello.session_id) > 0) return false;
    drivers_[hello.session_id] = connection;
    threads_.insert(std::this_thread::get_id());
    return true;
  }
  void on_message(std::int64_t session, const DriverMessage& message) override {
    std::lock_guard lock(mu_);
    statements_[session].push_back(message.statement_id);
    threads_.insert(std::this_thread::get_id());
    ++messages_;
  }
  void on_closed(std::int64_t session, const DriverConnection*) override {
    std::lock_guard lock(mu_);
    // The end comes after every message: what the driver sent is all here.
    closed_after_[session] = statements_[session].size();
    drivers_.erase(session);
  }

  std::shared_ptr<DriverConnection> driver(std::int64_t session) {
    std::lock_guard lock(mu_);
    const auto it = drivers_.find(session);
    return it == drivers_.end() ? nullptr : it->second;
  }
  std::vector<std::int64_t> statements(std::int64_t session) {
    std::lock_guard lock(mu_);
    return statements_[session];
  }
  std::size_t messages() {
    std::lock_guard lock(mu_);
    return messages_;
  }
  std::optional<std::size_t> closed_after(std::int64_t session) {
    std::lock_guard lock(mu_);
    const auto it = closed_after_.find(session);
    return it == closed_after_.end() ? std::nullopt : std::optional<std::size_t>(it->second);
  }
  std::size_t threads() {
    std::lock_guard lock(mu_);
    return threads_.size();
  }

 private:
  std::mutex mu_;
  std::map<std::int64_t, std::shared_ptr<DriverConnection>> drivers_;
  std::map<std::int64_t, std::vector<std::int64_t>> statements_;
  std::map<std::int64_t, std::size_t> closed_after_;
  std::set<std::thread::id> threads_;
  std::size_t messages_ = 0;
};

}  // namespace

// Issue 10: each driver used to cost livyd a reader and a writer thread (2,261 threads with
// 1,000 sessions). Now the listener's threads are its loop and its dispatch threads, however
// many drivers are connected, and each session still hears its driver's messages in order.
TEST_CASE("driver channel: many drivers cost no thread, and each session's messages arrive in order", "[driver]") {
  ManyEvents events;
  DriverChannelOptions options;
  options.dispatch_threads = 3;
  options.max_pending = 1024;  // a burst of drivers, not a flood
  const int before = thread_count();
  auto listener = listen(options, events);
  const int threads = thread_count();
  CHECK(threads - before == 4);  // the loop and three dispatch threads
  CHECK(listener->stats().threads == 4);

  constexpr int kDrivers = 300;
  constexpr int kStatements = 20;
  std::vector<std::unique_ptr<Client>> drivers;
  for (int i = 0; i < kDrivers; ++i) {
    drivers.push_back(std::make_unique<Client>(listener->port()));
    REQUIRE(drivers.back()->connected());
    REQUIRE(drivers.back()->send_some(hello_for(i)) > 0);
  }
  for (int i = 0; i < kDrivers; ++i) {
    INFO("driver " << i);
    REQUIRE(drivers[static_cast<std::size_t>(i)]->line() == R"({"type":"welcome","version":1})");
  }
  CHECK(listener->stats().drivers == kDrivers);
  CHECK(thread_count() == threads);

  // Every driver sends its statements in pieces that split lines, all at once.
  for (int s = 0; s < kStatements; ++s) {
    for (auto& d : drivers) {
      const std::string line = started(s);
      REQUIRE(d->send_some(line.substr(0, 7)) == 7);
      REQUIRE(d->send_some(line.substr(7)) == static_cast<ssize_t>(line.size() - 7));
    }
  }
  REQUIRE(eventually([&] { return events.messages() == kDrivers * kStatements; }, 20s));
  std::vector<std::int64_t> in_order(kStatements);
  for (int s = 0; s < kStatements; ++s) in_order[static_cast<std::size_t>(s)] = s;
  for (int i = 0; i < kDrivers; ++i) {
    INFO("session " << i);
    CHECK(events.statements(i) == in_order);
  }
  CHECK(events.threads() == 3);  // the dispatch threads, and only them
  CHECK(thread_count() == threads);

  // livyd writes to all of them; then they go, each after a last message.
  for (int i = 0; i < kDrivers; ++i) REQUIRE(events.driver(i)->send(R"({"type":"ping"})" "\n"));
  for (auto& d : drivers) CHECK(d->line() == R"({"type":"ping"})");
  for (auto& d : drivers) d->send_some(started(kStatements));
  drivers.clear();
  REQUIRE(eventually([&] { return listener->stats().drivers == 0; }, 20s));
  for (int i = 0; i < kDrivers; ++i) {
    INFO("session " << i);
    REQUIRE(eventually([&] { return events.closed_after(i).has_value(); }));
    CHECK(*events.closed_after(i) == kStatements + 1);
  }
  CHECK(thread_count() == threads);
  listener.reset();
  CHECK(thread_count() == before);
}

TEST_CASE("driver channel: a driver that reads nothing is disconnected after the send timeout", "[driver]") {
  ManyEvents events;
  DriverChannelOptions options;
  options.send_timeout = 300ms;
  auto listener = listen(options, events);
  Client driver(listener->port());
  driver.send_some(hello_for(7));
  REQUIRE(driver.line() == R"({"type":"welcome","version":1})");
  const auto connection = events.driver(7);
  REQUIRE(connection);
  // The driver reads no more: livyd's sends fill the sockets' buffers, then wait for the loop.
  const std::string big = R"({"type":"execute","id":0,"code":")" + std::string(256 * 1024, 'x') + "\"}\n";
  int sent = 0;
  while (sent < 200 && connection->send(big)) ++sent;
  CHECK(sent > 0);
  CHECK(eventually([&] { return connection->closed(); }, 10s));
  CHECK(eventually([&] { return events.closed_after(7).has_value(); }));
  CHECK_FALSE(connection->send(R"({"type":"ping"})" "\n"));
}

TEST_CASE("driver channel: a line longer than max-message-bytes after the hello ends the connection", "[driver]") {
  ManyEvents events;
  DriverChannelOptions options;
  options.max_message_bytes = 64 * 1024;
  auto listener = listen(options, events);
  Client driver(listener->port());
  driver.send_some(hello_for(3));
  REQUIRE(driver.line() == R"({"type":"welcome","version":1})");
  driver.send_some(started(0));
  const std::string junk(8 * 1024, 'x');
  for (int i = 0; i < 20; ++i) {
    if (driver.send_some(junk) <= 0) break;
  }
  CHECK(driver.closed_by_peer(5s));
  REQUIRE(eventually([&] { return events.closed_after(3).has_value(); }));
  CHECK(*events.closed_after(3) == 1);  // the whole line before the long one was handed over
}

// close_when_sent(): what was queued reaches the driver, then the connection ends.
TEST_CASE("driver channel: close_when_sent writes what is queued, then closes", "[driver]") {
  ManyEvents events;
  auto listener = listen(DriverChannelOptions{}, events);
  Client driver(listener->port());
  driver.send_some(hello_for(5));
  REQUIRE(driver.line() == R"({"type":"welcome","version":1})");
  const auto connection = events.driver(5);
  REQUIRE(connection);
  const std::string big = R"({"type":"execute","id":0,"code":")" + std::string(4 << 20, 'y') + "\"}";
  REQUIRE(connection->send(big + "\n"));
  REQUIRE(connection->send(R"({"type":"shutdown"})" "\n"));
  connection->close_when_sent();
  CHECK_FALSE(connection->send(R"({"type":"ping"})" "\n"));
  CHECK(driver.line(10s) == big);
  CHECK(driver.line() == R"({"type":"shutdown"})");
  CHECK(driver.closed_by_peer(5s));
  CHECK(eventually([&] { return events.closed_after(5).has_value(); }));
}

// A session slow to take its driver's messages makes livyd stop reading that driver (its
// socket fills, so the driver waits), rather than hold all it sent; once the session
// catches up, reading resumes and every message arrives, in order.
TEST_CASE("driver channel: a driver that writes faster than its session reads is paused, then resumed",
          "[driver]") {
  class SlowEvents : public ManyEvents {
   public:
    void on_message(std::int64_t session, const DriverMessage& message) override {
      {
        std::unique_lock lock(mu_);
        released_cv_.wait(lock, [&] { return released_; });
      }
      ManyEvents::on_message(session, message);
    }
    void release() {
      std::lock_guard lock(mu_);
      released_ = true;
      released_cv_.notify_all();
    }

   private:
    std::mutex mu_;
    std::condition_variable released_cv_;
    bool released_ = false;
  };
  SlowEvents events;
  auto listener = listen(DriverChannelOptions{}, events);
  Client driver(listener->port());
  driver.send_some(hello_for(9));
  REQUIRE(driver.line() == R"({"type":"welcome","version":1})");

  constexpr int kLines = 40'000;
  const std::string pad(1000, 'p');
  std::string stream;
  for (int i = 0; i < kLines; ++i) stream += R"({"type":"started","id":)" + std::to_string(i) + R"(,"pad":")" + pad + "\"}\n";
  std::size_t sent = 0;
  const auto send_until_stuck = [&](std::chrono::milliseconds patience) {
    for (auto stuck_since = std::chrono::steady_clock::now();
         sent < stream.size() && std::chrono::steady_clock::now() - stuck_since < patience;) {
      const ssize_t n = driver.send_some(stream.substr(sent, 256 * 1024));
      REQUIRE(n >= 0);
      if (n > 0) {
        sent += static_cast<std::size_t>(n);
        stuck_since = std::chrono::steady_clock::now();
      } else {
        std::this_thread::sleep_for(10ms);
      }
    }
  };
  send_until_stuck(500ms);
  // The socket buffers and at most about 1 MiB in livyd: far less than the 40 MB sent.
  CHECK(sent < stream.size() / 2);
  CHECK(events.messages() == 0);

  events.release();
  send_until_stuck(10s);
  CHECK(sent == stream.size());
  REQUIRE(eventually([&] { return events.messages() == kLines; }, 20s));
  const auto ids = events.statements(9);
  bool in_order = true;
  for (int i = 0; i < kLines; ++i) in_order = in_order && ids[static_cast<std::size_t>(i)] == i;
  CHECK(in_order);
}
