/* test_netpolicy.c — net_classify over a table of IPv4 and IPv6 addresses
 * (embedded-IPv4 forms included), and the net_allowed policy matrix. */
#include "testutil.h"

#include "base/netpolicy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/un.h>

typedef struct row {
    const char *addr;
    net_class want;
} row;

static const row v4_rows[] = {
    {"8.8.8.8", NET_PUBLIC},
    {"1.1.1.1", NET_PUBLIC},
    {"93.184.216.34", NET_PUBLIC},
    {"0.0.0.0", NET_UNSPECIFIED},
    {"0.1.2.3", NET_UNSPECIFIED},
    {"0.255.255.255", NET_UNSPECIFIED},
    {"1.0.0.0", NET_PUBLIC},
    {"127.0.0.1", NET_LOOPBACK},
    {"127.255.255.254", NET_LOOPBACK},
    {"126.255.255.255", NET_PUBLIC},
    {"128.0.0.0", NET_PUBLIC},
    {"10.0.0.1", NET_PRIVATE},
    {"10.255.255.255", NET_PRIVATE},
    {"11.0.0.0", NET_PUBLIC},
    {"9.255.255.255", NET_PUBLIC},
    {"172.16.0.0", NET_PRIVATE},
    {"172.31.255.255", NET_PRIVATE},
    {"172.15.255.255", NET_PUBLIC},
    {"172.32.0.0", NET_PUBLIC},
    {"192.168.0.1", NET_PRIVATE},
    {"192.168.255.255", NET_PRIVATE},
    {"192.169.0.0", NET_PUBLIC},
    {"100.64.0.0", NET_PRIVATE},
    {"100.127.255.255", NET_PRIVATE},
    {"100.63.255.255", NET_PUBLIC},
    {"100.128.0.0", NET_PUBLIC},
    {"198.18.0.1", NET_PRIVATE},
    {"198.19.255.255", NET_PRIVATE},
    {"198.20.0.0", NET_PUBLIC},
    {"169.254.0.1", NET_LINK_LOCAL},
    {"169.254.255.255", NET_LINK_LOCAL},
    {"169.254.169.254", NET_METADATA},
    {"169.254.170.2", NET_METADATA},
    {"169.254.169.253", NET_LINK_LOCAL},
    {"100.100.100.200", NET_METADATA},
    {"169.253.255.255", NET_PUBLIC},
    {"169.255.0.0", NET_PUBLIC},
    {"224.0.0.1", NET_MULTICAST},
    {"239.255.255.250", NET_MULTICAST},
    {"223.255.255.255", NET_PUBLIC},
    {"240.0.0.1", NET_RESERVED},
    {"255.255.255.254", NET_RESERVED},
    {"255.255.255.255", NET_RESERVED},
    {"192.0.0.8", NET_RESERVED},
    {"192.0.2.1", NET_RESERVED},
    {"198.51.100.7", NET_RESERVED},
    {"203.0.113.9", NET_RESERVED},
    {"192.88.99.1", NET_RESERVED},
    {"192.0.3.0", NET_PUBLIC},
};

static const row v6_rows[] = {
    {"::", NET_UNSPECIFIED},
    {"::1", NET_LOOPBACK},
    {"::2", NET_UNSPECIFIED},                 /* IPv4-compatible 0.0.0.2 */
    {"2606:4700:4700::1111", NET_PUBLIC},
    {"2001:4860:4860::8888", NET_PUBLIC},
    {"2a00:1450:4001:800::200e", NET_PUBLIC},
    {"fc00::1", NET_PRIVATE},
    {"fd12:3456:789a::1", NET_PRIVATE},
    {"fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", NET_PRIVATE},
    {"fd00:ec2::254", NET_METADATA},
    {"fd00:ec2::253", NET_PRIVATE},
    {"fe80::1", NET_LINK_LOCAL},
    {"fe80::1ff:fe23:4567:890a", NET_LINK_LOCAL},
    {"febf:ffff::1", NET_LINK_LOCAL},
    {"fec0::1", NET_PRIVATE},
    {"ff02::1", NET_MULTICAST},
    {"ff0e::1", NET_MULTICAST},
    /* IPv4-mapped */
    {"::ffff:127.0.0.1", NET_LOOPBACK},
    {"::ffff:7f00:1", NET_LOOPBACK},
    {"::ffff:10.1.2.3", NET_PRIVATE},
    {"::ffff:169.254.169.254", NET_METADATA},
    {"::ffff:169.254.1.1", NET_LINK_LOCAL},
    {"::ffff:8.8.8.8", NET_PUBLIC},
    {"::ffff:0.0.0.0", NET_UNSPECIFIED},
    {"::ffff:224.0.0.1", NET_MULTICAST},
    /* IPv4-translated */
    {"::ffff:0:127.0.0.1", NET_LOOPBACK},
    {"::ffff:0:8.8.8.8", NET_PUBLIC},
    /* IPv4-compatible (deprecated) */
    {"::127.0.0.1", NET_LOOPBACK},
    {"::10.0.0.1", NET_PRIVATE},
    {"::8.8.8.8", NET_PUBLIC},
    /* NAT64 */
    {"64:ff9b::127.0.0.1", NET_LOOPBACK},
    {"64:ff9b::a9fe:a9fe", NET_METADATA},
    {"64:ff9b::192.168.1.1", NET_PRIVATE},
    {"64:ff9b::8.8.8.8", NET_PUBLIC},
    {"64:ff9b:1::1", NET_PRIVATE},
    /* 6to4 */
    {"2002:7f00:1::1", NET_LOOPBACK},
    {"2002:a9fe:a9fe::", NET_METADATA},
    {"2002:c0a8:101::1", NET_PRIVATE},
    {"2002:0808:0808::1", NET_PUBLIC},
    {"2002:0000:0000::1", NET_UNSPECIFIED},
    /* other special ranges */
    {"2001:db8::1", NET_RESERVED},
    {"2001:0:4136:e378:8000:63bf:3fff:fdd2", NET_RESERVED},   /* Teredo */
    {"100::1", NET_RESERVED},
    {"4000::1", NET_RESERVED},
    {"1::1", NET_RESERVED},
    {"3fff:ffff::1", NET_PUBLIC},
};

