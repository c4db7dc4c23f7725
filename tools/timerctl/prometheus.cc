// SPDX-License-Identifier: MIT
#include "prometheus.hpp"

#include <charconv>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace timerctl {

/* ------------------------------------------------------------ Prometheus */

std::string prom_escape_label(std::string_view raw)
{
	const std::string s = sanitize_utf8(raw);
	std::string out;
	out.reserve(s.size());
	for (char c : s) {
		if (c == '\\')
			out += "\\\\";
		else if (c == '"')
			out += "\\\"";
		else if (c == '\n')
			out += "\\n";
		else
			out += c;
	}
	return out;
}

std::string prom_format_double(double v)
{
	if (std::isnan(v))
		return "NaN";
	if (std::isinf(v))
		return v > 0 ? "+Inf" : "-Inf";
	char buf[64];
	auto r = std::to_chars(buf, buf + sizeof(buf), v);
	return std::string(buf, static_cast<std::size_t>(r.ptr - buf));
}

namespace {

/* HELP text escaping: backslash and newline only. */
std::string prom_escape_help(std::string_view s)
{
	std::string out;
	for (char c : sanitize_utf8(s)) {
		if (c == '\\')
			out += "\\\\";
		else if (c == '\n')
			out += "\\n";
		else
			out += c;
	}
	return out;
}

const char *type_name(PromWriter::Type t)
{
	switch (t) {
	case PromWriter::Type::counter:
		return "counter";
	case PromWriter::Type::gauge:
		return "gauge";
	case PromWriter::Type::histogram:
		return "histogram";
	}
	return "untyped";
}

} // namespace

void PromWriter::begin_family(std::string_view name, Type type, std::string_view help)
{
	if (done_.find(name) != done_.end())
		throw std::logic_error("prometheus: family " + std::string(name) +
				       " started twice");
	done_.emplace(name);
	family_ = std::string(name);
	out_ << "# HELP " << name << ' ' << prom_escape_help(help) << '\n';
	out_ << "# TYPE " << name << ' ' << type_name(type) << '\n';
}

void PromWriter::write_sample(std::string_view suffix, const Labels &labels,
			      const std::pair<std::string, std::string> *extra,
			      std::string_view value)
{
	if (family_.empty())
		throw std::logic_error("prometheus: a sample before any family");
	out_ << family_ << suffix;
	if (!labels.empty() || extra != nullptr) {
		out_ << '{';
		bool first = true;
		for (const auto &[k, v] : labels) {
			out_ << (first ? "" : ",") << k << "=\"" << prom_escape_label(v) << '"';
			first = false;
		}
		if (extra != nullptr)
			out_ << (first ? "" : ",") << extra->first << "=\""
			     << prom_escape_label(extra->second) << '"';
		out_ << '}';
	}
	out_ << ' ' << value << '\n';
}

void PromWriter::sample(const Labels &labels, std::uint64_t v)
{
	write_sample("", labels, nullptr, std::to_string(v));
}

void PromWriter::sample(const Labels &labels, double v)
{
	write_sample("", labels, nullptr, prom_format_double(v));
}

void PromWriter::histogram(const Labels &labels, const timerx::Histogram &h)
{
	std::uint64_t cumulative = 0;
	for (const auto &b : h.buckets) {
		cumulative += b.count;
		const std::uint64_t upper =
			timerx::Histogram::bucket_upper(b.index, h.sub_bits, h.nr_buckets);
		/* The open-ended last bucket is the +Inf one. */
		if (upper == std::numeric_limits<std::uint64_t>::max())
			continue;
		const std::pair<std::string, std::string> le{
			"le", prom_format_double(static_cast<double>(upper) / 1e9)};
		write_sample("_bucket", labels, &le, std::to_string(cumulative));
	}
	const std::pair<std::string, std::string> inf{"le", "+Inf"};
	write_sample("_bucket", labels, &inf, std::to_string(cumulative));
	write_sample("_sum", labels, nullptr,
		     prom_format_double(static_cast<double>(h.sum_ns) / 1e9));
	write_sample("_count", labels, nullptr, std::to_string(cumulative));
}

} // namespace timerctl
