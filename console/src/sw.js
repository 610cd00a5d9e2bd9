// The console's service worker (vite.config.js fills in the build's files): the app's own files
// come from the cache, so the phone app opens with no signal; a page is fetched first and the
// cached one used when the network is gone. The API is never cached (personal data; the phone
// app keeps what it must send in IndexedDB, src/phone/outbox.js).
/* eslint-env serviceworker */
const VERSION = '__VERSION__'
const FILES = [] // __FILES__
const BASE = new URL('./', self.location).pathname // /console/
const CACHE = 'console-' + VERSION

self.addEventListener('install', (event) => {
  // API calls go straight to the network, never through this worker, where the browser can
  if (event.addRoutes) {
    try {
      event.addRoutes({ condition: { urlPattern: new URLPattern({ pathname: '/api/*' }) }, source: 'network' })
    } catch {
      // an older browser: the fetch handler below leaves them alone anyway
    }
  }
  event.waitUntil(
    caches.open(CACHE).then((cache) => cache.addAll([BASE, ...FILES.map((f) => BASE + f)])).then(() => self.skipWaiting()),
  )
})

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith('console-') && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  )
})

self.addEventListener('fetch', (event) => {
  const req = event.request
  const url = new URL(req.url)
  if (req.method !== 'GET' || url.origin !== self.location.origin || !url.pathname.startsWith(BASE)) return
  if (req.mode === 'navigate') {
    // every client-side route is the same index.html
    event.respondWith(
      fetch(req)
        .then((res) => {
          if (res.ok) {
            const copy = res.clone()
            caches.open(CACHE).then((cache) => cache.put(BASE, copy))
          }
          return res
        })
        .catch(() => caches.match(BASE).then((hit) => hit || Response.error())),
    )
    return
  }
  if (url.pathname.startsWith(BASE + 'assets/')) {
    event.respondWith(caches.match(req).then((hit) => hit || fetch(req)))
  }
})
