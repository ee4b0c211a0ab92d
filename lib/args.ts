// Node-style argument errors (the codes Node's own APIs use), shared by
// every module that validates a caller's arguments.

export function describeReceived(value: unknown): string {
  if (value === null) return 'Received null';
  if (value === undefined) return 'Received undefined';
  if (typeof value === 'function') return `Received function ${(value as { name?: string }).name || '<anonymous>'}`;
  if (typeof value === 'object') {
    const ctor = (value as { constructor?: { name?: string } }).constructor;
    return ctor && ctor.name ? `Received an instance of ${ctor.name}` : 'Received an object';
  }
  let shown = String(value);
  if (shown.length > 28) shown = `${shown.slice(0, 25)}...`;
  if (typeof value === 'string') shown = `'${shown}'`;
  return `Received type ${typeof value} (${shown})`;
}

export function invalidArgType(name: string, expected: string, value: unknown): TypeError {
  const err = new TypeError(`The "${name}" argument must be ${expected}. ${describeReceived(value)}`) as TypeError & { code: string };
  err.code = 'ERR_INVALID_ARG_TYPE';
  return err;
}

export function outOfRange(name: string, range: string, value: unknown): RangeError {
  const err = new RangeError(`The value of "${name}" is out of range. It must be ${range}. Received ${String(value)}`) as RangeError & {
    code: string;
  };
  err.code = 'ERR_OUT_OF_RANGE';
  return err;
}

export function invalidArgValue(name: string, value: unknown, reason: string): TypeError {
  const err = new TypeError(`The argument '${name}' ${reason}. Received ${String(value)}`) as TypeError & { code: string };
  err.code = 'ERR_INVALID_ARG_VALUE';
  return err;
}
