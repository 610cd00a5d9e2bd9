// The back office's procedure, project board, catalogue, import and ledger screens in headless
// Chromium at 1440×900 against a live platform (tests/e2e/test_console.py prepares it):
//   the county admin adds a matter and sees it listed, imports people with one bad row and sees
//   the error beside that row, verifies the ledger chains (完整); the township leader posts a
//   project, the village secretary bids, the township awards it with a reason (已揭榜); the
//   secretary starts 五议两公开, sees a returned step's reasons and completes steps with evidence.
// Every screen: no horizontal overflow, no page error, no CSP violation; screenshots b01-….png.
//   CONSOLE_URL, SHOTS_DIR, CHROMIUM, DEMO_PASSWORD as in console.mjs; RUN_ID makes names unique;
//   PROJECT_MATTER the village-level matter name the project is posted under.
import { chromium } from 'playwright-core'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { tmpdir } from 'node:os'

const CONSOLE_URL = (process.env.CONSOLE_URL || 'http://127.0.0.1:8000/console/').replace(/\/?$/, '/')
const SHOTS = process.env.SHOTS_DIR || new URL('../../var/test-artifacts/console', import.meta.url).pathname
const PASSWORD = process.env.DEMO_PASSWORD || 'Demo@2026'
const RUN = process.env.RUN_ID || String(Date.now() % 100000)
const PROJECT_MATTER = process.env.PROJECT_MATTER || '燃气'
mkdirSync(SHOTS, { recursive: true })
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64')

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-dev-shm-usage'],
})
const problems = []
const step = (name) => console.log('· ' + name)

async function newPage() {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN', acceptDownloads: true })
  const page = await context.newPage()
  page.setDefaultTimeout(15000)
  page.on('pageerror', (e) => problems.push('page error: ' + e.message))
  await context.exposeBinding('reportCspViolation', (_s, v) => problems.push('CSP violation: ' + v))
  await context.addInitScript(() =>
    document.addEventListener('securitypolicyviolation', (e) => window.reportCspViolation(`${e.effectiveDirective} blocked ${e.blockedURI || 'inline'}`)),
  )
  return page
}

async function login(page, username) {
  step(`login as ${username}`)
  await page.goto(CONSOLE_URL + 'login')
  await page.fill('input[name=username]', username)
  await page.fill('input[name=password]', PASSWORD)
  await page.click('[data-test=login-submit]')
  await page.waitForSelector('[data-test=who]')
}

// neither the page nor the main pane scrolls sideways
async function noOverflow(page, where) {
  const o = await page.evaluate(() => {
    const d = document.documentElement
    const main = document.querySelector('.el-main')
    return { page: d.scrollWidth - d.clientWidth, main: main ? main.scrollWidth - main.clientWidth : 0 }
  })
  if (o.page > 1 || o.main > 1) throw new Error(`${where}: horizontal overflow (page ${o.page}px, main ${o.main}px)`)
}

async function shot(page, name) {
  await page.waitForTimeout(400)
  await noOverflow(page, name)
  await page.screenshot({ path: join(SHOTS, name + '.png'), fullPage: true })
}

async function expectText(locator, text, what) {
  await locator.filter({ hasText: text }).first().waitFor().catch(async () => {
    throw new Error(`expected "${text}" in ${what}, got: ${((await locator.first().innerText().catch(() => '')) || '').slice(0, 300)}`)
  })
}

async function message(page, text) {
  await expectText(page.locator('.el-message'), text, 'the message')
}

// a text box by data-test: Element Plus puts the attribute on the input itself
const field = (scope, name) => scope.locator(`input[data-test=${name}], textarea[data-test=${name}], [data-test=${name}] input, [data-test=${name}] textarea`).first()

async function pick(page, trigger, text) {
  await trigger.click()
  await page.locator('.el-select-dropdown__item:visible', { hasText: text }).first().click()
}

async function noIds(page, where) {
  // names, never the API's enum values, shown to the user
  const body = await page.locator('.el-main').innerText()
  const leaked = body.match(/\b(open|awarded|running|returned|completed|submitted|won|lost|village|township|county_admin|village_secretary|undefined|null)\b/)
  if (leaked) throw new Error(`${where}: shows "${leaked[0]}" to the user`)
}

