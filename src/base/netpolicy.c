/* netpolicy.c — see netpolicy.h. Tables follow the IANA special-purpose
 * address registries (RFC 6890 and updates); anything the registries call
 * non-forwardable or not globally reachable is not NET_PUBLIC. */
#include "base/netpolicy.h"

#include <netinet/in.h>
#include <stdint.h>
#include <string.h>

typedef struct v4_range {
    uint32_t net;
    unsigned bits;
    net_class cls;
} v4_range;

#define V4(a, b, c, d) (((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) | (uint32_t)(d))

/* First match wins: exact metadata addresses come before their ranges. */
static const v4_range v4_table[] = {
    {V4(169, 254, 169, 254), 32, NET_METADATA},   /* AWS, GCP, Azure, OCI, … */
    {V4(169, 254, 170, 2), 32, NET_METADATA},     /* AWS ECS task metadata */
    {V4(100, 100, 100, 200), 32, NET_METADATA},   /* Alibaba Cloud */
    {V4(255, 255, 255, 255), 32, NET_RESERVED},   /* limited broadcast */
    {V4(0, 0, 0, 0), 8, NET_UNSPECIFIED},         /* "this network"; 0.0.0.0 reaches localhost */
    {V4(127, 0, 0, 0), 8, NET_LOOPBACK},
    {V4(10, 0, 0, 0), 8, NET_PRIVATE},
    {V4(172, 16, 0, 0), 12, NET_PRIVATE},
    {V4(192, 168, 0, 0), 16, NET_PRIVATE},
    {V4(100, 64, 0, 0), 10, NET_PRIVATE},         /* CGNAT shared space */
    {V4(198, 18, 0, 0), 15, NET_PRIVATE},         /* benchmarking, used internally */
    {V4(169, 254, 0, 0), 16, NET_LINK_LOCAL},
    {V4(192, 0, 0, 0), 24, NET_RESERVED},         /* IETF protocol assignments */
    {V4(192, 0, 2, 0), 24, NET_RESERVED},         /* TEST-NET-1 */
    {V4(198, 51, 100, 0), 24, NET_RESERVED},      /* TEST-NET-2 */
    {V4(203, 0, 113, 0), 24, NET_RESERVED},       /* TEST-NET-3 */
    {V4(192, 88, 99, 0), 24, NET_RESERVED},       /* deprecated 6to4 relay anycast */
    {V4(224, 0, 0, 0), 4, NET_MULTICAST},
    {V4(240, 0, 0, 0), 4, NET_RESERVED},
};

static net_class classify_v4(uint32_t a) {
    for (size_t i = 0; i < sizeof v4_table / sizeof v4_table[0]; i++) {
        const v4_range *r = &v4_table[i];
        uint32_t mask = r->bits == 0 ? 0 : 0xFFFFFFFFu << (32 - r->bits);
        if ((a & mask) == r->net) return r->cls;
    }
    return NET_PUBLIC;
}

static uint32_t v4_at(const uint8_t *p) {
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

/* True when the first `bits` bits of a equal those of prefix. */
static int v6_in(const uint8_t *a, const uint8_t *prefix, unsigned bits) {
    unsigned full = bits / 8, rest = bits % 8;
    if (memcmp(a, prefix, full) != 0) return 0;
    if (rest == 0) return 1;
    uint8_t mask = (uint8_t)(0xFFu << (8 - rest));
    return (a[full] & mask) == (prefix[full] & mask);
}

static net_class classify_v6(const uint8_t *a) {
    static const uint8_t zero[16] = {0};
    static const uint8_t loop[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    static const uint8_t translated[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0};
    static const uint8_t nat64[12] = {0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0};
    static const uint8_t nat64_local[6] = {0, 0x64, 0xff, 0x9b, 0, 1};
    static const uint8_t ec2_metadata[16] = {0xfd, 0, 0x0e, 0xc2, 0, 0, 0, 0,
                                             0, 0, 0, 0, 0, 0, 0x02, 0x54};
    static const uint8_t p6to4[2] = {0x20, 0x02};
    static const uint8_t teredo[4] = {0x20, 0x01, 0, 0};
    static const uint8_t doc[4] = {0x20, 0x01, 0x0d, 0xb8};
    static const uint8_t discard[8] = {0x01, 0, 0, 0, 0, 0, 0, 0};

    if (memcmp(a, zero, 16) == 0) return NET_UNSPECIFIED;
    if (memcmp(a, loop, 16) == 0) return NET_LOOPBACK;
    if (memcmp(a, ec2_metadata, 16) == 0) return NET_METADATA;
    /* Forms that carry an IPv4 address in their last 32 bits. */
    if (v6_in(a, mapped, 96) || v6_in(a, translated, 96) || v6_in(a, nat64, 96) ||
        v6_in(a, zero, 96) /* IPv4-compatible, deprecated */)
        return classify_v4(v4_at(a + 12));
    if (v6_in(a, nat64_local, 48)) return NET_PRIVATE;
    if (v6_in(a, p6to4, 16)) return classify_v4(v4_at(a + 2));
    if (a[0] == 0xff) return NET_MULTICAST;                     /* ff00::/8 */
    if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) return NET_LINK_LOCAL;   /* fe80::/10 */
    if (a[0] == 0xfe && (a[1] & 0xc0) == 0xc0) return NET_PRIVATE;      /* fec0::/10 site-local */
    if ((a[0] & 0xfe) == 0xfc) return NET_PRIVATE;              /* fc00::/7 ULA */
    if (v6_in(a, teredo, 32) || v6_in(a, doc, 32) || v6_in(a, discard, 64))
        return NET_RESERVED;
    if ((a[0] & 0xe0) != 0x20) return NET_RESERVED;             /* outside 2000::/3 */
    return NET_PUBLIC;
}

net_class net_classify(const struct sockaddr *sa) {
    if (!sa) return NET_RESERVED;
    if (sa->sa_family == AF_INET) {
        struct sockaddr_in in;
        memcpy(&in, sa, sizeof in);
        return classify_v4(ntohl(in.sin_addr.s_addr));
    }
    if (sa->sa_family == AF_INET6) {
        struct sockaddr_in6 in6;
        memcpy(&in6, sa, sizeof in6);
        return classify_v6(in6.sin6_addr.s6_addr);
    }
    return NET_RESERVED;
}

bool net_allowed(net_class c, bool allow_private) {
    switch (c) {
    case NET_PUBLIC: return true;
    case NET_LOOPBACK:
    case NET_PRIVATE: return allow_private;
    default: return false;
    }
}

const char *net_class_name(net_class c) {
    switch (c) {
    case NET_PUBLIC: return "public";
    case NET_LOOPBACK: return "loopback";
    case NET_PRIVATE: return "private";
    case NET_LINK_LOCAL: return "link-local";
    case NET_METADATA: return "metadata";
    case NET_UNSPECIFIED: return "unspecified";
    case NET_MULTICAST: return "multicast";
    case NET_RESERVED: return "reserved";
    }
    return "reserved";
}
