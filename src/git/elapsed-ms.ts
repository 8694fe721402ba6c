/** Milliseconds since `started` (a performance.now()), to a tenth, for debug timings. */
export function elapsedMs(started: number): number {
  return Math.round((performance.now() - started) * 10) / 10;
}
