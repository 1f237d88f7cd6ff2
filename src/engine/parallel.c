/* parallel.c — ctx_parallel: branches of control_par_execution and
 * control_par_for_each on the worker pool.
 *
 * Each branch runs in its own strand: a copy of the parent's pin values, so
 * branches never race on a pin. When a branch ends, the slots it wrote are
 * copied back into the parent (the parent is waiting; the group's mutex
 * orders the branches); the branch that ends last wins, as the last
 * iteration would in a sequential loop. Variables, node state, logs and the
 * result are run-wide and guarded by the run's mutex. */
#include "engine/internal.h"

#include <stdlib.h>
#include <string.h>

typedef struct group group;

typedef struct helper {
    pool_job job;            /* first: the pool hands back &job */
    group *g;
} helper;

struct group {
    node_ctx *parent;
    ctx_branch_fn fn;
    void *ud;
    size_t n, next, max_concurrent, running;
    int abort;               /* first abort reason seen in a branch */
    uint64_t abort_deadline;
    int attached;            /* helpers inside work() */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    helper *helpers;
    size_t nhelpers;
};

/* Take branches from the group until none are left; called by the parent's
 * thread and by pool helpers alike. Enter and leave with g->mu held. */
static void take_branches(group *g) {
    node_ctx *pc = g->parent;
    while (!g->abort && g->next < g->n && g->running < g->max_concurrent &&
           !atomic_load_explicit(&pc->s->r->stop, memory_order_relaxed)) {
        size_t i = g->next++;
        g->running++;
        strand b;
        int ok = strand_init(&b, pc->s->r, pc->s);
        b.parent = pc->s;
        b.parent_mu = &g->mu;
        node_ctx bc = {.s = &b, .n = pc->n, .idx = pc->idx, .trigger = pc->trigger, .fail_node = pc->n->id};
        trace_rec btv = {0};
        if (pc->tv) bc.tv = &btv;
        pthread_mutex_unlock(&g->mu);
        int rc = NODE_ABORT;
        if (ok == 0) {
            rc = g->fn(&bc, i, g->ud);
            ctx_finish(&bc);
            free(bc.fail_msg);
        } else {
            run_fail(pc->s, "out_of_memory", pc->n->id, "out of memory starting a parallel branch");
        }
        if (ok == 0) strand_publish(&b);
        pthread_mutex_lock(&g->mu);
        ctx_trace_merge(pc, &bc); /* under g->mu: the branch that ends last wins, as for its pins */
        if (ok == 0) {
            if (rc != NODE_OK && !g->abort) {
                g->abort = b.abort ? b.abort : AB_FAILED;
                g->abort_deadline = b.abort_deadline;
            }
            strand_release(&b);
        } else if (!g->abort) {
            g->abort = AB_FAILED;
        }
        g->running--;
        pthread_cond_broadcast(&g->cv);
    }
}

static void helper_work(pool_job *job) {
    helper *h = (helper *)job;
    group *g = h->g;
    pthread_mutex_lock(&g->mu);
    take_branches(g);
    g->attached--;
    pthread_cond_broadcast(&g->cv);
    pthread_mutex_unlock(&g->mu);
}

int ctx_parallel(node_ctx *c, size_t n, size_t max_concurrent, ctx_branch_fn fn, void *ud) {
    if (n == 0) return NODE_OK;
    if (max_concurrent == 0) max_concurrent = 1;
    group g = {.parent = c, .fn = fn, .ud = ud, .n = n, .max_concurrent = max_concurrent};
    pthread_mutex_init(&g.mu, NULL);
    pthread_cond_init(&g.cv, NULL);
    size_t want = (n < max_concurrent ? n : max_concurrent) - 1;
    if (want) g.helpers = calloc(want, sizeof *g.helpers);
    pthread_mutex_lock(&g.mu);
    for (size_t i = 0; g.helpers && i < want; i++) {
        g.helpers[i] = (helper){.job = {.work = helper_work}, .g = &g};
        g.attached++;
        if (pool_submit(&g.helpers[i].job) != 0) {
            g.attached--;
            break;
        }
        g.nhelpers++;
    }
    take_branches(&g);
    /* wait for branches in flight, and take over any that become free */
    while (g.running > 0 || (!g.abort && g.next < g.n && !atomic_load(&c->s->r->stop))) {
        pthread_cond_wait(&g.cv, &g.mu);
        take_branches(&g);
    }
    pthread_mutex_unlock(&g.mu);
    for (size_t i = 0; i < g.nhelpers; i++)
        if (pool_withdraw(&g.helpers[i].job)) {
            pthread_mutex_lock(&g.mu);
            g.attached--;
            pthread_mutex_unlock(&g.mu);
        }
    pthread_mutex_lock(&g.mu);
    while (g.attached > 0) pthread_cond_wait(&g.cv, &g.mu);
    pthread_mutex_unlock(&g.mu);
    pthread_mutex_destroy(&g.mu);
    pthread_cond_destroy(&g.cv);
    free(g.helpers);
    c->s->epoch++;
    if (g.abort) {
        if (!c->s->abort) {
            c->s->abort = g.abort;
            c->s->abort_deadline = g.abort_deadline;
        }
        return NODE_ABORT;
    }
    return strand_stopped(c->s, false) ? NODE_ABORT : NODE_OK;
}
