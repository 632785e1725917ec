// The one client of the fake's control API (/__fake/…, unsigned JSON), shared by unit, integration, multi-process,
// e2e and bench code and the fake's own CLI. GET without a body, POST with one, unless `method` says otherwise.

/** One request to `${baseUrl}/__fake${path}`, whatever its status: the CLI prints failures instead of throwing. */
export async function fakeControlRequest(
  baseUrl: string,
  path: string,
  body?: unknown,
  method?: string,
): Promise<{ ok: boolean; status: number; text: string }> {
  const res = await fetch(`${baseUrl.replace(/\/+$/, "")}/__fake${path}`, {
    method: method ?? (body === undefined ? "GET" : "POST"),
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { ok: res.ok, status: res.status, text: await res.text() };
}

/** Calls `${baseUrl}/__fake${path}`; throws on non-2xx with the status and the response text. Empty body → undefined. */
// Tests read whatever shape each control route answers: `any` by default, a type where it helps.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function fakeControl<T = any>(baseUrl: string, path: string, body?: unknown, method?: string): Promise<T> {
  const { ok, status, text } = await fakeControlRequest(baseUrl, path, body, method);
  if (!ok) throw new Error(`fake control ${path} → ${status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}
