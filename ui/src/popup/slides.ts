// Slides mode: a topic -> an outline drafted from the library -> edited here
// -> exported as PPTX or Markdown and opened.

import { requestId, type Backend } from "../api/backend";
import type { Deck, Slide } from "../api/types";
import { el, replace } from "../dom";
import { t } from "../i18n";
import { errorBox, isCancelled } from "./errors";
import { stageText } from "./stage";

export class SlidesView {
  readonly root: HTMLElement;
  private readonly topic: HTMLInputElement;
  private readonly count: HTMLInputElement;
  private readonly draftButton: HTMLButtonElement;
  private readonly status: HTMLElement;
  private readonly editor: HTMLElement;
  private readonly footer: HTMLElement;
  private deck: Deck | null = null;
  private running: string | null = null;

  constructor(private readonly backend: Backend) {
    this.topic = el("input", { type: "text", id: "slides-topic" });
    this.topic.addEventListener("keydown", (e) => {
      if (e.key === "Enter") void this.draft();
    });
    this.count = el("input", { type: "number", id: "slides-count", min: 2, max: 20, value: 5 });
    this.draftButton = el("button", { class: "primary", id: "slides-draft", onclick: () => this.draft() });
    this.status = el("div", { class: "status row", hidden: true });
    this.editor = el("div", { class: "outline", id: "slides-outline" });
    this.footer = el("div", { class: "row" });
    this.root = el(
      "section",
      { class: "mode slides", id: "mode-slides" },
      el("div", { class: "row" }, this.topic, el("label", { class: "row count" }, this.count), this.draftButton),
      this.status,
      this.editor,
      this.footer,
    );
    this.render();
  }

  focus(): void {
    this.topic.focus();
  }

  render(): void {
    this.topic.placeholder = t("slides.topicPlaceholder");
    this.count.title = t("slides.count");
    this.draftButton.textContent = this.running ? t("ask.cancel") : t("slides.draft");
    this.drawOutline();
  }

  async draft(): Promise<void> {
    if (this.running) {
      await this.backend.cancel(this.running);
      return;
    }
    const topic = this.topic.value.trim();
    if (!topic) return;
    const id = requestId();
    this.running = id;
    this.render();
    try {
      this.deck = await this.backend.outline(id, topic, Number(this.count.value) || 5, (e) => {
        if (e.event === "stage") this.showStatus(stageText(e.stage));
      });
    } catch (error) {
      if (!isCancelled(error)) replace(this.editor, errorBox(error));
      this.deck = null;
    } finally {
      this.running = null;
      this.status.hidden = true;
      this.render();
    }
  }

  private showStatus(text: string): void {
    replace(this.status, el("span", { class: "spinner" }), el("span", { class: "muted" }, text));
    this.status.hidden = false;
  }

  private drawOutline(): void {
    const deck = this.deck;
    if (!deck) {
      if (!this.editor.querySelector(".error")) replace(this.editor, el("p", { class: "empty muted" }, t("slides.empty")));
      replace(this.footer);
      return;
    }
    const title = el("input", { type: "text", class: "deck-title", value: deck.title, "aria-label": t("slides.deckTitle") });
    title.addEventListener("input", () => (deck.title = title.value));
    replace(
      this.editor,
      title,
      ...deck.slides.map((slide, i) => this.slideCard(deck, slide, i)),
      el("button", { class: "ghost", onclick: () => this.addSlide(deck) }, `+ ${t("slides.addSlide")}`),
    );
    replace(
      this.footer,
      el("span", { class: "faint grow", id: "slides-exported" }),
      el("button", { id: "export-md", onclick: () => this.export("markdown") }, t("slides.exportMd")),
      el("button", { class: "primary", id: "export-pptx", onclick: () => this.export("pptx") }, t("slides.exportPptx")),
    );
  }

  private slideCard(deck: Deck, slide: Slide, index: number): HTMLElement {
    const title = el("input", { type: "text", class: "slide-title", value: slide.title });
    title.addEventListener("input", () => (slide.title = title.value));
    const bullets = slide.bullets.map((text, b) => {
      const input = el("input", { type: "text", value: text });
      input.addEventListener("input", () => (slide.bullets[b] = input.value));
      return el("li", {}, input);
    });
    const notes = el("textarea", { rows: 2, placeholder: t("slides.notes") });
    notes.value = slide.notes;
    notes.addEventListener("input", () => (slide.notes = notes.value));
    return el(
      "div",
      { class: "slide-card" },
      el(
        "div",
        { class: "row" },
        el("span", { class: "slide-number" }, String(index + 1)),
        title,
        el("button", { class: "ghost", title: t("slides.removeSlide"), onclick: () => this.removeSlide(deck, index) }, "✕"),
      ),
      el("ul", {}, ...bullets),
      el(
        "button",
        { class: "ghost small", onclick: () => this.addBullet(slide) },
        `+ ${t("slides.addBullet")}`,
      ),
      notes,
    );
  }

  private addSlide(deck: Deck): void {
    deck.slides.push({ title: "", bullets: [""], notes: "" });
    this.drawOutline();
  }

  private removeSlide(deck: Deck, index: number): void {
    deck.slides.splice(index, 1);
    this.drawOutline();
  }

  private addBullet(slide: Slide): void {
    slide.bullets.push("");
    this.drawOutline();
  }

  private async export(format: "pptx" | "markdown"): Promise<void> {
    if (!this.deck) return;
    const note = this.footer.querySelector("#slides-exported") as HTMLElement;
    const deck: Deck = {
      ...this.deck,
      slides: this.deck.slides
        .map((s) => ({ ...s, bullets: s.bullets.filter((b) => b.trim() !== "") }))
        .filter((s) => s.title.trim() !== "" || s.bullets.length > 0),
    };
    try {
      const done = await this.backend.exportDeck(deck, format);
      const path = (format === "pptx" ? done.pptx : done.markdown) ?? "";
      replace(
        note,
        t("slides.exported", { path }),
        " ",
        el("button", { class: "ghost small", onclick: () => this.backend.openPath(path) }, t("slides.open")),
      );
    } catch (error) {
      replace(note, errorBox(error));
    }
  }
}
