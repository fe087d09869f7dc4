// Write mode: the selected text, a rewrite mode, the result, and a way back
// into the app the user came from (copy, or paste back).

import { requestId, type Backend } from "../api/backend";
import type { WorkEvent, WriteMode } from "../api/types";
import { el, replace } from "../dom";
import { t, type Key } from "../i18n";
import { autosize } from "./ask";
import { errorBox, isCancelled } from "./errors";
import { stageText } from "./stage";

export const MODES: WriteMode[] = ["polish", "shorten", "expand", "continue", "translate", "summarize"];

export class WriteView {
  readonly root: HTMLElement;
  private readonly source: HTMLTextAreaElement;
  private readonly modes: HTMLElement;
  private readonly to: HTMLSelectElement;
  private readonly grounded: HTMLInputElement;
  private readonly result: HTMLElement;
  private readonly actions: HTMLElement;
  private readonly status: HTMLElement;
  private readonly controls: HTMLElement;
  private mode: WriteMode = "polish";
  private output = "";
  private running: string | null = null;

  constructor(private readonly backend: Backend) {
    this.source = el("textarea", { id: "write-source", rows: 4 });
    this.source.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) void this.run();
    });
    this.modes = el("div", { class: "segmented", role: "tablist", id: "write-modes" });
    this.to = el("select", { id: "write-to" });
    this.grounded = el("input", { type: "checkbox", id: "write-grounded" });
    this.result = el("div", { class: "result", id: "write-result", tabindex: 0 });
    this.actions = el("div", { class: "row" });
    this.status = el("div", { class: "status row", hidden: true });
    this.controls = el("div", { class: "row wrap" });
    this.root = el(
      "section",
      { class: "mode write", id: "mode-write" },
      this.source,
      this.modes,
      this.controls,
      this.status,
      this.result,
      this.actions,
    );
    this.render();
  }

  focus(): void {
    this.source.focus();
  }

  /** Fills the text from the selection in the app the user came from. */
  async loadSelection(): Promise<void> {
    const text = await this.backend.selection().catch(() => "");
    if (text.trim()) {
      this.source.value = text;
      autosize(this.source);
    }
  }

  render(): void {
    this.source.placeholder = t("write.sourcePlaceholder");
    replace(
      this.modes,
      ...MODES.map((mode) =>
        el(
          "button",
          {
            role: "tab",
            "aria-selected": String(mode === this.mode),
            "data-mode": mode,
            onclick: () => this.setMode(mode),
          },
          t(`write.mode.${mode}` as Key),
        ),
      ),
    );
    const chosen = this.to.value || "en";
    replace(
      this.to,
      el("option", { value: "en" }, t("write.to.en")),
      el("option", { value: "zh" }, t("write.to.zh")),
    );
    this.to.value = chosen;
    const run = el("button", { class: "primary", id: "write-run", onclick: () => this.run() }, t("write.run"));
    const stop = el("button", { onclick: () => this.cancel() }, t("ask.cancel"));
    replace(
      this.controls,
      this.mode === "translate" ? el("label", { class: "row" }, t("write.to"), this.to) : null,
      el("label", { class: "row check" }, this.grounded, t("write.grounded")),
      el("span", { class: "grow" }),
      el("kbd", {}, "Ctrl+Enter"),
      this.running ? stop : run,
    );
    this.drawResult();
  }

  setMode(mode: WriteMode): void {
    this.mode = mode;
    this.render();
  }

  async run(): Promise<void> {
    const text = this.source.value.trim();
    if (!text || this.running) return;
    const id = requestId();
    this.running = id;
    this.output = "";
    this.render();
    const to = this.mode === "translate" ? (this.to.value as "zh" | "en") : null;
    try {
      const written = await this.backend.write(
        id,
        this.mode,
        text,
        { to, grounded: this.grounded.checked },
        (e) => this.onEvent(e),
      );
      this.output = written.text;
    } catch (error) {
      if (!isCancelled(error)) replace(this.result, errorBox(error));
    } finally {
      this.running = null;
      this.status.hidden = true;
      this.render();
    }
  }

  private async cancel(): Promise<void> {
    if (this.running) await this.backend.cancel(this.running);
  }

  private onEvent(event: WorkEvent): void {
    if (event.event === "stage") {
      replace(this.status, el("span", { class: "spinner" }), el("span", { class: "muted" }, stageText(event.stage)));
      this.status.hidden = false;
    } else if (event.event === "token") {
      this.output += event.text;
      this.drawResult();
    }
  }

  private drawResult(): void {
    if (this.result.querySelector(".error") && !this.output) return;
    this.result.textContent = this.output;
    this.result.hidden = this.output === "" && !this.running;
    const done = this.output !== "" && !this.running;
    replace(
      this.actions,
      el("span", { class: "grow" }),
      el("button", { id: "write-copy", disabled: !done, onclick: () => this.copy() }, t("write.copy")),
      el("button", { class: "primary", id: "write-paste", disabled: !done, onclick: () => this.paste() }, t("write.paste")),
    );
  }

  private async copy(): Promise<void> {
    await this.backend.copy(this.output);
    this.flash(t("write.copied"));
  }

  private async paste(): Promise<void> {
    await this.backend.pasteBack(this.output);
    this.flash(t("write.pasted"));
  }

  private flash(text: string): void {
    this.actions.prepend(el("span", { class: "chip ok" }, text));
  }
}
