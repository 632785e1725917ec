"use client";

// Back-office forms for stores and products. They call the same admin API as scripts do
// (/api/admin/stores, /api/admin/products), so validation and audit live in one place; prices are
// typed in yuan and converted to fen exactly (string arithmetic, lib/money.ts).
import { useState } from "react";
import { formatFen, fenToYuanString, yuanEntryToFen } from "@/lib/money";
import type { ProductRow, StoreRow } from "@/lib/catalog/admin";
import { DELIVERY_METHODS, DELIVERY_METHOD_LABELS, type DeliveryMethod } from "@/lib/delivery/methods";
import { sendAdmin, uploadImage } from "./api";
import { ActionMessage, useAdminAction } from "./admin-action";
import { useHydrated } from "@/components/use-hydrated";

// The rows the admin API answers with (a type-only import: nothing of lib/catalog/admin reaches the bundle).
type StoreInit = StoreRow;
type ProductInit = ProductRow;

function ImageField({ label, value, onChange }: { label: string; value: string; onChange: (url: string) => void }) {
  const hydrated = useHydrated();
  const [uploading, setUploading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  return (
    <label>
      {label}
      <input
        disabled={!hydrated}
        type="file"
        accept="image/png,image/jpeg,image/webp"
        aria-label={`${label}文件`}
        onChange={async (e) => {
          const file = e.target.files?.[0];
          if (!file) return;
          setUploading(true);
          setError(null);
          try {
            onChange(await uploadImage(file));
          } catch (err) {
            setError(err instanceof Error ? err.message : String(err));
          } finally {
            setUploading(false);
          }
        }}
      />
      <input
        disabled={!hydrated}
        type="text"
        value={value}
        onChange={(e) => onChange(e.target.value)}
        placeholder="或填写 https:// 图片地址"
        aria-label={`${label}地址`}
      />
      {uploading ? <span className="muted">上传中…</span> : null}
      {error ? <span className="alert">{error}</span> : null}
      {value ? <img src={value} alt="预览" width={48} height={48} className="thumb" /> : null}
    </label>
  );
}

/** "" → null, "0" → 0 (a free fee), else exact yuan → fen; throws the Chinese message of lib/money.ts. */
function optionalYuan(text: string, zeroAllowed: boolean): number | null {
  const t = text.trim();
  if (t === "") return null;
  if (zeroAllowed && /^[¥￥]?0(\.0{1,2})?$/.test(t)) return 0;
  return yuanEntryToFen(t);
}

export function StoreForm({ initial }: { initial?: StoreInit }) {
  const hydrated = useHydrated();
  const [name, setName] = useState(initial?.name ?? "");
  const [subMchid, setSubMchid] = useState(initial?.subMchid ?? "");
  const [mchid, setMchid] = useState(initial?.mchid ?? "");
  const [logoUrl, setLogoUrl] = useState(initial?.logoUrl ?? "");
  const [active, setActive] = useState(initial?.active ?? true);
  // Delivery options (README "Delivery and fulfilment"): fees typed in yuan like prices.
  const [methods, setMethods] = useState<DeliveryMethod[]>(initial?.deliveryMethods ?? ["SHIPPING"]);
  const [fee, setFee] = useState(initial ? fenToYuanString(initial.shippingFeeFen) : "0");
  const [freeOver, setFreeOver] = useState(initial?.freeShippingOverFen != null ? fenToYuanString(initial.freeShippingOverFen) : "");
  const [pickupAddress, setPickupAddress] = useState(initial?.pickupAddress ?? "");
  const [pickupHours, setPickupHours] = useState(initial?.pickupHours ?? "");
  const [jsapiEnabled, setJsapiEnabled] = useState(initial?.jsapiEnabled ?? false);
  const { busy, message, run } = useAdminAction();
  const toggle = (m: DeliveryMethod, on: boolean) => setMethods((ms) => DELIVERY_METHODS.filter((x) => (x === m ? on : ms.includes(x))));
  const bodyOf = () => ({
    name,
    subMchid,
    mchid: mchid || null,
    logoUrl: logoUrl || null,
    active,
    deliveryMethods: methods,
    shippingFeeFen: optionalYuan(fee, true) ?? 0,
    freeShippingOverFen: optionalYuan(freeOver, false),
    pickupAddress: pickupAddress.trim() || null,
    pickupHours: pickupHours.trim() || null,
    jsapiEnabled,
  });
  return (
    <form
      className="card filters"
      aria-label={initial ? `编辑店铺 ${initial.id}` : "新建店铺"}
      onSubmit={(e) => {
        e.preventDefault();
        void run(async () => {
          const body = bodyOf();
          if (initial) {
            await sendAdmin("PATCH", `/api/admin/stores/${encodeURIComponent(initial.id)}`, body);
            return "店铺已保存。";
          }
          const r = await sendAdmin<{ store: { id: string } }>("POST", "/api/admin/stores", body);
          setName("");
          setSubMchid("");
          setMchid("");
          setLogoUrl("");
          return `店铺已创建（编号 ${r.store.id}）。`;
        });
      }}
    >
      <label>
        店铺名称
        <input disabled={!hydrated} value={name} onChange={(e) => setName(e.target.value)} required maxLength={40} />
      </label>
      <label>
        特约商户号 sub_mchid
        <input
          disabled={!hydrated}
          value={subMchid}
          onChange={(e) => setSubMchid(e.target.value.trim())}
          required
          inputMode="numeric"
          pattern="\d{8,10}"
          title="8–10 位数字"
        />
      </label>
      <label>
        直连模式商户号 mchid（可选）
        <input
          disabled={!hydrated}
          value={mchid}
          onChange={(e) => setMchid(e.target.value.trim())}
          inputMode="numeric"
          pattern="\d{8,10}"
          title="8–10 位数字"
        />
      </label>
      <ImageField label="店铺标志" value={logoUrl} onChange={setLogoUrl} />
      <fieldset className="inline-group">
        <legend>配送方式</legend>
        {DELIVERY_METHODS.map((m) => (
          <label className="inline" key={m}>
            <input disabled={!hydrated} type="checkbox" checked={methods.includes(m)} onChange={(e) => toggle(m, e.target.checked)} />
            {DELIVERY_METHOD_LABELS[m]}
          </label>
        ))}
      </fieldset>
      {methods.includes("SHIPPING") && (
        <>
          <label>
            运费（元）
            <input disabled={!hydrated} value={fee} onChange={(e) => setFee(e.target.value)} inputMode="decimal" />
          </label>
          <label>
            满额包邮（元，可选）
            <input disabled={!hydrated} value={freeOver} onChange={(e) => setFreeOver(e.target.value)} inputMode="decimal" />
          </label>
        </>
      )}
      {methods.includes("PICKUP") && (
        <>
          <label>
            自提地址
            <input disabled={!hydrated} value={pickupAddress} onChange={(e) => setPickupAddress(e.target.value)} required maxLength={120} />
          </label>
          <label>
            自提时间（可选）
            <input disabled={!hydrated} value={pickupHours} onChange={(e) => setPickupHours(e.target.value)} maxLength={40} />
          </label>
        </>
      )}
      <label className="inline">
        <input disabled={!hydrated} type="checkbox" checked={active} onChange={(e) => setActive(e.target.checked)} />
        营业中
      </label>
      <label className="inline" title="在服务商平台「特约商户授权产品」中，该店已授权服务商的 JSAPI 支付后再勾选">
        <input disabled={!hydrated} type="checkbox" checked={jsapiEnabled} onChange={(e) => setJsapiEnabled(e.target.checked)} />
        支持微信内支付（已授权 JSAPI）
      </label>
      <button type="submit" className="btn" disabled={!hydrated || busy}>
        {initial ? "保存店铺" : "创建店铺"}
      </button>
      <ActionMessage message={message} />
    </form>
  );
}

export function ProductForm({ initial, stores }: { initial?: ProductInit; stores: { id: string; name: string; active: boolean }[] }) {
  const hydrated = useHydrated();
  const [sku, setSku] = useState(initial?.sku ?? "");
  const [name, setName] = useState(initial?.name ?? "");
  const [price, setPrice] = useState(initial ? fenToYuanString(initial.priceFen) : "");
  const [storeId, setStoreId] = useState(initial?.storeId ?? stores.find((s) => s.active)?.id ?? "");
  const [stock, setStock] = useState(initial?.stock === null || initial?.stock === undefined ? "" : String(initial.stock));
  const [stockShards, setStockShards] = useState(String(initial?.stockShards ?? 1));
  const [imageUrl, setImageUrl] = useState(initial?.imageUrl ?? "");
  const [active, setActive] = useState(initial?.active ?? true);
  const { busy, message, run } = useAdminAction();
  return (
    <form
      className="card filters"
      aria-label={initial ? `编辑商品 ${initial.sku}` : "新建商品"}
      onSubmit={(e) => {
        e.preventDefault();
        void run(async () => {
          const priceFen = yuanEntryToFen(price); // throws a readable message for "12.345", "-1", "abc"
          if (stock !== "" && !/^\d{1,7}$/.test(stock)) throw new Error("库存必须是整数（留空表示不限）");
          // The range (1–MAX_STOCK_SHARDS) is the API's to check: its answer names the field.
          if (!/^\d{1,3}$/.test(stockShards)) throw new Error("库存分行必须是整数（1 = 不分行）");
          const body = {
            name,
            priceFen,
            storeId,
            stock: stock === "" ? null : Number(stock),
            stockShards: Number(stockShards),
            imageUrl: imageUrl || null,
            active,
          };
          if (initial) {
            await sendAdmin("PATCH", `/api/admin/products/${encodeURIComponent(initial.sku)}`, body);
            return `商品已保存（${formatFen(priceFen)}）。`;
          }
          await sendAdmin("POST", "/api/admin/products", { sku, ...body });
          setSku("");
          setName("");
          setPrice("");
          setStock("");
          setImageUrl("");
          return `商品 ${sku} 已创建（${formatFen(priceFen)}）。`;
        });
      }}
    >
      {initial ? null : (
        <label>
          SKU
          <input
            disabled={!hydrated}
            value={sku}
            onChange={(e) => setSku(e.target.value.trim())}
            required
            pattern="[A-Za-z0-9_\-]{1,64}"
            title="字母、数字、- 和 _"
          />
        </label>
      )}
      <label>
        商品名称
        <input disabled={!hydrated} value={name} onChange={(e) => setName(e.target.value)} required maxLength={60} />
      </label>
      <label>
        价格（元）
        <input
          disabled={!hydrated}
          value={price}
          onChange={(e) => setPrice(e.target.value)}
          required
          inputMode="decimal"
          placeholder="12.30"
        />
      </label>
      <label>
        店铺
        <select disabled={!hydrated} value={storeId} onChange={(e) => setStoreId(e.target.value)} required aria-label="店铺">
          {stores.map((s) => (
            <option key={s.id} value={s.id}>
              {s.name}
              {s.active ? "" : "（已停用）"}
            </option>
          ))}
        </select>
      </label>
      <label>
        库存（留空 = 不限）
        <input disabled={!hydrated} value={stock} onChange={(e) => setStock(e.target.value.trim())} inputMode="numeric" />
      </label>
      <label title="秒杀商品：库存分成几行保存，同时下单的顾客各扣一行，不再排队等同一行（1 = 不分行）">
        库存分行（秒杀用，1 = 不分行）
        <input
          disabled={!hydrated}
          value={stockShards}
          onChange={(e) => setStockShards(e.target.value.trim())}
          inputMode="numeric"
          aria-label="库存分行"
        />
      </label>
      <ImageField label="商品图片" value={imageUrl} onChange={setImageUrl} />
      <label className="inline">
        <input disabled={!hydrated} type="checkbox" checked={active} onChange={(e) => setActive(e.target.checked)} />
        上架
      </label>
      <button type="submit" className="btn" disabled={!hydrated || busy}>
        {initial ? "保存商品" : "创建商品"}
      </button>
      <ActionMessage message={message} />
    </form>
  );
}

/** 停用 / 启用 (store) or 下架 / 上架 (product) in one click from the list. */
export function ActiveToggle({ path, active, labels }: { path: string; active: boolean; labels: [string, string] }) {
  const hydrated = useHydrated();
  const { busy, message, run } = useAdminAction();
  return (
    <>
      <button
        type="button"
        className={active ? "btn danger" : "btn ghost"}
        disabled={!hydrated || busy}
        onClick={() =>
          run(async () => {
            await sendAdmin("PATCH", path, { active: !active });
            return active ? `已${labels[0]}` : `已${labels[1]}`;
          })
        }
      >
        {active ? labels[0] : labels[1]}
      </button>
      {message && !message.ok ? <ActionMessage message={message} /> : null}
    </>
  );
}
