/** Parsers for the human units the config file accepts: durations ("90s", "30m", "2h", "30d") and sizes ("10MB"). */

const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/;
const DURATION_FACTORS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** A number is seconds; a string may carry ms, s, m, h or d. Returns milliseconds, or null if unreadable. */
export function parseDuration(value: string | number): number | null {
  if (typeof value === "number") return Number.isFinite(value) && value > 0 ? value * 1000 : null;
  const match = DURATION.exec(value.trim());
  if (!match?.[1]) return null;
  const unit = (match[2] ?? "s") as keyof typeof DURATION_FACTORS;
  const ms = Number(match[1]) * DURATION_FACTORS[unit];
  return ms > 0 ? ms : null;
}

const SIZE = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb|kib|mib|gib)?$/i;
const SIZE_FACTORS: Record<string, number> = {
  b: 1,
  kb: 1000,
  mb: 1000 ** 2,
  gb: 1000 ** 3,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
};

/** A number is bytes; a string may carry B, KB, MB, GB, KiB, MiB or GiB. Returns bytes, or null. */
export function parseSize(value: string | number): number | null {
  if (typeof value === "number") return Number.isInteger(value) && value > 0 ? value : null;
  const match = SIZE.exec(value.trim());
  if (!match?.[1]) return null;
  const bytes = Math.floor(Number(match[1]) * (SIZE_FACTORS[(match[2] ?? "b").toLowerCase()] ?? 1));
  return bytes > 0 ? bytes : null;
}
