/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Quantities written for people reading a status line at 3 a.m. */
#ifndef SBTC_HUMAN_H
#define SBTC_HUMAN_H

#include <stddef.h>

/* "45s", "12m 5s", "2h 5m", "3d 4h"; negative values get a leading '-'. */
char *sbtc_format_duration(double seconds, char *dst, size_t dstlen);

/* "512 B", "1.5 kB", "2.3 MB", "1.1 GB" (powers of 1000, as the size options accept). */
char *sbtc_format_size(double bytes, char *dst, size_t dstlen);

#endif
