// bench_fake_driver: a session driver for the scale benchmark. It speaks the
// driver channel (docs/driver-protocol.md) the way lib/drivers/python does, but
// runs no Spark and no Python: it connects back with the spark.livy.driver.* settings
// livyd gives spark-submit (its --conf arguments and its --properties-file, where the
// secret is), says hello and ready, and answers every message at
// once (an `execute` with `started` and an `ok` result whose text is the
// statement's code). One blocking thread and a few hundred kB of memory each, so
// that a thousand sessions fit on a small machine and only livyd's own cost counts.
//
// livyd starts it through a fake SPARK_HOME (bench/run_scale.sh makes one) whose
// bin/spark-submit execs this program with spark-submit's arguments.
// It exits 0 after `shutdown`, 1 when the connection ends otherwise (it does not
// reconnect: the benchmark never restarts livyd).
#include <netdb.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <string>
#include <thread>

namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

[[noreturn]] void fail(const std::string& why) {
  std::fprintf(stderr, "bench_fake_driver: %s\n", why.c_str());
  std::exit(1);
}

// spark.livy.driver.* (without the prefix) from spark-submit's --conf arguments and its
// properties file. The file's escapes are not undone: livyd's values need none.
std::map<std::string, std::string> driver_settings(int argc, char** argv) {
  const std::string prefix = "spark.livy.driver.";
  std::map<std::string, std::string> out;
  const auto take = [&](const std::string& pair) {
    const auto eq = pair.find('=');
    if (eq != std::string::npos && pair.rfind(prefix, 0) == 0) {
      out.emplace(pair.substr(prefix.size(), eq - prefix.size()), pair.substr(eq + 1));
    }
  };
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], "--conf") == 0) {
      take(argv[i + 1]);
    } else if (std::strcmp(argv[i], "--properties-file") == 0) {
      std::ifstream in(argv[i + 1]);
      for (std::string line; std::getline(in, line);) take(line);
    }
  }
  return out;
}

std::string setting(const std::map<std::string, std::string>& settings, const char* name, bool required) {
  const auto it = settings.find(name);
  if (it == settings.end() && required) fail(std::string("spark.livy.driver.") + name + " is not set");
  return it == settings.end() ? "" : it->second;
}

// Connects to host:port, retrying refused connections for `timeout` (livyd may not listen yet).
int connect_to(const std::string& callback, std::chrono::seconds timeout) {
  const auto colon = callback.rfind(':');
  if (colon == std::string::npos) fail("spark.livy.driver.callback is not host:port: " + callback);
  std::string host = callback.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  const std::string port = callback.substr(colon + 1);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (auto pause = std::chrono::milliseconds(100);; pause = std::min(pause * 2, std::chrono::milliseconds(5000))) {
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    if (::getaddrinfo(host.c_str(), port.c_str(), &hints, &found) == 0) {
      for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
        const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0) continue;
        if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
          ::freeaddrinfo(found);
          return fd;
        }
        ::close(fd);
      }
      ::freeaddrinfo(found);
    }
    if (std::chrono::steady_clock::now() + pause > deadline) fail("cannot reach livyd at " + callback);
    std::this_thread::sleep_for(pause);
  }
}

class Channel {
 public:
  explicit Channel(int fd) : fd_(fd) {}

  // Sends what `fill` writes between { and } as one line.
  template <typename Fill>
  void send(Fill fill) {
    rapidjson::StringBuffer buf;
    Writer w(buf);
    w.StartObject();
    fill(w);
    w.EndObject();
    out_.append(buf.GetString(), buf.GetSize());
    out_.push_back('\n');
  }
  // Writes what send() queued; exits when livyd is gone.
  void flush() {
    for (std::size_t sent = 0; sent < out_.size();) {
      const ssize_t n = ::send(fd_, out_.data() + sent, out_.size() - sent, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) fail("the connection to livyd broke while sending");
      sent += static_cast<std::size_t>(n);
    }
    out_.clear();
  }
  // The next line, without its newline; false at the end of the stream.
  bool next(std::string& line) {
    for (;;) {
      if (const auto nl = in_.find('\n', scanned_); nl != std::string::npos) {
        line.assign(in_, 0, nl);
        in_.erase(0, nl + 1);
        scanned_ = 0;
        return true;
      }
      scanned_ = in_.size();
      char chunk[16 * 1024];
      const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      in_.append(chunk, static_cast<std::size_t>(n));
    }
  }
  // True when more input is buffered or readable now: replies are sent in one write per burst.
  bool more_buffered() const { return in_.find('\n') != std::string::npos; }

 private:
  const int fd_;
  std::string in_, out_;
  std::size_t scanned_ = 0;  // in_[0, scanned_) holds no newline
};

