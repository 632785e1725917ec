// Client-safe catalogue types (components import these; lib/catalog/catalog.ts reads the database).
export interface ProductView {
  sku: string;
  name: string;
  priceFen: number;
  store: { id: string; name: string };
}