async function countyAdmin() {
  const page = await newPage()
  await login(page, 'admin')
  for (const m of ['catalogue', 'imports', 'ledger-chain', 'subscriptions', 'hotspots', 'projects', 'procedures']) {
    if (!(await page.locator(`[data-test=menu-${m}]`).count())) throw new Error('county admin has no menu ' + m)
  }

  step('catalogue: add a matter')
  const matter = `村级文化广场维护${RUN}`
  await page.click('[data-test=menu-catalogue]')
  await page.locator('[data-test=catalogue-table] .el-table__row').first().waitFor()
  await page.click('[data-test=catalogue-add]')
  const form = page.locator('[data-test=catalogue-form]')
  await form.locator('input[name=code]').fill(`BO${RUN}`)
  await form.locator('input[name=name]').fill(matter)
  await form.locator('input[name=category]').fill('公共服务')
  await form.locator('input[name=department]').fill('县文广旅体局')
  await page.click('[data-test=catalogue-save]')
  await message(page, `已新增事项“${matter}”`)
  await field(page, 'catalogue-search').fill(matter)
  await page.keyboard.press('Enter')
  const row = page.locator('[data-test=catalogue-table] .el-table__row', { hasText: matter })
  await row.waitFor()
  await expectText(row, '在用', 'the new matter row')
  await expectText(row, '村', 'the new matter row')
  await noIds(page, 'catalogue')
  await shot(page, 'b01-catalogue-added')

  step('import people: one bad row, its error beside it')
  await page.click('[data-test=menu-imports]')
  await page.locator('[data-test=import-template]').waitFor()
  const download = page.waitForEvent('download')
  await page.click('[data-test=import-template]')
  if (!(await download).suggestedFilename().endsWith('.xlsx')) throw new Error('the template is not an .xlsx')
  const csv = join(tmpdir(), `people-${RUN}.csv`)
  writeFileSync(
    csv,
    '\uFEFF编号,姓名,手机,身份证号,角色,所属组织编码,部门编码,组团编码,账号\n' +
      `BOP${RUN}1,王建国,13900001111,,村两委干部,${process.env.VILLAGE_CODE || 'V001'},,,\n` +
      `BOP${RUN}2,李秀英,13900002222,,村两委干部,NOSUCH${RUN},,,\n`,
  )
  await page.locator('[data-test=import-upload] input[type=file]').setInputFiles(csv)
  await page.locator('[data-test=import-failure]').waitFor()
  const bad = page.locator('[data-test=import-rows] .el-table__row', { hasText: '李秀英' })
  await bad.waitFor()
  await expectText(page.locator('[data-test=row-error-3]'), `NOSUCH${RUN}`, 'the bad row (row 3)')
  await expectText(page.locator('[data-test=row-error-3]'), '不存在', 'the bad row (row 3)')
  if (await page.locator('[data-test=row-error-2]').count()) throw new Error('the good row shows an error: ' + (await page.locator('[data-test=row-error-2]').first().innerText()))
  await shot(page, 'b02-import-row-error')

  step('accounts tab')
  await page.locator('.el-tabs__item', { hasText: '登录账号' }).click()
  await page.locator('[data-test=accounts-table] .el-table__row').first().waitFor()
  await shot(page, 'b03-accounts')

  step('hotspots and subscriptions load')
  await page.click('[data-test=menu-hotspots]')
  await page.locator('[data-test=hotspot-table]').waitFor()
  await page.waitForSelector('[data-test=hotspot-table] .el-table__empty-text, [data-test=hotspot-table] .el-table__row')
  if (await page.locator('.el-alert--error').count()) throw new Error('hotspots failed to load: ' + (await page.locator('.el-alert--error').innerText()))
  await shot(page, 'b05-hotspots')
  await page.click('[data-test=menu-subscriptions]')
  await page.waitForSelector('[data-test=subscription-table] .el-table__empty-text, [data-test=subscription-table] .el-table__row')
  if (await page.locator('.el-alert--error').count()) throw new Error('subscriptions failed to load')
  await shot(page, 'b06-subscriptions')

  step('the same screens at 390×844: no sideways page scrolling')
  await page.setViewportSize({ width: 390, height: 844 })
  for (const m of ['catalogue', 'imports', 'ledger-chain', 'hotspots', 'subscriptions', 'projects', 'procedures']) {
    await page.goto(CONSOLE_URL + m)
    await page.waitForSelector('.page-title h2')
    await page.waitForTimeout(300)
    const over = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
    if (over > 1) throw new Error(`${m} at 390 px: the page scrolls sideways by ${over}px`)
  }
  await page.goto(CONSOLE_URL + 'catalogue')
  await page.locator('[data-test=catalogue-table] .el-table__row').first().waitFor()
  await page.screenshot({ path: join(SHOTS, 'b07-catalogue-390.png') })
  await page.context().close()
  return matter
}

