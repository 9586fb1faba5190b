/* deb.c - .deb writer: ar outside, GNU tar inside, all through libarchive
 * SPDX-License-Identifier: MIT
 *
 * The work runs in this order because of two dependencies: md5sums (in
 * control.tar) needs the hash of every payload file, and an ar member
 * header needs the member's compressed size before its bytes. So we
 *   1. render control and conffiles (cheap; bad fields fail before any
 *      slow compression),
 *   2. write the compressed data.tar into an unlinked scratch file next to
 *      the output, hashing each file while it streams through,
 *   3. write the compressed control.tar into memory (a few KiB),
 *   4. wrap debian-binary, control.tar and data.tar in the ar.
 * Memory use stays at one read chunk plus the compressor's state, however
 * big the agent binary is.
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
#include "deb.h"
#include "digest.h"
#include "pkg.h"
#include "util.h"
#include "banned.h"

/* Read and copy granularity for payload files and the scratch file. */
#define CHUNK_SIZE (64 * 1024)

/*
 * Compressor threads, fixed and never derived from nproc, because the
 * thread count can change the output bytes and a .deb must come out the
 * same on every build machine.
 *
 * xz: libarchive uses liblzma's single-block encoder for threads=1 and the
 * multi-threaded encoder otherwise. The MT encoder cuts the input into
 * blocks of 3 x the dictionary size (24 MiB at level 6) and its output
 * depends only on that block size, so threads=2 and threads=4 give the same
 * bytes (checked), unlike threads=1. A 35 MB agent makes two blocks, so more
 * than 2 threads cannot help at level 6. Measured on 2 cores with a 32 MB
 * ELF at level 6: 15.3 s with 1 thread, 13.7 s with 2 (+115 MB RSS, 0.1%
 * larger); at level 1: 2.7 s vs 1.2 s. dpkg-deb -Zxz also uses the MT
 * encoder and produces the same block layout.
 *
 * zstd: with nbWorkers >= 1 the output is the same for any worker count
 * (checked 1, 2, 4) and differs from nbWorkers = 0. At level 19 a zstd job
 * is 256 MiB, larger than the payload, so workers gain nothing there; at
 * low levels 2 workers are faster. The pinned value only matters for speed.
 */
#define XZ_THREADS   "2"
#define ZSTD_THREADS "2"

