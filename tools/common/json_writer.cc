// SPDX-License-Identifier: MIT
#include "json_writer.hpp"

#include "utf8.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace timerx_tools {

std::string json_quote(std::string_view raw)
{
	const std::string s = sanitize_utf8(raw);
	std::string out;
	out.reserve(s.size() + 2);
	out += '"';
	for (char ch : s) {
		const auto c = static_cast<unsigned char>(ch);
		switch (c) {
		case '"':
			out += "\\\"";
			break;
		case '\\':
			out += "\\\\";
			break;
		case '\n':
			out += "\\n";
			break;
		case '\r':
			out += "\\r";
			break;
		case '\t':
			out += "\\t";
			break;
		case '\b':
			out += "\\b";
			break;
		case '\f':
			out += "\\f";
			break;
		default:
			if (c < 0x20 || c == 0x7f) {
				char buf[8];
				std::snprintf(buf, sizeof(buf), "\\u%04x", c);
				out += buf;
			} else {
				out += ch;
			}
		}
	}
	out += '"';
	return out;
}

void JsonWriter::before_value()
{
	if (after_key_) {
		after_key_ = false;
		return;
	}
	if (stack_.empty()) {
		if (wrote_)
			throw std::logic_error("json: a second top-level value");
		return;
	}
	if (stack_.back().first == 'o')
		throw std::logic_error("json: a value in an object needs a key");
	if (stack_.back().second)
		out_ << ',';
	stack_.back().second = true;
}

JsonWriter &JsonWriter::key(std::string_view k)
{
	if (stack_.empty() || stack_.back().first != 'o' || after_key_)
		throw std::logic_error("json: a key outside an object");
	if (stack_.back().second)
		out_ << ',';
	stack_.back().second = true;
	out_ << json_quote(k) << ':';
	after_key_ = true;
	return *this;
}

JsonWriter &JsonWriter::begin_object()
{
	before_value();
	out_ << '{';
	stack_.emplace_back('o', false);
	return *this;
}

JsonWriter &JsonWriter::end_object()
{
	if (stack_.empty() || stack_.back().first != 'o' || after_key_)
		throw std::logic_error("json: end_object without an open object");
	stack_.pop_back();
	out_ << '}';
	wrote_ = true;
	return *this;
}

JsonWriter &JsonWriter::begin_array()
{
	before_value();
	out_ << '[';
	stack_.emplace_back('a', false);
	return *this;
}

JsonWriter &JsonWriter::end_array()
{
	if (stack_.empty() || stack_.back().first != 'a')
		throw std::logic_error("json: end_array without an open array");
	stack_.pop_back();
	out_ << ']';
	wrote_ = true;
	return *this;
}

JsonWriter &JsonWriter::value(std::string_view v)
{
	before_value();
	out_ << json_quote(v);
	wrote_ = true;
	return *this;
}

JsonWriter &JsonWriter::value(bool v)
{
	before_value();
	out_ << (v ? "true" : "false");
	wrote_ = true;
	return *this;
}

JsonWriter &JsonWriter::value(std::uint64_t v)
{
	before_value();
	out_ << v;
	wrote_ = true;
	return *this;
}

JsonWriter &JsonWriter::value(std::int64_t v)
{
	before_value();
	out_ << v;
	wrote_ = true;
	return *this;
}

JsonWriter &JsonWriter::value(double v)
{
	if (!std::isfinite(v))
		return null();
	before_value();
	char buf[64];
	auto r = std::to_chars(buf, buf + sizeof(buf), v);
	out_ << std::string_view(buf, static_cast<std::size_t>(r.ptr - buf));
	wrote_ = true;
	return *this;
}

JsonWriter &JsonWriter::null()
{
	before_value();
	out_ << "null";
	wrote_ = true;
	return *this;
}

} // namespace timerx_tools
