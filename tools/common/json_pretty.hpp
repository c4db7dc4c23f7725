// SPDX-License-Identifier: MIT
/*
 * Pretty-printed JSON (timerctl -p, as `bpftool -p` and `ip -j -p`): an
 * output stream that re-indents the compact JSON JsonWriter writes through
 * it, four spaces per level, as it comes, so that streamed output (JSON
 * Lines) stays streamed. Anything between top-level values (the newline
 * after each) passes unchanged. It relies on its input being compact:
 * whitespace outside strings is copied as is.
 */
#ifndef TIMERX_TOOLS_JSON_PRETTY_HPP
#define TIMERX_TOOLS_JSON_PRETTY_HPP

#include <cstddef>
#include <ostream>
#include <streambuf>

namespace timerx_tools {

class JsonPrettyBuf : public std::streambuf {
public:
	explicit JsonPrettyBuf(std::ostream &target) : target_(target) {}

protected:
	int_type overflow(int_type c) override;
	std::streamsize xsputn(const char *s, std::streamsize n) override;
	int sync() override;

private:
	void put(char c);
	void newline();

	std::ostream &target_;
	std::size_t depth_ = 0;
	bool in_string_ = false;
	bool escaped_ = false;
	/* After { or [: the newline waits, an empty container stays "{}". */
	bool opened_ = false;
};

/* An ostream over a JsonPrettyBuf. */
class JsonPrettyStream : public std::ostream {
public:
	explicit JsonPrettyStream(std::ostream &target) : std::ostream(nullptr), buf_(target)
	{
		rdbuf(&buf_);
	}

private:
	JsonPrettyBuf buf_;
};

} // namespace timerx_tools

#endif /* TIMERX_TOOLS_JSON_PRETTY_HPP */