struct deb_writer {
	const struct pkg *p;
	const char *path;	     /* the .deb, for messages */
	char control_name[24];	     /* "control.tar.xz" */
	char data_name[24];	     /* "data.tar.xz" */
	char *chunk;		     /* CHUNK_SIZE bytes of scratch space */
	struct archive_entry *entry; /* reused for every member */
	struct buf control;	     /* the control file */
	struct buf conffiles;	     /* the conffiles file; empty: none */
	struct buf md5sums;	     /* filled while data.tar is written */
	struct buf control_tar;	     /* compressed control.tar */
	int data_fd;		     /* unlinked scratch: compressed data.tar */
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

static int render_control(struct deb_writer *w)
{
	const struct pkg *p = w->p;
	struct buf *out = &w->control;
	struct buf version = BUF_INIT;
	int r = -1;

	buf_addstr(&version, p->version ? p->version : "");
	if (p->release && *p->release && version.len)
		buf_addf(&version, "-%s", p->release);

	if (add_field(out, "Package", p->name, 1) ||
	    add_field(out, "Version", version.data, 1) ||
	    add_field(out, "Architecture", p->deb_arch, 1) ||
	    add_field(out, "Maintainer", p->maintainer, 1))
		goto out;
	buf_addf(out, "Installed-Size: %" PRIu64 "\n", installed_size(p));
	if (add_field(out, "Depends", p->deb_depends, 0) ||
	    add_field(out, "Recommends", p->deb_recommends, 0) ||
	    add_field(out, "Suggests", p->deb_suggests, 0) ||
	    add_field(out, "Section", p->section, 0) ||
	    add_field(out, "Priority", "optional", 1) ||
	    add_field(out, "Homepage", p->homepage, 0) ||
	    add_field(out, "Description", p->summary, 1))
		goto out;
	add_description(out, p->description);
	r = 0;
out:
	buf_release(&version);
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

/* read() that retries on EINTR and reports errors for path. */
static ssize_t read_chunk(int fd, void *buf, size_t n, const char *path)
{
	for (;;) {
		ssize_t r = read(fd, buf, n);

		if (r >= 0)
			return r;
		if (errno != EINTR)
			return error("cannot read '%s': %s", path,
				     strerror(errno));
	}
}

/*
 * Streams f->src into the tar in CHUNK_SIZE pieces, hashing on the way.
 * The tar header promises f->size bytes before any are read, so a file that
 * changes size (a build still writing the agent, say) must fail rather than
 * produce a truncated or padded member.
 */
static int add_src(struct deb_writer *w, struct archive *a, const char *name,
		   const struct pkg_file *f, struct md5_ctx *md5)
{
	uint64_t left = f->size;
	struct stat st;
	ssize_t n;
	int r = -1, fd;

	/* Plain open: src is the user's path to the agent and may well be a
	 * symlink into a download cache. */
	fd = open(f->src, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return error("cannot open '%s': %s", f->src, strerror(errno));
	if (fstat(fd, &st) < 0) {
		error("cannot stat '%s': %s", f->src, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		error("'%s' is not a regular file", f->src);
		goto out;
	}
	if ((uint64_t)st.st_size != f->size) {
		error("'%s' is %jd bytes but %" PRIu64 " were expected; did it "
		      "change after it was scanned?",
		      f->src, (intmax_t)st.st_size, f->size);
		goto out;
	}
	entry_reset(w, name, AE_IFREG, f->mode, f->size);
	if (add_header(w, a, w->data_name))
		goto out;
	while (left) {
		n = read_chunk(fd, w->chunk,
			       left < CHUNK_SIZE ? (size_t)left : CHUNK_SIZE,
			       f->src);
		if (n < 0)
			goto out;
		if (!n) {
			error("'%s' changed size while being read: ended "
			      "after %" PRIu64 " of %" PRIu64 " bytes",
			      f->src, f->size - left, f->size);
			goto out;
		}
		md5_update(md5, w->chunk, (size_t)n);
		if (archive_write_data(a, w->chunk, (size_t)n) != n) {
			archive_fail(w, a, w->data_name, name);
			goto out;
		}
		left -= (uint64_t)n;
	}
	/* Growth would otherwise go unnoticed: we stop at f->size. */
	n = read_chunk(fd, w->chunk, 1, f->src);
	if (n < 0)
		goto out;
	if (n > 0) {
		error("'%s' changed size while being read: longer than %" PRIu64
		      " bytes",
		      f->src, f->size);
		goto out;
	}
	r = 0;
out:
	close(fd);
	return r;
}

static int add_payload_file(struct deb_writer *w, struct archive *a,
			    const char *name, const struct pkg_file *f)
{
	struct md5_ctx md5;
	uint8_t d[MD5_DIGEST_LEN];
	char hex[MD5_HEX_SIZE];
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
	md5_init(&md5);
	if (f->src) {
		r = add_src(w, a, name, f, &md5);
	} else {
		md5_update(&md5, f->content.data, f->content.len);
		r = add_mem(w, a, w->data_name, name, f->mode, f->content.data,
			    f->content.len);
	}
	/* dh_md5sums leaves conffiles out: dpkg tracks their hashes in its
	 * conffiles database instead. */
	if (!r && !(f->flags & PKG_CONFIG)) {
		md5_final(&md5, d);
		digest_hex(d, sizeof(d), hex);
		buf_addf(&w->md5sums, "%s  %s\n", hex, f->path + 1);
	}
	md5_release(&md5);
	return r ? -1 : 0;
}

/*
 * A new archive for control.tar or data.tar: GNU format, the package's
 * compressor, no padding of the last block (libarchive pads to 10 KiB when
 * the output is not a regular file; the result must not depend on that).
 */
static struct archive *tar_new(struct deb_writer *w, const char *member)
{
	const struct pkg *p = w->p;
	struct archive *a = archive_write_new();
	const char *filter = NULL, *threads = NULL;
	char level[16];
	int r = ARCHIVE_OK, lvl = -1;

	if (!a)
		die("out of memory");
	switch (p->deb_comp) {
	case COMP_XZ:
		filter = "xz";
		lvl = 6;
		threads = XZ_THREADS;
		r = archive_write_add_filter_xz(a);
		break;
	case COMP_ZSTD:
		filter = "zstd";
		lvl = 19;
		threads = ZSTD_THREADS;
		r = archive_write_add_filter_zstd(a);
		break;
	case COMP_GZIP:
		filter = "gzip";
		lvl = 9;
		r = archive_write_add_filter_gzip(a);
		break;
	case COMP_NONE:
		break;
	}
	/* ARCHIVE_WARN here means libarchive lacks the library and would run
	 * an external program, whose output we cannot pin: refuse. */
	if (r != ARCHIVE_OK) {
		archive_fail(w, a, member, NULL);
		goto fail;
	}
	if (filter) {
		if (p->comp_level >= 0)
			lvl = p->comp_level;
		snprintf(level, sizeof(level), "%d", lvl);
		if (archive_write_set_filter_option(a, filter,
						    "compression-level",
						    level) != ARCHIVE_OK) {
			error("%s compression level %d is not supported",
			      filter, lvl);
			goto fail;
		}
	}
	if (threads && archive_write_set_filter_option(a, filter, "threads",
						       threads) != ARCHIVE_OK) {
		archive_fail(w, a, member, NULL);
		goto fail;
	}
	/* gzip stores the current time in its header unless told not to. */
	if (p->deb_comp == COMP_GZIP &&
	    archive_write_set_options(a, "gzip:!timestamp") != ARCHIVE_OK) {
		archive_fail(w, a, member, NULL);
		goto fail;
	}
	if (archive_write_set_format_gnutar(a) != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK) {
		archive_fail(w, a, member, NULL);
		goto fail;
	}
	return a;
fail:
	archive_write_free(a);
	return NULL;
}

static int write_data_tar(struct deb_writer *w)
{
	const struct pkg *p = w->p;
	struct buf name = BUF_INIT;
	struct archive *a = tar_new(w, w->data_name);
	size_t i;
	int r = -1;

	if (!a)
		return -1;
	if (archive_write_open_fd(a, w->data_fd) != ARCHIVE_OK) {
		archive_fail(w, a, w->data_name, NULL);
		goto out;
	}
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
	/* close flushes the compressor: a full disk shows up here */
	if (archive_write_close(a) != ARCHIVE_OK) {
		archive_fail(w, a, w->data_name, NULL);
		goto out;
	}
	r = 0;
out:
	archive_write_free(a);
	buf_release(&name);
	return r;
}

static la_ssize_t buf_write_cb(struct archive *a, void *data, const void *buf,
			       size_t n)
{
	buf_add(data, buf, n);
	return (la_ssize_t)n;
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
	struct archive *a = tar_new(w, member);
	size_t i;
	int r = -1;

	if (!a)
		return -1;
	if (archive_write_open(a, &w->control_tar, NULL, buf_write_cb, NULL) !=
	    ARCHIVE_OK) {
		archive_fail(w, a, member, NULL);
		goto out;
	}
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
	r = 0;
out:
	archive_write_free(a);
	return r;
}

/* Copies the scratch data.tar into the ar member whose header says size. */
static int copy_data_tar(struct deb_writer *w, struct archive *a, uint64_t size)
{
	uint64_t left = size;

	if (lseek(w->data_fd, 0, SEEK_SET) < 0)
		return error("cannot rewind scratch file for '%s': %s", w->path,
			     strerror(errno));
	while (left) {
		ssize_t n = read_chunk(w->data_fd, w->chunk,
				       left < CHUNK_SIZE ? (size_t)left
							 : CHUNK_SIZE,
				       "data.tar scratch file");

		if (n < 0)
			return -1;
		if (!n)
			BUG("scratch data.tar shorter than its size");
		if (archive_write_data(a, w->chunk, (size_t)n) != n)
			return archive_fail(w, a, "ar", w->data_name);
		left -= (uint64_t)n;
	}
	return 0;
}

static int write_ar(struct deb_writer *w, int fd)
{
	struct archive *a = archive_write_new();
	struct stat st;
	int r = -1;

	if (!a)
		die("out of memory");
	if (archive_write_set_format_ar_bsd(a) != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK ||
	    archive_write_open_fd(a, fd) != ARCHIVE_OK) {
		archive_fail(w, a, "ar", NULL);
		goto out;
	}
	if (add_mem(w, a, "ar", "debian-binary", 0644, "2.0\n", 4) ||
	    add_mem(w, a, "ar", w->control_name, 0644, w->control_tar.data,
		    w->control_tar.len))
		goto out;
	if (fstat(w->data_fd, &st) < 0) {
		error("cannot stat scratch file for '%s': %s", w->path,
		      strerror(errno));
		goto out;
	}
	entry_reset(w, w->data_name, AE_IFREG, 0644, (uint64_t)st.st_size);
	if (add_header(w, a, "ar") || copy_data_tar(w, a, (uint64_t)st.st_size))
		goto out;
	if (archive_write_close(a) != ARCHIVE_OK) {
		archive_fail(w, a, "ar", NULL);
		goto out;
	}
	r = 0;
out:
	archive_write_free(a);
	return r;
}

/* An unlinked temporary file in path's directory: same filesystem as the
 * output (which has room for it), and nothing to clean up after a crash. */
static int scratch_open(const char *path)
{
	struct buf tmpl = BUF_INIT;
	int fd;

	buf_addf(&tmpl, "%s.data-XXXXXX", path);
	fd = mkostemp(tmpl.data, O_CLOEXEC);
	if (fd < 0) {
		error("cannot create scratch file '%s': %s", tmpl.data,
		      strerror(errno));
	} else if (unlink(tmpl.data) < 0) {
		error("cannot remove scratch file '%s': %s", tmpl.data,
		      strerror(errno));
		close(fd);
		fd = -1;
	}
	buf_release(&tmpl);
	return fd;
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

static const char *comp_ext(enum pkg_compression c)
{
	switch (c) {
	case COMP_XZ:
		return ".xz";
	case COMP_ZSTD:
		return ".zst";
	case COMP_GZIP:
		return ".gz";
	case COMP_NONE:
		return "";
	}
	BUG("bad compression %d", (int)c);
}

int deb_write(const struct pkg *p, const char *path)
{
	struct deb_writer w;
	const char *ext = comp_ext(p->deb_comp);
	int r = -1, fd = -1;

	memset(&w, 0, sizeof(w));
	w.p = p;
	w.path = path;
	w.data_fd = -1;
	snprintf(w.control_name, sizeof(w.control_name), "control.tar%s", ext);
	snprintf(w.data_name, sizeof(w.data_name), "data.tar%s", ext);
	buf_init(&w.control);
	buf_init(&w.conffiles);
	buf_init(&w.md5sums);
	buf_init(&w.control_tar);
	w.chunk = xmalloc(CHUNK_SIZE);
	w.entry = archive_entry_new();
	if (!w.entry)
		die("out of memory");

	if (p->mtime < 0) {
		error("cannot write '%s': negative mtime %" PRId64, path,
		      p->mtime);
		goto out;
	}
	if (render_control(&w) || render_conffiles(&w))
		goto out;

	fd = open_output(path);
	if (fd < 0)
		goto out;
	w.data_fd = scratch_open(path);
	if (w.data_fd < 0)
		goto out;
	if (write_data_tar(&w) || write_control_tar(&w) || write_ar(&w, fd))
		goto out;
	r = 0;
out:
	if (fd >= 0 && close(fd) < 0 && !r)
		r = error("cannot close '%s': %s", path, strerror(errno));
	if (w.data_fd >= 0)
		close(w.data_fd);
	archive_entry_free(w.entry);
	free(w.chunk);
	buf_release(&w.control);
	buf_release(&w.conffiles);
	buf_release(&w.md5sums);
	buf_release(&w.control_tar);
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
