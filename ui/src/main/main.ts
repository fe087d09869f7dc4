import "../styles/base.css";
import "../styles/main.css";

import { tauriBackend } from "../api/tauri";
import { MainWindow, type Section } from "./shell";

const section = (new URLSearchParams(location.search).get("section") ?? "library") as Section;
const main = new MainWindow(tauriBackend);
document.body.append(main.root);
void main.start(section);
