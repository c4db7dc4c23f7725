// SPDX-License-Identifier: GPL-2.0
/*
 * A netlink socket carries the rights of the process that opened it
 * (finding F9d). The header: "Both the process that opened the netlink
 * socket and the one sending the request must be entitled (a socket handed
 * to a more privileged process gains nothing), except that a request sent
 * with an explicit destination address ... is judged by its sender alone,
 * as netlink_capable() does". The old module looked only at the sender: an
 * unprivileged process that got root (a setuid helper writing to its
 * stdout, a daemon relaying requests) to write its bytes to the socket
 * read every context of the system (the CVE-2014-0181 pattern). The
 * confused deputy write(2)s, naming no destination: that is what these
 * tests do (struct nlt.write_no_dst); a request sent to an explicit
 * address is root's own act and sees what root sees.
 *
 * nobody opens a socket and hands it to root over a unix socket
 * (SCM_RIGHTS); root keeps a context of its own. The other way round, a
 * nobody child uses a socket root opened.
 */
#include "netlink_util.h"

#include <sys/socket.h>
#include <sys/un.h>

FIXTURE(cred)
{
	struct tx_devmode dev;
	struct nlt n;		/* root's own socket */
	int root_fd;
	__u32 root_ctx, root_timer;
	__u64 interval;		/* alarm_interval_ms as it is */
};

FIXTURE_SETUP(cred)
{
	struct nlt_config c;
	int ret;

	self->root_fd = -1;
	self->dev.changed = false;
	nlt_connect(&self->n);
	if (geteuid() != 0)
		SKIP(return, "needs root to switch users");
	ASSERT_EQ(0, tx_dev_open_to_all(&self->dev));
	self->root_fd = tx_open();
	ASSERT_LE(0, self->root_fd);
	ASSERT_EQ(0, tx_setup(self->root_fd, 8, NULL));
	ASSERT_EQ(0, tx_create(self->root_fd, CLOCK_MONOTONIC, 0, 0, 1, &self->root_timer));
	self->root_ctx = tx_ctx_id(self->root_fd);
	ret = nlt_config_get(&self->n, &c, NULL);
	ASSERT_EQ(0, ret) TH_LOG("CONFIG_GET: %s", nlt_strerr(ret));
	self->interval = c.v[TIMERX_NL_CONFIG_A_ALARM_INTERVAL_MS];
}

FIXTURE_TEARDOWN(cred)
{
	if (self->root_fd >= 0)
		close(self->root_fd);
	tx_dev_restore(&self->dev);
	nlt_close(&self->n);
}

static int send_fd(int sock, int fd, __u32 data)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = &data, .iov_len = sizeof(data) };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sock, &mh, 0) == sizeof(data) ? 0 : -errno;
}

/* Returns the fd (and @data), or -errno; waits at most @ms. */
static int recv_fd(int sock, __u32 *data, int ms)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = data, .iov_len = sizeof(*data) };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct pollfd pfd = { .fd = sock, .events = POLLIN };
	struct cmsghdr *cm;
	int fd;

	if (poll(&pfd, 1, ms) != 1)
		return -ETIMEDOUT;
	if (recvmsg(sock, &mh, MSG_CMSG_CLOEXEC) != sizeof(*data))
		return -EPROTO;
	cm = CMSG_FIRSTHDR(&mh);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return -EPROTO;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

/*
 * nobody: open a context (@with_ctx) and a netlink socket, send the socket
 * (and the context id) to the parent, wait for a byte, exit. EXPECT only.
 */
static int nobody_socket_child(struct __test_metadata *_metadata, int sock, bool with_ctx)
{
	struct pollfd pfd = { .fd = sock, .events = POLLIN };
	__u32 ctx = NLT_BAD_ID;
	struct nlt n;
	char c;
	int fd = -1, ret;

	if (tx_drop_to_nobody()) {
		EXPECT_TRUE(0) TH_LOG("cannot become nobody");
		return 1;
	}
	if (with_ctx) {
		fd = tx_open();
		if (fd < 0 || tx_setup(fd, 8, NULL)) {
			EXPECT_LE(0, fd) TH_LOG("nobody: open %s", TIMERX_DEVICE_PATH);
			return 1;
		}
		ctx = tx_ctx_id(fd);
	}
	ret = nlt_open(&n);
	if (ret) {
		EXPECT_EQ(0, ret) TH_LOG("nobody: netlink: %s", nlt_strerr(ret));
		return 1;
	}
	ret = send_fd(sock, nl_socket_get_fd(n.sk), ctx);
	EXPECT_EQ(0, ret) TH_LOG("nobody: SCM_RIGHTS: %s", strerror(-ret));
	poll(&pfd, 1, 30000);
	if (read(sock, &c, 1) != 1)
		TH_LOG("nobody: no word from the parent");
	if (fd >= 0)
		close(fd);
	return 0;
}

