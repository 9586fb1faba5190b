/* toml.c - TOML strings and keys, escaped for the config file and templates
 * SPDX-License-Identifier: MIT
 */
#include <ctype.h>
#include <stddef.h>

#include "toml.h"
#include "banned.h"

/* Length of the UTF-8 sequence at p, or 0 when it is not valid UTF-8. */
static size_t utf8_len(const unsigned char *p)
{
	size_t n, i;
	unsigned cp;

	if (p[0] < 0x80)
		return 1;
	if ((p[0] & 0xe0) == 0xc0) {
		n = 2;
		cp = p[0] & 0x1f;
	} else if ((p[0] & 0xf0) == 0xe0) {
		n = 3;
		cp = p[0] & 0x0f;
	} else if ((p[0] & 0xf8) == 0xf0) {
		n = 4;
		cp = p[0] & 0x07;
	} else {
		return 0;
	}
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) ||
	    (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

int toml_quote(struct buf *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	buf_addch(out, '"');
	while (*p) {
		size_t n = utf8_len(p);

		if (!n)
			return -1;
		if (n > 1) {
			buf_add(out, p, n);
			p += n;
			continue;
		}
		switch (*p) {
		case '"':
			buf_addstr(out, "\\\"");
			break;
		case '\\':
			buf_addstr(out, "\\\\");
			break;
		case '\b':
			buf_addstr(out, "\\b");
			break;
		case '\t':
			buf_addstr(out, "\\t");
			break;
		case '\n':
			buf_addstr(out, "\\n");
			break;
		case '\f':
			buf_addstr(out, "\\f");
			break;
		case '\r':
			buf_addstr(out, "\\r");
			break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				buf_addf(out, "\\u%04X", *p);
			else
				buf_addch(out, *p);
		}
		p++;
	}
	buf_addch(out, '"');
	return 0;
}

int toml_key(struct buf *out, const char *k)
{
	const char *p;

	for (p = k; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-')
			break;
	if (*k && !*p) {
		buf_addstr(out, k);
		return 0;
	}
	return toml_quote(out, k);
}
