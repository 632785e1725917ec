// The cart's first-load JS budget, checked against the build the suite already runs (no second build): the
// reference is this app's own 404 page, which ships the framework and the root layout and no page code of its
// own. It is 0.4 % heavier than the empty Next.js page `npm run bench:page-weight` builds separately (README
// "Benchmarks"), so this check is that much more lenient than the bench's; the bench's figure is the one quoted.
import { expect } from "@playwright/test";
import { FIRST_LOAD_BUDGET, measurePage } from "../support/first-load-js";
import { APP_URL, test } from "./support";

test(`the cart's first-load JS is at most ${FIRST_LOAD_BUDGET} × a page without code of its own`, async () => {
  const bare = await measurePage(APP_URL, "/no-such-page-for-the-weight-check", 404);
  const cart = await measurePage(APP_URL, "/");
  // The cart loads everything the bare page does: what it adds is its own code.
  expect(cart.srcs).toEqual(expect.arrayContaining(bare.srcs));
  const ratio = cart.gzipBytes / bare.gzipBytes;
  expect(
    ratio,
    `cart ${(cart.gzipBytes / 1024).toFixed(1)} KiB vs ${(bare.gzipBytes / 1024).toFixed(1)} KiB (${ratio.toFixed(3)} ×)`,
  ).toBeLessThanOrEqual(FIRST_LOAD_BUDGET);
});
