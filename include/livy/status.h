// Status and Result<T>: the one error type at the library boundary.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace livy {

// What went wrong, coarse enough for a caller to act on. One function
// (livy::http::http_status) maps these to HTTP statuses; nothing else does.
enum class ErrorCode {
  kOk,
  kInvalidArgument,    // the request is malformed or names something it may not
  kUnauthenticated,    // the caller did not prove who they are (or the proof was wrong)
  kNotFound,           // no such session, batch or statement
  kForbidden,          // the caller may not do this
  kConflict,           // the target is in a state that does not allow it
  kTooLarge,           // a body, file or value is over a configured limit
  kResourceExhausted,  // a configured capacity limit was reached (Livy answers 400)
  kUnavailable,        // a dependency (Spark, the store) cannot serve now
  kInternal,           // a fault in livyd itself
};

// An outcome without a value. Messages of errors a client can cause are
// safe to show it (no server paths, argv or secrets); start-up errors
// (Runtime::open) name the paths an operator needs to see.
class [[nodiscard]] Status {
 public:
  Status() = default;

  static Status ok() { return Status(); }
  static Status invalid_argument(std::string msg) { return {ErrorCode::kInvalidArgument, std::move(msg)}; }
  static Status not_found(std::string msg) { return {ErrorCode::kNotFound, std::move(msg)}; }
  static Status unauthenticated(std::string msg) { return {ErrorCode::kUnauthenticated, std::move(msg)}; }
  static Status forbidden(std::string msg) { return {ErrorCode::kForbidden, std::move(msg)}; }
  static Status conflict(std::string msg) { return {ErrorCode::kConflict, std::move(msg)}; }
  static Status too_large(std::string msg) { return {ErrorCode::kTooLarge, std::move(msg)}; }
  static Status resource_exhausted(std::string msg) { return {ErrorCode::kResourceExhausted, std::move(msg)}; }
  static Status unavailable(std::string msg) { return {ErrorCode::kUnavailable, std::move(msg)}; }
  static Status internal(std::string msg) { return {ErrorCode::kInternal, std::move(msg)}; }

  bool is_ok() const { return code_ == ErrorCode::kOk; }
  explicit operator bool() const { return is_ok(); }
  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }

 private:
  Status(ErrorCode code, std::string msg) : code_(code), message_(std::move(msg)) {}

  ErrorCode code_ = ErrorCode::kOk;
  std::string message_;
};

// A value or the Status that explains its absence; shaped like std::expected.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {}  // NOLINT: must not be ok

  bool has_value() const { return v_.index() == 0; }
  explicit operator bool() const { return has_value(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  // The failure; Status::ok() when there is a value.
  Status status() const { return has_value() ? Status::ok() : std::get<1>(v_); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace livy
