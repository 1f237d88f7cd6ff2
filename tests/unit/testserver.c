/* testserver.c — see testserver.h. */
#include "testserver.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

typedef struct conn {
    ts_server *s;
    int fd;
} conn;

void ts_send_all(int fd, const char *p, size_t n) {
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w <= 0) {
            if (w < 0 && errno == EINTR) continue;
            return;
        }
        p += w;
        n -= (size_t)w;
    }
}

void ts_reply(int fd, int code, const char *extra_headers, const char *body, size_t blen) {
    char *head = NULL;
    int hl = asprintf(&head, "HTTP/1.1 %d X\r\nContent-Length: %zu\r\nConnection: close\r\n%s\r\n", code, blen,
                      extra_headers ? extra_headers : "");
    if (hl < 0) return;
    ts_send_all(fd, head, (size_t)hl);
    free(head);
    if (blen) ts_send_all(fd, body, blen);
}

void ts_nap(ts_server *s, int ms) {
    for (int i = 0; i < ms / 10 && !atomic_load(&s->stop); i++) {
        struct timespec ts = {0, 10 * 1000000L};
        nanosleep(&ts, NULL);
    }
}

void ts_wait_or_hangup(ts_server *s, int fd, int ms) {
    for (int i = 0; i < ms / 10 && !atomic_load(&s->stop); i++) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, 10) > 0) {
            char b;
            if (recv(fd, &b, 1, MSG_PEEK | MSG_DONTWAIT) <= 0) return;
        }
    }
}

static void handle(ts_server *s, int fd) {
    /* read the request head, then Content-Length bytes of body */
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap + 1);
    char *eoh = NULL;
    while (!eoh && n < cap) {
        ssize_t r = recv(fd, buf + n, cap - n, 0);
        if (r <= 0) {
            free(buf);
            return;
        }
        n += (size_t)r;
        buf[n] = '\0';
        eoh = strstr(buf, "\r\n\r\n");
    }
    if (!eoh) {
        free(buf);
        return;
    }
    size_t head_len = (size_t)(eoh - buf) + 4, clen = 0;
    for (char *p = buf; p && p < eoh; p = strstr(p, "\r\n") ? strstr(p, "\r\n") + 2 : NULL)
        if (strncasecmp(p, "Content-Length:", 15) == 0) clen = strtoul(p + 15, NULL, 10);
    while (n < head_len + clen && n < cap) {
        ssize_t r = recv(fd, buf + n, cap - n, 0);
        if (r <= 0) break;
        n += (size_t)r;
    }
    buf[n] = '\0';
    atomic_fetch_add(&s->hits, 1);
    char method[16] = "", path[2048] = "";
    sscanf(buf, "%15s %2047s", method, path);

    ts_request rq = {.method = method, .path = path, .raw = buf, .raw_len = n};
    const ts_route *rt = s->routes;
    for (; rt && rt->path; rt++) {
        size_t pl = strlen(rt->path);
        if (rt->prefix ? strncmp(path, rt->path, pl) == 0 : strcmp(path, rt->path) == 0) break;
    }
    if (rt && rt->path)
        rt->fn(s, fd, &rq);
    else
        ts_reply(fd, 404, NULL, "nope", 4);
    free(buf);
}

static void *conn_main(void *arg) {
    conn *c = arg;
    handle(c->s, c->fd);
    shutdown(c->fd, SHUT_WR);
    close(c->fd);
    free(c);
    return NULL;
}

static void *accept_main(void *arg) {
    ts_server *s = arg;
    while (!atomic_load(&s->stop)) {
        struct pollfd p = {.fd = s->fd, .events = POLLIN};
        if (poll(&p, 1, 20) <= 0) continue;
        int fd = accept(s->fd, NULL, NULL);
        if (fd < 0) continue;
        conn *c = malloc(sizeof *c);
        c->s = s;
        c->fd = fd;
        pthread_mutex_lock(&s->mu);
        if (s->nconns == s->capconns) {
            s->capconns = s->capconns ? s->capconns * 2 : 64;
            s->conns = realloc(s->conns, s->capconns * sizeof *s->conns);
        }
        pthread_create(&s->conns[s->nconns++], NULL, conn_main, c);
        pthread_mutex_unlock(&s->mu);
    }
    return NULL;
}

bool ts_start(ts_server *s, int family, const ts_route *routes) {
    memset(s, 0, sizeof *s);
    s->routes = routes;
    atomic_init(&s->stop, false);
    atomic_init(&s->hits, 0);
    pthread_mutex_init(&s->mu, NULL);
    s->fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s->fd < 0) return false;
    int one = 1;
    setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    socklen_t sl;
    if (family == AF_INET) {
        struct sockaddr_in *in = (struct sockaddr_in *)&ss;
        in->sin_family = AF_INET;
        in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        sl = sizeof *in;
    } else {
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
        in6->sin6_family = AF_INET6;
        in6->sin6_addr = in6addr_loopback;
        setsockopt(s->fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
        sl = sizeof *in6;
    }
    if (bind(s->fd, (struct sockaddr *)&ss, sl) != 0 || listen(s->fd, 64) != 0 ||
        getsockname(s->fd, (struct sockaddr *)&ss, &sl) != 0) {
        close(s->fd);
        s->fd = -1;
        return false;
    }
    s->port = ntohs(family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
                                      : ((struct sockaddr_in6 *)&ss)->sin6_port);
    pthread_create(&s->th, NULL, accept_main, s);
    return true;
}

void ts_stop(ts_server *s) {
    if (s->fd < 0) return;
    atomic_store(&s->stop, true);
    pthread_join(s->th, NULL);
    pthread_mutex_lock(&s->mu);
    for (size_t i = 0; i < s->nconns; i++) pthread_join(s->conns[i], NULL);
    pthread_mutex_unlock(&s->mu);
    free(s->conns);
    close(s->fd);
    pthread_mutex_destroy(&s->mu);
}
