import { listProducts } from "@/lib/catalog/catalog";
import { json, route } from "@/lib/http/respond";

export const dynamic = "force-dynamic";

export const GET = route(async () => json({ products: await listProducts() }));
