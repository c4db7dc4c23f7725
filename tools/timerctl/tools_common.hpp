// SPDX-License-Identifier: MIT
/*
 * What timerctl uses of tools/common (shared with bench/): the JSON writer,
 * UTF-8 handling and lateness summaries, under timerctl's own names.
 */
#ifndef TIMERCTL_TOOLS_COMMON_HPP
#define TIMERCTL_TOOLS_COMMON_HPP

#include <json_writer.hpp>
#include <lateness_summary.hpp>
#include <utf8.hpp>

namespace timerctl {

using timerx_tools::display_width;
using timerx_tools::json_lateness;
using timerx_tools::json_lateness_fields;
using timerx_tools::json_quote;
using timerx_tools::JsonWriter;
using timerx_tools::LatenessSummary;
using timerx_tools::printable;
using timerx_tools::sanitize_utf8;
using timerx_tools::summarize;

} // namespace timerctl

#endif /* TIMERCTL_TOOLS_COMMON_HPP */
