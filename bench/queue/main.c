// SPDX-License-Identifier: GPL-2.0
/*
 * qbench: candidate timer queues for timerx's per-context queue, on the
 * operations a timer queue does (README.md).
 *
 *   qbench list
 *   qbench test [--q Q] [--ops M] [--seeds K] [--seed S]
 *	randomized comparison of every queue with a sorted-array
 *	reference; TAP, exit status 1 on any failure
 *   qbench run --q Q --w W --n N [--ops M] [--budget B] [--seed S] [--dump-passes]
 *	set up, then run the measured function once (*_qd_measure: what
 *	callgrind --toggle-collect counts); one line of results
 *   qbench time --q Q --w W --n N [--ops M] [--budget B] [--reps R]
 *	wall-clock ns per operation of the measured function, R runs
 *	(secondary: this machine is shared)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bt.h"

const char *const workload_names[W_NR] = {
	[W_ARM_CANCEL_FAR] = "arm_cancel_far",
	[W_ARM_CANCEL] = "arm_cancel",
	[W_POSTPONE] = "postpone",
	[W_EXPIRE] = "expire",
	[W_ARM_CANCEL_PEEK] = "peek",
	[W_BURST] = "burst",
	[W_STEP_BACK] = "step_back",
};

static const struct qimpl *const impls[] = {
	&rbq_impl, &heap4_impl, &heap4k_impl, &wheel_impl, &sset_impl,
};

static void usage(void)
{
	fprintf(stderr,
		"usage: qbench list\n"
		"       qbench test [--q Q] [--ops M] [--seeds K] [--seed S]\n"
		"       qbench run  --q Q --w W --n N [--ops M] [--budget B] [--seed S] [--dump-passes]\n"
		"       qbench time --q Q --w W --n N [--ops M] [--budget B] [--reps R]\n");
	exit(2);
}

static u64 num(const char *s)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || end == s) {
		fprintf(stderr, "qbench: not a number: %s\n", s);
		exit(2);
	}
	return v;
}

static const struct qimpl *find_impl(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(impls); i++)
		if (!strcmp(impls[i]->name, name))
			return impls[i];
	fprintf(stderr, "qbench: no queue %s (qbench list)\n", name);
	exit(2);
}

static enum workload find_workload(const char *name)
{
	int w;

	for (w = 0; w < W_NR; w++)
		if (!strcmp(workload_names[w], name))
			return w;
	fprintf(stderr, "qbench: no workload %s (qbench list)\n", name);
	exit(2);
}

static u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static int do_test(const struct qimpl *only, u64 ops, u64 seeds, u64 seed)
{
	char why[512];
	size_t i;
	u64 s;
	int failed = 0, n = 0;

	printf("TAP version 13\n1..%zu\n", only ? 1 : ARRAY_SIZE(impls));
	for (i = 0; i < ARRAY_SIZE(impls); i++) {
		const struct qimpl *q = impls[i];
		int bad = 0;

		if (only && q != only)
			continue;
		for (s = 0; s < seeds && !bad; s++) {
			why[0] = 0;
			if (q->test(seed + s, ops, why, sizeof(why))) {
				printf("not ok %d - %s agrees with the reference "
				       "(%llu random operations, seed %llu)\n",
				       ++n, q->name, (unsigned long long)ops,
				       (unsigned long long)(seed + s));
				printf("# %s\n", why);
				bad = 1;
			}
		}
		if (!bad)
			printf("ok %d - %s agrees with the reference (%llu seeds x %llu random "
			       "operations from seed %llu)\n", ++n, q->name,
			       (unsigned long long)seeds, (unsigned long long)ops,
			       (unsigned long long)seed);
		failed |= bad;
	}
	return failed;
}

static int do_run(const struct qimpl *q, struct run *r, bool quiet)
{
	if (q->setup(r)) {
		fprintf(stderr, "qbench: cannot set up %s/%s n=%u\n", q->name,
			workload_names[r->w], r->n);
		return 1;
	}
	q->measure(r);
	if (!quiet)
		printf("q=%s w=%s n=%u ops=%llu budget=%u done=%llu passes=%llu "
		       "empty_passes=%llu reprograms=%llu fired=%llu checksum=%llu\n",
		       q->name, workload_names[r->w], r->n, (unsigned long long)r->ops,
		       r->budget, (unsigned long long)r->done,
		       (unsigned long long)r->passes, (unsigned long long)r->empty_passes,
		       (unsigned long long)r->reprograms, (unsigned long long)r->fired,
		       (unsigned long long)r->checksum);
	q->teardown(r);
	return 0;
}

static int do_time(const struct qimpl *q, const struct run *proto, u64 reps)
{
	u64 *ns = calloc(reps, sizeof(*ns)), i, done = 0;

	if (!ns)
		return 1;
	for (i = 0; i < reps; i++) {
		struct run r = *proto;
		u64 t0;

		if (q->setup(&r))
			return 1;
		t0 = now_ns();
		q->measure(&r);
		ns[i] = now_ns() - t0;
		done = r.done;
		q->teardown(&r);
	}
	qsort(ns, reps, sizeof(*ns), cmp_u64);
	printf("q=%s w=%s n=%u done=%llu reps=%llu min_ns_per_op=%.1f median_ns_per_op=%.1f\n",
	       q->name, workload_names[proto->w], proto->n, (unsigned long long)done,
	       (unsigned long long)reps, done ? (double)ns[0] / done : 0.0,
	       done ? (double)ns[reps / 2] / done : 0.0);
	free(ns);
	return 0;
}

int main(int argc, char **argv)
{
	struct run r = { .w = W_NR, .seed = 1, .budget = 64 };
	const struct qimpl *q = NULL;
	u64 seeds = 8, reps = 5;
	bool ops_set = false;
	const char *cmd;
	int i;

	if (argc < 2)
		usage();
	cmd = argv[1];
	for (i = 2; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--dump-passes")) {
			r.dump_passes = true;
			continue;
		}
		if (i + 1 >= argc)
			usage();
		if (!strcmp(a, "--q"))
			q = find_impl(argv[++i]);
		else if (!strcmp(a, "--w"))
			r.w = find_workload(argv[++i]);
		else if (!strcmp(a, "--n"))
			r.n = num(argv[++i]);
		else if (!strcmp(a, "--ops"))
			r.ops = num(argv[++i]), ops_set = true;
		else if (!strcmp(a, "--budget"))
			r.budget = num(argv[++i]);
		else if (!strcmp(a, "--seed"))
			r.seed = num(argv[++i]);
		else if (!strcmp(a, "--seeds"))
			seeds = num(argv[++i]);
		else if (!strcmp(a, "--reps"))
			reps = num(argv[++i]);
		else
			usage();
	}

	if (!strcmp(cmd, "list")) {
		size_t k;

		for (k = 0; k < ARRAY_SIZE(impls); k++)
			printf("queue %s: %s\n", impls[k]->name, impls[k]->what);
		for (k = 0; k < W_NR; k++)
			printf("workload %s\n", workload_names[k]);
		return 0;
	}
	if (!strcmp(cmd, "test"))
		return do_test(q, ops_set ? r.ops : 20000, seeds, r.seed);
	if (!q || r.w == W_NR || !r.n || !r.budget)
		usage();
	if (!ops_set)
		r.ops = r.w == W_BURST || r.w == W_STEP_BACK ? 1 : 200000;
	if (!strcmp(cmd, "run"))
		return do_run(q, &r, false);
	if (!strcmp(cmd, "time") && reps)
		return do_time(q, &r, reps);
	usage();
	return 2;
}
