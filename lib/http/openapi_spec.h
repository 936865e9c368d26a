// docs/openapi.yaml, built into livy::http (served at GET /openapi.yaml).
#pragma once

#include <string_view>

namespace livy::http {

// The OpenAPI 3.0 description of livyd's REST API, as it was when lib/ was configured.
std::string_view openapi_yaml();

}  // namespace livy::http
