import { Cart } from "@/components/cart";
import { listProducts } from "@/lib/catalog/catalog";

// Prices are read per request: the catalogue is the only source of truth for what a shopper pays.
export const dynamic = "force-dynamic";

export default async function CartPage() {
  const products = await listProducts();
  return (
    <main>
      <h1>多店合单 · 购物车</h1>
      <Cart products={products} />
    </main>
  );
}
