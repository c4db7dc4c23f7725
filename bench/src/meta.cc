// SPDX-License-Identifier: MIT
/*
 * meta: what the numbers of a run depend on (kernel, preemption model,
 * clocksource, virtualisation, CPUs, timer slack, the module's settings),
 * so every report carries its machine.
 */
#include "record.hpp"
#include "sys.hpp"
#include "workloads.hpp"

#include <dirent.h>
#include <sys/prctl.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace bench {

namespace {

/* A word of /proc/cmdline of the form KEY=VALUE. */
std::optional<std::string> cmdline_value(const std::string &cmdline, const std::string &key)
{
	std::istringstream in(cmdline);
	for (std::string word; in >> word;)
		if (word.starts_with(key + "="))
			return word.substr(key.size() + 1);
	return std::nullopt;
}

/* CONFIG_X's value from the kernel's config file, when one is installed. */
std::optional<std::string> kernel_config(const std::string &release, const std::string &option)
{
	const auto text = read_text("/boot/config-" + release);
	if (!text)
		return std::nullopt;
	std::istringstream in(*text);
	for (std::string line; std::getline(in, line);)
		if (line.starts_with(option + "="))
			return line.substr(option.size() + 1);
	return std::nullopt;
}

std::string preempt_model(const std::string &release, const std::string &version)
{
	const auto has = [&](const char *w) {
		std::istringstream in(version);
		for (std::string word; in >> word;)
			if (word == w)
				return true;
		return false;
	};
	if (has("PREEMPT_RT"))
		return "rt";
	if (has("PREEMPT_DYNAMIC")) {
		/* "none voluntary (full) lazy": the current mode is in parentheses. */
		if (const auto modes = read_line("/sys/kernel/debug/sched/preempt")) {
			const auto open = modes->find('('), close = modes->find(')');
			if (open != std::string::npos && close != std::string::npos && close > open)
				return "dynamic:" + modes->substr(open + 1, close - open - 1);
		}
		return "dynamic";
	}
	if (has("PREEMPT"))
		return "full";
	/* uname -v does not tell none from voluntary; the config does, if installed. */
	if (kernel_config(release, "CONFIG_PREEMPT_VOLUNTARY") == "y")
		return "voluntary";
	return "none";
}

std::string virt_kind(const std::string &cmdline)
{
	if (const auto accel = cmdline_value(cmdline, "bench_accel"))
		return *accel;
	const auto vendor = read_line("/sys/class/dmi/id/sys_vendor");
	if (vendor && (vendor->find("QEMU") != std::string::npos ||
		       vendor->find("KVM") != std::string::npos ||
		       vendor->find("VMware") != std::string::npos ||
		       vendor->find("Microsoft") != std::string::npos ||
		       vendor->find("Xen") != std::string::npos ||
		       vendor->find("Amazon EC2") != std::string::npos ||
		       vendor->find("Google") != std::string::npos))
		return "vm:" + *vendor;
	if (const auto cpuinfo = read_text("/proc/cpuinfo")) {
		std::istringstream in(*cpuinfo);
		for (std::string line; std::getline(in, line);) {
			if (!line.starts_with("flags"))
				continue;
			std::istringstream flags(line);
			for (std::string f; flags >> f;)
				if (f == "hypervisor")
					return vendor ? "vm:" + *vendor : "vm";
			break;
		}
	}
	return "bare-metal";
}

std::optional<std::string> cpu_model()
{
	const auto cpuinfo = read_text("/proc/cpuinfo");
	if (!cpuinfo)
		return std::nullopt;
	std::istringstream in(*cpuinfo);
	for (std::string line; std::getline(in, line);) {
		if (!line.starts_with("model name"))
			continue;
		const auto colon = line.find(':');
		if (colon == std::string::npos)
			break;
		auto v = line.substr(colon + 1);
		v.erase(0, v.find_first_not_of(' '));
		return v;
	}
	return std::nullopt;
}

/* A module parameter as JSON: numbers as numbers, Y/N as booleans. */
void json_param(timerx_tools::JsonWriter &w, const std::string &v)
{
	if (v == "Y" || v == "N")
		w.value(v == "Y");
	else if (const auto u = parse_u64(v))
		w.value(*u);
	else if (const auto i = parse_i64(v))
		w.value(*i);
	else
		w.value(v);
}

void json_timerx_params(timerx_tools::JsonWriter &w)
{
	const std::string dir = "/sys/module/timerx/parameters";
	DIR *d = opendir(dir.c_str());
	if (d == nullptr) {
		w.null(); /* the module is not loaded */
		return;
	}
	std::vector<std::string> names;
	while (const dirent *e = readdir(d))
		if (e->d_name[0] != '.')
			names.emplace_back(e->d_name);
	closedir(d);
	std::sort(names.begin(), names.end());
	w.begin_object();
	for (const auto &n : names) {
		w.key(n);
		if (const auto v = read_line(dir + "/" + n))
			json_param(w, *v);
		else
			w.null();
	}
	w.end_object();
}

} // namespace

int run_meta(const Options &)
{
	utsname u{};
	if (uname(&u) != 0) {
		diag_errno("uname");
		return exit_failed;
	}
	const std::string release = u.release, version = u.version;
	const std::string cmdline = read_line("/proc/cmdline").value_or("");
	const int slack = prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0);
	if (slack < 0) {
		diag_errno("prctl(PR_GET_TIMERSLACK)");
		return exit_failed;
	}
	const long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	Record rec("meta", "timerx-bench");
	auto &w = rec.result();
	w.field("kernel", release);
	w.field("version", version);
	w.field("machine", std::string(u.machine));
	w.field("preempt", preempt_model(release, version));
	w.field("clocksource",
		read_line("/sys/devices/system/clocksource/clocksource0/current_clocksource"));
	w.field("virt", virt_kind(cmdline));
	w.field("timer_slack_ns", static_cast<std::int64_t>(slack));
	w.field("cpus", static_cast<std::int64_t>(cpus));
	w.field("cpu_model", cpu_model());
	std::optional<std::uint64_t> hz;
	if (const auto v = kernel_config(release, "CONFIG_HZ"))
		hz = parse_u64(*v);
	w.field("hz", hz);
	w.field("cmdline", cmdline);
	w.key("timerx_params");
	json_timerx_params(w);
	rec.print();
	return 0;
}

} // namespace bench
