// The phone app (/console/m/) at 390×844 in headless Chromium against a live platform:
//   the linked member records a visit (notes, a camera photo, a need, the location) and sees the
//   household marked and in the feed; the household rates it on the public page with the code from
//   the SMS; with the network switched off the member records two visits, which wait on the phone
//   (待发送, still there after a reload) and go out once each when it is back; the resident writes (写一写), photographs (拍一拍) and speaks (喊一喊, the fake microphone)
//   to the mailbox and follows the letter, the grid worker resolves it on the phone, the resident
//   rates it; a newcomer writes without an account; a township leader keeps the back office.
// Every screen: no horizontal overflow, no page error, no CSP violation, touch targets ≥ 44 px.
//   CONSOLE_URL, SHOTS_DIR, CHROMIUM as for console.mjs; SMS_OUTBOX the platform's SMS outbox file;
//   HOUSEHOLD_ID / HOUSEHOLD_NAME / HOUSEHOLD_PHONE the member's household to visit;
//   RESIDENT_GRID_ID the grid the newcomer writes to; OFFLINE_HOUSEHOLDS two more of the member's
//   households (id:name,id:name) visited with the network switched off.
import { chromium } from 'playwright-core'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { tmpdir } from 'node:os'

const CONSOLE_URL = (process.env.CONSOLE_URL || 'http://127.0.0.1:8000/console/').replace(/\/?$/, '/')
const SHOTS = process.env.SHOTS_DIR || new URL('../../var/test-artifacts/console/phone', import.meta.url).pathname
const PASSWORD = process.env.DEMO_PASSWORD || 'Demo@2026'
const HH = Number(process.env.HOUSEHOLD_ID)
const HH_NAME = process.env.HOUSEHOLD_NAME
const HH_PHONE = process.env.HOUSEHOLD_PHONE
mkdirSync(SHOTS, { recursive: true })
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64')
const OFFLINE_LETTER = '没有信号时写的信:桥边护栏松了'
const photo = join(tmpdir(), `phone-photo-${process.pid}.png`)
writeFileSync(photo, PNG)

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-dev-shm-usage',
    '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
  ],
})
const problems = []
const step = (name) => console.log('· ' + name)

