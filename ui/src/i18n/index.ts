// The UI's two languages. `t(key, vars)` looks a string up in the current
// one; views re-render when it changes (`onLocaleChange`).

import type { UiLanguage } from "../api/types";
import { en, type Key } from "./en";
import { zh } from "./zh";

export type Locale = "en" | "zh";
export type { Key };

const tables: Record<Locale, Record<Key, string>> = { en, zh };
let current: Locale = "en";
const listeners = new Set<() => void>();

/** English unless the system prefers Chinese. */
export function systemLocale(languages: readonly string[] = navigator.languages ?? []): Locale {
  return languages.some((l) => l.toLowerCase().startsWith("zh")) ? "zh" : "en";
}

export function resolveLocale(setting: UiLanguage): Locale {
  return setting === "system" ? systemLocale() : setting;
}

export function locale(): Locale {
  return current;
}

export function setLocale(next: Locale): void {
  if (next === current) return;
  current = next;
  document.documentElement.lang = next === "zh" ? "zh-CN" : "en";
  for (const listener of listeners) listener();
}

export function onLocaleChange(listener: () => void): void {
  listeners.add(listener);
}

export function t(key: Key, vars: Record<string, string | number> = {}): string {
  const text = tables[current][key];
  return text.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in vars ? String(vars[name]) : whole,
  );
}

/** "3 min", "45 s", "1 h 5 min" — short and the same in both languages. */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function bytes(n: number): string {
  const units = ["B", "KB", "MB", "GB"];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value < 10 && unit > 0 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}
