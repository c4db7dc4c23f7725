// SPDX-License-Identifier: MIT
#include "cli.hpp"

#include "kmodule.hpp"

#include <timerx/control.hpp>

#include <cerrno>
#include <cstring>

namespace timerctl {

/* ------------------------------------------------------------ options */

namespace {

const OptSpec *find_long(std::span<const OptSpec> specs, std::string_view name)
{
	for (const auto &s : specs)
		if (s.name == name)
			return &s;
	return nullptr;
}

const OptSpec *find_short(std::span<const OptSpec> specs, char c)
{
	for (const auto &s : specs)
		if (s.short_name != 0 && s.short_name == c)
			return &s;
	return nullptr;
}

/* An optional value's next-argument form: cyclictest takes "-t 4", not "-t -q". */
bool looks_like_value(const std::string &s)
{
	return !s.empty() && s[0] >= '0' && s[0] <= '9';
}

} // namespace

Args parse_args(std::span<const std::string> argv, std::span<const OptSpec> specs)
{
	Args a;
	bool options_done = false;
	for (std::size_t i = 0; i < argv.size(); ++i) {
		const std::string &arg = argv[i];
		if (options_done || arg.size() < 2 || arg[0] != '-') {
			a.positionals.push_back(arg);
			continue;
		}
		if (arg == "--") {
			options_done = true;
			continue;
		}
		if (arg[1] == '-') {
			std::string_view body = std::string_view(arg).substr(2);
			std::optional<std::string> inline_value;
			if (auto eq = body.find('='); eq != std::string_view::npos) {
				inline_value = std::string(body.substr(eq + 1));
				body = body.substr(0, eq);
			}
			const OptSpec *s = find_long(specs, body);
			if (s == nullptr)
				throw UsageError("unknown option --" + std::string(body));
			if (!s->has_value) {
				if (inline_value)
					throw UsageError("option --" + std::string(body) +
							 " takes no value");
				a.options[std::string(s->name)] = "";
				continue;
			}
			if (!inline_value && s->optional_value) {
				if (i + 1 < argv.size() && looks_like_value(argv[i + 1]))
					inline_value = argv[++i];
				else
					inline_value = "";
			}
			if (!inline_value) {
				if (i + 1 >= argv.size())
					throw UsageError("option --" + std::string(body) +
							 " needs a value");
				inline_value = argv[++i];
			}
			a.options[std::string(s->name)] = *inline_value;
			continue;
		}
		/* -abc: flags, the last (or the first with a value) may take one. */
		for (std::size_t k = 1; k < arg.size(); ++k) {
			const OptSpec *s = find_short(specs, arg[k]);
			if (s == nullptr)
				throw UsageError(std::string("unknown option -") + arg[k]);
			if (!s->has_value) {
				a.options[std::string(s->name)] = "";
				continue;
			}
			std::string v = arg.substr(k + 1);
			if (v.empty() && s->optional_value) {
				if (i + 1 < argv.size() && looks_like_value(argv[i + 1]))
					v = argv[++i];
			} else if (v.empty()) {
				if (i + 1 >= argv.size())
					throw UsageError(std::string("option -") + arg[k] +
							 " needs a value");
				v = argv[++i];
			}
			a.options[std::string(s->name)] = v;
			break;
		}
	}
	return a;
}

Format format_from(const Args &a, bool prometheus_ok)
{
	const bool json = a.has("json");
	const bool prom = prometheus_ok && a.has("prometheus");
	if (json && prom)
		throw UsageError("--json and --prometheus exclude each other");
	if (json)
		return Format::json;
	if (prom)
		return Format::prometheus;
	return Format::text;
}

/* ------------------------------------------------------------ kernel access */

int exit_code_for(int neg_errno, int enoent_code)
{
	switch (-neg_errno) {
	case EPERM:
	case EACCES:
		return exit_permission;
	case ENOENT:
		return enoent_code;
	default:
		return exit_failure;
	}
}

void fail(int neg_errno, const std::string &what, int enoent_code, const std::string &extack)
{
	std::string msg = what + ": " + std::strerror(-neg_errno);
	if (!extack.empty())
		msg += " (" + extack + ")";
	throw Error(exit_code_for(neg_errno, enoent_code), msg);
}

std::string not_loaded_message()
{
	const ModuleState m = query_module();
	if (m.loaded)
		return "timerx module is loaded (" + m.state +
		       ") but its netlink family \"" TIMERX_GENL_NAME
		       "\" is missing: the module is too old or still loading";
	return "timerx module is not loaded (load it: timerctl load, or modprobe timerx)";
}

void open_control(timerx::Control &c)
{
	const int r = take(timerx::Control::open(), c);
	if (r == 0)
		return;
	if (r == -ENOENT)
		throw Error(exit_not_loaded, not_loaded_message());
	fail(r, "cannot open the timerx netlink family");
}

} // namespace timerctl
