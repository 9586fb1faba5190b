/* deb.c - .deb writer: ar outside, GNU tar inside, all through libarchive
 * SPDX-License-Identifier: MIT
 *
 * The work runs in this order because of two dependencies: md5sums (in
 * control.tar) needs the hash of every payload file, and an ar member
 * header needs the member's compressed size before its bytes. So we
 *   1. render control and conffiles (cheap; bad fields fail before any
 *      slow compression),
 *   2. write the uncompressed data.tar into a struct cstream, the agent
 *      binary as a region named, not copied (its md5 the stage computed
 *      once), and hand it to the compression stage,
 *   3. the same for control.tar (a few KiB),
 *   4. wrap debian-binary, control.tar and data.tar in the ar.
 * The compressed binary blocks belong to the stage and are shared by every
 * package of the build; the result borrows them.
 *
 * Layout choices copy dpkg-deb --build (src/deb/build.c) so that dpkg,
 * lintian and humans comparing listings see nothing unusual: "./"-prefixed
 * names, a "./" entry first, directories with a trailing slash, root:root,
 * GNU tar format (dpkg rejects pax headers), ar member names padded with
 * spaces and no trailing slash (libarchive's ar_bsd writer).
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "cstage.h"
#include "compress.h"
#include "deb.h"
#include "digest.h"
#include "pkg.h"
#include "util.h"
#include "banned.h"

struct deb_writer {
	const struct pkg *p;
	struct cstage *stage;
	const char *path;	     /* the .deb, for messages */
	char control_name[24];	     /* "control.tar.xz" */
	char data_name[24];	     /* "data.tar.xz" */
	int level;
	struct archive_entry *entry; /* reused for every member */
	struct buf control;	     /* the control file */
	struct buf conffiles;	     /* the conffiles file; empty: none */
	struct buf md5sums;	     /* filled while data.tar is written */
	struct cstream data;	     /* uncompressed data.tar */
	struct cstream ctrl;	     /* uncompressed control.tar */
	struct cout data_z, ctrl_z;  /* compressed */
	struct buf ar;		     /* the ar around them, but data.tar */
};

static int archive_fail(const struct deb_writer *w, struct archive *a,
			const char *member, const char *name)
{
	const char *msg = archive_error_string(a);

	if (!msg)
		msg = "unknown libarchive error";
	if (name)
		return error("cannot write '%s' (%s, '%s'): %s", w->path,
			     member, name, msg);
	return error("cannot write '%s' (%s): %s", w->path, member, msg);
}

/* Bytes of a regular file: its content, or what pkg_stat_files() found. */
static uint64_t reg_size(const struct pkg_file *f)
{
	return f->src ? f->size : f->content.len;
}

/* ---- control area text ---- */

static int add_field(struct buf *out, const char *field, const char *value,
		     int required)
{
	if (!value || !*value) {
		if (required)
			return error("control field '%s' is empty", field);
		return 0;
	}
	/* A newline would start a new field or paragraph in the control
	 * file; only Description has continuation lines, written below. */
	if (strchr(value, '\n'))
		return error("control field '%s' must be one line: '%s'", field,
			     value);
	buf_addf(out, "%s: %s\n", field, value);
	return 0;
}

/*
 * dpkg-gencontrol's Installed-Size (deb-substvars(5)): every regular file
 * and symlink counts its size rounded up to KiB, every other object (here:
 * directories, including the "./" we add) counts 1 KiB.
 */
static uint64_t installed_size(const struct pkg *p)
{
	uint64_t kib = 1; /* "./" */
	size_t i;

	for (i = 0; i < p->nr_files; i++) {
		const struct pkg_file *f = &p->files[i];

		switch (f->type) {
		case PKG_REG:
			kib += (reg_size(f) + 1023) / 1024;
			break;
		case PKG_SYMLINK:
			/* lstat size of a symlink = length of its target */
			kib += (strlen(f->target) + 1023) / 1024;
			break;
		case PKG_DIR:
			kib++;
			break;
		default:
			BUG("bad file type %d", (int)f->type);
		}
	}
	return kib;
}

