// Who may do what in the console: the same role groups the gateway enforces, so the console
// never offers what the API would refuse.
import { auth } from './api.js'

// The roles, their labels and the groups, as common/roles.py defines them for the services and
// the gateway (which enforces each route's group): written by scripts/gen_docs.py, checked in CI.
// <!-- generated:roles -->
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
  auditor: '审计员',
}
export const GROUPS = {
  COUNTY_ADMIN: ['county_admin'],
  TOWNSHIP: ['county_admin', 'township_leader'],
  TASK_SENDERS: ['county_admin', 'department_staff', 'township_leader'],
  TASK_WORKERS: ['village_secretary', 'village_cadre', 'grid_worker'],
  TASK_READERS: ['county_admin', 'township_leader', 'department_staff', 'village_secretary', 'village_cadre', 'grid_worker', 'team_cadre'],
  PLACE_LEADERS: ['county_admin', 'township_leader', 'village_secretary', 'village_cadre', 'grid_worker', 'team_cadre'],
  CHAIN_READERS: ['county_admin', 'township_leader', 'village_secretary'],
  TASK_FIGURE_READERS: ['county_admin', 'township_leader', 'department_staff', 'village_secretary'],
  FIGURE_READERS: ['county_admin', 'township_leader', 'village_secretary'],
  PROCEDURE_STARTERS: ['village_secretary', 'village_cadre'],
  BIDDERS: ['village_secretary'],
  ACCOUNT_ADMINS: ['county_admin', 'township_leader', 'village_secretary'],
  HOUSEHOLD_KEEPERS: ['county_admin', 'township_leader', 'village_secretary', 'grid_worker'],
  AUDIT_READERS: ['county_admin', 'township_leader', 'auditor'],
  AUDIT_EXPORTERS: ['county_admin', 'auditor'],
  MATTER_DISPATCHERS: ['township_leader', 'county_admin', 'team_cadre'],
  VILLAGE_HANDS: ['village_secretary', 'village_cadre', 'grid_worker'],
  SELF_HANDLERS: ['grid_worker', 'member'],
  DEPARTMENT_DESKS: ['township_leader', 'team_cadre'],
  MATTER_HANDLERS: ['grid_worker', 'village_cadre', 'village_secretary', 'member'],
  SCORE_READERS: ['county_admin', 'township_leader', 'village_secretary', 'village_cadre', 'grid_worker', 'team_cadre', 'department_staff'],
  MEMBER: ['member'],
  RESIDENT: ['resident'],
  DEPARTMENT_STAFF: ['department_staff'],
  ASSIGNERS: ['village_secretary'],
  DISPATCH_DESKS: ['county_admin', 'township_leader', 'team_cadre', 'department_staff'],
  PROCEDURE_FIGURE_READERS: ['county_admin', 'township_leader', 'village_secretary', 'team_cadre'],
  STAFF: ['county_admin', 'township_leader', 'department_staff', 'village_secretary', 'village_cadre', 'grid_worker', 'member', 'team_cadre'],
}
// <!-- /generated:roles -->

export const SENDERS = GROUPS.TASK_SENDERS
export const REVIEWERS = GROUPS.TOWNSHIP
export const WORKERS = GROUPS.TASK_WORKERS
export const TASK_READERS = GROUPS.TASK_READERS
export const PLACE_LEADERS = GROUPS.PLACE_LEADERS
export const SCORE_READERS = GROUPS.SCORE_READERS

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

// the back office's procedures, project board, catalogue, import, ledger and subscription screens
export const VILLAGE_RUNNERS = GROUPS.PROCEDURE_STARTERS
export const CATALOGUE_ADMINS = GROUPS.COUNTY_ADMIN
export const ACCOUNT_ADMINS = GROUPS.ACCOUNT_ADMINS
export const CHAIN_CHECKERS = GROUPS.CHAIN_READERS
