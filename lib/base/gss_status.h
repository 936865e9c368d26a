// The text of a GSSAPI failure (MIT Kerberos), for operators' messages: the accepting side
// (auth/kerberos_authenticator) and the initiating one (clusters/yarn_kerberos). Header-only:
// the two live in different shared libraries.
#pragma once

#include <gssapi/gssapi.h>

#include <string>
#include <utility>

namespace livy {

// The major and minor status texts, joined by ": ". Never sent to a client.
inline std::string gss_error_text(OM_uint32 major, OM_uint32 minor) {
  std::string out;
  for (const auto& [code, type] : {std::pair{major, GSS_C_GSS_CODE}, std::pair{minor, GSS_C_MECH_CODE}}) {
    OM_uint32 context = 0;
    do {
      OM_uint32 ignored = 0;
      gss_buffer_desc text{};
      if (gss_display_status(&ignored, code, type, GSS_C_NO_OID, &context, &text) != GSS_S_COMPLETE) break;
      if (!out.empty()) out += ": ";
      out.append(static_cast<const char*>(text.value), text.length);
      gss_release_buffer(&ignored, &text);
    } while (context != 0);
  }
  return out;
}

}  // namespace livy
