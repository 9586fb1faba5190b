/* outdir.c - the packages a build superseded in its output directory
 * SPDX-License-Identifier: MIT
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "outdir.h"
#include "util.h"
#include "banned.h"

void outdir_pattern(const struct pkg_format *f, const char *name,
		    const char *arch, struct buf *out)
{
	const char *own = pkg_format_arch(f, arch);
	char *vr;

	if (!own)
		BUG("format %s has no name for %s", f->name, arch);
	buf_reset(out);
	f->filename(out, name, "\1", "\2", own);
	/* the one place that knows how a format joins the two */
	vr = strstr(out->data, "\1-\2");
	if (!vr)
		BUG("format %s does not join version and release with '-'",
		    f->name);
	memmove(vr + 1, vr + 3, strlen(vr + 3) + 1);
	buf_truncate(out, strlen(out->data));
}

static int vr_char(int c)
{
	return isalnum(c) || c == '.' || c == '+' || c == '~';
}

/* Is m[0..n) a version-release pkgtool writes: "1.19.5-2"? A release has
 * no '-' (package_release refuses it), so it is what follows the last
 * one. A '-' inside the version ("2.0.0-rc.1") is taken only where the
 * name ends in a character no package name holds (deb's '_'): after
 * rpm's '-', "web-1.19.5-1" would pass for a version of NAME when it is
 * the file of the package NAME-web. */
static int vr_ok(const char *m, size_t n, int dash_in_version)
{
	size_t dash = n, i;

	while (dash > 0 && m[dash - 1] != '-')
		dash--;
	if (dash < 2 || dash == n || !isdigit((unsigned char)m[0]))
		return 0;
	for (i = 0; i < n; i++) {
		if (vr_char((unsigned char)m[i]) || i == dash - 1)
			continue;
		if (m[i] == '-' && dash_in_version)
			continue;
		return 0;
	}
	return 1;
}

/* Does name match pattern (pre '\1' suf) with a version-release other
 * than the one in keep? */
static int superseded(const char *name, const char *pattern,
		      const char *keep)
{
	const char *mark = strchr(pattern, '\1');
	size_t pre = (size_t)(mark - pattern), suf = strlen(mark + 1);
	size_t n = strlen(name);

	if (!strcmp(name, keep) || n <= pre + suf ||
	    strncmp(name, pattern, pre) || strcmp(name + n - suf, mark + 1))
		return 0;
	return vr_ok(name + pre, n - pre - suf, pre && pattern[pre - 1] == '_');
}

int outdir_prune(const char *final, const char *pattern)
{
	const char *slash = strrchr(final, '/');
	struct buf dir = BUF_INIT, path = BUF_INIT;
	struct dirent *d;
	struct stat st;
	DIR *dp;
	int r = 0;

	if (!slash || !strchr(pattern, '\1'))
		BUG("outdir_prune: '%s' has no directory or '%s' no mark",
		    final, pattern);
	buf_add(&dir, final, (size_t)(slash - final));
	dp = opendir(dir.len ? dir.data : "/");
	if (!dp) {
		r = error("cannot read '%s' to remove older packages: %s",
			  dir.data, strerror(errno));
		goto out;
	}
	while ((d = readdir(dp)) != NULL) {
		if (!superseded(d->d_name, pattern, slash + 1))
			continue;
		buf_reset(&path);
		buf_addf(&path, "%s/%s", dir.data, d->d_name);
		/* a directory or symlink of that name is not ours */
		if (lstat(path.data, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		if (unlink(path.data) < 0) {
			r = error("cannot remove the older package '%s': %s",
				  path.data, strerror(errno));
			continue;
		}
		info("removed %s", path.data);
	}
	closedir(dp);
out:
	buf_release(&dir);
	buf_release(&path);
	return r;
}
