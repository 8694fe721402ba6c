/**
 * A moment as people in chat read it, in UTC so everyone in a channel reads the same: "2026-05-01
 * 14:02 UTC". Chat has no idea of the reader's time zone; the web page may show local times.
 */
export function formatTime(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}
