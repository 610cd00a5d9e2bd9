import { createRouter, createWebHistory } from 'vue-router'
import { api, auth, clearSession, setUnauthorisedHandler } from './api.js'
import { hasRole, SENDERS, REVIEWERS, WORKERS, PLACE_LEADERS } from './roles.js'
import { GROUPS, TASK_READERS, CATALOGUE_ADMINS, ACCOUNT_ADMINS, CHAIN_CHECKERS } from './roles.js'
import { isFieldActor, isPhoneScreen, phoneHome } from './phone/phone.js'
import { homeRule, phoneOnly } from './links.js'

const ALL = null // every signed-in role

// The menu is built from these: `roles` lists who may open the screen (null: everyone).
export const screens = [
  { path: 'tasks/mine', name: 'my-tasks', title: '我的任务', group: '任务办理', roles: WORKERS, component: () => import('./views/MyTasks.vue') },
  { path: 'tasks/review', name: 'review', title: '审核派单', group: '任务办理', roles: SENDERS, component: () => import('./views/TaskReview.vue') },
  { path: 'tasks/progress', name: 'progress', title: '各村进度', group: '任务办理', roles: [...REVIEWERS, 'department_staff', 'team_cadre', 'village_secretary'], component: () => import('./views/Progress.vue') },
  { path: 'matters/platform', name: 'platform', title: '四平台派单', group: '事项协办', roles: GROUPS.MATTER_DISPATCHERS, component: () => import('./views/Matters.vue'), props: { mode: 'platform' } },
  { path: 'matters/orders', name: 'orders', title: '部门工单', group: '事项协办', roles: ['department_staff'], component: () => import('./views/Matters.vue'), props: { mode: 'orders' } },
  { path: 'matters/mine', name: 'matters', title: '事项办理', group: '事项协办', roles: GROUPS.MATTER_HANDLERS, component: () => import('./views/Matters.vue'), props: { mode: 'mine' } },
  { path: 'visits', name: 'visits', title: '走访覆盖', group: '三联工作', roles: PLACE_LEADERS, component: () => import('./views/Visits.vue') },
  { path: 'boards', name: 'boards', title: '榜单', group: '评价排名', roles: GROUPS.STAFF, component: () => import('./views/Boards.vue') },
  { path: 'grid-colours', name: 'grid-colours', title: '红黄绿网格', group: '评价排名', roles: GROUPS.SCORE_READERS, component: () => import('./views/GridColours.vue') },
  { path: 'stats', name: 'stats', title: '统计分析', group: '评价排名', roles: GROUPS.FIGURE_READERS, component: () => import('./views/Stats.vue') },
  { path: 'org', name: 'org', title: '组织与人员', group: '基础数据', roles: ACCOUNT_ADMINS, component: () => import('./views/OrgBrowser.vue') },
  { path: 'procedures', name: 'procedures', title: '议事程序', group: '议事决策', roles: TASK_READERS, component: () => import('./views/Procedures.vue') },
  { path: 'projects', name: 'projects', title: '揭榜挂帅', group: '议事决策', roles: TASK_READERS, component: () => import('./views/Projects.vue') },
  { path: 'hotspots', name: 'hotspots', title: '诉求热点', group: '评价排名', roles: PLACE_LEADERS, component: () => import('./views/Hotspots.vue') },
  { path: 'catalogue', name: 'catalogue', title: '事项清单', group: '基础数据', roles: CATALOGUE_ADMINS, component: () => import('./views/Catalogue.vue') },
  { path: 'imports', name: 'imports', title: '人员与账号', group: '基础数据', roles: ACCOUNT_ADMINS, component: () => import('./views/Imports.vue') },
  { path: 'ledger-chain', name: 'ledger-chain', title: '台账校验', group: '基础数据', roles: CHAIN_CHECKERS, component: () => import('./views/LedgerChain.vue') },
  { path: 'subscriptions', name: 'subscriptions', title: '外部订阅', group: '基础数据', roles: REVIEWERS, component: () => import('./views/Subscriptions.vue') },
  { path: 'inbox', name: 'inbox', title: '我的消息', group: '个人', roles: ALL, component: () => import('./views/Inbox.vue') },
]

export function allowed(screen) {
  return !screen.roles || hasRole(screen.roles)
}

export function firstScreen() {
  // the day's work of the person's role (links.js), else the first screen they may open
  const rule = homeRule()
  const named = rule?.desk && screens.find((s) => s.name === rule.desk)
  if (named && allowed(named)) return named
  return screens.find(allowed) || screens[screens.length - 1]
}