void string_field(Writer& w, const char* key, const std::string& value) {
  w.Key(key);
  w.String(value.c_str(), static_cast<rapidjson::SizeType>(value.size()));
}

std::string text_of(const rapidjson::Document& doc, const char* key) {
  const auto it = doc.FindMember(key);
  return it != doc.MemberEnd() && it->value.IsString()
             ? std::string(it->value.GetString(), it->value.GetStringLength())
             : std::string();
}

std::int64_t id_of(const rapidjson::Document& doc, const char* key) {
  const auto it = doc.FindMember(key);
  return it != doc.MemberEnd() && it->value.IsInt64() ? it->value.GetInt64() : -1;
}

}  // namespace

int main(int argc, char** argv) {
  const auto settings = driver_settings(argc, argv);
  if (!setting(settings, "tls-fingerprint", false).empty()) fail("the benchmark's driver speaks no TLS");
  const std::string callback = setting(settings, "callback", true);
  const std::string secret = setting(settings, "secret", true);
  const std::string session_text = setting(settings, "session-id", false);
  const std::int64_t session = session_text.empty() ? 0 : std::strtoll(session_text.c_str(), nullptr, 10);
  const std::string connect_timeout = setting(settings, "connect-timeout", false);
  const long timeout_s = connect_timeout.empty() ? 60 : std::strtol(connect_timeout.c_str(), nullptr, 10);

  Channel channel(connect_to(callback, std::chrono::seconds(timeout_s)));
  channel.send([&](Writer& w) {
    string_field(w, "type", "hello");
    w.Key("version");
    w.Int(1);
    w.Key("session");
    w.Int64(session);
    string_field(w, "secret", secret);
    w.Key("pid");
    w.Int(static_cast<int>(::getpid()));
  });
  channel.flush();
  std::string line;
  rapidjson::Document doc;
  if (!channel.next(line)) fail("livyd closed the connection after the hello");
  doc.Parse(line.c_str(), line.size());
  if (doc.HasParseError() || !doc.IsObject() || text_of(doc, "type") != "welcome") {
    fail("livyd refused the driver: " + line);
  }
  channel.send([&](Writer& w) {
    string_field(w, "type", "ready");
    string_field(w, "appId", "fake-" + std::to_string(session));
    w.Key("sparkUiUrl");
    w.Null();
    string_field(w, "sparkVersion", "fake");
  });
  channel.flush();

  std::int64_t execution_count = 0;
  while (channel.next(line)) {
    doc.Parse(line.c_str(), line.size());
    if (doc.HasParseError() || !doc.IsObject()) continue;
    const std::string type = text_of(doc, "type");
    if (type == "execute") {
      const std::int64_t id = id_of(doc, "id");
      const std::string code = text_of(doc, "code");
      channel.send([&](Writer& w) {
        string_field(w, "type", "started");
        w.Key("id");
        w.Int64(id);
      });
      channel.send([&](Writer& w) {
        string_field(w, "type", "result");
        w.Key("id");
        w.Int64(id);
        w.Key("cancelled");
        w.Bool(false);
        w.Key("output");
        w.StartObject();
        string_field(w, "status", "ok");
        w.Key("execution_count");
        w.Int64(execution_count++);
        w.Key("data");
        w.StartObject();
        string_field(w, "text/plain", code);
        w.EndObject();
        w.EndObject();
      });
    } else if (type == "ping") {
      channel.send([&](Writer& w) { string_field(w, "type", "pong"); });
    } else if (type == "complete") {
      channel.send([&](Writer& w) {
        string_field(w, "type", "completion");
        w.Key("rid");
        const auto rid = doc.FindMember("rid");
        if (rid != doc.MemberEnd()) rid->value.Accept(w);
        else w.Null();
        w.Key("candidates");
        w.StartArray();
        w.EndArray();
      });
    } else if (type == "job") {
      channel.send([&](Writer& w) {
        string_field(w, "type", "job-result");
        w.Key("id");
        w.Int64(id_of(doc, "id"));
        w.Key("result");
        w.Null();
        string_field(w, "error", "bench_fake_driver runs no jobs");
        w.Key("cancelled");
        w.Bool(false);
      });
    } else if (type == "add-resource") {
      channel.send([&](Writer& w) {
        string_field(w, "type", "resource-added");
        w.Key("rid");
        w.Int64(id_of(doc, "rid"));
        w.Key("error");
        w.Null();
      });
    } else if (type == "shutdown") {
      channel.flush();
      return 0;
    }
    // cancel, job-cancel: every statement is answered already; unknown types are ignored.
    if (!channel.more_buffered()) channel.flush();
  }
  fail("livyd closed the connection");
}
