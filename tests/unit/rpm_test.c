/* rpm_test.c - the .rpm writer, judged by the real rpm tools
 * SPDX-License-Identifier: MIT
 *
 * Packages go to tests/tmp/rpm/ (the runner's working directory is the
 * repository root) and are read back with rpm, rpm2cpio and cpio, so what
 * is pinned here is rpm's own view of our bytes. The install test needs
 * root, because rpm --root chroots; it is skipped otherwise.
 */
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "buf.h"
#include "pkg.h"
#include "rpm.h"
#include "util.h"
#include "banned.h"

#define TMP "tests/tmp/rpm"
#define SRC TMP "/periphery.bin"
#define CONF "/etc/komodo/periphery.config.toml"
#define SRC_SIZE 300000

/* Runs a shell command and captures its stdout (callers add 2>&1 when
 * they want stderr too). Returns the exit status, -1 if it died. */
static int run(struct buf *out, const char *fmt, ...) PRINTF(2, 3);
static int run(struct buf *out, const char *fmt, ...)
{
	struct buf cmd = BUF_INIT;
	char chunk[4096];
	va_list ap;
	FILE *f;
	size_t n;
	int st;

	va_start(ap, fmt);
	buf_vaddf(&cmd, fmt, ap);
	va_end(ap);
	buf_reset(out);
	fflush(NULL);
	f = popen(cmd.data, "r");
	if (!f) {
		fprintf(stderr, "cannot run '%s'\n", cmd.data);
		buf_release(&cmd);
		return -1;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(out, chunk, n);
	st = pclose(f);
	buf_release(&cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void check_has(const char *hay, const char *needle, int line)
{
	if (strstr(hay, needle))
		return;
	fprintf(stderr, "%s:%d: output lacks '%s':\n%s\n", __FILE__, line,
		needle, hay);
	unit_failed_checks++;
}

#define CHECK_HAS(b, s) check_has((b).data, (s), __LINE__)

/* A binary stand-in for the agent: > 2 read buffers, compressible. */
static void make_src(void)
{
	FILE *f;
	unsigned x = 12345;
	int i;

	mkdir("tests/tmp", 0755);
	mkdir(TMP, 0755);
	f = fopen(SRC, "wb");
	if (!f)
		die("cannot create '%s'", SRC);
	for (i = 0; i < SRC_SIZE; i++) {
		x = x * 1103515245 + 12345;
		fputc(i % 7 ? (int)(x >> 24) & 0x0f : 'a' + i % 26, f);
	}
	if (fclose(f))
		die("cannot write '%s'", SRC);
}

static void make_pkg(struct pkg *p, enum pkg_compression comp)
{
	static const char conf[] = "[periphery]\nport = 8120\n";
	static const char unit[] = "[Unit]\nDescription=Komodo Periphery\n";
	struct pkg_file *f;

	make_src();
	pkg_init(p);
	p->name = xstrdup("komodo-periphery");
	p->version = xstrdup("1.19.5");
	p->release = xstrdup("1");
	p->arch = xstrdup("x86_64");
	p->maintainer = xstrdup("Pkg Tool <pkgtool@example.com>");
	p->summary = xstrdup("Komodo Periphery agent");
	p->description = xstrdup("Periphery runs on every server.\n\n"
				 "It answers Komodo Core.");
	p->homepage = xstrdup("https://komo.do");
	p->license = xstrdup("GPL-3.0-or-later");
	p->category = xstrdup("System Environment/Daemons");
	p->changelog_text = xstrdup("- Package Komodo Periphery 1.19.5");
	p->changelog_name = xstrdup("Pkg Tool <pkgtool@example.com>");
	p->mtime = 1700000000;
	p->comp = comp;

	f = pkg_add_file(p, CONF, 0640, conf, sizeof(conf) - 1);
	f->flags |= PKG_CONFIG;
	pkg_add_dir(p, "/etc/komodo", 0750);
	pkg_add_src(p, "/usr/bin/periphery", 0755, SRC);
	pkg_add_symlink(p, "/usr/bin/komodo-periphery", "periphery");
	pkg_add_file(p, "/usr/lib/systemd/system/periphery.service", 0644,
		     unit, sizeof(unit) - 1);
	f = pkg_add_file(p, "/usr/share/doc/komodo-periphery/README", 0644,
			 "read me\n", 8);
	f->flags |= PKG_DOC;
	f = pkg_add_file(p, "/usr/share/licenses/komodo-periphery/LICENSE",
			 0644, "GPL\n", 4);
	f->flags |= PKG_LICENSE;
	pkg_add_file(p, "/var/lib/komodo/empty", 0600, "", 0);
	pkg_add_parents(p);

	buf_addstr(&p->scripts[SCRIPT_RPM_PRE], "echo pre $1\n");
	buf_addstr(&p->scripts[SCRIPT_RPM_POST], "echo post $1\n");
	buf_addstr(&p->scripts[SCRIPT_RPM_PREUN], "echo preun $1\n");
	buf_addstr(&p->scripts[SCRIPT_RPM_POSTUN], "echo postun $1\n");
	/* deb-only slot: must not leak into the rpm */
	buf_addstr(&p->scripts[SCRIPT_POSTINST], "echo deb\n");

	pkg_add_require(p, "systemd", NULL, DEP_POST | DEP_PREUN);
	pkg_add_require(p, "/usr/sbin/useradd", NULL, DEP_PRE);
	pkg_add_require(p, "glibc", "2.17", DEP_GREATER | DEP_EQUAL);
	pkg_add_require(p, "systemd", NULL, DEP_POST | DEP_PREUN);
	if (pkg_stat_files(p))
		die("pkg_stat_files failed");
}

static int write_pkg(enum pkg_compression comp, int level, const char *path)
{
	struct pkg p;
	int r;

	make_pkg(&p, comp);
	p.comp_level = level;
	r = rpm_write(&p, path);
	pkg_release(&p);
	return r;
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	if (!d)
		return -1;
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

TEST(rpm_write_digests_and_metadata)
{
	struct buf out = BUF_INIT;
	const char *x = TMP "/meta.rpm";

	CHECK(write_pkg(COMP_XZ, -1, x) == 0);

	CHECK(run(&out, "rpm -K %s 2>&1", x) == 0);
	CHECK_HAS(out, "digests OK");
	CHECK(run(&out, "rpm -Kv %s 2>&1", x) == 0);
	CHECK_HAS(out, "Header SHA256 digest: OK");
	CHECK_HAS(out, "Header SHA1 digest: OK");
	CHECK_HAS(out, "Payload SHA256 digest: OK");
	CHECK_HAS(out, "MD5 digest: OK");

	CHECK(run(&out, "rpm -qp --info %s", x) == 0);
	CHECK_HAS(out, "Name        : komodo-periphery\n");
	CHECK_HAS(out, "Version     : 1.19.5\n");
	CHECK_HAS(out, "Release     : 1\n");
	CHECK_HAS(out, "Architecture: x86_64\n");
	CHECK_HAS(out, "Group       : System Environment/Daemons\n");
	CHECK_HAS(out, "License     : GPL-3.0-or-later\n");
	CHECK_HAS(out, "Source RPM  : komodo-periphery-1.19.5-1.src.rpm\n");
	CHECK_HAS(out, "Build Host  : reproducible\n");
	CHECK_HAS(out, "Packager    : Pkg Tool <pkgtool@example.com>\n");
	CHECK_HAS(out, "URL         : https://komo.do\n");
	CHECK_HAS(out, "Summary     : Komodo Periphery agent\n");
	CHECK_HAS(out, "Description :\nPeriphery runs on every server.\n\n"
		       "It answers Komodo Core.\n");

	/* changelog date is 12:00 UTC of the SOURCE_DATE_EPOCH day */
	CHECK(run(&out, "rpm -qp --qf '%%{BUILDTIME} %%{CHANGELOGTIME} "
			"%%{CHANGELOGNAME}|%%{CHANGELOGTEXT}|%%{PLATFORM}|"
			"%%{OS}|%%{ENCODING}|%%{SIZE}|%%{PAYLOADFORMAT} "
			"%%{PAYLOADCOMPRESSOR} %%{PAYLOADFLAGS}' %s",
		  x) == 0);
	CHECK_STR_EQ(out.data,
		     "1700000000 1699963200 Pkg Tool <pkgtool@example.com> - "
		     "1.19.5-1|- Package Komodo Periphery 1.19.5|"
		     "x86_64-pc-linux-gnu|linux|utf-8|300081|cpio xz 6");
	buf_release(&out);
}

TEST(rpm_write_files)
{
	struct buf out = BUF_INIT, sum = BUF_INIT;
	const char *x = TMP "/files.rpm";

	CHECK(write_pkg(COMP_XZ, -1, x) == 0);

	/* owned dirs only: /etc, /usr/bin, ... belong to "filesystem" */
	CHECK(run(&out, "rpm -qlp %s", x) == 0);
	CHECK_STR_EQ(out.data, "/etc/komodo\n" CONF "\n"
			       "/usr/bin/komodo-periphery\n"
			       "/usr/bin/periphery\n"
			       "/usr/lib/systemd/system/periphery.service\n"
			       "/usr/share/doc/komodo-periphery/README\n"
			       "/usr/share/licenses/komodo-periphery/LICENSE\n"
			       "/var/lib/komodo/empty\n");
	CHECK(run(&out, "rpm -qlvp %s", x) == 0);
	CHECK_HAS(out, "drwxr-x---    2 root     root                        0 "
		       "Nov 14  2023 /etc/komodo\n");
	CHECK_HAS(out, "-rw-r-----    1 root     root                       24 "
		       "Nov 14  2023 " CONF "\n");
	CHECK_HAS(out, "lrwxrwxrwx    1 root     root                        9 "
		       "Nov 14  2023 /usr/bin/komodo-periphery -> periphery\n");
	CHECK_HAS(out, "-rwxr-xr-x    1 root     root                   300000 "
		       "Nov 14  2023 /usr/bin/periphery\n");
	CHECK_HAS(out, "-rw-------    1 root     root                        0 "
		       "Nov 14  2023 /var/lib/komodo/empty\n");

	CHECK(run(&out, "rpm -qcp %s", x) == 0);
	CHECK_STR_EQ(out.data, CONF "\n");
	CHECK(run(&out, "rpm -qdp %s", x) == 0);
	CHECK_STR_EQ(out.data, "/usr/share/doc/komodo-periphery/README\n");
	CHECK(run(&out, "rpm -qp --licensefiles %s", x) == 0);
	CHECK_STR_EQ(out.data,
		     "/usr/share/licenses/komodo-periphery/LICENSE\n");
	CHECK(run(&out, "rpm -qp --qf '[%%{FILEFLAGS:fflags} %%{FILENAMES}\\n]'"
			" %s | grep etc/",
		  x) == 0);
	CHECK_STR_EQ(out.data, " /etc/komodo\ncn " CONF "\n");

	/* the streamed src file was digested on the way */
	CHECK(run(&sum, "sha256sum < %s | cut -c1-64", SRC) == 0);
	buf_truncate(&sum, sum.len ? sum.len - 1 : 0);
	buf_addstr(&sum, " /usr/bin/periphery\n");
	CHECK(run(&out, "rpm -qp --qf '[%%{FILEDIGESTS} %%{FILENAMES}\\n]' %s",
		  x) == 0);
	CHECK_HAS(out, sum.data);
	/* sha256 of nothing, and no digest for a directory */
	CHECK_HAS(out, "e3b0c44298fc1c149afbf4c8996fb924"
		       "27ae41e4649b934ca495991b7852b855"
		       " /var/lib/komodo/empty\n");
	CHECK_HAS(out, "\n /usr/bin/komodo-periphery\n");

	CHECK(run(&out, "rpm2cpio %s | cpio -t --quiet", x) == 0);
	CHECK_STR_EQ(out.data, "./etc/komodo\n." CONF "\n"
			       "./usr/bin/komodo-periphery\n"
			       "./usr/bin/periphery\n"
			       "./usr/lib/systemd/system/periphery.service\n"
			       "./usr/share/doc/komodo-periphery/README\n"
			       "./usr/share/licenses/komodo-periphery/LICENSE\n"
			       "./var/lib/komodo/empty\n");
	/* PAYLOADDIGESTALT is over the uncompressed cpio stream */
	CHECK(run(&sum, "rpm2cpio %s | sha256sum | cut -c1-64", x) == 0);
	CHECK(run(&out, "rpm -qp --qf '%%{PAYLOADDIGESTALT}\\n' %s", x) == 0);
	CHECK_STR_EQ(out.data, sum.data);
	buf_release(&out);
	buf_release(&sum);
}

TEST(rpm_write_scripts_and_deps)
{
	struct buf out = BUF_INIT;
	const char *x = TMP "/deps.rpm";

	CHECK(write_pkg(COMP_XZ, -1, x) == 0);

	CHECK(run(&out, "rpm -qp --scripts %s", x) == 0);
	CHECK_STR_EQ(out.data, "preinstall scriptlet (using /bin/sh):\n"
			       "echo pre $1\n\n"
			       "postinstall scriptlet (using /bin/sh):\n"
			       "echo post $1\n\n"
			       "preuninstall scriptlet (using /bin/sh):\n"
			       "echo preun $1\n\n"
			       "postuninstall scriptlet (using /bin/sh):\n"
			       "echo postun $1\n\n");

	/* sorted and deduplicated like rpmbuild's rpmdsMerge() */
	CHECK(run(&out, "rpm -qp --qf '[%%{REQUIRENAME} "
			"%%{REQUIREFLAGS:deptype} %%{REQUIREFLAGS:depflags}"
			"%%{REQUIREVERSION}\\n]' %s",
		  x) == 0);
	CHECK_STR_EQ(out.data,
		     "/bin/sh pre,interp \n"
		     "/bin/sh post,interp \n"
		     "/bin/sh preun,interp \n"
		     "/bin/sh postun,interp \n"
		     "/usr/sbin/useradd pre \n"
		     "config(komodo-periphery) config =1.19.5-1\n"
		     "glibc manual >=2.17\n"
		     "rpmlib(CompressedFileNames) rpmlib <=3.0.4-1\n"
		     "rpmlib(FileDigests) rpmlib <=4.6.0-1\n"
		     "rpmlib(PayloadFilesHavePrefix) rpmlib <=4.0-1\n"
		     "rpmlib(PayloadIsXz) rpmlib <=5.2-1\n"
		     "systemd post,preun \n");
	CHECK(run(&out, "rpm -qp --requires %s", x) == 0);
	CHECK_HAS(out, "rpmlib(CompressedFileNames) <= 3.0.4-1\n");
	CHECK_HAS(out, "/bin/sh\n");

	CHECK(run(&out, "rpm -qp --provides %s", x) == 0);
	CHECK_STR_EQ(out.data, "config(komodo-periphery) = 1.19.5-1\n"
			       "komodo-periphery = 1.19.5-1\n"
			       "komodo-periphery(x86-64) = 1.19.5-1\n");
	buf_release(&out);
}

TEST(rpm_write_aarch64_and_posttrans)
{
	struct buf out = BUF_INIT;
	const char *x = TMP "/arm.rpm";
	struct pkg p;

	make_pkg(&p, COMP_ZSTD);
	free(p.arch);
	p.arch = xstrdup("aarch64");
	buf_addstr(&p.scripts[SCRIPT_RPM_POSTTRANS], "echo posttrans\n");
	CHECK(rpm_write(&p, x) == 0);
	pkg_release(&p);

	CHECK(run(&out, "rpm -K %s 2>&1", x) == 0);
	CHECK_HAS(out, "digests OK");
	CHECK(run(&out, "rpm -qp --provides %s", x) == 0);
	CHECK_HAS(out, "komodo-periphery(aarch-64) = 1.19.5-1\n");
	CHECK(run(&out, "rpm -qp --qf '%%{ARCH} %%{PLATFORM} "
			"%%{PAYLOADCOMPRESSOR} %%{PAYLOADFLAGS}' %s",
		  x) == 0);
	CHECK_STR_EQ(out.data, "aarch64 aarch64-pc-linux-gnu zstd 19");
	CHECK(run(&out, "rpm -qp --qf '%%{POSTTRANSPROG}: %%{POSTTRANS}' %s",
		  x) == 0);
	CHECK_STR_EQ(out.data, "/bin/sh: echo posttrans\n");
	CHECK(run(&out, "rpm -qp --requires %s | grep rpmlib.Payload", x) == 0);
	CHECK_STR_EQ(out.data, "rpmlib(PayloadFilesHavePrefix) <= 4.0-1\n"
			       "rpmlib(PayloadIsZstd) <= 5.4.18-1\n");
	/* the lead carries the target's arch number (19), not the host's */
	CHECK(run(&out, "od -An -tx1 -j8 -N2 %s", x) == 0);
	CHECK_STR_EQ(out.data, " 00 13\n");
	buf_release(&out);
}

TEST(rpm_write_reproducible)
{
	static const struct {
		enum pkg_compression comp;
		int level;
		const char *want;
	} cases[] = {
		{ COMP_XZ, -1, "xz 6" },
		{ COMP_ZSTD, -1, "zstd 19" },
		{ COMP_GZIP, -1, "gzip 9" },
		{ COMP_XZ, 1, "xz 1" },
		{ COMP_ZSTD, 3, "zstd 3" },
	};
	struct buf out = BUF_INIT;
	size_t i;

	CHECK(run(&out, "mkdir -p %s/again", TMP) == 0);
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		char a[64], b[64];

		snprintf(a, sizeof(a), TMP "/r%zu.rpm", i);
		snprintf(b, sizeof(b), TMP "/again/r%zu.rpm", i);
		CHECK(write_pkg(cases[i].comp, cases[i].level, a) == 0);
		CHECK(write_pkg(cases[i].comp, cases[i].level, b) == 0);
		CHECK(run(&out, "cmp %s %s 2>&1", a, b) == 0);
		CHECK(run(&out, "rpm -K %s 2>&1", a) == 0);
		CHECK_HAS(out, "digests OK");
		CHECK(run(&out, "rpm -qp --qf '%%{PAYLOADCOMPRESSOR} "
				"%%{PAYLOADFLAGS}' %s",
			  a) == 0);
		CHECK_STR_EQ(out.data, cases[i].want);
		CHECK(run(&out, "rpm2cpio %s | cpio -t --quiet | wc -l", a) ==
		      0);
		CHECK_STR_EQ(out.data, "8\n");
	}
	buf_release(&out);
}

TEST(rpm_install_in_scratch_root)
{
	struct buf out = BUF_INIT, root = BUF_INIT, rpm = BUF_INIT;
	char *cwd = getcwd(NULL, 0);
	const char *x = TMP "/install.rpm";
	struct stat st;
	char link[64];
	ssize_t n;

	if (geteuid() != 0) {
		fprintf(stderr, "rpm_install_in_scratch_root: skipped, "
				"rpm --root needs root\n");
		free(cwd);
		return;
	}
	CHECK(write_pkg(COMP_XZ, -1, x) == 0);
	buf_addf(&root, "%s/" TMP "/root", cwd);
	/* Debian's rpm keeps its database in ~/.rpmdb by default */
	buf_addf(&rpm, "rpm --root %s --dbpath /var/lib/rpm", root.data);
	CHECK(run(&out, "rm -rf %s && mkdir -p %s", root.data, root.data) == 0);

	CHECK(run(&out, "%s -i --nodeps --noscripts %s 2>&1", rpm.data, x) ==
	      0);
	CHECK(run(&out, "%s -qa", rpm.data) == 0);
	CHECK_STR_EQ(out.data, "komodo-periphery-1.19.5-1.x86_64\n");
	/* checks every file's digest, size, mode, owner, mtime, link */
	CHECK(run(&out, "%s -V --nodeps komodo-periphery 2>&1", rpm.data) == 0);
	CHECK_STR_EQ(out.data, "");
	buf_reset(&out);
	buf_addf(&out, "%s/usr/bin/komodo-periphery", root.data);
	n = readlink(out.data, link, sizeof(link) - 1);
	CHECK(n == 9 && !memcmp(link, "periphery", 9));
	buf_reset(&out);
	buf_addf(&out, "%s" CONF, root.data);
	CHECK(stat(out.data, &st) == 0 && (st.st_mode & 07777) == 0640);

	CHECK(run(&out, "%s --rebuilddb 2>&1", rpm.data) == 0);
	CHECK(run(&out, "%s -qa", rpm.data) == 0);
	CHECK_STR_EQ(out.data, "komodo-periphery-1.19.5-1.x86_64\n");
	CHECK(run(&out, "%s -qc komodo-periphery", rpm.data) == 0);
	CHECK_STR_EQ(out.data, CONF "\n");

	CHECK(run(&out, "echo 'port = 9000' >> %s" CONF, root.data) == 0);
	CHECK(run(&out, "%s -V --nodeps komodo-periphery", rpm.data) == 1);
	CHECK_STR_EQ(out.data, "S.5....T.  c " CONF "\n");
	CHECK(run(&out, "%s -e --noscripts komodo-periphery 2>&1", rpm.data) ==
	      0);
	CHECK_HAS(out, "saved as " CONF ".rpmsave");
	CHECK(run(&out, "cd %s && find etc usr var -path var/lib/rpm -prune "
			"-o ! -type d -print | sort",
		  root.data) == 0);
	CHECK_STR_EQ(out.data, "etc/komodo/periphery.config.toml.rpmsave\n");
	CHECK(run(&out, "%s -qa", rpm.data) == 0);
	CHECK_STR_EQ(out.data, "");

	free(cwd);
	buf_release(&out);
	buf_release(&root);
	buf_release(&rpm);
}

/* Runs rpm_write() on p and returns what it reported. */
static int write_capture(struct pkg *p, const char *path, char **msg)
{
	size_t len;
	FILE *f = open_memstream(msg, &len);
	int r;

	diag_set_stream(f);
	r = rpm_write(p, path);
	diag_set_stream(NULL);
	fclose(f);
	return r;
}

static struct pkg_file *find_file(struct pkg *p, const char *path)
{
	size_t i;

	for (i = 0; i < p->nr_files; i++)
		if (!strcmp(p->files[i].path, path))
			return &p->files[i];
	die("no '%s' in the test package", path);
}

static size_t count_lines(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

TEST(rpm_write_errors)
{
	static const enum pkg_compression comps[] = { COMP_XZ, COMP_ZSTD,
						      COMP_GZIP };
	int fds = count_fds();
	struct pkg_file *f;
	struct pkg p;
	char *msg;
	size_t i;

	make_pkg(&p, COMP_XZ);
	f = find_file(&p, "/usr/bin/periphery");
	free(f->src);
	f->src = xstrdup(TMP "/missing.bin");
	CHECK(write_capture(&p, TMP "/err.rpm", &msg) == -1);
	CHECK_STR_EQ(msg, "pkgtool: error: cannot read '" TMP "/missing.bin': "
			  "No such file or directory\n");
	free(msg);
	pkg_release(&p);

	/* every compressor reports a full disk once, and leaks no fd */
	for (i = 0; i < ARRAY_SIZE(comps); i++) {
		make_pkg(&p, comps[i]);
		CHECK(write_capture(&p, "/dev/full", &msg) == -1);
		CHECK(strstr(msg, "'/dev/full': No space left on device"));
		CHECK(count_lines(msg) == 1);
		free(msg);
		pkg_release(&p);
	}

	make_pkg(&p, COMP_ZSTD);
	p.comp_level = 20;
	CHECK(write_capture(&p, TMP "/err.rpm", &msg) == -1);
	CHECK_STR_EQ(msg, "pkgtool: error: zstd compression level 20 is out "
			  "of range (1-19)\n");
	free(msg);
	pkg_release(&p);

	make_pkg(&p, COMP_XZ);
	free(p.arch);
	p.arch = xstrdup("sparc");
	CHECK(write_capture(&p, TMP "/err.rpm", &msg) == -1);
	CHECK_STR_EQ(msg,
		     "pkgtool: error: unsupported rpm architecture 'sparc'\n");
	free(msg);
	pkg_release(&p);

	make_pkg(&p, COMP_XZ);
	free(p.summary);
	p.summary = xstrdup("Latin-1 \xe9t\xe9");
	CHECK(write_capture(&p, TMP "/err.rpm", &msg) == -1);
	CHECK_STR_EQ(msg, "pkgtool: error: rpm Summary of 'komodo-periphery' "
			  "is not valid UTF-8\n");
	free(msg);
	pkg_release(&p);

	/* and neither does success */
	CHECK(write_pkg(COMP_GZIP, -1, TMP "/ok.rpm") == 0);

	make_pkg(&p, COMP_XZ);
	CHECK(write_capture(&p, TMP "/no/such/dir.rpm", &msg) == -1);
	CHECK_STR_EQ(msg, "pkgtool: error: cannot create '" TMP "/no/such/"
			  "dir.rpm': No such file or directory\n");
	free(msg);
	pkg_release(&p);

	CHECK(count_fds() == fds);
}
