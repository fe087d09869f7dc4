import { describe, expect, it } from "vitest";

import { en } from "../src/i18n/en";
import { zh } from "../src/i18n/zh";
import { bytes, duration, setLocale, systemLocale, t } from "../src/i18n";

describe("i18n", () => {
  it("has every English string in Chinese, translated", () => {
    expect(Object.keys(zh).sort()).toEqual(Object.keys(en).sort());
    const same = Object.keys(en).filter(
      (k) => en[k as keyof typeof en] === zh[k as keyof typeof zh] && /[a-z]{3}/.test(en[k as keyof typeof en]),
    );
    // Only names and pure placeholders may stay as they are.
    expect(same).toEqual(["app.name", "error.generic"]);
  });

  it("keeps the placeholders of each string", () => {
    for (const key of Object.keys(en) as (keyof typeof en)[]) {
      const vars = (s: string) => (s.match(/\{\w+\}/g) ?? []).sort();
      expect(vars(zh[key]), key).toEqual(vars(en[key]));
    }
  });

  it("follows the system locale", () => {
    expect(systemLocale(["zh-CN", "en-US"])).toBe("zh");
    expect(systemLocale(["en-GB"])).toBe("en");
    expect(systemLocale([])).toBe("en");
  });

  it("fills placeholders in the current language", () => {
    setLocale("zh");
    expect(t("library.indexing", { done: 3, total: 10 })).toBe("正在索引 3 / 10");
    expect(document.documentElement.lang).toBe("zh-CN");
    setLocale("en");
    expect(t("library.indexing", { done: 3, total: 10 })).toBe("Indexing 3 of 10");
  });

  it("formats durations and sizes", () => {
    expect(duration(42)).toBe("42 s");
    expect(duration(150)).toBe("3 min");
    expect(duration(3900)).toBe("1 h 5 min");
    expect(bytes(512)).toBe("512 B");
    expect(bytes(3_400_000)).toBe("3.2 MB");
  });
});
