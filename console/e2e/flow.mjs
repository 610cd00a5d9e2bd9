// One real piece of work for three roles, through the UI only:
//   township leader sends a coded task to the whole township, approves it, dispatches it to all its villages;
//   the village cadre claims it and submits text, a photo and a location;
//   the township leader accepts it, and the village board shows the village.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { tmpdir } from 'node:os'

// a real 1x1 PNG, sniffed by the attachment service as image/png
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64')

export async function flow({ newPage, login, shot, step, expectText, CONSOLE_URL }) {
  const title = `燃气使用安全检查(测试 ${Date.now() % 100000})`
  const code = process.env.FLOW_MATTER_CODE || 'AQ003'

  // -- township leader: send, approve, dispatch ----------------------------------------------
  let page = await newPage()
  await login(page, 'township')
  await page.click('[data-test=menu-review]')
  await page.click('[data-test=new-task]')
  const dialog = page.locator('[data-test=create-dialog]')
  await dialog.locator('[data-test=task-title]').fill(title)
  step('choose the township as target')
  await dialog.locator('div.el-select[data-test=task-targets]').click()
  const node = page.locator('.el-tree-node__content', { hasText: '横山镇' }).first()
  await node.locator('.el-checkbox').click()
  await page.keyboard.press('Escape').catch(() => {})
  await dialog.locator('.el-dialog__header').click()
  step(`choose matter ${code}`)
  await dialog.locator('[data-test=task-code]').click()
  await page.keyboard.type(code)
  await page.locator('.el-select-dropdown__item:visible', { hasText: code }).first().click()
  await shot(page, '10-township-new-task')
  await dialog.locator('[data-test=task-send]').click()
  const drawer = page.locator('[data-test=task-drawer]')
  await drawer.locator('[data-test=screening]').waitFor()
  await expectText(page, '[data-test=task-drawer]', '过筛通过')
  step('approve')
  await drawer.locator('[data-test=approve]').click()
  await page.locator('.el-message-box__btns .el-button--primary', { hasText: '审核通过' }).click() // confirmed
  await drawer.locator('[data-test=dispatch]').waitFor()
  await shot(page, '11-township-review-dispatch')
  step('dispatch to every village of the township')
  await drawer.locator('[data-test=dispatch]').click()
  await page.locator('.el-message-box__btns .el-button--primary', { hasText: '派单' }).click() // confirmed
  await expectText(page, '[data-test=task-drawer]', '各村办理')
  await shot(page, '12-township-dispatched')
  await page.context().close()

  // -- village cadre: claim and submit with a photo ---------------------------------------------
  page = await newPage()
  await login(page, 'cadre')
  if (await page.locator('[data-test=menu-review]').count()) throw new Error('village cadre sees 审核派单')
  await page.click('[data-test=menu-my-tasks]')
  const row = page.locator('[data-test=assignments-table] .el-table__row', { hasText: title }).first()
  await row.waitFor()
  step('claim')
  await row.locator('[data-test=claim]').click()
  await row.locator('[data-test=submit]').waitFor()
  step('submit without evidence shows the API error in Chinese')
  await row.locator('[data-test=submit]').click()
  const sub = page.locator('[data-test=submit-dialog]')
  await sub.locator('[data-test=submit-confirm]').click()
  await sub.locator('.el-alert--error').waitFor()
  await shot(page, '20-cadre-submit-refused')
  step('submit with text, photo and location')
  await sub.locator('[data-test=evidence-text]').fill('已入户检查燃气灶具和软管 36 户,整改 2 处')
  const png = join(tmpdir(), `evidence-${process.pid}.png`)
  writeFileSync(png, PNG)
  await sub.locator('[data-test=photo-upload] input[type=file]').setInputFiles(png)
  await sub.locator('.el-upload-list__item.is-success').waitFor()
  const numbers = sub.locator('.el-input-number input')
  await numbers.nth(0).fill('28.97')
  await numbers.nth(0).blur()
  await numbers.nth(1).fill('118.87')
  await numbers.nth(1).blur()
  await shot(page, '21-cadre-submit')
  await sub.locator('[data-test=submit-confirm]').click()
  await sub.waitFor({ state: 'hidden' })
  await page.locator('[data-test=assignments-table] .el-table__row', { hasText: title }).filter({ hasText: '已提交' }).first().waitFor()
  await shot(page, '22-cadre-my-tasks')
  await page.context().close()

  // -- township leader: accept; the board shows the village ----------------------------------------
  page = await newPage()
  await login(page, 'township')
  const boardText = async () => {
    await page.locator('[data-test=board-table]').waitFor()
    await page.waitForTimeout(1000)
    return page.locator('[data-test=board-table]').innerText()
  }
  await page.click('[data-test=menu-boards]')
  const before = await boardText()
  await shot(page, '29-township-board-before')
  await page.click('[data-test=menu-progress]')
  await page.locator('[data-test=progress-grid]').waitFor()
  const waiting = page.locator('[data-test=progress-assignments] .el-table__row', { hasText: title }).first()
  await waiting.waitFor()
  await shot(page, '30-township-progress')
  step('accept')
  await waiting.locator('[data-test=accept]').click()
  await page.locator('.el-message-box__btns .el-button--primary', { hasText: '验收通过' }).click() // every action confirmed
  await waiting.waitFor({ state: 'detached' })
  step('village board')
  await page.click('[data-test=menu-boards]')
  for (let i = 0; ; i++) {
    const now = await boardText()
    if (now.includes('长坑村') && now !== before) break
    if (i > 30) throw new Error('the village board did not change after the acceptance:\n' + now.slice(0, 400))
    await page.reload()
  }
  await shot(page, '31-township-board')
  await page.click('[data-test=menu-grid-colours]')
  await page.locator('[data-test=grid-colours]').waitFor({ state: 'attached' })
  await page.locator('.el-loading-mask').first().waitFor({ state: 'detached' }).catch(() => {})
  await shot(page, '32-township-grid-colours')
  await page.click('[data-test=menu-stats]')
  await page.locator('[data-test=stats-kpi]').waitFor()
  await shot(page, '33-township-stats')
  await page.context().close()
}
