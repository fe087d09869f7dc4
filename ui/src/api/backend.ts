// Everything the UI can ask of Whisker. Each method is one Tauri command in
// src-tauri, which makes one whisker-core call; nothing here has logic of its
// own. Streaming work reports through `onEvent` (a Tauri Channel).

import type {
  Answer,
  ButtonAction,
  Deck,
  DocumentRow,
  Exported,
  Indexing,
  LibraryStatus,
  ModelInfo,
  Settings,
  Source,
  Turn,
  VoiceEvent,
  WorkEvent,
  WriteMode,
  Written,
} from "./types";

export type OnEvent = (event: WorkEvent) => void;

export interface Backend {
  // Ask, write, slides: each takes a request id so `cancel` can stop it.
  ask(id: string, question: string, history: Turn[], onEvent: OnEvent): Promise<Answer>;
  write(
    id: string,
    mode: WriteMode,
    text: string,
    options: { to: "zh" | "en" | null; grounded: boolean },
    onEvent: OnEvent,
  ): Promise<Written>;
  outline(id: string, topic: string, slides: number, onEvent: OnEvent): Promise<Deck>;
  exportDeck(deck: Deck, format: "pptx" | "markdown"): Promise<Exported>;
  cancel(id: string): Promise<void>;

  /** Opens a cited file at its page/slide with the system's opener. */
  openSource(source: Source): Promise<void>;
  /** Opens any file Whisker wrote (an exported deck). */
  openPath(path: string): Promise<void>;

  // The text the user selected in another app, and putting text back there.
  selection(): Promise<string>;
  pasteBack(text: string): Promise<void>;
  copy(text: string): Promise<void>;

  // Voice: hold to talk.
  voiceStart(onEvent: (event: VoiceEvent) => void): Promise<void>;
  voiceStop(): Promise<void>;
  voiceCancel(): Promise<void>;

  // Library.
  status(): Promise<LibraryStatus>;
  documents(): Promise<DocumentRow[]>;
  /** Queues files and folders for the background indexer (see `indexing`). */
  add(paths: string[]): Promise<void>;
  remove(path: string): Promise<void>;
  indexing(): Promise<Indexing>;
  setPaused(paused: boolean): Promise<void>;
  pickFolder(): Promise<string[]>;

  // Models.
  models(): Promise<ModelInfo[]>;
  verify(id: string): Promise<boolean>;
  fetchModel(id: string, onEvent: OnEvent): Promise<void>;
  importModel(onEvent: OnEvent): Promise<string[]>;

  // Settings and windows.
  settings(): Promise<Settings>;
  saveSettings(settings: Settings): Promise<Settings>;
  hidePopup(): Promise<void>;
  showMain(section?: string): Promise<void>;

  // Pushed from the app: a trigger opened the popup; settings changed.
  onPopup(handler: (request: PopupRequest) => void): void;
  onSettings(handler: (settings: Settings) => void): void;
  /** Files dragged over or dropped on the window (paths, from the webview). */
  onFileDrop(handler: (drop: FileDrop) => void): void;
}

export type FileDrop = { type: "over" | "leave" } | { type: "drop"; paths: string[] };

export type Mode = "ask" | "write" | "slides" | "voice";

/** Why the popup was shown: which mode, and whether a talk button is held. */
export interface PopupRequest {
  mode: Mode;
  /** Hold-to-talk: listening starts now and stops on `released`. */
  hold: boolean;
  released: boolean;
}

export const ACTIONS: ButtonAction[] = ["popup", "talk", "rewrite", "slides", "none"];

let counter = 0;
/** A fresh request id for `cancel`. */
export function requestId(): string {
  counter += 1;
  return `r${Date.now().toString(36)}-${counter}`;
}
