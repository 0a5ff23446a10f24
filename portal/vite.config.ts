// Builds the portal (portal/src) into dist/portal, which `veil serve` and `veil demo` serve at `/`.
// `npm run dev:portal` serves it with hot reload on :5173 and sends /api to a Veil on :8080.
import { fileURLToPath } from 'node:url'
import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('../dist/portal', import.meta.url)),
    emptyOutDir: true,
    // Every asset is a file under /assets: the Content-Security-Policy allows no inline content.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    target: 'es2022',
    reportCompressedSize: false,
  },
  server: { proxy: { '/api': 'http://127.0.0.1:8080' } },
})
