// A local stand-in for the 企业微信 group robot: records every POST per hook and answers as told
// (errcode 0 by default). Each hook has its own random path and key, so tests never see each other's
// messages and the per-URL rate limit counts per hook.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { randomBytes } from "node:crypto";

export type HookBehaviour = "ok" | "http-500" | "errcode" | "redirect" | "huge" | "hang" | "not-json";

export interface ReceivedMessage {
  at: number;
  body: { msgtype?: string; markdown?: { content?: string } };
  contentType: string | undefined;
}

export interface Hook {
  url: string;
  /** the secret part of the URL (its key= value) */
  key: string;
  received: ReceivedMessage[];
  behave(b: HookBehaviour): void;
}

export interface WebhookReceiver {
  hook(behaviour?: HookBehaviour): Hook;
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const hooks = new Map<string, { hook: Hook; behaviour: HookBehaviour }>();
  const hanging = new Set<http.ServerResponse>();
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const path = (req.url ?? "").split("?")[0]!;
    const entry = hooks.get(path);
    if (!entry || req.method !== "POST") {
      res.writeHead(404).end();
      return;
    }
    let body: ReceivedMessage["body"] = {};
    try {
      body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as ReceivedMessage["body"];
    } catch {
      // recorded as an empty body: the test sees it
    }
    entry.hook.received.push({ at: Date.now(), body, contentType: req.headers["content-type"] });
    const json = (status: number, o: unknown) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(o));
    switch (entry.behaviour) {
      case "ok":
        return json(200, { errcode: 0, errmsg: "ok" });
      case "http-500":
        return json(500, { errcode: -1, errmsg: "system busy" });
      case "errcode":
        return json(200, { errcode: 93000, errmsg: "invalid webhook url" });
      case "redirect":
        // to another hook of ours that would accept it: it must not be followed
        return res.writeHead(302, { location: `${path}-elsewhere` }).end();
      case "huge":
        return json(200, { errcode: 0, padding: "x".repeat(64 * 1024) });
      case "not-json":
        return res.writeHead(200, { "content-type": "text/html" }).end("<html>ok</html>");
      case "hang":
        hanging.add(res);
        return;
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    hook(behaviour = "ok") {
      const path = `/hook/${randomBytes(6).toString("hex")}`;
      const key = randomBytes(12).toString("hex");
      const hook: Hook = {
        url: `${base}${path}?key=${key}`,
        key,
        received: [],
        behave: (b) => {
          hooks.get(path)!.behaviour = b;
        },
      };
      hooks.set(path, { hook, behaviour });
      // the redirect target: counts as the same hook if it were ever reached
      hooks.set(`${path}-elsewhere`, { hook, behaviour: "ok" });
      return hook;
    },
    async close() {
      for (const r of hanging) r.destroy();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
