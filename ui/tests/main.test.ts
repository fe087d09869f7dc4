import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { setLocale } from "../src/i18n";
import { comboOf } from "../src/main/settings";
import { MainWindow } from "../src/main/shell";
import { FakeBackend } from "./fake";

async function mount(section: "library" | "models" | "settings" = "library") {
  const backend = new FakeBackend();
  const main = new MainWindow(backend);
  document.body.replaceChildren(main.root);
  await main.start(section);
  return { backend, main };
}

describe("main window", () => {
  beforeEach(() => setLocale("en"));
  afterEach(() => vi.useRealTimers());

  it("lists documents and failures with their reasons", async () => {
    await mount();
    expect(document.querySelectorAll(".doc:not(.failed)")).toHaveLength(3);
    const failed = document.querySelector(".doc.failed")!;
    expect(failed.textContent).toContain("encrypted");
    expect(document.getElementById("library-stats")!.textContent).toBe("3 documents · 54 passages · 3.2 MB");
  });

  it("filters documents", async () => {
    await mount();
    const filter = document.getElementById("library-filter") as HTMLInputElement;
    filter.value = "会议";
    filter.dispatchEvent(new Event("input"));
    expect(document.querySelectorAll(".doc:not(.failed)")).toHaveLength(1);
  });

  it("adds dropped paths", async () => {
    const { backend } = await mount();
    backend.dropHandlers[0]({ type: "over" });
    expect(document.getElementById("dropzone")!.classList.contains("over")).toBe(true);
    backend.dropHandlers[0]({ type: "drop", paths: ["/tmp/a.pdf", "/tmp/folder"] });
    await new Promise((r) => setTimeout(r, 0));
    expect(backend.calls.find((c) => c.method === "add")!.args[0]).toEqual(["/tmp/a.pdf", "/tmp/folder"]);
  });

  it("lists watched folders and stops watching one, keeping the other settings", async () => {
    const { backend } = await mount();
    const folder = document.querySelector<HTMLElement>('.watched-folder[data-path="/home/ana/docs"]')!;
    expect(folder.textContent).toContain("/home/ana/docs");
    folder.querySelector("button")!.click();
    await new Promise((r) => setTimeout(r, 0));
    const saved = backend.calls.find((c) => c.method === "saveSettings")!.args[0] as { watched: string[]; hotkey: string };
    expect(saved.watched).toEqual([]);
    expect(saved.hotkey).toBe("Ctrl+Alt+Space");
    expect(document.querySelectorAll(".watched-folder")).toHaveLength(0);
    expect(document.getElementById("watched")!.textContent).toContain("Folders you add are watched for changes.");
  });

  it("lists a watched folder's new file indexed between two looks", async () => {
    vi.useFakeTimers();
    const { backend } = await mount();
    expect(document.querySelectorAll(".doc:not(.failed)")).toHaveLength(3);
    backend.documentsValue = [
      ...backend.documentsValue,
      { path: "/home/ana/docs/new.md", title: "New", kind: "markdown", chunks: 1 },
    ];
    backend.indexingValue = { ...backend.indexingValue, jobs: 1 };
    await vi.advanceTimersByTimeAsync(5000);
    expect(document.querySelectorAll(".doc:not(.failed)")).toHaveLength(4);
  });

  it("shows indexing progress with an ETA, and pauses", async () => {
    const backend = new FakeBackend();
    backend.indexingValue = { running: true, paused: false, done: 12, total: 40, eta_s: 130, current: "/docs/x.pdf", error: null, jobs: 0 };
    const main = new MainWindow(backend);
    document.body.replaceChildren(main.root);
    await main.start();
    const bar = document.getElementById("indexing")!;
    expect(bar.textContent).toContain("Indexing 12 of 40");
    expect(bar.textContent).toContain("about 2 min left");
    (document.getElementById("pause") as HTMLButtonElement).click();
    await new Promise((r) => setTimeout(r, 0));
    expect(backend.calls.at(-1)).toEqual({ method: "setPaused", args: [true] });
    expect(document.getElementById("indexing")!.textContent).toContain("Paused");
  });

  it("shows models by role with their state", async () => {
    await mount("models");
    expect(document.querySelector('[data-id="whisper-base"]')!.textContent).toContain("Incomplete");
    expect(document.querySelector('[data-id="qwen2.5-1.5b-instruct-q4_k_m"] button.primary')!.textContent).toBe("Download");
  });

  it("saves a setting at once and applies the theme and language", async () => {
    const { backend } = await mount("settings");
    const theme = document.getElementById("setting-theme") as HTMLSelectElement;
    theme.value = "dark";
    theme.dispatchEvent(new Event("change"));
    await new Promise((r) => setTimeout(r, 0));
    expect(backend.settingsValue.theme).toBe("dark");
    expect(document.documentElement.dataset.theme).toBe("dark");
    const language = document.getElementById("setting-language") as HTMLSelectElement;
    language.value = "zh";
    language.dispatchEvent(new Event("change"));
    await new Promise((r) => setTimeout(r, 0));
    expect(document.getElementById("nav-settings")!.textContent).toBe("设置");
  });

  it("keeps two quick changes (the second before the first is saved)", async () => {
    const { backend } = await mount("settings");
    const theme = document.getElementById("setting-theme") as HTMLSelectElement;
    const language = document.getElementById("setting-language") as HTMLSelectElement;
    theme.value = "dark";
    theme.dispatchEvent(new Event("change"));
    language.value = "zh";
    language.dispatchEvent(new Event("change"));
    await new Promise((r) => setTimeout(r, 0));
    expect(backend.settingsValue.theme).toBe("dark");
    expect(backend.settingsValue.language).toBe("zh");
  });

  it("maps a new mouse button by pressing it, and removes one", async () => {
    const { backend } = await mount("settings");
    (document.getElementById("button-add") as HTMLButtonElement).click();
    await new Promise((r) => setTimeout(r, 0));
    document.body.dispatchEvent(new MouseEvent("mousedown", { button: 1, bubbles: true }));
    await new Promise((r) => setTimeout(r, 0));
    expect(backend.settingsValue.buttons).toEqual({ "2": "popup", "8": "talk", "9": "popup" });
    (document.querySelector('[data-button="8"] button') as HTMLButtonElement).click();
    await new Promise((r) => setTimeout(r, 0));
    expect(Object.keys(backend.settingsValue.buttons)).toEqual(["2", "9"]);
  });

  it("records a hotkey in accelerator form", () => {
    const key = (init: Partial<KeyboardEvent>) =>
      comboOf({ key: "a", code: "KeyA", ctrlKey: false, altKey: false, shiftKey: false, metaKey: false, ...init });
    expect(key({ ctrlKey: true, altKey: true, code: "Space", key: " " })).toBe("Ctrl+Alt+Space");
    expect(key({ ctrlKey: true, shiftKey: true, code: "Digit1", key: "!" })).toBe("Ctrl+Shift+1");
    expect(key({})).toBeNull();
    expect(key({ key: "Control", ctrlKey: true })).toBeNull();
  });
});
