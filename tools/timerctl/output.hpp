// SPDX-License-Identifier: MIT
/*
 * timerctl output helpers: human units, aligned tables, a streaming JSON
 * writer, the Prometheus text exposition format (0.0.4) and the terminal
 * histogram. All of it works on plain data, so it is tested without the
 * module.
 */
#ifndef TIMERCTL_OUTPUT_HPP
#define TIMERCTL_OUTPUT_HPP

#include <timerx/control.hpp>

#include <cstdint>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace timerctl {

/* ------------------------------------------------------------ units */

/* 850ns, 12.3µs, 1.25ms, 2.50s: three significant digits. */
std::string format_duration_ns(std::uint64_t ns);
/* The same for a signed value ("-1.20ms"). */
std::string format_signed_duration_ns(std::int64_t ns);
/* A count with thousands grouping off: plain decimal. */
std::string format_count(std::uint64_t n);

/* Valid UTF-8 with every invalid byte replaced by U+FFFD. */
std::string sanitize_utf8(std::string_view s);
/* For text output: sanitize_utf8() and control characters as '?'. */
std::string printable(std::string_view s);

/* ------------------------------------------------------------ tables */

class Table {
public:
	enum class Align { left, right };
	struct Column {
		std::string name;
		Align align = Align::left;
	};

	explicit Table(std::vector<Column> columns);

	void add_row(std::vector<std::string> cells);
	[[nodiscard]] std::size_t rows() const noexcept { return rows_.size(); }

	/* The header and row @i, aligned over every row, without newline. */
	[[nodiscard]] std::string header() const;
	[[nodiscard]] std::string row(std::size_t i) const;
	/* Header and all rows, each line prefixed with @indent. */
	void print(std::ostream &out, std::string_view indent = "") const;

private:
	[[nodiscard]] std::string line(const std::vector<std::string> &cells) const;
	void append_line(std::string &out, const std::vector<std::string> &cells) const;

	std::vector<Column> columns_;
	std::vector<std::vector<std::string>> rows_;
	/* Per column: the widest of its name and its cells so far. */
	std::vector<std::size_t> widths_;
};

/* Display width of @s in terminal columns (UTF-8 code points). */
std::size_t display_width(std::string_view s);

/* ------------------------------------------------------------ JSON */

/* @s as a JSON string literal, quotes included; invalid UTF-8 -> U+FFFD. */
std::string json_quote(std::string_view s);

/*
 * Streaming JSON writer: commas and nesting are its business. Compact
 * output (one line); the caller adds the final newline.
 */
class JsonWriter {
public:
	explicit JsonWriter(std::ostream &out) : out_(out) {}

	JsonWriter &begin_object();
	JsonWriter &end_object();
	JsonWriter &begin_array();
	JsonWriter &end_array();
	JsonWriter &key(std::string_view k);

	JsonWriter &value(std::string_view v);
	JsonWriter &value(const char *v) { return value(std::string_view(v)); }
	JsonWriter &value(const std::string &v) { return value(std::string_view(v)); }
	JsonWriter &value(bool v);
	JsonWriter &value(std::uint64_t v);
	JsonWriter &value(std::int64_t v);
	JsonWriter &value(std::uint32_t v) { return value(static_cast<std::uint64_t>(v)); }
	JsonWriter &value(std::int32_t v) { return value(static_cast<std::int64_t>(v)); }
	JsonWriter &value(double v); /* NaN and infinities: null */
	JsonWriter &null();

	template <typename T>
	JsonWriter &field(std::string_view k, const T &v)
	{
		key(k);
		return value(v);
	}
	template <typename T>
	JsonWriter &field(std::string_view k, const std::optional<T> &v)
	{
		key(k);
		return v ? value(*v) : null();
	}

	/* True when every object and array was closed. */
	[[nodiscard]] bool complete() const noexcept { return stack_.empty() && wrote_; }

private:
	void before_value();

	std::ostream &out_;
	/* One entry per open container: 'o' or 'a', and whether it has members. */
	std::vector<std::pair<char, bool>> stack_;
	bool after_key_ = false;
	bool wrote_ = false;
};

/* ------------------------------------------------------------ histograms */

/* What every output shows of a lateness histogram. */
struct HistSummary {
	std::uint64_t count = 0;
	std::uint64_t sum_ns = 0;
	std::uint64_t min_ns = 0;
	std::uint64_t mean_ns = 0;
	std::uint64_t max_ns = 0;
	std::uint64_t p50_ns = 0;
	std::uint64_t p90_ns = 0;
	std::uint64_t p99_ns = 0;
	std::uint64_t p999_ns = 0;
};

HistSummary summarize(const timerx::Histogram &h);

/* "count":..,"sum_ns":..,"min_ns":.., ... p999_ns as members of the open object. */
void json_hist_summary_fields(JsonWriter &w, const timerx::Histogram &h);
/*
 * "sub_bits", "nr_buckets" and "buckets": [{index, lower_ns, upper_ns (one
 * past the last value; null for the open-ended last bucket), count}] as
 * members of the open object.
 */
void json_hist_bucket_fields(JsonWriter &w, const timerx::Histogram &h);
/* The summary as an object, with the bucket fields when @with_buckets. */
void json_hist(JsonWriter &w, const timerx::Histogram &h, bool with_buckets);

/* "p50 4.10µs  p99 30.2µs  p99.9 120µs  max 1.20ms" or "no samples". */
std::string hist_one_line(const timerx::Histogram &h);

/*
 * The terminal histogram: a summary (count/min/mean/max, percentiles) and
 * one row per non-empty bucket: its range, a bar scaled to the largest
 * count (@bar_width columns) and the count. With @max_rows (0: no limit)
 * and more non-empty buckets than that, runs of adjacent non-empty buckets
 * share a row (as evenly as possible), so a wide distribution still fits
 * a screen; the percentiles above are always from the full resolution.
 */
void render_hist_text(std::ostream &out, const timerx::Histogram &h, unsigned bar_width = 40,
		      std::size_t max_rows = 0);

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

#endif /* TIMERCTL_OUTPUT_HPP */
