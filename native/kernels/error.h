// The one exception type the native core throws. It carries the stable error code that the
// JavaScript side exposes as `err.code`, and whether it is a type or a range problem. The core
// knows nothing of Node: the binding translates this into a TypeError/RangeError.
#pragma once

#include <stdexcept>
#include <string>
#include <utility>

namespace nnkit {

enum class ErrorKind { type, range };

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, const char* code, const std::string& message, std::string argument = {})
      : std::runtime_error(message), kind_(kind), code_(code), argument_(std::move(argument)) {}
  ErrorKind kind() const { return kind_; }
  const char* code() const { return code_; }
  // The JS argument at fault ("X[3][7]"), empty when none is: becomes the error's `argument`.
  const std::string& argument() const { return argument_; }

 private:
  ErrorKind kind_;
  const char* code_;  // always a string literal
  std::string argument_;
};

// Stable codes, mirrored in lib/errors.ts.
inline constexpr const char* kErrType = "ERR_NNKIT_TYPE";
inline constexpr const char* kErrShape = "ERR_NNKIT_SHAPE";
inline constexpr const char* kErrRange = "ERR_NNKIT_RANGE";
inline constexpr const char* kErrDetached = "ERR_NNKIT_DETACHED";
inline constexpr const char* kErrLapack = "ERR_NNKIT_LAPACK";
inline constexpr const char* kErrConvergence = "ERR_NNKIT_CONVERGENCE";  // nnkit's own eigen/SVD solvers
inline constexpr const char* kErrNonFinite = "ERR_NNKIT_NONFINITE";
inline constexpr const char* kErrState = "ERR_NNKIT_STATE";

}  // namespace nnkit
