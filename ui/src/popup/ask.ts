// Ask mode: a conversation. Each question streams its answer with citation
// badges; clicking one opens the file there and shows the passage. Follow-ups
// carry the earlier turns.

import { requestId, type Backend } from "../api/backend";
import type { Answer, Source, Turn, WorkEvent } from "../api/types";
import { el, replace } from "../dom";
import { t } from "../i18n";
import { answerNodes, citeButton, shortLabel } from "./citations";
import { errorBox, isCancelled } from "./errors";
import { stageText } from "./stage";

interface Exchange {
  question: string;
  text: string;
  answer?: Answer;
  node: HTMLElement;
}

export class AskView {
  readonly root: HTMLElement;
  private readonly log: HTMLElement;
  private readonly input: HTMLTextAreaElement;
  private readonly send: HTMLButtonElement;
  private readonly stop: HTMLButtonElement;
  private readonly status: HTMLElement;
  private exchanges: Exchange[] = [];
  private running: string | null = null;

  constructor(private readonly backend: Backend) {
    this.log = el("div", { class: "conversation", "aria-live": "polite" });
    this.input = el("textarea", { id: "ask-input", rows: 1 });
    this.input.addEventListener("keydown", (e) => this.onKey(e));
    this.input.addEventListener("input", () => autosize(this.input));
    this.send = el("button", { class: "primary", id: "ask-send", onclick: () => this.submit() });
    this.stop = el("button", { id: "ask-stop", onclick: () => this.cancel() });
    this.status = el("div", { class: "status row", hidden: true });
    this.root = el(
      "section",
      { class: "mode ask", id: "mode-ask" },
      this.log,
      el("div", { class: "composer" }, this.status, el("div", { class: "row" }, this.input, this.send, this.stop)),
    );
    this.render();
  }

  focus(): void {
    this.input.focus();
  }

  /** Labels in the current language; the conversation itself is kept. */
  render(): void {
    this.input.placeholder = t("ask.placeholder");
    this.send.textContent = t("ask.send");
    this.stop.textContent = t("ask.cancel");
    this.stop.hidden = this.running === null;
    this.send.hidden = this.running !== null;
    if (this.exchanges.length === 0) {
      replace(this.log, el("p", { class: "empty muted" }, t("ask.empty")));
    }
    // Earlier answers keep their text; their labels follow the language.
    for (const label of this.log.querySelectorAll(".sources > .faint")) label.textContent = t("ask.sources");
  }

  /** Starts over (a new conversation). */
  clear(): void {
    this.exchanges = [];
    this.render();
  }

  async submit(question = this.input.value.trim()): Promise<void> {
    if (!question || this.running) return;
    const history: Turn[] = this.exchanges
      .filter((x) => x.answer && x.answer.basis !== "not_found")
      .map((x) => ({ question: x.question, answer: x.answer?.text ?? "" }));
    if (this.exchanges.length === 0) replace(this.log);
    const exchange: Exchange = { question, text: "", node: el("article", { class: "exchange" }) };
    this.exchanges.push(exchange);
    this.log.append(exchange.node);
    this.input.value = "";
    autosize(this.input);
    const id = requestId();
    this.setRunning(id);
    this.draw(exchange);
    try {
      exchange.answer = await this.backend.ask(id, question, history, (e) => this.onEvent(exchange, e));
      exchange.text = exchange.answer.text;
      this.draw(exchange);
    } catch (error) {
      this.draw(exchange, isCancelled(error) ? el("p", { class: "muted" }, t("ask.cancelled")) : errorBox(error));
    } finally {
      this.setRunning(null);
      this.input.focus();
    }
  }

  async cancel(): Promise<void> {
    if (this.running) await this.backend.cancel(this.running);
  }

  private onKey(e: KeyboardEvent): void {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      void this.submit();
    }
  }

  private onEvent(exchange: Exchange, event: WorkEvent): void {
    if (event.event === "stage") {
      this.showStatus(stageText(event.stage));
    } else if (event.event === "token") {
      exchange.text += event.text;
      this.draw(exchange);
    }
  }

  private setRunning(id: string | null): void {
    this.running = id;
    if (id === null) this.status.hidden = true;
    this.render();
  }

  private showStatus(text: string): void {
    replace(this.status, el("span", { class: "spinner" }), el("span", { class: "muted" }, text));
    this.status.hidden = false;
  }

  private draw(exchange: Exchange, extra?: HTMLElement): void {
    const answer = exchange.answer;
    const sources = answer?.sources ?? [];
    const body = el("div", { class: "answer" });
    if (answer?.basis === "not_found") {
      body.append(el("p", { class: "muted" }, answer.text || t("ask.notFound")));
    } else {
      body.append(...answerNodes(exchange.text, sources, (s) => this.openSource(exchange, s)));
    }
    replace(
      exchange.node,
      el("h3", { class: "question" }, exchange.question),
      body,
      answer?.note ? el("p", { class: "faint" }, answer.note) : null,
      sources.length > 0 && answer?.basis !== "not_found" ? this.sourceList(exchange, sources) : null,
      extra,
    );
    this.log.scrollTop = this.log.scrollHeight;
  }

  private sourceList(exchange: Exchange, sources: Source[]): HTMLElement {
    return el(
      "div",
      { class: "sources" },
      el("span", { class: "faint" }, t("ask.sources")),
      // Cited sources first; the others were read too, and are shown dimmed.
      ...[...sources.filter((s) => s.cited), ...sources.filter((s) => !s.cited)]
        .map((s) =>
          el(
            "button",
            {
              class: s.cited ? "source chip cited" : "source chip",
              title: s.label,
              "data-n": s.n,
              onclick: () => this.openSource(exchange, s),
            },
            el("b", {}, String(s.n)),
            shortLabel(s),
          ),
        ),
    );
  }

  /** Opens the file at the cited place and shows the passage under the answer. */
  private openSource(exchange: Exchange, source: Source): void {
    exchange.node.querySelector(".passage")?.remove();
    exchange.node.append(
      el(
        "blockquote",
        { class: "passage" },
        el("div", { class: "row faint" }, citeButton(source, () => undefined), source.label),
        el("p", {}, source.text),
      ),
    );
    void this.backend.openSource(source).catch((error) => exchange.node.append(errorBox(error)));
  }
}

export function autosize(area: HTMLTextAreaElement): void {
  area.style.height = "auto";
  area.style.height = `${Math.min(area.scrollHeight, 160)}px`;
}
