// Drives the built console in headless Chromium against a live platform.
//   CONSOLE_URL  where the console is served (default http://127.0.0.1:8000/console/)
//   SHOTS_DIR    where screenshots go (default ./e2e-shots)
//   CHROMIUM     the browser binary (default /usr/bin/chromium)
//   SCENARIO     "smoke" (login, org tree, inbox) or "flow" (smoke, then the task round trip)
// Exits non-zero with a message on the first failed check.
import { chromium } from 'playwright-core'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'

const CONSOLE_URL = (process.env.CONSOLE_URL || 'http://127.0.0.1:8000/console/').replace(/\/?$/, '/')
const SHOTS = process.env.SHOTS_DIR || new URL('../../var/test-artifacts/console', import.meta.url).pathname
const PASSWORD = process.env.DEMO_PASSWORD || 'Demo@2026'
const SCENARIO = process.env.SCENARIO || 'smoke'
mkdirSync(SHOTS, { recursive: true })

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-dev-shm-usage'],
})
const problems = []

async function newPage() {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' })
  const page = await context.newPage()
  page.setDefaultTimeout(15000)
  page.on('pageerror', (e) => problems.push('page error: ' + e.message))
  // The gateway serves the console with a Content-Security-Policy; anything it blocks is a
  // broken feature, so every violation fails the run.
  await context.exposeBinding('reportCspViolation', (_source, v) => problems.push('CSP violation: ' + v))
  await context.addInitScript(() =>
    document.addEventListener('securitypolicyviolation', (e) =>
      window.reportCspViolation(`${e.effectiveDirective} blocked ${e.blockedURI || 'inline'} on ${e.documentURI}`),
    ),
  )
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) problems.push('CSP: ' + m.text())
  })
  return page
}

// The policy is enforced, and the listener above hears it: an injected inline script must
// be blocked and reported (and is not counted as a problem of the console).
async function cspIsEnforced() {
  step('CSP blocks an injected inline script')
  const page = await newPage()
  const response = await page.goto(CONSOLE_URL)
  const csp = response.headers()['content-security-policy'] || ''
  if (!/script-src 'self'(;|$)/.test(csp) || /unsafe-eval/.test(csp)) throw new Error('weak or missing CSP: ' + csp)
  await page.waitForSelector('[data-test=login-submit]')
  const before = problems.length
  await page.evaluate(() => {
    const s = document.createElement('script')
    s.textContent = 'window.__injected = true'
    document.body.appendChild(s)
  })
  await page.waitForTimeout(300)
  if (await page.evaluate(() => window.__injected === true)) throw new Error('an inline script ran despite the CSP')
  const reported = problems.splice(before).filter((p) => p.startsWith('CSP'))
  if (!reported.length) throw new Error('the blocked inline script was not reported')
  await page.context().close()
}

function step(name) {
  console.log('· ' + name)
}

async function shot(page, name) {
  await page.waitForTimeout(400) // let charts and transitions settle
  await page.screenshot({ path: join(SHOTS, name + '.png'), fullPage: true })
}

async function login(page, username) {
  step(`login as ${username}`)
  await page.goto(CONSOLE_URL + 'login')
  await page.fill('input[name=username]', username)
  await page.fill('input[name=password]', PASSWORD)
  await page.click('[data-test=login-submit]')
  await page.waitForSelector('[data-test=who]')
}

async function expectText(page, selector, text) {
  const el = page.locator(selector)
  await el.waitFor()
  await page.waitForFunction(
    ([s, t]) => document.querySelector(s) && document.querySelector(s).innerText.includes(t),
    [selector, text],
  ).catch(async () => {
    throw new Error(`expected "${text}" in ${selector}, got: ${(await el.innerText()).slice(0, 300)}`)
  })
}

async function smoke() {
  const page = await newPage()
  await page.goto(CONSOLE_URL)
  await page.waitForSelector('[data-test=login-submit]')
  await shot(page, '01-login')

  // a wrong password shows the API's Chinese title
  await page.fill('input[name=username]', 'township')
  await page.fill('input[name=password]', 'wrong-password')
  await page.click('[data-test=login-submit]')
  await page.waitForSelector('.el-alert--error')

  await login(page, 'township')
  await expectText(page, '[data-test=who]', '镇街分管领导')
  // role-aware menu: the township leader reviews, has no "my tasks" and no department orders
  if (!(await page.locator('[data-test=menu-review]').count())) throw new Error('township leader has no 审核派单 menu')
  if (await page.locator('[data-test=menu-my-tasks]').count()) throw new Error('township leader sees 我的任务')
  if (await page.locator('[data-test=menu-orders]').count()) throw new Error('township leader sees 部门工单')

  step('org tree')
  await page.click('[data-test=menu-org]')
  await expectText(page, '[data-test=org-tree]', '横山镇')
  await expectText(page, '[data-test=org-tree]', '长坑村')
  await page.waitForSelector('[data-test=people-table] .el-table__row')
  await shot(page, '02-org-tree')

  step('inbox')
  await page.click('[data-test=menu-inbox]')
  await page.waitForSelector('[data-test=inbox-table]')
  await shot(page, '03-inbox')

  step('401 returns to login')
  await page.evaluate(() => sessionStorage.setItem('grassroots.token', 'not-a-token'))
  await page.goto(CONSOLE_URL + 'inbox')
  await page.waitForSelector('[data-test=login-submit]')
  await page.context().close()
}

try {
  await cspIsEnforced()
  await smoke()
  if (SCENARIO === 'flow') {
    const { flow } = await import('./flow.mjs')
    await flow({ newPage, login, shot, step, expectText, CONSOLE_URL })
  }
  if (problems.length) throw new Error(problems.join('\n'))
  console.log('console e2e: ok')
} catch (err) {
  console.error('console e2e: FAILED: ' + (err && err.stack ? err.stack : err))
  process.exitCode = 1
} finally {
  await browser.close()
}
