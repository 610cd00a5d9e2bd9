// Where each person starts, and where an inbox item leads: one place for "what is my work"
// and "open the thing this message is about", for the desktop and the phone app alike.
import { auth } from './api.js'
import { GROUPS } from './roles.js'

const has = (roles, actor = auth.actor) => (actor?.roles || []).some((r) => roles.includes(r))

// The first rule a person's roles meet names their day's work (issue: secretary → new tasks,
// member → the visit list, township → what awaits review, department → its orders).
// `phone`: the phone app's screen, used on a narrow screen and for roles with no desktop work.
const HOMES = [
  { roles: ['township_leader', 'county_admin'], desk: 'review' },
  { roles: ['department_staff'], desk: 'orders' },
  { roles: ['village_secretary'], desk: 'my-tasks', phone: 'm-tasks' },
  { roles: ['village_cadre', 'grid_worker'], desk: 'my-tasks', phone: 'm-tasks' },
  { roles: ['team_cadre'], desk: 'platform' },
  { roles: ['member'], phone: 'm-visits' },
  { roles: ['resident'], phone: 'm-mailbox' },
]

export function homeRule(actor = auth.actor) {
  return HOMES.find((h) => has(h.roles, actor)) || null
}

// True when a person's whole day is in the phone app (a member, a resident): they land there
// whatever the size of the screen.
export function phoneOnly(actor = auth.actor) {
  const rule = homeRule(actor)
  return Boolean(rule && !rule.desk)
}

// An inbox item's `ref` ({kind, id, key}) → a route location, or null when nothing opens.
// `phone`: the phone app is showing, so its screens come first.
export function refTarget(ref, { phone = false, actor = auth.actor } = {}) {
  if (!ref || !ref.kind) return null
  const id = ref.id
  const open = id != null ? { open: String(id) } : {}
  switch (ref.kind) {
    case 'task':
      if (has(GROUPS.TASK_SENDERS, actor)) return { name: 'review', query: open }
      if (has(GROUPS.TASK_WORKERS, actor)) return phone ? { name: 'm-tasks' } : { name: 'my-tasks', query: id != null ? { task: String(id) } : {} }
      return id != null && has(GROUPS.TASK_READERS, actor) ? { name: 'progress', query: { task_id: String(id) } } : null
    case 'assignment':
      if (has(GROUPS.TASK_WORKERS, actor)) return phone ? { name: 'm-tasks' } : { name: 'my-tasks', query: open }
      return has(GROUPS.TASK_READERS, actor) ? { name: 'progress' } : null
    case 'matter':
      if (id == null) return null
      if (phone || phoneOnly(actor)) return { name: 'm-matter', params: { id: String(id) } }
      if (has(['department_staff'], actor)) return { name: 'orders', query: open }
      if (has(GROUPS.MATTER_DISPATCHERS, actor)) return { name: 'platform', query: open }
      return { name: 'matters', query: open }
    case 'visit':
    case 'visit_list':
    case 'alert':
      if (has(['member'], actor)) return { name: 'm-visits' }
      return has(GROUPS.PLACE_LEADERS, actor) ? { name: 'visits' } : null
    case 'procedure':
      return has(GROUPS.TASK_READERS, actor) ? { name: 'procedures', query: open } : null
    case 'project':
      return has(GROUPS.TASK_READERS, actor) ? { name: 'projects', query: open } : null
    case 'hotspot':
      return has(GROUPS.PLACE_LEADERS, actor) ? { name: 'hotspots', query: open } : null
    case 'subscription':
    case 'delivery':
      return has(GROUPS.TOWNSHIP, actor) ? { name: 'subscriptions' } : null
    case 'period':
      return has(GROUPS.SCORE_READERS, actor) || has(['member'], actor) ? { name: 'boards' } : null
    default:
      return null
  }
}

// The id a screen was opened on (`?open=12`), or null.
export function openedId(route) {
  const v = route.query.open
  return typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : null
}