function localMinute(d) {
  const p = (n) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`
}

async function projectBoard() {
  const title = `村级光伏试点${RUN}`
  const reason = '方案完整、群众基础好、已有屋顶资源'
  step('township posts a project')
  let page = await newPage()
  await login(page, 'township')
  await page.click('[data-test=menu-projects]')
  await page.click('[data-test=project-post]')
  const form = page.locator('[data-test=project-form]')
  await form.locator('input[name=title]').fill(title)
  await form.locator('textarea[name=description]').fill('在一个村试点屋顶光伏,收益用于村集体经济。')
  await form.locator('textarea[name=criteria]').fill('实施方案可行\n群众支持度')
  await pick(page, form.locator('[data-test=project-matter]'), PROJECT_MATTER)
  // bidding closes at the start of the minute after next: 60–120 s from now
  const deadline = new Date(Date.now() + 120e3)
  deadline.setSeconds(0, 0)
  const date = form.locator('.el-date-editor input').first()
  await date.fill(localMinute(deadline))
  await date.press('Enter')
  await page.locator('.el-dialog__header', { hasText: '发布揭榜项目' }).click()
  await page.click('[data-test=project-submit]')
  await message(page, `已发布揭榜项目“${title}”`)
  await expectText(page.locator('[data-test=project-table] .el-table__row', { hasText: title }), '竞榜中', 'the posted project')
  await shot(page, 'b10-project-posted')
  await page.context().close()

  step('village secretary bids')
  page = await newPage()
  await login(page, 'secretary')
  await page.click('[data-test=menu-projects]')
  await page.locator('[data-test=project-table] .el-table__row', { hasText: title }).click()
  const drawer = page.locator('[data-test=project-detail]')
  await field(drawer, 'bid-case').waitFor()
  await field(drawer, 'bid-case').fill('本村已有 40 户屋顶可用,村两委与群众已讨论同意,由村股份经济合作社实施。')
  await drawer.locator('[data-test=bid-submit]').click()
  await message(page, `已提交“${title}”的竞榜材料`)
  await expectText(drawer.locator('[data-test=bids]'), '已竞榜', 'the bid card')
  await shot(page, 'b11-project-bid')
  const village = (await drawer.locator('[data-test=bids] .bid-head b').first().innerText()).trim()
  await page.context().close()

  const wait = deadline.getTime() + 2000 - Date.now()
  step(`wait ${Math.round(wait / 1000)} s for bidding to close`)
  if (wait > 0) await new Promise((r) => setTimeout(r, wait))

  step('township compares and awards with a reason')
  page = await newPage()
  await login(page, 'township')
  await page.click('[data-test=menu-projects]')
  await page.locator('[data-test=project-table] .el-table__row', { hasText: title }).click()
  const d2 = page.locator('[data-test=project-detail]')
  await field(d2, 'award-reason').waitFor()
  await d2.locator('[data-test=bids] .el-radio').first().click()
  await field(d2, 'award-reason').fill(reason)
  await shot(page, 'b12-project-compare')
  await d2.locator('[data-test=award-submit]').click()
  await page.locator('.el-message-box').waitFor()
  await expectText(page.locator('.el-message-box'), village, 'the award confirmation')
  await page.locator('.el-message-box .el-button--primary').click()
  await message(page, `已揭榜:“${title}”由${village}承接`)
  await expectText(d2.locator('[data-test=project-status]'), '已揭榜', 'the project status')
  await expectText(d2.locator('[data-test=project-winner]'), village, 'the winner')
  await expectText(d2, reason, 'the award reason')
  await expectText(d2.locator('[data-test=bids]'), '中榜', 'the winning bid')
  await noIds(page, 'project board')
  await shot(page, 'b13-project-awarded')
  await page.context().close()
  console.log(`PROJECT ${title} ${village}`)
}

async function procedure() {
  const title = `村道硬化工程${RUN}`
  step('secretary starts 五议两公开')
  const page = await newPage()
  await login(page, 'secretary')
  await page.click('[data-test=menu-procedures]')
  await page.click('[data-test=procedure-start]')
  const form = page.locator('[data-test=procedure-form]')
  await pick(page, form.locator('[data-test=procedure-template]'), '五议两公开')
  await form.locator('input[name=title]').fill(title)
  await page.click('[data-test=procedure-start-submit]')
  await message(page, `已启动五议两公开:${title}`)
  const drawer = page.locator('[data-test=procedure-detail]')
  const stepForm = drawer.locator('[data-test=step-form]')
  await expectText(stepForm, '党员群众建议', 'the first step')

  step('an incomplete step is returned with its reasons')
  await field(stepForm, 'ev-summary').fill('收集党员群众对村道硬化的建议。')
  await drawer.locator('[data-test=step-complete]').click()
  await expectText(drawer.locator('[data-test=procedure-returned]'), '党员群众建议', 'the returned step')
  await expectText(drawer.locator('[data-test=procedure-status]'), '已退回', 'the procedure status')
  await shot(page, 'b20-procedure-returned')

  step('complete the step with its evidence')
  await field(stepForm, 'ev-proposal-0').fill('村口到学校的路雨天泥泞,建议硬化。')
  await drawer.locator('[data-test=step-complete]').click()
  await message(page, '“党员群众建议”已完成')
  await expectText(stepForm, '村党组织提议', 'the second step')

  step('the second step with its minutes uploaded')
  const minutes = join(tmpdir(), `minutes-${RUN}.png`)
  writeFileSync(minutes, PNG)
  await stepForm.locator('[data-test=ev-upload-minutes] input[type=file]').setInputFiles(minutes)
  await stepForm.locator('.el-upload-list__item.is-success').first().waitFor()
  const nums = stepForm.locator('.el-input-number input')
  // attendance: 7 of 7 present; votes 6 for, 1 against
  await nums.nth(0).fill('7')
  await nums.nth(1).fill('7')
  await stepForm.locator('textarea').last().fill('张三、李四、王五、赵六、钱七、孙八、周九')
  await nums.nth(2).fill('6')
  await nums.nth(3).fill('1')
  await nums.nth(4).fill('0')
  await stepForm.locator('.el-card__header').click()
  await drawer.locator('[data-test=step-complete]').click()
  await message(page, '“村党组织提议”已完成')
  await expectText(stepForm, '村“两委”联席会议商议', 'the third step')
  await expectText(drawer.locator('[data-test=procedure-status]'), '进行中', 'the procedure status')
  await noIds(page, 'procedure')
  await shot(page, 'b21-procedure-step-done')
  await page.locator('.el-drawer__close-btn').click()
  await expectText(page.locator('[data-test=procedure-table] .el-table__row', { hasText: title }), '第 3 / 7 步', 'the procedure list')
  await shot(page, 'b22-procedures')
  await page.context().close()
  console.log(`PROCEDURE ${title}`)
}

async function ledgerCheck() {
  const page = await newPage()
  await login(page, 'admin')
  step('ledger chain: verify')
  await page.click('[data-test=menu-ledger-chain]')
  await page.click('[data-test=chain-verify]')
  await expectText(page.locator('[data-test=chain-result]'), '完整', 'the chain check')
  await shot(page, 'b04-ledger-verified')

  const text = await page.locator('[data-test=chain-result]').innerText()
  if (/校验 0 条链/.test(text)) throw new Error('the chain check found no ledgers: ' + text)
  step("export the village's chained ledger")
  await pick(page, page.locator('[data-test=chain-ledger]'), '议事与揭榜台账')
  await pick(page, page.locator('[data-test=chain-village]'), '长坑村')
  await page.click('[data-test=chain-verify]')
  await expectText(page.locator('[data-test=chain-result]'), '议事与揭榜台账', 'the village chain check')
  await expectText(page.locator('[data-test=chain-result]'), '完整', 'the village chain check')
  const file = page.waitForEvent('download')
  await page.click('[data-test=chain-export]')
  const name = (await file).suggestedFilename()
  if (!/长坑村议事与揭榜台账\.xlsx$/.test(name)) throw new Error('the export is named ' + name)
  await message(page, '已导出长坑村议事与揭榜台账')
  await shot(page, 'b08-ledger-village-export')
  await page.context().close()
}

try {
  const matter = await countyAdmin()
  console.log(`MATTER ${matter}`)
  await procedure()
  await projectBoard()
  await ledgerCheck()
  if (problems.length) throw new Error(problems.join('\n'))
  console.log('backoffice e2e: ok')
} catch (err) {
  console.error('backoffice e2e: FAILED: ' + (err && err.stack ? err.stack : err))
  process.exitCode = 1
} finally {
  await browser.close()
}
