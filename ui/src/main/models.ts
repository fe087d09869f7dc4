// Models: what is installed per role, verify against the checksums,
// download with progress, import files the user already has.

import type { Backend } from "../api/backend";
import type { ModelInfo, Role, WorkEvent } from "../api/types";
import { el, replace } from "../dom";
import { bytes, t, type Key } from "../i18n";
import { errorBox } from "../popup/errors";

const ROLES: Role[] = ["generate", "embed", "speech"];

export class ModelsView {
  readonly root: HTMLElement;
  private readonly list: HTMLElement;
  private readonly toolbar: HTMLElement;
  private models: ModelInfo[] = [];
  /** Per model: a line of progress or a verification result. */
  private notes = new Map<string, HTMLElement>();

  constructor(private readonly backend: Backend) {
    this.toolbar = el("div", { class: "row" });
    this.list = el("div", { class: "stack", id: "models" });
    this.root = el("section", { class: "page", id: "page-models" }, this.toolbar, this.list);
    this.render();
  }

  async refresh(): Promise<void> {
    try {
      this.models = await this.backend.models();
      this.render();
    } catch (error) {
      replace(this.list, errorBox(error));
    }
  }

  render(): void {
    replace(
      this.toolbar,
      el("span", { class: "grow" }),
      el("button", { id: "models-import", onclick: () => this.import() }, t("models.import")),
    );
    replace(
      this.list,
      ...ROLES.map((role) =>
        el(
          "div",
          { class: "group" },
          el("h2", {}, t(`models.role.${role}` as Key)),
          ...this.models.filter((m) => m.role === role).map((m) => this.card(m)),
        ),
      ),
    );
  }

  private card(m: ModelInfo): HTMLElement {
    const status: Record<ModelInfo["status"], [string, Key]> = {
      installed: ["ok", "models.installed"],
      missing: ["", "models.missing"],
      partial: ["warn", "models.partial"],
    };
    const [tone, label] = status[m.status];
    const note = this.notes.get(m.id) ?? el("div", { class: "faint" });
    this.notes.set(m.id, note);
    return el(
      "div",
      { class: "model row", "data-id": m.id },
      el(
        "div",
        { class: "grow" },
        el(
          "div",
          { class: "row" },
          el("strong", {}, m.id),
          m.default ? el("span", { class: "chip accent" }, t("models.default")) : null,
          el("span", { class: `chip ${tone}` }, t(label)),
          m.unpinned ? el("span", { class: "chip warn" }, t("models.unpinned")) : null,
        ),
        el("div", { class: "muted" }, m.description),
        el("div", { class: "faint" }, [m.format, m.license, m.size ? bytes(m.size) : ""].filter(Boolean).join(" · ")),
        note,
      ),
      m.status === "installed"
        ? el("button", { onclick: () => this.verify(m, note) }, t("models.verify"))
        : el("button", { class: "primary", onclick: () => this.fetch(m, note) }, t("models.fetch")),
    );
  }

  private async verify(m: ModelInfo, note: HTMLElement): Promise<void> {
    replace(note, el("span", { class: "spinner" }));
    try {
      const ok = await this.backend.verify(m.id);
      replace(note, el("span", { class: ok ? "chip ok" : "chip bad" }, ok ? t("models.verified") : t("models.corrupt")));
    } catch (error) {
      replace(note, errorBox(error));
    }
  }

  private async fetch(m: ModelInfo, note: HTMLElement): Promise<void> {
    const bar = el("div", { style: "width: 0%" });
    let total: number | null = null;
    replace(note, el("div", { class: "progress" }, bar));
    const onEvent = (e: WorkEvent) => {
      if (e.event === "transfer") total = e.total;
      if ((e.event === "transfer" || e.event === "bytes") && total) {
        bar.style.width = `${Math.round((100 * e.done) / total)}%`;
      }
    };
    try {
      await this.backend.fetchModel(m.id, onEvent);
      await this.refresh();
    } catch (error) {
      replace(note, errorBox(error));
    }
  }

  private async import(): Promise<void> {
    try {
      await this.backend.importModel(() => undefined);
      await this.refresh();
    } catch (error) {
      this.toolbar.append(errorBox(error));
    }
  }
}
