// Vite builds the editor into dist/: index.html plus hashed files under
// assets/ (JavaScript and CSS as files, nothing inline), which `weir serve`
// serves under a strict Content-Security-Policy (docs/editor.md).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    assetsInlineLimit: 0, // no data: URLs for assets: every asset is a file
    cssCodeSplit: false,
    sourcemap: false,
    target: 'es2022',
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 1024,
    rolldownOptions: {
      onwarn(w, warn) {
        if (w.code === 'MODULE_LEVEL_DIRECTIVE') return; // React Flow's "use client": meaningless here
        warn(w);
      },
    },
  },
  oxc: {
    jsx: { runtime: 'automatic' },
  },
  server: {
    // `npm run dev`: the editor from Vite, the API from a local weir serve.
    proxy: { '/api': 'http://127.0.0.1:8420' },
  },
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
  },
});
