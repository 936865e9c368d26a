// The web UI's pages (docs/ui.md): /ui's pages, their static files (lib/ui), and / redirecting to /ui/.
#pragma once

#include <httplib.h>

namespace livy::http {

// The Content-Security-Policy of every UI reply: scripts, styles and requests to livyd itself,
// images also as data: URLs (image/png outputs), no framing by other sites, nothing else.
inline constexpr const char* kUiContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'self'";

// Adds GET /, /ui, /ui/batches, /ui/session/{id}, /ui/session/{id}/log, /ui/batch/{id}/log
// and /ui/static/{file} to `server`. The pages read everything through the REST API, so
// authentication and access control apply to them as to any client.
void mount_ui(httplib::Server& server);

}  // namespace livy::http
