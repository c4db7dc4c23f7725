// SPDX-License-Identifier: MIT
/*
 * The PM QoS CPU latency request cyclictest makes: 0 written to
 * /dev/cpu_dma_latency keeps every CPU out of deep C-states (their exit
 * latency would be measured as timer latency) for as long as the file
 * stays open; closing it drops the request. `timerctl latency` holds one
 * for its run unless --laptop.
 */
#ifndef TIMERCTL_CPU_DMA_LATENCY_HPP
#define TIMERCTL_CPU_DMA_LATENCY_HPP

#include <cstdint>
#include <string>

namespace timerctl {

inline constexpr const char *cpu_dma_latency_path = "/dev/cpu_dma_latency";

class CpuDmaLatency {
public:
	/*
	 * Opens @path and writes @us (as the kernel wants it: a binary s32).
	 * Failing (no such file, not root) is not an error: held() is false
	 * and error() says why, as cyclictest only warns.
	 */
	explicit CpuDmaLatency(std::int32_t us = 0, const std::string &path = cpu_dma_latency_path);
	~CpuDmaLatency();
	CpuDmaLatency(const CpuDmaLatency &) = delete;
	CpuDmaLatency &operator=(const CpuDmaLatency &) = delete;

	[[nodiscard]] bool held() const noexcept { return fd_ >= 0; }
	[[nodiscard]] const std::string &error() const noexcept { return error_; }

private:
	int fd_ = -1;
	std::string error_;
};

} // namespace timerctl

#endif /* TIMERCTL_CPU_DMA_LATENCY_HPP */
