// Serves Livy's REST API from your own cpp-httplib server, next to your own routes.
//   embed_http [port]
#include <cstdlib>
#include <cstdio>

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

  httplib::Server server;
  server.Get("/healthz", [](const httplib::Request&, httplib::Response& res) { res.set_content("ok", "text/plain"); });
  livy::http::mount_routes(server, **runtime);  // /batches, /version, ...

  const int port = argc > 1 ? std::atoi(argv[1]) : 8998;
  std::printf("serving on http://127.0.0.1:%d\n", port);
  return server.listen("127.0.0.1", port) ? 0 : 1;
}
