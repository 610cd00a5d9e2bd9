import { h } from 'vue'
import { ElMessage } from 'element-plus'
import { api, auth, describeError } from './api.js'

export function showError(err) {
  if (err?.status === 401) return // the router already went back to login
  const { title, lines } = describeError(err)
  ElMessage({
    type: 'error',
    duration: 6000,
    showClose: true,
    message: h('div', { class: 'api-error' }, [h('div', { style: 'font-weight:600' }, title), ...lines.map((l) => h('div', l))]),
  })
}

export function ok(text) {
  ElMessage({ type: 'success', message: text })
}

// Run an action, show its error in Chinese; returns the result or undefined.
export async function attempt(fn, success) {
  try {
    const result = await fn()
    if (success) ok(success)
    return result
  } catch (err) {
    showError(err)
    return undefined
  }
}

export function thisMonth(offset = 0) {
  const d = new Date()
  d.setDate(1)
  d.setMonth(d.getMonth() + offset)
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}`
}

export function monthsBack(n) {
  const out = []
  for (let i = n - 1; i >= 0; i--) out.push(thisMonth(-i))
  return out
}

// every rate in the API is a fraction (0–1)
export function pct(v, digits = 1) {
  if (v === null || v === undefined) return '—'
  return (v * 100).toFixed(digits) + '%'
}

export function fmtTime(v) {
  if (!v) return '—'
  const d = new Date(v.endsWith?.('Z') || /[+-]\d\d:\d\d$/.test(v) ? v : v + 'Z')
  if (Number.isNaN(d.getTime())) return v
  const p = (n) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`
}

// The org tree in scope, once per login: id -> {id, name, level, path, parent_id, children}.
let orgCache = { token: null, promise: null }
export function orgIndex() {
  if (orgCache.token !== auth.token || !orgCache.promise) {
    orgCache = {
      token: auth.token,
      promise: api.get('/org/tree', { depth: 4 }).then((roots) => {
        const index = new Map()
        const walk = (node) => {
          index.set(node.id, node)
          ;(node.children || []).forEach(walk)
        }
        roots.forEach(walk)
        return { roots, index }
      }),
    }
    orgCache.promise.catch(() => (orgCache.promise = null))
  }
  return orgCache.promise
}

export function unitName(index, id) {
  const node = index?.get(id)
  return node ? node.name : '—' // never a bare number: a name not loaded shows a dash
}

// "横山镇 / 长坑村 / 第一网格" from an org path, using the names in scope.
export function pathName(index, path, from = 2) {
  if (!path || !index) return path || '—'
  const ids = path.split('/').filter(Boolean).map(Number)
  return ids.slice(from - 1).filter((id) => index.has(id)).map((id) => unitName(index, id)).join(' / ') || '—'
}

export const STATUS_TYPES = {
  dispatched: 'warning', assigned: 'warning', claimed: 'primary', in_progress: 'primary', submitted: '',
  returned: 'danger', accepted: 'success', needs_code: 'warning', rejected: 'danger', pending_review: 'warning',
  approved: 'primary', done: 'success', open: 'warning', taken: 'primary', resolved: 'success', rated: 'success',
}
