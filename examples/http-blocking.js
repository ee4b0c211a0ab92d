'use strict';
// An Express-style app whose handlers block, as fibers-era Meteor and Express
// apps' did: with patchAll({ http: true }) each request runs in a greenlet of
// its own, so `db.get(id)` simply returns the row while other requests go on.
//
//   node examples/http-blocking.js [port] [--async]
//
// --async serves the same app written with async/await, for comparison
// (bench/http.ts loads both). Prints "listening on <port>".
const http = require('http');
const { promisify } = require('util');
const { patchAll, blocking } = require('..');

const useAsync = process.argv.includes('--async');
if (!useAsync) patchAll({ http: true });

// The "database": answers a query on a later turn of the event loop, through a callback.
const rows = new Map(Array.from({ length: 100 }, (_, i) => [i, { id: i, name: `user ${i}` }]));
function queryRow(id, callback) {
  setImmediate(() => (rows.has(id) ? callback(null, rows.get(id)) : callback(Object.assign(new Error(`no row ${id}`), { status: 404 }))));
}
const db = { get: blocking(queryRow), getAsync: promisify(queryRow) };

// A tiny router in Express's shape: app.get(path, handler(req, res, params)).
function createApp() {
  const routes = [];
  const app = (req, res) => {
    for (const { pattern, handler } of routes) {
      const m = pattern.exec(req.url);
      if (m) return handler(req, res, m.slice(1));
    }
    res.statusCode = 404;
    res.end('not found\n');
    return undefined;
  };
  app.get = (path, handler) => routes.push({ pattern: new RegExp(`^${path.replace(/:\w+/g, '([^/]+)')}$`), handler });
  return app;
}

const app = createApp();
if (useAsync) {
  app.get('/users/:id', async (req, res, [id]) => {
    try {
      const user = await db.getAsync(Number(id));
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(user));
    } catch (err) {
      res.statusCode = err.status || 500;
      res.end(`${err.message}\n`);
    }
  });
} else {
  app.get('/users/:id', (req, res, [id]) => {
    try {
      const user = db.get(Number(id)); // blocks this request's greenlet only
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(user));
    } catch (err) {
      res.statusCode = err.status || 500;
      res.end(`${err.message}\n`);
    }
  });
}

const server = http.createServer(app);
server.listen(Number(process.argv.find((a) => /^\d+$/.test(a)) || 0), '127.0.0.1', () => {
  console.log(`listening on ${server.address().port}`);
});
