"""test_bad_credentials.py WEIR SRC — refused bearer credentials are rate
limited per address (BAD_CRED_PER_S / BAD_CRED_BURST in src/server/srv.h):
past the budget an address gets 429 with Retry-After, even for a good token,
while other addresses are unaffected."""
import http.client
import json
import sys

sys.dont_write_bytecode = True
from harness import Checks, Server

BURST = 100


def call_from(port, source, token, path="/api/v1/me"):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10, source_address=(source, 0))
    try:
        c.request("GET", path, headers={"Authorization": "Bearer " + token} if token else {})
        r = c.getresponse()
        body = r.read()
        return r.status, r.getheader("Retry-After"), json.loads(body or b"null")
    finally:
        c.close()


def main():
    weir = sys.argv[1]
    ck = Checks()
    with Server(weir) as s:
        good = s.admin_token()
        bad = good[:-8] + ("A" if good[-8] != "A" else "B") + good[-7:]
        st, _, _ = call_from(s.port, "127.0.0.2", good)
        ck.eq(st, 200, "a good token works before any failure")
        # The budget refills while we spend it, so send until refused.
        codes = []
        while len(codes) < 5 * BURST:
            st, ra, body = call_from(s.port, "127.0.0.2", bad)
            codes.append(st)
            if st != 401:
                break
        ck.check(codes.count(401) >= BURST, f"at least the burst of refusals answer 401 ({codes.count(401)})")
        ck.eq(st, 429, "past the budget, a bad credential gets 429")
        ck.check(ra is not None and int(ra) >= 1, f"429 carries Retry-After ≥ 1 (got {ra!r})")
        ck.eq((body or {}).get("code"), "too_many_failures", "problem code")
        # Right after a refusal the budget is below one attempt; a good token
        # is refused too (retry the pair in case a refill slipped in between).
        refused = False
        for _ in range(20):
            call_from(s.port, "127.0.0.2", bad)
            if call_from(s.port, "127.0.0.2", good)[0] == 429:
                refused = True
                break
        ck.check(refused, "the exhausted address is refused even with a good token")
        st, _, _ = call_from(s.port, "127.0.0.3", good)
        ck.eq(st, 200, "another address is unaffected")
        st, _, _ = call_from(s.port, "127.0.0.2", "", "/healthz")
        ck.eq(st, 200, "requests without a credential are not refused by it")
    return ck.done()


if __name__ == "__main__":
    sys.exit(main())
