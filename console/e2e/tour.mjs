// Every demo role's morning, at 1440×900 and at 390×844, in headless Chromium against a live
// platform: each person signs in and lands on their day's work (secretary: new tasks; member:
// the visit list; township: what awaits review; department: its orders; resident: the mailbox),
// then opens every screen their menu or tab bar offers. On every screen: no horizontal
// overflow, no page error, no CSP violation, no failed load, no "#12" in place of a name, no
// enum value or internal name shown to the user. An inbox item opens the thing it is about.
//   CONSOLE_URL, SHOTS_DIR, CHROMIUM as for console.mjs; ROLES (optional) username:landing,...
import { chromium } from 'playwright-core'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'

const CONSOLE_URL = (process.env.CONSOLE_URL || 'http://127.0.0.1:8000/console/').replace(/\/?$/, '/')
const SHOTS = process.env.SHOTS_DIR || new URL('../../var/test-artifacts/console/tour', import.meta.url).pathname
const PASSWORD = process.env.DEMO_PASSWORD || 'Demo@2026'
mkdirSync(SHOTS, { recursive: true })

// who signs in, and where their day starts at each size (path under /console/)
const PEOPLE = [
  { user: 'township', desk: 'tasks/review', phone: 'tasks/review' },
  { user: 'admin', desk: 'tasks/review', phone: 'tasks/review' },
  { user: 'dept', desk: 'matters/orders', phone: 'matters/orders' },
  { user: 'team', desk: 'matters/platform', phone: 'matters/platform' },
  { user: 'secretary', desk: 'tasks/mine', phone: 'm/tasks' },
  { user: 'cadre', desk: 'tasks/mine', phone: 'm/tasks' },
  { user: 'gridworker', desk: 'tasks/mine', phone: 'm/tasks' },
  { user: 'member', desk: 'm/visits', phone: 'm/visits' },
  { user: 'resident', desk: 'm/mailbox', phone: 'm/mailbox' },
]
const SIZES = [
  { name: 'desk', viewport: { width: 1440, height: 900 }, isMobile: false },
  { name: 'phone', viewport: { width: 390, height: 844 }, isMobile: true },
]
// words a user must never read: enum values, role and service names as the code spells them
const LEAKS = /\b(?:[a-z]+_[a-z_]+|pending|dispatched|claimed|submitted|returned|accepted|rejected|screened|resolved|escalated|taken|rated|undefined|null|NaN|tasks|fieldwork|grids|scoring|notify|gateway|Object)\b|\[object |#\d+/

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-dev-shm-usage'],
})
const problems = []
const step = (name) => console.log('· ' + name)

async function newPage(size) {
  const context = await browser.newContext({
    viewport: size.viewport, isMobile: size.isMobile, hasTouch: size.isMobile, locale: 'zh-CN', deviceScaleFactor: 1,
  })
  const page = await context.newPage()
  page.setDefaultTimeout(15000)
  page.on('pageerror', (e) => problems.push(`page error on ${page.url()}: ${e.message}`))
  await context.exposeBinding('reportCspViolation', (_s, v) => problems.push('CSP violation: ' + v))
  await context.addInitScript(() =>
    document.addEventListener('securitypolicyviolation', (e) =>
      window.reportCspViolation(`${e.effectiveDirective} blocked ${e.blockedURI || 'inline'} on ${e.documentURI}`),
    ),
  )
  return page
}

async function settle(page) {
  await page.waitForLoadState('networkidle').catch(() => {})
  await page.waitForTimeout(500)
}

