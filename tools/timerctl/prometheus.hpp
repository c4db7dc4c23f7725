// SPDX-License-Identifier: MIT
/*
 * The Prometheus text exposition format 0.0.4, for node_exporter's
 * textfile collector.
 */
#ifndef TIMERCTL_PROMETHEUS_HPP
#define TIMERCTL_PROMETHEUS_HPP

#include "tools_common.hpp"

#include <timerx/control.hpp>

#include <cstdint>
#include <ostream>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace timerctl {

/* ------------------------------------------------------------ Prometheus */

/* A label value escaped for the text format (\\, \", \n), valid UTF-8. */
std::string prom_escape_label(std::string_view v);
/* Shortest round-trip representation; +Inf, -Inf, NaN. */
std::string prom_format_double(double v);

using Labels = std::vector<std::pair<std::string, std::string>>;

/*
 * Text exposition format 0.0.4 (node_exporter's textfile collector).
 * Every family is introduced once by begin_family() (# HELP and # TYPE)
 * and its samples follow it without another family in between; starting
 * a family twice is a programming error (std::logic_error).
 */
class PromWriter {
public:
	enum class Type { counter, gauge, histogram };

	explicit PromWriter(std::ostream &out) : out_(out) {}

	void begin_family(std::string_view name, Type type, std::string_view help);
	void sample(const Labels &labels, std::uint64_t v);
	void sample(const Labels &labels, double v);
	/*
	 * @h in seconds: cumulative _bucket{le=...} at the upper bound of
	 * every non-empty bucket (Histogram::bucket_upper), le="+Inf", _sum
	 * and _count. _count is the +Inf bucket: the sum of the bucket counts
	 * (a snapshot's count may differ from it by the expirations in
	 * flight).
	 */
	void histogram(const Labels &labels, const timerx::Histogram &h);

private:
	void write_sample(std::string_view suffix, const Labels &labels,
			  const std::pair<std::string, std::string> *extra, std::string_view value);

	std::ostream &out_;
	std::string family_;
	std::set<std::string, std::less<>> done_;
};

} // namespace timerctl

#endif /* TIMERCTL_PROMETHEUS_HPP */
