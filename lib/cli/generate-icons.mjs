#!/usr/bin/env node
// @ts-check
// Generates the shop's icons in public/ (no downloads, no image libraries): a green rounded square
// with a white shopping bag, drawn with 4×4 supersampling and written as 8-bit RGBA PNGs; the
// favicon is an ICO wrapping a 32×32 PNG. Re-run after changing the drawing: node lib/cli/generate-icons.mjs
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";

const ROOT = path.resolve(import.meta.dirname, "../..", "public");
/** @typedef {[number, number, number, number]} Rgba */
/** @typedef {{ maskable?: boolean }} IconOptions */
/** @type {[number, number, number]} */
const GREEN = [7, 193, 96];

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
/** @param {Buffer} buf */
function crc32(buf) {
  let c = 0xffffffff;
  // The index is masked to 0..255, always inside the table.
  for (const b of buf) c = /** @type {number} */ (CRC_TABLE[(c ^ b) & 0xff]) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
/**
 * @param {string} type four-letter PNG chunk type
 * @param {Buffer} data
 */
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}
/**
 * @param {number} size width and height in pixels
 * @param {Buffer} rgba size × size pixels, 4 bytes each
 */
function png(size, rgba) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) rgba.copy(raw, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", zlib.deflateSync(raw, { level: 9 })),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

/**
 * Shapes in unit coordinates (0..1). Returns [r,g,b,a] for one sample point.
 * @param {number} x
 * @param {number} y
 * @param {IconOptions} options
 * @returns {Rgba}
 */
function sample(x, y, { maskable }) {
  const inset = maskable ? 0 : 0.04;
  const r = maskable ? 0 : 0.2;
  const inRounded = (() => {
    const lo = inset,
      hi = 1 - inset;
    if (x < lo || x > hi || y < lo || y > hi) return false;
    const cx = Math.min(Math.max(x, lo + r), hi - r),
      cy = Math.min(Math.max(y, lo + r), hi - r);
    return (x - cx) ** 2 + (y - cy) ** 2 <= r * r + 1e-9;
  })();
  if (!inRounded) return [0, 0, 0, 0];
  // Bag body: a trapezoid; handle: a ring segment above it.
  const inBody = y >= 0.4 && y <= 0.76 && x >= 0.3 - (y - 0.4) * 0.08 && x <= 0.7 + (y - 0.4) * 0.08;
  const d = Math.hypot(x - 0.5, y - 0.4);
  const inHandle = y <= 0.4 && d >= 0.1 && d <= 0.15;
  return inBody || inHandle ? [255, 255, 255, 255] : [...GREEN, 255];
}

/**
 * @param {number} size
 * @param {IconOptions} [opts]
 */
function draw(size, opts = {}) {
  const out = Buffer.alloc(size * size * 4);
  const S = 4;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0,
        g = 0,
        b = 0,
        a = 0;
      for (let sy = 0; sy < S; sy++) {
        for (let sx = 0; sx < S; sx++) {
          const [R, G, B, A] = sample((px + (sx + 0.5) / S) / size, (py + (sy + 0.5) / S) / size, opts);
          r += R * A;
          g += G * A;
          b += B * A;
          a += A;
        }
      }
      const i = (py * size + px) * 4;
      out[i] = a ? Math.round(r / a) : 0;
      out[i + 1] = a ? Math.round(g / a) : 0;
      out[i + 2] = a ? Math.round(b / a) : 0;
      out[i + 3] = Math.round(a / (S * S));
    }
  }
  return png(size, out);
}

/**
 * @param {Buffer} pngBuf
 * @param {number} size
 */
function ico(pngBuf, size) {
  const header = Buffer.alloc(6 + 16);
  header.writeUInt16LE(0, 0);
  header.writeUInt16LE(1, 2); // icon
  header.writeUInt16LE(1, 4); // one image
  header[6] = size;
  header[7] = size;
  header[8] = 0;
  header[9] = 0;
  header.writeUInt16LE(1, 10); // planes
  header.writeUInt16LE(32, 12); // bpp
  header.writeUInt32LE(pngBuf.length, 14);
  header.writeUInt32LE(22, 18);
  return Buffer.concat([header, pngBuf]);
}

const files = {
  "favicon.ico": ico(draw(32), 32),
  "apple-touch-icon.png": draw(180, { maskable: true }), // iOS rounds the corners itself
  "icons/icon-192.v1.png": draw(192),
  "icons/icon-512.v1.png": draw(512),
  "icons/icon-maskable-512.v1.png": draw(512, { maskable: true }),
};
for (const [name, buf] of Object.entries(files)) {
  fs.mkdirSync(path.dirname(path.join(ROOT, name)), { recursive: true });
  fs.writeFileSync(path.join(ROOT, name), buf);
  console.log(`${name}: ${buf.length} bytes`);
}
