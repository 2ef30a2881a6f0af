/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Prometheus' text exposition format, as far as the version check reads it: the
 * revision label of a build_info sample (the signer's exporter publishes
 * NAMESPACE_build_info{app="signer",revision="<commit>",...} 1). */
#ifndef SBTC_PROMETHEUS_TEXT_H
#define SBTC_PROMETHEUS_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* The value of label in the label set [labels, end) of a sample (the text between the
 * braces of name{a="x",b="y"}), with the format's escapes (\\, \", \n) undone, cut to
 * fit dst. False when the label is absent or the set is malformed. dstlen >= 1. */
bool sbtc_prom_label(const char *labels, const char *end, const char *label, char *dst, size_t dstlen);

/* The revision label of build_info (or NAMESPACE_build_info) in a NUL-terminated text
 * body; with several such samples, the one labelled app="signer", else the first.
 * True with dst set (cut to fit), false when there is none. dstlen >= 1. */
bool sbtc_prom_build_info_revision(const char *body, char *dst, size_t dstlen);

#endif
