// SPDX-License-Identifier: MIT
/* timerctl: the dispatch table, help texts and the top-level argument handling. */
#include "commands.hpp"

#include <timerx/version.hpp>

#include <cctype>
#include <exception>
#include <iomanip>
#include <new>

namespace timerctl {

namespace {

constexpr std::string_view exit_status_text =
	"Exit status:\n"
	"  0  success\n"
	"  1  failure\n"
	"  2  usage error (bad command, option, key or value)\n"
	"  3  the timerx module is not loaded\n"
	"  4  permission denied\n"
	"  5  no such context or timer\n";

int run_help(const Args &a, Io &io);

constexpr OptSpec help_opts[] = {opt_help};

/* Function-local: built on first use, after every command's option table. */
std::span<const Command> table_of_commands()
{
	static const Command table[] = {
		{"status", "module state, versions, settings and totals",
		 "status [-j | --prometheus]",
		 "Whether the module is loaded (libkmod: state, reference count), its version and\n"
		 "UAPI version, its settings (netlink CONFIG_GET) and module parameters\n"
		 "(/sys/module/timerx/parameters), and the totals since it was loaded: contexts,\n"
		 "timers, fires, expirations, events, ring-full events and the global lateness\n"
		 "percentiles.\n",
		 status_options, cmd_status},
		{"list", "the visible contexts, one per line (-t: with their timers)",
		 "list [-t] [-j | --prometheus]",
		 "One line per context you may see (all of them with CAP_SYS_ADMIN, else those\n"
		 "opened with your uid): ID, PID, COMM, UID, TIMERS, RING (used/size), EVENTS,\n"
		 "RING_FULL, WAKEUPS and the p99 lateness. With -t each context's timers follow "
		 "it.\n",
		 list_options, cmd_list},
		{"show", "one context in detail, with its timers", "show CTX [-j | --prometheus]",
		 "Context CTX's owner, ring, counters and lateness, and a table of its timers:\n"
		 "id, clock, flags (soft, hard, pinned), pinned CPU, period, state, time to the\n"
		 "next expiry, fires, overruns, events, pending expirations and lateness\n"
		 "p50/p99/max.\n"
		 "Exit status 5 when there is no such context (or you may not see it).\n",
		 show_options, cmd_show},
		{"hist", "a lateness histogram: global, of a context or of a timer",
		 "hist [CTX[:TIMER]] [-w COLUMNS] [-j | --prometheus]",
		 "Without an argument the module's histogram (every timer since it was loaded),\n"
		 "with CTX the context's, with CTX:TIMER the timer's (timers created while\n"
		 "'histograms' was on). Prints count, min, mean, max, p50, p90, p99, p99.9 and "
		 "one\n"
		 "row per non-empty bucket: its range [from, to), a bar scaled to the largest\n"
		 "count, and the count.\n",
		 hist_options, cmd_hist},
		{"config", "print or change the module's settings", "config [-j] [KEY=VALUE...]",
		 "Without arguments prints every setting as KEY=VALUE. With arguments applies "
		 "them\n"
		 "in one request, all or nothing (needs CAP_SYS_ADMIN), and prints the result.\n"
		 "Keys:\n"
		 "  max_timers_per_ctx=N   timers per context, 1..1048576\n"
		 "  max_ring_entries=N     largest ring, a power of two, 2..1048576\n"
		 "  min_period_ns=TIME     shortest period without CAP_SYS_NICE, 0..1s\n"
		 "  histograms=on|off      per-timer histograms for new timers (also 1/0, "
		 "true/false)\n"
		 "  alarm_lateness_ns=TIME lateness that raises a lateness_alarm, 0 (off)..10s\n"
		 "  alarm_interval_ms=TIME at most one alarm per context per interval, 1..3600000\n"
		 "  max_contexts_per_user=N contexts one user may hold, 1..1048576\n"
		 "  max_timers_per_user=N  timers one user may hold in all contexts, 1..16777216\n"
		 "  max_user_rate=N        expirations per second of one user's periodic timers,\n"
		 "                         1..10000000000\n"
		 "TIME is a number in the key's unit, or with a unit: ns, us, ms, s (50us, "
		 "1.5ms).\n"
		 "An unknown key or a bad value is a usage error (exit 2); nothing is sent then.\n",
		 config_options, cmd_config},
		{"monitor", "print the module's notifications as they come",
		 "monitor [-j] [-c N] [-t SEC]",
		 "Subscribes to the monitor group (needs CAP_SYS_ADMIN) and prints one line per\n"
		 "notification: time, kind (ctx_new, ctx_del, overflow, lateness_alarm), context\n"
		 "and details; with -j one JSON object per line. Runs until SIGINT or SIGTERM\n"
		 "(exit 0), N notifications, or SEC seconds (with -c, fewer than N is a "
		 "failure).\n",
		 monitor_options, cmd_monitor},
		{"latency", "measure timer latency, like cyclictest",
		 "latency [-i US] [-d US] [-l N | -D TIME] [-t N] [-a CPULIST] [-p PRIO] [-m]\n"
		 "                [-h US] [-q] [-j] [--mode poll|uring|epoll] [--clock CLOCK] "
		 "[--soft]",
		 "cyclictest (rt-tests) with timerx timers: thread k owns a context with one\n"
		 "periodic timer of interval -i + k * -d, armed on an absolute grid, and waits\n"
		 "for its events by busy-polling the ring (poll), io_uring (uring) or epoll on\n"
		 "the context (epoll). For every event it measures the total lateness (seen by\n"
		 "the thread - expected) and its parts: kernel (hrtimer callback - expected) and\n"
		 "delivery (seen - callback). Prints cyclictest's per-thread lines (us: Min, Act,\n"
		 "Avg, Max of the total), live while it runs (redrawn on a terminal, once a\n"
		 "second otherwise; on stderr with -j), then a table of the percentiles of all\n"
		 "three and the overruns. -h adds cyclictest's histogram and footer; -j prints\n"
		 "one JSON line instead. Runs until -l cycles per thread, -D, SIGINT or SIGTERM;\n"
		 "results are printed in every case (exit 0). Note: -h is the histogram here,\n"
		 "help is --help.\n",
		 latency_options, cmd_latency},
		{"load", "load the module (modprobe semantics)",
		 "load [-p FILE.ko] [PARAM=VALUE...]",
		 "Loads timerx through libkmod, like modprobe: found in /lib/modules/$(uname -r),\n"
		 "or the file FILE.ko with --path; options from /etc/modprobe.d apply, then\n"
		 "PARAM=VALUE (checked against the module's parameters). Nothing happens when it\n"
		 "is loaded already. Needs CAP_SYS_MODULE.\n",
		 load_options, cmd_load},
		{"unload", "unload the module (refused while in use)", "unload",
		 "Unloads timerx (modprobe -r). Refused, with the open contexts listed, while any\n"
		 "process holds /dev/timerx open. Needs CAP_SYS_MODULE. Exit status 3 when it is\n"
		 "not loaded.\n",
		 unload_options, cmd_unload},
		{"help", "help on a command", "help [COMMAND]", "", help_opts, run_help},
	};
	return table;
}

int run_help(const Args &a, Io &io)
{
	if (a.positionals.empty()) {
		print_usage(io.out);
		return exit_ok;
	}
	if (a.positionals.size() > 1)
		throw UsageError("help takes one command");
	const Command *c = find_command(a.positionals[0]);
	if (c == nullptr)
		throw UsageError("unknown command: " + a.positionals[0]);
	print_command_help(io.out, *c);
	return exit_ok;
}

void print_version(std::ostream &out)
{
	const timerx::Version v = timerx::version();
	out << "timerctl " << TIMERX_VERSION_MAJOR << '.' << TIMERX_VERSION_MINOR << '.'
	    << TIMERX_VERSION_PATCH << " (libtimerx " << v.major << '.' << v.minor << '.' << v.patch
	    << ", timerx UAPI " << TIMERX_API_VERSION << ")\n";
}

} // namespace

std::span<const Command> commands()
{
	return table_of_commands();
}

const Command *find_command(std::string_view name)
{
	for (const auto &c : commands())
		if (c.name == name)
			return &c;
	return nullptr;
}

void print_usage(std::ostream &out)
{
	out << "usage: timerctl [-h | --help] [--version] COMMAND [ARGS...]\n\n"
	       "Inspect and administer the timerx kernel module.\n\n"
	       "Commands:\n";
	for (const auto &c : commands())
		out << "  " << std::left << std::setw(9) << c.name << c.summary << '\n';
	out << "\nOutput: -j/--json for status, list, show, hist, config and monitor;\n"
	       "--prometheus (text format 0.0.4) for status, list, show and hist.\n\n"
	    << exit_status_text
	    << "\n'timerctl help COMMAND' or 'timerctl COMMAND --help' shows a command's "
	       "options;\nsee timerctl(8).\n";
}

void print_command_help(std::ostream &out, const Command &c)
{
	std::string summary(c.summary);
	if (!summary.empty())
		summary[0] =
			static_cast<char>(std::toupper(static_cast<unsigned char>(summary[0])));
	out << "usage: timerctl " << c.synopsis << "\n\n" << summary << ".\n";
	if (!c.details.empty())
		out << '\n' << c.details;
	out << "\nOptions:\n";
	for (const auto &o : c.options) {
		std::string flags =
			o.short_name != 0 ? std::string("-") + o.short_name + ", " : "    ";
		flags += "--" + std::string(o.name);
		if (o.has_value)
			flags += " " + std::string(o.value_name);
		out << "  " << std::left << std::setw(22) << flags << o.help << '\n';
	}
	out << '\n' << exit_status_text;
}

int run_timerctl(std::span<const std::string> argv, Io &io)
{
	const Command *cmd = nullptr;
	try {
		std::size_t i = 0;
		for (; i < argv.size() && !argv[i].empty() && argv[i][0] == '-'; ++i) {
			if (argv[i] == "-h" || argv[i] == "--help") {
				print_usage(io.out);
				return exit_ok;
			}
			if (argv[i] == "--version" || argv[i] == "-V") {
				print_version(io.out);
				return exit_ok;
			}
			throw UsageError("unknown option " + argv[i] + " (before the command)");
		}
		if (i == argv.size())
			throw UsageError("no command given");
		cmd = find_command(argv[i]);
		if (cmd == nullptr)
			throw UsageError("unknown command: " + argv[i]);
		const Args a = parse_args(argv.subspan(i + 1), cmd->options);
		if (a.has("help")) {
			print_command_help(io.out, *cmd);
			return exit_ok;
		}
		return cmd->run(a, io);
	} catch (const UsageError &e) {
		io.err << "timerctl: " << e.what() << '\n';
		if (cmd != nullptr && cmd->name != "help")
			io.err << "Try 'timerctl " << cmd->name << " --help'.\n";
		else
			io.err << "Try 'timerctl --help'.\n";
		return exit_usage;
	} catch (const Error &e) {
		io.err << "timerctl: " << e.what() << '\n';
		return e.code();
	} catch (const std::bad_alloc &) {
		io.err << "timerctl: out of memory\n";
		return exit_failure;
	} catch (const std::exception &e) {
		io.err << "timerctl: " << e.what() << '\n';
		return exit_failure;
	}
}

} // namespace timerctl
