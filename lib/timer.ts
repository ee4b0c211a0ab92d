// Timers for any delay a caller may give: Node's setTimeout clamps delays of
// 2^31 ms or more to 1 ms (and warns), so a long delay is chained through
// timers of at most MAX_DELAY_MS, and Infinity means a timer that never fires
// (no Node timer at all, so it never keeps the loop alive on its own).

/** The longest delay Node's setTimeout honours (2^31 - 1 ms, about 24.8 days). */
export const MAX_DELAY_MS = 0x7fffffff;

/** A running timer; stopTimer() it to cancel. */
export interface Timer {
  /** The Node timer for the current stretch, null when none (never fires, fired, or stopped). */
  node: NodeJS.Timeout | null;
}

/**
 * Calls `fn` once `ms` milliseconds have passed (`Infinity`: never). With
 * `unref`, the timer does not keep the event loop alive by itself.
 * `stretch` is the longest single Node timer (specs shorten it to see the chaining).
 */
export function startTimer(fn: () => void, ms: number, unref = false, stretch = MAX_DELAY_MS): Timer {
  const timer: Timer = { node: null };
  if (ms === Infinity) return timer;
  if (ms <= stretch) {
    timer.node = setTimeout(() => {
      timer.node = null;
      fn();
    }, ms);
    if (unref) timer.node.unref();
    return timer;
  }
  const deadline = Date.now() + ms;
  const arm = (left: number): void => {
    timer.node = setTimeout(() => {
      timer.node = null;
      const rest = deadline - Date.now();
      if (rest > 0) arm(rest);
      else fn();
    }, Math.min(left, stretch));
    if (unref) timer.node.unref();
  };
  arm(ms);
  return timer;
}

/** Cancels `timer` (a stopped or fired timer is left as it is). */
export function stopTimer(timer: Timer | null): void {
  if (timer !== null && timer.node !== null) {
    clearTimeout(timer.node);
    timer.node = null;
  }
}
