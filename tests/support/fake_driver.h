// FakeDriver: plays a session driver on livyd's driver channel
// (docs/driver-protocol.md) over a plain blocking TCP socket, so unit tests
// can take a session through its life without Spark or Python.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <fstream>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "livy/process.h"

namespace livy_test {

// What a launched driver learns from its Spark configuration (the spark.livy.driver.* keys).
struct DriverEnv {
  std::string host;
  int port = 0;
  std::string secret;
  std::int64_t session_id = -1;
};

// The Spark configuration a spec livyd handed to the launcher gives its application: the
// --conf pairs of its command line, then the properties file's (--properties-file), where
// secrets are. Escapes in the file are not undone (livyd's secrets need none).
inline std::map<std::string, std::string> spark_conf_of(const livy::ProcessSpec& spec) {
  std::map<std::string, std::string> conf;
  for (std::size_t i = 0; i + 1 < spec.argv.size(); ++i) {
    if (spec.argv[i] == "--conf") {
      const auto eq = spec.argv[i + 1].find('=');
      if (eq != std::string::npos) conf[spec.argv[i + 1].substr(0, eq)] = spec.argv[i + 1].substr(eq + 1);
    } else if (spec.argv[i] == "--properties-file") {
      std::ifstream in(spec.argv[i + 1]);
      for (std::string line; std::getline(in, line);) {
        const auto eq = line.find('=');
        if (line.empty() || line[0] == '#' || eq == std::string::npos) continue;
        conf.emplace(line.substr(0, eq), line.substr(eq + 1));  // --conf wins, as in spark-submit
      }
    }
  }
  return conf;
}

// One spark.livy.driver.* setting of a launched spec; nullopt when it has none.
inline std::optional<std::string> driver_setting(const livy::ProcessSpec& spec, const std::string& key) {
  const auto conf = spark_conf_of(spec);
  const auto it = conf.find("spark.livy.driver." + key);
  if (it == conf.end()) return std::nullopt;
  return it->second;
}

// Reads the driver settings of a spec livyd handed to the launcher; nullopt when one is missing.
inline std::optional<DriverEnv> driver_env(const livy::ProcessSpec& spec) {
  const auto callback = driver_setting(spec, "callback");
  const auto secret = driver_setting(spec, "secret");
  const auto session = driver_setting(spec, "session-id");
  if (!callback || !secret || !session) return std::nullopt;
  DriverEnv env;
  const auto colon = callback->rfind(':');
  if (colon == std::string::npos) return std::nullopt;
  env.host = callback->substr(0, colon);
  env.port = std::stoi(callback->substr(colon + 1));
  env.secret = *secret;
  env.session_id = std::stoll(*session);
  return env;
}

// One message livyd sent, with the fields tests look at (absent: -1 or "").
struct DriverCommand {
  std::string type;           // welcome, execute, cancel, complete, ping, shutdown...
  std::int64_t id = -1;       // execute, cancel: the statement id
  std::string code;           // execute, complete
  std::string kind;           // execute, complete
  std::int64_t rid = -1;      // complete
  std::int64_t cursor = -1;   // complete
  std::string job;            // job: the job's bytes in base64
  std::string job_type;       // job: jobType
  std::string uri;            // add-resource (its kind is in `kind`, its request id in `rid`)
};

// One driver connection. Not thread-safe: one test thread drives it. Every
// read has a timeout, so a test that waits for a message livyd never sends
// fails instead of hanging.
class FakeDriver {
 public:
  // Connects to livyd's driver channel; throws when it cannot.
  FakeDriver(const std::string& host, int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) throw std::runtime_error("socket failed");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    if (::inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1 ||
        ::connect(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
      ::close(fd_);
      throw std::runtime_error("cannot connect to the driver channel at " + host + ":" + std::to_string(port));
    }
  }
  explicit FakeDriver(const DriverEnv& env) : FakeDriver(env.host, env.port) { env_ = env; }

  ~FakeDriver() { ::close(fd_); }
  FakeDriver(const FakeDriver&) = delete;
  FakeDriver& operator=(const FakeDriver&) = delete;

  // --- handshake ---

  // What a reconnecting driver says in its hello: the statement it received and has not
  // answered, and the one whose result it sent last (absent: null); the same for jobs when
  // `jobs` is set (a driver from before jobs survived a restart sends no job fields).
  struct Resume {
    std::optional<std::int64_t> running;
    std::optional<std::int64_t> last;
    bool jobs = false;
    std::optional<std::int64_t> running_job = std::nullopt;
    std::optional<std::int64_t> last_job = std::nullopt;
    // A driver of statements in parallel: all it has not answered, all whose results it replays.
    std::vector<std::int64_t> unanswered = {};
    std::vector<std::int64_t> replay = {};
  };

