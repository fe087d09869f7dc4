// The library: drop files or folders in, watch indexing progress (pause,
// resume, ETA), see every document with its status and each failure with
// its reason, and the watched folders.

import type { Backend, FileDrop } from "../api/backend";
import type { DocumentRow, Failure, Indexing, LibraryStatus } from "../api/types";
import { el, replace } from "../dom";
import { bytes, duration, t } from "../i18n";
import { errorBox } from "../popup/errors";

export class LibraryView {
  readonly root: HTMLElement;
  private readonly stats: HTMLElement;
  private readonly drop: HTMLElement;
  private readonly progress: HTMLElement;
  private readonly filter: HTMLInputElement;
  private readonly list: HTMLElement;
  private readonly watched: HTMLElement;
  private readonly messages: HTMLElement;
  private status: LibraryStatus | null = null;
  private documents: DocumentRow[] = [];
  private indexing: Indexing | null = null;
  private watchedFolders: string[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly backend: Backend) {
    this.stats = el("p", { class: "muted", id: "library-stats" });
    this.drop = el("div", { class: "dropzone", id: "dropzone" });
    this.progress = el("div", { class: "indexing", id: "indexing" });
    this.filter = el("input", { type: "search", class: "filter", id: "library-filter" });
    this.filter.addEventListener("input", () => this.drawDocuments());
    this.list = el("div", { class: "documents", id: "documents" });
    this.watched = el("div", { class: "watched", id: "watched" });
    this.messages = el("div", {});
    this.root = el(
      "section",
      { class: "page", id: "page-library" },
      this.stats,
      this.drop,
      this.progress,
      this.messages,
      el("div", { class: "columns" }, el("div", { class: "grow stack" }, this.filter, this.list), this.watched),
    );
    backend.onFileDrop((drop) => this.onDrop(drop));
    this.render();
  }

  render(): void {
    this.filter.placeholder = t("library.filter");
    replace(
      this.drop,
      el("strong", {}, t("library.drop")),
      el("span", { class: "faint" }, t("library.dropHint")),
      el("button", { id: "choose-folder", onclick: () => this.choose() }, t("library.choose")),
    );
    this.drawStats();
    this.drawProgress();
    this.drawDocuments();
    this.drawWatched();
  }

  /** Reloads everything from the core and keeps the progress fresh. */
  async refresh(): Promise<void> {
    try {
      const [status, documents, indexing, settings] = await Promise.all([
        this.backend.status(),
        this.backend.documents(),
        this.backend.indexing(),
        this.backend.settings(),
      ]);
      this.status = status;
      this.documents = documents;
      this.indexing = indexing;
      this.watchedFolders = settings.watched;
      this.render();
    } catch (error) {
      replace(this.messages, errorBox(error));
    }
    this.schedule();
  }

