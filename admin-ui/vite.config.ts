import { fileURLToPath } from 'node:url'
import { preact } from '@preact/preset-vite'
import { defineConfig } from 'vite'

/** The UI is served by the gateway from admin-ui/dist; `npm run dev` of Vite proxies the API to a local gateway. */
const root = fileURLToPath(new URL('.', import.meta.url))
const gateway = process.env.KEYGATE_DEV_GATEWAY ?? 'http://127.0.0.1:8080'

export default defineConfig({
  root,
  base: '/',
  plugins: [preact()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    // Hashed file names: the gateway serves /assets/* as immutable.
    assetsInlineLimit: 0,
  },
  server: {
    proxy: { '/v1': gateway, '/v2': gateway, '/auth': gateway },
  },
})