static net_class classify_text(const char *s) {
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    if (strchr(s, ':')) {
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons(443);
        if (inet_pton(AF_INET6, s, &in6->sin6_addr) != 1) fail_msg("bad v6 literal %s", s);
    } else {
        struct sockaddr_in *in = (struct sockaddr_in *)&ss;
        in->sin_family = AF_INET;
        in->sin_port = htons(80);
        if (inet_pton(AF_INET, s, &in->sin_addr) != 1) fail_msg("bad v4 literal %s", s);
    }
    return net_classify((const struct sockaddr *)&ss);
}

static void check_rows(const row *rows, size_t n) {
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        net_class got = classify_text(rows[i].addr);
        if (got != rows[i].want) {
            print_error("%s: got %s, want %s\n", rows[i].addr, net_class_name(got),
                        net_class_name(rows[i].want));
            bad++;
        }
    }
    assert_int_equal(bad, 0);
}

static void test_ipv4_table(void **state) {
    (void)state;
    check_rows(v4_rows, sizeof v4_rows / sizeof v4_rows[0]);
}

static void test_ipv6_table(void **state) {
    (void)state;
    check_rows(v6_rows, sizeof v6_rows / sizeof v6_rows[0]);
}

/* Every IPv4 row gives the same class through each IPv6 form that embeds it. */
static void test_embedded_forms_agree(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof v4_rows / sizeof v4_rows[0]; i++) {
        struct in_addr a;
        assert_int_equal(inet_pton(AF_INET, v4_rows[i].addr, &a), 1);
        const unsigned char *b = (const unsigned char *)&a;
        char forms[4][64];
        snprintf(forms[0], 64, "::ffff:%s", v4_rows[i].addr);
        snprintf(forms[1], 64, "64:ff9b::%s", v4_rows[i].addr);
        snprintf(forms[2], 64, "2002:%02x%02x:%02x%02x::1", b[0], b[1], b[2], b[3]);
        snprintf(forms[3], 64, "::ffff:0:%s", v4_rows[i].addr);
        for (int k = 0; k < 4; k++) {
            net_class got = classify_text(forms[k]);
            if (got != v4_rows[i].want)
                fail_msg("%s: got %s, want %s", forms[k], net_class_name(got),
                         net_class_name(v4_rows[i].want));
        }
    }
}

static void test_other_families(void **state) {
    (void)state;
    assert_int_equal(net_classify(NULL), NET_RESERVED);
    struct sockaddr_un un;
    memset(&un, 0, sizeof un);
    un.sun_family = AF_UNIX;
    assert_int_equal(net_classify((const struct sockaddr *)&un), NET_RESERVED);
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    ss.ss_family = AF_UNSPEC;
    assert_int_equal(net_classify((const struct sockaddr *)&ss), NET_RESERVED);
}

static void test_allowed_matrix(void **state) {
    (void)state;
    static const struct {
        net_class c;
        bool without, with;
    } m[] = {
        {NET_PUBLIC, true, true},
        {NET_LOOPBACK, false, true},
        {NET_PRIVATE, false, true},
        {NET_LINK_LOCAL, false, false},
        {NET_METADATA, false, false},
        {NET_UNSPECIFIED, false, false},
        {NET_MULTICAST, false, false},
        {NET_RESERVED, false, false},
    };
    for (size_t i = 0; i < sizeof m / sizeof m[0]; i++) {
        assert_int_equal(net_allowed(m[i].c, false), m[i].without);
        assert_int_equal(net_allowed(m[i].c, true), m[i].with);
    }
    assert_false(net_allowed((net_class)99, true));
}

static void test_names(void **state) {
    (void)state;
    assert_string_equal(net_class_name(NET_PUBLIC), "public");
    assert_string_equal(net_class_name(NET_LOOPBACK), "loopback");
    assert_string_equal(net_class_name(NET_PRIVATE), "private");
    assert_string_equal(net_class_name(NET_LINK_LOCAL), "link-local");
    assert_string_equal(net_class_name(NET_METADATA), "metadata");
    assert_string_equal(net_class_name(NET_UNSPECIFIED), "unspecified");
    assert_string_equal(net_class_name(NET_MULTICAST), "multicast");
    assert_string_equal(net_class_name(NET_RESERVED), "reserved");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ipv4_table),
        cmocka_unit_test(test_ipv6_table),
        cmocka_unit_test(test_embedded_forms_agree),
        cmocka_unit_test(test_other_families),
        cmocka_unit_test(test_allowed_matrix),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
