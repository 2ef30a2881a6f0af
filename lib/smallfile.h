/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Small files named by an option (an --extra-opts ini file, a password, cookie or token
 * file) are read whole, through one function with the same guards for all: a regular file
 * only (a FIFO would block and /dev/zero never ends), no more than a stated size, and never
 * past the deadline. */
#ifndef SBTC_SMALLFILE_H
#define SBTC_SMALLFILE_H

#include <stdbool.h>
#include <stddef.h>

/* An ini file of options: far more than any real one holds. */
#define SBTC_INI_FILE_MAX (1024u * 1024u)
/* A password, cookie or token file is a line or two. */
#define SBTC_SECRET_FILE_MAX 4096u

/* Reads the file at path into a malloc'd, NUL-terminated buffer (*out, *len bytes; the
 * caller wipes it when it held a secret). what names the file in messages ("password
 * file"). Returns 0, or -1 with a message that names what, the path and the reason, never
 * the content. When secret is true, a path without '/' is not shown: it may be the secret
 * itself, given where its file was expected. */
int sbtc_read_small_file(const char *path, const char *what, size_t max, bool secret, char **out,
			 size_t *len, char *err, size_t errlen);

/* A CA bundle (--cacert) is larger, and read by libcurl itself. */
#define SBTC_CA_FILE_MAX (16u * 1024u * 1024u)

/* The same checks without reading, for a file another library reads (libcurl's CA file):
 * 0, or -1 with a message. */
int sbtc_check_small_file(const char *path, const char *what, size_t max, bool secret, char *err,
			  size_t errlen);

/* The path as messages show it (sanitised, bounded; hidden as above when secret); malloc'd. */
char *sbtc_small_file_name(const char *path, bool secret);

#endif
