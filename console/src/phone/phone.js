// The phone app (/console/m/...): who lands on it, its tabs per role, and small helpers
// shared by its screens (toasts, names of households, photos as object URLs).
import { reactive, ref } from 'vue'
import { showFailToast, showSuccessToast } from 'vant'
import { api, auth, describeError, isNetworkError, keep, kept } from '../api.js'
import { GROUPS } from '../roles.js'

// the people who work in the field and the residents: on a narrow screen they get the phone app
export const FIELD_ROLES = ['member', 'grid_worker', 'resident', 'village_cadre', 'village_secretary']
export const PHONE_WIDTH = 768

export function isPhoneScreen() {
  return typeof window !== 'undefined' && window.innerWidth < PHONE_WIDTH
}

export function isFieldActor(actor = auth.actor) {
  const roles = actor?.roles || []
  return roles.some((r) => FIELD_ROLES.includes(r))
}

export function has(role, actor = auth.actor) {
  return (actor?.roles || []).includes(role)
}

// the tabs a person sees at the bottom, in order; the first is where they land
export function tabsFor(actor = auth.actor) {
  const tabs = []
  if (has('member', actor)) {
    tabs.push({ name: 'm-visits', title: '走访清单', icon: 'todo-list-o' })
    tabs.push({ name: 'm-feed', title: '走访动态', icon: 'photo-o' })
  }
  if (has('resident', actor)) {
    tabs.push({ name: 'm-mailbox', title: '村民信箱', icon: 'envelop-o' })
    tabs.push({ name: 'm-my-matters', title: '我的诉求', icon: 'records-o' })
  }
  if (GROUPS.VILLAGE_HANDS.some((r) => has(r, actor))) {
    tabs.push({ name: 'm-tasks', title: '我的任务', icon: 'todo-list-o' })
  }
  if (GROUPS.MATTER_HANDLERS.some((r) => has(r, actor))) {
    tabs.push({ name: 'm-matters', title: '待办事项', icon: 'bell' })
  }
  tabs.push({ name: 'm-me', title: '我的', icon: 'user-o' })
  return tabs
}

export function phoneHome(actor = auth.actor) {
  return { name: tabsFor(actor)[0].name }
}

export function done(text) {
  showSuccessToast({ message: text, duration: 2500 })
}

export function warn(text) {
  showFailToast({ message: text, duration: 3500 })
}

export function failed(err, prefix = '', labels = {}) {
  if (err?.status === 401) return
  const { title, lines } = describeError(err, labels)
  showFailToast({ message: [prefix + title, ...lines].join('\n'), duration: 4000 })
}

// a screen may name what it shows in the top bar (a household, a matter)
export const pageTitle = ref('')

// households by id, cached for the session (the visit list carries ids only)
const households = reactive(new Map())
export async function household(id) {
  if (!households.has(id)) {
    try {
      households.set(id, keep('household.' + id, await api.get(`/households/${id}`)))
    } catch (err) {
      const h = isNetworkError(err) && kept('household.' + id)
      if (!h) throw err
      households.set(id, h) // no signal: as read earlier in this session
    }
  }
  return households.get(id)
}

export function householdLabel(h) {
  if (!h) return '(户信息读取中)'
  return `${h.head_name}户`
}

// attachments need the bearer token, so <img> gets an object URL of the downloaded blob
const files = new Map()
export async function attachment(id) {
  if (!files.has(id)) {
    const blob = await api.blob(`/attachments/${id}`)
    files.set(id, { id, url: URL.createObjectURL(blob), type: blob.type || '' })
  }
  return files.get(id)
}
export async function photoUrl(id) {
  return (await attachment(id)).url
}

export function when(iso) {
  if (!iso) return ''
  const d = new Date(iso)
  const p = (n) => String(n).padStart(2, '0')
  return `${d.getMonth() + 1}月${d.getDate()}日 ${p(d.getHours())}:${p(d.getMinutes())}`
}

export function monthLabel(month) {
  if (!month) return ''
  const [y, m] = month.split('-')
  return `${y}年${Number(m)}月`
}

// a phone's position, or null when it is refused, missing or slow
export function locate(timeout = 8000) {
  return new Promise((resolve) => {
    if (!navigator.geolocation) return resolve(null)
    navigator.geolocation.getCurrentPosition(
      (p) => resolve({ lat: p.coords.latitude, lng: p.coords.longitude, accuracy: p.coords.accuracy }),
      () => resolve(null),
      { enableHighAccuracy: true, timeout, maximumAge: 60000 },
    )
  })
}
