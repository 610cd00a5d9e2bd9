// Role names as the API spells them, their Chinese labels, and who may do what — the same
// role lists the gateway routes declare, so the console never offers what the API would refuse.
import { auth } from './api.js'

export const ROLE_LABELS = {
  county_admin: '县级管理员',
  township_leader: '镇街分管领导',
  department_staff: '部门工作人员',
  village_secretary: '村党组织书记',
  village_cadre: '村两委干部',
  grid_worker: '网格员',
  member: '联户党员',
  team_cadre: '组团干部',
  resident: '居民',
}

export const SENDERS = ['county_admin', 'department_staff', 'township_leader']
export const REVIEWERS = ['county_admin', 'township_leader']
export const WORKERS = ['village_secretary', 'village_cadre', 'grid_worker']
export const TASK_READERS = [
  'county_admin', 'township_leader', 'department_staff', 'village_secretary',
  'village_cadre', 'grid_worker', 'team_cadre',
]
export const PLACE_LEADERS = [
  'county_admin', 'township_leader', 'village_secretary', 'village_cadre', 'grid_worker', 'team_cadre',
]
export const SCORE_READERS = [
  'county_admin', 'township_leader', 'village_secretary', 'village_cadre', 'grid_worker', 'team_cadre',
  'department_staff',
]

export function roles() {
  return auth.actor?.roles || []
}

export function hasRole(...wanted) {
  const mine = roles()
  return wanted.flat().some((r) => mine.includes(r))
}

export function roleLabels(list) {
  return (list || []).map((r) => ROLE_LABELS[r] || r)
}
