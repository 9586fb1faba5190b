/* site_source.c - values from elsewhere: !env, !file, !vault; bounded reads
 * SPDX-License-Identifier: MIT
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "site_types.h"
#include "sval.h"
#include "vault.h"
#include "banned.h"

/* A value read with !file (or a vault password) is one secret, key or
 * certificate: far below this. */
#define FILE_VALUE_MAX (1u << 20)

int site_read_capped(const char *path, size_t max, int regular,
		     struct buf *out)
{
	char tmp[65536];
	struct stat st;
	ssize_t n;
	int fd, e, r = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC | (regular ? O_NONBLOCK : 0));
	if (fd < 0)
		return READ_ERRNO;
	if (fstat(fd, &st) < 0) {
		r = READ_ERRNO;
	} else if (regular && !S_ISREG(st.st_mode)) {
		r = READ_NOT_REGULAR;
	} else if (S_ISDIR(st.st_mode)) {
		errno = EISDIR;
		r = READ_ERRNO;
	}
	while (!r && (n = read(fd, tmp, sizeof(tmp))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			r = READ_ERRNO;
		else if (out->len + (size_t)n > max)
			r = READ_TOO_BIG;
		else
			buf_add(out, tmp, (size_t)n);
	}
	e = errno;
	explicit_bzero(tmp, sizeof(tmp));
	close(fd);
	errno = e;
	return r;
}

static int read_file_value(const char *dir, const char *arg,
			   const struct loc *loc, struct buf *out)
{
	struct buf path = BUF_INIT;
	int r;

	if (arg[0] != '/' && dir)
		buf_addf(&path, "%s/", dir);
	buf_addstr(&path, arg);
	r = site_read_capped(path.data, FILE_VALUE_MAX, 1, out);
	if (r == READ_ERRNO)
		r = error_at(loc, "!file '%s': %s", arg, strerror(errno));
	else if (r == READ_NOT_REGULAR)
		r = error_at(loc, "!file '%s' is not a regular file; give a "
				  "file that holds the value (not a device, "
				  "FIFO or directory)",
			     arg);
	else if (r == READ_TOO_BIG)
		r = error_at(loc, "!file '%s' is larger than %u KiB; it should "
				  "hold one secret, key or certificate",
			     arg, FILE_VALUE_MAX >> 10);
	else if (memchr(out->data, '\0', out->len))
		r = error_at(loc, "!file '%s' contains a NUL byte; a value is "
				  "text",
			     arg);
	/* a trailing newline is an artefact of editors, not of the secret */
	while (out->len && (out->data[out->len - 1] == '\n' ||
			    out->data[out->len - 1] == '\r'))
		buf_truncate(out, out->len - 1);
	buf_release(&path);
	return r;
}

/* ---- Ansible Vault ------------------------------------------------------ */

static const char *vault_file;
static struct buf vault_pw = BUF_INIT;
static int vault_pw_read;

void site_set_vault_password_file(const char *path)
{
	vault_file = path;
}

static void vault_forget(void)
{
	buf_wipe(&vault_pw);
}

/* Read once: the file may be a pipe (--vault-password-file <(pass x)). */
static int vault_password(const struct loc *loc)
{
	const char *path = vault_file ? vault_file
				      : getenv("ANSIBLE_VAULT_PASSWORD_FILE");
	size_t b = 0;
	int r;

	if (vault_pw_read)
		return vault_pw.len ? 0 : -1;
	vault_pw_read = 1;
	atexit(vault_forget);
	if (!path || !path[0])
		return error_at(loc, "!vault value, but no vault password: "
				     "pass --vault-password-file FILE (or set "
				     "ANSIBLE_VAULT_PASSWORD_FILE)");
	r = site_read_capped(path, FILE_VALUE_MAX, 0, &vault_pw);
	if (r == READ_ERRNO)
		return error("cannot read vault password file '%s': %s", path,
			     strerror(errno));
	if (r == READ_TOO_BIG)
		return error("vault password file '%s' is larger than %u KiB",
			     path, FILE_VALUE_MAX >> 10);
	/* ansible strips the password file's surrounding whitespace */
	while (vault_pw.len && isspace((unsigned char)
					       vault_pw.data[vault_pw.len - 1]))
		buf_truncate(&vault_pw, vault_pw.len - 1);
	while (b < vault_pw.len && isspace((unsigned char)vault_pw.data[b]))
		b++;
	if (b) {
		memmove(vault_pw.data, vault_pw.data + b, vault_pw.len - b);
		buf_truncate(&vault_pw, vault_pw.len - b);
	}
	if (!vault_pw.len)
		return error("vault password file '%s' is empty", path);
	return 0;
}

static int vault_value(const char *text, const struct loc *loc,
		       struct buf *out)
{
	int r;

	if (vault_password(loc) < 0)
		return -1;
	diag_set_loc(loc);
	r = vault_decrypt(text, strlen(text), vault_pw.data, vault_pw.len,
			  "!vault", out);
	diag_set_loc(NULL);
	if (r == 0 && memchr(out->data, '\0', out->len))
		r = error_at(loc, "!vault: the decrypted value contains a NUL "
				  "byte");
	return r;
}

/* Site files may take any scalar from the environment, a file or a vault. */
struct sval *site_source_tag(const char *dir, const char *tag,
			     const char *text, const struct loc *loc)
{
	struct buf b = BUF_INIT;
	struct sval *v;

	if (!strcmp(tag, "!env")) {
		const char *e = getenv(text);

		if (!e) {
			error_at(loc,
				 "!env: environment variable '%s' is not set",
				 text);
			return NULL;
		}
		buf_addstr(&b, e);
	} else if (!strcmp(tag, "!file")) {
		if (read_file_value(dir, text, loc, &b) < 0) {
			buf_release(&b);
			return NULL;
		}
	} else if (!strcmp(tag, "!vault")) {
		if (vault_value(text, loc, &b) < 0) {
			buf_wipe(&b);
			return NULL;
		}
	} else {
		error_at(loc, "unknown tag '%s' (supported: !env, !file, "
			      "!vault)",
			 tag);
		return NULL;
	}
	v = sval_scalar(b.data, loc);
	v->quoted = 1;
	v->secret = 1;
	if (b.alloc)
		explicit_bzero(b.data, b.len);
	buf_release(&b);
	return v;
}
