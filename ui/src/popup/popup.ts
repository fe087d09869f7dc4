// The popup: four modes behind tabs, opened by the hotkey or a mouse button.
// Esc hides it (stopping whatever runs); Ctrl+1..4 switch modes.

import type { Backend, Mode, PopupRequest } from "../api/backend";
import { el, replace } from "../dom";
import { onLocaleChange, t, type Key } from "../i18n";
import { applySettings } from "../theme";
import { AskView } from "./ask";
import { SlidesView } from "./slides";
import { VoiceView } from "./voice";
import { WriteView } from "./write";

const MODES: Mode[] = ["ask", "write", "slides", "voice"];

export class Popup {
  readonly root: HTMLElement;
  private readonly tabs: HTMLElement;
  private readonly tools: HTMLElement;
  private readonly body: HTMLElement;
  private mode: Mode = "ask";
  readonly ask: AskView;
  readonly write: WriteView;
  readonly slides: SlidesView;
  readonly voice: VoiceView;

  constructor(private readonly backend: Backend) {
    this.ask = new AskView(backend);
    this.write = new WriteView(backend);
    this.slides = new SlidesView(backend);
    this.voice = new VoiceView(backend, (question) => {
      this.show("ask");
      void this.ask.submit(question);
    });
    this.tabs = el("nav", { class: "segmented", role: "tablist", id: "modes" });
    this.tools = el("div", { class: "row" });
    this.body = el("main", { class: "body" });
    this.root = el(
      "div",
      { class: "panel" },
      el("header", { class: "row", "data-tauri-drag-region": true }, logo(), this.tabs, el("span", { class: "grow" }), this.tools),
      this.body,
    );
    document.addEventListener("keydown", (e) => this.onKey(e));
    onLocaleChange(() => this.render());
    backend.onPopup((request) => this.onRequest(request));
    backend.onSettings((settings) => applySettings(settings));
    this.render();
  }

  /** Loads settings (theme, language) and shows Ask. */
  async start(): Promise<void> {
    const settings = await this.backend.settings().catch(() => null);
    if (settings) applySettings(settings);
    this.show("ask");
  }

  current(): Mode {
    return this.mode;
  }

  show(mode: Mode): void {
    this.mode = mode;
    this.render();
    this.view(mode).focus();
  }

  render(): void {
    replace(
      this.tabs,
      ...MODES.map((mode, i) =>
        el(
          "button",
          {
            role: "tab",
            id: `tab-${mode}`,
            "aria-selected": String(mode === this.mode),
            title: `Ctrl+${i + 1}`,
            onclick: () => this.show(mode),
          },
          t(`mode.${mode}` as Key),
        ),
      ),
    );
    replace(
      this.tools,
      this.mode === "ask"
        ? el("button", { class: "ghost small", id: "ask-new", onclick: () => this.ask.clear() }, t("ask.new"))
        : null,
      el("button", { class: "ghost small", id: "open-main", onclick: () => this.backend.showMain() }, t("popup.openMain")),
      el("kbd", { title: t("popup.hint") }, "Esc"),
    );
    for (const view of [this.ask, this.write, this.slides, this.voice]) view.render();
    replace(this.body, this.view(this.mode).root);
  }

  private view(mode: Mode): AskView | WriteView | SlidesView | VoiceView {
    return { ask: this.ask, write: this.write, slides: this.slides, voice: this.voice }[mode];
  }

  private onKey(e: KeyboardEvent): void {
    if (e.key === "Escape") {
      e.preventDefault();
      void this.hide();
    } else if (e.ctrlKey && /^[1-4]$/.test(e.key)) {
      e.preventDefault();
      this.show(MODES[Number(e.key) - 1]);
    }
  }

  private async hide(): Promise<void> {
    void this.ask.cancel();
    void this.voice.cancel();
    await this.backend.hidePopup();
  }

  private onRequest(request: PopupRequest): void {
    if (request.released) {
      void this.voice.stop();
      return;
    }
    this.show(request.mode);
    if (request.mode === "write") void this.write.loadSelection();
    if (request.mode === "voice" && request.hold) void this.voice.start();
  }
}

function logo(): HTMLElement {
  return el("span", { class: "logo", "aria-hidden": "true" }, "W");
}
