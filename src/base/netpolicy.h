/* netpolicy.h — which IP addresses outbound requests may connect to.
 *
 * Boards (http_fetch) and WASM nodes (http_request) choose URLs; the host must
 * not become a proxy into its own network (SSRF). The check is made on the
 * address a connection is actually about to use, after DNS, so names that
 * resolve to internal addresses, DNS rebinding and odd IP literal spellings
 * (http://2130706433/) are all caught. docs/network-policy.md is the
 * user-facing description of the table below. */
#ifndef WEIR_NETPOLICY_H
#define WEIR_NETPOLICY_H

#include <stdbool.h>
#include <sys/socket.h>

/* The class of an address. Addresses that embed an IPv4 address (IPv4-mapped
 * ::ffff:a.b.c.d, IPv4-compatible ::a.b.c.d, IPv4-translated ::ffff:0:a.b.c.d,
 * NAT64 64:ff9b::/96, 6to4 2002:AABB:CCDD::/48) take the class of that IPv4
 * address. */
typedef enum net_class {
    NET_PUBLIC,       /* globally routable unicast */
    NET_LOOPBACK,     /* 127.0.0.0/8, ::1 */
    NET_PRIVATE,      /* 10/8, 172.16/12, 192.168/16, 100.64/10 (CGNAT),
                         198.18/15 (benchmarking), fc00::/7 (ULA), fec0::/10,
                         64:ff9b:1::/48 (local-use NAT64) */
    NET_LINK_LOCAL,   /* 169.254.0.0/16, fe80::/10 */
    NET_METADATA,     /* cloud instance metadata: 169.254.169.254, 169.254.170.2,
                         100.100.100.200, fd00:ec2::254 */
    NET_UNSPECIFIED,  /* 0.0.0.0/8, :: */
    NET_MULTICAST,    /* 224.0.0.0/4, ff00::/8 */
    NET_RESERVED      /* 240.0.0.0/4, 255.255.255.255, documentation and IETF
                         ranges, Teredo, IPv6 outside 2000::/3, unknown families */
} net_class;

/* Classify the address in sa (AF_INET or AF_INET6; any other family, or NULL,
 * is NET_RESERVED). The port and IPv6 scope are ignored. */
net_class net_classify(const struct sockaddr *sa);

/* True when a connection to an address of class c is permitted: public
 * always; loopback and private only with allow_private; link-local,
 * metadata, unspecified, multicast and reserved never. */
bool net_allowed(net_class c, bool allow_private);

/* A static lower-case name for c ("public", "loopback", "private",
 * "link-local", "metadata", "unspecified", "multicast", "reserved"). */
const char *net_class_name(net_class c);

#endif
