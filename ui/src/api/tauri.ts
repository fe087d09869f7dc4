// The Backend over Tauri IPC: one `invoke` per method, streaming through a
// Channel. Command names match src-tauri/src/commands/*.rs.

import { Channel, invoke } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";
import { getCurrentWebview } from "@tauri-apps/api/webview";

import type { Backend, OnEvent, PopupRequest } from "./backend";
import type { CommandError, Settings, VoiceEvent, WorkEvent } from "./types";

function channel(onEvent: OnEvent): Channel<WorkEvent> {
  const ch = new Channel<WorkEvent>();
  ch.onmessage = onEvent;
  return ch;
}

/** Commands reject with `{code, message}`; anything else is wrapped. */
export function asCommandError(error: unknown): CommandError {
  if (error && typeof error === "object" && "code" in error && "message" in error) {
    return error as CommandError;
  }
  return { code: "internal", message: String(error) };
}

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (error) {
    throw asCommandError(error);
  }
}

export const tauriBackend: Backend = {
  ask: (id, question, history, onEvent) =>
    call("ask", { id, question, history, events: channel(onEvent) }),
  write: (id, mode, text, options, onEvent) =>
    call("write", { id, mode, text, to: options.to, grounded: options.grounded, events: channel(onEvent) }),
  outline: (id, topic, slides, onEvent) => call("outline", { id, topic, slides, events: channel(onEvent) }),
  exportDeck: (deck, format) => call("export_deck", { deck, format }),
  cancel: (id) => call("cancel", { id }),
  openSource: (source) => call("open_source", { path: source.path, location: source.location }),
  openPath: (path) => call("open_path", { path }),
  selection: () => call("selection"),
  pasteBack: (text) => call("paste_back", { text }),
  copy: (text) => call("copy_text", { text }),
  voiceStart: (onEvent) => {
    const ch = new Channel<VoiceEvent>();
    ch.onmessage = onEvent;
    return call("voice_start", { events: ch });
  },
  voiceStop: () => call("voice_stop"),
  voiceCancel: () => call("voice_cancel"),
  status: () => call("library_status"),
  documents: () => call("library_documents"),
  add: (paths) => call("library_add", { paths }),
  remove: (path) => call("library_remove", { path }),
  indexing: () => call("indexing"),
  setPaused: (paused) => call("set_paused", { paused }),
  pickFolder: () => call("pick_paths"),
  models: () => call("models_list"),
  verify: (id) => call("models_verify", { id }),
  fetchModel: (id, onEvent) => call("models_fetch", { id, events: channel(onEvent) }),
  importModel: (onEvent) => call("models_import", { events: channel(onEvent) }),
  settings: () => call("settings_get"),
  saveSettings: (settings) => call("settings_set", { settings }),
  hidePopup: () => call("hide_popup"),
  showMain: (section) => call("show_main", { section: section ?? null }),
  onPopup: (handler) => {
    void listen<PopupRequest>("popup", (e) => handler(e.payload));
  },
  onSettings: (handler) => {
    void listen<Settings>("settings", (e) => handler(e.payload));
  },
  onFileDrop: (handler) => {
    void getCurrentWebview().onDragDropEvent((e) => {
      const p = e.payload;
      if (p.type === "drop") handler({ type: "drop", paths: p.paths });
      else if (p.type === "leave") handler({ type: "leave" });
      else handler({ type: "over" });
    });
  },
};
