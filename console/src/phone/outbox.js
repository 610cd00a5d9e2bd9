// 待发送: what a member or resident records with no signal (a visit, a mailbox letter) waits on
// the phone, in IndexedDB, and is sent when the network returns: on the `online` event, when the
// app starts, every so often while anything waits, and by 立即发送. One item at a time; each carries
// the client_key made when it was saved, so sending it again (a lost answer, a retry) gives back
// what the API already recorded instead of a second visit. Photos and voice clips wait as blobs
// and are uploaded first; an attachment id, once had, is kept so a retry does not upload twice.
// An item leaves the queue only on a 2xx answer; a refusal (4xx) marks it 发送失败 with the API's
// reason, to retry or delete; a network error or a server error keeps it waiting.
import { reactive, toRaw } from 'vue'
import { api, auth, describeError, isNetworkError } from '../api.js'

const DB_NAME = 'grassroots-outbox'
const STORE = 'items'
const RETRY_MS = 20000

// the signed-in person's waiting items, oldest first; `sent` counts deliveries (screens reload on it)
export const outbox = reactive({ items: [], sending: false, sent: 0 })

let opened
function db() {
  opened ??= new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, 1)
    req.onupgradeneeded = () => req.result.createObjectStore(STORE, { keyPath: 'client_key' })
    req.onsuccess = () => resolve(req.result)
    req.onerror = () => reject(req.error)
  })
  return opened
}

async function run(mode, work) {
  const d = await db()
  return new Promise((resolve, reject) => {
    const t = d.transaction(STORE, mode)
    const req = work(t.objectStore(STORE))
    t.oncomplete = () => resolve(req?.result)
    t.onerror = () => reject(t.error)
    t.onabort = () => reject(t.error)
  })
}

// the raw objects: a Vue proxy cannot be stored
const put = (item) => run('readwrite', (s) => s.put(toRaw(item)))
const remove = (key) => run('readwrite', (s) => s.delete(key))
const all = () => run('readonly', (s) => s.getAll())

export async function refresh() {
  const me = auth.actor?.id
  const items = me == null ? [] : (await all()).filter((i) => i.actor_id === me)
  outbox.items = items.sort((a, b) => (a.created_at < b.created_at ? -1 : 1))
  return outbox.items
}

export function newClientKey() {
  if (globalThis.crypto?.randomUUID) return crypto.randomUUID()
  const b = crypto.getRandomValues(new Uint8Array(16)) // a page served over plain HTTP has no randomUUID
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join('')
}

const PATHS = { visit: '/visits', mailbox: '/mailbox' }

// upload what is not uploaded yet, then send the item with its key; the API's answer, or throws
async function deliver(item, queued) {
  for (const p of item.photos) {
    if (p.attachment_id) continue
    const file = new File([p.blob], p.name || 'photo', { type: p.type || p.blob.type })
    p.attachment_id = (await api.upload('/attachments', file)).id
    p.blob = null
    if (queued) await put(item)
  }
  const body = { ...item.body, client_key: item.client_key, attachment_ids: item.photos.map((p) => p.attachment_id) }
  return api.post(PATHS[item.type], body)
}

function reason(err) {
  const { title, lines } = describeError(err)
  return [title, ...lines].join(';')
}

/**
 * Save `type` ('visit' | 'mailbox') with `body` (the API's body without client_key and
 * attachment_ids) and `photos` ([{ attachment_id } already uploaded, or { blob, name, type }]);
 * `label` names it in the 待发送 list (the household, or what the letter is). Sent at once when
 * there is a signal: { queued: false, result }; kept on the phone when not: { queued: true, item }.
 * A refusal (4xx) is thrown, as before, for the form to show.
 */
export async function record(type, { body, photos = [], label, household_id = null }) {
  const item = {
    client_key: newClientKey(),
    type,
    actor_id: auth.actor?.id,
    label,
    household_id,
    created_at: new Date().toISOString(),
    body,
    photos: photos.map((p) => ({ ...p })),
    attempts: 0,
    status: 'waiting',
    last_error: '',
  }
  if (navigator.onLine !== false) {
    try {
      return { queued: false, result: await deliver(item, false) }
    } catch (err) {
      if (!isNetworkError(err)) throw err
      item.attempts = 1
      item.last_error = reason(err)
    }
  }
  await put(item)
  await refresh()
  schedule()
  return { queued: true, item }
}

/** Send what waits, one at a time; `failed` too when the member asked for it (重试). */
export async function flush({ failed = false } = {}) {
  // the phone knows it has no signal: wait for `online` rather than count failed attempts
  if (outbox.sending || !auth.token || auth.actor?.id == null || navigator.onLine === false) return
  outbox.sending = true
  try {
    for (const item of await refresh()) {
      if (item.status === 'failed' && !failed) continue
      try {
        await deliver(item, true)
        await remove(item.client_key)
        outbox.sent++
      } catch (err) {
        item.attempts = (item.attempts || 0) + 1
        item.last_error = reason(err)
        const refused = err?.status >= 400 && err.status < 500 && err.status !== 401 && err.status !== 408 && err.status !== 429
        item.status = refused ? 'failed' : 'waiting'
        await put(item)
        if (!refused) break // no signal, a server down, or signed out: try again later
      }
    }
  } finally {
    outbox.sending = false
    await refresh().catch(() => {})
    schedule()
  }
}

export async function retry(key) {
  const item = outbox.items.find((i) => i.client_key === key)
  if (item) await put({ ...toRaw(item), status: 'waiting' })
  await flush()
}

export async function discard(key) {
  await remove(key)
  await refresh()
}

let timer = null
function schedule() {
  clearTimeout(timer)
  timer = null
  if (outbox.items.some((i) => i.status === 'waiting')) timer = setTimeout(() => flush(), RETRY_MS)
}

let started = false
/** Once signed in (the phone app's shell): read the queue, send it, and send again on `online`. */
export async function start() {
  if (!started) {
    started = true
    window.addEventListener('online', () => flush())
  }
  try {
    await refresh()
    await flush()
  } catch {
    // IndexedDB unavailable (a private window on some phones): nothing can wait offline
  }
}
