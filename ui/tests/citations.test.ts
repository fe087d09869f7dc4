import { describe, expect, it } from "vitest";

import { answerNodes, shortLabel } from "../src/popup/citations";
import { SOURCES } from "./fake";

describe("answer text", () => {
  it("turns [n] into a badge for sources that exist", () => {
    const opened: number[] = [];
    const [p] = answerNodes("Elements [1] and trustees [2], not [7].", SOURCES, (s) => opened.push(s.n));
    const badges = [...p.querySelectorAll("button.cite")];
    expect(badges.map((b) => b.textContent)).toEqual(["1", "2"]);
    expect(p.textContent).toBe("Elements 1 and trustees 2, not [7].");
    (badges[1] as HTMLButtonElement).click();
    expect(opened).toEqual([2]);
  });

  it("leaves a marker still streaming as text", () => {
    const [p] = answerNodes("Elements [1", SOURCES, () => undefined);
    expect(p.querySelector("button")).toBeNull();
    expect(p.textContent).toBe("Elements [1");
  });

  it("splits paragraphs", () => {
    expect(answerNodes("One.\n\nTwo [1].\n\n\n", SOURCES, () => undefined)).toHaveLength(2);
  });

  it("labels sources by file and place", () => {
    expect(shortLabel(SOURCES[0])).toBe("en_canada_national_hydro_network_data_model.pdf · p. 7");
    expect(shortLabel({ ...SOURCES[0], location: { type: "slide", slide: 4 } })).toContain("#4");
  });
});
