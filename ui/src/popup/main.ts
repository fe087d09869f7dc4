import "../styles/base.css";
import "../styles/popup.css";

import { tauriBackend } from "../api/tauri";
import { Popup } from "./popup";

const popup = new Popup(tauriBackend);
document.body.append(popup.root);
void popup.start();
