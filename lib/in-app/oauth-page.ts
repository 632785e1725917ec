// The page the OAuth callback answers with when it cannot go on (README "Paying inside WeChat (JSAPI)"): plain HTML
// with no script and no inline style (the API's CSP allows neither), the reason in words and a retry button that
// goes back to the cart, where the next tap on 去支付 starts a fresh authorization. No order exists at this point.
const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function oauthFailurePage(status: number, message: string, failure: string): Response {
  const html = `<!doctype html>
<html lang="zh-CN">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>微信身份确认失败</title></head>
<body>
<main data-testid="wechat-auth-failed" data-failure="${escape(failure)}">
<h1>微信身份确认失败</h1>
<p role="alert">${escape(message)}</p>
<p>订单尚未创建，没有产生任何扣款；购物车中的商品仍然保留。</p>
<p><a href="/?wxpay=retry" role="button">返回购物车重试</a></p>
</main>
</body>
</html>`;
  return new Response(html, { status, headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" } });
}
