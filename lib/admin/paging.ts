// Page numbers of the back office's lists (?page=, ?events=): one rule for every list.
import { z } from "zod";

/** A page number from a query string: missing, malformed or absurd values are page 1, never an error page. */
export const PageParamSchema = z.coerce.number().int().min(1).max(100_000).catch(1);

/** The page number of a search parameter as a page receives it (string, repeated, or absent). */
export function pageParam(value: string | string[] | undefined): number {
  return PageParamSchema.parse(Array.isArray(value) ? value[0] : value);
}

/** Pages needed for `total` rows; at least 1, so an empty list is "page 1 of 1". */
export function pageCountOf(total: number, pageSize: number): number {
  return Math.max(1, Math.ceil(total / pageSize));
}
