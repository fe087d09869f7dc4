// An in-memory Backend for UI unit tests and the design preview: scripted
// answers, recorded calls. The real app is tested end to end in tests/app/.

import type { Backend, FileDrop, OnEvent, PopupRequest } from "../src/api/backend";
import type {
  Answer,
  CommandError,
  Deck,
  DocumentRow,
  Indexing,
  LibraryStatus,
  ModelInfo,
  Settings,
  Source,
  VoiceEvent,
} from "../src/api/types";

export const SOURCES: Source[] = [
  {
    n: 1,
    path: "/home/ana/docs/en_canada_national_hydro_network_data_model.pdf",
    title: "National Hydro Network — Data Model",
    kind: "pdf",
    location: { type: "page", page: 7 },
    label: "en_canada_national_hydro_network_data_model.pdf, page 7",
    text: "A network linear element is a segment of the hydrographic network: a watercourse centre line, a delimiter or a connector.",
    chunk_id: 11,
    cited: true,
  },
  {
    n: 2,
    path: "/home/ana/docs/en_chapter13_trustee_handbook.docx",
    title: "Handbook for Chapter 13 Standing Trustees",
    kind: "docx",
    location: { type: "paragraphs", headings: ["Chapter 1"], start: 4, end: 9 },
    label: "en_chapter13_trustee_handbook.docx, paragraphs 4–9",
    text: "The standing trustee administers chapter 13 cases under the supervision of the United States Trustee.",
    chunk_id: 21,
    cited: true,
  },
];

export class FakeBackend implements Backend {
  calls: { method: string; args: unknown[] }[] = [];
  answer: Answer = {
    question: "",
    text: "A network linear element is a segment of the hydrographic network [1]. Trustees are supervised [2].",
    basis: "passages",
    sources: SOURCES,
    note: null,
    finish: "eos",
    stats: { model: "smollm2-135m-instruct-q4_1", tokens: 24, first_token_ms: 420, total_ms: 1800 },
  };
  deck: Deck = {
    title: "Hydro networks",
    slides: [
      { title: "What the network is", bullets: ["Linear elements", "Water bodies", "Junctions"], notes: "See [1]." },
      { title: "How it is modelled", bullets: ["UML packages", "Attributes"], notes: "" },
    ],
    sources: [{ n: 1, label: "en_canada_national_hydro_network_data_model.pdf, page 7" }],
  };
  settingsValue: Settings = {
    hotkey: "Ctrl+Alt+Space",
    buttons: { "8": "talk", "9": "popup" },
    language: "en",
    theme: "system",
    speech_language: "auto",
    watched: ["/home/ana/docs"],
  };
  documentsValue: DocumentRow[] = [
    { path: SOURCES[0].path, title: SOURCES[0].title, kind: "pdf", chunks: 42 },
    { path: SOURCES[1].path, title: SOURCES[1].title, kind: "docx", chunks: 9 },
    { path: "/home/ana/docs/notes/会议纪要.md", title: "会议纪要", kind: "markdown", chunks: 3 },
  ];
  indexingValue: Indexing = { running: false, paused: false, done: 0, total: 0, eta_s: null, current: null, error: null, jobs: 0 };
  modelsValue: ModelInfo[] = [
    {
      id: "smollm2-135m-instruct-q4_1", role: "generate", format: "gguf", default: true,
      description: "SmolLM2-135M-Instruct (English, tiny)", license: "Apache-2.0", size: 98362432,
      status: "installed", unpinned: false, files: ["SmolLM2-135M-Instruct.Q4_1.gguf"],
    },
    {
      id: "qwen2.5-1.5b-instruct-q4_k_m", role: "generate", format: "gguf", default: false,
      description: "Qwen2.5-1.5B-Instruct (Chinese and English)", license: "Apache-2.0", size: 1117320736,
      status: "missing", unpinned: false, files: ["qwen2.5-1.5b-instruct-q4_k_m.gguf"],
    },
    {
      id: "all-minilm-l6-v2", role: "embed", format: "safetensors", default: true,
      description: "all-MiniLM-L6-v2: English sentence embeddings", license: "Apache-2.0", size: 91335235,
      status: "installed", unpinned: false, files: ["model.safetensors"],
    },
    {
      id: "whisper-base", role: "speech", format: "ggml", default: true,
      description: "Whisper base (multilingual)", license: "MIT", size: 147951465,
      status: "partial", unpinned: false, files: ["ggml-model.bin"],
    },
  ];
  selectionText = "the quick brown fox jump over the lazy dog";
  popupHandlers: ((r: PopupRequest) => void)[] = [];
  dropHandlers: ((d: FileDrop) => void)[] = [];
  voiceHandler: ((e: VoiceEvent) => void) | null = null;
  cancelled = new Set<string>();

