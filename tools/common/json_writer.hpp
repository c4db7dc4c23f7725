// SPDX-License-Identifier: MIT
/*
 * A streaming JSON writer (RFC 8259): commas, nesting and escaping are its
 * business, and its output is valid UTF-8 whatever bytes it is given.
 * Misuse (a value without a key in an object, a second top-level value,
 * an unbalanced end) throws std::logic_error.
 */
#ifndef TIMERX_TOOLS_JSON_WRITER_HPP
#define TIMERX_TOOLS_JSON_WRITER_HPP

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace timerx_tools {

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

} // namespace timerx_tools

#endif /* TIMERX_TOOLS_JSON_WRITER_HPP */