  /** Adds dropped or chosen paths; progress comes as events. */
  async add(paths: string[]): Promise<void> {
    if (paths.length === 0) return;
    replace(this.messages);
    try {
      await this.backend.add(paths);
    } catch (error) {
      replace(this.messages, errorBox(error));
    }
    this.indexing = await this.backend.indexing().catch(() => this.indexing);
    this.drawProgress();
    this.schedule();
  }

  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    const busy = this.indexing?.running && !this.indexing.paused;
    this.timer = setTimeout(() => void this.pollProgress(), busy ? 1000 : 5000);
  }

  private async pollProgress(): Promise<void> {
    const before = this.indexing;
    this.indexing = await this.backend.indexing().catch(() => this.indexing);
    // A job ended, or ran and ended between two looks (a watched folder's
    // new file): the documents changed.
    const ended = before?.running && !this.indexing?.running;
    if (ended || (before && this.indexing && this.indexing.jobs !== before.jobs)) {
      await this.refresh();
      return;
    }
    this.drawProgress();
    this.schedule();
  }

  private onDrop(drop: FileDrop): void {
    this.drop.classList.toggle("over", drop.type === "over");
    if (drop.type === "drop") void this.add(drop.paths);
  }

  private async choose(): Promise<void> {
    const paths = await this.backend.pickFolder().catch(() => []);
    await this.add(paths);
  }

  private drawStats(): void {
    const s = this.status;
    this.stats.textContent = s
      ? t("library.stats", { documents: s.documents, chunks: s.chunks, size: bytes(s.size_bytes) })
      : "";
  }

  private drawProgress(): void {
    const ix = this.indexing;
    if (!ix || !ix.running) {
      replace(
        this.progress,
        ix?.error
          ? errorBox({ code: "index", message: ix.error })
          : el("span", { class: "chip ok", id: "index-idle" }, t("library.idle")),
      );
      return;
    }
    const fraction = ix.total > 0 ? ix.done / ix.total : 0;
    replace(
      this.progress,
      el(
        "div",
        { class: "row" },
        el("strong", {}, ix.paused ? t("library.paused") : t("library.indexing", { done: ix.done, total: ix.total })),
        ix.eta_s !== null && !ix.paused ? el("span", { class: "faint" }, t("library.eta", { time: duration(ix.eta_s) })) : null,
        el("span", { class: "grow faint ellipsis" }, ix.current ?? ""),
        el(
          "button",
          { id: "pause", onclick: () => this.setPaused(!ix.paused) },
          ix.paused ? t("library.resume") : t("library.pause"),
        ),
      ),
      el("div", { class: "progress" }, el("div", { style: `width: ${Math.round(fraction * 100)}%` })),
    );
  }

  private async setPaused(paused: boolean): Promise<void> {
    await this.backend.setPaused(paused);
    this.indexing = await this.backend.indexing();
    this.drawProgress();
    this.schedule();
  }

  private drawDocuments(): void {
    const needle = this.filter.value.trim().toLowerCase();
    const failures = this.status?.failures ?? [];
    const rows = this.documents.filter(
      (d) => !needle || d.path.toLowerCase().includes(needle) || d.title.toLowerCase().includes(needle),
    );
    if (rows.length === 0 && failures.length === 0) {
      replace(this.list, el("p", { class: "muted empty" }, t("library.noDocs")));
      return;
    }
    replace(
      this.list,
      el("h2", {}, t("library.documents")),
      ...failures.map(failureRow),
      ...rows.map((d) => this.documentRow(d)),
    );
  }

  private documentRow(d: DocumentRow): HTMLElement {
    return el(
      "div",
      { class: "doc row", "data-path": d.path },
      el("span", { class: `kind kind-${d.kind}` }, kindLabel(d.kind)),
      el(
        "div",
        { class: "grow" },
        el("div", { class: "ellipsis" }, d.title || fileName(d.path)),
        el("div", { class: "faint ellipsis" }, d.path),
      ),
      el("span", { class: "chip ok" }, t("library.chunks", { n: d.chunks })),
      el("button", { class: "ghost small", title: t("library.remove"), onclick: () => this.remove(d.path) }, "✕"),
    );
  }

  private async remove(path: string): Promise<void> {
    await this.backend.remove(path).catch((error) => replace(this.messages, errorBox(error)));
    await this.refresh();
  }

  private drawWatched(): void {
    replace(
      this.watched,
      el("h2", {}, t("library.watched")),
      this.watchedFolders.length === 0
        ? el("p", { class: "faint" }, t("library.noWatched"))
        : el(
            "ul",
            {},
            ...this.watchedFolders.map((f) =>
              el(
                "li",
                { class: "row watched-folder", "data-path": f },
                el("span", { class: "grow ellipsis", title: f }, f),
                el(
                  "button",
                  { class: "ghost small", title: t("library.unwatch"), onclick: () => this.unwatch(f) },
                  "✕",
                ),
              ),
            ),
          ),
    );
  }

  /** Stops watching `folder`; what was indexed from it stays in the library. */
  private async unwatch(folder: string): Promise<void> {
    try {
      const settings = await this.backend.settings();
      const next = { ...settings, watched: settings.watched.filter((f) => f !== folder) };
      this.watchedFolders = (await this.backend.saveSettings(next)).watched;
      this.drawWatched();
    } catch (error) {
      replace(this.messages, errorBox(error));
    }
  }
}

function failureRow(f: Failure): HTMLElement {
  return el(
    "div",
    { class: "doc row failed", "data-path": f.path },
    el("span", { class: "kind bad" }, "!"),
    el(
      "div",
      { class: "grow" },
      el("div", { class: "ellipsis" }, fileName(f.path)),
      el("div", { class: "faint" }, f.reason),
    ),
    el("span", { class: "chip bad" }, t("library.failed")),
  );
}

const KIND_LABELS: Record<string, string> = { markdown: "MD", text: "TXT", code: "CODE" };

/** A short badge for a document kind: "PDF", "DOCX", "MD". */
export function kindLabel(kind: string): string {
  return KIND_LABELS[kind] ?? kind.toUpperCase().slice(0, 4);
}

function fileName(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}