/* Extended description: each line indented by one space; blank lines (and
 * whitespace-only ones, which deb822 forbids inside a field) become " .". */
static void add_description(struct buf *out, const char *text)
{
	const char *s = text, *end;
	size_t len;

	if (!text)
		return;
	/* pkg.h says no trailing newline; a stray one must not become a
	 * trailing " ." line. */
	len = strlen(text);
	while (len && text[len - 1] == '\n')
		len--;
	for (end = text + len; s < end;) {
		const char *eol = memchr(s, '\n', (size_t)(end - s));
		size_t n = eol ? (size_t)(eol - s) : (size_t)(end - s);

		if (strspn(s, " \t") >= n)
			buf_addstr(out, " .\n");
		else
			buf_addf(out, " %.*s\n", (int)n, s);
		s += n + 1;
	}
}

/* "a (>= 1), b | c": the Depends (weak 0), Recommends or Suggests value. */
static void relations(struct buf *out, const struct pkg *p, unsigned weak)
{
	const unsigned weak_flags = DEP_RECOMMENDS | DEP_SUGGESTS;
	size_t i;

	for (i = 0; i < p->nr_requires; i++) {
		const struct pkg_dep *d = &p->requires[i];
		unsigned cmp = d->flags & (DEP_LESS | DEP_GREATER | DEP_EQUAL);
		const char *op = cmp == (DEP_GREATER | DEP_EQUAL) ? ">="
				 : cmp == (DEP_LESS | DEP_EQUAL)  ? "<="
				 : cmp == DEP_GREATER		  ? ">>"
				 : cmp == DEP_LESS		  ? "<<"
								  : "=";

		if ((d->flags & weak_flags) != weak)
			continue;
		buf_addf(out, "%s%s", out->len ? ", " : "", d->name);
		if (d->version)
			buf_addf(out, " (%s %s)", op, d->version);
	}
}

static int render_control(struct deb_writer *w)
{
	const struct pkg *p = w->p;
	struct buf *out = &w->control;
	struct buf version = BUF_INIT, deps = BUF_INIT, recs = BUF_INIT;
	struct buf sugs = BUF_INIT;
	int r = -1;

	buf_addstr(&version, p->version ? p->version : "");
	if (p->release && *p->release && version.len)
		buf_addf(&version, "-%s", p->release);

	if (add_field(out, "Package", p->name, 1) ||
	    add_field(out, "Version", version.data, 1) ||
	    add_field(out, "Architecture", p->arch, 1) ||
	    add_field(out, "Maintainer", p->maintainer, 1))
		goto out;
	buf_addf(out, "Installed-Size: %" PRIu64 "\n", installed_size(p));
	relations(&deps, p, 0);
	relations(&recs, p, DEP_RECOMMENDS);
	relations(&sugs, p, DEP_SUGGESTS);
	if (add_field(out, "Depends", deps.data, 0) ||
	    add_field(out, "Recommends", recs.data, 0) ||
	    add_field(out, "Suggests", sugs.data, 0) ||
	    add_field(out, "Section", p->category, 0) ||
	    add_field(out, "Priority", "optional", 1) ||
	    add_field(out, "Homepage", p->homepage, 0) ||
	    add_field(out, "Description", p->summary, 1))
		goto out;
	add_description(out, p->description);
	r = 0;
out:
	buf_release(&version);
	buf_release(&deps);
	buf_release(&recs);
	buf_release(&sugs);
	return r;
}

/* conffiles lists absolute paths (dh_installdeb's format); dpkg only
 * tracks regular files as conffiles. */
static int render_conffiles(struct deb_writer *w)
{
	size_t i;

	for (i = 0; i < w->p->nr_files; i++) {
		const struct pkg_file *f = &w->p->files[i];

		if (!(f->flags & PKG_CONFIG))
			continue;
		if (f->type != PKG_REG)
			return error("'%s' cannot be a conffile: only regular "
				     "files can",
				     f->path);
		buf_addf(&w->conffiles, "%s\n", f->path);
	}
	return 0;
}

/* ---- tar and ar members ---- */

