/**
 * Replaces every occurrence of each secret with `***`. Local stand-in until the runner's
 * mask-secrets module exists; same signature, so switching is a one-line import change.
 * Longer secrets go first so a secret that contains another is masked whole.
 */
export const MASK = "***";

export function maskText(text: string, secrets: readonly string[]): string {
  const ordered = [...new Set(secrets)]
    .filter((secret) => secret.length > 0)
    .sort((a, b) => b.length - a.length);
  let masked = text;
  for (const secret of ordered) masked = masked.split(secret).join(MASK);
  return masked;
}
