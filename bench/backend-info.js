'use strict';
// What fibernet's core says about itself, merged into a workload's JSON line so
// the driver can check that each column ran the backend it is labelled with.
// fiberStats() gains `backend` / `backendReason` / `created` / `alive` / `guarded`
// with the stacks backend; before that it has threadsCreated / threadsAlive, and
// `backend` is reported as null (the thread core is the only one).
// Plain JavaScript (the workloads also run under Node 14, though never this file there).
module.exports = function backendInfo() {
  const stats = require('../dist/lib/index.js').fiberStats();
  const pick = function (a, b) {
    return stats[a] !== undefined ? stats[a] : stats[b] !== undefined ? stats[b] : null;
  };
  return {
    backend: typeof stats.backend === 'string' ? stats.backend : null,
    backendReason: stats.backendReason !== undefined && stats.backendReason !== null ? String(stats.backendReason) : null,
    requestedBackend: process.env.FIBERNET_BACKEND || null,
    stats: {
      created: pick('created', 'threadsCreated'),
      alive: pick('alive', 'threadsAlive'),
      pooled: pick('pooled', 'pooled'),
      live: pick('live', 'live'),
      poolSize: pick('poolSize', 'poolSize'),
      guarded: pick('guarded', 'guarded'),
    },
  };
};
