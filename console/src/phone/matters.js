// Who may do what to a matter on the phone (the same rules as the back office's 事项办理;
// the API stays the authority).
import { auth } from '../api.js'
import { GROUPS } from '../roles.js'
import { has } from './phone.js'

const me = () => auth.actor?.id
export const isOpen = (m) => ['open', 'taken'].includes(m.status)
const atGrid = (m) => (has('member') && m.member_id === me()) || GROUPS.VILLAGE_HANDS.some((r) => has(r))

export function canResolve(m) {
  if (!isOpen(m)) return false
  if (m.level === 'grid') return atGrid(m)
  if (m.level === 'village') return has('village_secretary')
  return false
}
export const canEscalate = (m) => isOpen(m) && ((m.level === 'grid' && atGrid(m)) || (m.level === 'village' && has('village_secretary')))
export const canRate = (m) => m.status === 'resolved' && (m.reporter_id === me() || m.member_id === me())
export const escalateLabel = (m) => (m.level === 'grid' ? '上报村里(难事协办)' : '上报四平台(点兵点将)')

export const SOURCE_LABELS = { visit: '走访诉求', mailbox: '村民信箱', grid: '网格上报', open311: '网上来信' }
export const STATUS_TAGS = { open: 'warning', taken: 'primary', resolved: 'success', rated: 'success' }
