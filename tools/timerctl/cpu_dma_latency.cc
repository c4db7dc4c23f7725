// SPDX-License-Identifier: MIT
#include "cpu_dma_latency.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace timerctl {

CpuDmaLatency::CpuDmaLatency(std::int32_t us, const std::string &path)
{
	fd_ = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
	if (fd_ < 0) {
		error_ = "cannot open " + path + ": " + std::strerror(errno);
		return;
	}
	if (::write(fd_, &us, sizeof(us)) != static_cast<ssize_t>(sizeof(us))) {
		error_ = "cannot write " + path + ": " + std::strerror(errno);
		::close(fd_);
		fd_ = -1;
	}
}

CpuDmaLatency::~CpuDmaLatency()
{
	if (fd_ >= 0)
		::close(fd_);
}

} // namespace timerctl
