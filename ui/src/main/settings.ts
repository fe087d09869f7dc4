// Settings: hotkey, mouse buttons and their actions, language, theme, speech
// language. Every change is saved at once and applied in all windows.

import { ACTIONS, type Backend } from "../api/backend";
import type { ButtonAction, Settings, Theme, UiLanguage } from "../api/types";
import { el, replace } from "../dom";
import { t, type Key } from "../i18n";
import { errorBox } from "../popup/errors";
import { applySettings } from "../theme";

export class SettingsView {
  readonly root: HTMLElement;
  private readonly form: HTMLElement;
  private readonly saved: HTMLElement;
  private settings: Settings | null = null;
  private recording = false;

  constructor(private readonly backend: Backend) {
    this.form = el("div", { class: "settings" });
    this.saved = el("span", { class: "chip ok", id: "settings-saved", hidden: true });
    this.root = el("section", { class: "page", id: "page-settings" }, this.form, el("div", { class: "row" }, this.saved));
  }

  async refresh(): Promise<void> {
    this.settings = await this.backend.settings().catch(() => null);
    this.render();
  }

  render(): void {
    const s = this.settings;
    if (!s) {
      replace(this.form);
      return;
    }
    this.saved.textContent = t("settings.saved");
    replace(
      this.form,
      field(t("settings.hotkey"), t("settings.hotkeyHelp"), this.hotkey(s)),
      field(t("settings.buttons"), t("settings.buttonsHelp"), this.buttons(s)),
      field(
        t("settings.language"),
        "",
        choice<UiLanguage>("setting-language", s.language, [
          ["system", t("settings.language.system")],
          ["en", "English"],
          ["zh", "简体中文"],
        ], (v) => this.change(() => ({ language: v }))),
      ),
      field(
        t("settings.theme"),
        "",
        choice<Theme>("setting-theme", s.theme, [
          ["system", t("settings.theme.system")],
          ["light", t("settings.theme.light")],
          ["dark", t("settings.theme.dark")],
        ], (v) => this.change(() => ({ theme: v }))),
      ),
      field(
        t("settings.speechLanguage"),
        "",
        choice<Settings["speech_language"]>("setting-speech", s.speech_language, [
          ["auto", t("settings.speech.auto")],
          ["en", "English"],
          ["zh", "中文"],
        ], (v) => this.change(() => ({ speech_language: v }))),
      ),
    );
  }

  private hotkey(s: Settings): HTMLElement {
    const shown = el("kbd", { class: "hotkey", id: "hotkey" }, this.recording ? t("settings.recording") : s.hotkey);
    const record = el("button", { id: "hotkey-record" }, t("settings.record"));
    record.addEventListener("click", () => {
      this.recording = true;
      this.render();
      const onKey = (e: KeyboardEvent) => {
        const combo = comboOf(e);
        if (!combo) return;
        e.preventDefault();
        document.removeEventListener("keydown", onKey, true);
        this.recording = false;
        this.change(() => ({ hotkey: combo }));
      };
      document.addEventListener("keydown", onKey, true);
    });
    return el("div", { class: "row" }, shown, record);
  }

  private buttons(s: Settings): HTMLElement {
    const rows = Object.entries(s.buttons).map(([code, action]) =>
      el(
        "div",
        { class: "row", "data-button": code },
        el("span", { class: "button-code" }, buttonName(code)),
        choice<ButtonAction>(`button-${code}`, action, ACTIONS.map((a) => [a, t(`settings.action.${a}` as Key)]), (v) =>
          this.change((now) => ({ buttons: { ...now.buttons, [code]: v } })),
        ),
        el("button", { class: "ghost small", title: t("settings.removeButton"), onclick: () => this.change((now) => ({ buttons: without(now.buttons, code) })) }, "✕"),
      ),
    );
    const add = el("button", { class: "ghost", id: "button-add" }, `+ ${t("settings.addButton")}`);
    add.addEventListener("click", () => {
      add.textContent = t("settings.pressButton");
      // The next press of any mouse button over the page names the button.
      const onPress = (e: MouseEvent) => {
        e.preventDefault();
        document.removeEventListener("mousedown", onPress, true);
        const code = x11Button(e.button);
        this.change((now) => ({ buttons: { ...now.buttons, [code]: now.buttons[code] ?? "popup" } }));
      };
      setTimeout(() => document.addEventListener("mousedown", onPress, true), 0);
    });
    return el("div", { class: "stack tight" }, ...rows, add);
  }

  /** Saves a change made to the settings as they are now (not as they
   * were when the control was drawn: two quick changes must both stay). */
  private change(patch: (now: Settings) => Partial<Settings>): void {
    if (this.settings) void this.save({ ...this.settings, ...patch(this.settings) });
  }

  private async save(next: Settings): Promise<void> {
    const previous = this.settings;
    this.settings = next;
    try {
      this.settings = await this.backend.saveSettings(next);
      applySettings(this.settings);
      this.render();
      this.saved.hidden = false;
      setTimeout(() => (this.saved.hidden = true), 1500);
    } catch (error) {
      this.settings = previous;
      this.render();
      this.form.append(errorBox(error));
    }
  }
}

function field(label: string, help: string, control: HTMLElement): HTMLElement {
  return el(
    "div",
    { class: "field" },
    el("div", {}, el("div", { class: "label" }, label), help ? el("div", { class: "faint" }, help) : null),
    control,
  );
}

function choice<T extends string>(
  id: string,
  value: T,
  options: [T, string][],
  onChange: (value: T) => void,
): HTMLSelectElement {
  const select = el("select", { id }, ...options.map(([v, label]) => el("option", { value: v }, label)));
  select.value = value;
  select.addEventListener("change", () => onChange(select.value as T));
  return select;
}

/** The X11 number of a DOM mouse button (0 left, 1 middle, 2 right, 3 back, 4 forward). */
export function x11Button(button: number): string {
  return String([1, 2, 3, 8, 9][button] ?? button + 5);
}

function buttonName(code: string): string {
  if (code === "8" || code === "9") return t(`settings.button.${code}` as Key);
  return t("settings.button", { code });
}

function without(buttons: Settings["buttons"], code: string): Settings["buttons"] {
  const rest = { ...buttons };
  delete rest[code];
  return rest;
}

/** "Ctrl+Alt+Space" in the accelerator syntax the global-shortcut plugin reads. */
export function comboOf(e: Pick<KeyboardEvent, "key" | "code" | "ctrlKey" | "altKey" | "shiftKey" | "metaKey">): string | null {
  if (["Control", "Alt", "Shift", "Meta"].includes(e.key)) return null;
  const mods = [e.ctrlKey && "Ctrl", e.altKey && "Alt", e.shiftKey && "Shift", e.metaKey && "Super"].filter(Boolean);
  if (mods.length === 0) return null;
  const key = e.code.startsWith("Key") ? e.code.slice(3) : e.code.startsWith("Digit") ? e.code.slice(5) : e.code;
  return [...mods, key].join("+");
}
