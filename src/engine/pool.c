/* pool.c — the process-wide worker pool for parallel branches.
 *
 * Threads are started on demand up to RUN_MAX_WORKERS and then reused. A job
 * is a request for help: whoever submits work keeps working on it too, and
 * withdraws requests no thread has taken, so nested parallel nodes can never
 * deadlock waiting for a free thread. */
#include "engine/internal.h"

#include <stdlib.h>

#include "base/limits.h"

#define POOL_STACK_BYTES (8u * 1024 * 1024) /* deep boards nest; match the main thread */

typedef struct qitem {
    pool_job *job;
    struct qitem *next;
} qitem;

static pthread_mutex_t pool_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pool_cv = PTHREAD_COND_INITIALIZER;
static qitem *queue_head, *queue_tail;
static pthread_t threads[RUN_MAX_WORKERS];
static int nthreads, nidle;
static bool stopping;

static void *worker(void *arg) {
    (void)arg;
    pthread_mutex_lock(&pool_mu);
    for (;;) {
        while (!queue_head && !stopping) {
            nidle++;
            pthread_cond_wait(&pool_cv, &pool_mu);
            nidle--;
        }
        if (stopping && !queue_head) break;
        qitem *it = queue_head;
        queue_head = it->next;
        if (!queue_head) queue_tail = NULL;
        pthread_mutex_unlock(&pool_mu);
        pool_job *job = it->job;
        free(it);
        job->work(job);
        pthread_mutex_lock(&pool_mu);
    }
    pthread_mutex_unlock(&pool_mu);
    return NULL;
}

int pool_submit(pool_job *job) {
    qitem *it = malloc(sizeof *it);
    if (!it) return -1;
    it->job = job;
    it->next = NULL;
    pthread_mutex_lock(&pool_mu);
    int queued = 0;
    for (qitem *q = queue_head; q; q = q->next) queued++;
    if (nidle <= queued && nthreads < RUN_MAX_WORKERS && !stopping) {
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setstacksize(&attr, POOL_STACK_BYTES);
        if (pthread_create(&threads[nthreads], &attr, worker, NULL) == 0) nthreads++;
        pthread_attr_destroy(&attr);
    }
    if (nthreads == 0 || stopping) {
        pthread_mutex_unlock(&pool_mu);
        free(it);
        return -1;
    }
    if (queue_tail) queue_tail->next = it;
    else queue_head = it;
    queue_tail = it;
    pthread_cond_signal(&pool_cv);
    pthread_mutex_unlock(&pool_mu);
    return 0;
}

int pool_withdraw(pool_job *job) {
    pthread_mutex_lock(&pool_mu);
    qitem **pp = &queue_head, *prev = NULL;
    while (*pp && (*pp)->job != job) {
        prev = *pp;
        pp = &(*pp)->next;
    }
    qitem *it = *pp;
    if (it) {
        *pp = it->next;
        if (queue_tail == it) queue_tail = prev;
    }
    pthread_mutex_unlock(&pool_mu);
    free(it);
    return it != NULL;
}

void engine_shutdown(void) {
    pthread_mutex_lock(&pool_mu);
    stopping = true;
    pthread_cond_broadcast(&pool_cv);
    int n = nthreads;
    pthread_mutex_unlock(&pool_mu);
    for (int i = 0; i < n; i++) pthread_join(threads[i], NULL);
    pthread_mutex_lock(&pool_mu);
    nthreads = 0;
    stopping = false;
    pthread_mutex_unlock(&pool_mu);
}
