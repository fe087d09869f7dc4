// Voice mode: hold to talk (the on-screen button, Space, the hotkey or the
// mouse button), a level meter and the partial transcript while speaking;
// on release the question is asked in Ask mode.

import type { Backend } from "../api/backend";
import type { CommandError, VoiceEvent } from "../api/types";
import { el, replace } from "../dom";
import { t } from "../i18n";
import { errorBox } from "./errors";

type State = "idle" | "listening" | "transcribing" | "heard" | "nothing";

export class VoiceView {
  readonly root: HTMLElement;
  private readonly mic: HTMLButtonElement;
  private readonly meter: HTMLElement;
  private readonly caption: HTMLElement;
  private readonly transcript: HTMLElement;
  private readonly actions: HTMLElement;
  private state: State = "idle";
  private text = "";

  constructor(
    private readonly backend: Backend,
    private readonly ask: (question: string) => void,
  ) {
    this.meter = el("div", { class: "meter", id: "voice-meter" });
    this.mic = el("button", { class: "mic", id: "voice-mic", "aria-pressed": "false" }, this.meter, micIcon());
    this.mic.addEventListener("pointerdown", () => void this.start());
    this.mic.addEventListener("pointerup", () => void this.stop());
    this.mic.addEventListener("pointerleave", () => {
      if (this.state === "listening") void this.stop();
    });
    this.caption = el("p", { class: "muted caption" });
    this.transcript = el("p", { class: "transcript", id: "voice-transcript" });
    this.actions = el("div", { class: "row center" });
    this.root = el(
      "section",
      { class: "mode voice", id: "mode-voice", tabindex: 0 },
      this.mic,
      this.caption,
      this.transcript,
      this.actions,
    );
    this.root.addEventListener("keydown", (e) => {
      if (e.code === "Space" && !e.repeat) {
        e.preventDefault();
        void this.start();
      }
    });
    this.root.addEventListener("keyup", (e) => {
      if (e.code === "Space") void this.stop();
    });
    this.render();
  }

  focus(): void {
    this.root.focus();
  }

  render(): void {
    const captions: Record<State, string> = {
      idle: t("voice.hold"),
      listening: t("voice.listening"),
      transcribing: t("voice.transcribing"),
      heard: t("voice.heard"),
      nothing: t("voice.nothing"),
    };
    this.caption.textContent = captions[this.state];
    this.mic.setAttribute("aria-pressed", String(this.state === "listening"));
    this.mic.classList.toggle("live", this.state === "listening");
    this.transcript.textContent = this.text;
    replace(
      this.actions,
      this.state === "heard" && this.text
        ? el("button", { onclick: () => this.reset() }, t("voice.again"))
        : null,
      this.state === "heard" && this.text
        ? el("button", { class: "primary", onclick: () => this.ask(this.text) }, t("voice.askIt"))
        : null,
    );
  }

  /** Starts listening (hold-to-talk pressed). */
  async start(): Promise<void> {
    if (this.state === "listening") return;
    this.state = "listening";
    this.text = "";
    this.render();
    try {
      await this.backend.voiceStart((e) => this.onEvent(e));
    } catch (error) {
      this.state = "idle";
      this.render();
      this.actions.append(noMicrophone(error) ? noMicrophoneBox(messageOf(error)) : errorBox(error));
    }
  }

  /** Stops listening (released); the final text arrives as an event. */
  async stop(): Promise<void> {
    if (this.state !== "listening") return;
    this.state = "transcribing";
    this.render();
    await this.backend.voiceStop();
  }

  async cancel(): Promise<void> {
    if (this.state === "listening") await this.backend.voiceCancel();
    this.reset();
  }

  private reset(): void {
    this.state = "idle";
    this.text = "";
    this.render();
  }

  private onEvent(event: VoiceEvent): void {
    if (event.event === "level") {
      this.meter.style.setProperty("--level", String(Math.min(1, Math.max(0, event.value))));
    } else if (event.event === "partial") {
      this.text = event.text;
      this.render();
    } else if (event.event === "nothing") {
      this.state = "nothing";
      this.text = "";
      this.render();
    } else if (event.event === "failed") {
      this.state = "idle";
      this.render();
      this.actions.append(errorBox({ message: event.message }));
    } else {
      this.text = event.text;
      this.state = "heard";
      this.render();
      if (event.text.trim()) this.ask(event.text.trim());
    }
  }
}

/** Starting failed on the input device: none there (whisker-core's code
 * `not_found`), or one that would not open (`io`). A missing speech model is
 * `model`, shown as such. */
function noMicrophone(error: unknown): boolean {
  const code = (error as Partial<CommandError>)?.code;
  return code === "not_found" || code === "io";
}

/** What failed, under a line that says what it means for the user. */
function noMicrophoneBox(detail: string): HTMLElement {
  return el("div", { class: "error", role: "alert" }, el("strong", {}, t("voice.noMic")), el("div", {}, detail));
}

function messageOf(error: unknown): string {
  return (error as Partial<CommandError>)?.message ?? String(error);
}

function micIcon(): SVGElement {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("width", "28");
  svg.setAttribute("height", "28");
  svg.innerHTML =
    '<path fill="currentColor" d="M12 14a3 3 0 0 0 3-3V5a3 3 0 0 0-6 0v6a3 3 0 0 0 3 3Zm5-3a5 5 0 0 1-10 0H5a7 7 0 0 0 6 6.92V21h2v-3.08A7 7 0 0 0 19 11h-2Z"/>';
  return svg;
}
