// Any component can (re)open the open-in-browser guide without importing it (keeps bundles apart).
export const OPEN_GUIDE_EVENT = "open-in-browser-guide";
export const openGuide = () => window.dispatchEvent(new Event(OPEN_GUIDE_EVENT));
