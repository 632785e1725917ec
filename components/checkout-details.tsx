"use client";

// The cart's "who and where" (README "Delivery and fulfilment"): per store the delivery method, and one
// contact + address form. Stateless: the cart owns the values and the errors, keyed by the request's field
// paths ("contact.phone", "delivery.methods.chayu", "delivery.address.city"), so an error the server names
// lands beside the same field. Only zod-free modules here: the rules (zod) are loaded when checked.
import type { ReactNode } from "react";
import type { StoreDeliveryView } from "@/lib/catalog/types";
import type { Divisions } from "@/lib/delivery/divisions";
import { DELIVERY_METHOD_LABELS, shippingFeeFor, type DeliveryMethod } from "@/lib/delivery/methods";
import { formatFen } from "@/lib/money";
import type { SavedDetails } from "./cart-storage";

export type Errors = Record<string, string>;
/** The form's values: what cart-storage remembers. */
export type Details = SavedDetails;

/** The DOM id of a field path (focus and aria wiring). */
export const fieldId = (field: string) => `f-${field.replace(/[^A-Za-z0-9_-]/g, "-")}`;

function FieldError({ field, errors }: { field: string; errors: Errors }) {
  const message = errors[field];
  return message ? (
    <div className="field-error" id={`${fieldId(field)}-error`}>
      {message}
    </div>
  ) : null;
}

const invalid = (field: string, errors: Errors) =>
  errors[field] ? { "aria-invalid": true as const, "aria-describedby": `${fieldId(field)}-error` } : {};

/** One store's method: a radio group named after the store, only the methods it offers. */
export function StoreDeliveryPicker({
  store,
  method,
  goodsFen,
  errors,
  disabled,
  onChange,
}: {
  store: { id: string; name: string } & StoreDeliveryView;
  method: DeliveryMethod | undefined;
  goodsFen: number;
  errors: Errors;
  disabled: boolean;
  onChange: (m: DeliveryMethod) => void;
}) {
  const field = `delivery.methods.${store.id}`;
  const fee = method ? shippingFeeFor(method, store, goodsFen) : 0;
  let note: ReactNode = null;
  if (method === "SHIPPING") {
    const free = store.freeShippingOverFen;
    note = (
      <>
        运费 <span data-testid={`shipping-${store.id}`}>{fee > 0 ? formatFen(fee) : "免运费"}</span>
        {fee > 0 && free !== null && `（满 ${formatFen(free)} 免运费）`}
      </>
    );
  } else if (method === "PICKUP") {
    note = `自提：${store.pickupAddress ?? ""}${store.pickupHours ? `（${store.pickupHours}）` : ""}`;
  }
  return (
    <div className="delivery">
      <div role="radiogroup" aria-label={store.name} id={fieldId(field)} tabIndex={-1} {...invalid(field, errors)} className="radio-row">
        <span className="muted">配送方式</span>
        {store.deliveryMethods.map((m) => (
          <label key={m} className="radio">
            <input
              type="radio"
              name={`method-${store.id}`}
              value={m}
              checked={method === m}
              disabled={disabled}
              onChange={() => onChange(m)}
            />
            {DELIVERY_METHOD_LABELS[m]}
          </label>
        ))}
      </div>
      <FieldError field={field} errors={errors} />
      {note && <div className="muted delivery-note">{note}</div>}
    </div>
  );
}

function TextField({
  label,
  field,
  value,
  errors,
  disabled,
  onChange,
  ...input
}: {
  label: string;
  field: string;
  value: string;
  errors: Errors;
  disabled: boolean;
  onChange: (v: string) => void;
  inputMode?: "text" | "tel" | "numeric";
  autoComplete?: string;
  maxLength?: number;
  placeholder?: string;
}) {
  return (
    <div className="field">
      <label htmlFor={fieldId(field)}>{label}</label>
      <input
        id={fieldId(field)}
        value={value}
        disabled={disabled}
        onChange={(e) => onChange(e.target.value)}
        {...input}
        {...invalid(field, errors)}
      />
      <FieldError field={field} errors={errors} />
    </div>
  );
}