  void hello(std::int64_t session_id, const std::string& secret, int version = 1,
             const std::optional<Resume>& resume = std::nullopt) {
    send_object([&](Writer& w) {
      field(w, "type", "hello");
      w.Key("version");
      w.Int(version);
      w.Key("session");
      w.Int64(session_id);
      field(w, "secret", secret);
      w.Key("pid");
      w.Int(4242);
      if (resume) {
        w.Key("resume");
        w.StartObject();
        const auto id_field = [&](const char* key, const std::optional<std::int64_t>& id) {
          w.Key(key);
          if (id) w.Int64(*id);
          else w.Null();
        };
        id_field("running", resume->running);
        id_field("last", resume->last);
        if (resume->jobs) {
          id_field("runningJob", resume->running_job);
          id_field("lastJob", resume->last_job);
        }
        for (const auto& [key, list] : {std::pair{"unanswered", &resume->unanswered}, {"replay", &resume->replay}}) {
          if (list->empty()) continue;
          w.Key(key);
          w.StartArray();
          for (const std::int64_t id : *list) w.Int64(id);
          w.EndArray();
        }
        w.EndObject();
      }
    });
  }

  // A reconnect after a livyd restart: hello with `resume`; true on `welcome`.
  bool resume(const Resume& resume, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    hello(env_.session_id, env_.secret, 1, resume);
    const auto answer = next(timeout);
    return answer && answer->type == "welcome";
  }

  // hello with the environment's session and secret; true when livyd answers `welcome`.
  bool say_hello(std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    hello(env_.session_id, env_.secret);
    const auto answer = next(timeout);
    return answer && answer->type == "welcome";
  }

  void ready(const std::string& app_id, const std::optional<std::string>& spark_ui_url = std::nullopt) {
    send_object([&](Writer& w) {
      field(w, "type", "ready");
      field(w, "appId", app_id);
      w.Key("sparkUiUrl");
      if (spark_ui_url) w.String(spark_ui_url->c_str());
      else w.Null();
      field(w, "sparkVersion", "4.0.1");
    });
  }

  // The SparkSession exists and the driver warms up its session's interpreter before `ready`.
  void warming() {
    send_object([&](Writer& w) { field(w, "type", "warming"); });
  }

  // hello, welcome, ready: what a driver does once its SparkSession exists.
  bool attach(const std::string& app_id = "local-1700000000000") {
    if (!say_hello()) return false;
    ready(app_id);
    return true;
  }

  // --- statements and the rest ---

  void started(std::int64_t id) {
    send_object([&](Writer& w) {
      field(w, "type", "started");
      w.Key("id");
      w.Int64(id);
    });
  }

  void progress(std::int64_t id, double value) {
    send_object([&](Writer& w) {
      field(w, "type", "progress");
      w.Key("id");
      w.Int64(id);
      w.Key("progress");
      w.Double(value);
    });
  }

  // A result whose output is {"status":"ok"} with `text` as text/plain.
  void result_ok(std::int64_t id, std::int64_t execution_count, const std::string& text, bool cancelled = false) {
    send_object([&](Writer& w) {
      result_head(w, id, cancelled);
      field(w, "status", "ok");
      w.Key("execution_count");
      w.Int64(execution_count);
      w.Key("data");
      w.StartObject();
      field(w, "text/plain", text);
      w.EndObject();
      w.EndObject();
    });
  }

  // A result whose output is {"status":"error"} with one traceback line.
  void result_error(std::int64_t id, std::int64_t execution_count, const std::string& ename,
                    const std::string& evalue, bool cancelled = false) {
    send_object([&](Writer& w) {
      result_head(w, id, cancelled);
      field(w, "status", "error");
      w.Key("execution_count");
      w.Int64(execution_count);
      field(w, "ename", ename);
      field(w, "evalue", evalue);
      w.Key("traceback");
      w.StartArray();
      w.String((ename + ": " + evalue + "\n").c_str());
      w.EndArray();
      w.EndObject();
    });
  }

  void completion(std::int64_t rid, const std::vector<std::string>& candidates) {
    send_object([&](Writer& w) {
      field(w, "type", "completion");
      w.Key("rid");
      w.Int64(rid);
      w.Key("candidates");
      w.StartArray();
      for (const auto& c : candidates) w.String(c.c_str());
      w.EndArray();
    });
  }

  // --- the job API ---

  void job_started(std::int64_t id) {
    send_object([&](Writer& w) {
      field(w, "type", "job-started");
      w.Key("id");
      w.Int64(id);
    });
  }