// The phone app under /m/: field roles on a narrow screen land here (unless they chose the
// back office, 电脑版); `roles` as for the desktop screens.
const DESKTOP_KEY = 'grassroots.desktop'
const GRID_ROLES = GROUPS.MATTER_HANDLERS
export const phoneScreens = [
  { path: 'visits', name: 'm-visits', title: '本月走访', roles: ['member'], component: () => import('./phone/MVisits.vue') },
  { path: 'feed', name: 'm-feed', title: '走访动态', roles: ['member'], component: () => import('./phone/MFeed.vue') },
  { path: 'households/:id(\\d+)', name: 'm-household', title: '农户', roles: ['member'], component: () => import('./phone/MHousehold.vue') },
  { path: 'households/:id(\\d+)/visit', name: 'm-visit-new', title: '记录走访', roles: ['member'], component: () => import('./phone/MVisitNew.vue') },
  { path: 'mailbox', name: 'm-mailbox', title: '村民信箱', roles: ['resident'], component: () => import('./phone/MMailbox.vue') },
  { path: 'my-matters', name: 'm-my-matters', title: '我的诉求', roles: ['resident'], component: () => import('./phone/MMatters.vue'), props: { mine: true } },
  { path: 'tasks', name: 'm-tasks', title: '我的任务', roles: WORKERS, component: () => import('./phone/MTasks.vue') },
  { path: 'matters', name: 'm-matters', title: '待办事项', roles: GRID_ROLES, component: () => import('./phone/MMatters.vue') },
  { path: 'matters/:id(\\d+)', name: 'm-matter', title: '事项详情', roles: null, component: () => import('./phone/MMatter.vue') },
  { path: 'me', name: 'm-me', title: '我的', roles: null, component: () => import('./phone/MMe.vue') },
]

function home() {
  const desktopChosen = sessionStorage.getItem(DESKTOP_KEY) === '1'
  if (!desktopChosen && (phoneOnly() || (isPhoneScreen() && isFieldActor()))) return phoneHome()
  return { name: firstScreen().name }
}

export const router = createRouter({
  history: createWebHistory('/console/'),
  routes: [
    { path: '/login', name: 'login', component: () => import('./views/Login.vue'), meta: { public: true } },
    // public pages for people without an account: the household's rating (link in the SMS), a newcomer's letter
    { path: '/m/rate', name: 'm-rate', component: () => import('./phone/MRate.vue'), meta: { public: true } },
    { path: '/m/letter', name: 'm-letter', component: () => import('./phone/MLetter.vue'), meta: { public: true } },
    {
      path: '/m',
      component: () => import('./phone/MShell.vue'),
      children: [
        { path: '', name: 'm-home', redirect: () => phoneHome() },
        ...phoneScreens.map((s) => ({ path: s.path, name: s.name, component: s.component, props: s.props, meta: { screen: s, phone: true, title: s.title } })),
      ],
    },
    {
      path: '/',
      component: () => import('./views/Shell.vue'),
      children: [
        { path: '', name: 'home', component: { render: () => null }, beforeEnter: () => home() },
        ...screens.map((s) => ({ path: s.path, name: s.name, component: s.component, props: s.props, meta: { screen: s } })),
      ],
    },
    { path: '/:rest(.*)*', redirect: '/' },
  ],
})

// who is signed in, kept for the tab's session: with no signal the phone app still opens
const ACTOR_KEY = 'grassroots.actor'
export async function loadActor() {
  if (!auth.token) return null
  if (!auth.actor) {
    try {
      auth.actor = await api.get('/me')
    } catch (err) {
      // no signal or a brief outage (5xx): the person is still signed in; only a 401 signs out
      const kept = err?.status !== 401 && sessionStorage.getItem(ACTOR_KEY)
      if (!kept) throw err
      auth.actor = JSON.parse(kept)
    }
  }
  sessionStorage.setItem(ACTOR_KEY, JSON.stringify(auth.actor))
  return auth.actor
}

setUnauthorisedHandler(() => {
  const here = router.currentRoute.value
  if (here.name !== 'login') router.replace({ name: 'login', query: { next: here.fullPath, expired: '1' } })
})

router.beforeEach(async (to) => {
  if (to.meta.public) return true
  if (!auth.token) return { name: 'login', query: to.fullPath !== '/' ? { next: to.fullPath } : {} }
  try {
    await loadActor()
  } catch (err) {
    if (err?.status === 401) clearSession()
    return { name: 'login', query: err?.status === 401 ? {} : { next: to.fullPath, unavailable: '1' } }
  }
  if (to.query.desktop === '1') sessionStorage.setItem(DESKTOP_KEY, '1')
  if (to.name === 'm-home') sessionStorage.removeItem(DESKTOP_KEY)
  const screen = to.meta.screen
  if (screen && !allowed(screen)) return to.meta.phone ? phoneHome() : { name: firstScreen().name }
  return true
})
