import { createRouter, createWebHistory } from 'vue-router'
import { api, auth, clearSession, setUnauthorisedHandler } from './api.js'
import { hasRole, SENDERS, REVIEWERS, WORKERS, PLACE_LEADERS } from './roles.js'

const ALL = null // every signed-in role

// The menu is built from these: `roles` lists who may open the screen (null: everyone).
export const screens = [
  { path: 'tasks/mine', name: 'my-tasks', title: '我的任务', group: '任务办理', roles: WORKERS, component: () => import('./views/MyTasks.vue') },
  { path: 'tasks/review', name: 'review', title: '审核派单', group: '任务办理', roles: SENDERS, component: () => import('./views/TaskReview.vue') },
  { path: 'tasks/progress', name: 'progress', title: '各村进度', group: '任务办理', roles: [...REVIEWERS, 'department_staff', 'team_cadre', 'village_secretary'], component: () => import('./views/Progress.vue') },
  { path: 'matters/platform', name: 'platform', title: '四平台派单', group: '事项协办', roles: REVIEWERS, component: () => import('./views/Matters.vue'), props: { mode: 'platform' } },
  { path: 'matters/orders', name: 'orders', title: '部门工单', group: '事项协办', roles: ['department_staff'], component: () => import('./views/Matters.vue'), props: { mode: 'orders' } },
  { path: 'matters/mine', name: 'matters', title: '事项办理', group: '事项协办', roles: ['village_secretary', 'village_cadre', 'grid_worker', 'member'], component: () => import('./views/Matters.vue'), props: { mode: 'mine' } },
  { path: 'visits', name: 'visits', title: '走访覆盖', group: '三联工作', roles: PLACE_LEADERS, component: () => import('./views/Visits.vue') },
  { path: 'boards', name: 'boards', title: '榜单', group: '评价排名', roles: [...PLACE_LEADERS, 'department_staff', 'member'], component: () => import('./views/Boards.vue') },
  { path: 'grid-colours', name: 'grid-colours', title: '红黄绿网格', group: '评价排名', roles: [...PLACE_LEADERS, 'department_staff'], component: () => import('./views/GridColours.vue') },
  { path: 'stats', name: 'stats', title: '统计分析', group: '评价排名', roles: ['county_admin', 'township_leader', 'village_secretary', 'team_cadre'], component: () => import('./views/Stats.vue') },
  { path: 'org', name: 'org', title: '组织与人员', group: '基础数据', roles: ['county_admin', 'township_leader', 'village_secretary'], component: () => import('./views/OrgBrowser.vue') },
  { path: 'inbox', name: 'inbox', title: '我的消息', group: '个人', roles: ALL, component: () => import('./views/Inbox.vue') },
]

export function allowed(screen) {
  return !screen.roles || hasRole(screen.roles)
}

export function firstScreen() {
  return screens.find(allowed) || screens[screens.length - 1]
}

export const router = createRouter({
  history: createWebHistory('/console/'),
  routes: [
    { path: '/login', name: 'login', component: () => import('./views/Login.vue'), meta: { public: true } },
    {
      path: '/',
      component: () => import('./views/Shell.vue'),
      children: [
        { path: '', name: 'home', redirect: () => ({ name: firstScreen().name }) },
        ...screens.map((s) => ({ path: s.path, name: s.name, component: s.component, props: s.props, meta: { screen: s } })),
      ],
    },
    { path: '/:rest(.*)*', redirect: '/' },
  ],
})

export async function loadActor() {
  if (!auth.token) return null
  if (!auth.actor) auth.actor = await api.get('/me')
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
  } catch {
    clearSession()
    return { name: 'login' }
  }
  const screen = to.meta.screen
  if (screen && !allowed(screen)) return { name: firstScreen().name }
  return true
})
