// SPDX-License-Identifier: MIT
/* timerctl load [--path FILE.ko] [PARAM=VALUE...]: modprobe timerx. */
#include "commands.hpp"

namespace timerctl {

namespace {

constexpr OptSpec opts[] = {
	opt_help,
	{"path", 'p', true, "FILE.ko", "load this file instead of looking the module up"}};

bool valid_param_name(std::string_view s)
{
	if (s.empty())
		return false;
	for (char c : s)
		if (!(c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9')))
			return false;
	return true;
}

} // namespace

const std::span<const OptSpec> load_options{opts};

LoadOptions parse_load(const Args &a)
{
	LoadOptions o;
	o.path = a.value("path");
	if (o.path && o.path->empty())
		throw UsageError("--path needs a file");
	for (const auto &p : a.positionals) {
		const auto eq = p.find('=');
		if (eq == std::string::npos || !valid_param_name(std::string_view(p).substr(0, eq)))
			throw UsageError("not PARAM=VALUE: " + p);
		if (p.find_first_of(" \t\n\"") != std::string::npos)
			throw UsageError("no spaces or quotes in module parameters: " + p);
		o.params.push_back(p);
	}
	return o;
}

int cmd_load(const Args &a, Io &io)
{
	const LoadOptions o = parse_load(a);
	if (!load_module(o.path, o.params)) {
		if (!o.params.empty())
			io.err << "timerctl: timerx is already loaded; parameters not applied "
				  "(change settings with timerctl config, or unload first)\n";
		else
			io.out << "timerx is already loaded\n";
		return exit_ok;
	}
	const ModuleState m = query_module();
	io.out << "timerx " << m.version << " loaded\n";
	return exit_ok;
}

} // namespace timerctl
