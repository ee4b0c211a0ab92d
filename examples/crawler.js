'use strict';
// A crawler on Pool.imapUnordered: fetches pages with blocking-style HTTP
// GETs, at most 3 at once, printing each as it completes, level by level,
// following the links it finds. It crawls a small site it serves itself
// (node's evented http server in the same process), so it runs offline.
//
//   node examples/crawler.js
//
// Prints "<status> <path> <n> links (<ms> ms)" per page, in completion
// order, then "crawled <n> pages in <levels> levels".
const http = require('http');
const { once } = require('events');
const { Pool, patchAll, connect, waitFor } = require('..');

patchAll();

// ---- the site: pages, their links, and how slow each one answers

const site = {
  '/': { links: ['/a', '/b', '/missing'], delay: 5 },
  '/a': { links: ['/a/1', '/a/2', '/'], delay: 40 },
  '/b': { links: ['/b/1', '/a'], delay: 10 },
  '/a/1': { links: ['/'], delay: 30 },
  '/a/2': { links: ['/b'], delay: 5 },
  '/b/1': { links: [], delay: 15 },
};

const server = http.createServer((req, res) => {
  const page = site[req.url];
  setTimeout(() => {
    if (page === undefined) {
      res.writeHead(404, { 'content-type': 'text/html' });
      res.end('<h1>not found</h1>');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(`<h1>${req.url}</h1>${page.links.map((l) => `<a href="${l}">${l}</a>`).join(' ')}`);
  }, page ? page.delay : 1);
});
server.listen(0, '127.0.0.1');
waitFor(once(server, 'listening'));
const { port } = server.address();

// ---- the crawler

/** GET `path` from the site: { status, body }. Blocks only the calling greenlet. */
function get(path) {
  const sock = connect(port, '127.0.0.1', { timeout: 5000 });
  try {
    sock.blockingTimeout = 5000;
    sock.sendall(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`);
    const parts = [];
    for (let data = sock.recv(); data.length > 0; data = sock.recv()) parts.push(data);
    const raw = Buffer.concat(parts).toString();
    const headEnd = raw.indexOf('\r\n\r\n');
    const status = Number(raw.slice(9, 12));
    return { status, body: raw.slice(headEnd + 4) };
  } finally {
    sock.close();
  }
}

function fetchPage(path) {
  const started = Date.now();
  const { status, body } = get(path);
  const links = status === 200 ? [...body.matchAll(/href="([^"]+)"/g)].map((m) => m[1]) : [];
  return { path, status, links, ms: Date.now() - started };
}

const pool = new Pool(3);
const seen = new Set(['/']);
let frontier = ['/'];
let levels = 0;
while (frontier.length > 0) {
  levels++;
  const next = [];
  // Results come as each fetch finishes, not in the order of `frontier`.
  for (const page of pool.imapUnordered(fetchPage, frontier)) {
    console.log(`${page.status} ${page.path} ${page.links.length} links (${page.ms} ms)`);
    for (const link of page.links) {
      if (!seen.has(link)) {
        seen.add(link);
        next.push(link);
      }
    }
  }
  frontier = next;
}
console.log(`crawled ${seen.size} pages in ${levels} levels`);
server.close();
