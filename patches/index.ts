// Monkey patching, gevent's `monkey.patch_all()` in Node's idiom.
//
// Each patched module contributes a list of [target, property, descriptor]
// entries. patchAll() saves the property descriptor each entry replaces (or
// notes that there was none) and installs the entry; unpatchAll() puts the
// saved descriptors back and deletes what was added, so every object is left
// exactly as it was. To add a module, append it to `modules` below.
import { builtinModules } from 'module';
import { netPatches } from './net';
import { netLinePatches } from './net-lines';
import { dgramPatches } from './dgram';
import { childProcessPatches, childProcessSyncPatches } from './child_process';
import { httpPatches } from './http';

type PatchList = Array<[object, string, PropertyDescriptor]>;

interface ModulePatch {
  /** Node module name, also the option that skips it: patchAll({ net: false }). */
  readonly name: string;
  readonly patches: () => PatchList;
  /** Patched only when asked for: patchAll({ childProcessSync: true }). */
  readonly optIn?: boolean;
}

/**
 * In patching order. tls needs no entry: tls.TLSSocket inherits net.Socket's
 * methods. recvLine/recvExactly stand on net's recv(), so they come and go with it.
 */
const modules: ModulePatch[] = [
  { name: 'net', patches: () => [...netPatches(), ...netLinePatches()] },
  { name: 'dgram', patches: dgramPatches },
  { name: 'child_process', patches: childProcessPatches },
  // Replaces Node's own functions (the others only add methods), so it waits to be asked.
  { name: 'childProcessSync', patches: childProcessSyncPatches, optIn: true },
  // Changes when every server's handlers run: asked for, never by default.
  { name: 'http', patches: httpPatches, optIn: true },
];

interface Saved {
  target: object;
  key: string;
  /** The replaced descriptor, or undefined when the property was absent. */
  original: PropertyDescriptor | undefined;
}

const saved = new Map<string, Saved[]>();

/** Which modules to patch: `false` skips one (net, dgram, child_process are on by default), `true` turns on an opt-in one (childProcessSync, http). */
export type PatchOptions = { [module: string]: boolean | undefined };

function argError(message: string, code: string): TypeError {
  const err = new TypeError(message) as TypeError & { code: string };
  err.code = code;
  return err;
}

/**
 * Patches every known module not switched off in `options` (e.g.
 * `patchAll({ net: false })`). Idempotent: a second call patches only what is
 * new. Returns true when it patched something.
 */
export function patchAll(options?: PatchOptions): boolean {
  if (options !== undefined && (options === null || typeof options !== 'object')) {
    throw argError(`The "options" argument must be of type object. Received ${options === null ? 'null' : `type ${typeof options}`}`, 'ERR_INVALID_ARG_TYPE');
  }
  if (options !== undefined) {
    for (const key of Object.keys(options)) {
      if (!modules.some((m) => m.name === key)) {
        // dns needs no patch: Node's lookups already run off the event loop
        // (libuv's thread pool, or c-ares), and a fiber waits for one with waitFor().
        const hint =
          key === 'dns'
            ? ': dns needs none, its lookups never block the event loop; in a fiber, waitFor(dns.promises.lookup(name)) waits for one'
            : '';
        throw argError(
          `The property 'options.${key}' is not a patchable module${hint}. Patchable: ${modules.map((m) => m.name).join(', ')}`,
          'ERR_INVALID_ARG_VALUE',
        );
      }
      const value = options[key];
      if (value !== undefined && typeof value !== 'boolean') {
        throw argError(`The "options.${key}" property must be of type boolean. Received type ${typeof value}`, 'ERR_INVALID_ARG_TYPE');
      }
    }
  }
  let patched = false;
  for (const m of modules) {
    const wanted = m.optIn ? options?.[m.name] === true : options?.[m.name] !== false;
    if (saved.has(m.name) || !wanted) continue;
    const records: Saved[] = [];
    for (const [target, key, descriptor] of m.patches()) {
      records.push({ target, key, original: Object.getOwnPropertyDescriptor(target, key) });
      Object.defineProperty(target, key, descriptor);
    }
    saved.set(m.name, records);
    patched = true;
  }
  return patched;
}

/** Restores every patched module exactly: replaced properties come back, added ones go. */
export function unpatchAll(): void {
  const names = [...saved.keys()].reverse();
  for (const name of names) {
    const records = saved.get(name)!;
    for (let i = records.length - 1; i >= 0; i--) {
      const { target, key, original } = records[i];
      if (original === undefined) delete (target as Record<string, unknown>)[key];
      else Object.defineProperty(target, key, original);
    }
    saved.delete(name);
  }
}

/** True while `name` (e.g. 'net') is patched. */
export function isPatched(name: string): boolean {
  if (typeof name !== 'string') {
    throw argError(`The "name" argument must be of type string. Received type ${typeof name}`, 'ERR_INVALID_ARG_TYPE');
  }
  return saved.has(name);
}

/**
 * The unpatched value of `name` in module `moduleName`: `getOriginal('net',
 * 'Socket')`, or a dotted path such as `getOriginal('net',
 * 'Socket.prototype.recv')` (undefined: patching added it). For something
 * never patched it returns the live value, as gevent's get_original does.
 */
export function getOriginal(moduleName: string, name: string): unknown {
  if (typeof moduleName !== 'string') {
    throw argError(`The "moduleName" argument must be of type string. Received type ${typeof moduleName}`, 'ERR_INVALID_ARG_TYPE');
  }
  if (typeof name !== 'string' || name === '') {
    throw argError(`The "name" argument must be a non-empty string. Received type ${typeof name}`, 'ERR_INVALID_ARG_TYPE');
  }
  const bare = moduleName.startsWith('node:') ? moduleName.slice(5) : moduleName;
  if (!builtinModules.includes(bare)) {
    throw argError(`The argument 'moduleName' must name a Node.js built-in module. Received '${moduleName}'`, 'ERR_INVALID_ARG_VALUE');
  }
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  let target: unknown = require(bare);
  const path = name.split('.');
  for (let i = 0; i < path.length; i++) {
    if (target === null || (typeof target !== 'object' && typeof target !== 'function')) return undefined;
    const key = path[i];
    if (i === path.length - 1) {
      // Entries for one module may be saved under another option (childProcessSync).
      let record: Saved | undefined;
      for (const records of saved.values()) record ??= records.find((r) => r.target === target && r.key === key);
      if (record !== undefined) {
        const d = record.original;
        if (d === undefined) {
          // Added by patching: what the object saw before was inherited, if anything.
          const proto = Object.getPrototypeOf(target);
          return proto === null ? undefined : (proto as Record<string, unknown>)[key];
        }
        return 'value' in d ? d.value : d.get;
      }
    }
    target = (target as Record<string, unknown>)[key];
  }
  return target;
}
