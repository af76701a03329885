// One bundle with fixed file names (app.js, app.css, chunk-*.js) into the package's static
// folder: the server puts a digest of every static file in the URL, so the names need no
// hash, and a rebuild from the same sources gives byte-identical files (web/check.sh).
import { defineConfig } from "vite";

export default defineConfig({
  base: "./",
  publicDir: false,
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    outDir: "../smooth_gql/static/web",
    emptyOutDir: true,
    target: "es2022",
    sourcemap: false,
    modulePreload: false,
    cssCodeSplit: false,
    reportCompressedSize: false,
    rollupOptions: {
      input: "src/main.tsx",
      output: {
        entryFileNames: "app.js",
        chunkFileNames: "chunk-[name].js",
        assetFileNames: "app[extname]",
      },
    },
  },
});
