"use client";

// 订单通知 settings of one store: the 企业微信 group robot URL (shown masked: its key= is a secret; the
// input starts empty and only a newly typed URL is sent), removing it, and 发送测试消息.
import { useState } from "react";
import { postAdmin, sendAdmin } from "./api";
import { ActionMessage, useAdminAction } from "./admin-action";
import { useHydrated } from "@/components/use-hydrated";

export function StoreWebhookSettings({ storeId, maskedUrl }: { storeId: string; maskedUrl: string | null }) {
  const hydrated = useHydrated();
  const [url, setUrl] = useState("");
  const { busy, message, run } = useAdminAction();
  const path = `/api/admin/stores/${encodeURIComponent(storeId)}`;

  return (
    <form
      className="card filters"
      aria-label="订单通知"
      onSubmit={(e) => {
        e.preventDefault();
        void run(async () => {
          await sendAdmin("PATCH", path, { notifyWebhookUrl: url.trim() });
          setUrl("");
          return "通知机器人地址已保存。";
        });
      }}
    >
      <p className="muted">
        当前机器人：<span className="mono">{maskedUrl ?? "未配置"}</span>
      </p>
      <label>
        企业微信群机器人 Webhook 地址
        <input
          disabled={!hydrated}
          type="url"
          value={url}
          onChange={(e) => setUrl(e.target.value)}
          placeholder="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…"
          required
          maxLength={500}
          autoComplete="off"
        />
      </label>
      <button type="submit" className="btn" disabled={!hydrated || busy}>
        保存地址
      </button>
      {maskedUrl && (
        <>
          <button
            type="button"
            className="btn"
            disabled={!hydrated || busy}
            onClick={() =>
              void run(async () => {
                const r = await postAdmin<{ message: { created: boolean } }>(`${path}/test-message`);
                return r.message.created
                  ? "测试消息已加入发送队列，通常半分钟内送达；结果见下方消息列表。"
                  : "上一条测试消息还在等待发送。";
              })
            }
          >
            发送测试消息
          </button>
          <button
            type="button"
            className="btn ghost"
            disabled={!hydrated || busy}
            onClick={() =>
              void run(async () => {
                await sendAdmin("PATCH", path, { notifyWebhookUrl: null });
                return "已移除通知机器人，本店不再推送消息。";
              })
            }
          >
            移除
          </button>
        </>
      )}
      <ActionMessage message={message} />
    </form>
  );
}
