/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The host's own listening sockets, as the kernel lists them in /proc/net/{tcp,tcp6,
 * udp,udp6}, and the processes that own them (socket inodes found in /proc/<pid>/fd). */
#ifndef SBTC_SOCKETS_H
#define SBTC_SOCKETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
	bool tcp;             /* false: UDP */
	int family;           /* AF_INET or AF_INET6 */
	uint8_t addr[16];     /* network byte order; the first 4 bytes for AF_INET */
	unsigned port;
	unsigned long inode;
	unsigned uid;
	char process[64];     /* owner's command name, "" when not known */
	int pid;              /* 0 when not known */
} sbtc_socket;

typedef struct {
	sbtc_socket *v;
	size_t n, cap;
} sbtc_socket_list;

/* Parses the text of one /proc/net table (tcp and tcp6: LISTEN sockets; udp and udp6:
 * bound, unconnected sockets), appending to list. family AF_INET or AF_INET6. Returns
 * the number of sockets added, or -1 with a message when the text is not such a table
 * (line 3 "bad local address 'x'"). */
int sbtc_sockets_parse(const char *text, size_t len, bool tcp, int family, sbtc_socket_list *list, char *err,
		       size_t errlen);

/* Reads the four tables under procdir ("/proc/net"); a table that does not exist (no
 * IPv6) is skipped. Returns 0 or -1 with a message. */
int sbtc_sockets_read(const char *procdir, sbtc_socket_list *list, char *err, size_t errlen);

/* Fills process and pid from /proc/<pid>/fd links under proc ("/proc"), within the
 * deadline. Returns how many processes could not be inspected (permission), so the
 * caller can say that names may be missing. */
size_t sbtc_sockets_owners(const char *proc, sbtc_socket_list *list);

/* True for 127.0.0.0/8, ::1 and ::ffff:127.0.0.0/104: reachable from this host only. */
bool sbtc_socket_loopback(const sbtc_socket *s);

/* "0.0.0.0:5432", "[::]:8801", "127.0.0.1:20443". */
void sbtc_socket_endpoint(const sbtc_socket *s, char *dst, size_t dstlen);

void sbtc_socket_list_free(sbtc_socket_list *list);

#endif
