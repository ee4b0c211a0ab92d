'use strict';
// Profiles of fibers: V8's CPU profiler (--cpu-prof, the inspector's Profiler)
// on the stacks backend; heap snapshots on both.
const fs = require('fs');
const os = require('os');
const path = require('path');
const inspector = require('inspector');
const v8 = require('v8');
const { expect } = require('chai');
const { spawn, joinAll, fiberStats, Event } = require('../..');
const { runNode } = require('../helpers');

const sampled = fiberStats().backend === 'stacks';

/** { samples, byFunction } of a .cpuprofile. */
function countSamples(profile) {
  const fnOf = new Map(profile.nodes.map((n) => [n.id, n.callFrame.functionName]));
  const byFunction = new Map();
  for (const id of profile.samples) byFunction.set(fnOf.get(id), (byFunction.get(fnOf.get(id)) || 0) + 1);
  return { samples: profile.samples.length, byFunction };
}

describe('profiles of fibers', () => {
  it(`fiberStats().cpuProfiler says whether the CPU profiler sees fibers (${sampled ? 'it does' : 'not'} on this backend)`, () => {
    expect(fiberStats().cpuProfiler).to.match(sampled ? /^sampled: / : /^not sampled: .*OS thread/);
  });

  it(`a --cpu-prof run of a CPU-bound greenlet has ${sampled ? 'most samples in its function' : 'none in it (threads backend)'}`, () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fibernet-prof-'));
    try {
      const res = runNode(path.join(__dirname, '..', 'fixtures', 'observe', 'cpu-bound.js'), [], {
        nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`],
      });
      expect(res.stderr).to.equal('');
      expect(res.status).to.equal(0);
      const [file] = fs.readdirSync(dir);
      const { samples, byFunction } = countSamples(JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')));
      const inGreenlet = byFunction.get('busyInGreenlet') || 0;
      if (sampled) expect(inGreenlet / samples, `${inGreenlet} of ${samples} samples`).to.be.above(0.5);
      else expect(inGreenlet).to.equal(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it(`the inspector's Profiler ${sampled ? 'attributes' : 'does not attribute'} a greenlet's computing to its function`, async () => {
    const session = new inspector.Session();
    session.connect();
    const post = (method, params) =>
      new Promise((resolve, reject) => session.post(method, params, (err, res) => (err ? reject(err) : resolve(res))));
    try {
      await post('Profiler.enable');
      await post('Profiler.setSamplingInterval', { interval: 200 });
      await post('Profiler.start');
      const g = spawn(function computesInProfile() {
        let x = 0;
        const end = Date.now() + 300;
        while (Date.now() < end) x += Math.sqrt(x + 1);
        return x;
      });
      await new Promise((resolve) => g.link(resolve));
      const { profile } = await post('Profiler.stop');
      const { samples, byFunction } = countSamples(profile);
      const inGreenlet = byFunction.get('computesInProfile') || 0;
      if (sampled) expect(inGreenlet / samples, `${inGreenlet} of ${samples} samples`).to.be.above(0.5);
      else expect(inGreenlet).to.equal(0);
    } finally {
      session.disconnect();
    }
  });

  it('a heap snapshot holds what a parked fiber retains, under (Stack roots)', async () => {
    class RetainedByParkedFiber {
      constructor() {
        this.payload = new Array(100).fill(7);
      }
    }
    const ev = new Event();
    const g = spawn(function holdsIt() {
      const kept = new RetainedByParkedFiber();
      ev.wait();
      return kept.payload.length;
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    const snap = JSON.parse(await new Promise((resolve) => {
      let text = '';
      const stream = v8.getHeapSnapshot();
      stream.on('data', (c) => (text += c));
      stream.on('end', () => resolve(text));
    }));
    const meta = snap.snapshot.meta;
    const nf = meta.node_fields.length;
    const ef = meta.edge_fields.length;
    const [typeAt, nameAt, edgesAt] = ['type', 'name', 'edge_count'].map((f) => meta.node_fields.indexOf(f));
    const toAt = meta.edge_fields.indexOf('to_node');
    const count = snap.nodes.length / nf;
    const retainers = new Map();
    let edge = 0;
    for (let n = 0; n < count; n++) {
      for (let k = 0; k < snap.nodes[n * nf + edgesAt]; k++, edge += ef) {
        const to = snap.edges[edge + toAt] / nf;
        if (!retainers.has(to)) retainers.set(to, []);
        retainers.get(to).push(n);
      }
    }
    const nameOf = (n) => snap.strings[snap.nodes[n * nf + nameAt]];
    const target = [...Array(count).keys()].find(
      (n) => nameOf(n) === 'RetainedByParkedFiber' && meta.node_types[0][snap.nodes[n * nf + typeAt]] === 'object',
    );
    expect(target, 'the object in the snapshot').to.not.equal(undefined);
    expect((retainers.get(target) || []).map(nameOf)).to.include('(Stack roots)');
    ev.set();
    expect(await new Promise((resolve) => g.link(() => resolve(g.value)))).to.equal(100);
  });
});
