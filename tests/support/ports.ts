// Fixed ports of the suites that start real servers (Playwright, the multi-process test, the bench),
// shifted by TEST_PORT_OFFSET so two checkouts can run their suites side by side on one machine.
const raw = process.env.TEST_PORT_OFFSET ?? "0";
if (!/^\d{1,4}$/.test(raw)) throw new Error(`TEST_PORT_OFFSET must be a small whole number, got ${JSON.stringify(raw)}`);
export const PORT_OFFSET = Number(raw);

/** A suite's base port shifted by TEST_PORT_OFFSET. */
export const port = (base: number): number => base + PORT_OFFSET;
