// SPDX-License-Identifier: MIT
/*
 * timerctl: the module's state, loading and unloading, through libkmod
 * (what modprobe and rmmod use).
 */
#ifndef TIMERCTL_KMODULE_HPP
#define TIMERCTL_KMODULE_HPP

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace timerctl {

inline constexpr const char *module_name = "timerx";

struct ModuleState {
	bool loaded = false;
	std::string state; /* live, coming, going, builtin; "" when not loaded */
	std::optional<int> refcnt;
	std::string version; /* /sys/module/timerx/version */
	/* /sys/module/timerx/parameters, by name. */
	std::vector<std::pair<std::string, std::string>> parameters;
	std::string error; /* why libkmod could not tell (then loaded is false) */
};

/* Never throws. */
ModuleState query_module();

/*
 * Loads the module with PARAM=VALUE @params (modprobe semantics:
 * kmod_module_probe_insert_module), from @path when given (else looked up
 * in /lib/modules/$(uname -r)). Returns false when it was loaded already
 * (nothing done). Throws Error: 4 without the privilege, 2 for a
 * parameter the module does not have, 1 otherwise.
 */
bool load_module(const std::optional<std::string> &path, const std::vector<std::string> &params);

/*
 * Unloads it (kmod_module_remove_module). Throws Error: 3 when it is not
 * loaded, 1 when it is in use (open contexts), 4 without the privilege.
 */
void unload_module();

} // namespace timerctl

#endif /* TIMERCTL_KMODULE_HPP */
