// SPDX-License-Identifier: GPL-2.0
/*
 * timerx_fuzz: a coverage-guided fuzzer of /dev/timerx, its io_uring
 * commands and its generic netlink family, on libFuzzer.
 *
 * This side is libFuzzer's: it decodes each input into a program
 * (fuzz_prog.h), hands it to the executor child, and turns what came back
 * into libFuzzer's extra counters:
 *  - the module's PCs that the program reached, from KCOV (the pattern of
 *    syzkaller's tools/kcovfuzzer): the kernel's coverage is the signal;
 *  - each op's (kind, command, result) triple: a new errno of a command is
 *    new behaviour even where KCOV is missing (Debian's own kernels).
 * After each program it reads /dev/kmsg: a kernel splat, a dead or hung
 * executor abort()s, and libFuzzer saves the input as crash-<sha1>.
 *
 * Environment: TIMERX_FUZZ_PCS=FILE writes the covered PCs at exit as
 * "section offset" lines, for the host's coverage report.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include <linux/kcov.h>

#include "fuzz_exec.h"

#define NR_COUNTERS	(1 << 16)
#define PC_SET_SIZE	(1 << 17)
#define MAX_SECTIONS	32
#define EXEC_TIMEOUT_MS	10000

/* libFuzzer reads these after every input, as its own coverage. */
__attribute__((section("__libfuzzer_extra_counters")))
static uint8_t counters[NR_COUNTERS];

static struct fz_shared *sh;
static unsigned long *cover;
static int kcov_fd = -1;
static int go_fd, done_fd;
static pid_t executor;
static int kmsg_fd = -1;
static struct timespec started;

static uint64_t pc_set[PC_SET_SIZE];
static unsigned int pcs;

struct section {
	char name[48];
	uint64_t base;
};
static struct section sections[MAX_SECTIONS];
static unsigned int nr_sections;

static const char *const splat_patterns[] = {
	"BUG:", "kernel BUG at", "WARNING:", "cut here", "Oops", "KASAN", "UBSAN",
	"general protection fault", "Kernel panic", "possible recursive locking",
	"possible circular locking", "inconsistent lock state", "Invalid wait context",
	"sleeping function called from invalid context", "scheduling while atomic",
	"INFO: ", "ODEBUG", "list_add corruption", "list_del corruption",
	"detected stall", "blocked for more than", "Call Trace:",
};

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return x;
}

static void bump(uint64_t key)
{
	uint8_t *c = &counters[mix(key) % NR_COUNTERS];

	if (*c != 255)
		(*c)++;
}

static void remember_pc(uint64_t pc)
{
	uint64_t i = mix(pc) % PC_SET_SIZE;

	while (pc_set[i] && pc_set[i] != pc)
		i = (i + 1) % PC_SET_SIZE;
	if (!pc_set[i] && pcs < PC_SET_SIZE / 2) {
		pc_set[i] = pc;
		pcs++;
	}
}

/* The module's sections, from sysfs (root only: the addresses are real). */
static void read_sections(void)
{
	DIR *d = opendir("/sys/module/timerx/sections");
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d)) && nr_sections < MAX_SECTIONS) {
		char path[320];
		FILE *f;
		unsigned long long base;

		if (e->d_name[0] == '.' && (!e->d_name[1] || e->d_name[1] == '.'))
			continue;
		if (strncmp(e->d_name, ".text", 5) && strncmp(e->d_name, ".init.text", 10) &&
		    strncmp(e->d_name, ".exit.text", 10))
			continue;
		snprintf(path, sizeof(path), "/sys/module/timerx/sections/%s", e->d_name);
		f = fopen(path, "r");
		if (f && fscanf(f, "%llx", &base) == 1 && base) {
			snprintf(sections[nr_sections].name, sizeof(sections[0].name), "%s",
				 e->d_name);
			sections[nr_sections++].base = base;
		}
		if (f)
			fclose(f);
	}
	closedir(d);
}

static const struct section *section_of(uint64_t pc)
{
	const struct section *best = NULL;
	unsigned int i;

	for (i = 0; i < nr_sections; i++)
		if (sections[i].base <= pc && (!best || sections[i].base > best->base))
			best = &sections[i];
	/* Nothing of the module is 4 MiB past a section's start. */
	return best && pc - best->base < (4U << 20) ? best : NULL;
}

