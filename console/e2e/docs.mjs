// Swagger UI at /docs in headless Chromium, under the gateway's Content-Security-Policy:
// the page must render the operations and expand one, with no CSP violation.
//   DOCS_URL  (default http://127.0.0.1:8000/docs), CHROMIUM (default /usr/bin/chromium)
import { chromium } from 'playwright-core'

const DOCS_URL = process.env.DOCS_URL || 'http://127.0.0.1:8000/docs'
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
})
const problems = []
try {
  const context = await browser.newContext()
  await context.exposeBinding('reportCspViolation', (_source, v) => problems.push('CSP violation: ' + v))
  await context.addInitScript(() =>
    document.addEventListener('securitypolicyviolation', (e) =>
      window.reportCspViolation(`${e.effectiveDirective} blocked ${e.blockedURI || 'inline'}`),
    ),
  )
  const page = await context.newPage()
  page.setDefaultTimeout(20000)
  page.on('pageerror', (e) => problems.push('page error: ' + e.message))
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) problems.push('CSP: ' + m.text())
  })
  const response = await page.goto(DOCS_URL)
  const csp = response.headers()['content-security-policy'] || ''
  if (!/script-src 'self'(;|$)/.test(csp)) throw new Error('missing CSP on /docs: ' + csp)
  await page.waitForSelector('.opblock-summary')
  const operations = await page.locator('.opblock').count()
  if (operations < 100) throw new Error(`only ${operations} operations rendered`)
  await page.locator('.opblock-summary').first().click()
  await page.waitForSelector('.opblock-body')
  await page.waitForTimeout(300)
  if (problems.length) throw new Error(problems.join('\n'))
  console.log(`docs e2e: ok (${operations} operations)`)
} catch (err) {
  console.error('docs e2e: FAILED: ' + (err && err.stack ? err.stack : err))
  process.exitCode = 1
} finally {
  await browser.close()
}
