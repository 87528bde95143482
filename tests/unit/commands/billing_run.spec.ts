import { test } from '@japa/runner'
import testUtils from '@adonisjs/core/services/test_utils'
import ace from '@adonisjs/core/services/ace'
import db from '@adonisjs/lucid/services/db'
import BillingRun from '../../../commands/billing_run.js'
import { givenOrg } from '#tests/helpers/given'
import { billingProfile, issuedAt } from '#tests/helpers/billing'

async function run(argv: string[] = []) {
  ace.ui.logger.flushLogs()
  const command = await ace.create(BillingRun, argv)
  await command.exec()
  return { command, logs: command.ui.logger.getLogs().map((log) => log.message) }
}

test.group('node ace billing:run', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())
  group.each.setup(() => ace.ui.switchMode('raw'))
  group.each.teardown(() => ace.ui.switchMode('normal'))

  test('--dry-run prints what one org would be invoiced, line by line, and writes nothing; the real run then invoices it once', async ({
    assert,
  }) => {
    const { org: created } = await givenOrg()
    const org = await billingProfile(created, { createdAt: '2026-05-01T10:00:00Z', state: 'Goa' })
    await issuedAt(org, '2026-10-09T10:00:00Z', 3)

    const dry = await run(['--period=2026-10', `--org=${org.slug}`, '--dry-run'])
    dry.command.assertSucceeded()
    // 39,900 + 3,000 = 42,900 taxable, IGST 7,722 (Goa is not Karnataka): 50,622 → ₹506.
    assert.deepEqual(dry.logs, [
      `[ blue(info) ] ${org.slug}: would invoice INR 506.00 (with GST)`,
      '[ blue(info) ]   1 × 399.00  Platform fee, startup plan, October 2026',
      '[ blue(info) ]   3 × 10.00  Certificates issued, October 2026',
      '[ blue(info) ] 2026-10: 1 organization, would invoice 1 (INR 506.00 with GST), 0 with nothing to invoice, 0 already closed, 0 not billable',
    ])
    assert.lengthOf(await db.from('billing_periods').where('organization_id', org.id), 0)

    const real = await run(['--period=2026-10', `--org=${org.slug}`])
    real.command.assertSucceeded()
    assert.match(real.logs.at(-1)!, /invoiced 1 \(INR 506\.00 with GST\)/)
    const again = await run(['--period=2026-10', `--org=${org.slug}`, '--quiet'])
    again.command.assertSucceeded()
    assert.deepEqual(again.logs, [])
    assert.lengthOf(await db.from('billing_invoices').where('organization_id', org.id), 1)
  })

  test('a period that is not a month, one not yet ended and an org that did not exist are refused with the reason', async ({
    assert,
  }) => {
    const bad = await run(['--period=2026-13'])
    bad.command.assertFailed()
    assert.deepEqual(bad.logs, [
      '[ red(error) ] --period is a month as YYYY-MM (2026-11), not “2026-13”',
    ])
    const future = await run(['--period=2099-01'])
    future.command.assertFailed()
    assert.deepEqual(future.logs, ['[ red(error) ] 2099-01 has not ended yet'])
    const nobody = await run(['--period=2026-10', '--org=nobody-here'])
    nobody.command.assertFailed()
    assert.deepEqual(nobody.logs, [
      '[ red(error) ] no organization “nobody-here” existed in 2026-10',
    ])
  })
})