static double elapsed(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - started.tv_sec) + (now.tv_nsec - started.tv_nsec) / 1e9;
}

static void report(void)
{
	const char *path = getenv("TIMERX_FUZZ_PCS");
	uint64_t fuzzed = sh->calls[FZ_CALL_IOCTL] + sh->calls[FZ_CALL_URING] +
			  sh->calls[FZ_CALL_MMAP] + sh->calls[FZ_CALL_NETLINK];
	double s = elapsed();
	unsigned int i;

	printf("# fuzz: %llu programs, %llu fuzzed calls (ioctl %llu, io_uring %llu, "
	       "mmap %llu, netlink %llu) and %llu others in %.1f s: %.0f fuzzed calls/s\n",
	       (unsigned long long)sh->programs, (unsigned long long)fuzzed,
	       (unsigned long long)sh->calls[FZ_CALL_IOCTL],
	       (unsigned long long)sh->calls[FZ_CALL_URING],
	       (unsigned long long)sh->calls[FZ_CALL_MMAP],
	       (unsigned long long)sh->calls[FZ_CALL_NETLINK],
	       (unsigned long long)sh->calls[FZ_CALL_OTHER], s, s > 0 ? fuzzed / s : 0);
	printf("# fuzz: kcov %s, %u module PCs covered\n", kcov_fd >= 0 ? "on" : "off", pcs);
	if (getenv("TIMERX_FUZZ_PROFILE")) {
		static const char *const names[FZ_NR_KINDS] = {
			"open", "close", "dup", "ioctl", "ioctl_raw", "mmap", "munmap",
			"mremap", "poke", "consume", "read", "poll", "epoll", "uring_setup",
			"uring_cmd", "uring_reap", "uring_reg", "uring_close", "netlink",
			"sleep", "fork", "priv",
		};

		for (i = 0; i < FZ_NR_KINDS; i++)
			if (sh->kind_ops[i])
				printf("# fuzz-profile: %-12s %8llu ops %8.1f us/op %5.1f s\n",
				       names[i], (unsigned long long)sh->kind_ops[i],
				       sh->kind_ns[i] / 1e3 / sh->kind_ops[i], sh->kind_ns[i] / 1e9);
		printf("# fuzz-profile: cleanup      %8llu programs %6.1f us/program\n",
		       (unsigned long long)sh->programs,
		       sh->programs ? sh->cleanup_ns / 1e3 / sh->programs : 0);
	}
	fflush(stdout);
	if (!path)
		return;
	FILE *f = fopen(path, "w");

	if (!f)
		return;
	for (i = 0; i < PC_SET_SIZE; i++) {
		const struct section *sec = pc_set[i] ? section_of(pc_set[i]) : NULL;

		if (sec)
			fprintf(f, "%s %llx\n", sec->name,
				(unsigned long long)(pc_set[i] - sec->base));
	}
	fclose(f);
}

/*
 * The executor is this binary again, exec'd: a fork of libFuzzer's process
 * would carry its whole heap into every fork() the programs make. The
 * shared page is a memfd; the KCOV area is mapped by both before the
 * executor enables it (KCOV maps only before KCOV_ENABLE).
 */
static void start_executor(int memfd)
{
	int go[2], done[2];
	char env[96];

	if (pipe(go) || pipe(done)) {
		perror("fuzz: pipe");
		exit(1);
	}
	snprintf(env, sizeof(env), "%d,%d,%d,%d", memfd, kcov_fd, go[0], done[1]);
	executor = fork();
	if (executor < 0) {
		perror("fuzz: fork");
		exit(1);
	}
	if (!executor) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(go[1]);
		close(done[0]);
		setenv("TIMERX_FUZZ_EXECUTOR", env, 1);
		execl("/proc/self/exe", "timerx_fuzz-executor", (char *)NULL);
		perror("fuzz: exec");
		_exit(127);
	}
	close(go[0]);
	close(done[1]);
	fcntl(go[1], F_SETFD, FD_CLOEXEC);
	fcntl(done[0], F_SETFD, FD_CLOEXEC);
	go_fd = go[1];
	done_fd = done[0];
}

