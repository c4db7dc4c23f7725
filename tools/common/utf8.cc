// SPDX-License-Identifier: MIT
#include "utf8.hpp"

#include <cstdint>

namespace timerx_tools {

std::string sanitize_utf8(std::string_view s)
{
	static constexpr std::string_view replacement = "\xef\xbf\xbd";
	std::string out;
	out.reserve(s.size());
	std::size_t i = 0;
	while (i < s.size()) {
		const auto c = static_cast<unsigned char>(s[i]);
		std::size_t len = 0;
		std::uint32_t cp = 0;
		std::uint32_t min = 0;
		if (c < 0x80) {
			out += static_cast<char>(c);
			++i;
			continue;
		} else if ((c & 0xe0) == 0xc0) {
			len = 2;
			cp = c & 0x1f;
			min = 0x80;
		} else if ((c & 0xf0) == 0xe0) {
			len = 3;
			cp = c & 0x0f;
			min = 0x800;
		} else if ((c & 0xf8) == 0xf0) {
			len = 4;
			cp = c & 0x07;
			min = 0x10000;
		}
		bool ok = len != 0 && i + len <= s.size();
		for (std::size_t k = 1; ok && k < len; ++k) {
			const auto cc = static_cast<unsigned char>(s[i + k]);
			if ((cc & 0xc0) != 0x80)
				ok = false;
			else
				cp = (cp << 6) | (cc & 0x3f);
		}
		/* Overlong forms, surrogates and values past U+10FFFF are invalid. */
		if (ok && (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)))
			ok = false;
		if (ok) {
			out.append(s.substr(i, len));
			i += len;
		} else {
			out += replacement;
			++i;
		}
	}
	return out;
}

std::string printable(std::string_view s)
{
	std::string out = sanitize_utf8(s);
	for (char &c : out)
		if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
			c = '?';
	return out;
}

std::size_t display_width(std::string_view s)
{
	std::size_t n = 0;
	for (char c : s)
		if ((static_cast<unsigned char>(c) & 0xc0) != 0x80)
			++n;
	return n;
}

} // namespace timerx_tools
