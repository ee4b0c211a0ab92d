'use strict';
// Blocking on the main thread: the root at a script's top level runs the
// event loop; inside callbacks blocking is refused. Each case is a child process.
const { expect } = require('chai');
const { runFixture } = require('./helpers');

function run(name, ...args) {
  const res = runFixture(name, args);
  if (res.status !== 0) throw new Error(`${name} ${args.join(' ')} exited ${res.status} ${res.signal || ''}\n${res.stderr}`);
  return res.stdout.trim();
}

describe('the root (blocking at top level on the main thread)', () => {
  it('timers run while it waits', () => {
    expect(run('root-progress.js', 'timers')).to.equal('timer 1, timer 2');
  });

  it('I/O callbacks run while it waits', () => {
    expect(run('root-progress.js', 'io')).to.equal('read true');
  });

  it('process.nextTick callbacks run while it waits', () => {
    expect(run('root-progress.js', 'nextTick')).to.equal('tick 1, tick 2');
  });

  it('promise jobs run while it waits', () => {
    expect(run('root-progress.js', 'promise')).to.equal('job 1, job 2');
  });

  it('net servers and sockets work while it waits', () => {
    expect(run('root-progress.js', 'net')).to.equal('hello from server');
  });

  it('sleep() at top level lets timers run', () => {
    expect(run('root-progress.js', 'sleep')).to.equal('timer during sleep, slept');
  });

  it('waitFor() at top level waits for a promise', () => {
    expect(run('root-progress.js', 'waitFor')).to.equal('waitFor true');
  });

  it('spawns and joins greenlets, uses Timeout, withTimeout and wait()', () => {
    expect(run('root-greenlets.js').split('\n')).to.deep.equal([
      'a1 b1 a2 b2 A B',
      'root timeout fallback',
      'root Timeout: true',
      'timer before wait() returns',
      'wait(): true',
      'wait(timeout) with a pending timer: false',
    ]);
  });

  it('throws LoopExit when nothing is left that could wake it', () => {
    expect(run('root-loopexit.js').split('\n')).to.deep.equal([
      'timer ran first',
      'true LoopExit: This operation would block forever',
      'unref: LoopExit',
    ]);
  });

  for (const where of ['timer', 'promise', 'nextTick', 'io']) {
    it(`refuses to block in a ${where} callback with BlockingSwitchOutError (says use spawn())`, () => {
      expect(run('root-refused.js', where)).to.equal(`${where}: BlockingSwitchOutError ERR_BLOCKING_SWITCH_OUT true`);
    });
  }

  it('refuses to block in a callback that runs while the root waits', () => {
    expect(run('root-refused.js', 'nested')).to.equal('timer during root wait: BlockingSwitchOutError ERR_BLOCKING_SWITCH_OUT true');
  });
});

describe('a worker thread\'s top level', () => {
  it('refuses to block with a BlockingSwitchOutError that says why and what to do; spawn(main) there works', () => {
    const res = runFixture('worker-top-level.js');
    expect(res.stderr).to.equal('');
    const [refused, spawned] = res.stdout.trim().split('\n');
    expect(refused).to.match(/^top-level: error BlockingSwitchOutError ERR_BLOCKING_SWITCH_OUT: .*outside a fiber in a worker thread: .*use spawn\(\)/);
    expect(refused).to.match(/\| exit 1$/);
    expect(spawned).to.equal('spawned: slept, greenlet 42, promise p | exit 0');
  });
});

describe('event order seen by Node\'s own code while the root blocks', () => {
  it("a refused http.get reports one 'error' (ECONNREFUSED) before 'close', to the root and to a greenlet", () => {
    const res = runFixture('root-refused-http.js');
    expect(res.stderr).to.equal('');
    expect(res.stdout).to.equal('root caught ECONNREFUSED\nrequest events: error ECONNREFUSED, close\ngreenlet caught ECONNREFUSED\n');
    expect(res.status).to.equal(0);
  });
});
