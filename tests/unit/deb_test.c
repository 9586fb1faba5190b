/* deb_test.c - deb_write() checked with dpkg-deb, ar, md5sum and tar
 * SPDX-License-Identifier: MIT
 *
 * The oracles are the real tools: if dpkg-deb reads our .deb the way we
 * meant it, dpkg will. Everything is written under tests/tmp/deb/.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "buf.h"
#include "deb.h"
#include "pkg.h"
#include "util.h"

#define TMP	 "tests/tmp/deb"
#define SRC_SIZE 300000 /* 293 KiB in Installed-Size */
/* 2023-11-14 22:13:20 UTC */
#define MTIME 1700000000
/* > 100 bytes: needs a GNU long-name record, which dpkg must accept */
#define LONG_DIR_REL                                                        \
	"usr/share/komodo-periphery/a-directory-name-long-enough-that-the-" \
	"tar-header-needs-a-gnu-long-name-record"
#define LONG_DIR "/" LONG_DIR_REL

/* Runs a shell command; returns its stdout, or NULL if it failed. */
static char *run(const char *fmt, ...) PRINTF(1, 2);
static char *run(const char *fmt, ...)
{
	struct buf cmd = BUF_INIT, out = BUF_INIT;
	char chunk[4096];
	va_list ap;
	size_t n;
	FILE *f;

	va_start(ap, fmt);
	buf_vaddf(&cmd, fmt, ap);
	va_end(ap);
	f = popen(cmd.data, "r");
	if (!f) {
		buf_release(&cmd);
		return NULL;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(&out, chunk, n);
	if (pclose(f) != 0) {
		fprintf(stderr, "command failed: %s\n", cmd.data);
		buf_release(&cmd);
		buf_release(&out);
		return NULL;
	}
	buf_release(&cmd);
	return buf_detach(&out, NULL);
}

/* CHECK_STR_EQ on a run() result, which it frees. */
#define CHECK_RUN(want, ...)                   \
	do {                                   \
		char *got_ = run(__VA_ARGS__); \
		CHECK_STR_EQ(got_, want);      \
		free(got_);                    \
	} while (0)

static void make_src(const char *path, size_t size)
{
	uint32_t x = 42;
	FILE *f = fopen(path, "wb");
	size_t i;

	if (!f)
		die("cannot create '%s'", path);
	fputs("\177ELF", f);
	for (i = 4; i < size; i++) {
		x = x * 1103515245 + 12345;
		fputc((int)(x >> 16) & 0xff, f);
	}
	if (fclose(f))
		die("cannot write '%s'", path);
}

static void setup(void)
{
	if (system("rm -rf " TMP " && mkdir -p " TMP) != 0)
		die("cannot create " TMP);
	make_src(TMP "/periphery.bin", SRC_SIZE);
}

static struct pkg_file *add_text(struct pkg *p, const char *path, unsigned mode,
				 const char *text)
{
	return pkg_add_file(p, path, mode, text, strlen(text));
}

/* A package shaped like the real one: conffile, agent from disk, symlink,
 * unit, docs, an empty file, a long path, three scripts. */
static void make_pkg(struct pkg *p, enum pkg_compression comp)
{
	pkg_init(p);
	p->name = xstrdup("komodo-periphery");
	p->version = xstrdup("1.19.5");
	p->release = xstrdup("1");
	p->arch = xstrdup("amd64");
	p->maintainer = xstrdup("Komodo Packaging <pkg@example.org>");
	p->summary = xstrdup("agent that runs Komodo deployments on a server");
	p->description = xstrdup("Periphery is the Komodo agent.\n"
				 "It talks to Komodo Core.\n"
				 "\n"
				 "  Indented lines stay verbatim.\n"
				 "   \n"
				 "Last paragraph.");
	p->homepage = xstrdup("https://komo.do");
	p->category = xstrdup("admin");
	pkg_add_require(p, "adduser", NULL, 0);
	pkg_add_require(p, "libc6", "2.36", DEP_GREATER | DEP_EQUAL);
	pkg_add_require(p, "ca-certificates", NULL, 0);
	pkg_add_require(p, "git", NULL, DEP_RECOMMENDS);
	pkg_add_require(p, "docker.io | docker-ce", NULL, DEP_SUGGESTS);
	p->mtime = MTIME;
	p->comp = comp;

	pkg_add_dir(p, "/etc/komodo", 0755);
	add_text(p, "/etc/komodo/periphery.config.toml", 0644, "port = 8120\n")
		->flags |= PKG_CONFIG;
	pkg_add_src(p, "/usr/bin/periphery", 0755, TMP "/periphery.bin");
	pkg_add_symlink(p, "/usr/bin/komodo-periphery", "periphery");
	add_text(p, "/usr/lib/systemd/system/periphery.service", 0644,
		 "[Unit]\nDescription=Komodo Periphery\n\n[Service]\n"
		 "ExecStart=/usr/bin/periphery\n\n[Install]\n"
		 "WantedBy=multi-user.target\n");
	add_text(p, "/usr/share/doc/komodo-periphery/copyright", 0644,
		 "Format: https://www.debian.org/doc/packaging-manuals/"
		 "copyright-format/1.0/\n\nFiles: *\n"
		 "Copyright: 2024 Komodo\nLicense: GPL-3.0-or-later\n");
	add_text(p, "/usr/share/komodo-periphery/empty", 0644, "");
	add_text(p, LONG_DIR "/file", 0644, "x\n");
	buf_addstr(&p->scripts[SCRIPT_POSTINST],
		   "#!/bin/sh\nset -e\necho configure\n");
	buf_addstr(&p->scripts[SCRIPT_PRERM], "#!/bin/sh\nset -e\n");
	buf_addstr(&p->scripts[SCRIPT_POSTRM], "#!/bin/sh\nset -e\n");
	/* rpm-only slots must not leak into the .deb */
	buf_addstr(&p->scripts[SCRIPT_RPM_POST], "#!/bin/sh\n");
	pkg_add_parents(p);
	if (pkg_stat_files(p))
		die("pkg_stat_files failed");
}

/* Captures diagnostics of one call into *msg (caller frees). */
struct capture {
	FILE *f;
	char *msg;
	size_t len;
};

static void capture_start(struct capture *c)
{
	c->msg = NULL;
	c->f = open_memstream(&c->msg, &c->len);
	diag_set_stream(c->f);
}

static void capture_end(struct capture *c)
{
	diag_set_stream(NULL);
	fclose(c->f);
}

static const char control_want[] =
	"Package: komodo-periphery\n"
	"Version: 1.19.5-1\n"
	"Architecture: amd64\n"
	"Maintainer: Komodo Packaging <pkg@example.org>\n"
	/* 12 dirs + ./ = 13, periphery 293, symlink 1, service 1, copyright
	 * 1, config 1, long file 1, empty 0 */
	"Installed-Size: 311\n"
	"Depends: adduser, libc6 (>= 2.36), ca-certificates\n"
	"Recommends: git\n"
	"Suggests: docker.io | docker-ce\n"
	"Section: admin\n"
	"Priority: optional\n"
	"Homepage: https://komo.do\n"
	"Description: agent that runs Komodo deployments on a server\n"
	" Periphery is the Komodo agent.\n"
	" It talks to Komodo Core.\n"
	" .\n"
	"   Indented lines stay verbatim.\n"
	" .\n"
	" Last paragraph.\n";

static const char contents_want[] =
	"drwxr-xr-x root/root         0 2023-11-14 22:13 ./\n"
	"drwxr-xr-x root/root         0 2023-11-14 22:13 ./etc/\n"
	"drwxr-xr-x root/root         0 2023-11-14 22:13 ./etc/komodo/\n"
	"-rw-r--r-- root/root        12 2023-11-14 22:13 "
	"./etc/komodo/periphery.config.toml\n"
	"drwxr-xr-x root/root         0 2023-11-14 22:13 ./usr/\n"
	"drwxr-xr-x root/root         0 2023-11-14 22:13 ./usr/bin/\n"
	"lrwxrwxrwx root/root         0 2023-11-14 22:13 "
	"./usr/bin/komodo-periphery -> periphery\n"
	"-rwxr-xr-x root/root    300000 2023-11-14 22:13 ./usr/bin/periphery\n"
	"drwxr-xr-x root/root         0 2023-11-14 22:13 ./usr/lib/\n"
	"drwxr-xr-x root/root         0 2023-11-14 22:13 ./usr/lib/systemd/\n"
	"drwxr-xr-x root/root         0 2023-11-14 22:13 "
	"./usr/lib/systemd/system/\n"
	"-rw-r--r-- root/root       114 2023-11-14 22:13 "
	"./usr/lib/systemd/system/periphery.service\n"
	"drwxr-xr-x root/root         0 2023-11-14 22:13 ./usr/share/\n"
	"drwxr-xr-x root/root         0 2023-11-14 22:13 ./usr/share/doc/\n"
	"drwxr-xr-x root/root         0 2023-11-14 22:13 "
	"./usr/share/doc/komodo-periphery/\n"
	"-rw-r--r-- root/root       134 2023-11-14 22:13 "
	"./usr/share/doc/komodo-periphery/copyright\n"
	"drwxr-xr-x root/root         0 2023-11-14 22:13 "
	"./usr/share/komodo-periphery/\n"
	"drwxr-xr-x root/root         0 2023-11-14 22:13 ." LONG_DIR "/\n"
	"-rw-r--r-- root/root         2 2023-11-14 22:13 ." LONG_DIR "/file\n"
	"-rw-r--r-- root/root         0 2023-11-14 22:13 "
	"./usr/share/komodo-periphery/empty\n";

TEST(deb_layout)
{
	struct pkg p;
	struct stat st;
	char *s;

	setup();
	make_pkg(&p, COMP_XZ);
	CHECK(deb_write(&p, TMP "/k.deb") == 0);
	pkg_release(&p);

	CHECK(stat(TMP "/k.deb", &st) == 0 && (st.st_mode & 07777) == 0644);
	CHECK_RUN("debian-binary\ncontrol.tar.xz\ndata.tar.xz\n",
		  "ar t " TMP "/k.deb");
	/* ar headers: mode 644, 0/0, mtime = SOURCE_DATE_EPOCH */
	CHECK_RUN("3\n", "TZ=UTC ar tv " TMP "/k.deb | "
			 "grep -c '^rw-r--r-- 0/0 .* Nov 14 22:13 2023 '");
	CHECK_RUN("2.0\n", "ar p " TMP "/k.deb debian-binary");
	s = run("dpkg-deb -I " TMP "/k.deb");
	CHECK(s && strstr(s, " new Debian package, version 2.0.\n"));
	free(s);
	CHECK_RUN(control_want, "dpkg-deb -I " TMP "/k.deb control");
	CHECK_RUN(contents_want, "TZ=UTC dpkg-deb -c " TMP "/k.deb");

	/* control.tar: strcmp order, modes, root, only known members */
	CHECK_RUN("drwxr-xr-x root/root 0 2023-11-14 22:13 ./\n"
		  "-rw-r--r-- root/root 34 2023-11-14 22:13 ./conffiles\n"
		  "-rw-r--r-- root/root 464 2023-11-14 22:13 ./control\n"
		  "-rw-r--r-- root/root 413 2023-11-14 22:13 ./md5sums\n"
		  "-rwxr-xr-x root/root 32 2023-11-14 22:13 ./postinst\n"
		  "-rwxr-xr-x root/root 17 2023-11-14 22:13 ./postrm\n"
		  "-rwxr-xr-x root/root 17 2023-11-14 22:13 ./prerm\n",
		  "dpkg-deb --ctrl-tarfile " TMP "/k.deb | TZ=UTC tar tvf - | "
		  "tr -s ' '");

	/* extract both halves; md5sums must verify the tree */
	CHECK(system("dpkg-deb -x " TMP "/k.deb " TMP "/x && "
		     "dpkg-deb -e " TMP "/k.deb " TMP "/x/DEBIAN") == 0);
	CHECK_RUN("",
		  "cd " TMP "/x && md5sum --strict --quiet -c DEBIAN/md5sums");
	CHECK_RUN("/etc/komodo/periphery.config.toml\n",
		  "cat " TMP "/x/DEBIAN/conffiles");
	/* every regular payload file except the conffile, payload order */
	CHECK_RUN("usr/bin/periphery\n"
		  "usr/lib/systemd/system/periphery.service\n"
		  "usr/share/doc/komodo-periphery/copyright\n" LONG_DIR_REL
		  "/file\n"
		  "usr/share/komodo-periphery/empty\n",
		  "cut -c33- " TMP "/x/DEBIAN/md5sums | sed 's/^  //'");
	CHECK(system("cmp -s " TMP "/periphery.bin " TMP
		     "/x/usr/bin/periphery") == 0);
	CHECK_RUN("periphery\n", "readlink " TMP "/x/usr/bin/komodo-periphery");
	CHECK_RUN("#!/bin/sh\nset -e\necho configure\n",
		  "cat " TMP "/x/DEBIAN/postinst");
	CHECK(access(TMP "/x/DEBIAN/preinst", F_OK) != 0);
	/* no scratch file left next to the output */
	CHECK_RUN("k.deb\n", "ls " TMP " | grep deb");
}

/* Two writes of the same pkg must give the same bytes, for every
 * compressor, and dpkg-deb must read each. */
static void check_reproducible(enum pkg_compression comp, const char *ext)
{
	struct buf a = BUF_INIT, b = BUF_INIT;
	struct pkg p;
	char *s;

	make_pkg(&p, comp);
	CHECK(deb_write(&p, TMP "/a.deb") == 0);
	/* a different directory and name must not matter either */
	CHECK(system("mkdir -p " TMP "/other") == 0);
	CHECK(deb_write(&p, TMP "/other/b.deb") == 0);
	pkg_release(&p);

	CHECK(buf_read_file(&a, TMP "/a.deb") == 0);
	CHECK(buf_read_file(&b, TMP "/other/b.deb") == 0);
	CHECK(a.len > SRC_SIZE / 2 && a.len == b.len &&
	      !memcmp(a.data, b.data, a.len));
	buf_release(&a);
	buf_release(&b);

	s = run("ar t " TMP "/a.deb | tr '\\n' ' '");
	CHECK(s && !strcmp(s, ext));
	free(s);
	CHECK_RUN(contents_want, "TZ=UTC dpkg-deb -c " TMP "/a.deb");
	CHECK_RUN(control_want, "dpkg-deb -I " TMP "/a.deb control");
}

TEST(deb_reproducible_xz)
{
	setup();
	check_reproducible(COMP_XZ,
			   "debian-binary control.tar.xz data.tar.xz ");
}

TEST(deb_reproducible_zstd)
{
	setup();
	check_reproducible(COMP_ZSTD,
			   "debian-binary control.tar.zst data.tar.zst ");
}

TEST(deb_reproducible_gzip)
{
	setup();
	check_reproducible(COMP_GZIP,
			   "debian-binary control.tar.gz data.tar.gz ");
	/* Writes within one second would hide a gzip header timestamp:
	 * look at it. Bytes 4-7 are MTIME; 0 means none. */
	CHECK_RUN("00000000", "ar p " TMP "/a.deb data.tar.gz | "
			      "od -An -tx1 -j4 -N4 | tr -d ' \\n'");
	CHECK_RUN("00000000", "ar p " TMP "/a.deb control.tar.gz | "
			      "od -An -tx1 -j4 -N4 | tr -d ' \\n'");
}

TEST(deb_level)
{
	struct pkg p;

	setup();
	make_pkg(&p, COMP_XZ);
	p.comp_level = 0;
	CHECK(deb_write(&p, TMP "/l.deb") == 0);
	pkg_release(&p);
	CHECK_RUN(contents_want, "TZ=UTC dpkg-deb -c " TMP "/l.deb");
}

/* The smallest package: no conffiles, no scripts, no regular files, so no
 * conffiles/md5sums members and no extended description. */
TEST(deb_minimal)
{
	struct pkg p;

	setup();
	pkg_init(&p);
	p.name = xstrdup("mini");
	p.version = xstrdup("1.0");
	p.arch = xstrdup("all");
	p.maintainer = xstrdup("M <m@example.org>");
	p.summary = xstrdup("minimal");
	p.mtime = 0;
	pkg_add_dir(&p, "/usr/lib/mini", 0755);
	pkg_add_parents(&p);
	CHECK(deb_write(&p, TMP "/m.deb") == 0);
	pkg_release(&p);
	CHECK_RUN("./\n./control\n",
		  "dpkg-deb --ctrl-tarfile " TMP "/m.deb | tar tf -");
	CHECK_RUN("Package: mini\nVersion: 1.0\nArchitecture: all\n"
		  "Maintainer: M <m@example.org>\nInstalled-Size: 4\n"
		  "Priority: optional\nDescription: minimal\n",
		  "dpkg-deb -I " TMP "/m.deb control");
	CHECK_RUN("./\n./usr/\n./usr/lib/\n./usr/lib/mini/\n",
		  "dpkg-deb --fsys-tarfile " TMP "/m.deb | tar tf -");
}

/* An existing file (the build command's mkstemp temp) keeps its mode. */
TEST(deb_keeps_existing_mode)
{
	struct pkg p;
	struct stat st;

	setup();
	CHECK(system("touch " TMP "/t.deb && chmod 600 " TMP "/t.deb") == 0);
	make_pkg(&p, COMP_GZIP);
	CHECK(deb_write(&p, TMP "/t.deb") == 0);
	pkg_release(&p);
	CHECK(stat(TMP "/t.deb", &st) == 0 && (st.st_mode & 07777) == 0600);
	CHECK_RUN(contents_want, "TZ=UTC dpkg-deb -c " TMP "/t.deb");
}

static struct pkg_file *find_file(struct pkg *p, const char *path)
{
	size_t i;

	for (i = 0; i < p->nr_files; i++)
		if (!strcmp(p->files[i].path, path))
			return &p->files[i];
	BUG("no '%s' in test package", path);
}

TEST(deb_errors)
{
	struct capture c;
	struct pkg p;

	setup();
	/* src size no longer what pkg_stat_files() saw */
	make_pkg(&p, COMP_GZIP);
	find_file(&p, "/usr/bin/periphery")->size++;
	capture_start(&c);
	CHECK(deb_write(&p, TMP "/e.deb") == -1);
	capture_end(&c);
	CHECK_STR_EQ(c.msg, "pkgtool: error: '" TMP "/periphery.bin' is "
			    "300000 bytes but 300001 were expected; did it "
			    "change after it was scanned?\n");
	free(c.msg);
	pkg_release(&p);

	/* src is a directory */
	make_pkg(&p, COMP_GZIP);
	free(find_file(&p, "/usr/bin/periphery")->src);
	find_file(&p, "/usr/bin/periphery")->src = xstrdup(TMP);
	capture_start(&c);
	CHECK(deb_write(&p, TMP "/e.deb") == -1);
	capture_end(&c);
	CHECK_STR_EQ(c.msg, "pkgtool: error: '" TMP "' is not a regular "
			    "file\n");
	free(c.msg);
	pkg_release(&p);

	/* a newline would inject control fields */
	make_pkg(&p, COMP_GZIP);
	free(p.summary);
	p.summary = xstrdup("two\nPackage: evil");
	capture_start(&c);
	CHECK(deb_write(&p, TMP "/e.deb") == -1);
	capture_end(&c);
	CHECK_STR_EQ(c.msg, "pkgtool: error: control field 'Description' "
			    "must be one line: 'two\\nPackage: evil'\n");
	free(c.msg);
	pkg_release(&p);

	make_pkg(&p, COMP_XZ);
	p.comp_level = 10;
	capture_start(&c);
	CHECK(deb_write(&p, TMP "/e.deb") == -1);
	capture_end(&c);
	CHECK_STR_EQ(c.msg, "pkgtool: error: xz compression level 10 is out "
			    "of range (0-9)\n");
	free(c.msg);
	pkg_release(&p);

	make_pkg(&p, COMP_GZIP);
	find_file(&p, "/etc/komodo")->flags |= PKG_CONFIG;
	capture_start(&c);
	CHECK(deb_write(&p, TMP "/e.deb") == -1);
	capture_end(&c);
	CHECK_STR_EQ(c.msg, "pkgtool: error: '/etc/komodo' cannot be a "
			    "conffile: only regular files can\n");
	free(c.msg);
	pkg_release(&p);

	make_pkg(&p, COMP_GZIP);
	free(p.maintainer);
	p.maintainer = NULL;
	capture_start(&c);
	CHECK(deb_write(&p, TMP "/e.deb") == -1);
	capture_end(&c);
	CHECK_STR_EQ(c.msg, "pkgtool: error: control field 'Maintainer' is "
			    "empty\n");
	free(c.msg);
	pkg_release(&p);

	make_pkg(&p, COMP_GZIP);
	add_text(&p, "/usr/share/komodo-periphery/two\nlines", 0644, "");
	capture_start(&c);
	CHECK(deb_write(&p, TMP "/e.deb") == -1);
	capture_end(&c);
	CHECK_STR_EQ(c.msg, "pkgtool: error: payload path contains a newline: "
			    "'/usr/share/komodo-periphery/two\\nlines'\n");
	free(c.msg);
	pkg_release(&p);

	make_pkg(&p, COMP_GZIP);
	capture_start(&c);
	CHECK(deb_write(&p, TMP "/no-such-dir/e.deb") == -1);
	capture_end(&c);
	CHECK_STR_EQ(c.msg, "pkgtool: error: cannot create '" TMP
			    "/no-such-dir/e.deb': No such file or directory\n");
	free(c.msg);
	pkg_release(&p);
}
