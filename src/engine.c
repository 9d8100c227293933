/* engine.c — PLACEHOLDER until the diagnosis engine lands (issue 4). */
#include "engine.h"

#include <stdlib.h>

struct engine {
    uint64_t msgs;
};

struct engine *engine_new(const struct caps *caps, const struct engine_opts *opts, char *errbuf)
{
    (void)caps; (void)opts; (void)errbuf;
    return calloc(1, sizeof(struct engine));
}

void engine_free(struct engine *e)
{
    free(e);
}

void engine_msg(struct engine *e, const struct sip_msg *m)
{
    (void)m;
    e->msgs++;
}

void engine_tick(struct engine *e, int64_t now_us)
{
    (void)e; (void)now_us;
}

void engine_finish(struct engine *e, int64_t end_us)
{
    (void)e; (void)end_us;
}

void engine_stats(const struct engine *e, stats_fn fn, void *ud)
{
    fn(ud, "engine.messages", e->msgs);
}

void engine_snapshot(const struct engine *e, const struct run_info *run, struct snapshot *out)
{
    (void)e;
    snapshot_clear(out);
    out->run = *run;
}
