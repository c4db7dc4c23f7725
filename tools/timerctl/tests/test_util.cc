// SPDX-License-Identifier: MIT
#include "test_util.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <sstream>

namespace timerctl::test {

/* ------------------------------------------------------------ JSON */

bool Json::has(const std::string &k) const
{
	for (const auto &[name, v] : members)
		if (name == k)
			return true;
	return false;
}

const Json &Json::operator[](const std::string &k) const
{
	if (type != Type::object)
		throw std::runtime_error("not an object (looking for " + k + ")");
	for (const auto &[name, v] : members)
		if (name == k)
			return v;
	throw std::runtime_error("no member " + k);
}

bool Json::is_integer() const
{
	return type == Type::number && number.find_first_of(".eE-") == std::string::npos;
}

std::uint64_t Json::u64() const
{
	if (!is_integer())
		throw std::runtime_error("not a non-negative integer: " + number);
	return std::stoull(number);
}

std::vector<std::string> Json::keys() const
{
	std::vector<std::string> k;
	for (const auto &m : members)
		k.push_back(m.first);
	return k;
}

namespace {

class Parser {
public:
	explicit Parser(const std::string &s) : s_(s) {}

	Json document()
	{
		Json v = value();
		ws();
		if (i_ != s_.size())
			fail("trailing characters");
		return v;
	}

private:
	[[noreturn]] void fail(const std::string &why)
	{
		throw std::runtime_error("JSON: " + why + " at offset " + std::to_string(i_));
	}
	void ws()
	{
		while (i_ < s_.size() &&
		       (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r'))
			++i_;
	}
	bool eat(char c)
	{
		ws();
		if (i_ < s_.size() && s_[i_] == c) {
			++i_;
			return true;
		}
		return false;
	}
	void expect(char c)
	{
		if (!eat(c))
			fail(std::string("expected '") + c + "'");
	}
	bool literal(const char *w)
	{
		const std::string word = w;
		if (s_.compare(i_, word.size(), word) == 0) {
			i_ += word.size();
			return true;
		}
		return false;
	}

	Json value()
	{
		ws();
		if (i_ >= s_.size())
			fail("unexpected end");
		Json v;
		const char c = s_[i_];
		if (c == '{') {
			++i_;
			v.type = Json::Type::object;
			if (eat('}'))
				return v;
			std::set<std::string> seen;
			do {
				ws();
				std::string k = string();
				if (!seen.insert(k).second)
					fail("duplicate key " + k);
				expect(':');
				v.members.emplace_back(k, value());
			} while (eat(','));
			expect('}');
		} else if (c == '[') {
			++i_;
			v.type = Json::Type::array;
			if (eat(']'))
				return v;
			do
				v.items.push_back(value());
			while (eat(','));
			expect(']');
		} else if (c == '"') {
			v.type = Json::Type::string;
			v.str = string();
		} else if (literal("true")) {
			v.type = Json::Type::boolean;
			v.b = true;
		} else if (literal("false")) {
			v.type = Json::Type::boolean;
		} else if (literal("null")) {
			v.type = Json::Type::null;
		} else {
			v.type = Json::Type::number;
			v.number = number();
		}
		return v;
	}

	std::string number()
	{
		/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
		const std::size_t start = i_;
		auto digits = [this] {
			const std::size_t d = i_;
			while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9')
				++i_;
			return i_ - d;
		};
		if (i_ < s_.size() && s_[i_] == '-')
			++i_;
		if (i_ < s_.size() && s_[i_] == '0')
			++i_;
		else if (digits() == 0)
			fail("bad value");
		if (i_ < s_.size() && s_[i_] == '.') {
			++i_;
			if (digits() == 0)
				fail("bad fraction");
		}
		if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
			++i_;
			if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-'))
				++i_;
			if (digits() == 0)
				fail("bad exponent");
		}
		return s_.substr(start, i_ - start);
	}

	static void put_utf8(std::string &out, std::uint32_t cp)
	{
		if (cp < 0x80) {
			out += static_cast<char>(cp);
		} else if (cp < 0x800) {
			out += static_cast<char>(0xc0 | (cp >> 6));
			out += static_cast<char>(0x80 | (cp & 0x3f));
		} else if (cp < 0x10000) {
			out += static_cast<char>(0xe0 | (cp >> 12));
			out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
			out += static_cast<char>(0x80 | (cp & 0x3f));
		} else {
			out += static_cast<char>(0xf0 | (cp >> 18));
			out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
			out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
			out += static_cast<char>(0x80 | (cp & 0x3f));
		}
	}

	std::string string()
	{
		if (i_ >= s_.size() || s_[i_] != '"')
			fail("expected a string");
		++i_;
		std::string out;
		while (true) {
			if (i_ >= s_.size())
				fail("unterminated string");
			const auto c = static_cast<unsigned char>(s_[i_++]);
			if (c == '"')
				break;
			if (c < 0x20)
				fail("raw control character in a string");
			if (c != '\\') {
				out += static_cast<char>(c);
				continue;
			}
			if (i_ >= s_.size())
				fail("unterminated escape");
			const char e = s_[i_++];
			switch (e) {
			case '"':
			case '\\':
			case '/':
				out += e;
				break;
			case 'b':
				out += '\b';
				break;
			case 'f':
				out += '\f';
				break;
			case 'n':
				out += '\n';
				break;
			case 'r':
				out += '\r';
				break;
			case 't':
				out += '\t';
				break;
			case 'u': {
				if (i_ + 4 > s_.size())
					fail("short \\u escape");
				const std::string hex = s_.substr(i_, 4);
				if (hex.find_first_not_of("0123456789abcdefABCDEF") !=
				    std::string::npos)
					fail("bad \\u escape");
				i_ += 4;
				put_utf8(out,
					 static_cast<std::uint32_t>(std::stoul(hex, nullptr, 16)));
				break;
			}
			default:
				fail("bad escape");
			}
		}
		return out;
	}

	const std::string &s_;
	std::size_t i_ = 0;
};

/* Valid UTF-8 (no overlong forms, no surrogates). */
bool valid_utf8(const std::string &s)
{
	std::size_t i = 0;
	while (i < s.size()) {
		const auto c = static_cast<unsigned char>(s[i]);
		std::size_t len = c < 0x80             ? 1
				  : (c & 0xe0) == 0xc0 ? 2
				  : (c & 0xf0) == 0xe0 ? 3
				  : (c & 0xf8) == 0xf0 ? 4
						       : 0;
		if (len == 0 || i + len > s.size())
			return false;
		std::uint32_t cp = len == 1   ? c
				   : len == 2 ? (c & 0x1f)
				   : len == 3 ? (c & 0x0f)
					      : (c & 0x07);
		for (std::size_t k = 1; k < len; ++k) {
			const auto cc = static_cast<unsigned char>(s[i + k]);
			if ((cc & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (cc & 0x3f);
		}
		static constexpr std::uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
		if (cp < min[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += len;
	}
	return true;
}

} // namespace

Json parse_json(const std::string &text)
{
	if (!valid_utf8(text))
		throw std::runtime_error("JSON: not valid UTF-8");
	return Parser(text).document();
}

/* ------------------------------------------------------------ Prometheus */

namespace {

bool parse_prom_float(const std::string &v, double &out)
{
	if (v == "+Inf") {
		out = std::numeric_limits<double>::infinity();
		return true;
	}
	if (v == "-Inf") {
		out = -std::numeric_limits<double>::infinity();
		return true;
	}
	if (v == "NaN") {
		out = std::numeric_limits<double>::quiet_NaN();
		return true;
	}
	/* [-+]?(digits[.digits*]|.digits)([eE][-+]?digits)? */
	std::size_t i = 0, intd = 0, fracd = 0;
	auto digits = [&v, &i] {
		const std::size_t d = i;
		while (i < v.size() && v[i] >= '0' && v[i] <= '9')
			++i;
		return i - d;
	};
	if (i < v.size() && (v[i] == '+' || v[i] == '-'))
		++i;
	intd = digits();
	if (i < v.size() && v[i] == '.') {
		++i;
		fracd = digits();
	}
	if (intd == 0 && fracd == 0)
		return false;
	if (i < v.size() && (v[i] == 'e' || v[i] == 'E')) {
		++i;
		if (i < v.size() && (v[i] == '+' || v[i] == '-'))
			++i;
		if (digits() == 0)
			return false;
	}
	if (i != v.size())
		return false;
	out = std::strtod(v.c_str(), nullptr);
	return true;
}

/* [a-zA-Z_:][a-zA-Z0-9_:]* for metrics, without ':' for labels. */
bool valid_name(const std::string &n, bool colon)
{
	if (n.empty() || (n[0] >= '0' && n[0] <= '9'))
		return false;
	for (char c : n)
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || (colon && c == ':')))
			return false;
	return true;
}

struct Sample {
	std::string name;
	std::vector<std::pair<std::string, std::string>> labels;
	std::string value;
};

/* name{a="x",b="y"} value; label values with \\ \" \n escapes. */
bool parse_sample(const std::string &line, Sample &s, std::string &why)
{
	std::size_t i = 0;
	while (i < line.size() && line[i] != '{' && line[i] != ' ')
		++i;
	s.name = line.substr(0, i);
	if (!valid_name(s.name, true)) {
		why = "bad metric name";
		return false;
	}
	if (i < line.size() && line[i] == '{') {
		++i;
		while (i < line.size() && line[i] != '}') {
			std::size_t eq = line.find('=', i);
			if (eq == std::string::npos) {
				why = "label without =";
				return false;
			}
			std::string lname = line.substr(i, eq - i);
			if (!valid_name(lname, false)) {
				why = "bad label name '" + lname + "'";
				return false;
			}
			i = eq + 1;
			if (i >= line.size() || line[i] != '"') {
				why = "label value not quoted";
				return false;
			}
			++i;
			std::string val;
			while (i < line.size() && line[i] != '"') {
				if (line[i] == '\\') {
					if (i + 1 >= line.size()) {
						why = "dangling backslash";
						return false;
					}
					const char e = line[i + 1];
					if (e == '\\' || e == '"')
						val += e;
					else if (e == 'n')
						val += '\n';
					else {
						why = "bad escape in label value";
						return false;
					}
					i += 2;
					continue;
				}
				val += line[i++];
			}
			if (i >= line.size()) {
				why = "unterminated label value";
				return false;
			}
			++i; /* closing quote */
			s.labels.emplace_back(lname, val);
			if (i < line.size() && line[i] == ',')
				++i;
		}
		if (i >= line.size()) {
			why = "unterminated label set";
			return false;
		}
		++i; /* } */
	}
	if (i >= line.size() || line[i] != ' ') {
		why = "no space before the value";
		return false;
	}
	s.value = line.substr(i + 1);
	double d = 0;
	if (!parse_prom_float(s.value, d)) {
		why = "bad value '" + s.value + "'";
		return false;
	}
	return true;
}

std::string label_key(std::vector<std::pair<std::string, std::string>> labels)
{
	labels.erase(std::remove_if(labels.begin(), labels.end(),
				    [](const auto &l) { return l.first == "le"; }),
		     labels.end());
	std::sort(labels.begin(), labels.end());
	std::string k;
	for (const auto &[n, v] : labels)
		k += n + "=" + v + ";";
	return k;
}

} // namespace

std::string check_exposition(const std::string &text)
{
	if (!text.empty() && text.back() != '\n')
		return "does not end with a newline";
	if (!valid_utf8(text))
		return "not valid UTF-8";
	std::set<std::string> families_done;
	std::string family, type;
	bool have_help = false;
	std::set<std::string> series_seen;
	/* Per histogram series: last cumulative count and le, +Inf, _count. */
	struct HistState {
		double last_le = -1;
		double last_count = -1;
		std::optional<double> inf;
		std::optional<double> count;
		bool sum = false;
	};
	std::map<std::string, HistState> hists;
	std::size_t n = 0;
	for (const auto &line : lines(text)) {
		++n;
		const std::string where = "line " + std::to_string(n) + " (" + line + "): ";
		if (line.rfind("# HELP ", 0) == 0) {
			const std::string rest = line.substr(7);
			const std::string name = rest.substr(0, rest.find(' '));
			if (!families_done.insert(name).second)
				return where + "family " + name + " introduced twice";
			family = name;
			type.clear();
			have_help = true;
			continue;
		}
		if (line.rfind("# TYPE ", 0) == 0) {
			std::istringstream is(line.substr(7));
			std::string name, t, extra;
			is >> name >> t;
			if (is >> extra)
				return where + "junk after the type";
			if (name != family || !have_help)
				return where + "TYPE without its HELP line before it";
			if (t != "counter" && t != "gauge" && t != "histogram" && t != "summary" &&
			    t != "untyped")
				return where + "unknown type " + t;
			type = t;
			continue;
		}
		if (line.empty() || line[0] == '#')
			return where + "unexpected comment or empty line";
		Sample s;
		std::string why;
		if (!parse_sample(line, s, why))
			return where + why;
		if (type.empty())
			return where + "sample before its family's TYPE";
		std::string suffix;
		if (type == "histogram") {
			for (const char *suf : {"_bucket", "_sum", "_count"})
				if (s.name == family + suf)
					suffix = suf;
			if (suffix.empty())
				return where + "not a sample of histogram " + family;
		} else if (s.name != family) {
			return where + "sample outside its family " + family;
		}
		std::string series = s.name + "|" + label_key(s.labels);
		bool has_le = false;
		for (const auto &l : s.labels)
			if (l.first == "le") {
				has_le = true;
				series += "|le=" + l.second;
			}
		if (!series_seen.insert(series).second)
			return where + "duplicate series";
		double v = 0;
		parse_prom_float(s.value, v);
		if (type == "counter" && !(v >= 0))
			return where + "negative counter";
		if (type != "histogram")
			continue;
		HistState &h = hists[family + "|" + label_key(s.labels)];
		if (suffix == "_bucket") {
			if (!has_le)
				return where + "bucket without le";
			double le = 0;
			for (const auto &l : s.labels)
				if (l.first == "le" && !parse_prom_float(l.second, le))
					return where + "bad le";
			if (h.inf)
				return where + "bucket after +Inf";
			if (!(le > h.last_le))
				return where + "le not ascending";
			if (v < h.last_count)
				return where + "buckets not cumulative";
			h.last_le = le;
			h.last_count = v;
			if (std::isinf(le))
				h.inf = v;
		} else if (suffix == "_count") {
			if (!h.inf)
				return where + "_count before the +Inf bucket";
			if (v != *h.inf)
				return where + "_count differs from the +Inf bucket";
			h.count = v;
		} else {
			h.sum = true;
		}
	}
	for (const auto &[k, h] : hists)
		if (!h.inf || !h.count || !h.sum)
			return "histogram " + k + " lacks +Inf, _sum or _count";
	return {};
}

/* ------------------------------------------------------------ histograms */

std::uint64_t uapi_bucket_lower(std::uint32_t b)
{
	constexpr std::uint32_t S = TIMERX_HIST_SUB_BITS;
	if (b < (1U << S))
		return b;
	const std::uint32_t e = b / (1U << S) + S - 1;
	return (1ULL << e) + static_cast<std::uint64_t>(b % (1U << S)) * (1ULL << (e - S));
}

std::uint64_t uapi_bucket_upper(std::uint32_t b)
{
	if (b + 1 >= TIMERX_HIST_BUCKETS)
		return std::numeric_limits<std::uint64_t>::max();
	return uapi_bucket_lower(b + 1);
}

std::uint32_t uapi_bucket_of(std::uint64_t v)
{
	constexpr std::uint32_t S = TIMERX_HIST_SUB_BITS;
	if (v >= (1ULL << TIMERX_HIST_MAX_LOG2))
		return TIMERX_HIST_BUCKETS - 1;
	if (v < (1ULL << S))
		return static_cast<std::uint32_t>(v);
	const auto e = static_cast<std::uint32_t>(63 - __builtin_clzll(v));
	return (e - S + 1) * (1U << S) +
	       static_cast<std::uint32_t>((v >> (e - S)) & ((1U << S) - 1));
}

timerx::Histogram make_hist(const std::vector<std::uint64_t> &values)
{
	timerx::Histogram h;
	std::map<std::uint32_t, std::uint64_t> counts;
	for (std::uint64_t v : values) {
		++counts[uapi_bucket_of(v)];
		h.sum_ns += v;
	}
	h.count = values.size();
	if (!values.empty()) {
		h.min_ns = *std::min_element(values.begin(), values.end());
		h.max_ns = *std::max_element(values.begin(), values.end());
	}
	for (const auto &[idx, c] : counts)
		h.buckets.push_back(timerx_hist_bucket{idx, 0, c});
	return h;
}

std::vector<std::string> lines(const std::string &s)
{
	std::vector<std::string> out;
	std::istringstream is(s);
	std::string l;
	while (std::getline(is, l))
		out.push_back(l);
	return out;
}

} // namespace timerctl::test
