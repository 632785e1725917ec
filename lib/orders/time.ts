/** RFC 3339 in Beijing time with an explicit offset, the form WeChat Pay expects for time_expire. */
export function toBeijingRfc3339(d: Date): string {
  const t = new Date(Math.floor(d.getTime() / 1000) * 1000 + 8 * 3600_000).toISOString();
  return `${t.slice(0, 19)}+08:00`;
}

/** The calendar date (yyyy-MM-dd) in Beijing time. */
export function beijingDate(d: Date): string {
  return new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
}
