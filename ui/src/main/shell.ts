// The main window: a sidebar (Library, Models, Settings) and the page.

import type { Backend } from "../api/backend";
import { el, replace } from "../dom";
import { onLocaleChange, t, type Key } from "../i18n";
import { applySettings } from "../theme";
import { LibraryView } from "./library";
import { ModelsView } from "./models";
import { SettingsView } from "./settings";

export type Section = "library" | "models" | "settings";
const SECTIONS: Section[] = ["library", "models", "settings"];

export class MainWindow {
  readonly root: HTMLElement;
  private readonly nav: HTMLElement;
  private readonly page: HTMLElement;
  private section: Section = "library";
  readonly library: LibraryView;
  readonly models: ModelsView;
  readonly settings: SettingsView;

  constructor(private readonly backend: Backend) {
    this.library = new LibraryView(backend);
    this.models = new ModelsView(backend);
    this.settings = new SettingsView(backend);
    this.nav = el("nav", { class: "sidebar" });
    this.page = el("main", { class: "content" });
    this.root = el("div", { class: "shell" }, this.nav, this.page);
    onLocaleChange(() => this.render());
    backend.onSettings((settings) => applySettings(settings));
    this.render();
  }

  async start(section: Section = "library"): Promise<void> {
    const settings = await this.backend.settings().catch(() => null);
    if (settings) applySettings(settings);
    await this.show(section);
  }

  async show(section: Section): Promise<void> {
    this.section = section;
    this.render();
    await this.view(section).refresh();
  }

  render(): void {
    replace(
      this.nav,
      el("div", { class: "brand row" }, el("span", { class: "logo" }, "W"), t("app.name")),
      ...SECTIONS.map((s) =>
        el(
          "button",
          { id: `nav-${s}`, "aria-current": String(s === this.section), onclick: () => this.show(s) },
          t(`main.${s}` as Key),
        ),
      ),
    );
    const view = this.view(this.section);
    view.render();
    replace(this.page, el("h1", {}, t(`main.${this.section}` as Key)), view.root);
  }

  private view(section: Section): LibraryView | ModelsView | SettingsView {
    return { library: this.library, models: this.models, settings: this.settings }[section];
  }
}
