// Client-safe catalogue types (components import these; lib/catalog/catalog.ts reads the database).
export interface ProductView {
  sku: string;
  name: string;
  priceFen: number;
  /** logoUrl: a small image under public/ (long-cached), or null */
  store: { id: string; name: string; logoUrl: string | null };
}
