// Mounts one window with the fake backend, in a given mode, theme and
// language, for looking at the design without the app (see index.html).
import "../../src/styles/base.css";

import type { Mode } from "../../src/api/backend";
import { MainWindow, type Section } from "../../src/main/shell";
import { Popup } from "../../src/popup/popup";
import { FakeBackend } from "../fake";

const params = new URLSearchParams(location.search);
const backend = new FakeBackend();
backend.settingsValue.theme = (params.get("theme") as "light" | "dark") ?? "light";
backend.settingsValue.language = (params.get("lang") as "en" | "zh") ?? "en";

if (params.get("view") === "popup") {
  await import("../../src/styles/popup.css");
  document.body.classList.add("popup");
  const popup = new Popup(backend);
  document.body.append(popup.root);
  await popup.start();
  const mode = (params.get("mode") ?? "ask") as Mode;
  popup.show(mode);
  if (mode === "ask") await popup.ask.submit(params.get("lang") === "zh" ? "什么是网络线性要素？" : "What is a network linear element?");
  if (mode === "write") {
    await popup.write.loadSelection();
    await popup.write.run();
  }
  if (mode === "slides") {
    (document.getElementById("slides-topic") as HTMLInputElement).value = "Hydro networks";
    await popup.slides.draft();
  }
} else {
  await import("../../src/styles/main.css");
  backend.indexingValue = { running: true, paused: false, done: 12, total: 40, eta_s: 130, current: "/home/ana/docs/report.pdf", error: null, jobs: 0 };
  const main = new MainWindow(backend);
  document.body.append(main.root);
  await main.start((params.get("section") ?? "library") as Section);
}
