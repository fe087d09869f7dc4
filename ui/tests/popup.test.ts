import { beforeEach, describe, expect, it, vi } from "vitest";

import { setLocale } from "../src/i18n";
import { Popup } from "../src/popup/popup";
import { FakeBackend } from "./fake";

function mount() {
  const backend = new FakeBackend();
  const popup = new Popup(backend);
  document.body.replaceChildren(popup.root);
  return { backend, popup };
}

const flush = () => new Promise((r) => setTimeout(r, 0));

describe("popup", () => {
  beforeEach(() => setLocale("en"));

  it("asks, streams the answer with citation badges and lists the sources", async () => {
    const { backend, popup } = mount();
    await popup.ask.submit("What is a network linear element?");
    const exchange = document.querySelector(".exchange")!;
    expect(exchange.querySelector(".question")!.textContent).toBe("What is a network linear element?");
    expect([...exchange.querySelectorAll(".answer .cite")].map((b) => b.textContent)).toEqual(["1", "2"]);
    expect(exchange.querySelectorAll(".sources .source.cited")).toHaveLength(2);
    (exchange.querySelector(".answer .cite") as HTMLButtonElement).click();
    expect(backend.calls.at(-1)).toMatchObject({ method: "openSource", args: [{ n: 1 }] });
    expect(exchange.querySelector(".passage")!.textContent).toContain("network linear element");
  });

  it("lists sources the answer did not cite after those it did", async () => {
    const { backend, popup } = mount();
    backend.answer = { ...backend.answer, text: "Segments [2].", sources: backend.answer.sources.map((s) => ({ ...s, cited: s.n === 2 })) };
    await popup.ask.submit("q");
    const chips = [...document.querySelectorAll(".sources .source")];
    expect(chips.map((c) => [c.getAttribute("data-n"), c.classList.contains("cited")])).toEqual([["2", true], ["1", false]]);
  });

  it("sends the conversation so far with a follow-up", async () => {
    const { backend, popup } = mount();
    await popup.ask.submit("first?");
    await popup.ask.submit("and then?");
    const asks = backend.calls.filter((c) => c.method === "ask");
    expect(asks[1].args[2]).toEqual([{ question: "first?", answer: backend.answer.text }]);
    popup.ask.clear();
    expect(document.querySelector(".exchange")).toBeNull();
  });

  it("stops an answer with the stop button", async () => {
    const { backend, popup } = mount();
    const pending = popup.ask.submit("long one");
    await flush();
    (document.getElementById("ask-stop") as HTMLButtonElement).click();
    await pending;
    expect(backend.calls.some((c) => c.method === "cancel")).toBe(true);
    expect(document.querySelector(".exchange")!.textContent).toContain("Stopped.");
  });

  it("switches modes with tabs and Ctrl+digits, and hides on Esc", async () => {
    const { backend, popup } = mount();
    (document.getElementById("tab-slides") as HTMLButtonElement).click();
    expect(popup.current()).toBe("slides");
    document.dispatchEvent(new KeyboardEvent("keydown", { key: "2", ctrlKey: true }));
    expect(popup.current()).toBe("write");
    expect(document.getElementById("mode-write")).not.toBeNull();
    document.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape" }));
    await flush();
    expect(backend.calls.some((c) => c.method === "hidePopup")).toBe(true);
  });

  it("rewrites the selection and pastes it back", async () => {
    const { backend, popup } = mount();
    backend.popupHandlers[0]({ mode: "write", hold: false, released: false });
    await flush();
    expect((document.getElementById("write-source") as HTMLTextAreaElement).value).toBe(backend.selectionText);
    (document.querySelector('[data-mode="translate"]') as HTMLButtonElement).click();
    (document.getElementById("write-to") as HTMLSelectElement).value = "zh";
    await popup.write.run();
    expect(backend.calls.find((c) => c.method === "write")!.args.slice(1, 4)).toEqual([
      "translate",
      backend.selectionText,
      { to: "zh", grounded: false },
    ]);
    expect(document.getElementById("write-result")!.textContent).toBe("The quick brown fox jumps over the lazy dog.");
    (document.getElementById("write-paste") as HTMLButtonElement).click();
    await flush();
    expect(backend.calls.at(-1)).toEqual({ method: "pasteBack", args: ["The quick brown fox jumps over the lazy dog."] });
  });

  it("drafts an outline, edits it and exports without empty bullets", async () => {
    const { backend, popup } = mount();
    popup.show("slides");
    (document.getElementById("slides-topic") as HTMLInputElement).value = "hydro";
    await popup.slides.draft();
    const cards = document.querySelectorAll(".slide-card");
    expect(cards).toHaveLength(2);
    const title = cards[0].querySelector(".slide-title") as HTMLInputElement;
    title.value = "What a hydro network is";
    title.dispatchEvent(new Event("input"));
    (cards[1].querySelector("button.small") as HTMLButtonElement).click(); // an empty bullet
    (document.getElementById("export-pptx") as HTMLButtonElement).click();
    await flush();
    const exported = backend.calls.find((c) => c.method === "exportDeck")!.args[0] as typeof backend.deck;
    expect(exported.slides[0].title).toBe("What a hydro network is");
    expect(exported.slides[1].bullets).toEqual(["UML packages", "Attributes"]);
    expect(document.getElementById("slides-exported")!.textContent).toContain("/home/ana/Whisker/hydro.pptx");
  });

  it("hold-to-talk: listens while held, then asks what was heard", async () => {
    const { backend, popup } = mount();
    backend.popupHandlers[0]({ mode: "voice", hold: true, released: false });
    await flush();
    expect(backend.calls.some((c) => c.method === "voiceStart")).toBe(true);
    backend.voiceHandler!({ event: "level", value: 0.5 });
    backend.voiceHandler!({ event: "partial", text: "what is a" });
    expect(document.getElementById("voice-transcript")!.textContent).toBe("what is a");
    backend.popupHandlers[0]({ mode: "voice", hold: true, released: true });
    await flush();
    expect(backend.calls.some((c) => c.method === "voiceStop")).toBe(true);
    backend.voiceHandler!({ event: "final", text: "what is a network element" });
    await flush();
    expect(popup.current()).toBe("ask");
    expect(backend.calls.find((c) => c.method === "ask")!.args[1]).toBe("what is a network element");
    // The answer streams on after the question is sent: let it finish here,
    // or it would draw into a document that Vitest has already taken down.
    await vi.waitFor(() => expect(document.querySelector(".exchange .sources .source")).not.toBeNull(), {
      timeout: 10_000,
    });
  });

  it("says so when there is no microphone, and when nothing was heard", async () => {
    const { backend, popup } = mount();
    backend.voiceError = { code: "not_found", message: "no audio input device (ALSA host)" };
    popup.show("voice");
    await popup.voice.start();
    const alert = document.querySelector("#mode-voice .error")!;
    expect(alert.textContent).toContain("No microphone could be opened");
    expect(alert.textContent).toContain("no audio input device");
    expect(document.getElementById("voice-mic")!.getAttribute("aria-pressed")).toBe("false");
    backend.voiceError = null;
    await popup.voice.start();
    expect(document.querySelector("#mode-voice .error")).toBeNull();
    backend.voiceHandler!({ event: "nothing" });
    expect(document.querySelector("#mode-voice .caption")!.textContent).toBe("Nothing was heard. Hold the button and speak.");
  });

  it("renders in Chinese", () => {
    mount();
    setLocale("zh");
    expect(document.getElementById("tab-ask")!.textContent).toBe("问答");
    expect((document.getElementById("ask-input") as HTMLTextAreaElement).placeholder).toBe("向你的文档提问…");
  });
});