async function newPhone() {
  const context = await browser.newContext({
    viewport: { width: 390, height: 844 }, deviceScaleFactor: 1, isMobile: true, hasTouch: true, locale: 'zh-CN',
    permissions: ['geolocation', 'microphone'], geolocation: { latitude: 28.9701, longitude: 118.8702, accuracy: 20 },
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

// every screen: fits the width, big enough to tap, then a screenshot
async function screen(page, name) {
  await page.waitForTimeout(400)
  const wide = await page.evaluate(() => ({ sw: document.documentElement.scrollWidth, iw: window.innerWidth }))
  if (wide.sw > wide.iw) throw new Error(`${name}: horizontal overflow (scrollWidth ${wide.sw} > innerWidth ${wide.iw}) on ${page.url()}`)
  const small = await page.evaluate(() =>
    [...document.querySelectorAll('button, a[href], [role=tab], .van-tabbar-item, .van-cell--clickable')]
      .filter((el) => {
        const r = el.getBoundingClientRect()
        const s = getComputedStyle(el)
        return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && !el.closest('[aria-hidden=true]') && (r.height < 44 || r.width < 44)
      })
      .map((el) => `${el.tagName.toLowerCase()}「${(el.innerText || el.getAttribute('aria-label') || '').trim().slice(0, 20)}」${Math.round(el.getBoundingClientRect().width)}×${Math.round(el.getBoundingClientRect().height)}`),
  )
  if (small.length) throw new Error(`${name}: touch targets under 44 px: ${small.join(', ')}`)
  await page.screenshot({ path: join(SHOTS, name + '.png'), fullPage: true })
}

async function expectText(page, selector, text) {
  await page.locator(selector).first().waitFor()
  await page
    .waitForFunction(([s, t]) => [...document.querySelectorAll(s)].some((e) => e.innerText.includes(t)), [selector, text])
    .catch(async () => {
      throw new Error(`expected "${text}" in ${selector}, got: ${(await page.locator(selector).first().innerText()).slice(0, 300)}`)
    })
}

async function toast(page, text) {
  await expectText(page, '.van-toast', text)
}

async function login(page, username, landing) {
  step(`login as ${username} on the phone`)
  await page.goto(CONSOLE_URL + 'login')
  await page.fill('input[name=username]', username)
  await page.fill('input[name=password]', PASSWORD)
  await page.click('[data-test=login-submit]')
  await page.waitForURL((u) => u.pathname.startsWith('/console/' + landing))
}

function smsCode(household) {
  const sent = readFileSync(process.env.SMS_OUTBOX, 'utf8').trim().split('\n').map((l) => JSON.parse(l))
  const mine = sent.filter((m) => m.household_id === household)
  if (!mine.length) throw new Error('no SMS to household ' + household)
  return mine[mine.length - 1].text.split('评价码:')[1].split(',')[0]
}

function smsLink(household) {
  // the household opens the link its SMS carries, with the code filled in
  const sent = readFileSync(process.env.SMS_OUTBOX, 'utf8').trim().split('\n').map((l) => JSON.parse(l))
  const text = sent.filter((m) => m.household_id === household).pop().text
  const link = (text.match(/点此评价:(\S+)/) || [])[1]
  if (!link || !link.startsWith(CONSOLE_URL + 'm/rate?code=')) throw new Error('no rating link in the SMS: ' + text)
  return link
}

async function member() {
  const page = await newPhone()
  await page.goto(CONSOLE_URL + 'login')
  await page.waitForSelector('[data-test=login-submit]')
  await screen(page, 'm00-login')
  await login(page, 'member', 'm/visits')
  await expectText(page, '[data-test=m-visit-list]', HH_NAME)
  await expectText(page, '[data-test=m-visit-summary]', '本月已走访 0 户')
  if (await page.locator('.el-aside').count()) throw new Error('the phone shows the desktop sidebar')
  await page.locator('[data-test=m-tabbar]').waitFor()
  await screen(page, 'm01-member-visits')

  step('a failed load says so, and never looks like nothing to do')
  const down = (route) => route.fulfill({ status: 503, contentType: 'application/problem+json', body: JSON.stringify({ title: '服务暂不可用,请稍后重试', code: 'service_unavailable', status: 503 }) })
  await page.route('**/api/v1/visit-lists/mine*', down)
  await page.reload()
  await expectText(page, '[data-test=m-load-error]', '走访清单读取失败')
  await expectText(page, '[data-test=m-load-error]', '服务暂不可用')
  if (await page.locator('.van-empty').count()) throw new Error('a failed load shows the empty state')
  await screen(page, 'm09-member-load-failed')
  await page.unroute('**/api/v1/visit-lists/mine*', down)
  await page.click('[data-test=m-load-error] button')
  await expectText(page, '[data-test=m-visit-list]', HH_NAME)

  step('household page: tap to call')
  await page.click(`[data-test=m-household-${HH}]`)
  await expectText(page, '[data-test=m-household]', HH_NAME)
  const tel = await page.locator('[data-test=m-call]').getAttribute('href')
  if (tel !== 'tel:' + HH_PHONE) throw new Error(`call link ${tel}, expected tel:${HH_PHONE}`)
  await screen(page, 'm02-member-household')

  step('record a visit: notes, a photo, a need, the location')
  await page.click('[data-test=m-record-visit]')
  await expectText(page, '[data-test=m-visit-household]', HH_NAME)
  await page.locator('[data-test=m-visit-notes] textarea').fill('入户走访,了解家中用水用电情况')
  await page.locator('[data-test=m-visit-photo]').setInputFiles(photo)
  await page.locator('.m-photos img').first().waitFor()
  await page.click('[data-test=m-visit-add-need]')
  await page.locator('[data-test=m-visit-need-0] textarea').fill('门前路灯不亮,晚上出行不便')
  await expectText(page, '[data-test=m-visit-location]', '已定位')
  await screen(page, 'm03-member-visit-form')
  await page.click('[data-test=m-visit-save]')
  await toast(page, `已记录对${HH_NAME}户的走访`)
  await page.waitForURL((u) => u.pathname.endsWith('/m/visits'))
  await page.locator(`[data-test=m-household-${HH}] [data-test=m-visited]`).waitFor()
  await expectText(page, '[data-test=m-visit-summary]', '本月已走访 1 户')
  await screen(page, 'm04-member-visited')

  step('the visit feed')
  await page.click('[data-test=tab-m-feed]')
  await expectText(page, '[data-test=m-feed-item]', `走访${HH_NAME}户`)
  await expectText(page, '[data-test=m-feed-item]', '了解家中用水用电情况')
  await expectText(page, '[data-test=m-feed-rating]', '农户尚未评价')
  await page.locator('[data-test=m-feed-item] .m-photos img[src^="blob:"]').first().waitFor()
  await screen(page, 'm05-member-feed')

  step('send a new rating code')
  const before = smsCode(HH)
  await page.click('[data-test=m-resend-code]')
  await page.locator('.van-dialog', { hasText: `${HH_NAME}户` }).waitFor()
  await screen(page, 'm06-member-resend-confirm')
  await page.click('.van-dialog__confirm')
  await toast(page, `已给${HH_NAME}户发送新的评价码`)
  if (smsCode(HH) === before) throw new Error('no new rating code was sent')
  await page.click('[data-test=tab-m-me]')
  await expectText(page, '[data-test=who]', '联户党员')
  await screen(page, 'm07-member-me')
  await page.context().close()
  return smsCode(HH)
}

async function household(code) {
  step('the household opens the link in its SMS and rates on the public page (no account)')
  const page = await newPhone()
  await page.goto(smsLink(HH))
  if ((await page.locator('[data-test=m-rate-code] input').inputValue()) !== code) throw new Error('the code from the link is not filled in')
  await page.locator('[data-test=m-rate-stars] .van-rate__item').nth(3).click()
  await expectText(page, '[data-test=m-rate-form]', '4 分 · 满意')
  await page.locator('[data-test=m-rate-comment] textarea').fill('党员来得勤,问题解决得快')
  await screen(page, 'm10-household-rate')
  await page.click('[data-test=m-rate-send]')
  await expectText(page, '[data-test=m-rate-done]', '谢谢您的评价')
  await screen(page, 'm11-household-rated')
  step('a used code is refused, in Chinese')
  await page.goto(CONSOLE_URL + 'm/rate?code=' + encodeURIComponent(code))
  await page.locator('[data-test=m-rate-stars] .van-rate__item').nth(4).click()
  await page.click('[data-test=m-rate-send]')
  await toast(page, '评价没有提交')
  await screen(page, 'm12-household-code-used')
  await page.context().close()

  step('the member sees the rating in the feed')
  const m = await newPhone()
  await login(m, 'member', 'm/visits')
  await m.click('[data-test=tab-m-feed]')
  await expectText(m, '[data-test=m-feed-rating]', '农户评价 4 分')
  await expectText(m, '[data-test=m-feed-rating]', '党员来得勤,问题解决得快')
  await screen(m, 'm13-member-feed-rated')
  await m.context().close()
}

// the member in a village with no signal: two visits (one with a photo) wait on the phone,
// survive a reload, and go out once each when the network returns, even when an answer is lost
async function offline() {
  const [a, b] = (process.env.OFFLINE_HOUSEHOLDS || '').split(',').map((s) => {
    const [id, name] = s.split(':')
    return { id: Number(id), name }
  })
  step('offline: the member records two visits with no signal')
  const page = await newPhone()
  const context = page.context()
  await login(page, 'member', 'm/visits')
  await expectText(page, '[data-test=m-visit-list]', a.name)
  await expectText(page, '[data-test=m-visit-list]', b.name)
  await page.waitForFunction(() => navigator.serviceWorker?.controller, null, { timeout: 30000 }).catch(() => {
    throw new Error('the service worker never took over the page (the app cannot open offline)')
  })
  await context.setOffline(true)

  await page.click(`[data-test=m-household-${a.id}]`)
  await expectText(page, '[data-test=m-household]', a.name)
  await page.click('[data-test=m-record-visit]')
  await expectText(page, '[data-test=m-visit-household]', a.name)
  await page.locator('[data-test=m-visit-notes] textarea').fill('山里没有信号,入户了解老人身体情况')
  await page.locator('[data-test=m-visit-photo]').setInputFiles(photo)
  await page.locator('[data-test=m-photo-kept] img').first().waitFor()
  await expectText(page, '[data-test=m-visit-location]', '已定位')
  await screen(page, 'm59-offline-visit-form')
  await page.click('[data-test=m-visit-save]')
  await toast(page, '已保存在手机上,有信号后自动发送')
  await page.waitForURL((u) => u.pathname.endsWith('/m/visits'))
  await expectText(page, '[data-test=m-outbox]', '待发送 (1)')

  await page.click(`[data-test=m-household-${b.id}]`)
  await page.click('[data-test=m-record-visit]')
  await expectText(page, '[data-test=m-visit-household]', b.name)
  await page.locator('[data-test=m-visit-notes] textarea').fill('没有信号时补记:了解了用水情况')
  await page.click('[data-test=m-visit-save]')
  await toast(page, '已保存在手机上,有信号后自动发送')
  await page.waitForURL((u) => u.pathname.endsWith('/m/visits'))
  await expectText(page, '[data-test=m-outbox]', '待发送 (2)')
  await expectText(page, '[data-test=m-outbox]', a.name)
  await expectText(page, '[data-test=m-outbox]', b.name)
  for (const h of [a, b]) await page.locator(`[data-test=m-household-${h.id}] [data-test=m-pending]`).waitFor()
  await screen(page, 'm60-offline-queued')

  step('offline: 立即发送 with no signal keeps them waiting')
  await page.click('[data-test=m-outbox-send]')
  await toast(page, '还没有信号')
  await expectText(page, '[data-test=m-outbox]', '待发送 (2)')

  step('offline: a reload with no signal still shows them (IndexedDB)')
  await page.reload()
  await expectText(page, '[data-test=m-outbox]', '待发送 (2)')
  await expectText(page, '[data-test=m-offline-note]', '没有信号')
  await page.locator(`[data-test=m-household-${a.id}] [data-test=m-pending]`).waitFor()
  await screen(page, 'm62-offline-reloaded')

  step('online again: the first answer is lost after the server recorded the visit, the visit is sent again')
  let lost = 0
  let posted = 0
  await page.route('**/api/v1/visits', async (route) => {
    if (route.request().method() !== 'POST') return route.continue()
    posted++
    if (lost) return route.continue()
    lost++
    const res = await route.fetch() // the server records the visit ...
    if (!res.ok()) throw new Error('the first send was refused: ' + (await res.text()))
    await route.abort('connectionreset') // ... and the answer never reaches the phone
  })
  let uploads = 0
  page.on('request', (r) => r.method() === 'POST' && r.url().endsWith('/api/v1/attachments') && uploads++)
  await context.setOffline(false)
  await page.waitForFunction(() => document.querySelector('[data-test=m-outbox]')?.innerText.includes('已尝试 1 次'))
  await screen(page, 'm63-offline-answer-lost')
  await page.click('[data-test=m-outbox-send]')
  await page.locator('[data-test=m-outbox]').waitFor({ state: 'detached', timeout: 60000 })
  if (uploads !== 1) throw new Error(`the kept photo was uploaded ${uploads} times, expected once (its id reused on the resend)`)
  if (posted !== 3) throw new Error(`expected 3 POST /visits (one answer lost, sent again, then the second visit), got ${posted}`)
  for (const h of [a, b]) await page.locator(`[data-test=m-household-${h.id}] [data-test=m-visited]`).waitFor()
  await screen(page, 'm61-offline-sent')
  await page.unroute('**/api/v1/visits')
  await context.close()
}

async function resident() {
  const page = await newPhone()
  await login(page, 'resident', 'm/mailbox')
  await page.locator('[data-test=m-mail-tabs]').waitFor()
  await screen(page, 'm20-resident-mailbox')

  step('写一写')
  const letter = `村口垃圾桶满了,已经三天没人清运(${Date.now() % 100000})`
  await page.locator('[data-test=m-mail-text] textarea').fill(letter)
  await page.click('[data-test=m-mail-send]')
  await toast(page, '留言已送到网格员')
  await page.waitForURL(/\/m\/matters\/\d+/)
  await expectText(page, '[data-test=m-matter]', letter)
  await expectText(page, '[data-test=m-matter-ledger]', '上报')
  await screen(page, 'm21-resident-letter')

  step('写一写 with no signal: the letter waits on the phone and goes out when the network is back')
  await page.click('.van-nav-bar__left')
  await page.context().setOffline(true)
  await page.locator('[data-test=m-mail-text] textarea').fill(OFFLINE_LETTER)
  await page.click('[data-test=m-mail-send]')
  await toast(page, '已保存在手机上,有信号后自动发送')
  await expectText(page, '[data-test=m-outbox]', '待发送 (1)')
  await screen(page, 'm25-resident-offline-letter')
  step('the first send is refused (4xx): 发送失败 with the reason in Chinese, then 重新发送')
  const refuse = (route) =>
    route.request().method() === 'POST'
      ? route.fulfill({ status: 422, contentType: 'application/problem+json', body: JSON.stringify({ title: '信件暂时无法受理', errors: { text: ['内容需要补充'] }, status: 422 }) })
      : route.continue()
  await page.route('**/api/v1/mailbox', refuse)
  await page.context().setOffline(false)
  await expectText(page, '[data-test=m-outbox-item]', '发送失败')
  await expectText(page, '[data-test=m-outbox-error]', '信件暂时无法受理')
  await expectText(page, '[data-test=m-outbox-error]', '文字说明:内容需要补充')
  await screen(page, 'm26-resident-letter-refused')
  await page.unroute('**/api/v1/mailbox', refuse)
  await page.click('[data-test=m-outbox-retry]')
  await toast(page, '已发送')
  await page.locator('[data-test=m-outbox]').waitFor({ state: 'detached', timeout: 60000 })

  step('拍一拍')
  await page.locator('[data-test=m-mail-tabs] [role=tab]', { hasText: '拍一拍' }).click()
  await page.locator('[data-test=m-mail-photo]').setInputFiles(photo)
  await page.locator('[data-test=m-mail-text] textarea').fill('路边电线杆歪了')
  await page.click('[data-test=m-mail-send]')
  await toast(page, '照片已送到网格员')
  await page.waitForURL(/\/m\/matters\/\d+/)
  await expectText(page, '[data-test=m-matter]', '路边电线杆歪了')

  step('喊一喊 (the fake microphone)')
  await page.click('.van-nav-bar__left')
  await page.locator('[data-test=m-mail-tabs] [role=tab]', { hasText: '喊一喊' }).click()
  await page.click('[data-test=m-mail-record]')
  await expectText(page, '[data-test=m-mail-voice]', '正在录音')
  await page.waitForTimeout(2200)
  await page.click('[data-test=m-mail-record]')
  await page.locator('[data-test=m-mail-voice-ready]').waitFor()
  await screen(page, 'm22-resident-voice')
  await page.click('[data-test=m-mail-send]')
  await toast(page, '语音已送到网格员')
  await page.waitForURL(/\/m\/matters\/\d+/)
  await expectText(page, '[data-test=m-matter]', '村民语音留言')
  await page.locator('[data-test=m-matter-voice] audio').waitFor()
  await page.waitForFunction(() => {
    const a = document.querySelector('[data-test=m-matter-voice] audio')
    return a && a.readyState >= 1 && a.duration > 1
  }).catch(() => {
    throw new Error('the voice message does not play back')
  })
  await screen(page, 'm24-resident-voice-letter')

  step('my matters and their progress')
  await page.click('.van-nav-bar__left')
  await page.click('[data-test=tab-m-my-matters]')
  await expectText(page, '[data-test=m-matters]', letter)
  await expectText(page, '[data-test=m-matters]', '路边电线杆歪了')
  await screen(page, 'm23-resident-matters')
  await page.context().close()
  return letter
}

async function gridworker(letter) {
  step('the grid worker resolves the letter on the phone')
  const page = await newPhone()
  await login(page, 'gridworker', 'm/tasks')
  await page.click('[data-test=tab-m-matters]')
  await page.locator('[data-test=m-matter-card]', { hasText: letter }).click()
  await page.click('[data-test=m-matter-requester]')
  await expectText(page, '[data-test=m-requester]', '拨打 1')
  await page.click('[data-test=m-matter-resolve]')
  const sheet = page.locator('[data-test=m-sheet]')
  await expectText(page, '[data-test=m-sheet]', '事项:')
  await sheet.locator('[data-test=m-sheet-note] textarea').fill('已联系保洁员清运')
  await screen(page, 'm30-gridworker-resolve')
  await sheet.locator('[data-test=m-sheet-confirm]').click()
  await toast(page, '已办结')
  await expectText(page, '[data-test=m-matter-status]', '已办结')
  await page.context().close()

  step('the resident rates the handled letter')
  const r = await newPhone()
  await login(r, 'resident', 'm/mailbox')
  await r.click('[data-test=tab-m-my-matters]')
  await r.locator('[data-test=m-matter-card]', { hasText: letter }).click()
  await expectText(r, '[data-test=m-matter]', '已联系保洁员清运')
  await r.click('[data-test=m-matter-rate]')
  await r.locator('[data-test=m-sheet-rate] .van-rate__item').nth(4).click()
  await r.locator('[data-test=m-sheet] [data-test=m-sheet-confirm]').click()
  await toast(r, '5 分')
  await expectText(r, '[data-test=m-matter]', '已评价 5 分')
  await screen(r, 'm31-resident-rated')
  await r.context().close()
}

async function cadre() {
  const title = process.env.TASK_TITLE
  step('the village cadre claims and submits a task on the phone')
  const page = await newPhone()
  await login(page, 'cadre', 'm/tasks')
  const card = page.locator('[data-test=m-task-card]', { hasText: title })
  await card.waitFor()
  await screen(page, 'm50-cadre-tasks')
  await card.locator('[data-test=m-task-claim]').click()
  await toast(page, `「${title}」已领办`)
  await card.locator('[data-test=m-task-submit]').click()
  const sheet = page.locator('[data-test=m-sheet]')
  await expectText(page, '[data-test=m-sheet]', '任务:' + title)
  await sheet.locator('[data-test=m-task-text] textarea').fill('已入户检查燃气灶具和软管 36 户,整改 2 处')
  await sheet.locator('[data-test=m-task-photo]').setInputFiles(photo)
  await sheet.locator('.m-photos img').first().waitFor()
  await expectText(page, '[data-test=m-sheet]', '已定位')
  await screen(page, 'm51-cadre-submit')
  await sheet.locator('[data-test=m-task-confirm]').click()
  await toast(page, `「${title}」已提交`)
  await expectText(page, '[data-test=m-task-card]', '已提交')
  await screen(page, 'm52-cadre-submitted')
  await page.context().close()
}

async function newcomer() {
  step('a newcomer writes without an account')
  const page = await newPhone()
  await page.goto(CONSOLE_URL + 'm/letter?grid=' + process.env.RESIDENT_GRID_ID)
  await page.locator('[data-test=m-letter-phone] input').fill('13900005555')
  await page.locator('[data-test=m-mail-text] textarea').fill('刚搬来,想问问怎么办居住登记')
  await screen(page, 'm40-newcomer-letter')
  await page.click('[data-test=m-mail-send]')
  await expectText(page, '[data-test=m-letter-done]', '13900005555')
  await screen(page, 'm41-newcomer-sent')
  await page.context().close()

  step('a township leader on a phone keeps the back office')
  const t = await newPhone()
  await t.goto(CONSOLE_URL + 'login')
  await t.fill('input[name=username]', 'township')
  await t.fill('input[name=password]', PASSWORD)
  await t.click('[data-test=login-submit]')
  await t.waitForSelector('[data-test=who]')
  if (t.url().includes('/m/')) throw new Error('a township leader landed on the phone app')
  await t.context().close()
}

try {
  const code = await member()
  await household(code)
  await offline()
  const letter = await resident()
  await gridworker(letter)
  await cadre()
  await newcomer()
  if (problems.length) throw new Error(problems.join('\n'))
  console.log('phone e2e: ok')
} catch (err) {
  console.error('phone e2e: FAILED: ' + (err && err.stack ? err.stack : err))
  if (problems.length) console.error(problems.join('\n'))
  process.exitCode = 1
} finally {
  await browser.close()
}
