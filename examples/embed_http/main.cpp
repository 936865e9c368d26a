// Serves Livy's REST API next to your own routes, with livyd's hardened server.
//   embed_http [port]
#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <thread>

#include <livy/http.h>
#include <livy/livy.h>

int main(int argc, char** argv) {
  livy::Config config;
  config.data_dir = "./var/embed_http";
  auto runtime = livy::Runtime::open(config);
  if (!runtime) {
    std::fprintf(stderr, "cannot start: %s\n", runtime.status().message().c_str());
    return 1;
  }

  livy::http::ServerOptions options = livy::http::server_options(config);
  options.port = argc > 1 ? std::atoi(argv[1]) : 8998;
  livy::http::Server server(options);
  server.router().Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("ok", "text/plain");
  });
  livy::http::mount_routes(server.router(), **runtime);  // /batches, /version, ...
  const auto port = server.bind();
  if (!port) {
    std::fprintf(stderr, "cannot listen: %s\n", port.status().message().c_str());
    return 1;
  }

  // Stop cleanly on Ctrl-C: block the signal in every thread, wait for it here.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  std::thread http([&server] { server.run(); });
  std::printf("serving on http://127.0.0.1:%d\n", *port);
  int sig = 0;
  sigwait(&stop_signals, &sig);
  server.stop();
  http.join();
  return 0;
}
