// SPDX-License-Identifier: MIT
#include "json_pretty.hpp"

namespace timerx_tools {

void JsonPrettyBuf::newline()
{
	target_.put('\n');
	for (std::size_t i = 0; i < depth_; ++i)
		target_.write("    ", 4);
}

void JsonPrettyBuf::put(char c)
{
	if (in_string_) {
		target_.put(c);
		if (escaped_)
			escaped_ = false;
		else if (c == '\\')
			escaped_ = true;
		else if (c == '"')
			in_string_ = false;
		return;
	}
	const bool closing = c == '}' || c == ']';
	if (opened_) {
		opened_ = false;
		if (closing) {
			--depth_;
			target_.put(c);
			return;
		}
		newline();
	}
	switch (c) {
	case '"':
		in_string_ = true;
		target_.put(c);
		break;
	case '{':
	case '[':
		target_.put(c);
		++depth_;
		opened_ = true;
		break;
	case '}':
	case ']':
		if (depth_ > 0)
			--depth_;
		newline();
		target_.put(c);
		break;
	case ',':
		target_.put(c);
		if (depth_ > 0)
			newline();
		break;
	case ':':
		target_.write(": ", 2);
		break;
	default:
		target_.put(c);
	}
}

JsonPrettyBuf::int_type JsonPrettyBuf::overflow(int_type c)
{
	if (traits_type::eq_int_type(c, traits_type::eof()))
		return traits_type::not_eof(c);
	put(traits_type::to_char_type(c));
	return target_ ? c : traits_type::eof();
}

std::streamsize JsonPrettyBuf::xsputn(const char *s, std::streamsize n)
{
	for (std::streamsize i = 0; i < n; ++i)
		put(s[i]);
	return target_ ? n : 0;
}

int JsonPrettyBuf::sync()
{
	target_.flush();
	return target_ ? 0 : -1;
}

} // namespace timerx_tools
