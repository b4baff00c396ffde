#pragma once

#include <fmt/format.h>

#include <stdexcept>
#include <string>

namespace cosched {

// The one exception type of cos (namespace cosched: glibc's ::cos from <math.h> takes the name
// cos): its message is a single line a user can act on (it names the file, node or value at fault).
// Caught once, in main.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

template <typename... Args>
[[noreturn]] void fail(fmt::format_string<Args...> format, Args&&... args) {
  throw Error(fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace cosched
