/* rpm.c - the .rpm writer's librpm side, on public librpm 4.18 APIs
 * SPDX-License-Identifier: MIT
 *
 * A v4 package is: lead (96 bytes) | signature header, padded to 8 |
 * main header (an immutable region) | compressed cpio payload. librpm
 * encodes the headers and the cpio stream; we choose every tag, and
 * rpm_make.c writes the lead and the sections, because rpmbuild's
 * rpmLeadWrite() and rpmGenerateSignature() are internal to librpm.
 *
 * librpm writes the uncompressed cpio into an anonymous memory file,
 * except the agent binary's data, which goes to /dev/null (see
 * archive_src()) and enters the stream as a region (rpm_payload.c).
 *
 * This is the only file that includes <rpm/...> headers.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rpm/header.h>
#include <rpm/rpmarchive.h>
#include <rpm/rpmcrypto.h> /* RPM_HASH_* tag values */
#include <rpm/rpmds.h>
#include <rpm/rpmfi.h>
#include <rpm/rpmfiles.h>
#include <rpm/rpmio.h>
#include <rpm/rpmlib.h>
#include <rpm/rpmlog.h>
#include <rpm/rpmmacro.h>
#include <rpm/rpmsign.h>
#include <rpm/rpmtag.h>
#include <rpm/rpmtd.h>

#include "buf.h"
#include "pkg.h"
#include "rpm.h"
#include "rpm_int.h"
#include "util.h"
#include "banned.h"

/* rpmbuild reserves 32 bytes plus %__gpg_reserved_space (4096 by
 * default) so that rpmsign can add a signature in place. A constant
 * keeps our bytes independent of the host's macros. */
#define SIG_RESERVED (32 + 4096)

/* librpm reports through rpmlog(); errors are collected here and quoted
 * in our own error() so that each failure is reported once. */
static struct buf rpm_msg = BUF_INIT;
static int rpm_ready;

static int log_cb(rpmlogRec rec, rpmlogCallbackData data)
{
	const char *msg = rpmlogRecMessage(rec);
	int len = (int)strlen(msg);

	while (len && msg[len - 1] == '\n')
		len--;
	if (rpmlogRecPriority(rec) <= RPMLOG_ERR) {
		if (rpm_msg.len)
			buf_addstr(&rpm_msg, "; ");
		buf_add(&rpm_msg, msg, (size_t)len);
	} else if (rpmlogRecPriority(rec) <= RPMLOG_WARNING) {
		warning("librpm: %.*s", len, msg);
	}
	return 0;
}

/* The cause to report: what librpm said, else the caller's guess. */
static const char *cause(const char *fallback)
{
	return rpm_msg.len ? rpm_msg.data : fallback;
}

int rpm_lib_init(void)
{
	if (rpm_ready)
		return 0;
	rpmlogSetCallback(log_cb, NULL);
	if (rpmReadConfigFiles(NULL, NULL))
		return error("cannot initialise librpm: %s",
			     cause("reading its configuration failed"));
	/*
	 * rpmReadConfigFiles() also loads the host's macro files, and the
	 * payload code consults two macros: the archive writer drops the
	 * "./" path prefix if %_noPayloadPrefix is set (we declare
	 * rpmlib(PayloadFilesHavePrefix)), and the xz stream reads
	 * %_xz_memlimit (0: librpm's default) when we read the payload back.
	 * Macros pushed last win.
	 */
	rpmPushMacro(NULL, "_noPayloadPrefix", NULL, "0", RMIL_GLOBAL);
	rpmPushMacro(NULL, "_xz_memlimit", NULL, "0", RMIL_GLOBAL);
	rpm_ready = 1;
	return 0;
}

void rpm_lib_begin(void)
{
	buf_reset(&rpm_msg);
}

void rpm_lib_end(void)
{
	/* librpm errors that did not make anything fail */
	if (rpm_msg.len)
		warning("librpm: %s", rpm_msg.data);
}

