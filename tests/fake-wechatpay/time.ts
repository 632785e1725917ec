// Time helpers. WeChat Pay renders times in China Standard Time (+08:00) and the bill's dates are CST dates,
// so everything user-visible is formatted in +08:00 regardless of the host's TZ.
const CST_OFFSET_MS = 8 * 3600_000;

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

interface Parts {
  y: number;
  mo: number;
  d: number;
  h: number;
  mi: number;
  s: number;
}

function cstParts(ms: number): Parts {
  const t = new Date(ms + CST_OFFSET_MS);
  return {
    y: t.getUTCFullYear(),
    mo: t.getUTCMonth() + 1,
    d: t.getUTCDate(),
    h: t.getUTCHours(),
    mi: t.getUTCMinutes(),
    s: t.getUTCSeconds(),
  };
}

/** `2026-11-27T15:04:05+08:00` (§1.4). */
export function rfc3339Cst(ms: number): string {
  const p = cstParts(ms);
  return `${p.y}-${pad(p.mo)}-${pad(p.d)}T${pad(p.h)}:${pad(p.mi)}:${pad(p.s)}+08:00`;
}

/** `2026-11-27 15:04:05` — the bill's 交易时间 format (§8.3). */
export function billTimeCst(ms: number): string {
  const p = cstParts(ms);
  return `${p.y}-${pad(p.mo)}-${pad(p.d)} ${pad(p.h)}:${pad(p.mi)}:${pad(p.s)}`;
}

/** `2026-11-27` in CST. */
export function cstDate(ms: number): string {
  const p = cstParts(ms);
  return `${p.y}-${pad(p.mo)}-${pad(p.d)}`;
}

/** `20261127` in CST (used inside transaction ids). */
export function cstCompactDate(ms: number): string {
  return cstDate(ms).replaceAll("-", "");
}

/** `20261127150405` in CST (used inside prepay ids, like the real `wx2014102720093955…`). */
export function cstCompactDateTime(ms: number): string {
  const p = cstParts(ms);
  return `${p.y}${pad(p.mo)}${pad(p.d)}${pad(p.h)}${pad(p.mi)}${pad(p.s)}`;
}

/** Epoch ms of 00:00 CST of a `yyyy-MM-dd` date, or null when it is not a real calendar date. */
export function cstMidnight(date: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const utc = Date.UTC(y, mo - 1, d);
  const back = new Date(utc);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) return null;
  return utc - CST_OFFSET_MS;
}

/** Shift a `yyyy-MM-dd` date by whole calendar months (clamped by Date.UTC's overflow, good enough for "3 months ago"). */
export function addMonthsToDate(date: string, months: number): string {
  const mid = cstMidnight(date);
  if (mid === null) throw new Error(`bad date ${date}`);
  const p = cstParts(mid);
  const t = new Date(Date.UTC(p.y, p.mo - 1 + months, p.d));
  return `${t.getUTCFullYear()}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}`;
}

/**
 * Parses `yyyy-MM-DDTHH:mm:ss[.fff]±hh:mm` (§3.1 time_expire). A numeric offset is REQUIRED: the reference
 * documents the format as `…+TIMEZONE`; we also refuse `Z` so a client that passes here sends what the docs show.
 */
export function parseRfc3339WithOffset(value: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([+-])(\d{2}):(\d{2})$/.exec(value);
  if (!m) return null;
  const [y, mo, d, h, mi, s] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i])) as [number, number, number, number, number, number];
  const oh = Number(m[9]);
  const om = Number(m[10]);
  if (mo < 1 || mo > 12 || h > 23 || mi > 59 || s > 59 || oh > 14 || om > 59) return null;
  const utc = Date.UTC(y, mo - 1, d, h, mi, s);
  const back = new Date(utc);
  if (back.getUTCDate() !== d || back.getUTCMonth() !== mo - 1) return null;
  const frac = m[7] ? Math.floor(Number(`0${m[7]}`) * 1000) : 0;
  const sign = m[8] === "-" ? -1 : 1;
  return utc + frac - sign * (oh * 60 + om) * 60_000;
}

/**
 * The fake's business clock: real time plus an offset moved by POST /__fake/clock. It drives link expiry,
 * time_expire, success_time and bill dates. Signature timestamps deliberately use the REAL clock, because the
 * client checks them against its own real clock (§2.3).
 */
export class BusinessClock {
  private offsetMs = 0;
  now(): number {
    return Date.now() + this.offsetMs;
  }
  advance(seconds: number): void {
    this.offsetMs += seconds * 1000;
  }
  get offsetSeconds(): number {
    return this.offsetMs / 1000;
  }
  reset(): void {
    this.offsetMs = 0;
  }
}