struct handoff {
	int sv[2];
	pid_t pid;
	int nlfd;
	__u32 nobody_ctx;
};

#define handoff_start(h, with_ctx) __handoff_start(_metadata, h, with_ctx)
static void __handoff_start(struct __test_metadata *_metadata, struct handoff *h, bool with_ctx)
{
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, h->sv));
	h->pid = fork();
	ASSERT_LE(0, h->pid);
	if (h->pid == 0) {
		close(h->sv[0]);
		_exit(nobody_socket_child(_metadata, h->sv[1], with_ctx));
	}
	close(h->sv[1]);
	h->nlfd = recv_fd(h->sv[0], &h->nobody_ctx, 30000);
}

#define handoff_end(h) __handoff_end(_metadata, h)
static void __handoff_end(struct __test_metadata *_metadata, struct handoff *h)
{
	int status = 0;

	if (write(h->sv[0], "x", 1) != 1)
		TH_LOG("cannot release the child");
	close(h->sv[0]);
	ASSERT_EQ(h->pid, tx_waitpid_timeout(h->pid, &status, 10000));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		TH_LOG("nobody child: status 0x%x", status);
	}
}

TEST_F(cred, socket_from_nobody_used_by_root)
{
	struct nlt_reply r = { 0 };
	struct nlt_list l = { 0 };
	struct handoff h;
	struct nlt_one one;
	struct nlt m;
	size_t i;
	int ret;

	handoff_start(&h, true);
	ASSERT_LE(0, h.nlfd) TH_LOG("no socket from the nobody child: %s", strerror(-h.nlfd));
	ret = nlt_adopt(&m, h.nlfd);
	ASSERT_EQ(0, ret) TH_LOG("using the received socket: %s", nlt_strerr(ret));
	ASSERT_EQ(0U, geteuid());
	m.write_no_dst = true;

	ret = nlt_dump(&m, TIMERX_NL_CMD_CTX_GET, NLT_NONE_ID, &l, &r);
	EXPECT_EQ(0, ret) TH_LOG("root on nobody's socket: CTX_GET dump: %s", nlt_strerr(ret));
	EXPECT_FALSE(nlt_list_has_ctx(&l, self->root_ctx)) {
		TH_LOG("root, on a socket nobody opened, sees root's context %u", self->root_ctx);
	}
	EXPECT_TRUE(nlt_list_has_ctx(&l, h.nobody_ctx)) {
		TH_LOG("root, on nobody's socket, does not see nobody's own context %u",
		       h.nobody_ctx);
	}
	for (i = 0; i < l.n; i++) {
		EXPECT_EQ((__u64)TX_NOBODY, l.v[i].v[TIMERX_NL_A_OWNER_UID]) {
			TH_LOG("context %llu of uid %llu seen through nobody's socket",
			       (unsigned long long)l.v[i].v[TIMERX_NL_A_CTX_ID],
			       (unsigned long long)l.v[i].v[TIMERX_NL_A_OWNER_UID]);
		}
	}
	ret = nlt_do(&m, TIMERX_NL_CMD_CTX_GET, self->root_ctx, NLT_NONE_ID, &one, &r);
	EXPECT_EQ(-ENOENT, ret) TH_LOG("CTX_GET of root's context on nobody's socket: %s",
				       nlt_strerr(ret));
	ret = nlt_do(&m, TIMERX_NL_CMD_TIMER_GET, self->root_ctx, self->root_timer, &one, &r);
	EXPECT_EQ(-ENOENT, ret) TH_LOG("TIMER_GET of root's timer on nobody's socket: %s",
				       nlt_strerr(ret));
	ret = nlt_dump(&m, TIMERX_NL_CMD_TIMER_GET, NLT_NONE_ID, &l, &r);
	EXPECT_EQ(0, ret) TH_LOG("TIMER_GET dump: %s", nlt_strerr(ret));
	EXPECT_FALSE(nlt_list_has_ctx(&l, self->root_ctx)) {
		TH_LOG("TIMER_GET dump on nobody's socket lists root's timers");
	}
	nlt_list_free(&l);
	nlt_close(&m);
	handoff_end(&h);
}

/*
 * CONFIG_SET needs CAP_SYS_ADMIN of the opener too, for a request written
 * without a destination (netlink_capable(): a request that names its
 * destination, NETLINK_SKB_DST, is the sender's own act).
 */
