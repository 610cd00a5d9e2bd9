// Chinese labels for the back office's enum values (procedures, the project board, the
// catalogue, imports, hotspots, the ledger chain, subscriptions), and a file download helper.
import { api } from './api.js'

export const EVIDENCE_LABELS = {
  held_at: '会议时间', summary: '情况说明', proposals: '党员群众建议', minutes: '会议记录',
  attendance: '签到名单及人数', votes: '表决结果', photos: '现场照片', notice: '公告及公示期', attachments: '附件',
}
export const PROCEDURE_STATUS = { running: '进行中', returned: '已退回待补正', completed: '已完成' }
export const STEP_STATUS = { waiting: '未开始', open: '进行中', returned: '已退回', completed: '已完成' }
export const STEP_TYPES = { waiting: 'info', open: 'primary', returned: 'danger', completed: 'success' }
export const PROPOSAL_SOURCES = { member: '党员', resident: '群众', cadre: '村干部', organisation: '组织' }
export const PROJECT_STATUS = { open: '竞榜中', awarded: '已揭榜', cancelled: '已撤榜' }
export const BID_STATUS = { submitted: '已竞榜', won: '中榜', lost: '未中榜' }
export const LEVEL_LABELS = { township: '乡镇', village: '村', grid: '网格' }
export const LEDGER_KINDS = { tf: '任务台账', pr: '议事与揭榜台账' }
export const IMPORT_KINDS = { people: '人员', households: '户', links: '联系关系', tree: '组织架构' }
export const LINK_KINDS = { member_household: '党员联户', cadre_grid: '干部包网', team_village: '组团联村' }
export const DELIVERY_STATUS = { pending: '待投递', delivered: '已送达', dead: '投递失败', cancelled: '已取消' }
export const DELIVERY_TYPES = { pending: 'warning', delivered: 'success', dead: 'danger', cancelled: 'info' }
export const PLACE_KINDS = { village: '村', township: '乡镇' }

export function label(map, value) {
  if (value === null || value === undefined || value === '') return '—'
  return map[value] || '其他'
}

// Save an API file (xlsx template or export) under a Chinese name.
export async function download(path, params, filename) {
  const q = params ? '?' + new URLSearchParams(Object.entries(params).filter(([, v]) => v != null && v !== '')).toString() : ''
  const blob = await api.blob(path + q)
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = filename
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 5000)
}
