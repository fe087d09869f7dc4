// Two pages: index.html (the main window) and popup.html (the popup), built
// to ui/dist for src-tauri. No remote content: everything is bundled.
import { defineConfig } from "vitest/config";

export default defineConfig({
  clearScreen: false,
  server: { port: 1420, strictPort: true },
  build: {
    target: "safari15",
    outDir: "dist",
    emptyOutDir: true,
    rollupOptions: {
      input: { main: "index.html", popup: "popup.html" },
    },
  },
  test: {
    environment: "jsdom",
    include: ["tests/**/*.test.ts"],
  },
});
