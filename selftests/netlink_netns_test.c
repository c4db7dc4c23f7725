// SPDX-License-Identifier: GPL-2.0
/*
 * Contexts are visible in the network namespace they were opened in
 * (finding F9e). The header: "a context is visible in the network
 * namespace it was opened in ... A caller with CAP_SYS_ADMIN in the
 * initial user namespace in the initial network namespace sees the
 * contexts of every namespace." The family is netnsok: the old module
 * showed every context of the machine in every namespace (a container's
 * root saw the host's processes, comms and pids of their openers).
 */
#include "netlink_util.h"

#include <sched.h>

FIXTURE(netns)
{
	struct nlt n;
	int fd;
	__u32 ctx;
};

FIXTURE_SETUP(netns)
{
	self->fd = -1;
	nlt_connect(&self->n);
	self->fd = tx_open();
	ASSERT_LE(0, self->fd);
	self->ctx = tx_ctx_id(self->fd);
}

FIXTURE_TEARDOWN(netns)
{
	if (self->fd >= 0)
		close(self->fd);
	nlt_close(&self->n);
}

struct netns_args {
	__u32 parent_ctx;
	int to_parent;		/* the child's context id */
	int from_parent;	/* one byte: the parent has looked */
};

static int netns_child(struct __test_metadata *_metadata, void *arg)
{
	struct netns_args *a = arg;
	struct pollfd pfd = { .fd = a->from_parent, .events = POLLIN };
	struct nlt_reply r = { 0 };
	struct nlt_list l = { 0 };
	struct nlt_one one;
	struct nlt n;
	__u32 own;
	char c;
	int fd, ret;

	if (unshare(CLONE_NEWNET)) {
		fprintf(stderr, "# unshare(CLONE_NEWNET): %s\n", strerror(errno));
		return KSFT_SKIP;
	}
	ret = nlt_open(&n);
	if (ret) {
		EXPECT_EQ(0, ret) TH_LOG("new netns: family \"%s\": %s", TIMERX_GENL_NAME,
					 nlt_strerr(ret));
		return 1;
	}
	fd = tx_open();
	if (fd < 0) {
		EXPECT_LE(0, fd);
		return 1;
	}
	own = tx_ctx_id(fd);
	ret = nlt_dump(&n, TIMERX_NL_CMD_CTX_GET, NLT_NONE_ID, &l, &r);
	EXPECT_EQ(0, ret) TH_LOG("new netns: CTX_GET dump: %s", nlt_strerr(ret));
	EXPECT_FALSE(nlt_list_has_ctx(&l, a->parent_ctx)) {
		TH_LOG("root in a new network namespace sees context %u of the initial one",
		       a->parent_ctx);
	}
	EXPECT_TRUE(nlt_list_has_ctx(&l, own)) {
		TH_LOG("new netns: the dump lacks the context opened there (%u)", own);
	}
	ret = nlt_do(&n, TIMERX_NL_CMD_CTX_GET, a->parent_ctx, NLT_NONE_ID, &one, &r);
	EXPECT_EQ(-ENOENT, ret) TH_LOG("new netns: CTX_GET of the outside context: %s",
				       nlt_strerr(ret));
	ret = nlt_do(&n, TIMERX_NL_CMD_CTX_GET, own, NLT_NONE_ID, &one, &r);
	EXPECT_EQ(0, ret) TH_LOG("new netns: CTX_GET of its own context: %s", nlt_strerr(ret));

	/* Let the parent look from the initial namespace. */
	if (write(a->to_parent, &own, sizeof(own)) != sizeof(own))
		TH_LOG("new netns: pipe");
	poll(&pfd, 1, 30000);
	if (read(a->from_parent, &c, 1) != 1)
		TH_LOG("new netns: no word from the parent");
	nlt_list_free(&l);
	nlt_close(&n);
	close(fd);
	return 0;
}

TEST_F_TIMEOUT(netns, contexts_stay_in_their_netns, 60)
{
	struct netns_args a = { .parent_ctx = self->ctx };
	int to_parent[2], from_parent[2], status = 0;
	struct nlt_reply r = { 0 };
	struct nlt_list l = { 0 };
	struct pollfd pfd;
	__u32 child_ctx;
	pid_t pid;

	if (!tx_has_cap(CAP_SYS_ADMIN))
		SKIP(return, "needs CAP_SYS_ADMIN for unshare(CLONE_NEWNET)");
	ASSERT_EQ(0, pipe2(to_parent, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(from_parent, O_CLOEXEC));
	a.to_parent = to_parent[1];
	a.from_parent = from_parent[0];
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(netns_child(_metadata, &a));
	close(to_parent[1]);
	close(from_parent[0]);

	pfd = (struct pollfd){ .fd = to_parent[0], .events = POLLIN };
	if (poll(&pfd, 1, 30000) == 1 &&
	    read(to_parent[0], &child_ctx, sizeof(child_ctx)) == sizeof(child_ctx)) {
		int ret = nlt_dump(&self->n, TIMERX_NL_CMD_CTX_GET, NLT_NONE_ID, &l, &r);

		EXPECT_EQ(0, ret) TH_LOG("initial netns: CTX_GET dump: %s", nlt_strerr(ret));
		EXPECT_TRUE(nlt_list_has_ctx(&l, self->ctx)) TH_LOG("root lost its own context");
		EXPECT_TRUE(nlt_list_has_ctx(&l, child_ctx)) {
			TH_LOG("admin in the initial netns misses another netns' context");
		}
	}
	/* The child may be gone already (no netns: it skipped): no SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);
	if (write(from_parent[1], "x", 1) != 1 && errno != EPIPE)
		TH_LOG("cannot release the child");
	close(to_parent[0]);
	close(from_parent[1]);
	ASSERT_EQ(pid, tx_waitpid_timeout(pid, &status, 30000));
	ASSERT_TRUE(WIFEXITED(status)) TH_LOG("netns child: status 0x%x", status);
	nlt_list_free(&l);
	if (WEXITSTATUS(status) == KSFT_SKIP)
		SKIP(return, "unshare(CLONE_NEWNET) failed (no network namespaces?)");
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_HARNESS_MAIN