/* Resets the shared entry to a root-owned member with the package mtime. */
static void entry_reset(struct deb_writer *w, const char *name, unsigned type,
			unsigned perm, uint64_t size)
{
	struct archive_entry *e = w->entry;

	archive_entry_clear(e);
	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, type);
	archive_entry_set_perm(e, perm & 07777);
	archive_entry_set_size(e, (la_int64_t)size);
	archive_entry_set_mtime(e, w->p->mtime, 0);
	archive_entry_set_uid(e, 0);
	archive_entry_set_gid(e, 0);
	archive_entry_set_uname(e, "root");
	archive_entry_set_gname(e, "root");
}

static int add_header(struct deb_writer *w, struct archive *a,
		      const char *member)
{
	if (archive_write_header(a, w->entry) != ARCHIVE_OK)
		return archive_fail(w, a, member,
				    archive_entry_pathname(w->entry));
	return 0;
}

/* Adds a regular file from memory. */
static int add_mem(struct deb_writer *w, struct archive *a, const char *member,
		   const char *name, unsigned perm, const void *data,
		   size_t len)
{
	entry_reset(w, name, AE_IFREG, perm, len);
	if (add_header(w, a, member))
		return -1;
	if (len && archive_write_data(a, data, len) != (la_ssize_t)len)
		return archive_fail(w, a, member, name);
	return 0;
}

static int add_dir(struct deb_writer *w, struct archive *a, const char *member,
		   const char *name, unsigned perm)
{
	entry_reset(w, name, AE_IFDIR, perm, 0);
	return add_header(w, a, member);
}

/*
 * The tar header promises f->size bytes; the stage read the file once and
 * its size must agree (a build still writing the agent, say, must fail
 * rather than produce a truncated or padded member). The data itself
 * goes into the stream as a region: libarchive pads the member with
 * zeros, which the stream drops in its favour.
 */
static int add_src(struct deb_writer *w, struct archive *a, const char *name,
		   const struct pkg_file *f, const char **md5)
{
	const struct cstage_src *src;

	if (cstage_src(w->stage, f->src, &src) < 0)
		return -1;
	if (src->size != f->size)
		return error("'%s' is %ju bytes but %ju were expected; did it "
			     "change after it was scanned?",
			     f->src, (uintmax_t)src->size, (uintmax_t)f->size);
	entry_reset(w, name, AE_IFREG, f->mode, f->size);
	if (add_header(w, a, w->data_name))
		return -1;
	cstream_add_src(&w->data, src, 1);
	*md5 = src->md5;
	return 0;
}

static int add_payload_file(struct deb_writer *w, struct archive *a,
			    const char *name, const struct pkg_file *f)
{
	uint8_t d[MD5_DIGEST_LEN];
	char hex[MD5_HEX_SIZE];
	const char *md5 = hex;
	int r;

	switch (f->type) {
	case PKG_DIR:
		return add_dir(w, a, w->data_name, name, f->mode);
	case PKG_SYMLINK:
		if (!f->target)
			BUG("symlink '%s' has no target", f->path);
		entry_reset(w, name, AE_IFLNK, 0777, 0);
		archive_entry_set_symlink(w->entry, f->target);
		return add_header(w, a, w->data_name);
	case PKG_REG:
		break;
	default:
		BUG("bad file type %d", (int)f->type);
	}
	if (f->src) {
		r = add_src(w, a, name, f, &md5);
	} else {
		struct md5_ctx c;

		md5_init(&c);
		md5_update(&c, f->content.data, f->content.len);
		md5_final(&c, d);
		digest_hex(d, sizeof(d), hex);
		r = add_mem(w, a, w->data_name, name, f->mode, f->content.data,
			    f->content.len);
	}
	/* dh_md5sums leaves conffiles out: dpkg tracks their hashes in its
	 * conffiles database instead. */
	if (!r && !(f->flags & PKG_CONFIG))
		buf_addf(&w->md5sums, "%s  %s\n", md5, f->path + 1);
	return r ? -1 : 0;
}

static la_ssize_t stream_write_cb(struct archive *a, void *data,
				  const void *buf, size_t n)
{
	cstream_add(data, buf, n);
	return (la_ssize_t)n;
}

