export type Settled<T> =
  | { readonly kind: "stopped" }
  | { readonly kind: "done"; readonly value: T }
  | { readonly kind: "failed"; readonly error: unknown };

/** Waits for `work` unless the build is stopped first; the work itself carries on and is ignored. */
export function untilStopped<T>(work: Promise<T>, signal: AbortSignal): Promise<Settled<T>> {
  if (signal.aborted) {
    work.catch(() => {});
    return Promise.resolve({ kind: "stopped" });
  }
  return new Promise((resolve) => {
    const onAbort = (): void => resolve({ kind: "stopped" });
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(
      (value) => resolve({ kind: "done", value }),
      (error: unknown) => resolve({ kind: "failed", error }),
    );
    void work.finally(() => signal.removeEventListener("abort", onAbort)).catch(() => {});
  });
}
