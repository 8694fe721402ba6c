/**
 * Readiness: can slashbuild do its job right now? Each check is named, so /readyz, the
 * slashbuild_check_up metric and `/build health` in chat all say which part is wrong.
 * A check that hangs counts as failing after CHECK_TIMEOUT_MS, so /readyz always answers.
 */

export interface CheckOutcome {
  readonly ok: boolean;
  /** One short phrase for people: "12.3 GB free", "no answer within 3 s". Never a secret. */
  readonly detail: string;
}

export interface ReadinessCheck {
  readonly name: string;
  run(): Promise<CheckOutcome>;
}

export interface NamedOutcome extends CheckOutcome {
  readonly name: string;
}

export interface Readiness {
  readonly ready: boolean;
  readonly checks: readonly NamedOutcome[];
}

const CHECK_TIMEOUT_MS = 3000;

export async function checkReadiness(
  checks: readonly ReadinessCheck[],
  timeoutMs = CHECK_TIMEOUT_MS,
): Promise<Readiness> {
  const results = await Promise.all(checks.map((check) => runOne(check, timeoutMs)));
  return { ready: results.every((r) => r.ok), checks: results };
}

async function runOne(check: ReadinessCheck, timeoutMs: number): Promise<NamedOutcome> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<CheckOutcome>((resolve) => {
    timer = setTimeout(
      () => resolve({ ok: false, detail: `no answer within ${Math.round(timeoutMs / 100) / 10} s` }),
      timeoutMs,
    );
  });
  try {
    const outcome = await Promise.race([check.run(), timeout]);
    return { name: check.name, ...outcome };
  } catch (error) {
    return { name: check.name, ok: false, detail: error instanceof Error ? error.message : String(error) };
  } finally {
    clearTimeout(timer);
  }
}
