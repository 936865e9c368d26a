// livyd: the Livy-compatible REST server around the livy library.
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/core.h>

#include <cstdio>
#include <fstream>
#include <thread>

#include "flags.h"
#include "livy/http.h"
#include "livy/livy.h"

namespace {

std::string current_user() {
  const passwd* pw = ::getpwuid(::geteuid());
  return pw != nullptr ? pw->pw_name : "";
}

int fail(const std::string& msg) {
  fmt::print(stderr, "livyd: {}\n", msg);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  // Before any thread exists: the signals main waits for are blocked
  // everywhere, and a closed client socket must not kill the process.
  sigset_t wait_set;
  sigemptyset(&wait_set);
  for (int sig : {SIGTERM, SIGINT, SIGHUP}) sigaddset(&wait_set, sig);
  pthread_sigmask(SIG_BLOCK, &wait_set, nullptr);
  signal(SIGPIPE, SIG_IGN);

  livyd::Flags flags;
  std::vector<std::string> warnings;
  const livy::Status parsed = livyd::parse_flags(argc, argv, flags, warnings);
  if (!parsed) return fail(parsed.message() + "\n" + livyd::kUsage);
  if (flags.help) return std::fputs(livyd::kUsage, stdout), 0;
  if (flags.version) return fmt::print("livyd {} (Livy API {})\n", livy::kVersion, livy::kLivyApiVersion), 0;
  for (const auto& w : warnings) fmt::print(stderr, "livyd: warning: {}\n", w);

  auto runtime = livy::Runtime::open(flags.config);
  if (!runtime) return fail(runtime.status().message());

  httplib::Server server;
  const int threads = flags.config.http_threads;
  server.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<std::size_t>(threads)); };
  livy::http::mount_routes(server, **runtime, {current_user()});
  // cpp-httplib 0.11 listens with a backlog of 5. When more clients connect
  // at once, the kernel drops their handshakes and requests and they stall
  // for seconds; listening again on the bound socket sets a larger backlog.
  int listen_fd = -1;
  server.set_socket_options([&listen_fd](int fd) {
    httplib::default_socket_options(fd);
    listen_fd = fd;
  });

  int port = flags.config.port;
  if (port == 0) {
    port = server.bind_to_any_port(flags.config.host);
  } else if (!server.bind_to_port(flags.config.host, port)) {
    port = -1;
  }
  if (port < 0) return fail(fmt::format("cannot listen on {}:{}", flags.config.host, flags.config.port));
  if (listen_fd < 0 || ::listen(listen_fd, flags.config.listen_backlog) != 0) {
    fmt::print(stderr, "livyd: warning: cannot set the listen backlog to {}\n", flags.config.listen_backlog);
  }
  std::thread http([&server] { server.listen_after_bind(); });
  fmt::print(stderr, "livyd {} listening on http://{}:{} (data in {})\n", livy::kVersion, flags.config.host, port,
             flags.config.data_dir);
  if (!flags.port_file.empty()) {
    const std::string tmp = flags.port_file + ".tmp";
    std::ofstream(tmp) << port << "\n";
    std::rename(tmp.c_str(), flags.port_file.c_str());
  }

  int sig = 0;
  sigwait(&wait_set, &sig);
  fmt::print(stderr, "livyd: signal {}, shutting down\n", sig);
  server.stop();
  http.join();
  (*runtime)->shutdown();
  return 0;
}
