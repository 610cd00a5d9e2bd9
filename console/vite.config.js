// The console is served by the gateway under /console/ and calls the API on the same origin.
// For `npm run dev` / `npm run preview`, /api is proxied to CONSOLE_API (default: make up's port).
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'
import { readFileSync } from 'node:fs'

const api = process.env.CONSOLE_API || 'http://127.0.0.1:8000'
const proxy = { '/api': { target: api, changeOrigin: true } }

// Vant's icon font is embedded as woff2 with a fallback on a CDN; the console's CSP allows
// fonts from its own origin and data: only, and the platform may run offline, so the CDN
// fallback is dropped from the stylesheet.
const vantFontOffline = {
  name: 'vant-font-offline',
  enforce: 'pre',
  transform(code, id) {
    if (!/node_modules[\\/]vant[\\/].*\.css/.test(id)) return null
    return code.replace(/,\s*url\((?:https?:)?\/\/at\.alicdn\.com[^)]*\)\s*format\("woff"\)/g, '')
  },
}

// The phone app must open with no signal (a member in a mountain village): a service worker,
// written here with the list of this build's files, keeps them in the browser's cache. Its bytes
// change with every build (the hashed names change), so a new build replaces the old cache.
const offlineShell = {
  name: 'offline-shell',
  generateBundle(_options, bundle) {
    const files = Object.keys(bundle).filter((f) => f.startsWith('assets/')).sort()
    let hash = 0
    for (const c of files.join('\n')) hash = (hash * 31 + c.codePointAt(0)) >>> 0
    const source = readFileSync(new URL('./src/sw.js', import.meta.url), 'utf8')
      .replace("'__VERSION__'", JSON.stringify(hash.toString(36)))
      .replace('[] // __FILES__', JSON.stringify(files))
    this.emitFile({ type: 'asset', fileName: 'sw.js', source })
  },
}

export default defineConfig({
  base: '/console/',
  plugins: [vantFontOffline, vue(), offlineShell],
  server: { proxy },
  preview: { proxy },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 2000,
    rolldownOptions: {
      output: {
        advancedChunks: {
          groups: [
            { name: 'echarts', test: /node_modules[\\/](echarts|zrender)/ },
            { name: 'vant', test: /node_modules[\\/](vant|@vant)/ },
            { name: 'element-plus', test: /node_modules[\\/](element-plus|@element-plus|@vueuse|@floating-ui|lodash)/ },
          ],
        },
      },
    },
  },
})