static int utf8_valid(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		unsigned c = *p++, min;
		int more;

		if (c < 0x80)
			continue;
		if (c < 0xc2 || c > 0xf4)
			return 0;
		more = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : 1;
		min = more == 3 ? 0x10000 : more == 2 ? 0x800 : 0x80;
		c &= 0x3fu >> more;
		while (more--) {
			if ((*p & 0xc0) != 0x80)
				return 0;
			c = (c << 6) | (*p++ & 0x3f);
		}
		if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
			return 0;
	}
	return 1;
}

/* We claim ENCODING utf-8, as rpmbuild does after the same check. */
static int check_encoding(struct rpm_writer *w)
{
	HeaderIterator hi = headerInitIterator(w->h);
	struct rpmtd_s td;
	int r = 0;

	while (!r && headerNext(hi, &td)) {
		const char *s;

		if (rpmtdClass(&td) != RPM_STRING_CLASS) {
			rpmtdFreeData(&td);
			continue;
		}
		while (!r && (s = rpmtdNextString(&td)))
			if (!utf8_valid(s))
				r = error("rpm %s of '%s' is not valid UTF-8",
					  rpmTagGetName(td.tag), w->p->name);
		rpmtdFreeData(&td);
	}
	headerFreeIterator(hi);
	return r;
}

static void put_str(Header h, rpmTagVal tag, const char *s)
{
	if (!headerPutString(h, tag, s))
		BUG("cannot put %s", rpmTagGetName(tag));
}

static void put_strs(Header h, rpmTagVal tag, const char **v, size_t n)
{
	if (!headerPutStringArray(h, tag, v, (rpm_count_t)n))
		BUG("cannot put %s", rpmTagGetName(tag));
}

static void put_u32(Header h, rpmTagVal tag, const uint32_t *v, size_t n)
{
	if (!headerPutUint32(h, tag, v, (rpm_count_t)n))
		BUG("cannot put %s", rpmTagGetName(tag));
}

static void put_u16(Header h, rpmTagVal tag, const uint16_t *v, size_t n)
{
	if (!headerPutUint16(h, tag, v, (rpm_count_t)n))
		BUG("cannot put %s", rpmTagGetName(tag));
}

/* Sorted and deduplicated as rpmbuild does, then the three tags. */
static void deps_put(Header h, struct rpm_deps *d, rpmTagVal ntag,
		     rpmTagVal vtag, rpmTagVal ftag)
{
	const char **names, **evrs;
	uint32_t *flags;
	size_t i;

	if (!d->nr)
		return;
	rpm_deps_sort(d);
	names = xcalloc(d->nr, sizeof(*names));
	evrs = xcalloc(d->nr, sizeof(*evrs));
	flags = xcalloc(d->nr, sizeof(*flags));
	for (i = 0; i < d->nr; i++) {
		names[i] = d->v[i].name;
		evrs[i] = d->v[i].evr;
		flags[i] = d->v[i].flags;
	}
	put_strs(h, ntag, names, d->nr);
	put_u32(h, ftag, flags, d->nr);
	put_strs(h, vtag, evrs, d->nr);
	free(names);
	free(evrs);
	free(flags);
}

static uint32_t dep_sense(const struct pkg_dep *d)
{
	static const struct {
		unsigned dep;
		uint32_t sense;
	} map[] = {
		{ DEP_LESS, RPMSENSE_LESS },
		{ DEP_GREATER, RPMSENSE_GREATER },
		{ DEP_EQUAL, RPMSENSE_EQUAL },
		{ DEP_PRE, RPMSENSE_SCRIPT_PRE },
		{ DEP_POST, RPMSENSE_SCRIPT_POST },
		{ DEP_PREUN, RPMSENSE_SCRIPT_PREUN },
		{ DEP_POSTUN, RPMSENSE_SCRIPT_POSTUN },
	};
	uint32_t sense = 0;
	unsigned known = 0;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(map); i++) {
		known |= map[i].dep;
		if (d->flags & map[i].dep)
			sense |= map[i].sense;
	}
	if (d->flags & ~(known | DEP_RECOMMENDS | DEP_SUGGESTS))
		BUG("unknown flags %#x on requirement '%s'", d->flags, d->name);
	return sense;
}

