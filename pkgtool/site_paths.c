/* site_paths.c - site values that name paths on the target: where the
 * package may put, chown and on purge remove things
 * SPDX-License-Identifier: MIT
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "pkgformat.h"
#include "render.h"
#include "site_types.h"
#include "sval.h"
#include "sysdir.h"
#include "banned.h"

#define TEMPLATE_MAX (1 << 20)

/* Checks a path on the target and stores it normalised (no "//", "/./"
 * or trailing "/"), so that no spelling slips past the checks after this
 * one and later stages see one form. ".." is refused, not resolved: on
 * the target a symlink could make it mean another place. */
static int check_abs_path(struct sval *v, const char *name)
{
	struct buf b = BUF_INIT;
	const char *p = v->str;

	if (!p[0])
		return 0;
	if (p[0] != '/')
		return error_at(&v->loc, "'%s' must be an absolute path, not "
					 "'%s' (start it with '/')",
				name, p);
	if (site_has_control(p) || strchr(p, '"') || strchr(p, '\\'))
		return error_at(&v->loc, "'%s': path '%s' has quotes, "
					 "backslashes or control characters",
				name, p);
	path_normalise(p, &b);
	if (strstr(p, "/../") || ends_with(p, "/..")) {
		error_at(&v->loc, "'%s': path '%s' has '..'; write the "
				  "directory itself, e.g. '%s'",
			 name, p, b.data);
		buf_release(&b);
		return -1;
	}
	sval_set_str(v, b.data);
	buf_release(&b);
	return 0;
}

/* The service user owns these directories (root makes and chowns them,
 * purge may delete them), so none may be a system directory, lie above
 * one, or lie in a tree where only root may own anything. */
static int user_dir(struct sval *v, const char *name, const char *example)
{
	const char *d;

	if (!v->str[0])
		return error_at(&v->loc, "'%s' must not be empty; e.g. %s",
				name, example);
	d = sysdir_find(v->str);
	if (d && !strcmp(d, v->str))
		return error_at(&v->loc, "'%s' is '%s', a system directory; "
					 "the service user needs a directory "
					 "of its own, e.g. %s",
				name, v->str, example);
	if (d)
		return error_at(&v->loc, "'%s' is '%s', which holds the system "
					 "directory '%s'; the service user "
					 "needs a directory of its own, e.g. %s",
				name, v->str, d, example);
	d = sysdir_root_tree(v->str);
	if (d)
		return error_at(&v->loc, "'%s' is '%s', inside %s, where only "
					 "root may own files; the service user "
					 "needs a directory of its own, e.g. %s",
				name, v->str, d, example);
	return 0;
}

/* Resolves a path given relative to the site file and checks that it is a
 * readable regular file. */
