/* SPDX-License-Identifier: MIT */
/*
 * The only atomic operations libtimerx performs on the shared ring, named
 * after the UAPI's memory-ordering rules (include/uapi/linux/timerx.h):
 *
 *   kernel:  write event at slot(tail); store-release hdr->tail
 *   user:    load_acquire(&hdr->tail); read events in [head, tail)
 *   user:    store_release(&hdr->head, new head) after reading the events
 *   kernel:  load-acquire hdr->head before reusing a slot
 *
 * std::atomic_ref is the C++20 spelling of __atomic_load_n()/__atomic_store_n()
 * on memory that is not a std::atomic (the kernel's header is plain __u32s).
 */
#ifndef TIMERX_DETAIL_ATOMIC_HPP
#define TIMERX_DETAIL_ATOMIC_HPP

#include <atomic>
#include <cstdint>

namespace timerx::detail {

static_assert(std::atomic_ref<std::uint32_t>::is_always_lock_free);

/* Pairs with the producer's store-release of the same counter. */
[[nodiscard]] inline std::uint32_t load_acquire(const std::uint32_t *p) noexcept
{
	return std::atomic_ref<std::uint32_t>(*const_cast<std::uint32_t *>(p))
		.load(std::memory_order_acquire);
}

/* A field only this side writes (our own head), or a flag word. */
[[nodiscard]] inline std::uint32_t load_relaxed(const std::uint32_t *p) noexcept
{
	return std::atomic_ref<std::uint32_t>(*const_cast<std::uint32_t *>(p))
		.load(std::memory_order_relaxed);
}

/* Pairs with the other side's load-acquire: everything before is visible. */
inline void store_release(std::uint32_t *p, std::uint32_t v) noexcept
{
	std::atomic_ref<std::uint32_t>(*p).store(v, std::memory_order_release);
}

inline void store_relaxed(std::uint32_t *p, std::uint32_t v) noexcept
{
	std::atomic_ref<std::uint32_t>(*p).store(v, std::memory_order_relaxed);
}

/*
 * Going to sleep (Dekker-style: we write a flag, then read the other
 * side's counter): a seq_cst read-modify-write is a full barrier (a locked
 * instruction on x86), so the flag is visible before the re-check that
 * follows reads anything, and seq_cst loads for that re-check.
 */
inline void clear_bits_seq_cst(std::uint32_t *p, std::uint32_t bits) noexcept
{
	std::atomic_ref<std::uint32_t>(*p).fetch_and(~bits, std::memory_order_seq_cst);
}

[[nodiscard]] inline std::uint32_t load_seq_cst(const std::uint32_t *p) noexcept
{
	return std::atomic_ref<std::uint32_t>(*const_cast<std::uint32_t *>(p))
		.load(std::memory_order_seq_cst);
}

/* A spin-wait hint: lets the sibling hyperthread run, saves power. */
inline void cpu_relax() noexcept
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	asm volatile("yield" ::: "memory");
#else
	std::atomic_signal_fence(std::memory_order_seq_cst);
#endif
}

} // namespace timerx::detail

#endif /* TIMERX_DETAIL_ATOMIC_HPP */