static const struct {
	enum pkg_script slot;
	rpmTagVal body, prog;
	uint32_t sense;
} scriptlets[] = {
	{ SCRIPT_RPM_PRE, RPMTAG_PREIN, RPMTAG_PREINPROG,
	  RPMSENSE_SCRIPT_PRE },
	{ SCRIPT_RPM_POST, RPMTAG_POSTIN, RPMTAG_POSTINPROG,
	  RPMSENSE_SCRIPT_POST },
	{ SCRIPT_RPM_PREUN, RPMTAG_PREUN, RPMTAG_PREUNPROG,
	  RPMSENSE_SCRIPT_PREUN },
	{ SCRIPT_RPM_POSTUN, RPMTAG_POSTUN, RPMTAG_POSTUNPROG,
	  RPMSENSE_SCRIPT_POSTUN },
	{ SCRIPT_RPM_POSTTRANS, RPMTAG_POSTTRANS, RPMTAG_POSTTRANSPROG,
	  RPMSENSE_POSTTRANS },
};

static int has_config(const struct rpm_writer *w)
{
	size_t i;

	for (i = 0; i < w->nr_files; i++)
		if (w->files[i].f->type == PKG_REG &&
		    (w->files[i].f->flags & PKG_CONFIG))
			return 1;
	return 0;
}

static void put_deps(struct rpm_writer *w)
{
	const struct pkg *p = w->p;
	struct rpm_deps prov = { 0 }, req = { 0 }, rec = { 0 }, sug = { 0 };
	const uint32_t lib = RPMSENSE_RPMLIB | RPMSENSE_LESS | RPMSENSE_EQUAL;
	struct buf name = BUF_INIT;
	size_t i;

	rpm_deps_add(&prov, p->name, w->evr, RPMSENSE_EQUAL);
	if (w->arch->isa) {
		buf_addf(&name, "%s(%s)", p->name, w->arch->isa);
		rpm_deps_add(&prov, name.data, w->evr, RPMSENSE_EQUAL);
	}
	if (has_config(w)) {
		/* rpmbuild pairs the provide with a matching require */
		buf_reset(&name);
		buf_addf(&name, "config(%s)", p->name);
		rpm_deps_add(&prov, name.data, w->evr,
			 RPMSENSE_EQUAL | RPMSENSE_CONFIG);
		rpm_deps_add(&req, name.data, w->evr,
			 RPMSENSE_EQUAL | RPMSENSE_CONFIG);
	}
	buf_release(&name);

	rpm_deps_add(&req, "rpmlib(CompressedFileNames)", "3.0.4-1", lib);
	rpm_deps_add(&req, "rpmlib(FileDigests)", "4.6.0-1", lib);
	rpm_deps_add(&req, "rpmlib(PayloadFilesHavePrefix)", "4.0-1", lib);
	if (w->comp->feature)
		rpm_deps_add(&req, w->comp->feature, w->comp->feature_evr, lib);
	for (i = 0; i < ARRAY_SIZE(scriptlets); i++)
		if (p->scripts[scriptlets[i].slot].len)
			rpm_deps_add(&req, "/bin/sh", NULL,
				 RPMSENSE_INTERP | scriptlets[i].sense);
	for (i = 0; i < p->nr_requires; i++) {
		const struct pkg_dep *d = &p->requires[i];
		struct rpm_deps *to = d->flags & DEP_RECOMMENDS ? &rec
				      : d->flags & DEP_SUGGESTS	  ? &sug
								  : &req;

		rpm_deps_add(to, d->name, d->version, dep_sense(d));
	}
	/* rpmbuild's finalizeDeps(): older rpm misreads these versions */
	if (rpm_deps_have(&prov, '~') || rpm_deps_have(&req, '~'))
		rpm_deps_add(&req, "rpmlib(TildeInVersions)", "4.10.0-1", lib);
	if (rpm_deps_have(&prov, '^') || rpm_deps_have(&req, '^'))
		rpm_deps_add(&req, "rpmlib(CaretInVersions)", "4.15.0-1", lib);

	deps_put(w->h, &prov, RPMTAG_PROVIDENAME, RPMTAG_PROVIDEVERSION,
		 RPMTAG_PROVIDEFLAGS);
	deps_put(w->h, &req, RPMTAG_REQUIRENAME, RPMTAG_REQUIREVERSION,
		 RPMTAG_REQUIREFLAGS);
	/* weak dependencies (rpm >= 4.12): installers may skip them */
	deps_put(w->h, &rec, RPMTAG_RECOMMENDNAME, RPMTAG_RECOMMENDVERSION,
		 RPMTAG_RECOMMENDFLAGS);
	deps_put(w->h, &sug, RPMTAG_SUGGESTNAME, RPMTAG_SUGGESTVERSION,
			 RPMTAG_SUGGESTFLAGS);
	rpm_deps_release(&prov);
	rpm_deps_release(&req);
	rpm_deps_release(&rec);
	rpm_deps_release(&sug);
}

