// An unexpected database error of the order insert reaches the log (lib/http/respond.ts): what Prisma
// quotes of the query (the shopper's name, phone and address) must not go along.
import { describe, expect, it } from "vitest";
import Database from "better-sqlite3";
import { Prisma } from "@/lib/generated/prisma/client";
import { AppError } from "@/lib/errors";
import { withoutPersonalData } from "@/lib/orders/checkout";

const QUOTED =
  "Invalid `prisma.order.create()` invocation:\n{ data: { contactName: '张三', contactPhone: '13812341234', addressDetail: '文三路 90 号' } }";

describe("withoutPersonalData", () => {
  it("keeps only the kind and code of a Prisma error", () => {
    const known = new Prisma.PrismaClientKnownRequestError(QUOTED, { code: "P2003", clientVersion: "7" });
    const validation = new Prisma.PrismaClientValidationError(QUOTED, { clientVersion: "7" });
    for (const e of [known, validation]) {
      const out = withoutPersonalData(e) as Error;
      expect(out.message).toMatch(/^order insert failed: /);
      expect(JSON.stringify({ m: out.message, s: out.stack })).not.toMatch(/13812341234|张三|文三路/);
    }
    expect((withoutPersonalData(known) as { code: string }).code).toBe("P2003");
  });

  it("keeps only the kind and code of a better-sqlite3 error (the SQLite checkout's own SQL)", () => {
    const e = new Database.SqliteError(QUOTED, "SQLITE_CONSTRAINT_CHECK");
    const out = withoutPersonalData(e) as Error & { code: string };
    expect(out.message).toBe("order insert failed: SQLITE_CONSTRAINT_CHECK");
    expect(out.code).toBe("SQLITE_CONSTRAINT_CHECK");
    expect(JSON.stringify({ m: out.message, s: out.stack })).not.toMatch(/13812341234|张三|文三路/);
  });

  it("passes our own errors and DATABASE_BUSY unchanged", () => {
    const stock = new AppError("OUT_OF_STOCK", "库存不足");
    const busy = Object.assign(new Error("busy"), { code: "DATABASE_BUSY" });
    expect(withoutPersonalData(stock)).toBe(stock);
    expect(withoutPersonalData(busy)).toBe(busy);
  });
});

describe("an overloaded database pool", () => {
  it("a transaction that could not get a connection in time (P2028) answers 503 DATABASE_BUSY with Retry-After, not 500", async () => {
    const { errorResponse } = await import("@/lib/http/respond");
    const timedOut = new Prisma.PrismaClientKnownRequestError(QUOTED, { code: "P2028", clientVersion: "7" });
    const res = errorResponse(withoutPersonalData(timedOut));
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("1");
    expect(await res.json()).toMatchObject({ code: "DATABASE_BUSY", retryAfterSeconds: 1 });
  });
});