/*
 * A new uncompressed GNU tar for control.tar or data.tar into s. No
 * blocking (bytes per block 0): every header and data write reaches the
 * stream at once, so a region starts exactly where its header ends, and
 * no padding of the last block (libarchive pads to 10 KiB otherwise).
 */
static struct archive *tar_new(struct deb_writer *w, const char *member,
			       struct cstream *s)
{
	struct archive *a = archive_write_new();

	if (!a)
		die("out of memory");
	if (archive_write_set_format_gnutar(a) != ARCHIVE_OK ||
	    archive_write_set_bytes_per_block(a, 0) != ARCHIVE_OK ||
	    archive_write_open(a, s, NULL, stream_write_cb, NULL) !=
		    ARCHIVE_OK) {
		archive_fail(w, a, member, NULL);
		archive_write_free(a);
		return NULL;
	}
	return a;
}

static int write_data_tar(struct deb_writer *w)
{
	const struct pkg *p = w->p;
	struct buf name = BUF_INIT;
	struct archive *a = tar_new(w, w->data_name, &w->data);
	size_t i;
	int r = -1;

	if (!a)
		return -1;
	if (add_dir(w, a, w->data_name, "./", 0755))
		goto out;
	for (i = 0; i < p->nr_files; i++) {
		const struct pkg_file *f = &p->files[i];

		if (f->path[0] != '/')
			BUG("payload path '%s' is not absolute", f->path);
		/* md5sums and conffiles are line-based, and dpkg refuses
		 * such names anyway */
		if (strchr(f->path, '\n')) {
			error("payload path contains a newline: '%s'", f->path);
			goto out;
		}
		/* The root is always the "./" written above. */
		if (!f->path[1])
			continue;
		buf_reset(&name);
		buf_addf(&name, ".%s", f->path);
		/* GNU tar (and so dpkg-deb) names directories "./usr/". */
		if (f->type == PKG_DIR && !ends_with(name.data, "/"))
			buf_addch(&name, '/');
		if (add_payload_file(w, a, name.data, f))
			goto out;
	}
	if (archive_write_close(a) != ARCHIVE_OK) {
		archive_fail(w, a, w->data_name, NULL);
		goto out;
	}
	/* dpkg reads only the first zstd frame of a member */
	r = cstage_compress(w->stage, &w->data, p->comp, w->level,
			    CSTAGE_FRAME, &w->data_z);
out:
	archive_write_free(a);
	buf_release(&name);
	return r;
}

static int write_control_tar(struct deb_writer *w)
{
	/* dpkg-deb's order is strcmp order of the names; so is this. */
	static const struct {
		enum pkg_script slot;
		const char *name;
	} scripts[] = {
		{ SCRIPT_POSTINST, "./postinst" },
		{ SCRIPT_POSTRM, "./postrm" },
		{ SCRIPT_PREINST, "./preinst" },
		{ SCRIPT_PRERM, "./prerm" },
	};
	const char *member = w->control_name;
	struct archive *a = tar_new(w, member, &w->ctrl);
	size_t i;
	int r = -1;

	if (!a)
		return -1;
	if (add_dir(w, a, member, "./", 0755))
		goto out;
	/* Empty conffiles/md5sums would draw lintian's control-file-is-empty;
	 * debhelper leaves them out too. */
	if (w->conffiles.len && add_mem(w, a, member, "./conffiles", 0644,
					w->conffiles.data, w->conffiles.len))
		goto out;
	if (add_mem(w, a, member, "./control", 0644, w->control.data,
		    w->control.len))
		goto out;
	if (w->md5sums.len && add_mem(w, a, member, "./md5sums", 0644,
				      w->md5sums.data, w->md5sums.len))
		goto out;
	for (i = 0; i < ARRAY_SIZE(scripts); i++) {
		const struct buf *s = &w->p->scripts[scripts[i].slot];

		if (s->len && add_mem(w, a, member, scripts[i].name, 0755,
				      s->data, s->len))
			goto out;
	}
	if (archive_write_close(a) != ARCHIVE_OK) {
		archive_fail(w, a, member, NULL);
		goto out;
	}
	r = cstage_compress(w->stage, &w->ctrl, w->p->comp, w->level,
			    CSTAGE_FRAME, &w->ctrl_z);
out:
	archive_write_free(a);
	return r;
}