// the checks every screen must pass, then its screenshot
async function check(page, name) {
  await settle(page)
  const where = page.url().replace(CONSOLE_URL, '/')
  const seen = await page.evaluate(() => {
    const text = document.body.innerText
    const failed = [...document.querySelectorAll('.el-alert--error, [data-test=m-load-error]')]
      .filter((el) => el.getBoundingClientRect().height > 0)
      .map((el) => el.innerText.trim().slice(0, 120))
    return { sw: document.documentElement.scrollWidth, iw: window.innerWidth, text, failed }
  })
  if (seen.sw > seen.iw + 1) problems.push(`${name} (${where}): horizontal overflow ${seen.sw} > ${seen.iw}`)
  if (seen.failed.length) problems.push(`${name} (${where}): a load failed: ${seen.failed.join(' | ')}`)
  const leak = seen.text.match(LEAKS)
  if (leak) {
    const at = seen.text.indexOf(leak[0])
    problems.push(`${name} (${where}): shows "${leak[0]}" in "…${seen.text.slice(Math.max(0, at - 30), at + 30).replace(/\s+/g, ' ')}…"`)
  }
  await page.screenshot({ path: join(SHOTS, name + '.png'), fullPage: true })
}

async function login(page, user) {
  await page.goto(CONSOLE_URL + 'login')
  await page.fill('input[name=username]', user)
  await page.fill('input[name=password]', PASSWORD)
  await page.click('[data-test=login-submit]')
  await page.waitForURL((u) => !u.pathname.endsWith('/login'))
  await settle(page)
}

// the screens a person's menu (desktop) or tab bar (phone app) offers, as paths
async function offered(page) {
  if (new URL(page.url()).pathname.startsWith('/console/m/')) {
    const tabs = await page.locator('[data-test^=tab-]').evaluateAll((els) => els.map((e) => e.getAttribute('data-test').slice(4)))
    return tabs.map((t) => ({ kind: 'tab', id: t }))
  }
  const items = await page.locator('[data-test^=menu-]').evaluateAll((els) => els.map((e) => e.getAttribute('data-test').slice(5)))
  return items.map((m) => ({ kind: 'menu', id: m }))
}

async function tour(person, size) {
  const page = await newPage(size)
  const tag = `${person.user}-${size.name}`
  step(`${person.user} at ${size.viewport.width}×${size.viewport.height}`)
  await login(page, person.user)
  const landing = new URL(page.url()).pathname.replace('/console/', '')
  const expected = person[size.name]
  if (landing !== expected) problems.push(`${tag}: landed on /${landing}, not on the day's work /${expected}`)
  await check(page, `${tag}-00-home`)
  const screens = await offered(page)
  if (!screens.length) problems.push(`${tag}: no screens offered`)
  let n = 1
  for (const s of screens) {
    await page.locator(`[data-test=${s.kind}-${s.id}]`).first().click()
    await settle(page)
    await check(page, `${tag}-${String(n++).padStart(2, '0')}-${s.id}`)
  }
  // an inbox item opens the thing it is about
  const phone = new URL(page.url()).pathname.startsWith('/console/m/')
  await page.goto(CONSOLE_URL + (phone ? 'm/me' : 'inbox'))
  await settle(page)
  const link = page.locator(phone ? '[data-test=m-inbox-item].van-cell--clickable' : '[data-test=inbox-open]').first()
  if (await link.count()) {
    const before = page.url()
    await link.click()
    await settle(page)
    if (page.url() === before) problems.push(`${tag}: the inbox item opened nothing`)
    await check(page, `${tag}-${String(n++).padStart(2, '0')}-opened-from-inbox`)
    person.opened = (person.opened || 0) + 1
  }
  await page.context().close()
}

try {
  for (const size of SIZES) for (const person of PEOPLE) await tour(person, size)
  const opened = PEOPLE.filter((p) => p.opened).map((p) => p.user)
  if (!opened.includes('township')) problems.push('the township leader had no inbox item that opens its thing')
  console.log('inbox items opened for: ' + opened.join(', '))
  if (problems.length) throw new Error('\n' + problems.join('\n'))
  console.log('tour e2e: ok')
} catch (err) {
  console.error('tour e2e: FAILED: ' + (err && err.stack ? err.stack : err))
  process.exitCode = 1
} finally {
  await browser.close()
}
