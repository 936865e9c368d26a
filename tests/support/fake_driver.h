// FakeDriver: plays a session driver on livyd's driver channel
// (docs/driver-protocol.md) over a plain blocking TCP socket, so unit tests
// can take a session through its life without Spark or Python. Its messages
// are written and read by lib/wire's driver-side encoder and decoder; send_line
// sends anything else (a malformed or hostile line).
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
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

#include "base/base64.h"
#include "livy/process.h"
#include "wire/driver_messages.h"
#include "wire/output_json.h"

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
    livy::DriverMessage m = message(Type::kHello);
    m.version = version;
    m.session_id = session_id;
    m.secret = secret;
    if (resume) {
      m.resume = true;
      m.resume_running = resume->running;
      m.resume_last = resume->last;
      m.resume_jobs = resume->jobs;
      m.resume_running_job = resume->running_job;
      m.resume_last_job = resume->last_job;
      m.resume_unanswered = resume->unanswered;
      m.resume_replay = resume->replay;
    }
    send(m);
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
    livy::DriverMessage m = message(Type::kReady);
    m.app_id = app_id;
    m.spark_ui_url = spark_ui_url;
    send(m);
  }

  // The SparkSession exists and the driver warms up its session's interpreter before `ready`.
  void warming() { send(message(Type::kWarming)); }

  // hello, welcome, ready: what a driver does once its SparkSession exists.
  bool attach(const std::string& app_id = "local-1700000000000") {
    if (!say_hello()) return false;
    ready(app_id);
    return true;
  }

  // --- statements and the rest ---

  void started(std::int64_t id) {
    livy::DriverMessage m = message(Type::kStarted);
    m.statement_id = id;
    send(m);
  }

  void progress(std::int64_t id, double value) {
    livy::DriverMessage m = message(Type::kProgress);
    m.statement_id = id;
    m.progress = value;
    send(m);
  }

  // A result whose output is {"status":"ok"} with `text` as text/plain.
  void result_ok(std::int64_t id, std::int64_t execution_count, const std::string& text, bool cancelled = false) {
    livy::StatementOutput out;
    out.ok = true;
    out.execution_count = execution_count;
    out.data = {{"text/plain", livy::wire::json_string_literal(text)}};
    send(result(id, std::move(out), cancelled));
  }

  // A result whose output is {"status":"error"} with one traceback line.
  void result_error(std::int64_t id, std::int64_t execution_count, const std::string& ename,
                    const std::string& evalue, bool cancelled = false) {
    livy::StatementOutput out;
    out.ok = false;
    out.execution_count = execution_count;
    out.ename = ename;
    out.evalue = evalue;
    out.traceback = {ename + ": " + evalue + "\n"};
    send(result(id, std::move(out), cancelled));
  }

  void completion(std::int64_t rid, const std::vector<std::string>& candidates) {
    livy::DriverMessage m = message(Type::kCompletion);
    m.request_id = rid;
    m.candidates = candidates;
    send(m);
  }

  // --- the job API ---

  void job_started(std::int64_t id) {
    livy::DriverMessage m = message(Type::kJobStarted);
    m.job_id = id;
    send(m);
  }

  // A job's end: its result (base64 text), or an error, or cancelled.
  void job_result(std::int64_t id, const std::optional<std::string>& result, const std::optional<std::string>& error,
                  bool cancelled = false) {
    livy::DriverMessage m = message(Type::kJobResult);
    m.job_id = id;
    m.job_result = result;
    m.job_error = error;
    m.cancelled = cancelled;
    send(m);
  }

  void resource_added(std::int64_t rid, const std::optional<std::string>& error = std::nullopt) {
    livy::DriverMessage m = message(Type::kResourceAdded);
    m.request_id = rid;
    m.job_error = error;
    send(m);
  }

  void fatal(const std::string& error) {
    livy::DriverMessage m = message(Type::kFatal);
    m.error = error;
    send(m);
  }

  // One message, written by lib/wire's encoder (the driver's half of it).
  void send(const livy::DriverMessage& m) {
    std::string line = livy::encode_driver_message(m);
    if (!line.empty() && line.back() == '\n') line.pop_back();
    send_line(std::move(line));
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
  using Type = livy::DriverMessage::Type;

  static livy::DriverMessage message(Type type) {
    livy::DriverMessage m;
    m.type = type;
    return m;
  }

  static livy::DriverMessage result(std::int64_t id, livy::StatementOutput output, bool cancelled) {
    livy::DriverMessage m = message(Type::kResult);
    m.statement_id = id;
    m.output = std::move(output);
    m.cancelled = cancelled;
    return m;
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

  // A line livyd sent, read by lib/wire's decoder (the driver's half of it).
  static DriverCommand parse(const std::string& line) {
    DriverCommand c;
    const auto decoded = livy::decode_livyd_message(line);
    if (!decoded) return c;
    const livy::LivydMessage& m = *decoded;
    using T = livy::LivydMessage::Type;
    c.type = std::string(livy::livyd_message_type_name(m.type));
    switch (m.type) {
      case T::kExecute:
        c.id = m.id;
        c.code = m.code;
        c.kind = std::string(livy::to_string(m.kind));
        break;
      case T::kComplete:
        c.rid = m.request_id;
        c.code = m.code;
        c.kind = std::string(livy::to_string(m.kind));
        c.cursor = m.cursor;
        break;
      case T::kCancel:
      case T::kJobCancel:
      case T::kResultAck:
        c.id = m.id;
        break;
      case T::kJob:
        c.id = m.id;
        c.job = livy::base64_encode(m.job);
        c.job_type = std::string(livy::to_string(m.job_type));
        break;
      case T::kAddResource:
        c.rid = m.request_id;
        c.kind = std::string(livy::to_string(m.resource_kind));
        c.uri = m.uri;
        break;
      default:
        break;
    }
    return c;
  }

  int fd_ = -1;
  DriverEnv env_;
  std::string buffer_;   // received, not yet returned
  bool closed_ = false;  // livyd ended the connection
};

}  // namespace livy_test