static int put_scripts(struct rpm_writer *w)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(scriptlets); i++) {
		const struct buf *s = &w->p->scripts[scriptlets[i].slot];

		if (!s->len)
			continue;
		/* a header string ends at the first NUL */
		if (strlen(s->data) != s->len)
			return error("a scriptlet of '%s' contains a NUL byte",
				     w->p->name);
		put_str(w->h, scriptlets[i].body, s->data);
		put_str(w->h, scriptlets[i].prog, "/bin/sh");
	}
	return 0;
}

static uint32_t file_flags(const struct pkg_file *f)
{
	uint32_t flags = 0;

	/* rpmbuild drops these on directories (rhbz#14531) */
	if (f->type == PKG_DIR)
		return 0;
	if (f->flags & PKG_CONFIG)
		flags |= RPMFILE_CONFIG | RPMFILE_NOREPLACE;
	if (f->flags & PKG_DOC)
		flags |= RPMFILE_DOC;
	if (f->flags & PKG_LICENSE)
		flags |= RPMFILE_LICENSE;
	return flags;
}

static uint16_t file_mode(const struct pkg_file *f)
{
	unsigned type = f->type == PKG_DIR ? S_IFDIR :
			f->type == PKG_SYMLINK ? S_IFLNK : S_IFREG;

	return (uint16_t)(type | (f->mode & 07777));
}

/* DIRNAMES (each with its trailing '/', each once), DIRINDEXES and
 * BASENAMES: rpm's compressed file names. */
static void put_names(struct rpm_writer *w)
{
	size_t i, n = w->nr_files, nr_dirs = 0;
	const char **base = xcalloc(n, sizeof(*base));
	const char **dirs = xcalloc(n, sizeof(*dirs));
	char **dir_bufs = xcalloc(n, sizeof(*dir_bufs));
	uint32_t *dirindex = xcalloc(n, sizeof(*dirindex));

	for (i = 0; i < n; i++) {
		const char *path = w->files[i].f->path;
		const char *slash = strrchr(path, '/');
		size_t dlen = (size_t)(slash - path) + 1, d;

		for (d = 0; d < nr_dirs; d++)
			if (strlen(dirs[d]) == dlen && !memcmp(dirs[d], path, dlen))
				break;
		if (d == nr_dirs) {
			dir_bufs[d] = xstrndup(path, dlen);
			dirs[nr_dirs++] = dir_bufs[d];
		}
		dirindex[i] = (uint32_t)d;
		base[i] = slash + 1;
	}
	put_strs(w->h, RPMTAG_DIRNAMES, dirs, nr_dirs);
	put_u32(w->h, RPMTAG_DIRINDEXES, dirindex, n);
	put_strs(w->h, RPMTAG_BASENAMES, base, n);
	for (i = 0; i < nr_dirs; i++)
		free(dir_bufs[i]);
	free(dir_bufs);
	free(dirs);
	free(base);
	free(dirindex);
}

