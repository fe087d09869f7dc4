// Answer text with [n] markers -> paragraphs with clickable citation badges.
// Markers that name no source stay plain text (the core already drops them;
// this only guards the display). A marker still being streamed ("[1") is
// left as text until it closes.

import { el } from "../dom";
import type { Source } from "../api/types";

const MARKER = /\[(\d{1,3})\]/g;

export function answerNodes(
  text: string,
  sources: Source[],
  onCite: (source: Source) => void,
): HTMLElement[] {
  const byNumber = new Map(sources.map((s) => [s.n, s]));
  return text
    .split(/\n{2,}/)
    .filter((para) => para.trim() !== "")
    .map((para) => {
      const p = el("p");
      let last = 0;
      for (const match of para.matchAll(MARKER)) {
        const source = byNumber.get(Number(match[1]));
        if (!source) continue;
        p.append(para.slice(last, match.index));
        p.append(citeButton(source, onCite));
        last = (match.index ?? 0) + match[0].length;
      }
      p.append(para.slice(last));
      return p;
    });
}

export function citeButton(source: Source, onCite: (source: Source) => void): HTMLButtonElement {
  return el(
    "button",
    {
      class: "cite",
      title: source.label,
      "data-n": source.n,
      onclick: () => onCite(source),
    },
    String(source.n),
  );
}

/** "report.pdf · p. 3" from the core's label "report.pdf, page 3". */
export function shortLabel(source: Source): string {
  const name = source.path.split(/[\\/]/).pop() ?? source.path;
  switch (source.location.type) {
    case "page":
      return `${name} · p. ${source.location.page}`;
    case "slide":
      return `${name} · #${source.location.slide}`;
    case "rows":
      return `${name} · ${source.location.start}–${source.location.end}`;
    case "lines":
      return `${name} · L${source.location.start}`;
    default:
      return name;
  }
}