TEST_F(cred, config_set_on_socket_from_nobody_eperm)
{
	struct nlt_config c = { 0 };
	struct nlt_reply r = { 0 };
	struct handoff h;
	struct nlt m;
	int ret;

	handoff_start(&h, false);
	ASSERT_LE(0, h.nlfd) TH_LOG("no socket from the nobody child: %s", strerror(-h.nlfd));
	ret = nlt_adopt(&m, h.nlfd);
	ASSERT_EQ(0, ret) TH_LOG("using the received socket: %s", nlt_strerr(ret));
	m.write_no_dst = true;
	/* Setting the value it already has: harmless if wrongly accepted. */
	nlt_cfg_set(&c, TIMERX_NL_CONFIG_A_ALARM_INTERVAL_MS, self->interval);
	ret = nlt_config_set(&m, &c, NULL, &r);
	EXPECT_EQ(-EPERM, ret) TH_LOG("CONFIG_SET by root on a socket nobody opened: %s",
				      nlt_strerr(ret));
	nlt_close(&m);
	handoff_end(&h);
}

/*
 * The same socket, but root names the destination (sendmsg with an
 * address, as libnl does): that is root's own act, judged by root alone,
 * as netlink_capable() judges it.
 */
TEST_F(cred, socket_from_nobody_sendto_by_root_is_roots_own)
{
	struct nlt_reply r = { 0 };
	struct nlt_list l = { 0 };
	struct handoff h;
	struct nlt m;
	int ret;

	handoff_start(&h, true);
	ASSERT_LE(0, h.nlfd) TH_LOG("no socket from the nobody child: %s", strerror(-h.nlfd));
	ret = nlt_adopt(&m, h.nlfd);
	ASSERT_EQ(0, ret) TH_LOG("using the received socket: %s", nlt_strerr(ret));
	ret = nlt_dump(&m, TIMERX_NL_CMD_CTX_GET, NLT_NONE_ID, &l, &r);
	EXPECT_EQ(0, ret) TH_LOG("CTX_GET dump sent to an address: %s", nlt_strerr(ret));
	EXPECT_TRUE(nlt_list_has_ctx(&l, self->root_ctx)) {
		TH_LOG("root's explicit sendmsg on nobody's socket does not see root's context");
	}
	EXPECT_TRUE(nlt_list_has_ctx(&l, h.nobody_ctx));
	nlt_list_free(&l);
	nlt_close(&m);
	handoff_end(&h);
}

struct root_socket_args {
	struct nlt *n;
	__u32 root_ctx;
	__u64 interval;
};

/* nobody, on a socket root opened (inherited): only its own contexts. */
static int root_socket_child(struct __test_metadata *_metadata, void *arg)
{
	struct root_socket_args *a = arg;
	struct nlt_reply r = { 0 };
	struct nlt_list l = { 0 };
	struct nlt_config c = { 0 };
	struct nlt_one one;
	size_t i;
	__u32 own;
	int fd, ret;

	if (tx_drop_to_nobody()) {
		EXPECT_TRUE(0) TH_LOG("cannot become nobody");
		return 1;
	}
	fd = tx_open();
	if (fd < 0) {
		EXPECT_LE(0, fd);
		return 1;
	}
	own = tx_ctx_id(fd);
	ret = nlt_dump(a->n, TIMERX_NL_CMD_CTX_GET, NLT_NONE_ID, &l, &r);
	EXPECT_EQ(0, ret) TH_LOG("nobody on root's socket: CTX_GET dump: %s", nlt_strerr(ret));
	EXPECT_FALSE(nlt_list_has_ctx(&l, a->root_ctx)) {
		TH_LOG("nobody, on a socket root opened, sees root's context");
	}
	EXPECT_TRUE(nlt_list_has_ctx(&l, own)) TH_LOG("nobody does not see its own context");
	for (i = 0; i < l.n; i++) {
		EXPECT_EQ((__u64)TX_NOBODY, l.v[i].v[TIMERX_NL_A_OWNER_UID]);
	}
	ret = nlt_do(a->n, TIMERX_NL_CMD_CTX_GET, a->root_ctx, NLT_NONE_ID, &one, &r);
	EXPECT_EQ(-ENOENT, ret) TH_LOG("nobody on root's socket: CTX_GET of root's: %s",
				       nlt_strerr(ret));
	nlt_cfg_set(&c, TIMERX_NL_CONFIG_A_ALARM_INTERVAL_MS, a->interval);
	ret = nlt_config_set(a->n, &c, NULL, &r);
	EXPECT_EQ(-EPERM, ret) TH_LOG("nobody on root's socket: CONFIG_SET: %s", nlt_strerr(ret));
	nlt_list_free(&l);
	close(fd);
	return 0;
}

TEST_F(cred, socket_from_root_used_by_nobody)
{
	struct root_socket_args a = { &self->n, self->root_ctx, self->interval };

	tx_child_result(tx_in_child(root_socket_child, &a, 30000, "nobody on root's socket"),
			"nobody on root's socket");
}

TEST_HARNESS_MAIN
