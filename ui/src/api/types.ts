// The shapes whisker-core serialises (serde) and the app's commands return.
// Field names follow the Rust structs; see crates/whisker-core.

export type Location =
  | { type: "lines"; headings: string[]; start: number; end: number }
  | { type: "page"; page: number }
  | { type: "slide"; slide: number }
  | { type: "rows"; sheet: string | null; start: number; end: number }
  | { type: "chapter"; chapter: number; title: string | null; headings: string[] }
  | { type: "paragraphs"; headings: string[]; start: number; end: number };

export interface Source {
  n: number;
  path: string;
  title: string;
  kind: string;
  location: Location;
  /** "report.pdf, page 3" */
  label: string;
  text: string;
  chunk_id: number;
  cited: boolean;
}

export type Basis = "passages" | "documents" | "not_found";

export interface Answer {
  question: string;
  text: string;
  basis: Basis;
  sources: Source[];
  note: string | null;
  finish: string | null;
  stats: { model: string | null; tokens: number; first_token_ms: number | null; total_ms: number };
}

export interface Turn {
  question: string;
  answer: string;
}

export type Stage =
  | "retrieve"
  | "load"
  | "generate"
  | { read: { part: number; parts: number } };

export type Outcome =
  | { status: "indexed"; chunks: number }
  | { status: "unchanged" }
  | { status: "moved"; from: string }
  | { status: "failed"; reason: string }
  | { status: "removed" };

/** Progress of long work, streamed over a channel while a command runs. */
export type WorkEvent =
  | { event: "planned"; files: number; bytes: number }
  | { event: "file"; path: string; bytes: number; outcome: Outcome }
  | { event: "committed" }
  | { event: "embedding"; done: number; total: number }
  | { event: "transfer"; what: string; done: number; total: number | null }
  | { event: "bytes"; done: number }
  | { event: "stage"; stage: Stage; detail: string }
  | { event: "token"; text: string };

export type WriteMode = "polish" | "shorten" | "expand" | "continue" | "translate" | "summarize";

export interface Written {
  text: string;
  sources: Source[];
}

export interface Slide {
  title: string;
  bullets: string[];
  notes: string;
}

export interface Deck {
  title: string;
  subtitle?: string | null;
  slides: Slide[];
  sources: { n: number; label: string }[];
}

export interface Exported {
  pptx: string | null;
  markdown: string | null;
}

export interface DocumentRow {
  path: string;
  title: string;
  kind: string;
  chunks: number;
}

export interface Failure {
  path: string;
  reason: string;
}

export interface LibraryStatus {
  data_dir: string;
  documents: number;
  chunks: number;
  failed: number;
  size_bytes: number;
  embedding_model: string | null;
  embedded_chunks: number;
  failures: Failure[];
}

/** What the indexer is doing now (the app's own view of the running job). */
export interface Indexing {
  running: boolean;
  paused: boolean;
  done: number;
  total: number;
  /** Seconds left, when it can be estimated. */
  eta_s: number | null;
  current: string | null;
  /** Why the last job failed. */
  error: string | null;
  /** Jobs finished so far: when it grows, the library changed. */
  jobs: number;
}

export type Role = "embed" | "generate" | "speech";
export type Presence = "installed" | "missing" | "partial";

export interface ModelInfo {
  id: string;
  role: Role;
  format: string;
  default: boolean;
  description: string;
  license: string;
  size: number | null;
  status: Presence;
  unpinned: boolean;
  files: string[];
}

export type ButtonAction = "popup" | "talk" | "rewrite" | "slides" | "none";
export type Theme = "system" | "light" | "dark";
export type UiLanguage = "system" | "en" | "zh";

export interface Settings {
  hotkey: string;
  /** Mouse button code (X11 numbering: 8 = back, 9 = forward) -> action. */
  buttons: Record<string, ButtonAction>;
  language: UiLanguage;
  theme: Theme;
  speech_language: "auto" | "zh" | "en";
  watched: string[];
}

export interface Transcript {
  text: string;
  language: string;
  segments: { start: number; end: number; text: string }[];
}

/** Live voice input: a level (0..1) while listening, partial text, then the
 * final text, or nothing heard, or a failure (src-tauri/src/commands/voice.rs). */
export type VoiceEvent =
  | { event: "level"; value: number }
  | { event: "partial"; text: string }
  | { event: "final"; text: string }
  | { event: "nothing" }
  | { event: "failed"; message: string };

/** Errors from commands: a fixed code (whisker-core's Error::code) and a message. */
export interface CommandError {
  code: string;
  message: string;
}
