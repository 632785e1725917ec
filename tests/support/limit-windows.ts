// The database limits count in fixed windows (lib/http/attempt-limiter.ts): a burst that straddles a
// window boundary meets two windows and is let through twice. A test that counts against a limit
// starts with enough of the window left, so its outcome never depends on where in the window it ran.

/** Waits for the next window when less than `needMs` of the current `windowSeconds` window is left. */
export async function withWindowLeft(windowSeconds: number, needMs: number): Promise<void> {
  const windowMs = windowSeconds * 1000;
  const left = windowMs - (Date.now() % windowMs);
  if (left < needMs) await new Promise((r) => setTimeout(r, left + 50));
}
