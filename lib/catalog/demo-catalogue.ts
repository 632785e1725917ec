/**
 * The demo catalogue seeded by `npm run db:setup`. Store sub-merchant numbers match the TEST
 * identities in tests/fixtures/keys/keys.json; a real deployment edits the Store rows instead.
 */
export const demoStores = [
  { id: "chayu", name: "茶语轩茶叶铺", subMchid: "1900000201", mchid: "1900000301", logoUrl: "/images/stores/chayu.v1.svg" },
  { id: "xiangxiang", name: "香香烘焙坊", subMchid: "1900000202", mchid: "1900000302", logoUrl: "/images/stores/xiangxiang.v1.svg" },
  { id: "mumu", name: "木木文具馆", subMchid: "1900000203", mchid: "1900000303", logoUrl: "/images/stores/mumu.v1.svg" },
] as const;

export const demoProducts = [
  { sku: "TEA-LJ-50", name: "明前西湖龙井 50g", priceFen: 6800, storeId: "chayu" },
  { sku: "TEA-PE-357", name: "云南普洱熟茶饼 357g", priceFen: 12800, storeId: "chayu" },
  { sku: "TEA-BC-100", name: "福鼎白牡丹白茶 100g", priceFen: 4550, storeId: "chayu" },
  { sku: "BAK-TS-01", name: "抹茶红豆吐司", priceFen: 1880, storeId: "xiangxiang" },
  { sku: "BAK-CK-02", name: "海盐芝士蛋糕（4寸）", priceFen: 3200, storeId: "xiangxiang" },
  { sku: "BAK-DH-06", name: "手工蛋黄酥（6枚装）", priceFen: 3990, storeId: "xiangxiang" },
  { sku: "STA-PEN-3", name: "樱花中性笔（3支装）", priceFen: 1230, storeId: "mumu" },
  { sku: "STA-NB-A5", name: "牛皮纸笔记本 A5", priceFen: 1580, storeId: "mumu" },
  { sku: "STA-NT-SET", name: "莫兰迪色便利贴套装", priceFen: 990, storeId: "mumu" },
  { sku: "STA-ERASER", name: "小象橡皮擦（2块装）", priceFen: 250, storeId: "mumu" },
] as const;
