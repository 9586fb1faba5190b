/* sysdir.c - path normalisation and the one list of system directories
 * SPDX-License-Identifier: MIT
 */
#include <string.h>

#include "sysdir.h"

/* Directories that a service user must never own and that purge must never
 * delete: the FHS top level and the shared trees below /usr and /var. */
const char *const sysdir_list[] = {
	"/", "/bin", "/boot", "/dev", "/etc", "/home", "/lib", "/lib32",
	"/lib64", "/libx32", "/media", "/mnt", "/opt", "/proc", "/root",
	"/run", "/sbin", "/srv", "/sys", "/tmp", "/usr", "/usr/bin",
	"/usr/games", "/usr/include", "/usr/lib", "/usr/lib32", "/usr/lib64",
	"/usr/libexec", "/usr/local", "/usr/local/bin", "/usr/local/lib",
	"/usr/local/sbin", "/usr/local/share", "/usr/sbin", "/usr/share",
	"/usr/src", "/var", "/var/backups", "/var/cache", "/var/lib",
	"/var/local", "/var/lock", "/var/log", "/var/mail", "/var/opt",
	"/var/run", "/var/spool", "/var/tmp", NULL,
};

/* Trees in which only root may own anything: a directory of the service
 * user there could hold units, configuration, libraries or device nodes
 * that root later trusts. */
static const char *const root_trees[] = {
	"/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64",
	"/libx32", "/proc", "/root", "/run", "/sbin", "/sys", "/usr", NULL,
};

int path_normalise(const char *path, struct buf *out)
{
	const char *p = path, *end;
	size_t n, slash;

	buf_reset(out);
	if (!path || path[0] != '/')
		return -1;
	while (*p) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		end = strchr(p, '/');
		n = end ? (size_t)(end - p) : strlen(p);
		if (n == 1 && p[0] == '.') {
			/* nothing */
		} else if (n == 2 && p[0] == '.' && p[1] == '.') {
			slash = out->len;
			while (slash > 0 && out->data[slash - 1] != '/')
				slash--;
			buf_truncate(out, slash ? slash - 1 : 0);
		} else {
			buf_addch(out, '/');
			buf_add(out, p, n);
		}
		p += n;
	}
	if (!out->len)
		buf_addch(out, '/');
	return 0;
}

int path_within(const char *norm, const char *dir)
{
	size_t n = strlen(dir);

	if (!strcmp(dir, "/"))
		return 1;
	return !strncmp(norm, dir, n) && (norm[n] == '\0' || norm[n] == '/');
}

const char *sysdir_find(const char *norm)
{
	size_t i;

	for (i = 0; sysdir_list[i]; i++)
		if (path_within(sysdir_list[i], norm))
			return sysdir_list[i];
	return NULL;
}

const char *sysdir_root_tree(const char *norm)
{
	size_t i;

	for (i = 0; root_trees[i]; i++)
		if (path_within(norm, root_trees[i]))
			return root_trees[i];
	return NULL;
}
