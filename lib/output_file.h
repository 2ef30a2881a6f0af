/* SPDX-License-Identifier: GPL-2.0-or-later */
/* --output-file=FILE: the run's output goes to FILE, atomically. It is written to a
 * temporary file in FILE's directory (".NAME.XXXXXX": never "*.prom", so the node
 * exporter's textfile collector skips it), made 0644, fsync'd and renamed onto FILE once
 * the whole output is written; a reader sees the old FILE or the new one, never a part. */
#ifndef SBTC_OUTPUT_FILE_H
#define SBTC_OUTPUT_FILE_H

#include <stdbool.h>
#include <stddef.h>

/* Checks FILE and opens its temporary file: FILE's directory must exist and be writable
 * by others only with the sticky bit; FILE must not be a symbolic link or anything but
 * a regular file. Replaces an earlier setup (its temporary file is removed). 0, or -1
 * with a message in err naming the file and the reason. */
int sbtc_output_file_setup(const char *path, char *err, size_t errlen);

/* Where the result goes: the temporary file's descriptor, or standard output. */
int sbtc_output_fd(void);
bool sbtc_output_to_file(void);

/* Once the whole output is written to sbtc_output_fd(): fsync and rename onto FILE
 * (whole), or remove the temporary file (not whole: FILE stays as it was). Nothing
 * without --output-file, or when done already. Async-signal-safe (the timeout backstop
 * calls it): only fsync, close, rename, unlink and write. A failure is told on standard
 * error. */
void sbtc_output_file_done(bool whole);

#endif