static void *map_shared(int fd)
{
	void *p = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	if (p == MAP_FAILED) {
		perror("fuzz: mmap");
		exit(1);
	}
	return p;
}

static unsigned long *map_cover(int fd)
{
	void *p = mmap(NULL, FZ_COVER_WORDS * sizeof(*cover), PROT_READ | PROT_WRITE,
		       MAP_SHARED, fd, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* In the exec'd executor: take over what start_executor() passed. */
static void become_executor(const char *env)
{
	int memfd, kfd, go, done;

	if (sscanf(env, "%d,%d,%d,%d", &memfd, &kfd, &go, &done) != 4) {
		fprintf(stderr, "fuzz: bad TIMERX_FUZZ_EXECUTOR\n");
		_exit(127);
	}
	fz_exec_main(map_shared(memfd), kfd, kfd >= 0 ? map_cover(kfd) : NULL, go, done);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *exec_env = getenv("TIMERX_FUZZ_EXECUTOR");
	int memfd;

	(void)argc;
	(void)argv;
	if (exec_env)
		become_executor(exec_env);
	clock_gettime(CLOCK_MONOTONIC, &started);
	memfd = memfd_create("timerx-fuzz", 0);
	if (memfd < 0 || ftruncate(memfd, sizeof(*sh))) {
		perror("fuzz: memfd");
		exit(1);
	}
	sh = map_shared(memfd);
	kcov_fd = open("/sys/kernel/debug/kcov", O_RDWR);
	if (kcov_fd >= 0) {
		if (ioctl(kcov_fd, KCOV_INIT_TRACE, FZ_COVER_WORDS) == 0)
			cover = map_cover(kcov_fd);
		if (!cover) {
			perror("fuzz: kcov");
			close(kcov_fd);
			kcov_fd = -1;
		}
	}
	read_sections();
	kmsg_fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (kmsg_fd >= 0)
		lseek(kmsg_fd, 0, SEEK_END);
	signal(SIGPIPE, SIG_IGN);
	start_executor(memfd);
	close(memfd);
	atexit(report);
	return 0;
}

struct reader {
	const uint8_t *p, *end;
};

static uint8_t u8(struct reader *r)
{
	return r->p < r->end ? *r->p++ : 0;
}

static uint16_t u16(struct reader *r)
{
	return u8(r) | (uint16_t)u8(r) << 8;
}

static uint32_t u32(struct reader *r)
{
	return u16(r) | (uint32_t)u16(r) << 16;
}

static uint64_t u64(struct reader *r)
{
	return u32(r) | (uint64_t)u32(r) << 32;
}

static void data(struct reader *r, struct fz_op *op, size_t max)
{
	size_t n = u8(r) % (max + 1);

	if (n > (size_t)(r->end - r->p))
		n = r->end - r->p;
	memcpy(op->data, r->p, n);
	op->len = n;
	r->p += n;
}

/* One op per kind's own layout of bytes; see fuzz_prog.h. */
static void decode_op(struct reader *r, struct fz_op *op)
{
	memset(op, 0, sizeof(*op));
	op->kind = u8(r) % FZ_NR_KINDS;
	switch (op->kind) {
	case FZ_OPEN:
	case FZ_CLOSE:
	case FZ_CONSUME:
		op->slot = u8(r);
		op->mode = u8(r);
		break;
	case FZ_DUP:
		op->slot = u8(r);
		op->slot2 = u8(r);
		break;
	case FZ_IOCTL:
		op->slot = u8(r);
		op->mode = u8(r);
		op->fix = u8(r);
		op->a = u32(r);
		data(r, op, 80);
		break;
	case FZ_IOCTL_RAW:
		op->slot = u8(r);
		op->a = u32(r);
		op->fix = u8(r);
		data(r, op, FZ_MAX_DATA);
		break;
	case FZ_MMAP:
	case FZ_POKE:
		op->slot = u8(r);
		op->mode = u8(r);
		op->fix = u8(r);
		op->a = u32(r);
		op->b = u64(r);
		break;
	case FZ_MUNMAP:
	case FZ_MREMAP:
	case FZ_EPOLL:
	case FZ_POLL:
	case FZ_READ:
		op->slot = u8(r);
		op->mode = u8(r);
		op->fix = u8(r);
		op->a = u16(r);
		break;
	case FZ_URING_SETUP:
	case FZ_URING_REAP:
	case FZ_URING_CLOSE:
		op->slot2 = u8(r);
		op->mode = u8(r);
		op->a = u8(r);
		break;
	case FZ_URING_REG:
		op->slot2 = u8(r);
		op->slot = u8(r);
		break;
	case FZ_URING_CMD:
		op->slot2 = u8(r);
		op->slot = u8(r);
		op->mode = u8(r);
		op->flags = u8(r);
		op->fix = u8(r);
		op->a = u32(r);
		op->b = u32(r);
		data(r, op, 80);
		break;
	case FZ_NETLINK:
		op->mode = u8(r);
		op->flags = u8(r);
		op->fix = u8(r);
		op->a = u16(r);
		data(r, op, FZ_MAX_DATA);
		break;
	case FZ_SLEEP:
		op->a = u16(r);
		break;
	case FZ_FORK:
	case FZ_PRIV:
		op->mode = u8(r);
		op->a = u8(r);
		break;
	}
}

static bool is_splat(const char *line)
{
	size_t i;

	for (i = 0; i < sizeof(splat_patterns) / sizeof(splat_patterns[0]); i++)
		if (strstr(line, splat_patterns[i]))
			return true;
	return false;
}

static void die(const char *why)
{
	fprintf(stderr, "fuzz: %s\n", why);
	/* libFuzzer's deadly-signal handler saves the input. */
	abort();
}

/* New kernel log records since the last program; a splat is fatal. */
static void check_kmsg(void)
{
	char rec[1024];
	bool splat = false;
	ssize_t n;
	int more = 40;

	if (kmsg_fd < 0)
		return;
	while ((n = read(kmsg_fd, rec, sizeof(rec) - 1)) != 0) {
		const char *msg;

		if (n < 0) {
			if (errno == EPIPE)
				continue;	/* overwritten records: go on */
			if (errno != EAGAIN || !splat || more-- <= 0)
				break;
			usleep(20000);	/* the rest of the report */
			continue;
		}
		rec[n] = 0;
		msg = strchr(rec, ';');
		msg = msg ? msg + 1 : rec;
		if (!splat && is_splat(msg)) {
			splat = true;
			fprintf(stderr, "fuzz: kernel splat after this program:\n");
		}
		if (splat)
			fprintf(stderr, "  %s", msg);
	}
	if (splat)
		die("kernel splat");
}

static void run(void)
{
	struct pollfd p = { .fd = done_fd, .events = POLLIN };
	char c = 1;
	int status, ret;

	if (write(go_fd, &c, 1) != 1)
		die("the executor is gone");
	do
		ret = poll(&p, 1, EXEC_TIMEOUT_MS);
	while (ret < 0 && errno == EINTR);
	if (ret == 0) {
		kill(executor, SIGKILL);
		waitpid(executor, &status, 0);
		check_kmsg();
		die("the executor hung for 10 s on this program");
	}
	if (read(done_fd, &c, 1) != 1) {
		waitpid(executor, &status, 0);
		check_kmsg();
		fprintf(stderr, "fuzz: executor status 0x%x\n", status);
		die("the executor died on this program");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *buf, size_t len)
{
	struct reader r = { buf, buf + len };
	uint32_t i, n;

	for (i = 0; i < FZ_MAX_OPS && r.p < r.end; i++)
		decode_op(&r, &sh->ops[i]);
	sh->nops = i;
	run();
	if (cover) {
		n = __atomic_load_n(&cover[0], __ATOMIC_RELAXED);
		if (n >= FZ_COVER_WORDS)
			n = FZ_COVER_WORDS - 1;
		for (i = 1; i <= n; i++) {
			bump(cover[i]);
			remember_pc(cover[i]);
		}
	}
	for (i = 0; i < sh->nops; i++) {
		const struct fz_op *op = &sh->ops[i];

		bump(0x100000000ULL | (uint64_t)op->kind << 24 | (uint64_t)op->mode << 16 |
		     (uint16_t)sh->result[i]);
	}
	check_kmsg();
	return 0;
}
