import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// The page is served by the test from the same origin as the MediaStore API: the SDK's `development`
// environment calls the API at paths relative to the page.
export default defineConfig({
  root: "page",
  base: "/sdk-page/",
  plugins: [react()],
  build: { outDir: "../dist", emptyOutDir: true, chunkSizeWarningLimit: 8000 },
  logLevel: "warn",
});
