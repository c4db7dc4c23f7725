// SPDX-License-Identifier: MIT
/*
 * timerctl: the operator's tool for the timerx kernel module. The commands
 * are in cmd_*.cc, their table in dispatch.cc; see timerctl(8).
 */
#include "cli.hpp"

#include <iostream>
#include <string>
#include <vector>

int main(int argc, char **argv)
{
	const std::vector<std::string> args(argv + 1, argv + argc);
	timerctl::Io io{std::cout, std::cerr};
	int rc = timerctl::run_timerctl(args, io);
	std::cout.flush();
	if (!std::cout && rc == timerctl::exit_ok) {
		std::cerr << "timerctl: write error on standard output\n";
		rc = timerctl::exit_failure;
	}
	return rc;
}