static la_ssize_t buf_write_cb(struct archive *a, void *data, const void *buf,
			       size_t n)
{
	buf_add(data, buf, n);
	return (la_ssize_t)n;
}

/* A compressed member's bytes, for libarchive's ar writer (which copies
 * them into w->ar; the data.tar is appended to the result afterwards). */
static int add_cout(struct deb_writer *w, struct archive *a, const char *name,
		    const struct cout *o, int header_only)
{
	size_t i;

	entry_reset(w, name, AE_IFREG, 0644, o->size);
	if (add_header(w, a, "ar"))
		return -1;
	for (i = 0; !header_only && i < o->nr; i++)
		if (archive_write_data(a, o->v[i].data, o->v[i].len) !=
		    (la_ssize_t)o->v[i].len)
			return archive_fail(w, a, "ar", name);
	return 0;
}

/* debian-binary and control.tar in full, data.tar's header only: its
 * bytes are borrowed from the stage rather than copied. */
static int write_ar(struct deb_writer *w, struct cout *out)
{
	struct archive *a = archive_write_new();
	int r = -1;

	if (!a)
		die("out of memory");
	if (archive_write_set_format_ar_bsd(a) != ARCHIVE_OK ||
	    archive_write_set_bytes_per_block(a, 0) != ARCHIVE_OK ||
	    archive_write_open(a, &w->ar, NULL, buf_write_cb, NULL) !=
		    ARCHIVE_OK) {
		archive_fail(w, a, "ar", NULL);
		goto out;
	}
	if (add_mem(w, a, "ar", "debian-binary", 0644, "2.0\n", 4) ||
	    add_cout(w, a, w->control_name, &w->ctrl_z, 0) ||
	    add_cout(w, a, w->data_name, &w->data_z, 1))
		goto out;
	cout_add(out, w->ar.data, w->ar.len);
	cout_append(out, &w->data_z);
	/* ar members start at even offsets */
	if (w->data_z.size % 2)
		cout_add(out, "\n", 1);
	r = 0;
out:
	/* the data.tar was never written through libarchive: do not let it
	 * finish the entry */
	archive_write_free(a);
	return r;
}

int deb_make(const struct pkg *p, struct cstage *stage, struct cout *out)
{
	struct deb_writer w;
	const char *ext = compress_ext(p->comp);
	int r = -1;

	memset(&w, 0, sizeof(w));
	w.p = p;
	w.stage = stage;
	w.path = p->name;
	w.level = p->comp_level >= 0 ? p->comp_level
				     : compress_default_level(p->comp);
	snprintf(w.control_name, sizeof(w.control_name), "control.tar%s", ext);
	snprintf(w.data_name, sizeof(w.data_name), "data.tar%s", ext);
	buf_init(&w.control);
	buf_init(&w.conffiles);
	buf_init(&w.md5sums);
	buf_init(&w.ar);
	cstream_init(&w.data);
	cstream_init(&w.ctrl);
	w.data.secret = cstream_pkg_secret(p);
	cout_init(&w.data_z);
	cout_init(&w.ctrl_z);
	w.entry = archive_entry_new();
	if (!w.entry)
		die("out of memory");

	if (p->mtime < 0) {
		error("cannot write '%s': negative mtime %" PRId64, w.path,
		      p->mtime);
		goto out;
	}
	if (compress_check_level(p->comp, w.level) < 0 ||
	    render_control(&w) || render_conffiles(&w))
		goto out;
	if (write_data_tar(&w) || write_control_tar(&w) || write_ar(&w, out))
		goto out;
	r = 0;
out:
	archive_entry_free(w.entry);
	buf_release(&w.control);
	buf_release(&w.conffiles);
	buf_release(&w.md5sums);
	buf_release(&w.ar);
	cstream_release(&w.data);
	cstream_release(&w.ctrl);
	cout_release(&w.data_z);
	cout_release(&w.ctrl_z);
	return r;
}

