// LIVY_API marks the public API. The libraries are built with hidden symbols
// (-fvisibility=hidden, -fvisibility-inlines-hidden): only what carries
// LIVY_API is exported from liblivy, liblivy_http and liblivy_client.
#pragma once

#if defined(__GNUC__) || defined(__clang__)
#define LIVY_API __attribute__((visibility("default")))
#else
#define LIVY_API
#endif

// LIVY_HIDDEN keeps a public class's private implementation (its pimpl `Impl`)
// out of the exported symbols, which it would otherwise share with its class.
#if defined(__GNUC__) || defined(__clang__)
#define LIVY_HIDDEN __attribute__((visibility("hidden")))
#else
#define LIVY_HIDDEN
#endif
