'use strict';
const { expect } = require('chai');
const net = require('net');
const tls = require('tls');
const { patchAll, unpatchAll, isPatched, getOriginal } = require('../..');

const ADDED_SOCKET = ['recv', 'recvInto', 'send', 'sendall', 'close', 'shutdown', 'blockingTimeout'];
const ADDED_SERVER = ['accept', 'blockingTimeout'];

describe('patching (patches/index)', () => {
  let wasPatched;
  before(() => {
    wasPatched = isPatched('net');
    unpatchAll();
  });
  afterEach(() => unpatchAll());
  after(() => {
    if (wasPatched) patchAll();
  });

  it('patchAll() adds the blocking methods to net.Socket.prototype', () => {
    patchAll();
    for (const m of ADDED_SOCKET) expect(Object.getOwnPropertyNames(net.Socket.prototype)).to.include(m);
  });

  it('patchAll() adds accept() and blockingTimeout to net.Server.prototype', () => {
    patchAll();
    for (const m of ADDED_SERVER) expect(Object.getOwnPropertyNames(net.Server.prototype)).to.include(m);
  });

  it('the added methods are not enumerable', () => {
    patchAll();
    for (const m of ADDED_SOCKET) expect(Object.getOwnPropertyDescriptor(net.Socket.prototype, m).enumerable).to.equal(false);
  });

  it('tls.TLSSocket inherits the blocking methods', () => {
    patchAll();
    expect(tls.TLSSocket.prototype.recv).to.equal(net.Socket.prototype.recv);
    expect(tls.TLSSocket.prototype.sendall).to.equal(net.Socket.prototype.sendall);
  });

  it('patchAll() returns true when it patched something', () => {
    expect(patchAll()).to.equal(true);
  });

  it('patchAll() is idempotent: a second call returns false and keeps the same functions', () => {
    patchAll();
    const recv = net.Socket.prototype.recv;
    expect(patchAll()).to.equal(false);
    expect(net.Socket.prototype.recv).to.equal(recv);
  });

  it('a second patchAll() does not lose the originals', () => {
    const original = net.Server.prototype._emitCloseIfDrained;
    patchAll();
    patchAll();
    unpatchAll();
    expect(net.Server.prototype._emitCloseIfDrained).to.equal(original);
  });

  it('patchAll({ net: false }) skips net (and patches the rest)', () => {
    expect(patchAll({ net: false })).to.equal(true);
    expect(isPatched('net')).to.equal(false);
    expect(isPatched('dgram')).to.equal(true);
    expect('recv' in net.Socket.prototype).to.equal(false);
  });

  it('patchAll({ net: false, dgram: false, child_process: false }) patches nothing', () => {
    expect(patchAll({ net: false, dgram: false, child_process: false })).to.equal(false);
    expect(isPatched('net')).to.equal(false);
    expect(isPatched('dgram')).to.equal(false);
    expect(isPatched('child_process')).to.equal(false);
  });

  it('patchAll({ dns: true }) is refused with what to do instead, and waitFor(dns.promises.lookup()) works in a fiber', async () => {
    let err;
    try {
      patchAll({ dns: true });
    } catch (e) {
      err = e;
    }
    expect(err.code).to.equal('ERR_INVALID_ARG_VALUE');
    expect(err.message).to.contain('waitFor(dns.promises.lookup(name))');
    const { spawn, waitFor } = require('../..');
    const g = spawn(() => waitFor(require('dns').promises.lookup('localhost')));
    const found = await new Promise((resolve) => g.link(() => resolve(g.value)));
    expect(found.address).to.be.oneOf(['127.0.0.1', '::1']);
  });

  it('patchAll() leaves the opt-in childProcessSync alone; patchAll({ childProcessSync: true }) adds it', () => {
    patchAll();
    expect(isPatched('child_process')).to.equal(true);
    expect(isPatched('childProcessSync')).to.equal(false);
    patchAll({ childProcessSync: true });
    expect(isPatched('childProcessSync')).to.equal(true);
    unpatchAll();
    expect(isPatched('childProcessSync')).to.equal(false);
  });

  it('patchAll({ net: true }) patches net', () => {
    patchAll({ net: true });
    expect(isPatched('net')).to.equal(true);
  });

  it('isPatched(name) follows patchAll/unpatchAll', () => {
    expect(isPatched('net')).to.equal(false);
    patchAll();
    expect(isPatched('net')).to.equal(true);
    unpatchAll();
    expect(isPatched('net')).to.equal(false);
  });

  it('isPatched() of a module never patched is false', () => {
    patchAll();
    expect(isPatched('fs')).to.equal(false);
  });

  it('unpatchAll() removes every added property', () => {
    patchAll();
    unpatchAll();
    for (const m of ADDED_SOCKET) expect(Object.getOwnPropertyDescriptor(net.Socket.prototype, m)).to.equal(undefined);
    for (const m of ADDED_SERVER) expect(Object.getOwnPropertyDescriptor(net.Server.prototype, m)).to.equal(undefined);
  });

  it('unpatchAll() restores wrapped internals by identity, with their descriptors', () => {
    const before = ['_emitCloseIfDrained', '_listen2'].map((k) => Object.getOwnPropertyDescriptor(net.Server.prototype, k));
    patchAll();
    expect(net.Server.prototype._listen2).to.not.equal(before[1].value);
    unpatchAll();
    const after = ['_emitCloseIfDrained', '_listen2'].map((k) => Object.getOwnPropertyDescriptor(net.Server.prototype, k));
    expect(after).to.deep.equal(before);
    expect(after[0].value).to.equal(before[0].value);
  });

  it('unpatchAll() leaves the property lists exactly as before', () => {
    const names = (o) => Reflect.ownKeys(o).map(String).sort();
    const s = names(net.Socket.prototype);
    const v = names(net.Server.prototype);
    patchAll();
    unpatchAll();
    expect(names(net.Socket.prototype)).to.deep.equal(s);
    expect(names(net.Server.prototype)).to.deep.equal(v);
  });

  it('unpatchAll() without patchAll() does nothing', () => {
    expect(() => unpatchAll()).to.not.throw();
    expect(isPatched('net')).to.equal(false);
  });

  it('getOriginal(module, name) returns the live value of something never patched', () => {
    patchAll();
    expect(getOriginal('net', 'Socket')).to.equal(net.Socket);
    expect(getOriginal('node:net', 'connect')).to.equal(net.connect);
  });

  it('getOriginal() returns the original of a wrapped method while patched', () => {
    const original = net.Server.prototype._emitCloseIfDrained;
    patchAll();
    expect(getOriginal('net', 'Server.prototype._emitCloseIfDrained')).to.equal(original);
  });

  it('getOriginal() of a property patching added is what was there before (undefined)', () => {
    patchAll();
    expect(getOriginal('net', 'Socket.prototype.recv')).to.equal(undefined);
  });

  it('getOriginal() of a missing path is undefined', () => {
    expect(getOriginal('net', 'NoSuch.thing')).to.equal(undefined);
  });

  it('patchAll() with a non-object throws ERR_INVALID_ARG_TYPE', () => {
    expect(() => patchAll(5)).to.throw(TypeError).with.property('code', 'ERR_INVALID_ARG_TYPE');
  });

  it('patchAll() with a non-boolean module option throws ERR_INVALID_ARG_TYPE', () => {
    expect(() => patchAll({ net: 'no' })).to.throw(TypeError).with.property('code', 'ERR_INVALID_ARG_TYPE');
  });

  it('patchAll() with an unknown module name throws ERR_INVALID_ARG_VALUE', () => {
    expect(() => patchAll({ nett: false })).to.throw(TypeError).with.property('code', 'ERR_INVALID_ARG_VALUE');
  });

  it('isPatched() with a non-string throws ERR_INVALID_ARG_TYPE', () => {
    expect(() => isPatched(1)).to.throw(TypeError).with.property('code', 'ERR_INVALID_ARG_TYPE');
  });

  it('getOriginal() with a non-string module throws ERR_INVALID_ARG_TYPE', () => {
    expect(() => getOriginal(null, 'Socket')).to.throw(TypeError).with.property('code', 'ERR_INVALID_ARG_TYPE');
  });

  it('getOriginal() with an empty name throws ERR_INVALID_ARG_TYPE', () => {
    expect(() => getOriginal('net', '')).to.throw(TypeError).with.property('code', 'ERR_INVALID_ARG_TYPE');
  });

  it('getOriginal() of a module that is not built in throws ERR_INVALID_ARG_VALUE', () => {
    expect(() => getOriginal('no-such-module', 'x')).to.throw(TypeError).with.property('code', 'ERR_INVALID_ARG_VALUE');
  });
});
