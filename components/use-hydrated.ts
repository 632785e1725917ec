"use client";

import { useSyncExternalStore } from "react";

const subscribe = () => () => {};

/**
 * False in the server's HTML and while React hydrates it, true from then on. Controls that need
 * JavaScript stay disabled until it is true: a tap before hydration does nothing, and a value typed
 * into a controlled input before hydration is reset by it (the bill date silently became the default
 * date on a slow machine). Disabled controls say "not yet" honestly, and browsers and test drivers
 * wait for them.
 */
export function useHydrated(): boolean {
  return useSyncExternalStore(
    subscribe,
    () => true,
    () => false,
  );
}
