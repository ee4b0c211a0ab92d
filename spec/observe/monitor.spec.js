'use strict';
// monitor(): the watchdog names the greenlet (or callback) that keeps the Hub
// from running, and stays quiet otherwise.
const path = require('path');
const { expect } = require('chai');
const { monitor, spawn, sleep, MonitorRunningError } = require('../..');
const { runNode } = require('../helpers');

const fixture = (name) => path.join(__dirname, '..', 'fixtures', 'observe', name);

function spin(ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    // computing, never yielding
  }
}

/** Collects reports for `ms` milliseconds of the event loop running. */
function collectFor(ms, options, body) {
  const reports = [];
  const m = monitor({ ...options, onBlocked: (r) => reports.push(r) });
  body();
  return new Promise((resolve) => setTimeout(resolve, ms)).then(() => {
    m.stop();
    return reports;
  });
}

describe('monitor()', () => {
  it('names a greenlet that computes for 300 ms, with its stack, and not its parked neighbour', async () => {
    let hog;
    let neighbour;
    const reports = await collectFor(600, { maxBlockingTime: 100 }, () => {
      neighbour = spawn(function neighbourWaits() {
        sleep(200);
      });
      hog = spawn(function hogsTheLoop() {
        sleep(5);
        spin(300);
      });
    });
    const mine = reports.filter((r) => r.greenlet === hog);
    expect(mine).to.have.length(1);
    const [r] = mine;
    expect(reports.some((x) => x.greenlet === neighbour)).to.equal(false);
    expect(r.running).to.equal(String(hog)).and.match(/^Greenlet#\d+\(hogsTheLoop\)$/);
    expect(r.blockedMs).to.be.at.least(100);
    const names = r.stack.map((f) => f.functionName);
    expect(names.slice(0, 2)).to.deep.equal(['spin', 'hogsTheLoop']);
    expect(names).to.not.include('neighbourWaits');
    expect(r.stack[0].file).to.equal(__filename);
    expect(r.stack[0].line).to.be.a('number').above(0);
    expect(String(r)).to.contain(`${String(hog)} is running`).and.contain(`at hogsTheLoop (${__filename}:`);
    expect(neighbour.dead).to.equal(true);
  });

  it('names the main thread when an event-loop callback hogs it', async () => {
    const reports = await collectFor(500, { maxBlockingTime: 80 }, () => {
      setTimeout(function timerThatComputes() {
        spin(250);
      }, 10);
    });
    const mine = reports.filter((r) => r.stack.some((f) => f.functionName === 'timerThatComputes'));
    expect(mine).to.have.length(1);
    expect(mine[0].running).to.equal('the main thread');
    expect(mine[0].greenlet).to.equal(undefined);
  });

  it('reports nothing while greenlets switch often and the loop sits idle', async () => {
    // (A generous threshold: a shared machine may deschedule the whole process for a while.)
    const reports = await collectFor(700, { maxBlockingTime: 150 }, () => {
      // Busy but cooperative for 300 ms: 20 greenlets each computing 2 ms between switches.
      const end = Date.now() + 300;
      for (let i = 0; i < 20; i++) {
        spawn(() => {
          while (Date.now() < end) {
            spin(2);
            sleep(0);
          }
        });
      }
      // ...then 400 ms with nothing to do: idle in poll is not a block.
    });
    expect(reports).to.deep.equal([]);
  });

  it('reports once per block, and again for the next one', async () => {
    let g;
    const reports = await collectFor(900, { maxBlockingTime: 60 }, () => {
      g = spawn(function twoBlocks() {
        sleep(5);
        spin(200);
        sleep(100);
        spin(200);
      });
    });
    // (Only its own: a machine that stalls the whole process meanwhile names someone else.)
    expect(reports.filter((r) => r.greenlet === g)).to.have.length(2);
  });

  it('stop() ends the watchdog: a later block is not reported, and stop() again does nothing', async () => {
    const reports = [];
    const m = monitor({ maxBlockingTime: 50, onBlocked: (r) => reports.push(r) });
    expect(m.active).to.equal(true);
    m.stop();
    m.stop();
    expect(m.active).to.equal(false);
    const g = spawn(() => spin(200));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(g.dead).to.equal(true);
    expect(reports).to.deep.equal([]);
    // A new monitor may start once the old one stopped.
    monitor({ maxBlockingTime: 50 }).stop();
  });

  it('an error thrown by onBlocked goes to the Hub\'s handleError and the monitor keeps going', async () => {
    const hub = require('../..').getHub();
    const seen = [];
    const orig = hub.handleError;
    hub.handleError = (context, err) => seen.push({ context: String(context), message: err.message });
    let calls = 0;
    let g;
    const m = monitor({
      maxBlockingTime: 50,
      onBlocked: (r) => {
        if (r.greenlet === g) calls++;
        throw new Error('handler failed');
      },
    });
    try {
      g = spawn(() => {
        sleep(5);
        spin(150);
        sleep(80);
        spin(150);
      });
      await new Promise((resolve) => setTimeout(resolve, 600));
    } finally {
      m.stop();
      hub.handleError = orig;
    }
    expect(calls).to.equal(2);
    expect(seen.length).to.be.at.least(2);
    expect(seen.every((e) => e.context === 'monitor onBlocked' && e.message === 'handler failed')).to.equal(true);
  });

  describe('bad input', () => {
    const expectCode = (fn, code, type) => {
      let err;
      try {
        fn();
      } catch (e) {
        err = e;
      }
      expect(err, 'an error').to.be.instanceOf(type);
      expect(err.code).to.equal(code);
      return err;
    };
    it('refuses options that are not an object, a maxBlockingTime that is not a number >= 1, an onBlocked that is not a function', () => {
      expectCode(() => monitor(5), 'ERR_INVALID_ARG_TYPE', TypeError);
      expectCode(() => monitor({ maxBlockingTime: '100' }), 'ERR_INVALID_ARG_TYPE', TypeError);
      expectCode(() => monitor({ maxBlockingTime: 0 }), 'ERR_OUT_OF_RANGE', RangeError);
      expectCode(() => monitor({ maxBlockingTime: NaN }), 'ERR_OUT_OF_RANGE', RangeError);
      expectCode(() => monitor({ maxBlockingTime: Infinity }), 'ERR_OUT_OF_RANGE', RangeError);
      expectCode(() => monitor({ onBlocked: 'log' }), 'ERR_INVALID_ARG_TYPE', TypeError);
    });
    it('refuses a second monitor on the same thread with MonitorRunningError', () => {
      const m = monitor({ maxBlockingTime: 100 });
      try {
        const err = expectCode(() => monitor(), 'ERR_FIBERNET_MONITOR_RUNNING', MonitorRunningError);
        expect(err.message).to.contain('stop() it first');
      } finally {
        m.stop();
      }
    });
  });

  describe('in a process of its own', () => {
    it('FIBERNET_MONITOR=<ms> writes the report to stderr at once, naming the greenlet and its file:line; the process exits normally', () => {
      const res = runNode(fixture('hog.js'), [], { env: { FIBERNET_MONITOR: '60' } });
      expect(res.status).to.equal(0);
      expect(res.stdout).to.equal('hog done\n');
      const lines = res.stderr.trim().split('\n');
      expect(lines[0]).to.match(/^fibernet monitor: the Hub has not run for \d+ ms \(maxBlockingTime 60 ms\): Greenlet#\d+\(computeHard\) is running$/);
      expect(lines[1]).to.match(new RegExp(`^    at spin \\(${fixture('hog.js').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:6:\\d+\\)$`));
      expect(lines.some((l) => l.startsWith(`    at computeHard (${fixture('hog.js')}:`))).to.equal(true);
      expect(res.stderr).to.not.contain('sleeper');
      expect(res.stderr).to.not.contain('dist/lib');
    });

    it('a monitor left running, or stopped, does not keep the process alive', () => {
      for (const mode of ['left', 'stopped']) {
        const res = runNode(fixture('monitor-exit.js'), [mode]);
        expect(res.stderr, mode).to.equal('');
        expect(res.stdout, mode).to.equal(`exiting (${mode})\n`);
        expect(res.status, mode).to.equal(0);
      }
    });

    it('a bad FIBERNET_MONITOR value is a warning, not a crash', () => {
      const res = runNode(fixture('monitor-exit.js'), ['none'], { env: { FIBERNET_MONITOR: 'soon' } });
      expect(res.status).to.equal(0);
      expect(res.stderr).to.contain("FIBERNET_MONITOR must be a number of milliseconds >= 1, got 'soon'");
    });
  });
});
