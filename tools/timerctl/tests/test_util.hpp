// SPDX-License-Identifier: MIT
/*
 * Helpers for timerctl's unit tests: a small strict JSON parser (to check
 * that output is valid JSON and look at its values), a checker of the
 * Prometheus text exposition format, and hand-made histograms.
 */
#ifndef TIMERCTL_TEST_UTIL_HPP
#define TIMERCTL_TEST_UTIL_HPP

#include <timerx/control.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace timerctl::test {

struct Json {
	enum class Type { null, boolean, number, string, array, object };
	Type type = Type::null;
	bool b = false;
	std::string number; /* the literal, exactly as written */
	std::string str;
	std::vector<Json> items;
	std::vector<std::pair<std::string, Json>> members; /* in order */

	[[nodiscard]] bool has(const std::string &k) const;
	[[nodiscard]] const Json &operator[](const std::string &k) const; /* throws */
	[[nodiscard]] const Json &operator[](std::size_t i) const { return items.at(i); }
	[[nodiscard]] bool is_integer() const; /* a number without '.', 'e' or '-' */
	[[nodiscard]] std::uint64_t u64() const;
	[[nodiscard]] std::vector<std::string> keys() const;
};

/* Strict RFC 8259 (one value, nothing after it but whitespace); throws. */
Json parse_json(const std::string &text);

/*
 * "" when @text is a well-formed exposition (0.0.4): HELP and TYPE once per
 * family and before its samples, samples of a family contiguous and named
 * after it (histograms: _bucket with le, _sum, _count), label syntax and
 * escapes, float values; histograms cumulative, ending in le="+Inf" equal
 * to _count. Else the first problem.
 */
std::string check_exposition(const std::string &text);

/* Bounds per the UAPI formula, independently of the library. */
std::uint64_t uapi_bucket_lower(std::uint32_t b);
std::uint64_t uapi_bucket_upper(std::uint32_t b); /* UINT64_MAX for the last */
std::uint32_t uapi_bucket_of(std::uint64_t v);

/* A histogram of @values (ns), filled per the UAPI layout. */
timerx::Histogram make_hist(const std::vector<std::uint64_t> &values);

/* Lines of @s. */
std::vector<std::string> lines(const std::string &s);

} // namespace timerctl::test

#endif /* TIMERCTL_TEST_UTIL_HPP */
