// The one client of the fake's control API (/__fake/…, unsigned JSON), shared by unit, integration, multi-process,
// e2e and bench code. GET without a body, POST with one, unless `method` says otherwise.

/** Calls `${baseUrl}/__fake${path}`; throws on non-2xx with the status and the response text. Empty body → undefined. */
// Tests read whatever shape each control route answers: `any` by default, a type where it helps.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function fakeControl<T = any>(baseUrl: string, path: string, body?: unknown, method?: string): Promise<T> {
  const res = await fetch(`${baseUrl}/__fake${path}`, {
    method: method ?? (body === undefined ? "GET" : "POST"),
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`fake control ${path} → ${res.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}