/*
 * A new file gets mode 0644 whatever the umask: it is a package to publish.
 * An existing file is truncated but keeps its mode, because the build
 * command hands us a mkstemp() file (0600) and keeps it private when the
 * package carries secrets; widening it here would expose them until then.
 */
static int open_output(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

	if (fd >= 0) {
		if (fchmod(fd, 0644) < 0) {
			error("cannot chmod '%s': %s", path, strerror(errno));
			close(fd);
			return -1;
		}
		return fd;
	}
	if (errno == EEXIST)
		fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		error("cannot create '%s': %s", path, strerror(errno));
	return fd;
}

int deb_write(const struct pkg *p, const char *path)
{
	struct cstage *st = cstage_new(NULL, 1);
	struct cout out;
	int fd, r = -1;

	cout_init(&out);
	if (deb_make(p, st, &out) < 0)
		goto out;
	fd = open_output(path);
	if (fd < 0)
		goto out;
	r = cout_write(&out, fd, path);
	if (close(fd) < 0 && !r)
		r = error("cannot close '%s': %s", path, strerror(errno));
out:
	cout_release(&out);
	cstage_free(st);
	return r;
}

/* ---- reading a .deb's control file (pkgtool repo) ----
 *
 * The repository publishes any .deb, so the reader trusts nothing: sizes
 * are capped (a control.tar of a few MiB is already absurd), members are
 * looked up by name, and the error says what was wrong with the file.
 */
#define CONTROL_TAR_MAX (16u << 20)
#define CONTROL_MAX (1u << 20)

static int read_member(struct archive *a, const char *path, size_t max,
		       struct buf *out)
{
	char chunk[16384];
	la_ssize_t n;

	while ((n = archive_read_data(a, chunk, sizeof(chunk))) > 0) {
		if (out->len + (size_t)n > max)
			return error("'%s': control area larger than %zu bytes",
				     path, max);
		buf_add(out, chunk, (size_t)n);
	}
	if (n < 0)
		return error("'%s': %s", path, archive_error_string(a));
	return 0;
}

static int control_from_tar(const char *path, const struct buf *tar,
			    struct buf *control)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	int r = -1, rc;

	if (!a)
		die("out of memory");
	archive_read_support_filter_all(a);
	archive_read_support_format_tar(a);
	if (archive_read_open_memory(a, tar->data, tar->len) != ARCHIVE_OK) {
		error("'%s': control.tar: %s", path, archive_error_string(a));
		goto out;
	}
	while ((rc = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(e);

		if (strcmp(name, "./control") && strcmp(name, "control"))
			continue;
		r = read_member(a, path, CONTROL_MAX, control);
		goto out;
	}
	error("'%s': no control file in control.tar%s%s", path,
	      rc == ARCHIVE_EOF ? "" : ": ",
	      rc == ARCHIVE_EOF ? "" : archive_error_string(a));
out:
	archive_read_free(a);
	return r;
}

int deb_read_control(const char *path, struct buf *control)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	struct buf tar = BUF_INIT;
	int r = -1, n = 0, rc;

	if (!a)
		die("out of memory");
	archive_read_support_format_ar(a);
	if (archive_read_open_filename(a, path, 65536) != ARCHIVE_OK) {
		error("'%s' is not a .deb package: %s", path,
		      archive_error_string(a));
		goto out;
	}
	while ((rc = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(e);

		if (n++ == 0 && strcmp(name, "debian-binary")) {
			error("'%s' is not a .deb package (first member "
			      "'%s', not 'debian-binary')", path, name);
			goto out;
		}
		if (!starts_with(name, "control.tar"))
			continue;
		if (read_member(a, path, CONTROL_TAR_MAX, &tar) < 0)
			goto out;
		r = control_from_tar(path, &tar, control);
		goto out;
	}
	error("'%s' is not a .deb package%s%s", path,
	      rc == ARCHIVE_EOF ? " (no control.tar member)" : ": ",
	      rc == ARCHIVE_EOF ? "" : archive_error_string(a));
out:
	buf_release(&tar);
	archive_read_free(a);
	return r;
}