/* File tags except FILEDIGESTS, which put_digests() adds. */
static void put_files(struct rpm_writer *w)
{
	size_t i, n = w->nr_files;
	const char **links = xcalloc(n, sizeof(*links));
	const char **root = xcalloc(n, sizeof(*root));
	const char **empty = xcalloc(n, sizeof(*empty));
	uint32_t *sizes = xcalloc(n, sizeof(*sizes));
	uint32_t *mtimes = xcalloc(n, sizeof(*mtimes));
	uint32_t *flags = xcalloc(n, sizeof(*flags));
	uint32_t *verify = xcalloc(n, sizeof(*verify));
	uint32_t *devices = xcalloc(n, sizeof(*devices));
	uint32_t *inodes = xcalloc(n, sizeof(*inodes));
	uint16_t *modes = xcalloc(n, sizeof(*modes));
	uint16_t *rdevs = xcalloc(n, sizeof(*rdevs));
	uint32_t algo = RPM_HASH_SHA256;

	for (i = 0; i < n; i++) {
		const struct pkg_file *f = w->files[i].f;

		links[i] = f->type == PKG_SYMLINK ? f->target : "";
		root[i] = "root";
		empty[i] = "";
		sizes[i] = w->files[i].size;
		mtimes[i] = (uint32_t)w->p->mtime;
		flags[i] = file_flags(f);
		verify[i] = (uint32_t)-1;
		/* one fake device and unique inodes: no hard links */
		devices[i] = 1;
		inodes[i] = (uint32_t)i + 1;
		modes[i] = file_mode(f);
	}
	put_names(w);
	put_u32(w->h, RPMTAG_FILESIZES, sizes, n);
	put_u16(w->h, RPMTAG_FILEMODES, modes, n);
	put_u16(w->h, RPMTAG_FILERDEVS, rdevs, n);
	put_u32(w->h, RPMTAG_FILEMTIMES, mtimes, n);
	put_u32(w->h, RPMTAG_FILEDIGESTALGO, &algo, 1);
	put_strs(w->h, RPMTAG_FILELINKTOS, links, n);
	put_u32(w->h, RPMTAG_FILEFLAGS, flags, n);
	put_strs(w->h, RPMTAG_FILEUSERNAME, root, n);
	put_strs(w->h, RPMTAG_FILEGROUPNAME, root, n);
	put_u32(w->h, RPMTAG_FILEVERIFYFLAGS, verify, n);
	put_u32(w->h, RPMTAG_FILEDEVICES, devices, n);
	put_u32(w->h, RPMTAG_FILEINODES, inodes, n);
	put_strs(w->h, RPMTAG_FILELANGS, empty, n);
	free(links);
	free(root);
	free(empty);
	free(sizes);
	free(mtimes);
	free(flags);
	free(verify);
	free(devices);
	free(inodes);
	free(modes);
	free(rdevs);
}

/* (Re)puts the tags whose values are known only after the payload. */
static void put_digests(struct rpm_writer *w)
{
	const char **digests = xcalloc(w->nr_files, sizeof(*digests));
	size_t i;

	for (i = 0; i < w->nr_files; i++)
		digests[i] = w->files[i].digest;
	headerDel(w->h, RPMTAG_FILEDIGESTS);
	put_strs(w->h, RPMTAG_FILEDIGESTS, digests, w->nr_files);
	free(digests);
	headerDel(w->h, RPMTAG_PAYLOADDIGEST);
	put_str(w->h, RPMTAG_PAYLOADDIGEST, w->payload_digest);
	headerDel(w->h, RPMTAG_PAYLOADDIGESTALT);
	put_str(w->h, RPMTAG_PAYLOADDIGESTALT, w->alt_digest);
}

