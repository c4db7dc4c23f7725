// SPDX-License-Identifier: MIT
/*
 * UTF-8 for output: process names and other strings from the kernel are
 * bytes; JSON, Prometheus and terminals want valid UTF-8.
 */
#ifndef TIMERX_TOOLS_UTF8_HPP
#define TIMERX_TOOLS_UTF8_HPP

#include <cstddef>
#include <string>
#include <string_view>

namespace timerx_tools {

/*
 * Valid UTF-8 with every invalid byte replaced by U+FFFD (overlong forms,
 * surrogates and values past U+10FFFF are invalid).
 */
std::string sanitize_utf8(std::string_view s);

/* For text output: sanitize_utf8() and control characters as '?'. */
std::string printable(std::string_view s);

/* Display width of @s in terminal columns: its UTF-8 code points. */
std::size_t display_width(std::string_view s);

} // namespace timerx_tools

#endif /* TIMERX_TOOLS_UTF8_HPP */
