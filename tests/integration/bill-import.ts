// Storing a trade bill without a long transaction, shared by the SQLite suite (bill-import.test.ts)
// and the PostgreSQL one (postgres/bill-import.test.ts). A re-import writes its rows under an
// import nobody reads yet, then swaps it in with one short transaction: the previous import stays
// the one shown until then, a failure half-way leaves it untouched, and two imports of one day at
// once end with one current import and nothing left behind.
import { beforeAll, expect, it } from "vitest";
import { advancePastBillTime, paidOrdersOfToday } from "./bill-helpers";
import type { Harness } from "./harness";

export interface OtherConnection {
  /** Bill rows of an import, counted on a connection of its own (sees only committed data). */
  countRows(importId: number): Promise<number>;
  /** SQLite only: true when another connection can take the write lock at once. */
  writeLockFree?(): boolean;
}

export function billImportTests(harness: () => Harness, other: () => OtherConnection): void {
  let svc: typeof import("@/lib/bills/service");
  let billDate: string;
  let h: Harness;

  beforeAll(async () => {
    h = harness();
    svc = await import("@/lib/bills/service");
    ({ billDate } = await paidOrdersOfToday(h));
    await advancePastBillTime(h, billDate);
    const first = await svc.downloadAndReconcile({ billDate });
    expect(first.status).toBe("RECONCILED");
  }, 60_000);

  const current = async () => (await svc.storedReport(billDate, "ALL"))!.import;
  const importsOfDay = () => h.prisma.billImport.findMany({ where: { billDate, scope: "ALL" }, orderBy: { id: "asc" } });

  it("while a re-import stores its rows, they are committed chunk by chunk and the previous import is still the one shown", async () => {
    const before = await current();
    const seen: { shownId: number; committedRows: number; lockFree: boolean | undefined }[] = [];
    const r = await svc.downloadAndReconcile(
      { billDate },
      {
        chunkRows: 1,
        afterChunk: async () => {
          const staged = (await importsOfDay()).find((i) => i.currentKey === null)!;
          seen.push({
            shownId: (await current()).id,
            committedRows: await other().countRows(staged.id),
            lockFree: other().writeLockFree?.(),
          });
        },
      },
    );
    expect(r.status).toBe("RECONCILED");
    if (r.status !== "RECONCILED") return;
    expect(seen).toHaveLength(before.rowCount);
    // Each chunk is committed when it returns (a single long transaction would show 0 rows and, on
    // SQLite, hold the write lock for the whole import).
    expect(seen.map((s) => s.committedRows)).toEqual(seen.map((_, i) => i + 1));
    if (other().writeLockFree) expect(seen.every((s) => s.lockFree)).toBe(true);
    expect(seen.every((s) => s.shownId === before.id)).toBe(true);
    expect(r.import.id).not.toBe(before.id);
    expect((await current()).id).toBe(r.import.id);
    // The replaced import and its rows are gone.
    expect((await importsOfDay()).map((i) => i.id)).toEqual([r.import.id]);
    expect(await h.prisma.billRow.count({ where: { importId: before.id } })).toBe(0);
  });

  it("a failure half-way through storing rows leaves the previous import shown and no rows behind", async () => {
    const before = await current();
    const rowsBefore = await h.prisma.billRow.count();
    await expect(
      svc.downloadAndReconcile(
        { billDate },
        {
          chunkRows: 1,
          afterChunk: async (stored) => {
            if (stored === 2) throw new Error("disk full");
          },
        },
      ),
    ).rejects.toThrow("disk full");
    expect(await current()).toEqual(before);
    expect((await importsOfDay()).map((i) => i.id)).toEqual([before.id]);
    expect(await h.prisma.billRow.count()).toBe(rowsBefore);
  });

  it("two imports of the same day at once: exactly one is current, every row of the others is gone", async () => {
    // Both pause after their last row until the other got there too, so their swaps overlap.
    let arrived = 0;
    let release!: () => void;
    const bothThere = new Promise<void>((r) => (release = r));
    const rowCount = (await current()).rowCount;
    const pauseAtEnd = async (stored: number) => {
      if (stored < rowCount) return;
      if (++arrived === 2) release();
      await bothThere;
    };
    const results = await Promise.all([
      svc.downloadAndReconcile({ billDate }, { chunkRows: 1, afterChunk: pauseAtEnd }),
      svc.downloadAndReconcile({ billDate }, { chunkRows: 1, afterChunk: pauseAtEnd }),
    ]);
    expect(results.map((r) => r.status)).toEqual(["RECONCILED", "RECONCILED"]);
    const imports = await importsOfDay();
    expect(imports).toHaveLength(1);
    expect(imports[0]!.currentKey).toBe(`${billDate}|ALL`);
    expect(results.map((r) => (r.status === "RECONCILED" ? r.import.id : 0))).toContain(imports[0]!.id);
    expect(await h.prisma.billRow.count({ where: { billImport: { billDate } } })).toBe(rowCount);
    expect(await h.prisma.billRow.count({ where: { importId: imports[0]!.id } })).toBe(rowCount);
  });

  it("housekeeping removes an import a stopped process left half-stored, and never the current one", async () => {
    const shown = await current();
    const stored = await h.prisma.billImport.findUniqueOrThrow({ where: { id: shown.id }, include: { rows: true } });
    const { id: _id, rows, currentKey: _currentKey, importedAt: _importedAt, ...copy } = stored;
    const stale = await h.prisma.billImport.create({
      data: {
        ...copy,
        importedAt: new Date(Date.now() - (svc.STALE_BILL_IMPORT_MINUTES + 1) * 60_000),
        rows: { create: rows.slice(0, 2).map(({ id: _rowId, importId: _importId, ...row }) => row) },
      },
    });
    const fresh = await h.prisma.billImport.create({ data: { ...copy } }); // an import still being stored
    expect(await svc.pruneStaleBillImports(new Date())).toBe(1);
    const left = (await importsOfDay()).map((i) => i.id);
    expect(left).toEqual([shown.id, fresh.id]);
    expect(await h.prisma.billRow.count({ where: { importId: stale.id } })).toBe(0);
    expect(await h.prisma.billRow.count({ where: { importId: shown.id } })).toBe(shown.rowCount);
    await h.prisma.billImport.delete({ where: { id: fresh.id } });
  });
}
