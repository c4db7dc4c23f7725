// SPDX-License-Identifier: MIT
/*
 * runas UID GID COMMAND [ARG...]: run COMMAND with all uids set to UID and
 * all gids to GID, no supplementary groups. For the timerctl VM test: the
 * initramfs has busybox but no /etc/passwd, and busybox's su and setpriv
 * cannot switch to a bare uid.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int parse_id(const char *s, unsigned int *out)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v > 0xfffffffeUL)
		return -1;
	*out = (unsigned int)v;
	return 0;
}

int main(int argc, char **argv)
{
	unsigned int uid, gid;

	if (argc < 4 || parse_id(argv[1], &uid) || parse_id(argv[2], &gid)) {
		fprintf(stderr, "usage: runas UID GID COMMAND [ARG...]\n");
		return 125;
	}
	if (setgroups(0, NULL) || setresgid(gid, gid, gid) || setresuid(uid, uid, uid)) {
		perror("runas: cannot switch ids");
		return 125;
	}
	execvp(argv[3], argv + 3);
	fprintf(stderr, "runas: cannot run %s: %s\n", argv[3], strerror(errno));
	return 127;
}
