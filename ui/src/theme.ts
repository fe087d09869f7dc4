// Applies the theme and language settings to the current window.

import type { Settings } from "./api/types";
import { resolveLocale, setLocale } from "./i18n";

export function applySettings(settings: Pick<Settings, "theme" | "language">): void {
  const root = document.documentElement;
  if (settings.theme === "system") root.removeAttribute("data-theme");
  else root.setAttribute("data-theme", settings.theme);
  setLocale(resolveLocale(settings.language));
}
