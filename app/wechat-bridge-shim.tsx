import { headers } from "next/headers";
import { env } from "@/lib/env";

/**
 * Tests and `npm run dev` only: the fake's WeixinJSBridge stand-in, for pages that pay inside WeChat. lib/env.ts
 * refuses WECHAT_JSBRIDGE_SHIM_URL wherever real keys could move money, so a production shop never renders this;
 * real WeChat injects its own bridge (and the shim does nothing where one exists).
 */
export async function WechatBridgeShim() {
  const j = env().wechatJsapi;
  if (!j.enabled || !j.bridgeShimUrl) return null;
  const nonce = (await headers()).get("x-nonce") ?? undefined;
  return <script src={j.bridgeShimUrl} nonce={nonce} async />;
}
