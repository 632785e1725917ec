// Client-side calls to /api/admin/**: same-origin fetch, so the SameSite=Strict cookie and the
// Origin header go along; errors come back as our `{code, message}`.
export class AdminApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** The whole error body, e.g. the line errors of a CSV upload. */
    readonly data: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export async function postAdmin<T>(path: string, body?: unknown, extraHeaders: Record<string, string> = {}): Promise<T> {
  const res = await fetch(path, {
    method: "POST",
    headers: { ...(body === undefined ? {} : { "content-type": "application/json" }), ...extraHeaders },
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "same-origin",
  });
  const data = (await res.json().catch(() => null)) as { code?: string; message?: string } | null;
  if (!res.ok) {
    if (res.status === 401) throw new AdminApiError(401, "UNAUTHORIZED", "登录已失效，请刷新页面重新登录");
    throw new AdminApiError(res.status, data?.code ?? "ERROR", data?.message ?? `请求失败（HTTP ${res.status}）`);
  }
  return data as T;
}

/** POST / PATCH with a JSON body (catalogue forms). */
export async function sendAdmin<T>(method: "POST" | "PATCH", path: string, body: unknown): Promise<T> {
  const res = await fetch(path, {
    method,
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
    credentials: "same-origin",
  });
  const data = (await res.json().catch(() => null)) as { code?: string; message?: string } | null;
  if (!res.ok) {
    if (res.status === 401) throw new AdminApiError(401, "UNAUTHORIZED", "登录已失效，请刷新页面重新登录");
    throw new AdminApiError(res.status, data?.code ?? "ERROR", data?.message ?? `请求失败（HTTP ${res.status}）`);
  }
  return data as T;
}

/** POSTs a file's raw bytes (e.g. a CSV) with its content type; errors keep their whole body (AdminApiError.data). */
export async function uploadAdmin<T>(path: string, body: Blob, contentType: string): Promise<T> {
  const res = await fetch(path, { method: "POST", headers: { "content-type": contentType }, body, credentials: "same-origin" });
  const data = (await res.json().catch(() => null)) as ({ code?: string; message?: string } & Record<string, unknown>) | null;
  if (!res.ok) {
    if (res.status === 401) throw new AdminApiError(401, "UNAUTHORIZED", "登录已失效，请刷新页面重新登录");
    throw new AdminApiError(res.status, data?.code ?? "ERROR", data?.message ?? `请求失败（HTTP ${res.status}）`, data ?? {});
  }
  return data as T;
}

/** Uploads an image file's raw bytes; returns its /media/… URL. */
export async function uploadImage(file: File): Promise<string> {
  const res = await fetch("/api/admin/images", {
    method: "POST",
    headers: { "content-type": file.type },
    body: file,
    credentials: "same-origin",
  });
  const data = (await res.json().catch(() => null)) as { url?: string; message?: string } | null;
  if (!res.ok || !data?.url) throw new AdminApiError(res.status, "UPLOAD_FAILED", data?.message ?? `上传失败（HTTP ${res.status}）`);
  return data.url;
}