int rpm_header_build(struct rpm_writer *w)
{
	const struct pkg *p = w->p;
	struct buf s = BUF_INIT;
	uint32_t v, total = 0;
	size_t i;

	for (i = 0; i < w->nr_files; i++)
		if (w->files[i].f->type != PKG_DIR) {
			if (w->files[i].size > UINT32_MAX - 1 - total)
				return error("'%s' is too large for an rpm "
					     "(4 GiB in all)", p->name);
			total += w->files[i].size;
		}

	w->h = headerNew();
	/* SUMMARY, DESCRIPTION and GROUP are I18N strings: table first */
	put_str(w->h, RPMTAG_HEADERI18NTABLE, "C");
	put_str(w->h, RPMTAG_NAME, p->name);
	put_str(w->h, RPMTAG_VERSION, p->version);
	put_str(w->h, RPMTAG_RELEASE, p->release);
	put_str(w->h, RPMTAG_SUMMARY, p->summary);
	put_str(w->h, RPMTAG_DESCRIPTION, p->description);
	v = (uint32_t)p->mtime;
	put_u32(w->h, RPMTAG_BUILDTIME, &v, 1);
	put_str(w->h, RPMTAG_BUILDHOST, "reproducible");
	put_u32(w->h, RPMTAG_SIZE, &total, 1);
	put_str(w->h, RPMTAG_LICENSE, p->license);
	/* rpmbuild's value when a spec has no Group */
	put_str(w->h, RPMTAG_GROUP,
		p->category ? p->category : "Unspecified");
	if (p->maintainer)
		put_str(w->h, RPMTAG_PACKAGER, p->maintainer);
	if (p->homepage)
		put_str(w->h, RPMTAG_URL, p->homepage);
	put_str(w->h, RPMTAG_OS, "linux");
	put_str(w->h, RPMTAG_ARCH, w->arch->name);
	buf_addf(&s, "%s-pc-linux-gnu", w->arch->name);
	put_str(w->h, RPMTAG_PLATFORM, s.data);
	buf_reset(&s);
	buf_addf(&s, "%s-%s.src.rpm", p->name, w->evr);
	put_str(w->h, RPMTAG_SOURCERPM, s.data);
	put_str(w->h, RPMTAG_RPMVERSION, RPMVERSION);
	put_str(w->h, RPMTAG_ENCODING, "utf-8");
	put_str(w->h, RPMTAG_PAYLOADFORMAT, "cpio");
	put_str(w->h, RPMTAG_PAYLOADCOMPRESSOR, w->comp->name);
	put_str(w->h, RPMTAG_PAYLOADFLAGS, w->level);
	v = RPM_HASH_SHA256;
	put_u32(w->h, RPMTAG_PAYLOADDIGESTALGO, &v, 1);

	if (p->changelog_text) {
		const char *who = p->changelog_name ? p->changelog_name :
				  p->maintainer ? p->maintainer : "unknown";
		/* rpmbuild keeps only the date, stored as 12:00 UTC */
		uint64_t t = (uint64_t)p->mtime / 86400 * 86400 + 43200;

		v = (uint32_t)(t > UINT32_MAX ? t - 86400 : t);
		put_u32(w->h, RPMTAG_CHANGELOGTIME, &v, 1);
		buf_reset(&s);
		buf_addf(&s, "%s - %s", who, w->evr);
		put_str(w->h, RPMTAG_CHANGELOGNAME, s.data);
		put_str(w->h, RPMTAG_CHANGELOGTEXT, p->changelog_text);
	}
	buf_release(&s);

	put_deps(w);
	if (put_scripts(w) < 0)
		return -1;
	put_files(w);
	/* placeholders of the final width, so the header size is final */
	memset(w->payload_digest, '0', SHA256_HEX);
	memset(w->alt_digest, '0', SHA256_HEX);
	put_digests(w);
	return check_encoding(w);
}

/* The on-disk header minus its 8-byte magic; the caller frees it. */
static void *export_header(Header h, rpmTagVal region, unsigned *len)
{
	Header copy = headerReload(headerCopy(h), region);
	void *blob;

	if (!copy)
		BUG("headerReload failed");
	blob = headerExport(copy, len);
	headerFree(copy);
	if (!blob)
		BUG("headerExport failed");
	return blob;
}

void *rpm_header_export(struct rpm_writer *w, unsigned *len)
{
	put_digests(w);
	return export_header(w->h, RPMTAG_HEADERIMMUTABLE, len);
}

void rpm_header_free(struct rpm_writer *w)
{
	if (w->h)
		headerFree(w->h);
	w->h = NULL;
}