  // A job's end: its result (base64 text), or an error, or cancelled.
  void job_result(std::int64_t id, const std::optional<std::string>& result, const std::optional<std::string>& error,
                  bool cancelled = false) {
    send_object([&](Writer& w) {
      field(w, "type", "job-result");
      w.Key("id");
      w.Int64(id);
      w.Key("result");
      if (result) w.String(result->c_str(), static_cast<rapidjson::SizeType>(result->size()));
      else w.Null();
      w.Key("error");
      if (error) w.String(error->c_str(), static_cast<rapidjson::SizeType>(error->size()));
      else w.Null();
      w.Key("cancelled");
      w.Bool(cancelled);
    });
  }

  void resource_added(std::int64_t rid, const std::optional<std::string>& error = std::nullopt) {
    send_object([&](Writer& w) {
      field(w, "type", "resource-added");
      w.Key("rid");
      w.Int64(rid);
      w.Key("error");
      if (error) w.String(error->c_str());
      else w.Null();
    });
  }

  void fatal(const std::string& error) {
    send_object([&](Writer& w) {
      field(w, "type", "fatal");
      field(w, "error", error);
    });
  }

  // Sends one raw line (a newline is added).
  void send_line(std::string line) {
    line.push_back('\n');
    for (std::size_t sent = 0; sent < line.size();) {
      const ssize_t n = ::send(fd_, line.data() + sent, line.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return;  // livyd closed the connection: tests notice through next() / wait_closed()
      sent += static_cast<std::size_t>(n);
    }
  }

  // --- reading ---

  // The next message from livyd, or nullopt when `timeout` passes first or the
  // connection ends (then closed() is true). Lines that are not JSON objects
  // come back with type "".
  std::optional<DriverCommand> next(std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      if (const auto nl = buffer_.find('\n'); nl != std::string::npos) {
        const std::string line = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        return parse(line);
      }
      if (closed_ || !fill(deadline)) return std::nullopt;
    }
  }

  // Skips messages until livyd closes the connection (true) or `timeout` passes (false).
  bool wait_closed(std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!closed_) {
      if (!fill(deadline)) return closed_;
      buffer_.clear();
    }
    return true;
  }

  bool closed() const { return closed_; }

  // Ends the connection from the driver's side, as a crashed driver would.
  void close() { ::shutdown(fd_, SHUT_RDWR); }

 private:
  using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

  static void field(Writer& w, const char* key, const std::string& value) {
    w.Key(key);
    w.String(value.c_str(), static_cast<rapidjson::SizeType>(value.size()));
  }

  static void result_head(Writer& w, std::int64_t id, bool cancelled) {
    field(w, "type", "result");
    w.Key("id");
    w.Int64(id);
    w.Key("cancelled");
    w.Bool(cancelled);
    w.Key("output");
    w.StartObject();
  }

  template <typename Fill>
  void send_object(Fill fill) {
    rapidjson::StringBuffer buf;
    Writer w(buf);
    w.StartObject();
    fill(w);
    w.EndObject();
    send_line(std::string(buf.GetString(), buf.GetSize()));
  }

  // Reads what is there before `deadline` into buffer_; false on timeout or end of stream.
  bool fill(std::chrono::steady_clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    pollfd p{fd_, POLLIN, 0};
    if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    char chunk[4096];
    const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) {
      closed_ = true;
      return false;
    }
    buffer_.append(chunk, static_cast<std::size_t>(n));
    return true;
  }

  static DriverCommand parse(const std::string& line) {
    DriverCommand c;
    rapidjson::Document doc;
    doc.Parse(line.c_str(), line.size());
    if (doc.HasParseError() || !doc.IsObject()) return c;
    const auto text = [&](const char* name) -> std::string {
      const auto it = doc.FindMember(name);
      return it != doc.MemberEnd() && it->value.IsString() ? it->value.GetString() : "";
    };
    const auto number = [&](const char* name) -> std::int64_t {
      const auto it = doc.FindMember(name);
      return it != doc.MemberEnd() && it->value.IsInt64() ? it->value.GetInt64() : -1;
    };
    c.type = text("type");
    c.id = number("id");
    c.code = text("code");
    c.kind = text("kind");
    c.rid = number("rid");
    c.cursor = number("cursor");
    c.job = text("job");
    c.job_type = text("jobType");
    c.uri = text("uri");
    return c;
  }

  int fd_ = -1;
  DriverEnv env_;
  std::string buffer_;   // received, not yet returned
  bool closed_ = false;  // livyd ended the connection
};

}  // namespace livy_test