  private record(method: string, ...args: unknown[]): void {
    this.calls.push({ method, args });
  }

  async ask(id: string, question: string, history: unknown[], onEvent: OnEvent): Promise<Answer> {
    this.record("ask", id, question, history);
    onEvent({ event: "stage", stage: "retrieve", detail: "" });
    onEvent({ event: "stage", stage: "generate", detail: "" });
    for (const piece of this.answer.text.match(/.{1,7}/gs) ?? []) {
      if (this.cancelled.has(id)) throw { code: "cancelled", message: "cancelled" };
      onEvent({ event: "token", text: piece });
      await new Promise((r) => setTimeout(r, 1));
    }
    return { ...this.answer, question };
  }
  async write(id: string, mode: string, text: string, options: unknown, onEvent: OnEvent) {
    this.record("write", id, mode, text, options);
    onEvent({ event: "token", text: "The quick brown fox " });
    onEvent({ event: "token", text: "jumps over the lazy dog." });
    return { text: "The quick brown fox jumps over the lazy dog.", sources: [] };
  }
  async outline(id: string, topic: string, slides: number) {
    this.record("outline", id, topic, slides);
    return structuredClone(this.deck);
  }
  async exportDeck(deck: Deck, format: "pptx" | "markdown") {
    this.record("exportDeck", deck, format);
    return format === "pptx" ? { pptx: "/home/ana/Whisker/hydro.pptx", markdown: null } : { pptx: null, markdown: "/home/ana/Whisker/hydro.md" };
  }
  async cancel(id: string) {
    this.record("cancel", id);
    this.cancelled.add(id);
  }
  async openSource(source: Source) {
    this.record("openSource", source);
  }
  async openPath(path: string) {
    this.record("openPath", path);
  }
  async selection() {
    return this.selectionText;
  }
  async pasteBack(text: string) {
    this.record("pasteBack", text);
  }
  async copy(text: string) {
    this.record("copy", text);
  }
  voiceError: CommandError | null = null;
  async voiceStart(onEvent: (e: VoiceEvent) => void) {
    this.record("voiceStart");
    if (this.voiceError) throw this.voiceError;
    this.voiceHandler = onEvent;
  }
  async voiceStop() {
    this.record("voiceStop");
  }
  async voiceCancel() {
    this.record("voiceCancel");
  }
  async status(): Promise<LibraryStatus> {
    return {
      data_dir: "/home/ana/.local/share/whisker", documents: 3, chunks: 54, failed: 1, size_bytes: 3_400_000,
      embedding_model: "all-minilm-l6-v2", embedded_chunks: 54,
      failures: [{ path: "/home/ana/docs/en_crazy_ones_password_protected.pdf", reason: "the PDF is encrypted (password protected)" }],
    };
  }
  async documents() {
    return this.documentsValue;
  }
  async add(paths: string[]) {
    this.record("add", paths);
  }
  async remove(path: string) {
    this.record("remove", path);
  }
  async indexing() {
    return this.indexingValue;
  }
  async setPaused(paused: boolean) {
    this.record("setPaused", paused);
    this.indexingValue = { ...this.indexingValue, paused };
  }
  async pickFolder() {
    return ["/home/ana/more"];
  }
  async models() {
    return this.modelsValue;
  }
  async verify(id: string) {
    this.record("verify", id);
    return true;
  }
  async fetchModel(id: string, onEvent: OnEvent) {
    this.record("fetchModel", id);
    onEvent({ event: "transfer", what: id, done: 0, total: 100 });
    onEvent({ event: "bytes", done: 100 });
  }
  async importModel() {
    return [];
  }
  async settings() {
    return structuredClone(this.settingsValue);
  }
  async saveSettings(settings: Settings) {
    this.record("saveSettings", settings);
    this.settingsValue = structuredClone(settings);
    return structuredClone(settings);
  }
  async hidePopup() {
    this.record("hidePopup");
  }
  async showMain(section?: string) {
    this.record("showMain", section);
  }
  onPopup(handler: (r: PopupRequest) => void) {
    this.popupHandlers.push(handler);
  }
  onSettings() {}
  onFileDrop(handler: (d: FileDrop) => void) {
    this.dropHandlers.push(handler);
  }
}
