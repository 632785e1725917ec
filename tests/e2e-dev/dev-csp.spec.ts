import { expect, test } from "@playwright/test";

// `npm run dev` must look like the shop, not like a broken page: the development CSP lets the dev
// overlay's own styles through (lib/http/security-headers.ts), so the cart renders styled and the
// console carries no CSP violation, while scripts still need the nonce.
test("next dev: the cart renders styled with no CSP violation in the console", async ({ page }) => {
  const violations: string[] = [];
  page.on("console", (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text());
  });
  const res = await page.goto("/");

  const add = page.getByRole("button", { name: "增加 明前西湖龙井 50g" });
  await add.click();
  await expect(page.getByRole("button", { name: "去支付" })).toBeEnabled();
  // Our stylesheet applied (a pay button styled by app/globals.css is not the browser's grey default).
  const background = await page.getByRole("button", { name: "去支付" }).evaluate((b) => getComputedStyle(b).backgroundColor);
  expect(background).not.toBe("rgb(239, 239, 239)");
  // The dev overlay's shadow root got its styles (a <style> in nextjs-portal is what CSP used to block).
  await expect
    .poll(
      () =>
        page.evaluate(() => {
          const host = document.querySelector("nextjs-portal");
          const sheets = host?.shadowRoot?.querySelectorAll("style") ?? [];
          return [...sheets].some((s) => (s.sheet?.cssRules.length ?? 0) > 0);
        }),
      { timeout: 20_000 },
    )
    .toBe(true);
  await page.goto("/admin/sign-in");
  await expect(page.getByRole("button", { name: /登录/ })).toBeVisible();
  expect(violations).toEqual([]);
  // Scripts still need the nonce in development.
  const csp = res!.headers()["content-security-policy"]!;
  expect(csp).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]{16,}' 'strict-dynamic'/);
  expect(csp).not.toMatch(/script-src[^;]*'unsafe-inline'/);
});
