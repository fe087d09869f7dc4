import type { CommandError } from "../api/types";
import { el } from "../dom";
import { t } from "../i18n";

/** A command's error as the user sees it. */
export function errorBox(error: unknown): HTMLElement {
  const e = error as Partial<CommandError>;
  const message = e?.message ?? String(error);
  const text = e?.code === "model" ? t("error.model", { message }) : t("error.generic", { message });
  return el("div", { class: "error", role: "alert" }, text);
}

export function isCancelled(error: unknown): boolean {
  return (error as Partial<CommandError>)?.code === "cancelled";
}