int site_check_input_file(struct sval *v, const char *name,
			    const struct site *s)
{
	struct stat st;

	if (!v->str[0])
		return 0;
	if (v->str[0] != '/') {
		struct buf b = BUF_INIT;

		buf_addf(&b, "%s/%s", s->dir, v->str);
		sval_set_str(v, b.data);
		buf_release(&b);
	}
	if (stat(v->str, &st) < 0)
		return error_at(&v->loc, "'%s': cannot read '%s': %s", name,
				v->str, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return error_at(&v->loc, "'%s': '%s' is not a regular file",
				name, v->str);
	if (access(v->str, R_OK) < 0)
		return error_at(&v->loc, "'%s': cannot read '%s': %s", name,
				v->str, strerror(errno));
	return 0;
}

int site_check_path(struct sval *v, const char *name, const struct site *s)
{
	if (site_want_scalar(v, name, "an absolute path") < 0)
		return -1;
	return check_abs_path(v, name);
}

/* Names below /etc, and package names, that no other package or admin
 * could already use for their own files: the package ships, chowns and on
 * purge deletes what lies there. */
int site_name_is_ours(const char *name)
{
	return strstr(name, "komodo") || strstr(name, "periphery");
}

/* Judged by the directory right below /etc, which is what another package
 * could own: /etc/ssh/komodo is still inside /etc/ssh. */
static int etc_dir_is_ours(const char *norm)
{
	char top[256];
	const char *p = norm + strlen("/etc/");
	size_t n = strcspn(p, "/");

	if (!path_within(norm, "/etc") || !*p || n >= sizeof(top))
		return 0;
	memcpy(top, p, n);
	top[n] = '\0';
	return site_name_is_ours(top);
}

/* The config directory as its own check will accept it, or NULL when that
 * check fails (and reports). */
static const char *confdir_of(const struct site *s, struct buf *dir)
{
	const char *d = site_str(s, "komodo_config_dir");

	if (path_normalise(d, dir) < 0 || !path_within(dir->data, "/etc") ||
	    sysdir_find(dir->data) || !etc_dir_is_ours(dir->data))
		return NULL;
	return dir->data;
}

/* Packages ship the config as a conffile, so it must live under /etc, and
 * in the package's own directory there: dpkg replaces a conffile on
 * upgrade and purge deletes it, so a path such as /etc/shadow or
 * /etc/ssh/sshd_config would hand another package's file to this one. */
int site_check_confpath(struct sval *v, const char *name, const struct site *s)
{
	struct buf dir = BUF_INIT;
	const char *d;
	int r = 0;

	if (site_want_scalar(v, name, "an absolute path") < 0)
		return -1;
	/* a trailing '/' names a directory: do not normalise it away */
	if (!ends_with(v->str, "/") && check_abs_path(v, name) < 0)
		return -1;
	if (!starts_with(v->str, "/etc/") || ends_with(v->str, "/") ||
	    sysdir_find(v->str))
		return error_at(&v->loc, "'%s' is '%s'; a package ships its "
					 "config under /etc as a conffile (kept "
					 "on upgrade), e.g. "
					 "/etc/komodo/periphery.config.toml",
				name, v->str);
	d = confdir_of(s, &dir);
	if (d && (!path_within(v->str, d) || !strcmp(v->str, d)))
		r = error_at(&v->loc, "'%s' is '%s', not a file inside "
				      "komodo_config_dir '%s'; the package owns "
				      "its config file "
				      "(replaced on upgrade, deleted on purge), "
				      "so it must lie in the package's own "
				      "directory: e.g. %s/periphery.config.toml",
			     name, v->str, d, d);
	else if (d && (!strcmp(v->str, ENV_FILE) ||
		       path_within(v->str, KEYS_DIR)))
		r = error_at(&v->loc, "'%s' is '%s', where the package keeps "
				      "%s; e.g. %s/periphery.config.toml",
			     name, v->str,
			     strcmp(v->str, ENV_FILE) ? "its key files"
						      : "the environment file",
			     d);
	buf_release(&dir);
	return r;
}

/* The service user's home is made, chowned and, on purge, deleted. */
int site_check_home(struct sval *v, const char *name, const struct site *s)
{
	if (site_check_path(v, name, s) < 0)
		return -1;
	return user_dir(v, name, "/home/komodo or /var/lib/komodo");
}

/* Root directory, repo, stack and build directories: made and chowned
 * for the service user like its home. */
int site_check_datadir(struct sval *v, const char *name, const struct site *s)
{
	if (site_check_path(v, name, s) < 0)
		return -1;
	return user_dir(v, name, "/home/komodo/.komodo");
}

/* Root gives the config directory to the service user's group (chown
 * root:group, chmod 0750) and removes it on purge. */
int site_check_confdir(struct sval *v, const char *name, const struct site *s)
{
	const char *d;

	if (site_check_path(v, name, s) < 0)
		return -1;
	d = v->str[0] ? sysdir_find(v->str) : NULL;
	if (d)
		return error_at(&v->loc, "'%s' is '%s', %s%s%s; the scripts "
					 "give it to the service user's group "
					 "and remove it on purge: use a "
					 "directory of its own, e.g. "
					 "/etc/komodo",
				name, v->str,
				strcmp(d, v->str) ? "which holds the system "
						    "directory '"
						  : "a system directory",
				strcmp(d, v->str) ? d : "",
				strcmp(d, v->str) ? "'" : "");
	if (!path_within(v->str, "/etc"))
		return error_at(&v->loc, "'%s' is '%s'; the package's config "
					 "lives below /etc, e.g. /etc/komodo",
				name, v->str);
	/* /etc/ssh, /etc/sudoers.d, ...: another package's or the admin's */
	if (!etc_dir_is_ours(v->str))
		return error_at(&v->loc, "'%s' is '%s', which may belong to "
					 "another package or the admin; the "
					 "scripts give it to the service user's "
					 "group and remove it on purge: use a "
					 "directory named for this package "
					 "('komodo' or 'periphery' in its name "
					 "below /etc), e.g. /etc/komodo",
				name, v->str);
	return 0;
}

static int fixed(struct sval *v, const char *name, const char *want)
{
	if (site_want_scalar(v, name, "a path") < 0)
		return -1;
	if (!strcmp(v->str, want))
		return 0;
	return error_at(&v->loc,
			"'%s' is '%s'; packages install the agent as %s, "
			"owned by root so the agent cannot replace itself; "
			"remove '%s' from the site file",
			name, v->str, "/usr/bin/periphery", name);
}

int site_check_bindir(struct sval *v, const char *name, const struct site *s)
{
	return fixed(v, name, "/usr/bin");
}

int site_check_binfile(struct sval *v, const char *name, const struct site *s)
{
	return fixed(v, name, "/usr/bin/periphery");
}

int site_check_template(struct sval *v, const char *name, const struct site *s)
{
	struct stat st;

	if (site_want_scalar(v, name, "a file path") < 0)
		return -1;
	if (ends_with(v->str, ".j2") && access(v->str, F_OK) < 0 &&
	    !strchr(v->str, '/'))
		return error_at(&v->loc, "'%s': '%s' names the role's "
					 "template; give the path of your own "
					 "template file, or leave it empty",
				name, v->str);
	if (site_check_input_file(v, name, s) < 0)
		return -1;
	/* render reads it whole; a template is a page of text */
	if (v->str[0] && stat(v->str, &st) == 0 && st.st_size > TEMPLATE_MAX)
		return error_at(&v->loc, "'%s': '%s' is larger than %d KiB; "
					 "is it really a template?",
				name, v->str, TEMPLATE_MAX >> 10);
	return 0;
}

int site_check_paths(struct sval *v, const char *name, const struct site *s)
{
	size_t i;
	int r = site_to_list(v, name);

	for (i = 0; i < v->n; i++)
		if (check_abs_path(v->items[i], name) < 0)
			r = -1;
	return r;
}
