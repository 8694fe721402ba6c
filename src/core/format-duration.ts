/** How every surface (chat replies, status posts, web pages) writes a duration: `0.3s`, `42s`, `3m 05s`, `1h 02m 03s`. */
export function formatDuration(ms: number): string {
  // Under 10 s a tenth tells a quick build from an instant one ("0.3s", not "0s"); whole stays "3s".
  if (ms < 9_950) return `${Math.max(0, Math.round(ms / 100) / 10)}s`;
  const total = Math.max(0, Math.round(ms / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  const pad = (n: number) => String(n).padStart(2, "0");
  if (hours > 0) return `${hours}h ${pad(minutes)}m ${pad(seconds)}s`;
  if (minutes > 0) return `${minutes}m ${pad(seconds)}s`;
  return `${seconds}s`;
}
