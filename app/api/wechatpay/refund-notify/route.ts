// The refund requests' notify_url (docs/wechatpay.md §14.4). A refund notification is verified, capped,
// counted when junk and dispatched on its event type by the same handler as payment notifications, so
// the two URLs cannot drift apart.
export { POST } from "../notify/route";
