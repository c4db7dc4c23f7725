// SPDX-License-Identifier: MIT
#include "sys.hpp"
#include "workloads.hpp"

namespace bench {

int run_w3(const Options &)
{
	diag("w3: not implemented yet");
	return exit_failed;
}

} // namespace bench
