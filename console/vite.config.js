// The console is served by the gateway under /console/ and calls the API on the same origin.
// For `npm run dev` / `npm run preview`, /api is proxied to CONSOLE_API (default: make up's port).
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'

const api = process.env.CONSOLE_API || 'http://127.0.0.1:8000'
const proxy = { '/api': { target: api, changeOrigin: true } }

export default defineConfig({
  base: '/console/',
  plugins: [vue()],
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
            { name: 'element-plus', test: /node_modules[\\/](element-plus|@element-plus|@vueuse|@floating-ui|lodash)/ },
          ],
        },
      },
    },
  },
})
