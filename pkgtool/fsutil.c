/* fsutil.c - mkdir -p and atomic whole-file writes
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "fsutil.h"
#include "util.h"
#include "banned.h"

int fs_mkdir_p(const char *path, unsigned mode, struct buf *made)
{
	struct buf b = BUF_INIT;
	char *p;
	int r = 0;

	buf_addstr(&b, path);
	/* each '/' in turn ends a prefix to create, then the whole path */
	for (p = b.data + 1; r == 0; p++) {
		char c = *p;

		if (c && c != '/')
			continue;
		*p = '\0';
		if (mkdir(b.data, mode) == 0) {
			if (made && !made->len)
				buf_addstr(made, b.data);
		} else if (errno != EEXIST) {
			r = error("cannot create '%s': %s", b.data,
				  strerror(errno));
		}
		*p = c;
		if (!c)
			break;
	}
	buf_release(&b);
	return r;
}

void fs_owner_name(uid_t uid, char *out, size_t n)
{
	const struct passwd *pw = getpwuid(uid);

	if (pw)
		snprintf(out, n, "uid %u (%s)", (unsigned)uid, pw->pw_name);
	else
		snprintf(out, n, "uid %u", (unsigned)uid);
}

int fs_read_full(int fd, void *buf, size_t len)
{
	char *p = buf;

	while (len) {
		ssize_t n = read(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = 0;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int fs_write_full(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int fs_write_atomic(const char *path, const void *data, size_t len,
		    unsigned mode)
{
	struct buf tmp = BUF_INIT;
	int fd, r = -1;

	buf_addf(&tmp, "%s.XXXXXX", path);
	fd = mkstemp(tmp.data);
	if (fd < 0) {
		error("cannot create '%s': %s", tmp.data, strerror(errno));
		goto out;
	}
	if (write(fd, data, len) != (ssize_t)len || fchmod(fd, mode) < 0 ||
	    fsync(fd) < 0) {
		error("cannot write '%s': %s", tmp.data, strerror(errno));
		close(fd);
		unlink(tmp.data);
		goto out;
	}
	close(fd);
	if (rename(tmp.data, path) < 0) {
		error("cannot rename '%s' to '%s': %s", tmp.data, path,
		      strerror(errno));
		unlink(tmp.data);
		goto out;
	}
	r = 0;
out:
	buf_release(&tmp);
	return r;
}
