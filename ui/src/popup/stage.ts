// The one-line status shown while Whisker works: "Searching your library…".

import type { Stage } from "../api/types";
import { t } from "../i18n";

export function stageText(stage: Stage): string {
  if (typeof stage === "object") return t("ask.stage.read", stage.read);
  switch (stage) {
    case "retrieve":
      return t("ask.stage.retrieve");
    case "load":
      return t("ask.stage.load");
    case "generate":
      return t("ask.stage.generate");
  }
}