static void sig_put(Header sig, rpmTagVal tag, rpmTagType type, void *data,
		    rpm_count_t count)
{
	struct rpmtd_s td;

	/* headerPutUint32() & co. check types against the main header's
	 * tag table, where e.g. 1000 (SIZE) is NAME: use plain headerPut */
	rpmtdReset(&td);
	td.tag = tag;
	td.type = type;
	td.data = data;
	td.count = count;
	if (!headerPut(sig, &td, HEADERPUT_DEFAULT))
		BUG("cannot put signature tag %u", (unsigned)tag);
}

void *rpm_sig_export(char *sha1, char *sha256, unsigned char *md5,
		     uint32_t size, uint32_t payload_size, unsigned *len)
{
	static unsigned char reserved[SIG_RESERVED];
	Header sig = headerNew();
	void *blob;

	/* rpmGenerateSignature()'s tags, in its order */
	sig_put(sig, RPMSIGTAG_SHA256, RPM_STRING_TYPE, sha256, 1);
	sig_put(sig, RPMSIGTAG_SHA1, RPM_STRING_TYPE, sha1, 1);
	sig_put(sig, RPMSIGTAG_MD5, RPM_BIN_TYPE, md5, 16);
	sig_put(sig, RPMSIGTAG_PAYLOADSIZE, RPM_INT32_TYPE, &payload_size, 1);
	sig_put(sig, RPMSIGTAG_SIZE, RPM_INT32_TYPE, &size, 1);
	sig_put(sig, RPMSIGTAG_RESERVEDSPACE, RPM_BIN_TYPE, reserved,
		sizeof(reserved));
	blob = export_header(sig, RPMTAG_HEADERSIGNATURES, len);
	headerFree(sig);
	return blob;
}

/* Why the payload stream failed: errno of the failed write(), which
 * callers clear before each call. */
static const char *payload_cause(const struct rpm_writer *w, int err)
{
	const char *s;

	if (err)
		return strerror(err);
	s = Fstrerror(w->cfd);
	return s && *s ? s : "write failed";
}

/*
 * The agent binary's data: its digest and size come from the stage, which
 * read it once for the whole build. librpm's cpio writer insists on being
 * handed the member's bytes, so it gets zeros while its descriptor points
 * at /dev/null (ufdio writes straight through, unbuffered); the memory
 * file's offset does not move, and the region is noted where it belongs.
 */
static int archive_src(struct rpm_writer *w, rpmfi fi, struct rpm_file *e)
{
	static const char zeros[64 * 1024];
	uint64_t left = e->size;
	off_t at = lseek(w->mfd, 0, SEEK_CUR);
	int nfd, cfd = Fileno(w->cfd), r = 0;

	if (at < 0)
		return error("cannot write the payload of '%s': %s", w->path,
			     strerror(errno));
	nfd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (nfd < 0 || dup2(nfd, cfd) < 0) {
		r = error("cannot open /dev/null: %s", strerror(errno));
		goto out;
	}
	while (!r && left) {
		size_t n = left < sizeof(zeros) ? (size_t)left : sizeof(zeros);

		errno = 0;
		if (rpmfiArchiveWrite(fi, zeros, n) != n)
			r = error("cannot write the payload of '%s': %s",
				  w->path, payload_cause(w, errno));
		left -= n;
	}
	if (dup2(w->mfd, cfd) < 0 && !r)
		r = error("cannot write the payload of '%s': %s", w->path,
			  strerror(errno));
	w->holes = xgrow(w->holes, w->nr_holes + 1, &w->alloc_holes,
			 sizeof(*w->holes));
	w->holes[w->nr_holes].at = (uint64_t)at;
	w->holes[w->nr_holes++].src = e->src;
out:
	if (nfd >= 0)
		close(nfd);
	return r;
}

/* Streams one file with content into the archive. */
static int archive_file(struct rpm_writer *w, rpmfi fi, struct rpm_file *e)
{
	const struct pkg_file *f = e->f;

	if (f->src)
		return archive_src(w, fi, e);
	errno = 0;
	if (rpmfiArchiveWrite(fi, f->content.data, e->size) != e->size)
		return error("cannot write the payload of '%s': %s", w->path,
			     payload_cause(w, errno));
	return 0;
}

