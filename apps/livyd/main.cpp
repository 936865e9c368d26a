// livyd: the Livy-compatible REST server around the livy library.
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <sys/resource.h>
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

// Every connection costs a descriptor: take the hard limit, as servers do
// (server.max-connections bounds how many are used).
void raise_descriptor_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
  }
}

int fail(const std::string& msg) {
  fmt::print(stderr, "livyd: {}\n", msg);
  return 2;
}

// Once the configuration is read, every line goes through the one logger (log.format).
int fail(livy::Logger& logger, const std::string& msg) {
  logger.message("error", "livyd: " + msg);
  logger.flush();
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
  const std::shared_ptr<livy::Logger> logger = livy::Logger::open(livy::log_options(flags.config));
  for (const auto& w : warnings) logger->message("warn", "livyd: warning: " + w);

  if (const livy::Status st = livy::http::check_authentication(flags.config); !st) return fail(*logger, st.message());

  // Bound first: a port in use or an unusable TLS keystore stops livyd
  // before it opens the store and recovers sessions.
  raise_descriptor_limit();
  livy::http::ServerOptions server_options = livy::http::server_options(flags.config);
  server_options.logger = logger;
  livy::http::Server server(server_options);
  const auto bound = server.bind();
  if (!bound) return fail(*logger, bound.status().message());
  const int port = *bound;

  livy::RuntimeOptions runtime_options;
  runtime_options.logger = logger;  // state changes in the same log as requests
  auto runtime = livy::Runtime::open(flags.config, runtime_options);
  if (!runtime) return fail(*logger, runtime.status().message());
  livy::http::mount_routes(server.router(), **runtime, {current_user()});
  std::thread http([&server] { server.run(); });
  logger->message("info", fmt::format("livyd {} listening on {}://{}:{} (data in {})", livy::kVersion,
                                      server_options.tls.enabled() ? "https" : "http", flags.config.host, port,
                                      flags.config.data_dir));
  if (!flags.port_file.empty()) {
    const std::string tmp = flags.port_file + ".tmp";
    std::ofstream(tmp) << port << "\n";
    std::rename(tmp.c_str(), flags.port_file.c_str());
  }

  int sig = 0;
  sigwait(&wait_set, &sig);
  logger->message("info", fmt::format("livyd: signal {}, shutting down", sig));
  server.stop();
  http.join();
  (*runtime)->shutdown();
  return 0;
}
