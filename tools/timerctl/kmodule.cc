// SPDX-License-Identifier: MIT
#include "kmodule.hpp"

#include "cli.hpp"

#include <libkmod.h>
#include <sys/utsname.h>

#include <algorithm>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>

namespace timerctl {

namespace {

struct CtxDeleter {
	void operator()(kmod_ctx *c) const noexcept { kmod_unref(c); }
};
struct ModDeleter {
	void operator()(kmod_module *m) const noexcept { kmod_module_unref(m); }
};
struct ListDeleter {
	void operator()(kmod_list *l) const noexcept { kmod_module_unref_list(l); }
};
struct InfoDeleter {
	void operator()(kmod_list *l) const noexcept { kmod_module_info_free_list(l); }
};
using Ctx = std::unique_ptr<kmod_ctx, CtxDeleter>;
using Mod = std::unique_ptr<kmod_module, ModDeleter>;

/* libkmod's own messages: kept for error reports instead of going to stderr. */
void log_to_string(void *data, int, const char *, int, const char *, const char *format,
		   va_list args)
{
	char buf[512];
	std::vsnprintf(buf, sizeof(buf), format, args);
	std::string &last = *static_cast<std::string *>(data);
	last = buf;
	while (!last.empty() && (last.back() == '\n' || last.back() == ' '))
		last.pop_back();
}

Ctx new_ctx(std::string *log)
{
	Ctx ctx(kmod_new(nullptr, nullptr));
	if (ctx && log != nullptr)
		kmod_set_log_fn(ctx.get(), log_to_string, log);
	return ctx;
}

std::string read_line(const std::filesystem::path &p)
{
	std::ifstream f(p);
	std::string s;
	std::getline(f, s);
	return s;
}

std::string kernel_release()
{
	utsname u{};
	if (uname(&u) != 0)
		return "?";
	return u.release;
}

bool in_kernel(int initstate)
{
	return initstate == KMOD_MODULE_LIVE || initstate == KMOD_MODULE_COMING ||
	       initstate == KMOD_MODULE_GOING || initstate == KMOD_MODULE_BUILTIN;
}

/* The parameter names in the module's modinfo ("parm" entries), if readable. */
std::optional<std::set<std::string>> param_names(kmod_module *mod)
{
	kmod_list *raw = nullptr;
	if (kmod_module_get_info(mod, &raw) < 0)
		return std::nullopt;
	std::unique_ptr<kmod_list, InfoDeleter> list(raw);
	std::set<std::string> names;
	kmod_list *l = nullptr;
	kmod_list_foreach(l, list.get())
	{
		const char *key = kmod_module_info_get_key(l);
		const char *value = kmod_module_info_get_value(l);
		if (key == nullptr || value == nullptr)
			continue;
		if (std::strcmp(key, "parm") == 0 || std::strcmp(key, "parmtype") == 0) {
			std::string v = value;
			names.insert(v.substr(0, v.find(':')));
		}
	}
	return names;
}

} // namespace

ModuleState query_module()
{
	ModuleState s;
	std::string log;
	Ctx ctx = new_ctx(&log);
	if (!ctx) {
		s.error = "libkmod: cannot create a context";
		return s;
	}
	kmod_module *raw = nullptr;
	if (int r = kmod_module_new_from_name(ctx.get(), module_name, &raw); r < 0) {
		s.error = std::string("libkmod: ") + std::strerror(-r);
		return s;
	}
	Mod mod(raw);
	const int st = kmod_module_get_initstate(mod.get());
	if (st < 0) {
		if (st != -ENOENT)
			s.error = std::string("libkmod: initstate: ") + std::strerror(-st);
		return s;
	}
	s.loaded = in_kernel(st);
	const char *name = kmod_module_initstate_str(static_cast<kmod_module_initstate>(st));
	s.state = name != nullptr ? name : "unknown";
	if (const int rc = kmod_module_get_refcnt(mod.get()); rc >= 0)
		s.refcnt = rc;

	const std::filesystem::path sys = std::filesystem::path("/sys/module") / module_name;
	s.version = read_line(sys / "version");
	std::error_code ec;
	for (const auto &e : std::filesystem::directory_iterator(sys / "parameters", ec))
		s.parameters.emplace_back(e.path().filename().string(), read_line(e.path()));
	std::sort(s.parameters.begin(), s.parameters.end());
	return s;
}

bool load_module(const std::optional<std::string> &path, const std::vector<std::string> &params)
{
	std::string log;
	Ctx ctx = new_ctx(&log);
	if (!ctx)
		throw Error(exit_failure, "libkmod: cannot create a context");
	kmod_module *raw = nullptr;
	if (path) {
		if (int r = kmod_module_new_from_path(ctx.get(), path->c_str(), &raw); r < 0)
			fail(r, "cannot use " + *path);
	} else {
		kmod_list *found = nullptr;
		const int r = kmod_module_new_from_lookup(ctx.get(), module_name, &found);
		std::unique_ptr<kmod_list, ListDeleter> list(found);
		if (r < 0)
			fail(r, "cannot look up the timerx module", exit_failure, log);
		if (!list)
			throw Error(exit_failure,
				    "module timerx not found in /lib/modules/" + kernel_release() +
					    " (give the file: timerctl load --path FILE.ko)");
		raw = kmod_module_get_module(list.get());
	}
	Mod mod(raw);
	if (std::string(kmod_module_get_name(mod.get())) != module_name)
		throw Error(exit_failure, "not the timerx module: " +
						  std::string(kmod_module_get_name(mod.get())));
	if (in_kernel(kmod_module_get_initstate(mod.get())))
		return false;

	if (!params.empty()) {
		if (auto known = param_names(mod.get())) {
			for (const auto &p : params) {
				const std::string name = p.substr(0, p.find('='));
				if (known->count(name) == 0) {
					std::string list;
					for (const auto &k : *known)
						list += (list.empty() ? "" : ", ") + k;
					throw Error(exit_usage, "timerx has no parameter " + name +
									" (it has: " + list + ")");
				}
			}
		}
	}
	std::string options;
	for (const auto &p : params)
		options += (options.empty() ? "" : " ") + p;

	const int r = kmod_module_probe_insert_module(mod.get(), KMOD_PROBE_IGNORE_LOADED,
						      options.empty() ? nullptr : options.c_str(),
						      nullptr, nullptr, nullptr);
	if (r == -EEXIST)
		return false;
	if (r < 0) {
		std::string why;
		switch (-r) {
		case EPERM:
		case EACCES:
			why = "needs CAP_SYS_MODULE";
			break;
		case ENOEXEC:
			why = "invalid module format: built for another kernel?";
			break;
		case ENOENT:
			why = "unknown symbol or parameter, see dmesg";
			break;
		case EINVAL:
			why = "invalid parameters, see dmesg";
			break;
		default:
			why = log;
		}
		fail(r, "cannot load timerx", exit_failure, why);
	}
	return true;
}

void unload_module()
{
	std::string log;
	Ctx ctx = new_ctx(&log);
	if (!ctx)
		throw Error(exit_failure, "libkmod: cannot create a context");
	kmod_module *raw = nullptr;
	if (int r = kmod_module_new_from_name(ctx.get(), module_name, &raw); r < 0)
		fail(r, "libkmod");
	Mod mod(raw);
	const int st = kmod_module_get_initstate(mod.get());
	if (st == KMOD_MODULE_BUILTIN)
		throw Error(exit_failure, "timerx is built into the kernel: it cannot be unloaded");
	if (!in_kernel(st))
		throw Error(exit_not_loaded, "timerx module is not loaded");
	const int refcnt = kmod_module_get_refcnt(mod.get());
	if (refcnt > 0)
		throw Error(exit_failure,
			    "cannot unload timerx: " + std::string(std::strerror(EBUSY)) +
				    " (in use: refcnt " + std::to_string(refcnt) +
				    "; close its contexts first)");
	const int r = kmod_module_remove_module(mod.get(), 0);
	if (r == 0)
		return;
	switch (-r) {
	case EBUSY:
	case EAGAIN:
		throw Error(exit_failure,
			    "cannot unload timerx: " + std::string(std::strerror(EBUSY)) +
				    " (in use; close its contexts first)");
	case ENOENT:
		throw Error(exit_not_loaded, "timerx module is not loaded");
	case EPERM:
	case EACCES:
		fail(r, "cannot unload timerx", exit_failure, "needs CAP_SYS_MODULE");
	default:
		fail(r, "cannot unload timerx", exit_failure, log);
	}
}

} // namespace timerctl