int rpm_cpio_write(struct rpm_writer *w)
{
	rpmfiles files = NULL;
	rpmfi fi = NULL;
	FD_t dfd;
	int rc, r = -1;

	dfd = fdDup(w->mfd);
	if (!dfd)
		return error("cannot write '%s': %s", w->path, strerror(errno));
	w->cfd = Fdopen(dfd, "w.ufdio");
	if (!w->cfd || Ferror(w->cfd)) {
		Fclose(dfd);
		w->cfd = NULL;
		return error("cannot start the payload of '%s': %s", w->path,
			     cause("librpm gave no reason"));
	}
	/* As rpmbuild: without user/group names the cpio headers get uid
	 * and gid 0 instead of whatever the build host maps "root" to. */
	files = rpmfilesNew(NULL, w->h, RPMTAG_BASENAMES,
			    RPMFI_NOFILEUSER | RPMFI_NOFILEGROUP);
	if (!files || rpmfilesFC(files) != w->nr_files)
		BUG("rpmfilesNew() disagrees with our file list");
	fi = rpmfiNewArchiveWriter(w->cfd, files);
	if (!fi)
		BUG("rpmfiNewArchiveWriter failed");
	/* rpmfiNext() writes the cpio headers, rpmfiArchiveClose() the
	 * trailer */
	for (;;) {
		errno = 0;
		rc = rpmfiNext(fi);
		if (rc < 0)
			break;
		if (archive_file(w, fi, &w->files[rc]))
			goto out;
	}
	if (rc == RPMERR_ITER_END) {
		errno = 0;
		rc = rpmfiArchiveClose(fi);
	}
	if (rc) {
		char *msg = rpmfileStrerror(rc);

		error("cannot write the payload of '%s': %s", w->path,
		      errno ? strerror(errno) : msg);
		free(msg);
		goto out;
	}
	w->archive_size = (uint64_t)rpmfiArchiveTell(fi);
	r = 0;
out:
	rpmfiFree(fi);
	rpmfilesFree(files);
	if (Fclose(w->cfd) && !r)
		r = error("cannot write the payload of '%s'", w->path);
	w->cfd = NULL;
	return r;
}

/* ---- signing (pkgtool repo, build --sign) ----
 *
 * librpmsign runs gpg itself (execve of %__gpg_sign_cmd, no shell) and
 * replaces the signature header; the fingerprint is all hex, checked here
 * so that nothing else can reach its argument vector.
 */
int rpm_sign(const char *path, const char *fpr)
{
	struct rpmSignArgs args;
	char id[128];
	size_t n = strlen(fpr);
	int out, null, rc;

	if (!n || n >= sizeof(id) || strspn(fpr, "0123456789ABCDEFabcdef") != n)
		BUG("rpm_sign: '%s' is not a fingerprint", fpr);
	if (rpm_lib_init() < 0)
		return -1;
	memcpy(id, fpr, n + 1);
	/* rpm's macros name gpg2, which Debian does not install */
	rpmPushMacro(NULL, "__gpg", NULL, "/usr/bin/gpg", RMIL_GLOBAL);
	memset(&args, 0, sizeof(args));
	args.keyid = id;
	/* rpmsign warns unless GPG_TTY is set; no terminal is asked anyway
	 * (the agent has the key, or loopback gave it the passphrase) */
	if (!isatty(STDIN_FILENO))
		setenv("GPG_TTY", "/dev/null", 0);
	buf_reset(&rpm_msg);
	/* rpmPkgSign prints "FILE:" on stdout, which belongs to our output */
	fflush(stdout);
	out = dup(STDOUT_FILENO);
	null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (out < 0 || null < 0 || dup2(null, STDOUT_FILENO) < 0)
		die("cannot redirect standard output: %s", strerror(errno));
	close(null);
	rc = rpmPkgSign(path, &args);
	fflush(stdout);
	if (dup2(out, STDOUT_FILENO) < 0)
		die("cannot restore standard output: %s", strerror(errno));
	close(out);
	if (rc != 0)
		return error("cannot sign '%s': %s", path,
			     cause("rpmsign failed"));
	return 0;
}
