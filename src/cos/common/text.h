#pragma once

#include <string>
#include <string_view>

namespace cosched {

// Escapes control and non-ASCII bytes (\n, \xNN) so that text from a file, such as a
// node name, cannot break a one-line error message or a table.
std::string printable(std::string_view text);

}  // namespace cosched