function SelectField({
  label,
  field,
  value,
  options,
  errors,
  disabled,
  onChange,
}: {
  label: string;
  field: string;
  value: string;
  options: string[] | null;
  errors: Errors;
  disabled: boolean;
  onChange: (v: string) => void;
}) {
  return (
    <div className="field">
      <label htmlFor={fieldId(field)}>{label}</label>
      <select
        id={fieldId(field)}
        value={value}
        disabled={disabled || !options}
        onChange={(e) => onChange(e.target.value)}
        {...invalid(field, errors)}
      >
        <option value="">{options ? "请选择" : "加载中…"}</option>
        {options?.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
      <FieldError field={field} errors={errors} />
    </div>
  );
}

/** Contact, and the address when something ships; the one-line notice of what is collected and why. */
export function ContactAddressForm({
  value,
  needsAddress,
  divisions,
  errors,
  disabled,
  remembered,
  onChange,
  onForget,
}: {
  value: Details;
  needsAddress: boolean;
  /** null while the dataset loads */
  divisions: Divisions | null;
  errors: Errors;
  disabled: boolean;
  /** the form was filled in from this browser's last checkout */
  remembered: boolean;
  onChange: (patch: Partial<Details>) => void;
  onForget: () => void;
}) {
  const cities = divisions && value.province ? Object.keys(divisions[value.province] ?? {}) : null;
  const districts = divisions && value.city ? (divisions[value.province]?.[value.city] ?? []) : null;
  return (
    <section className="card details" aria-label="收货信息">
      <h2>{needsAddress ? "联系人与收货地址" : "联系人"}</h2>
      <p className="muted pipl">姓名、手机号{needsAddress ? "和收货地址" : ""}仅用于店铺交付本单和联系你，不会发给微信支付。</p>
      {remembered && (
        <p className="muted">
          已填入本机上次使用的信息。
          <button type="button" className="link" onClick={onForget} disabled={disabled}>
            清除
          </button>
        </p>
      )}
      <TextField
        label="姓名"
        field="contact.name"
        value={value.name}
        errors={errors}
        disabled={disabled}
        autoComplete="name"
        maxLength={20}
        onChange={(name) => onChange({ name })}
      />
      <TextField
        label="手机号"
        field="contact.phone"
        value={value.phone}
        errors={errors}
        disabled={disabled}
        inputMode="tel"
        autoComplete="tel-national"
        maxLength={11}
        onChange={(phone) => onChange({ phone: phone.replace(/\s/g, "") })}
      />
      {needsAddress && (
        <>
          <div className="field-row">
            <SelectField
              label="省份"
              field="delivery.address.province"
              value={value.province}
              options={divisions ? Object.keys(divisions) : null}
              errors={errors}
              disabled={disabled}
              onChange={(province) => onChange({ province, city: "", district: "" })}
            />
            <SelectField
              label="城市"
              field="delivery.address.city"
              value={value.city}
              options={divisions ? (cities ?? []) : null}
              errors={errors}
              disabled={disabled || (!!divisions && !value.province)}
              onChange={(city) => onChange({ city, district: "" })}
            />
            <SelectField
              label="区县"
              field="delivery.address.district"
              value={value.district}
              options={divisions ? (districts ?? []) : null}
              errors={errors}
              disabled={disabled || (!!divisions && !value.city)}
              onChange={(district) => onChange({ district })}
            />
          </div>
          <TextField
            label="详细地址"
            field="delivery.address.detail"
            value={value.detail}
            errors={errors}
            disabled={disabled}
            autoComplete="street-address"
            maxLength={120}
            placeholder="街道、门牌号、楼栋和房间号"
            onChange={(detail) => onChange({ detail })}
          />
          <TextField
            label="邮编"
            field="delivery.address.postalCode"
            value={value.postalCode}
            errors={errors}
            disabled={disabled}
            inputMode="numeric"
            autoComplete="postal-code"
            maxLength={6}
            placeholder="选填"
            onChange={(postalCode) => onChange({ postalCode: postalCode.trim() })}
          />
        </>
      )}
    </section>
  );
}
