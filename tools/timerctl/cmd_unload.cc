// SPDX-License-Identifier: MIT
/* timerctl unload: modprobe -r timerx, refused while contexts are open. */
#include "commands.hpp"

#include <cerrno>
#include <cstring>

namespace timerctl {

namespace {

constexpr OptSpec opts[] = {opt_help};

/* "3 (engine_10k, pid 1234), 4 (...)", or "" when they cannot be listed. */
std::string open_contexts()
{
	timerx::Control c;
	std::vector<timerx::ContextStatus> ctxs;
	if (take(timerx::Control::open(), c) != 0 || take(c.contexts(), ctxs) != 0)
		return {};
	std::string s;
	for (const auto &x : ctxs)
		s += (s.empty() ? "" : ", ") + std::to_string(x.ctx_id) + " (" +
		     printable(x.owner_comm) + ", pid " + std::to_string(x.owner_pid) + ")";
	return s;
}

} // namespace

const std::span<const OptSpec> unload_options{opts};

void parse_unload(const Args &a)
{
	if (!a.positionals.empty())
		throw UsageError("unload takes no arguments");
}

int cmd_unload(const Args &a, Io &io)
{
	parse_unload(a);
	const ModuleState m = query_module();
	if (m.loaded && m.refcnt && *m.refcnt > 0) {
		const std::string ctxs = open_contexts();
		throw Error(exit_failure,
			    "cannot unload timerx: " + std::string(std::strerror(EBUSY)) +
				    " (in use" +
				    (ctxs.empty() ? ": refcnt " + std::to_string(*m.refcnt)
						  : " by contexts " + ctxs) +
				    "; close them first)");
	}
	unload_module();
	io.out << "timerx unloaded\n";
	return exit_ok;
}

} // namespace timerctl
