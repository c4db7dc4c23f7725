// SPDX-License-Identifier: MIT
#include "sys.hpp"
#include "workloads.hpp"

namespace bench {

int run_w4(const Options &)
{
	diag("w4: not implemented yet");
	return exit_failed;
}

} // namespace bench
