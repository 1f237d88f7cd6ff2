/** "12 ms", "3.4 s", "2 min 5 s" from microseconds. */
export function formatDuration(us: number | null | undefined): string {
  if (us == null || !Number.isFinite(us) || us < 0) return '—';
  if (us < 1000) return `${Math.round(us)} µs`;
  const ms = us / 1000;
  if (ms < 1000) return `${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(s < 10 ? 2 : 1)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${Math.round(s - m * 60)} s`;
}

/** A date-time from microseconds since the epoch, in the browser's locale. */
export function formatTime(us: number | null | undefined): string {
  if (!us) return '—';
  return new Date(us / 1000).toLocaleString();
}
