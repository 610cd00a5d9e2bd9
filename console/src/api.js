// The one way the console talks to the gateway: JSON under /api/v1 with the bearer token,
// problem+json errors turned into ApiError (Chinese `title`, field `errors`), 401 back to login.
import { reactive } from 'vue'

const TOKEN_KEY = 'grassroots.token'

export const auth = reactive({
  token: sessionStorage.getItem(TOKEN_KEY) || '',
  actor: null, // /api/v1/me
  unread: 0,
})

let onUnauthorised = () => {}
export function setUnauthorisedHandler(fn) {
  onUnauthorised = fn
}

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.title || `请求失败(${status})`)
    this.status = status
    this.code = problem.code || 'http_' + status
    this.title = problem.title || `请求失败(${status})`
    this.detail = problem.detail || ''
    this.errors = problem.errors || null
  }
}

export function setToken(token) {
  auth.token = token || ''
  if (token) sessionStorage.setItem(TOKEN_KEY, token)
  else sessionStorage.removeItem(TOKEN_KEY)
}

export function clearSession() {
  setToken('')
  auth.actor = null
  auth.unread = 0
  sessionStorage.removeItem('grassroots.actor')
  for (const k of Object.keys(sessionStorage)) if (k.startsWith('grassroots.kept.')) sessionStorage.removeItem(k)
}

// an answer kept for the tab's session, shown when there is no signal (the phone app's lists)
export function keep(key, value) {
  try {
    sessionStorage.setItem('grassroots.kept.' + key, JSON.stringify(value))
  } catch {
    // storage full: the screen just cannot open offline
  }
  return value
}
export function kept(key) {
  const v = sessionStorage.getItem('grassroots.kept.' + key)
  return v ? JSON.parse(v) : undefined
}
export const isNetworkError = (err) => err instanceof ApiError && err.code === 'network'

function query(params) {
  if (!params) return ''
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '') continue
    q.append(k, String(v))
  }
  const s = q.toString()
  return s ? '?' + s : ''
}

async function parseProblem(res) {
  const text = await res.text()
  try {
    return JSON.parse(text)
  } catch {
    return { title: res.status >= 500 ? `服务暂不可用(${res.status})` : `请求失败(${res.status})` }
  }
}

export async function request(method, path, { params, body, form, raw } = {}) {
  const headers = { Accept: 'application/json', 'Accept-Language': 'zh-CN' }
  if (auth.token) headers.Authorization = 'Bearer ' + auth.token
  let payload
  if (form) payload = form
  else if (body !== undefined) {
    headers['Content-Type'] = 'application/json'
    payload = JSON.stringify(body)
  }
  let res
  try {
    res = await fetch('/api/v1' + path + query(params), { method, headers, body: payload })
  } catch {
    throw new ApiError(0, { title: '无法连接到服务器,请检查网络后重试', code: 'network' })
  }
  // the gateway slides the idle timeout by handing back a fresh token on every answer
  const refreshed = res.headers.get('X-Refreshed-Token')
  if (refreshed && auth.token) setToken(refreshed)
  if (res.status === 401 && path !== '/auth/login') {
    const problem = await parseProblem(res)
    clearSession()
    onUnauthorised(problem)
    throw new ApiError(401, problem)
  }
  if (!res.ok) throw new ApiError(res.status, await parseProblem(res))
  if (raw) return res
  if (res.status === 204) return null
  return res.json()
}

export const api = {
  get: (path, params) => request('GET', path, { params }),
  post: (path, body) => request('POST', path, { body: body ?? {} }),
  put: (path, body) => request('PUT', path, { body }),
  patch: (path, body) => request('PATCH', path, { body }),
  del: (path) => request('DELETE', path),
  upload: (path, file) => {
    const form = new FormData()
    form.append('file', file)
    return request('POST', path, { form })
  },
  blob: async (path) => (await request('GET', path, { raw: true })).blob(),
}

// Field names the API may report, in Chinese; a field not listed shows its message alone.
const FIELD_LABELS = {
  username: '用户名', password: '密码', title: '标题', content: '内容', matter_code: '过筛编码',
  target_ids: '派发对象', deadline: '期限', reason: '原因', meeting_date: '会议日期', attendees: '参会人员',
  decision: '讨论决定', minutes: '会议纪要', village_ids: '派发的村', org_unit_id: '组织', grid_id: '网格',
  assignee_id: '办理人', evidence: '佐证', text: '文字说明', photo: '照片', photos: '照片', location: '定位',
  attachment: '附件', attachments: '附件', lat: '纬度', lng: '经度', department_id: '部门', note: '说明',
  rating: '评价', comment: '评价意见', description: '描述', ids: '消息', file: '文件', month: '月份',
  period: '期间', name: '名称', code: '编码', phone: '手机号', from: '开始月份', to: '结束月份', _schema: '',
}

// Turn an error into plain Chinese lines: the problem's title, then each field error.
// `labels` names fields as the form on screen calls them (a resolve form's note is 办理结果).
export function describeError(err, labels = {}) {
  if (!(err instanceof ApiError)) return { title: '操作失败:' + (err?.message || '未知错误'), lines: [] }
  const lines = []
  const walk = (key, value) => {
    const label = labels[key] ?? FIELD_LABELS[key] ?? ''
    if (Array.isArray(value)) {
      if (value.every((v) => typeof v === 'string')) lines.push((label ? label + ':' : '') + value.join(';'))
      else value.forEach((v) => walk(key, v))
    } else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) walk(/^\d+$/.test(k) ? key : k, v)
    } else if (value !== undefined && value !== null) lines.push((label ? label + ':' : '') + String(value))
  }
  if (err.errors) walk('', err.errors)
  if (err.detail && err.detail !== err.title) lines.unshift(err.detail)
  return { title: err.title, lines }
}
